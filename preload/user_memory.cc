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

std::atomic<std::uintptr_t> user_lowest{0};

std::uintptr_t read_user_lowest() {
  unsigned long v = 65536;  // Linux's default
  if (FILE* f = std::fopen("/proc/sys/vm/mmap_min_addr", "re")) {
    if (std::fscanf(f, "%lu", &v) != 1) v = 65536;
    std::fclose(f);
  }
  // mmap_min_addr 0 still leaves page 0 unmapped in practice; 0 would also
  // mean "not read yet".
  const std::uintptr_t lowest = v != 0 ? static_cast<std::uintptr_t>(v) : 1;
  user_lowest.store(lowest, std::memory_order_relaxed);
  return lowest;
}

}  // namespace percore::preload
