#include "stack/wire/arp.h"

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>

#include <cassert>
#include <cstring>

namespace percore::wire {

static_assert(sizeof(rte_arp_hdr) == ArpRepr::buffer_len());
static_assert(offsetof(rte_arp_hdr, arp_opcode) == 6);
static_assert(offsetof(rte_arp_hdr, arp_data) + offsetof(rte_arp_ipv4, arp_sip) == 14);
static_assert(offsetof(rte_arp_hdr, arp_data) + offsetof(rte_arp_ipv4, arp_tha) == 18);
static_assert(offsetof(rte_arp_hdr, arp_data) + offsetof(rte_arp_ipv4, arp_tip) == 24);

std::expected<ArpView, ParseError> ArpView::parse(Bytes packet) {
  if (packet.size() < ArpRepr::buffer_len()) return std::unexpected(ParseError::Truncated);
  const std::uint8_t* p = packet.data();
  if (load_be16(p) != RTE_ARP_HRD_ETHER || load_be16(p + 2) != RTE_ETHER_TYPE_IPV4 ||
      p[4] != RTE_ETHER_ADDR_LEN || p[5] != sizeof(rte_be32_t))
    return std::unexpected(ParseError::Unsupported);
  return ArpView(packet.first(ArpRepr::buffer_len()));
}

std::expected<ArpRepr, ParseError> ArpRepr::parse(const ArpView& view) {
  const std::uint16_t op = view.op();
  if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY)
    return std::unexpected(ParseError::Unsupported);
  return ArpRepr{.op = static_cast<ArpOp>(op),
                 .sender_mac = view.sender_mac(),
                 .sender_ip = view.sender_ip(),
                 .target_mac = view.target_mac(),
                 .target_ip = view.target_ip()};
}

void ArpRepr::emit(MutBytes out) const {
  assert(out.size() >= buffer_len());
  rte_arp_hdr h;
  h.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
  h.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
  h.arp_hlen = RTE_ETHER_ADDR_LEN;
  h.arp_plen = sizeof(rte_be32_t);
  h.arp_opcode = rte_cpu_to_be_16(static_cast<std::uint16_t>(op));
  std::memcpy(h.arp_data.arp_sha.addr_bytes, sender_mac.bytes.data(), RTE_ETHER_ADDR_LEN);
  h.arp_data.arp_sip = rte_cpu_to_be_32(sender_ip.value);
  std::memcpy(h.arp_data.arp_tha.addr_bytes, target_mac.bytes.data(), RTE_ETHER_ADDR_LEN);
  h.arp_data.arp_tip = rte_cpu_to_be_32(target_ip.value);
  std::memcpy(out.data(), &h, sizeof h);
}

}  // namespace percore::wire
