// The network layer driven frame by frame with a fake clock: what it answers,
// what it queues, what it hands to the transport, and what it drops (and
// under which counter).
#include "stack/net/net_stack.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cstring>
#include <vector>

#include "stack/wire/arp.h"
#include "stack/wire/ethernet.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "tests/support/eal_env.h"

namespace percore::net {
namespace {

using wire::ArpOp;
using wire::Ipv4Addr;
using wire::MacAddr;

const MacAddr kOurMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
const MacAddr kPeerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
const MacAddr kGwMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0xfe}};
const Ipv4Addr kOurIp = Ipv4Addr::from_octets(198, 18, 0, 2);
const Ipv4Addr kPeerIp = Ipv4Addr::from_octets(198, 18, 0, 1);
const Ipv4Addr kGwIp = Ipv4Addr::from_octets(198, 18, 0, 254);
const Ipv4Addr kFarIp = Ipv4Addr::from_octets(198, 19, 7, 7);

using Frame = std::vector<std::uint8_t>;

Frame ethernet(const MacAddr& dst, const MacAddr& src, wire::EtherType type, const Frame& payload) {
  Frame f(wire::EthernetRepr::buffer_len() + payload.size());
  wire::EthernetRepr{dst, src, static_cast<std::uint16_t>(type)}.emit(f);
  std::memcpy(f.data() + wire::EthernetRepr::buffer_len(), payload.data(), payload.size());
  return f;
}

Frame arp(ArpOp op, const MacAddr& sender_mac, Ipv4Addr sender_ip, const MacAddr& target_mac,
          Ipv4Addr target_ip) {
  Frame p(wire::ArpRepr::buffer_len());
  wire::ArpRepr{op, sender_mac, sender_ip, target_mac, target_ip}.emit(p);
  return ethernet(op == ArpOp::Request ? MacAddr::broadcast() : kOurMac, sender_mac,
                  wire::EtherType::Arp, p);
}

Frame ipv4(Ipv4Addr src, Ipv4Addr dst, wire::IpProto proto, const Frame& l4) {
  Frame p(wire::Ipv4Repr::buffer_len() + l4.size());
  wire::Ipv4Repr ip{.src = src,
                    .dst = dst,
                    .protocol = static_cast<std::uint8_t>(proto),
                    .payload_len = static_cast<std::uint16_t>(l4.size())};
  ip.emit(p);
  std::memcpy(p.data() + wire::Ipv4Repr::buffer_len(), l4.data(), l4.size());
  return ethernet(kOurMac, kPeerMac, wire::EtherType::Ipv4, p);
}

Frame echo_request(Ipv4Addr dst, std::uint16_t ident, std::uint16_t seq, const Frame& data) {
  wire::IcmpRepr icmp{wire::IcmpRepr::kEchoRequest, 0,
                      (std::uint32_t{ident} << 16) | seq, wire::Bytes(data)};
  Frame p(icmp.buffer_len());
  icmp.emit(p);
  return ipv4(kPeerIp, dst, wire::IpProto::Icmp, p);
}

Frame tcp_syn(Ipv4Addr dst) {
  wire::TcpRepr tcp{.src_port = 40000,
                    .dst_port = 7,
                    .seq = wire::Seq(1000),
                    .ack = wire::Seq(0),
                    .flags = wire::TcpFlag::kSyn,
                    .window = 65535};
  Frame p(tcp.buffer_len());
  tcp.emit(p, kPeerIp, dst);
  return ipv4(kPeerIp, dst, wire::IpProto::Tcp, p);
}

class NetStackTest : public ::testing::Test {
 protected:
  NetStackTest() { reset({}); }
  ~NetStackTest() override { clear_tx(); }

  void reset(std::optional<Ipv4Addr> gateway, dev::Offloads offloads = {}) {
    net_.reset();
    Interface iface{.mac = kOurMac,
                    .addr = {kOurIp, 24},
                    .gateway = gateway,
                    .offloads = offloads};
    net_ = std::make_unique<NetStack>(iface, testing::test_pool());
  }

  // Feeds one frame at time `t`; returns what was handed to the transport.
  std::optional<L4Packet> rx(const Frame& f, Duration t = {}) {
    rte_mbuf* m = rte_pktmbuf_alloc(testing::test_pool());
    auto* data = rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size()));
    if (!f.empty()) std::memcpy(data, f.data(), f.size());
    return net_->input(m, Instant(t));
  }

  // Takes the frames the stack wants to transmit.
  std::vector<Frame> tx() {
    std::vector<Frame> out;
    for (rte_mbuf* m : net_->tx_frames()) {
      EXPECT_EQ(m->nb_segs, 1);
      auto* d = rte_pktmbuf_mtod(m, std::uint8_t*);
      out.emplace_back(d, d + rte_pktmbuf_data_len(m));
    }
    clear_tx();
    return out;
  }
  void clear_tx() {
    for (rte_mbuf* m : net_->tx_frames()) rte_pktmbuf_free(m);
    net_->clear_tx();
  }

  std::unique_ptr<NetStack> net_;
};

struct ParsedArp {
  wire::EthernetRepr eth;
  wire::ArpRepr arp;
};

ParsedArp parse_arp(const Frame& f) {
  auto eth = wire::EthernetView::parse(f);
  EXPECT_TRUE(eth);
  EXPECT_EQ(eth->ethertype(), static_cast<std::uint16_t>(wire::EtherType::Arp));
  auto view = wire::ArpView::parse(eth->payload());
  EXPECT_TRUE(view);
  auto arp = wire::ArpRepr::parse(*view);
  EXPECT_TRUE(arp);
  return {wire::EthernetRepr::parse(*eth), *arp};
}

struct ParsedIcmp {
  wire::EthernetRepr eth;
  wire::Ipv4Repr ip;
  wire::IcmpRepr icmp;
  Frame data;
};

ParsedIcmp parse_icmp(const Frame& f) {
  auto eth = wire::EthernetView::parse(f);
  EXPECT_TRUE(eth);
  auto ipv = wire::Ipv4View::parse(eth->payload());
  EXPECT_TRUE(ipv) << "IPv4 header or checksum invalid";
  auto ip = wire::Ipv4Repr::parse(*ipv);
  EXPECT_TRUE(ip);
  auto icmpv = wire::IcmpView::parse(ipv->payload());
  EXPECT_TRUE(icmpv) << "ICMP checksum invalid";
  auto icmp = wire::IcmpRepr::parse(*icmpv);
  return {wire::EthernetRepr::parse(*eth), *ip, icmp, Frame(icmp.data.begin(), icmp.data.end())};
}

TEST_F(NetStackTest, AnswersArpRequestForOurAddress) {
  EXPECT_FALSE(rx(arp(ArpOp::Request, kPeerMac, kPeerIp, MacAddr{}, kOurIp)));
  auto out = tx();
  ASSERT_EQ(out.size(), 1u);
  auto reply = parse_arp(out[0]);
  EXPECT_EQ(reply.eth.dst, kPeerMac);
  EXPECT_EQ(reply.eth.src, kOurMac);
  EXPECT_EQ(reply.arp.op, ArpOp::Reply);
  EXPECT_EQ(reply.arp.sender_mac, kOurMac);
  EXPECT_EQ(reply.arp.sender_ip, kOurIp);
  EXPECT_EQ(reply.arp.target_mac, kPeerMac);
  EXPECT_EQ(reply.arp.target_ip, kPeerIp);
  EXPECT_EQ(net_->stats().arp_replies_sent, 1u);
  // RFC 826: the requester is learnt, so replying to it needs no request.
  EXPECT_EQ(net_->arp_cache().lookup(kPeerIp, Instant{}), kPeerMac);
}

TEST_F(NetStackTest, ReportsWhatItLearntForSiblingShards) {
  rx(arp(ArpOp::Request, kPeerMac, kPeerIp, MacAddr{}, kOurIp));
  auto learned = net_->take_learned();
  ASSERT_EQ(learned.size(), 1u);
  EXPECT_EQ(learned[0].first, kPeerIp);
  EXPECT_EQ(learned[0].second, kPeerMac);
  EXPECT_TRUE(net_->take_learned().empty());
}

TEST_F(NetStackTest, NeighbourLearntElsewhereReleasesWaitingPackets) {
  rx(echo_request(kOurIp, 1, 1, {}));
  EXPECT_EQ(tx().size(), 1u);  // the ARP request
  net_->learn_neighbour(kPeerIp, kPeerMac, Instant(1ms));
  auto out = tx();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_icmp(out[0]).icmp.type, wire::IcmpRepr::kEchoReply);
}

TEST_F(NetStackTest, IgnoresArpForAnotherAddressAndLearnsNothing) {
  rx(arp(ArpOp::Request, kPeerMac, kPeerIp, MacAddr{}, Ipv4Addr::from_octets(198, 18, 0, 3)));
  EXPECT_TRUE(tx().empty());
  EXPECT_EQ(net_->stats().dropped(Drop::ArpNotForUs), 1u);
  EXPECT_EQ(net_->arp_cache().size(), 0u);
}

TEST_F(NetStackTest, AnnounceIsAGratuitousArp) {
  net_->announce();
  auto out = tx();
  ASSERT_EQ(out.size(), 1u);
  auto g = parse_arp(out[0]);
  EXPECT_TRUE(g.eth.dst.is_broadcast());
  EXPECT_EQ(g.arp.op, ArpOp::Request);
  EXPECT_EQ(g.arp.sender_ip, kOurIp);
  EXPECT_EQ(g.arp.target_ip, kOurIp);
  EXPECT_EQ(g.arp.sender_mac, kOurMac);
}

TEST_F(NetStackTest, EchoReplyWaitsForArpThenGoesOut) {
  const Frame data = {'p', 'i', 'n', 'g', 0, 1, 2, 3};
  EXPECT_FALSE(rx(echo_request(kOurIp, 0x1234, 7, data)));
  auto out = tx();
  ASSERT_EQ(out.size(), 1u) << "expected only an ARP request while resolving";
  auto req = parse_arp(out[0]);
  EXPECT_EQ(req.arp.op, ArpOp::Request);
  EXPECT_EQ(req.arp.target_ip, kPeerIp);
  EXPECT_EQ(net_->arp_cache().pending_packets(), 1u);

  rx(arp(ArpOp::Reply, kPeerMac, kPeerIp, kOurMac, kOurIp), 1ms);
  out = tx();
  ASSERT_EQ(out.size(), 1u);
  auto reply = parse_icmp(out[0]);
  EXPECT_EQ(reply.eth.dst, kPeerMac);
  EXPECT_EQ(reply.ip.src, kOurIp);
  EXPECT_EQ(reply.ip.dst, kPeerIp);
  EXPECT_EQ(reply.icmp.type, wire::IcmpRepr::kEchoReply);
  EXPECT_EQ(reply.icmp.ident(), 0x1234);
  EXPECT_EQ(reply.icmp.seq_no(), 7);
  EXPECT_EQ(reply.data, data);
  EXPECT_EQ(net_->stats().icmp_echo_replies, 1u);
}

TEST_F(NetStackTest, EchoReplyGoesStraightOutWhenNeighbourKnown) {
  rx(arp(ArpOp::Request, kPeerMac, kPeerIp, MacAddr{}, kOurIp));
  tx();
  rx(echo_request(kOurIp, 1, 1, {1, 2, 3}));
  auto out = tx();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_icmp(out[0]).icmp.type, wire::IcmpRepr::kEchoReply);
}

TEST_F(NetStackTest, BroadcastEchoIsIgnoredLikeLinux) {
  rx(echo_request(Ipv4Addr::from_octets(198, 18, 0, 255), 1, 1, {}));
  EXPECT_TRUE(tx().empty());
  EXPECT_EQ(net_->stats().dropped(Drop::IcmpIgnored), 1u) << net_->stats().to_string();
}

TEST_F(NetStackTest, ArpGivesUpAfterThreeRequestsAndDropsWaitingPackets) {
  rx(echo_request(kOurIp, 1, 1, {}));
  EXPECT_EQ(tx().size(), 1u);
  net_->poll_timers(Instant(500ms));
  EXPECT_TRUE(tx().empty()) << "retry before the interval";
  net_->poll_timers(Instant(1100ms));
  EXPECT_EQ(tx().size(), 1u);
  net_->poll_timers(Instant(2200ms));
  EXPECT_EQ(tx().size(), 1u);
  net_->poll_timers(Instant(3300ms));
  EXPECT_TRUE(tx().empty());
  EXPECT_EQ(net_->stats().dropped(Drop::ArpFailed), 1u);
  EXPECT_EQ(net_->arp_cache().size(), 0u);
}

TEST_F(NetStackTest, ArpEntryExpiresAndIsResolvedAgain) {
  rx(arp(ArpOp::Request, kPeerMac, kPeerIp, MacAddr{}, kOurIp));
  tx();
  EXPECT_TRUE(net_->arp_cache().lookup(kPeerIp, Instant(59s)));
  EXPECT_FALSE(net_->arp_cache().lookup(kPeerIp, Instant(61s)));
  rx(echo_request(kOurIp, 1, 1, {}), 61s);
  auto out = tx();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_arp(out[0]).arp.op, ArpOp::Request);
}

TEST_F(NetStackTest, PendingQueueIsBounded) {
  for (int i = 0; i < 20; ++i) rx(echo_request(kOurIp, 1, static_cast<std::uint16_t>(i), {}));
  EXPECT_EQ(tx().size(), 1u);
  EXPECT_EQ(net_->arp_cache().pending_packets(), 16u);
  EXPECT_EQ(net_->stats().dropped(Drop::ArpQueueFull), 4u);
}

TEST_F(NetStackTest, OffLinkGoesThroughTheGateway) {
  reset(kGwIp);
  rte_mbuf* m = net_->alloc();
  ASSERT_NE(rte_pktmbuf_append(m, 8), nullptr);
  std::memset(rte_pktmbuf_mtod(m, void*), 0, 8);
  wire::Ipv4Repr ip{.src = kOurIp, .dst = kFarIp, .protocol = 17};
  EXPECT_TRUE(net_->send_ipv4(m, ip, Instant{}));
  auto out = tx();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(parse_arp(out[0]).arp.target_ip, kGwIp);
  rx(arp(ArpOp::Reply, kGwMac, kGwIp, kOurMac, kOurIp));
  out = tx();
  ASSERT_EQ(out.size(), 1u);
  auto eth = wire::EthernetView::parse(out[0]);
  EXPECT_EQ(eth->dst(), kGwMac);
  auto ipv = wire::Ipv4View::parse(eth->payload());
  ASSERT_TRUE(ipv);
  EXPECT_EQ(ipv->dst(), kFarIp);
  EXPECT_EQ(ipv->total_len(), 28);
}

TEST_F(NetStackTest, OffLinkWithoutGatewayIsNoRoute) {
  rte_mbuf* m = net_->alloc();
  rte_pktmbuf_append(m, 8);
  wire::Ipv4Repr ip{.src = kOurIp, .dst = kFarIp, .protocol = 17};
  auto r = net_->send_ipv4(m, ip, Instant{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::NoRoute);
  EXPECT_EQ(net_->stats().dropped(Drop::NoRoute), 1u);
  EXPECT_TRUE(tx().empty());
}

TEST_F(NetStackTest, ChecksumOffloadLeavesHeaderChecksumToTheDevice) {
  reset({}, dev::Offloads{.tx_ipv4_cksum = true});
  rx(arp(ArpOp::Request, kPeerMac, kPeerIp, MacAddr{}, kOurIp));
  tx();
  rte_mbuf* m = net_->alloc();
  rte_pktmbuf_append(m, 8);
  ASSERT_TRUE(net_->send_ipv4(m, {.src = kOurIp, .dst = kPeerIp, .protocol = 17}, Instant{}));
  ASSERT_EQ(net_->tx_frames().size(), 1u);
  rte_mbuf* out = net_->tx_frames()[0];
  EXPECT_TRUE(out->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
  EXPECT_TRUE(out->ol_flags & RTE_MBUF_F_TX_IPV4);
  EXPECT_EQ(out->l2_len, 14);
  EXPECT_EQ(out->l3_len, 20);
  auto* ip_hdr = rte_pktmbuf_mtod_offset(out, std::uint8_t*, 14);
  EXPECT_EQ(ip_hdr[10], 0);
  EXPECT_EQ(ip_hdr[11], 0);
}

TEST_F(NetStackTest, HandsTcpForUsToTheTransport) {
  auto seg = rx(tcp_syn(kOurIp));
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->ip.protocol, 6);
  EXPECT_EQ(seg->ip.src, kPeerIp);
  auto tcp = wire::TcpView::parse(seg->payload, seg->ip.src, seg->ip.dst, seg->checksum);
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->dst_port(), 7);
  rte_pktmbuf_free(seg->mbuf);
}

TEST_F(NetStackTest, DropsTcpForAnotherHost) {
  EXPECT_FALSE(rx(tcp_syn(Ipv4Addr::from_octets(198, 18, 0, 9))));
  EXPECT_EQ(net_->stats().dropped(Drop::Ipv4NotForUs), 1u);
}

TEST_F(NetStackTest, DropsFramesForAnotherMac) {
  Frame f = echo_request(kOurIp, 1, 1, {});
  f[5] = 0x77;
  rx(f);
  EXPECT_EQ(net_->stats().dropped(Drop::NotForUs), 1u);
  EXPECT_TRUE(tx().empty());
}

TEST_F(NetStackTest, CountsUnknownEthertype) {
  rx(ethernet(kOurMac, kPeerMac, wire::EtherType::Ipv6, Frame(40, 0x60)));
  EXPECT_EQ(net_->stats().dropped(Drop::UnknownEthertype), 1u);
}

TEST_F(NetStackTest, CountsTruncatedEthernet) {
  rx(Frame(10, 0xff));
  EXPECT_EQ(net_->stats().malformed_count(Layer::Ethernet, wire::ParseError::Truncated), 1u);
}

TEST_F(NetStackTest, CountsBadIpChecksum) {
  Frame f = echo_request(kOurIp, 1, 1, {});
  f[14 + 10] ^= 0x5a;
  rx(f);
  EXPECT_EQ(net_->stats().malformed_count(Layer::Ipv4, wire::ParseError::BadChecksum), 1u);
  EXPECT_TRUE(tx().empty());
}

TEST_F(NetStackTest, TrustsTheDeviceVerdictOnChecksums) {
  Frame f = echo_request(kOurIp, 1, 1, {});
  rte_mbuf* m = rte_pktmbuf_alloc(testing::test_pool());
  std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(f.size())), f.data(), f.size());
  m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
  net_->input(m, Instant{});
  EXPECT_EQ(net_->stats().malformed_count(Layer::Ipv4, wire::ParseError::BadChecksum), 1u);
}

// memif: a frame from shared memory is not verified (as Linux's loopback),
// so a bad IP header checksum passes and TCP is told to skip its own; any
// other device's frames are verified.
TEST_F(NetStackTest, SharedMemoryLinkVerifiesNoChecksum) {
  Frame f = tcp_syn(kOurIp);
  f[14 + 10] ^= 0x5a;
  EXPECT_FALSE(rx(f));
  EXPECT_EQ(net_->stats().malformed_count(Layer::Ipv4, wire::ParseError::BadChecksum), 1u);

  reset(std::nullopt, dev::Offloads{.shared_memory = true});
  auto seg = rx(f);
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->checksum, wire::ChecksumCheck::Skip);
  rte_pktmbuf_free(seg->mbuf);

  reset(std::nullopt);
  seg = rx(tcp_syn(kOurIp));
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->checksum, wire::ChecksumCheck::Verify);
  rte_pktmbuf_free(seg->mbuf);
}

TEST_F(NetStackTest, CountsFragments) {
  Frame f = echo_request(kOurIp, 1, 1, {});
  // Set MF and fix the header checksum by re-emitting the header.
  auto ipv = wire::Ipv4View::parse(wire::Bytes(f).subspan(14));
  ASSERT_TRUE(ipv);
  f[14 + 6] |= 0x20;
  f[14 + 10] = f[14 + 11] = 0;
  const std::uint16_t sum = wire::internet_checksum(wire::Bytes(f).subspan(14, 20));
  f[14 + 10] = static_cast<std::uint8_t>(sum >> 8);
  f[14 + 11] = static_cast<std::uint8_t>(sum);
  rx(f);
  EXPECT_EQ(net_->stats().dropped(Drop::Ipv4Fragment), 1u);
}

TEST_F(NetStackTest, CountsBadIcmpChecksum) {
  Frame f = echo_request(kOurIp, 1, 1, {9, 9});
  f.back() ^= 1;
  rx(f);
  EXPECT_EQ(net_->stats().malformed_count(Layer::Icmp, wire::ParseError::BadChecksum), 1u);
  EXPECT_TRUE(tx().empty());
}

TEST_F(NetStackTest, EveryTruncationOfEveryFrameIsCountedNeverCrashes) {
  std::vector<Frame> frames = {arp(ArpOp::Request, kPeerMac, kPeerIp, MacAddr{}, kOurIp),
                               echo_request(kOurIp, 1, 1, {1, 2, 3, 4}), tcp_syn(kOurIp)};
  for (const Frame& full : frames) {
    for (size_t len = 0; len < full.size(); ++len) {
      const std::uint64_t before = net_->stats().total_dropped();
      auto seg = rx(Frame(full.begin(), full.begin() + len));
      if (seg) {
        // Only a TCP frame cut inside its own payload reaches the transport,
        // whose own parse then rejects it.
        EXPECT_FALSE(wire::TcpView::parse(seg->payload, seg->ip.src, seg->ip.dst));
        rte_pktmbuf_free(seg->mbuf);
        continue;
      }
      EXPECT_EQ(net_->stats().total_dropped(), before + 1) << "length " << len;
      clear_tx();
    }
  }
}

}  // namespace
}  // namespace percore::net
