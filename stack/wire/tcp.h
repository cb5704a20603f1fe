// TCP segments (RFC 9293) over IPv4, with the options percore negotiates:
// MSS, window scale and timestamps (RFC 7323), SACK (RFC 2018).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>

#include "stack/wire/addr.h"
#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "stack/wire/parse_error.h"
#include "stack/wire/seq.h"

namespace percore::wire {

inline constexpr std::size_t kTcpHeaderLen = 20;
// The data offset is 4 bits of 32-bit words: 60 bytes of header at most.
inline constexpr std::size_t kTcpMaxOptionsLen = 40;

namespace TcpFlag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
inline constexpr std::uint8_t kUrg = 0x20;
inline constexpr std::uint8_t kEce = 0x40;
inline constexpr std::uint8_t kCwr = 0x80;
}  // namespace TcpFlag

namespace TcpOptionKind {
inline constexpr std::uint8_t kEol = 0;
inline constexpr std::uint8_t kNop = 1;
inline constexpr std::uint8_t kMss = 2;
inline constexpr std::uint8_t kWindowScale = 3;
inline constexpr std::uint8_t kSackPermitted = 4;
inline constexpr std::uint8_t kSack = 5;
inline constexpr std::uint8_t kTimestamps = 8;
}  // namespace TcpOptionKind

// One SACK block (RFC 2018 3): the first sequence number held and the one
// after the last.
struct SackBlock {
  Seq left;
  Seq right;
  friend bool operator==(const SackBlock&, const SackBlock&) = default;
};

struct TcpTimestamps {
  std::uint32_t val = 0;  // TSval
  std::uint32_t ecr = 0;  // TSecr
  friend bool operator==(const TcpTimestamps&, const TcpTimestamps&) = default;
};

struct TcpOptions {
  std::optional<std::uint16_t> mss;
  // As received: RFC 7323 2.3's clamp to 14 is the TCP layer's decision.
  std::optional<std::uint8_t> window_scale;
  bool sack_permitted = false;
  std::optional<TcpTimestamps> timestamps;
  std::array<SackBlock, 4> sack{};
  std::uint8_t sack_count = 0;

  // NOP and EOL (which ends the list) are layout. Unknown kinds with a sane
  // length are skipped (RFC 9293 3.1). BadOptionLength for a length byte
  // below 2 or missing, an option running past the end, or a known kind with
  // a length it cannot have (SACK: 2 + 8n, n from 1 to 4).
  static std::expected<TcpOptions, ParseError> parse(Bytes options);

  // The bytes emit() writes, in Linux's layout (a multiple of 4).
  std::size_t emitted_len() const;
  // SACK blocks that fit beside the other options: Linux's rule, at most 3
  // with timestamps and 4 without.
  std::uint8_t emitted_sack_count() const;
  // Writes emitted_len() bytes in exactly the layout Linux's
  // tcp_options_write() produces, so a real segment re-emits byte for byte:
  // MSS; SACK-permitted + TS, or NOP NOP TS, or NOP NOP SACK-permitted;
  // NOP WS; NOP NOP SACK.
  void emit(MutBytes out) const;

  friend bool operator==(const TcpOptions&, const TcpOptions&) = default;
};

class TcpView {
 public:
  // segment is the IP payload; src and dst feed the pseudo-header.
  // Truncated below 20 bytes or when the data offset runs past the buffer;
  // BadHeaderLength for a data offset below 5; BadChecksum unless the
  // checksum is right (or check is Skip).
  static std::expected<TcpView, ParseError> parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst,
                                                  ChecksumCheck check = ChecksumCheck::Verify);

  std::uint16_t src_port() const { return load_be16(segment_.data()); }
  std::uint16_t dst_port() const { return load_be16(segment_.data() + 2); }
  Seq seq() const { return Seq(load_be32(segment_.data() + 4)); }
  Seq ack() const { return Seq(load_be32(segment_.data() + 8)); }
  std::size_t header_len() const { return (segment_[12] >> 4) * 4u; }
  std::uint8_t flags() const { return segment_[13]; }
  std::uint16_t window() const { return load_be16(segment_.data() + 14); }
  std::uint16_t checksum() const { return load_be16(segment_.data() + 16); }
  std::uint16_t urgent() const { return load_be16(segment_.data() + 18); }
  Bytes options() const { return segment_.subspan(kTcpHeaderLen, header_len() - kTcpHeaderLen); }
  Bytes payload() const { return segment_.subspan(header_len()); }

 private:
  explicit TcpView(Bytes segment) : segment_(segment) {}
  Bytes segment_;
};

struct TcpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  Seq seq;
  Seq ack;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;  // as on the wire, before window scaling
  std::uint16_t urgent = 0;
  TcpOptions options;
  Bytes payload;  // borrowed: from the parsed segment, or the caller's for emit

  // Fails only on the options (BadOptionLength).
  static std::expected<TcpRepr, ParseError> parse(const TcpView& view);

  // SEG.LEN (RFC 9293 3.4): the payload plus one for each of SYN and FIN.
  std::uint32_t segment_len() const {
    return static_cast<std::uint32_t>(payload.size()) + ((flags & TcpFlag::kSyn) ? 1 : 0) +
           ((flags & TcpFlag::kFin) ? 1 : 0);
  }
  std::size_t header_len() const { return kTcpHeaderLen + options.emitted_len(); }
  std::size_t buffer_len() const { return header_len() + payload.size(); }
  // Writes header, options and payload into out[0, buffer_len()). Full fills
  // the checksum; Offload leaves the pseudo-header sum for the NIC (not the
  // TSO variant, whose pseudo-header omits the length).
  void emit(MutBytes out, Ipv4Addr src, Ipv4Addr dst, ChecksumFill fill = ChecksumFill::Full) const;
};

}  // namespace percore::wire
