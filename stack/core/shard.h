// A shard: one thread's share of the stack. It owns one rx/tx queue pair of
// the port, the network layer state (ARP cache, counters) and the timers,
// and runs the poll loop: receive a burst, hand each frame up through the
// layers, run due timers, transmit what the layers produced.
//
// The shard is the top of the stack's call graph (it calls every layer), so
// it is built after them even though it lives with core's primitives.
#pragma once

#include <cstdint>

#include "stack/core/time.h"
#include "stack/dev/pcap.h"
#include "stack/dev/port.h"
#include "stack/net/net_stack.h"

namespace percore::core {

class Shard {
 public:
  static constexpr std::uint16_t kBurst = 32;

  Shard(dev::Port& port, std::uint16_t queue, net::Interface iface, net::ArpConfig arp = {},
        dev::PcapWriter* pcap = nullptr);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Announces our address (gratuitous ARP) and transmits it.
  void start(Instant now);

  // One turn of the loop. Returns the number of frames received, so the
  // caller can tell busy from idle.
  unsigned poll(Instant now);

  // When the shard must run again even if no frame arrives.
  Instant next_deadline() const;

  net::NetStack& net() { return net_; }
  std::uint16_t queue() const { return queue_; }

 private:
  void flush_tx();

  dev::Port& port_;
  std::uint16_t queue_;
  dev::PcapWriter* pcap_;
  net::NetStack net_;
};

}  // namespace percore::core
