#include "stack/wire/udp.h"

#include <rte_byteorder.h>
#include <rte_udp.h>

#include <cassert>
#include <cstring>

#include "stack/wire/ipv4.h"

namespace percore::wire {

constexpr auto kUdp = static_cast<std::uint8_t>(IpProto::Udp);

static_assert(sizeof(rte_udp_hdr) == kUdpHeaderLen);
static_assert(offsetof(rte_udp_hdr, dgram_len) == 4);
static_assert(offsetof(rte_udp_hdr, dgram_cksum) == 6);

std::expected<UdpView, ParseError> UdpView::parse(Bytes datagram, Ipv4Addr src, Ipv4Addr dst,
                                                  ChecksumCheck check) {
  if (datagram.size() < kUdpHeaderLen) return std::unexpected(ParseError::Truncated);
  const std::size_t length = load_be16(datagram.data() + 4);
  if (length < kUdpHeaderLen) return std::unexpected(ParseError::BadTotalLength);
  if (length > datagram.size()) return std::unexpected(ParseError::Truncated);
  datagram = datagram.first(length);
  // A zero checksum field means the sender computed none (RFC 768).
  if (check == ChecksumCheck::Verify && load_be16(datagram.data() + 6) != 0 &&
      ipv4_l4_checksum(src, dst, kUdp, datagram) != 0)
    return std::unexpected(ParseError::BadChecksum);
  return UdpView(datagram);
}

UdpRepr UdpRepr::parse(const UdpView& view) {
  return {.src_port = view.src_port(), .dst_port = view.dst_port(), .payload = view.payload()};
}

void UdpRepr::emit(MutBytes out, Ipv4Addr src, Ipv4Addr dst, ChecksumFill fill) const {
  const std::size_t len = buffer_len();
  assert(out.size() >= len && len <= 0xffff);
  rte_udp_hdr h;
  h.src_port = rte_cpu_to_be_16(src_port);
  h.dst_port = rte_cpu_to_be_16(dst_port);
  h.dgram_len = rte_cpu_to_be_16(static_cast<std::uint16_t>(len));
  h.dgram_cksum = 0;
  std::memcpy(out.data(), &h, sizeof h);
  // memmove: the payload may already sit in place behind the header.
  if (!payload.empty()) std::memmove(out.data() + kUdpHeaderLen, payload.data(), payload.size());
  std::uint16_t cksum;
  if (fill == ChecksumFill::Offload) {
    cksum = ipv4_pseudo_header_sum(src, dst, kUdp, static_cast<std::uint16_t>(len));
  } else {
    cksum = ipv4_l4_checksum(src, dst, kUdp, out.first(len));
    if (cksum == 0) cksum = 0xffff;
  }
  store_be16(out.data() + 6, cksum);
}

}  // namespace percore::wire
