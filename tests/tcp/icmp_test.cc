// ICMP destination unreachable for our segments (RFC 1122 4.2.3.9,
// RFC 5927 validation, RFC 1191 fragmentation needed).
#include <rte_mbuf.h>

#include <cstring>

#include "stack/wire/ethernet.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "tests/support/eal_env.h"
#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

class IcmpTest : public TcpTest {
 protected:
  // The peer's router reports that our segment (ports, sequence number)
  // could not be delivered.
  void rx_unreachable(std::uint8_t code, std::uint16_t local_port, Seq seq,
                      std::uint16_t mtu = 0) {
    // The quoted datagram: our IPv4 header and the first 8 bytes of TCP.
    std::uint8_t quote[28] = {};
    wire::Ipv4Repr{.src = kLocalIp, .dst = kRemoteIp, .protocol = 6, .payload_len = 20}.emit(
        {quote, 20});
    wire::store_be16(quote + 20, local_port);
    wire::store_be16(quote + 22, kRemotePort);
    wire::store_be32(quote + 24, seq.raw());
    wire::IcmpRepr icmp{wire::IcmpRepr::kDestUnreachable, code, mtu, wire::Bytes(quote)};
    const std::size_t len = 14 + 20 + icmp.buffer_len();
    rte_mbuf* m = rte_pktmbuf_alloc(percore::testing::test_pool());
    auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(len)));
    wire::EthernetRepr{{{0x02, 0, 0, 0, 0, 0x02}}, {{0x02, 0, 0, 0, 0, 0x01}}, 0x0800}.emit({p, 14});
    wire::Ipv4Repr{.src = kRemoteIp, .dst = kLocalIp, .protocol = 1,
                   .payload_len = static_cast<std::uint16_t>(icmp.buffer_len())}
        .emit({p + 14, 20});
    icmp.emit({p + 34, icmp.buffer_len()});
    auto packet = net_->input(m, now());
    ASSERT_TRUE(packet) << "the network layer did not pass the ICMP error up";
    ASSERT_TRUE(packet->icmp);
    tcp_->input(*packet, now());
    tcp_->poll(now());
  }

  // connect() and the SYN it sends: our port and ISS.
  std::pair<Tcb*, Sent> syn_sent() {
    auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now());
    tcp_->poll(now());
    auto sent = tx();
    EXPECT_EQ(sent.size(), 1u);
    return {*tcb, sent.empty() ? Sent{} : sent[0]};
  }
};

TEST_F(IcmpTest, PortUnreachableRefusesAConnectionBeingOpened) {
  auto [tcb, syn] = syn_sent();
  rx_unreachable(3, syn.repr.src_port, syn.repr.seq);
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionRefused);
}

TEST_F(IcmpTest, AnErrorQuotingAnUnsentSequenceIsIgnored) {
  auto [tcb, syn] = syn_sent();
  rx_unreachable(3, syn.repr.src_port, syn.repr.seq + 5000);
  EXPECT_EQ(tcb->state(), State::SynSent) << "RFC 5927: not data in flight";
}

TEST_F(IcmpTest, AnErrorForAnotherPortIsIgnored) {
  auto [tcb, syn] = syn_sent();
  rx_unreachable(3, static_cast<std::uint16_t>(syn.repr.src_port + 1), syn.repr.seq);
  EXPECT_EQ(tcb->state(), State::SynSent);
}

TEST_F(IcmpTest, HostUnreachableIsSoftAndReportedOnTimeout) {
  config_.syn_retries = 1;
  rebuild();
  auto [tcb, syn] = syn_sent();
  rx_unreachable(1, syn.repr.src_port, syn.repr.seq);
  EXPECT_EQ(tcb->state(), State::SynSent) << "a soft error does not abort";
  advance(1s);
  tx();
  advance(2s);
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::HostUnreachable);
}

TEST_F(IcmpTest, PortUnreachableOnAnEstablishedConnectionIsOnlyNoted) {
  Tcb* tcb = established(seg(kSyn).mss(1460));
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, "hello");
  tx();
  rx_unreachable(3, kLocalPort, L);
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_EQ(tcb->soft_error(), Errc::ConnectionRefused);
}

TEST_F(IcmpTest, FragmentationNeededShrinksTheMss) {
  Tcb* tcb = established(seg(kSyn).mss(1460));
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, std::string(1460, 'x'));
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  rx_unreachable(4, kLocalPort, L, 1000);
  EXPECT_EQ(tcb->mss(), 960u);
  auto again = tx();
  ASSERT_GE(again.size(), 1u) << "the lost segment is resent in smaller pieces";
  EXPECT_EQ(again[0].repr.seq, L);
  EXPECT_EQ(again[0].payload.size(), 960u);
}

}  // namespace
}  // namespace percore::tcp::testing
