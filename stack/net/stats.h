// Per-shard counters of the network layer. Every dropped frame is counted
// under exactly one reason, so `percore node` and tests can account for all
// input.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "stack/wire/parse_error.h"

namespace percore::net {

enum class Drop : std::uint8_t {
  NotForUs,           // Ethernet destination is neither our MAC nor broadcast
  UnknownEthertype,   // not IPv4 or ARP (IPv6, VLAN, LLDP…)
  ArpNotForUs,        // ARP for another host's address
  Ipv4NotForUs,       // IPv4 destination is not our address (we do not forward)
  Ipv4Fragment,       // reassembly is not implemented
  UnknownProtocol,    // IPv4 protocol other than ICMP/TCP/UDP
  IcmpIgnored,        // ICMP type we do not answer, or echo to a non-unicast address
  NoTransport,        // TCP/UDP with no transport layer to take it
  MultiSegment,       // chained rx mbufs (scatter is never enabled)
  ArpQueueFull,       // too many packets waiting for one ARP resolution
  ArpFailed,          // resolution gave up; the waiting packets are dropped
  ArpCacheFull,
  NoRoute,            // destination off-link and no gateway
  NoBuffers,          // mbuf pool exhausted while building a reply
  TxFull,             // device did not accept the frame
  kCount,
};

const char* to_string(Drop d);

// Which header a malformed frame failed in.
enum class Layer : std::uint8_t { Ethernet, Arp, Ipv4, Icmp, Tcp, Udp, kCount };
const char* to_string(Layer l);

struct NetStats {
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t arp_requests_sent = 0;
  std::uint64_t arp_replies_sent = 0;
  std::uint64_t icmp_echo_replies = 0;
  std::array<std::uint64_t, static_cast<size_t>(Drop::kCount)> drops{};
  std::array<std::array<std::uint64_t, wire::kParseErrorCount>, static_cast<size_t>(Layer::kCount)>
      malformed{};

  void count(Drop d) { ++drops[static_cast<size_t>(d)]; }
  void count(Layer l, wire::ParseError e) {
    ++malformed[static_cast<size_t>(l)][static_cast<size_t>(e)];
  }
  std::uint64_t dropped(Drop d) const { return drops[static_cast<size_t>(d)]; }
  std::uint64_t malformed_count(Layer l, wire::ParseError e) const {
    return malformed[static_cast<size_t>(l)][static_cast<size_t>(e)];
  }
  std::uint64_t total_dropped() const;
  // "name=value" pairs of every non-zero counter, for logs and `percore node`.
  std::string to_string() const;
};

}  // namespace percore::net
