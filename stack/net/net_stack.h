// The network layer of one shard: Ethernet demux, ARP, IPv4 input and
// output with routing to a gateway, and ICMP echo. ARP and ICMP are answered
// here; TCP and UDP segments addressed to this host are handed back to the
// caller (the shard), which gives them to the transport layer.
//
// Frames to send are collected in tx_frames(); the shard writes them to the
// device after each burst and calls clear_tx().
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "stack/core/errc.h"
#include "stack/core/time.h"
#include "stack/dev/port.h"
#include "stack/net/arp_cache.h"
#include "stack/net/stats.h"
#include "stack/wire/addr.h"
#include "stack/wire/arp.h"
#include "stack/wire/checksum.h"
#include "stack/wire/ipv4.h"

struct rte_mbuf;
struct rte_mempool;

namespace percore::net {

struct Interface {
  wire::MacAddr mac;
  wire::Ipv4Cidr addr;                    // our address and the on-link prefix
  std::optional<wire::Ipv4Addr> gateway;  // next hop for off-link destinations
  std::uint16_t mtu = 1500;
  dev::Offloads offloads;                 // what the device checks and fills
};

// An ICMP error about a datagram we sent (RFC 792 destination unreachable),
// for the transport that sent it (RFC 1122 4.2.3.9, RFC 5927).
struct IcmpError {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t next_hop_mtu = 0;  // code 4 (fragmentation needed), RFC 1191
  wire::Ipv4Addr local;            // the quoted datagram's source: us
  wire::Ipv4Addr remote;           // its destination
  std::uint8_t protocol = 0;       // its protocol
};

// A transport segment addressed to this host. `payload` points into `mbuf`,
// which the receiver now owns. For an ICMP error, `icmp` is set and
// `payload` holds the first bytes of the quoted transport header.
struct L4Packet {
  wire::Ipv4Repr ip;
  wire::Bytes payload;
  rte_mbuf* mbuf = nullptr;
  wire::ChecksumCheck checksum = wire::ChecksumCheck::Verify;  // Skip: the device verified it
  std::optional<IcmpError> icmp;

  // The transport protocol this packet is for.
  std::uint8_t transport() const { return icmp ? icmp->protocol : ip.protocol; }
};

class NetStack {
 public:
  NetStack(Interface iface, rte_mempool* pool, ArpConfig arp = {});
  ~NetStack();
  NetStack(const NetStack&) = delete;
  NetStack& operator=(const NetStack&) = delete;

  // Takes ownership of `frame`. ARP and ICMP are handled here; TCP and UDP
  // for us are returned; everything else is dropped and counted.
  std::optional<L4Packet> input(rte_mbuf* frame, Instant now);

  // Sends a transport packet: `packet`'s data starts at the transport header
  // and it has headroom for the IPv4 and Ethernet headers. ip.payload_len is
  // filled in here. Takes ownership of `packet` whether or not it succeeds.
  // Success means sent or queued behind ARP resolution.
  std::expected<void, Errc> send_ipv4(rte_mbuf* packet, wire::Ipv4Repr ip, Instant now);

  // Neighbours learnt from ARP since the last call. With several shards on
  // one device an ARP reply lands on one queue only; the shard passes these
  // to its siblings, which call learn_neighbour().
  std::vector<std::pair<wire::Ipv4Addr, wire::MacAddr>> take_learned() {
    return std::exchange(learned_, {});
  }
  bool has_learned() const { return !learned_.empty(); }
  // Where several processes share a device, one of them answers pings.
  void set_answer_echo(bool answer) { answer_echo_ = answer; }
  void learn_neighbour(wire::Ipv4Addr ip, const wire::MacAddr& mac, Instant now);

  // Gratuitous ARP (RFC 5227 announcement), sent when the shard starts.
  void announce();

  // ARP retries and expiry.
  void poll_timers(Instant now);
  Instant next_deadline() const { return next_arp_check_; }

  std::span<rte_mbuf* const> tx_frames() const { return tx_; }
  void clear_tx() { tx_.clear(); }

  // Frees `m` and counts why.
  void drop(rte_mbuf* m, Drop reason);

  rte_mbuf* alloc();
  const Interface& iface() const { return iface_; }
  NetStats& stats() { return stats_; }
  const NetStats& stats() const { return stats_; }
  const ArpCache& arp_cache() const { return arp_; }

 private:
  void arp_input(rte_mbuf* frame, wire::Bytes payload, Instant now);
  std::optional<L4Packet> icmp_input(rte_mbuf* frame, const wire::Ipv4Repr& ip,
                                     wire::Bytes payload, Instant now);
  void send_arp(wire::ArpOp op, const wire::MacAddr& dst_mac, wire::Ipv4Addr target_ip,
                const wire::MacAddr& target_mac);
  std::expected<wire::Ipv4Addr, Errc> next_hop(wire::Ipv4Addr dst) const;
  // Prepends the Ethernet header to an IPv4 packet and queues it for tx.
  void send_frame(rte_mbuf* ip_packet, const wire::MacAddr& dst);

  static constexpr Duration kArpCheckInterval = std::chrono::milliseconds(100);

  Interface iface_;
  rte_mempool* pool_;
  ArpCache arp_;
  NetStats stats_;
  std::vector<rte_mbuf*> tx_;
  std::vector<std::pair<wire::Ipv4Addr, wire::MacAddr>> learned_;
  bool answer_echo_ = true;
  Instant next_arp_check_{};
  std::uint16_t next_ip_id_ = 0;
};

}  // namespace percore::net
