// ICMP for IPv4 (RFC 792): an 8-byte header whose last four bytes depend on
// the type (identifier and sequence number for echo), then data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>

#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "stack/wire/parse_error.h"

namespace percore::wire {

inline constexpr std::size_t kIcmpHeaderLen = 8;

class IcmpView {
 public:
  // Truncated below 8 bytes; BadChecksum unless the checksum over the whole
  // message is right (or check is Skip). The message is the IP payload.
  static std::expected<IcmpView, ParseError> parse(Bytes message,
                                                   ChecksumCheck check = ChecksumCheck::Verify);

  std::uint8_t type() const { return message_[0]; }
  std::uint8_t code() const { return message_[1]; }
  std::uint16_t checksum() const { return load_be16(message_.data() + 2); }
  std::uint32_t rest_of_header() const { return load_be32(message_.data() + 4); }
  // Echo request and reply (RFC 792 p.14).
  std::uint16_t ident() const { return load_be16(message_.data() + 4); }
  std::uint16_t seq_no() const { return load_be16(message_.data() + 6); }
  Bytes data() const { return message_.subspan(kIcmpHeaderLen); }

 private:
  explicit IcmpView(Bytes message) : message_(message) {}
  Bytes message_;
};

struct IcmpRepr {
  static constexpr std::uint8_t kEchoReply = 0;
  static constexpr std::uint8_t kDestUnreachable = 3;
  static constexpr std::uint8_t kEchoRequest = 8;
  static constexpr std::uint8_t kTimeExceeded = 11;

  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;
  Bytes data;  // borrowed: from the parsed packet, or the caller's for emit

  static IcmpRepr parse(const IcmpView& view);
  std::uint16_t ident() const { return static_cast<std::uint16_t>(rest_of_header >> 16); }
  std::uint16_t seq_no() const { return static_cast<std::uint16_t>(rest_of_header); }
  std::size_t buffer_len() const { return kIcmpHeaderLen + data.size(); }
  // Writes header and data into out[0, buffer_len()) and fills the checksum.
  void emit(MutBytes out) const;
};

}  // namespace percore::wire
