// The application's memory, read and written as the kernel would: EFAULT
// instead of a crash for a bad pointer.
#pragma once

#include <cstddef>

namespace percore::preload {

// Copies through process_vm_readv/writev on ourselves, which check the
// mapping: for the slow calls (bind, connect, names, epoll_ctl).
bool read_user(void* dst, const void* src, std::size_t n);
bool write_user(void* dst, const void* src, std::size_t n);

// The data path cannot afford a system call per buffer: this rejects what
// can never be mapped (below vm.mmap_min_addr, beyond the user address
// space), which is what a NULL-based or garbage pointer is.
bool user_range_ok(const void* p, std::size_t n);

}  // namespace percore::preload
