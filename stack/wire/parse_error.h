// Why a checked view refused a packet. The network layer counts drops per
// layer and per reason, so the set is small and fixed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>

namespace percore::wire {

enum class ParseError : std::uint8_t {
  Truncated,        // the buffer ends before what the packet's own fields say is there
  BadVersion,       // IPv4 version field is not 4
  BadHeaderLength,  // IPv4 IHL < 5 or TCP data offset < 5
  BadTotalLength,   // IPv4 total length below its header length, UDP length below 8
  BadChecksum,
  BadOptionLength,  // a TCP option whose length byte is impossible for its kind
  Fragment,         // an IPv4 fragment; percore does not reassemble
  Unsupported,      // well formed, but not something percore speaks (e.g. ARP for IPv6)
};

inline constexpr std::size_t kParseErrorCount = 8;
static_assert(static_cast<std::size_t>(ParseError::Unsupported) + 1 == kParseErrorCount);

// snake_case names, stable for statistics output ("bad_checksum").
const char* to_string(ParseError e);
std::ostream& operator<<(std::ostream& os, ParseError e);

}  // namespace percore::wire
