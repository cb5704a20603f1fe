#include "stack/net/arp_cache.h"

#include <rte_mbuf.h>

namespace percore::net {

ArpCache::~ArpCache() {
  for (auto& [ip, entry] : entries_)
    for (rte_mbuf* m : entry.waiting) rte_pktmbuf_free(m);
}

std::optional<wire::MacAddr> ArpCache::lookup(wire::Ipv4Addr ip, Instant now) const {
  auto it = entries_.find(ip.value);
  if (it == entries_.end() || !it->second.mac || it->second.deadline <= now) return std::nullopt;
  return it->second.mac;
}

ArpCache::Queued ArpCache::enqueue(wire::Ipv4Addr ip, rte_mbuf* packet, Instant now) {
  auto it = entries_.find(ip.value);
  if (it == entries_.end()) {
    if (entries_.size() >= config_.max_entries) return Queued::CacheFull;
    Entry& entry = entries_[ip.value];
    entry.deadline = now + config_.retry_interval;
    entry.requests = 1;
    entry.waiting.push_back(packet);
    return Queued::FirstForNeighbour;
  }
  Entry& entry = it->second;
  if (entry.mac) {
    // A stale entry: resolve again, as a new neighbour.
    entry.mac.reset();
    entry.deadline = now + config_.retry_interval;
    entry.requests = 1;
    entry.waiting.push_back(packet);
    return Queued::FirstForNeighbour;
  }
  if (entry.waiting.size() >= config_.max_pending) return Queued::QueueFull;
  entry.waiting.push_back(packet);
  return Queued::Waiting;
}

ArpCache::Pending ArpCache::learn(wire::Ipv4Addr ip, const wire::MacAddr& mac, bool create,
                                  Instant now) {
  auto it = entries_.find(ip.value);
  if (it == entries_.end()) {
    if (!create || entries_.size() >= config_.max_entries) return {};
    it = entries_.emplace(ip.value, Entry{}).first;
  }
  Entry& entry = it->second;
  entry.mac = mac;
  entry.deadline = now + config_.reachable_time;
  entry.requests = 0;
  Pending released;
  released.swap(entry.waiting);
  return released;
}

ArpCache::Expired ArpCache::expire(Instant now) {
  Expired out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& entry = it->second;
    if (entry.deadline > now) {
      ++it;
      continue;
    }
    if (entry.mac) {
      entries_.erase(it++);
    } else if (entry.requests >= config_.max_requests) {
      for (rte_mbuf* m : entry.waiting) out.failed.push_back(m);
      entries_.erase(it++);
    } else {
      ++entry.requests;
      entry.deadline = now + config_.retry_interval;
      out.retry.push_back(wire::Ipv4Addr{it->first});
      ++it;
    }
  }
  return out;
}

size_t ArpCache::pending_packets() const {
  size_t n = 0;
  for (const auto& [ip, entry] : entries_) n += entry.waiting.size();
  return n;
}

}  // namespace percore::net
