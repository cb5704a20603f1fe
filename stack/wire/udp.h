// UDP (RFC 768) over IPv4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>

#include "stack/wire/addr.h"
#include "stack/wire/bytes.h"
#include "stack/wire/checksum.h"
#include "stack/wire/parse_error.h"

namespace percore::wire {

inline constexpr std::size_t kUdpHeaderLen = 8;

class UdpView {
 public:
  // datagram is the IP payload; src and dst feed the pseudo-header.
  // Truncated below 8 bytes or when the length field runs past the buffer;
  // BadTotalLength when the length field is below 8; BadChecksum when a
  // checksum is present (non-zero) and wrong, unless check is Skip.
  static std::expected<UdpView, ParseError> parse(Bytes datagram, Ipv4Addr src, Ipv4Addr dst,
                                                  ChecksumCheck check = ChecksumCheck::Verify);

  std::uint16_t src_port() const { return load_be16(datagram_.data()); }
  std::uint16_t dst_port() const { return load_be16(datagram_.data() + 2); }
  std::uint16_t length() const { return load_be16(datagram_.data() + 4); }
  std::uint16_t checksum() const { return load_be16(datagram_.data() + 6); }
  // Up to the length field.
  Bytes payload() const { return datagram_.subspan(kUdpHeaderLen); }

 private:
  explicit UdpView(Bytes datagram) : datagram_(datagram) {}
  Bytes datagram_;  // exactly length() bytes
};

struct UdpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  Bytes payload;  // borrowed: from the parsed packet, or the caller's for emit

  static UdpRepr parse(const UdpView& view);
  std::size_t buffer_len() const { return kUdpHeaderLen + payload.size(); }
  // Writes header and payload into out[0, buffer_len()). Full computes the
  // checksum (0 is sent as 0xffff, RFC 768); Offload leaves the
  // pseudo-header sum for the NIC.
  void emit(MutBytes out, Ipv4Addr src, Ipv4Addr dst, ChecksumFill fill = ChecksumFill::Full) const;
};

}  // namespace percore::wire
