// IPv4 (RFC 791). Options are accepted and skipped on input, never emitted.
// Fragments parse as views, so they can be counted, but Ipv4Repr refuses
// them: percore does not reassemble.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>

#include "stack/wire/addr.h"
#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "stack/wire/parse_error.h"

namespace percore::wire {

enum class IpProto : std::uint8_t { Icmp = 1, Tcp = 6, Udp = 17 };

class Ipv4View {
 public:
  // Checks, in order: at least 20 bytes (Truncated); version 4 (BadVersion);
  // IHL >= 5 (BadHeaderLength); the header within the buffer (Truncated);
  // total length >= header length (BadTotalLength); total length within the
  // buffer (Truncated); the header checksum unless told to skip it
  // (BadChecksum). Bytes past the total length are link padding.
  static std::expected<Ipv4View, ParseError> parse(Bytes packet,
                                                   ChecksumCheck check = ChecksumCheck::Verify);

  std::size_t header_len() const { return (packet_[0] & 0x0f) * 4u; }
  std::size_t total_len() const { return packet_.size(); }
  std::uint8_t dscp_ecn() const { return packet_[1]; }
  std::uint16_t id() const { return load_be16(packet_.data() + 4); }
  bool dont_fragment() const { return (packet_[6] & 0x40) != 0; }
  bool more_fragments() const { return (packet_[6] & 0x20) != 0; }
  // In bytes: the field counts 8-byte units.
  std::size_t frag_offset() const { return (load_be16(packet_.data() + 6) & 0x1fffu) * 8u; }
  bool is_fragment() const { return more_fragments() || frag_offset() != 0; }
  std::uint8_t ttl() const { return packet_[8]; }
  std::uint8_t protocol() const { return packet_[9]; }
  std::uint16_t checksum() const { return load_be16(packet_.data() + 10); }
  Ipv4Addr src() const { return load_ipv4(packet_.data() + 12); }
  Ipv4Addr dst() const { return load_ipv4(packet_.data() + 16); }
  Bytes header() const { return packet_.first(header_len()); }
  // Up to the total length: Ethernet padding is not payload.
  Bytes payload() const { return packet_.subspan(header_len()); }

 private:
  explicit Ipv4View(Bytes packet) : packet_(packet) {}
  Bytes packet_;  // exactly total_len() bytes
};

struct Ipv4Repr {
  Ipv4Addr src;
  Ipv4Addr dst;
  std::uint8_t protocol = 0;
  std::uint16_t payload_len = 0;
  std::uint8_t ttl = 64;
  std::uint16_t id = 0;
  bool dont_fragment = true;
  std::uint8_t dscp_ecn = 0;

  // Fragment for any fragment (MF set or a non-zero offset).
  static std::expected<Ipv4Repr, ParseError> parse(const Ipv4View& view);
  // Options are never emitted, so the header is always 20 bytes.
  static constexpr std::size_t buffer_len() { return 20; }
  // Writes the header into out[0, buffer_len()); the payload is the caller's.
  void emit(MutBytes out, ChecksumFill fill = ChecksumFill::Full) const;

  friend bool operator==(const Ipv4Repr&, const Ipv4Repr&) = default;
};

}  // namespace percore::wire
