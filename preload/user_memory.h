// The application's memory, read and written as the kernel would: EFAULT
// instead of a crash for a bad pointer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace percore::preload {

// Copies through process_vm_readv/writev on ourselves, which check the
// mapping: for the slow calls (bind, connect, names, epoll_ctl).
bool read_user(void* dst, const void* src, std::size_t n);
bool write_user(void* dst, const void* src, std::size_t n);

// vm.mmap_min_addr, read at the first check (0 until then).
extern std::atomic<std::uintptr_t> user_lowest;
std::uintptr_t read_user_lowest();
inline constexpr std::uintptr_t kUserEnd = (std::uintptr_t{1} << 56) - 4096;

// The data path cannot afford a system call per buffer: this rejects what
// can never be mapped (below vm.mmap_min_addr, beyond the user address
// space), which is what a NULL-based or garbage pointer is. Inline: it runs
// for every iovec of every send and recv.
inline bool user_range_ok(const void* p, std::size_t n) {
  if (n == 0) return true;
  std::uintptr_t lowest = user_lowest.load(std::memory_order_relaxed);
  if (lowest == 0) [[unlikely]]
    lowest = read_user_lowest();
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  return a >= lowest && a < kUserEnd && n <= kUserEnd - a;
}

}  // namespace percore::preload
