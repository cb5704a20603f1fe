// Debian's abseil is built with its own absl::string_view
// (ABSL_OPTION_USE_STD_STRING_VIEW is 0), so a std::string_view must be
// converted explicitly before it meets absl's string functions.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace percore {

inline absl::string_view absl_view(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace percore
