// A shard: one thread's share of the stack. It owns one rx/tx queue pair of
// the port, the network layer state (ARP cache, counters) and the timers,
// and runs the poll loop: receive a burst, hand each frame up through the
// layers, run due timers, transmit what the layers produced.
//
// The shard is the top of the stack's call graph (it calls every layer), so
// it is built after them even though it lives with core's primitives.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "stack/core/redirect.h"
#include "stack/core/time.h"
#include "stack/dev/faults.h"
#include "stack/dev/pcap.h"
#include "stack/dev/port.h"
#include "stack/net/net_stack.h"
#include "stack/tcp/layer.h"

namespace percore::core {

class Shard {
 public:
  static constexpr std::uint16_t kBurst = 32;
  // What a full TX ring did not take waits for the next poll, up to this
  // many frames, and while the device takes some at least every kTxStall.
  static constexpr std::size_t kTxBacklog = 2048;
  static constexpr Duration kTxStall = std::chrono::milliseconds(10);
  static constexpr Duration kTxRetry = std::chrono::microseconds(20);

  struct Options {
    net::ArpConfig arp;
    dev::PcapWriter* pcap = nullptr;  // PERCORE_PCAP
    dev::FaultSpec faults;            // PERCORE_FAULTS, applied in both directions
    tcp::TcpConfig tcp;
    std::array<std::uint64_t, 2> secret{};  // ISN and SYN-cookie key (RFC 6528)
    RedirectTable* redirect = nullptr;  // several shards on one device
  };

  Shard(dev::Port& port, std::uint16_t queue, net::Interface iface, const Options& options,
        Instant now);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Announces our address (gratuitous ARP) and transmits it.
  void announce(Instant now);

  // One turn of the loop. Returns the number of frames received, so the
  // caller can tell busy from idle.
  unsigned poll(Instant now);

  // Sends what the application's calls produced, without receiving.
  void flush(Instant now);

  // When the shard must run again even if no frame arrives.
  Instant next_deadline() const;

  // Another process drives this queue from now on (an exiting process
  // handed its stack to a lingering child that shares the device's
  // sockets and rings): this copy receives nothing and sends nothing.
  void detach() { detached_ = true; }

  const RedirectStats& redirect_stats() const { return redirect_stats_; }
  const dev::FaultStats* rx_fault_stats() const;
  const dev::FaultStats* tx_fault_stats() const;

  // A connection moved here from another shard (preload's migration,
  // TcpLayer::adopt): the device's shards hand its segments here from now on.
  void note_moved_here(const tcp::FourTuple& t);

  net::NetStack& net() { return net_; }
  tcp::TcpLayer& tcp() { return tcp_; }
  std::uint16_t queue() const { return queue_; }

 private:
  void transmit(Instant now);
  // `handed_over`: frames another shard redirected here, never sent on again.
  void input(std::span<rte_mbuf* const> frames, Instant now, bool handed_over = false);
  // Whether a TCP segment belongs to another shard; hands it over if so.
  // Frames handed over here go on only to where their connection moved.
  bool redirect(const net::L4Packet& segment, bool handed_over);
  bool hand_to(std::uint16_t shard, rte_mbuf* frame);

  dev::Port& port_;
  std::uint16_t queue_;
  dev::PcapWriter* pcap_;
  net::NetStack net_;
  tcp::TcpLayer tcp_;
  // Fault injection sits between the device and the stack, so the stack
  // sees exactly what a lossy wire would give it (and the peer too).
  std::unique_ptr<dev::FaultInjector> rx_faults_;
  std::unique_ptr<dev::FaultInjector> tx_faults_;
  std::vector<rte_mbuf*> faulted_;  // scratch: frames leaving an injector
  // Frames for the device: this poll's, after those it did not take yet.
  std::vector<rte_mbuf*> outgoing_;
  Instant tx_progress_{};  // the device last took a frame, or had none waiting
  RedirectTable* redirect_;
  RedirectStats redirect_stats_;
  bool detached_ = false;
};

}  // namespace percore::core
