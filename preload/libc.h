// The original libc functions behind every intercepted symbol, resolved
// once with dlsym(RTLD_NEXT). percore's own kernel calls go through here,
// never through the exported shims (which would recurse).
#pragma once

#include "preload/symbols.h"

namespace percore::preload {

struct Libc {
#define PERCORE_LIBC_POINTER(ret, name, params) ret(*name) params = nullptr;
  PERCORE_LIBC_SYMBOLS(PERCORE_LIBC_POINTER)
#undef PERCORE_LIBC_POINTER
};

// Resolved on first use (a constructor may run after another library's
// constructor has already called socket()); aborts with a message if a
// symbol is missing, which only a broken libc would cause.
const Libc& libc();

}  // namespace percore::preload
