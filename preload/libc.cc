// The exported names are the ABI's: sendfile and fcntl with the 32-bit
// off_t, sendfile64 and fcntl64 beside them. meson builds with
// _FILE_OFFSET_BITS=64, which would rename the former to the latter.
#undef _FILE_OFFSET_BITS
#include "preload/libc.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace percore::preload {
namespace {

Libc resolve() {
  Libc table;
#define PERCORE_LIBC_RESOLVE(ret, name, params)                                       \
  table.name = reinterpret_cast<ret(*) params>(dlsym(RTLD_NEXT, #name));              \
  if (table.name == nullptr) {                                                        \
    std::fprintf(stderr, "percore: libc has no %s: %s\n", #name, dlerror());          \
    std::abort();                                                                     \
  }
  PERCORE_LIBC_SYMBOLS(PERCORE_LIBC_RESOLVE)
#undef PERCORE_LIBC_RESOLVE
  return table;
}

}  // namespace

const Libc& libc() {
  static const Libc table = resolve();
  return table;
}

}  // namespace percore::preload
