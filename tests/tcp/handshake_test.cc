// RFC 9293 3.5: establishing a connection, passive and active, with the
// options of RFC 7323 and RFC 2018 negotiated.
#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

class Handshake : public TcpTest {};

TEST_F(Handshake, PassiveOpenAnswersSynWithSynAck) {
  listen();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).mss(1460));
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.flags, kSyn | kAck);
  EXPECT_EQ(sent[0].repr.ack, Seq(kPeerIss + 1));
  EXPECT_EQ(sent[0].repr.options.mss, 1460);
  // Nothing the peer did not offer.
  EXPECT_FALSE(sent[0].repr.options.window_scale);
  EXPECT_FALSE(sent[0].repr.options.timestamps);
  EXPECT_FALSE(sent[0].repr.options.sack_permitted);
}

TEST_F(Handshake, PassiveOpenCompletesOnAckAndIsAccepted) {
  Tcb* tcb = established(seg(kSyn).mss(1460));
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_EQ(tcb->mss(), 1460u);
  EXPECT_TRUE(tcb->events() & Event::kWritable);
}

TEST_F(Handshake, NegotiatesWindowScaleTimestampsAndSack) {
  Tcb* tcb = established(seg(kSyn).mss(1460).sack_ok().ts(100, 0).wscale(7));
  ASSERT_NE(tcb, nullptr);
  EXPECT_TRUE(tcb->timestamps());
  EXPECT_TRUE(tcb->sack());
  EXPECT_EQ(tcb->snd_wscale(), 7);
  EXPECT_GT(tcb->rcv_wscale(), 0);
  // RFC 7323 / RFC 6691: the 12 bytes of timestamps come out of each segment.
  EXPECT_EQ(tcb->mss(), 1448u);
}

TEST_F(Handshake, SynAckEchoesThePeersTimestamp) {
  listen();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).mss(1460).ts(4242, 0));
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].repr.options.timestamps);
  EXPECT_EQ(sent[0].repr.options.timestamps->ecr, 4242u);
}

TEST_F(Handshake, WindowScaleAboveFourteenIsClamped) {
  Tcb* tcb = established(seg(kSyn).mss(1460).wscale(15));
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->snd_wscale(), 14);  // RFC 7323 2.3
}

TEST_F(Handshake, NoMssOptionMeans536) {
  Tcb* tcb = established(seg(kSyn));
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->mss(), 536u);  // RFC 9293 3.7.1
}

TEST_F(Handshake, SynToAClosedPortIsReset) {
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).ports(kRemotePort, 81));
  expect_tx(seg(kRst | kAck).with_seq(Seq(0)).with_ack(Seq(kPeerIss + 1)).ports(kRemotePort, 81));
}

TEST_F(Handshake, AckToAListenerIsReset) {
  listen();
  rx(seg(kAck).with_seq(Seq(kPeerIss)).with_ack(Seq(5555)));
  expect_tx(seg(kRst).with_seq(Seq(5555)));
}

TEST_F(Handshake, RstToAClosedPortIsNotAnswered) {
  rx(seg(kRst).with_seq(Seq(kPeerIss)).ports(kRemotePort, 81));
  expect_no_tx();
}

TEST_F(Handshake, SynAckIsRetransmittedWhenTheAckIsLost) {
  listen();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).mss(1460));
  auto first = tx();
  ASSERT_EQ(first.size(), 1u);
  advance(999ms);
  expect_no_tx("before the initial RTO");
  advance(1ms);
  auto again = tx();
  ASSERT_EQ(again.size(), 1u) << "RFC 6298: the SYN-ACK is resent after 1 s";
  EXPECT_EQ(again[0].repr.flags, kSyn | kAck);
  EXPECT_EQ(again[0].repr.seq, first[0].repr.seq);
}

TEST_F(Handshake, RetransmittedSynGetsTheSynAckAgain) {
  listen();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).mss(1460));
  auto first = tx();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).mss(1460));
  auto again = tx();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].repr.flags, kSyn | kAck);
  EXPECT_EQ(again[0].repr.seq, first[0].repr.seq);
}

TEST_F(Handshake, ActiveOpenSendsSynWithOurOptions) {
  auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now());
  ASSERT_TRUE(tcb);
  tcp_->poll(now());
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.flags, kSyn);
  EXPECT_EQ(sent[0].repr.options.mss, 1460);
  EXPECT_TRUE(sent[0].repr.options.window_scale);
  EXPECT_TRUE(sent[0].repr.options.sack_permitted);
  EXPECT_TRUE(sent[0].repr.options.timestamps);
  EXPECT_EQ((*tcb)->state(), State::SynSent);
}

TEST_F(Handshake, ActiveOpenCompletesOnSynAck) {
  Tcb* tcb = connected(seg(kSyn | kAck).mss(1400));
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_EQ(tcb->mss(), 1400u);
  EXPECT_FALSE(tcb->timestamps()) << "the peer did not echo timestamps";
}

TEST_F(Handshake, RstAnsweringOurSynRefusesTheConnection) {
  auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now());
  tcp_->poll(now());
  auto syn = tx();
  ASSERT_EQ(syn.size(), 1u);
  rx(seg(kRst | kAck).with_seq(Seq(0)).with_ack(syn[0].repr.seq + 1).ports(kRemotePort, syn[0].repr.src_port));
  EXPECT_EQ((*tcb)->state(), State::Closed);
  EXPECT_EQ((*tcb)->error(), Errc::ConnectionRefused);
  EXPECT_TRUE((*tcb)->events() & Event::kError);
}

TEST_F(Handshake, SynAckWithAWrongAckIsReset) {
  auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now());
  tcp_->poll(now());
  auto syn = tx();
  ASSERT_EQ(syn.size(), 1u);
  const Seq bad = syn[0].repr.seq + 100;
  rx(seg(kSyn | kAck).with_seq(Seq(kPeerIss)).with_ack(bad).ports(kRemotePort, syn[0].repr.src_port));
  expect_tx(seg(kRst).with_seq(bad).ports(kRemotePort, syn[0].repr.src_port));
  EXPECT_EQ((*tcb)->state(), State::SynSent);
}

TEST_F(Handshake, SynIsRetransmittedWithBackoffThenTimesOut) {
  config_.syn_retries = 2;
  rebuild();
  auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now());
  tcp_->poll(now());
  EXPECT_EQ(tx().size(), 1u);
  advance(1s);
  EXPECT_EQ(tx().size(), 1u) << "first retransmission after 1 s";
  advance(1999ms);
  expect_no_tx("the RTO doubled");
  advance(1ms);
  EXPECT_EQ(tx().size(), 1u) << "second retransmission after 2 s more";
  advance(4s);
  EXPECT_EQ((*tcb)->state(), State::Closed);
  EXPECT_EQ((*tcb)->error(), Errc::TimedOut);
}

TEST_F(Handshake, SimultaneousOpen) {
  // RFC 9293 figure 8: both sides send SYN; each answers with SYN-ACK.
  auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now());
  tcp_->poll(now());
  auto syn = tx();
  ASSERT_EQ(syn.size(), 1u);
  const std::uint16_t port = syn[0].repr.src_port;
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).ports(kRemotePort, port));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  EXPECT_EQ(synack[0].repr.flags, kSyn | kAck);
  EXPECT_EQ(synack[0].repr.seq, syn[0].repr.seq);
  EXPECT_EQ(synack[0].repr.ack, Seq(kPeerIss + 1));
  EXPECT_EQ((*tcb)->state(), State::SynReceived);
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(syn[0].repr.seq + 1).ports(kRemotePort, port));
  EXPECT_EQ((*tcb)->state(), State::Established);
}

TEST_F(Handshake, BacklogBoundsHalfOpenConnections) {
  listen(kLocalPort, 2);
  for (std::uint16_t p = 0; p < 3; ++p)
    rx(seg(kSyn).with_seq(Seq(kPeerIss)).ports(static_cast<std::uint16_t>(kRemotePort + p), kLocalPort));
  // Two connections wait in SYN-RECEIVED; the third SYN gets a cookie and no state.
  EXPECT_EQ(tx().size(), 3u);
  EXPECT_EQ(tcp_->stats().syn_queue_full, 1u);
  EXPECT_EQ(tcp_->connections(), 2u);
}

}  // namespace
}  // namespace percore::tcp::testing
