#include "stack/net/net_stack.h"

#include <rte_mbuf.h>

#include "stack/wire/arp.h"
#include "stack/wire/ethernet.h"
#include "stack/wire/icmp.h"

namespace percore::net {
namespace {

wire::Bytes data_of(const rte_mbuf* m) {
  return {rte_pktmbuf_mtod(m, const std::uint8_t*), rte_pktmbuf_data_len(m)};
}

}  // namespace

NetStack::NetStack(Interface iface, rte_mempool* pool, ArpConfig arp)
    : iface_(iface), pool_(pool), arp_(arp) {
  tx_.reserve(64);
}

NetStack::~NetStack() {
  for (rte_mbuf* m : tx_) rte_pktmbuf_free(m);
}

rte_mbuf* NetStack::alloc() { return rte_pktmbuf_alloc(pool_); }

void NetStack::drop(rte_mbuf* m, Drop reason) {
  stats_.count(reason);
  rte_pktmbuf_free(m);
}

std::optional<L4Packet> NetStack::input(rte_mbuf* frame, Instant now) {
  ++stats_.rx_frames;
  stats_.rx_bytes += rte_pktmbuf_pkt_len(frame);
  // Scatter is never enabled on rx, so a frame is one contiguous segment.
  if (frame->nb_segs != 1) {
    drop(frame, Drop::MultiSegment);
    return std::nullopt;
  }
  auto eth = wire::EthernetView::parse(data_of(frame));
  if (!eth) {
    stats_.count(Layer::Ethernet, eth.error());
    rte_pktmbuf_free(frame);
    return std::nullopt;
  }
  if (eth->dst() != iface_.mac && !eth->dst().is_broadcast()) {
    drop(frame, Drop::NotForUs);
    return std::nullopt;
  }
  switch (eth->ethertype()) {
    case static_cast<std::uint16_t>(wire::EtherType::Arp):
      arp_input(frame, eth->payload(), now);
      return std::nullopt;
    case static_cast<std::uint16_t>(wire::EtherType::Ipv4):
      break;
    default:
      drop(frame, Drop::UnknownEthertype);
      return std::nullopt;
  }

  const auto ip_flags = frame->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
  if (ip_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
    stats_.count(Layer::Ipv4, wire::ParseError::BadChecksum);
    rte_pktmbuf_free(frame);
    return std::nullopt;
  }
  const bool trusted = iface_.offloads.shared_memory;
  auto view = wire::Ipv4View::parse(
      eth->payload(), trusted || ip_flags == RTE_MBUF_F_RX_IP_CKSUM_GOOD ? wire::ChecksumCheck::Skip
                                                                         : wire::ChecksumCheck::Verify);
  if (!view) {
    stats_.count(Layer::Ipv4, view.error());
    rte_pktmbuf_free(frame);
    return std::nullopt;
  }
  // We do not forward: anything not addressed to us (or to a broadcast we
  // accept for ICMP) is dropped before its payload is looked at.
  const bool to_us = view->dst() == iface_.addr.addr;
  if (!to_us && !view->dst().is_broadcast() && view->dst() != iface_.addr.subnet_broadcast()) {
    drop(frame, Drop::Ipv4NotForUs);
    return std::nullopt;
  }
  auto ip = wire::Ipv4Repr::parse(*view);
  if (!ip) {
    if (ip.error() == wire::ParseError::Fragment) {
      drop(frame, Drop::Ipv4Fragment);
    } else {
      stats_.count(Layer::Ipv4, ip.error());
      rte_pktmbuf_free(frame);
    }
    return std::nullopt;
  }
  switch (ip->protocol) {
    case static_cast<std::uint8_t>(wire::IpProto::Icmp):
      return icmp_input(frame, *ip, view->payload(), now);
    case static_cast<std::uint8_t>(wire::IpProto::Tcp):
    case static_cast<std::uint8_t>(wire::IpProto::Udp): {
      if (!to_us) {
        drop(frame, Drop::Ipv4NotForUs);
        return std::nullopt;
      }
      const auto l4_flags = frame->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
      if (l4_flags == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
        stats_.count(ip->protocol == static_cast<std::uint8_t>(wire::IpProto::Tcp) ? Layer::Tcp
                                                                                   : Layer::Udp,
                     wire::ParseError::BadChecksum);
        rte_pktmbuf_free(frame);
        return std::nullopt;
      }
      return L4Packet{*ip, view->payload(), frame,
                      trusted || l4_flags == RTE_MBUF_F_RX_L4_CKSUM_GOOD
                          ? wire::ChecksumCheck::Skip
                          : wire::ChecksumCheck::Verify};
    }
    default:
      drop(frame, Drop::UnknownProtocol);
      return std::nullopt;
  }
}

void NetStack::arp_input(rte_mbuf* frame, wire::Bytes payload, Instant now) {
  auto view = wire::ArpView::parse(payload);
  if (!view) {
    stats_.count(Layer::Arp, view.error());
    rte_pktmbuf_free(frame);
    return;
  }
  auto arp = wire::ArpRepr::parse(*view);
  if (!arp) {
    stats_.count(Layer::Arp, arp.error());
    rte_pktmbuf_free(frame);
    return;
  }
  rte_pktmbuf_free(frame);
  const bool for_us = arp->target_ip == iface_.addr.addr;
  // RFC 826 merge: refresh a neighbour we already know from any ARP it sends;
  // create an entry only from ARP addressed to us.
  if (!arp->sender_ip.is_any() && !arp->sender_mac.is_multicast()) {
    if (for_us) learned_.emplace_back(arp->sender_ip, arp->sender_mac);
    for (rte_mbuf* waiting : arp_.learn(arp->sender_ip, arp->sender_mac, for_us, now))
      send_frame(waiting, arp->sender_mac);
  }
  if (!for_us) {
    stats_.count(Drop::ArpNotForUs);
    return;
  }
  if (arp->op == wire::ArpOp::Request)
    send_arp(wire::ArpOp::Reply, arp->sender_mac, arp->sender_ip, arp->sender_mac);
}

void NetStack::learn_neighbour(wire::Ipv4Addr ip, const wire::MacAddr& mac, Instant now) {
  for (rte_mbuf* waiting : arp_.learn(ip, mac, true, now)) send_frame(waiting, mac);
}

void NetStack::send_arp(wire::ArpOp op, const wire::MacAddr& dst_mac, wire::Ipv4Addr target_ip,
                        const wire::MacAddr& target_mac) {
  rte_mbuf* m = alloc();
  if (m == nullptr) {
    stats_.count(Drop::NoBuffers);
    return;
  }
  constexpr size_t kLen = wire::EthernetRepr::buffer_len() + wire::ArpRepr::buffer_len();
  auto* data = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, kLen));
  wire::MutBytes frame{data, kLen};
  wire::EthernetRepr{dst_mac, iface_.mac, static_cast<std::uint16_t>(wire::EtherType::Arp)}.emit(
      frame);
  wire::ArpRepr{op, iface_.mac, iface_.addr.addr, target_mac, target_ip}.emit(
      frame.subspan(wire::EthernetRepr::buffer_len()));
  if (op == wire::ArpOp::Request)
    ++stats_.arp_requests_sent;
  else
    ++stats_.arp_replies_sent;
  tx_.push_back(m);
}

void NetStack::announce() {
  // RFC 5227 2.3: an ARP request with sender and target both our address.
  send_arp(wire::ArpOp::Request, wire::MacAddr::broadcast(), iface_.addr.addr, wire::MacAddr{});
}

std::optional<L4Packet> NetStack::icmp_input(rte_mbuf* frame, const wire::Ipv4Repr& ip,
                                             wire::Bytes payload, Instant now) {
  auto view = wire::IcmpView::parse(payload);
  if (!view) {
    stats_.count(Layer::Icmp, view.error());
    rte_pktmbuf_free(frame);
    return std::nullopt;
  }
  auto icmp = wire::IcmpRepr::parse(*view);
  if (icmp.type == wire::IcmpRepr::kDestUnreachable && ip.dst == iface_.addr.addr) {
    // RFC 792: the data quotes the IP header and at least 8 bytes of the
    // datagram that failed; the quoted header is read by hand because its
    // total length counts bytes the quote does not carry.
    const wire::Bytes quote = icmp.data;
    const std::size_t ihl = quote.empty() ? 0 : (quote[0] & 0x0f) * 4u;
    if (quote.size() < 20 || (quote[0] >> 4) != 4 || ihl < 20 || quote.size() < ihl + 8 ||
        wire::load_ipv4(quote.data() + 12) != iface_.addr.addr) {
      drop(frame, Drop::IcmpIgnored);
      return std::nullopt;
    }
    IcmpError error{.type = icmp.type,
                    .code = icmp.code,
                    .next_hop_mtu = static_cast<std::uint16_t>(icmp.rest_of_header & 0xffff),
                    .local = wire::load_ipv4(quote.data() + 12),
                    .remote = wire::load_ipv4(quote.data() + 16),
                    .protocol = quote[9]};
    return L4Packet{.ip = ip, .payload = quote.subspan(ihl, 8), .mbuf = frame, .icmp = error};
  }
  // Like Linux (icmp_echo_ignore_broadcasts=1) we answer only unicast echo.
  if (icmp.type != wire::IcmpRepr::kEchoRequest || icmp.code != 0 ||
      ip.dst != iface_.addr.addr || !answer_echo_) {
    drop(frame, Drop::IcmpIgnored);
    return std::nullopt;
  }
  rte_mbuf* reply = alloc();
  if (reply == nullptr) {
    drop(frame, Drop::NoBuffers);
    return std::nullopt;
  }
  wire::IcmpRepr echo_reply{wire::IcmpRepr::kEchoReply, 0, icmp.rest_of_header, icmp.data};
  const size_t len = echo_reply.buffer_len();
  auto* data = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(reply, len));
  if (data == nullptr) {
    rte_pktmbuf_free(reply);
    drop(frame, Drop::NoBuffers);
    return std::nullopt;
  }
  echo_reply.emit({data, len});
  rte_pktmbuf_free(frame);
  wire::Ipv4Repr reply_ip{.src = iface_.addr.addr,
                          .dst = ip.src,
                          .protocol = static_cast<std::uint8_t>(wire::IpProto::Icmp)};
  if (send_ipv4(reply, reply_ip, now)) ++stats_.icmp_echo_replies;
  return std::nullopt;
}

std::expected<wire::Ipv4Addr, Errc> NetStack::next_hop(wire::Ipv4Addr dst) const {
  if (iface_.addr.contains(dst) || dst.is_broadcast()) return dst;
  if (iface_.gateway) return *iface_.gateway;
  return std::unexpected(Errc::NoRoute);
}

std::expected<void, Errc> NetStack::send_ipv4(rte_mbuf* packet, wire::Ipv4Repr ip, Instant now) {
  auto hop = next_hop(ip.dst);
  if (!hop) {
    drop(packet, Drop::NoRoute);
    return std::unexpected(hop.error());
  }
  ip.payload_len = static_cast<std::uint16_t>(rte_pktmbuf_pkt_len(packet));
  if (ip.id == 0) ip.id = next_ip_id_++;
  constexpr auto kIpLen = wire::Ipv4Repr::buffer_len();
  auto* hdr = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(packet, kIpLen));
  if (hdr == nullptr) {
    drop(packet, Drop::NoBuffers);
    return std::unexpected(Errc::NoBuffers);
  }
  const bool offload = iface_.offloads.tx_ipv4_cksum;
  ip.emit({hdr, kIpLen}, offload ? wire::ChecksumFill::Offload : wire::ChecksumFill::Full);
  packet->l2_len = wire::EthernetRepr::buffer_len();
  packet->l3_len = kIpLen;
  packet->ol_flags |= RTE_MBUF_F_TX_IPV4 | (offload ? RTE_MBUF_F_TX_IP_CKSUM : 0);

  if (hop->is_broadcast()) {
    send_frame(packet, wire::MacAddr::broadcast());
    return {};
  }
  if (auto mac = arp_.lookup(*hop, now)) {
    send_frame(packet, *mac);
    return {};
  }
  switch (arp_.enqueue(*hop, packet, now)) {
    case ArpCache::Queued::FirstForNeighbour:
      send_arp(wire::ArpOp::Request, wire::MacAddr::broadcast(), *hop, wire::MacAddr{});
      break;
    case ArpCache::Queued::Waiting:
      break;
    case ArpCache::Queued::QueueFull:
      drop(packet, Drop::ArpQueueFull);
      return std::unexpected(Errc::QueueFull);
    case ArpCache::Queued::CacheFull:
      drop(packet, Drop::ArpCacheFull);
      return std::unexpected(Errc::QueueFull);
  }
  return {};
}

void NetStack::send_frame(rte_mbuf* ip_packet, const wire::MacAddr& dst) {
  constexpr auto kLen = wire::EthernetRepr::buffer_len();
  auto* hdr = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_prepend(ip_packet, kLen));
  if (hdr == nullptr) {
    drop(ip_packet, Drop::NoBuffers);
    return;
  }
  wire::EthernetRepr{dst, iface_.mac, static_cast<std::uint16_t>(wire::EtherType::Ipv4)}.emit(
      {hdr, kLen});
  tx_.push_back(ip_packet);
}

void NetStack::poll_timers(Instant now) {
  if (now < next_arp_check_) return;
  next_arp_check_ = now + kArpCheckInterval;
  auto expired = arp_.expire(now);
  for (wire::Ipv4Addr ip : expired.retry)
    send_arp(wire::ArpOp::Request, wire::MacAddr::broadcast(), ip, wire::MacAddr{});
  for (rte_mbuf* m : expired.failed) drop(m, Drop::ArpFailed);
}

}  // namespace percore::net
