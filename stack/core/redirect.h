// Software redirection between the shards of one device. Where the device
// steers flows to queues by something other than our Toeplitz hash and RETA
// (no RSS, too few queues, af_packet's fanout, a TAP's flow hash), a segment
// can land on a shard that does not own its connection. The owner of a
// flow that is not in the receiving shard's table is the shard the software
// hash names, which is where active opens pick their ports to land
// (TcpLayer::set_port_filter); the frame travels to it through its ring.
// Correctness never depends on the hardware: with real RSS the redirect is
// simply never taken.
//
// A connection may also move to another shard after it is made (the thread
// that uses it polls there: preload's migration). Where it moved to is kept
// here, for every shard its segments may land on.
#pragma once

#include <cstdint>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "stack/dev/rss.h"
#include "stack/tcp/isn.h"

struct rte_ring;

namespace percore::core {

class RedirectTable {
 public:
  // One ring per shard; `key`/`reta` are the device's when it has RSS.
  RedirectTable(std::vector<rte_ring*> rings, const dev::Toeplitz& hash, dev::Reta reta);
  ~RedirectTable();
  RedirectTable(const RedirectTable&) = delete;
  RedirectTable& operator=(const RedirectTable&) = delete;

  // The shard that owns a connection with this tuple (our view: local is us).
  std::uint16_t owner(const tcp::FourTuple& t) const;
  rte_ring* ring(std::uint16_t shard) const { return rings_[shard]; }
  std::size_t shards() const { return rings_.size(); }

  // The shard a connection moved to, if it moved. Cheap while none has.
  std::optional<std::uint16_t> moved_to(const tcp::FourTuple& t) const;
  // The connection now lives on `shard` (forgotten when that is owner(t)).
  void set_moved(const tcp::FourTuple& t, std::uint16_t shard);
  // A moved connection was freed on `shard`: forgotten, unless it has moved
  // on since.
  void forget_moved(const tcp::FourTuple& t, std::uint16_t shard);

 private:
  std::vector<rte_ring*> rings_;
  dev::Toeplitz hash_;
  dev::Reta reta_;
  mutable std::mutex moved_mu_;
  std::atomic<std::size_t> moved_count_{0};
  absl::flat_hash_map<tcp::FourTuple, std::uint16_t> moved_;
};

struct RedirectStats {
  std::uint64_t out = 0;        // frames handed to their owner
  std::uint64_t in = 0;         // frames received from another shard
  std::uint64_t ring_full = 0;  // dropped: the owner's ring was full
};

}  // namespace percore::core
