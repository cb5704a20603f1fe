#include "preload/user_memory.h"

#include <sys/uio.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

namespace percore::preload {

bool read_user(void* dst, const void* src, std::size_t n) {
  if (n == 0) return true;
  iovec local{dst, n}, remote{const_cast<void*>(src), n};
  return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(n);
}

bool write_user(void* dst, const void* src, std::size_t n) {
  if (n == 0) return true;
  iovec local{const_cast<void*>(src), n}, remote{dst, n};
  return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == static_cast<ssize_t>(n);
}

bool user_range_ok(const void* p, std::size_t n) {
  static const std::uintptr_t lowest = [] {
    unsigned long v = 65536;  // Linux's default vm.mmap_min_addr
    if (FILE* f = std::fopen("/proc/sys/vm/mmap_min_addr", "re")) {
      if (std::fscanf(f, "%lu", &v) != 1) v = 65536;
      std::fclose(f);
    }
    return static_cast<std::uintptr_t>(v);
  }();
  constexpr std::uintptr_t kUserEnd = (std::uintptr_t{1} << 56) - 4096;
  if (n == 0) return true;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  return a >= lowest && a < kUserEnd && n <= kUserEnd - a;
}

}  // namespace percore::preload
