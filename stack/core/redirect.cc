#include "stack/core/redirect.h"

#include <rte_mbuf.h>
#include <rte_ring.h>

namespace percore::core {

RedirectTable::RedirectTable(std::vector<rte_ring*> rings, const dev::Toeplitz& hash,
                             dev::Reta reta)
    : rings_(std::move(rings)), hash_(hash), reta_(std::move(reta)) {}

RedirectTable::~RedirectTable() {
  for (rte_ring* r : rings_) {
    void* frame;
    while (rte_ring_dequeue(r, &frame) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(frame));
    rte_ring_free(r);
  }
}

std::uint16_t RedirectTable::owner(const tcp::FourTuple& t) const {
  // The device hashes a received segment: its source is the remote end.
  const std::uint32_t h = hash_.hash_ipv4_tcp(t.remote_ip, t.local_ip, t.remote_port, t.local_port);
  return static_cast<std::uint16_t>(reta_.queue_for(h) % rings_.size());
}

}  // namespace percore::core
