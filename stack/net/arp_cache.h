// The ARP cache (RFC 826): resolved neighbours with an expiry, and for each
// neighbour being resolved, the packets waiting for its address. Time is
// passed in; the owner calls expire() periodically and sends what it returns.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "stack/core/time.h"
#include "stack/wire/addr.h"

struct rte_mbuf;

namespace percore::net {

struct ArpConfig {
  Duration reachable_time = std::chrono::seconds(60);  // entry lifetime after the last confirmation
  Duration retry_interval = std::chrono::seconds(1);   // between requests while resolving
  unsigned max_requests = 3;                           // then the neighbour is unreachable
  unsigned max_pending = 16;                           // packets queued per unresolved neighbour
  size_t max_entries = 4096;
};

class ArpCache {
 public:
  using Pending = absl::InlinedVector<rte_mbuf*, 4>;

  explicit ArpCache(ArpConfig config = {}) : config_(config) {}
  ~ArpCache();  // frees packets still waiting
  ArpCache(const ArpCache&) = delete;
  ArpCache& operator=(const ArpCache&) = delete;

  std::optional<wire::MacAddr> lookup(wire::Ipv4Addr ip, Instant now) const;

  enum class Queued { FirstForNeighbour, Waiting, QueueFull, CacheFull };
  // Queues `packet` (an IPv4 packet without its Ethernet header) until `ip`
  // resolves. FirstForNeighbour: the caller sends the first request now.
  // QueueFull/CacheFull: the packet was not taken; the caller drops it.
  Queued enqueue(wire::Ipv4Addr ip, rte_mbuf* packet, Instant now);

  // Records ip -> mac. With `create` false only an existing entry is updated
  // (RFC 826's merge flag: learn only from ARP addressed to us). Returns the
  // packets that were waiting for this neighbour; the caller sends them.
  Pending learn(wire::Ipv4Addr ip, const wire::MacAddr& mac, bool create, Instant now);

  struct Expired {
    std::vector<wire::Ipv4Addr> retry;  // send another request for each
    Pending failed;                     // resolution gave up: drop these
  };
  // Removes stale entries, reports neighbours that need another request and
  // packets whose resolution failed.
  Expired expire(Instant now);

  size_t size() const { return entries_.size(); }
  size_t pending_packets() const;

 private:
  struct Entry {
    std::optional<wire::MacAddr> mac;  // nullopt while resolving
    Instant deadline;                  // resolved: expiry; resolving: next retry
    unsigned requests = 0;
    Pending waiting;
  };

  ArpConfig config_;
  absl::flat_hash_map<std::uint32_t, Entry> entries_;  // keyed by Ipv4Addr::value
};

}  // namespace percore::net
