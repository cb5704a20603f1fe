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

std::optional<std::uint16_t> RedirectTable::moved_to(const tcp::FourTuple& t) const {
  if (moved_count_.load(std::memory_order_acquire) == 0) return std::nullopt;
  std::lock_guard lock(moved_mu_);
  auto it = moved_.find(t);
  if (it == moved_.end()) return std::nullopt;
  return it->second;
}

void RedirectTable::set_moved(const tcp::FourTuple& t, std::uint16_t shard) {
  std::lock_guard lock(moved_mu_);
  if (shard == owner(t))
    moved_.erase(t);
  else
    moved_[t] = shard;
  moved_count_.store(moved_.size(), std::memory_order_release);
}

void RedirectTable::forget_moved(const tcp::FourTuple& t, std::uint16_t shard) {
  std::lock_guard lock(moved_mu_);
  auto it = moved_.find(t);
  if (it != moved_.end() && it->second == shard) moved_.erase(it);
  moved_count_.store(moved_.size(), std::memory_order_release);
}

}  // namespace percore::core
