#include "stack/wire/ethernet.h"

#include <rte_byteorder.h>
#include <rte_ether.h>

#include <cassert>
#include <cstring>

namespace percore::wire {

static_assert(sizeof(rte_ether_hdr) == kEthernetHeaderLen);
static_assert(offsetof(rte_ether_hdr, ether_type) == 12);

std::expected<EthernetView, ParseError> EthernetView::parse(Bytes frame) {
  if (frame.size() < kEthernetHeaderLen) return std::unexpected(ParseError::Truncated);
  return EthernetView(frame);
}

EthernetRepr EthernetRepr::parse(const EthernetView& view) {
  return {.dst = view.dst(), .src = view.src(), .ethertype = view.ethertype()};
}

void EthernetRepr::emit(MutBytes out) const {
  assert(out.size() >= buffer_len());
  rte_ether_hdr h;
  std::memcpy(h.dst_addr.addr_bytes, dst.bytes.data(), RTE_ETHER_ADDR_LEN);
  std::memcpy(h.src_addr.addr_bytes, src.bytes.data(), RTE_ETHER_ADDR_LEN);
  h.ether_type = rte_cpu_to_be_16(ethertype);
  std::memcpy(out.data(), &h, sizeof h);
}

}  // namespace percore::wire
