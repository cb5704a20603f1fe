#include "stack/net/stats.h"

#include "absl/strings/str_cat.h"

namespace percore::net {

const char* to_string(Drop d) {
  switch (d) {
    case Drop::NotForUs: return "not_for_us";
    case Drop::UnknownEthertype: return "unknown_ethertype";
    case Drop::ArpNotForUs: return "arp_not_for_us";
    case Drop::Ipv4NotForUs: return "ipv4_not_for_us";
    case Drop::Ipv4Fragment: return "ipv4_fragment";
    case Drop::UnknownProtocol: return "unknown_protocol";
    case Drop::IcmpIgnored: return "icmp_ignored";
    case Drop::NoTransport: return "no_transport";
    case Drop::MultiSegment: return "multi_segment";
    case Drop::ArpQueueFull: return "arp_queue_full";
    case Drop::ArpFailed: return "arp_failed";
    case Drop::ArpCacheFull: return "arp_cache_full";
    case Drop::NoRoute: return "no_route";
    case Drop::NoBuffers: return "no_buffers";
    case Drop::TxFull: return "tx_full";
    case Drop::kCount: break;
  }
  return "?";
}

const char* to_string(Layer l) {
  switch (l) {
    case Layer::Ethernet: return "eth";
    case Layer::Arp: return "arp";
    case Layer::Ipv4: return "ipv4";
    case Layer::Icmp: return "icmp";
    case Layer::Tcp: return "tcp";
    case Layer::Udp: return "udp";
    case Layer::kCount: break;
  }
  return "?";
}

std::uint64_t NetStats::total_dropped() const {
  std::uint64_t n = 0;
  for (auto d : drops) n += d;
  for (const auto& layer : malformed)
    for (auto e : layer) n += e;
  return n;
}

std::string NetStats::to_string() const {
  std::string out = absl::StrCat("rx_frames=", rx_frames, " rx_bytes=", rx_bytes,
                                 " tx_frames=", tx_frames, " tx_bytes=", tx_bytes,
                                 " arp_requests_sent=", arp_requests_sent,
                                 " arp_replies_sent=", arp_replies_sent,
                                 " icmp_echo_replies=", icmp_echo_replies);
  for (size_t i = 0; i < drops.size(); ++i)
    if (drops[i] != 0)
      absl::StrAppend(&out, " drop_", net::to_string(static_cast<Drop>(i)), "=", drops[i]);
  for (size_t l = 0; l < malformed.size(); ++l)
    for (size_t e = 0; e < malformed[l].size(); ++e)
      if (malformed[l][e] != 0)
        absl::StrAppend(&out, " bad_", net::to_string(static_cast<Layer>(l)), "_",
                        wire::to_string(static_cast<wire::ParseError>(e)), "=", malformed[l][e]);
  return out;
}

}  // namespace percore::net
