#include "stack/wire/ipv4.h"

#include <rte_byteorder.h>
#include <rte_ip.h>

#include <cassert>
#include <cstring>

namespace percore::wire {

static_assert(sizeof(rte_ipv4_hdr) == Ipv4Repr::buffer_len());
static_assert(offsetof(rte_ipv4_hdr, packet_id) == 4);
static_assert(offsetof(rte_ipv4_hdr, fragment_offset) == 6);
static_assert(offsetof(rte_ipv4_hdr, time_to_live) == 8);
static_assert(offsetof(rte_ipv4_hdr, hdr_checksum) == 10);
static_assert(offsetof(rte_ipv4_hdr, src_addr) == 12);
static_assert(offsetof(rte_ipv4_hdr, dst_addr) == 16);
static_assert(RTE_IPV4_HDR_DF_FLAG == 0x4000 && RTE_IPV4_HDR_MF_FLAG == 0x2000);

std::expected<Ipv4View, ParseError> Ipv4View::parse(Bytes packet, ChecksumCheck check) {
  if (packet.size() < Ipv4Repr::buffer_len()) return std::unexpected(ParseError::Truncated);
  if ((packet[0] >> 4) != IPVERSION) return std::unexpected(ParseError::BadVersion);
  const std::size_t header_len = (packet[0] & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
  if (header_len < Ipv4Repr::buffer_len()) return std::unexpected(ParseError::BadHeaderLength);
  if (header_len > packet.size()) return std::unexpected(ParseError::Truncated);
  const std::size_t total_len = load_be16(packet.data() + 2);
  if (total_len < header_len) return std::unexpected(ParseError::BadTotalLength);
  if (total_len > packet.size()) return std::unexpected(ParseError::Truncated);
  if (check == ChecksumCheck::Verify && internet_checksum(packet.first(header_len)) != 0)
    return std::unexpected(ParseError::BadChecksum);
  return Ipv4View(packet.first(total_len));
}

std::expected<Ipv4Repr, ParseError> Ipv4Repr::parse(const Ipv4View& view) {
  if (view.is_fragment()) return std::unexpected(ParseError::Fragment);
  return Ipv4Repr{.src = view.src(),
                  .dst = view.dst(),
                  .protocol = view.protocol(),
                  .payload_len = static_cast<std::uint16_t>(view.payload().size()),
                  .ttl = view.ttl(),
                  .id = view.id(),
                  .dont_fragment = view.dont_fragment(),
                  .dscp_ecn = view.dscp_ecn()};
}

void Ipv4Repr::emit(MutBytes out, ChecksumFill fill) const {
  assert(out.size() >= buffer_len());
  assert(payload_len <= 0xffff - buffer_len());
  rte_ipv4_hdr h;
  h.version_ihl = RTE_IPV4_VHL_DEF;
  h.type_of_service = dscp_ecn;
  h.total_length = rte_cpu_to_be_16(static_cast<std::uint16_t>(buffer_len() + payload_len));
  h.packet_id = rte_cpu_to_be_16(id);
  h.fragment_offset = rte_cpu_to_be_16(dont_fragment ? RTE_IPV4_HDR_DF_FLAG : 0);
  h.time_to_live = ttl;
  h.next_proto_id = protocol;
  h.hdr_checksum = 0;
  h.src_addr = rte_cpu_to_be_32(src.value);
  h.dst_addr = rte_cpu_to_be_32(dst.value);
  // rte_ipv4_cksum returns the field as it lies in memory.
  if (fill == ChecksumFill::Full) h.hdr_checksum = rte_ipv4_cksum(&h);
  std::memcpy(out.data(), &h, sizeof h);
}

}  // namespace percore::wire
