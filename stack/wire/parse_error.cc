#include "stack/wire/parse_error.h"

#include <ostream>

namespace percore::wire {

const char* to_string(ParseError e) {
  switch (e) {
    case ParseError::Truncated: return "truncated";
    case ParseError::BadVersion: return "bad_version";
    case ParseError::BadHeaderLength: return "bad_header_length";
    case ParseError::BadTotalLength: return "bad_total_length";
    case ParseError::BadChecksum: return "bad_checksum";
    case ParseError::BadOptionLength: return "bad_option_length";
    case ParseError::Fragment: return "fragment";
    case ParseError::Unsupported: return "unsupported";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, ParseError e) { return os << to_string(e); }

}  // namespace percore::wire
