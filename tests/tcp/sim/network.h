// Two hosts on an in-memory wire, for the deterministic simulation. A host is
// one shard's network and TCP layers with its own mbuf pool; a wire carries
// one direction: the sender's transmitted frames pass through a FaultInjector
// (as PERCORE_FAULTS does on tx) and are then copied into mbufs of the
// receiver's pool, as a NIC receives them: one contiguous segment per frame,
// sharing nothing with the sender's send buffer.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "stack/dev/faults.h"
#include "stack/net/net_stack.h"
#include "stack/tcp/layer.h"

struct rte_mempool;

namespace percore::tcp::sim {

struct HostSpec {
  wire::Ipv4Addr ip;
  wire::MacAddr mac;
  rte_mempool* pool = nullptr;
  std::array<std::uint64_t, 2> isn_secret{};
};

class Host {
 public:
  Host(const HostSpec& spec, const TcpConfig& config, Instant now);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  net::NetStack& net() { return *net_; }
  TcpLayer& tcp() { return *tcp_; }
  rte_mempool* pool() const { return spec_.pool; }
  const HostSpec& spec() const { return spec_; }

  // A received frame (owned by the host from here on).
  void receive(rte_mbuf* frame, Instant now);
  // ARP and TCP timers, and TCP output.
  void poll(Instant now);
  // The earliest time poll() has something to do.
  std::optional<Instant> next_deadline() const;

 private:
  HostSpec spec_;
  std::unique_ptr<net::NetStack> net_;
  std::unique_ptr<TcpLayer> tcp_;
};

struct WireStats {
  std::uint64_t frames_sent = 0;       // given to the wire by the sender
  std::uint64_t frames_delivered = 0;  // handed to the receiver
  std::uint64_t rx_no_mbuf = 0;        // the receiver's pool was empty (a NIC rx drop)
  std::uint64_t oversize = 0;          // longer than the receiver's MTU allows: dropped
  // Delivered IPv4 frames whose header or TCP checksum is wrong (checked
  // here with DPDK's sums, independently of the stack): the receiver must
  // drop exactly these.
  std::uint64_t bad_checksums = 0;
};

class Wire {
 public:
  Wire(Host& from, Host& to, const dev::FaultSpec& faults);
  Wire(const Wire&) = delete;
  Wire& operator=(const Wire&) = delete;

  // Takes what the sender transmitted since the last call and hands the
  // receiver every frame due by `now`.
  void carry(Instant now);
  // When the next held frame is due; nullopt when none is held.
  std::optional<Instant> next_release() const { return faults_.next_release(); }
  // Frames still on the wire (held by the faults or not yet taken).
  std::size_t in_flight() const;

  const dev::FaultStats& fault_stats() const { return faults_.stats(); }
  const WireStats& stats() const { return stats_; }

  // Diagnostics: sees every frame the sender transmits (`delivered` false)
  // and every frame handed to the receiver (true), before either owns it.
  std::function<void(bool delivered, const rte_mbuf* frame, Instant now)> tap;

 private:
  Host& from_;
  Host& to_;
  dev::FaultInjector faults_;
  std::vector<rte_mbuf*> due_;
  WireStats stats_;
};

}  // namespace percore::tcp::sim
