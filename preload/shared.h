// Several processes on one device: a server that listens and then forks
// workers (nginx) ends up with one percore stack per worker, each driving
// its own DPDK instance over the same interface and each seeing every frame
// (af_packet, af_xdp in copy mode). They divide the work through this
// registry, in MAP_SHARED memory made before the fork and so inherited by
// every worker:
//   - a slot per process that runs a stack;
//   - per port, the slots that listen on it: a SYN is taken by exactly one
//     of them (by hash), the others ignore it;
//   - active opens in a shared registry take ports = slot (mod kSlots), so
//     the connection's segments are claimed by their port;
//   - only the lowest live slot answers pings and resets segments nobody
//     owns.
// DPDK multi-process (a primary owning the port, workers as secondaries)
// is the other way DESIGN.md names; it needs hugepages and PMDs that serve
// secondaries, which af_packet and TAP do not. See docs/ARCHITECTURE.md.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "stack/tcp/isn.h"
#include "stack/tcp/layer.h"

namespace percore::preload {

class SharedRegistry {
 public:
  static constexpr int kSlots = 64;

  // Made on first use (the first TCP socket): before any fork.
  static SharedRegistry& get();

  // Claims a slot for this process (reusing those of dead processes);
  // -1 when all are taken.
  int claim();
  void release(int slot);
  // Frees the slots (and listening ports) of processes that died.
  void reap();

  // Whether other processes may share the device: the registry came from
  // a parent, or another slot is live.
  bool shared(int slot) const;
  bool primary(int slot) const;

  void listen(std::uint16_t port, int slot);
  void unlisten(std::uint16_t port, int slot);

  // The decision for a segment with no connection in `slot`'s stack.
  tcp::TcpLayer::Admission admit(const tcp::FourTuple& t, bool syn, int slot) const;

 private:
  SharedRegistry() = default;

  pid_t creator_ = 0;
  std::atomic<pid_t> slot_pid_[kSlots] = {};
  std::atomic<std::uint64_t> listeners_[65536] = {};
};

}  // namespace percore::preload
