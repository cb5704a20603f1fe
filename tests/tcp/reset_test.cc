// RFC 9293 3.5.3 and 3.10.7: a RST in each state, with RFC 5961 3.2's
// exact-match rule in the synchronized states; abort() (RFC 9293 3.10.5).
#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

class Reset : public TcpTest {
 protected:
  // connect(): our SYN is out, SYN-SENT. Returns the TCB; `port_` is our port.
  Tcb* syn_sent() {
    auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now());
    EXPECT_TRUE(tcb);
    if (!tcb) return nullptr;
    tcp_->poll(now());
    auto syn = tx();
    EXPECT_EQ(syn.size(), 1u);
    if (syn.size() != 1) return nullptr;
    L = syn[0].repr.seq + 1;
    port_ = syn[0].repr.src_port;
    return *tcb;
  }
  // A segment from the peer of an active open.
  Seg to_us(std::uint8_t flags) { return seg(flags).ports(kRemotePort, port_); }

  Tcb* fin_wait_1() {
    Tcb* tcb = established();
    if (tcb == nullptr) return nullptr;
    app_close(tcb);
    expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
    return tcb;
  }
  Tcb* close_wait() {
    Tcb* tcb = established();
    if (tcb == nullptr) return nullptr;
    rx(seg(kFin | kAck).with_seq(R).with_ack(L));
    expect_tx(seg(kAck).with_seq(L).with_ack(R + 1));
    return tcb;
  }

  std::uint16_t port_ = 0;
};

TEST_F(Reset, SynSentRstWithAcceptableAckRefusesTheConnection) {
  Tcb* tcb = syn_sent();
  ASSERT_NE(tcb, nullptr);
  rx(to_us(kRst | kAck).with_seq(Seq(0)).with_ack(L));
  expect_no_tx("a RST is never answered");
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionRefused);
  EXPECT_TRUE(tcb->events() & Event::kError);
  EXPECT_EQ(tcp_->connections(), 1u) << "the application still holds it";
  app_close(tcb);
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
  advance(5s);
  expect_no_tx("no SYN retransmission after the refusal");
}

TEST_F(Reset, SynSentRstWithoutAckIsIgnored) {
  // RFC 9293 3.10.7.3: "If the ACK bit is off, drop the segment and return."
  Tcb* tcb = syn_sent();
  ASSERT_NE(tcb, nullptr);
  rx(to_us(kRst).with_seq(Seq(kPeerIss)));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::SynSent);
  EXPECT_FALSE(tcb->error());
  advance(1s);
  expect_tx(seg(kSyn).with_seq(L - 1).ports(kRemotePort, port_), "the SYN goes on");
}

TEST_F(Reset, SynSentRstWithUnacceptableAckIsIgnored) {
  // RFC 9293 3.10.7.3: an unacceptable ACK with RST: drop, send nothing.
  Tcb* tcb = syn_sent();
  ASSERT_NE(tcb, nullptr);
  rx(to_us(kRst | kAck).with_seq(Seq(0)).with_ack(L + 100));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::SynSent);
  rx(to_us(kRst | kAck).with_seq(Seq(0)).with_ack(L - 1));
  expect_no_tx("SEG.ACK =< ISS is not acceptable either");
  EXPECT_EQ(tcb->state(), State::SynSent);
}

TEST_F(Reset, SynReceivedRstDropsTheHalfOpenConnection) {
  // RFC 9293 3.10.7.4 second, SYN-RECEIVED from a passive open: back to
  // LISTEN; the application never learns of it.
  Listener* l = listen();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  R = Seq(kPeerIss + 1);
  EXPECT_EQ(tcp_->connections(), 1u);
  rx(seg(kRst).with_seq(R));
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
  EXPECT_EQ(tcp_->accept(l), nullptr);
  advance(2s);
  expect_no_tx("no SYN-ACK retransmission for the dropped connection");
  // The listener still listens.
  rx(seg(kSyn).with_seq(Seq(kPeerIss + 5000)));
  auto again = tx();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].repr.flags, kSyn | kAck);
}

TEST_F(Reset, SynReceivedFromSimultaneousOpenRstRefuses) {
  // RFC 9293 3.10.7.4 second: "If this connection was initiated with an
  // active OPEN ..., the connection was refused".
  Tcb* tcb = syn_sent();
  ASSERT_NE(tcb, nullptr);
  rx(to_us(kSyn).with_seq(Seq(kPeerIss)));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  ASSERT_EQ(tcb->state(), State::SynReceived);
  rx(to_us(kRst).with_seq(Seq(kPeerIss + 1)));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionRefused);
}

TEST_F(Reset, EstablishedRstAtRcvNxtResetsTheConnection) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionReset);
  const std::uint32_t ev = tcb->events();
  EXPECT_TRUE(ev & Event::kError);
  EXPECT_TRUE(ev & Event::kHup);
  EXPECT_TRUE(ev & Event::kReadable);
  EXPECT_EQ(tcp_->connections(), 1u);
  app_close(tcb);
  expect_no_tx("closing a reset connection sends nothing");
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Reset, EstablishedRstAckAtRcvNxtResetsTheConnection) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst | kAck).with_seq(R).with_ack(L));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionReset);
}

TEST_F(Reset, RstFollowsRcvNxtAsDataArrives) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 3));
  rx(seg(kRst).with_seq(R));
  expect_no_tx("the old RCV.NXT is left of the window now: dropped silently");
  EXPECT_EQ(tcb->state(), State::Established);
  rx(seg(kRst).with_seq(R + 3));
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionReset);
}

TEST_F(Reset, RstResetsWithUnsentAndUnackedDataDiscarded) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  rx(seg(kRst).with_seq(R));
  EXPECT_EQ(tcb->state(), State::Closed);
  advance(10s);
  expect_no_tx("no retransmission after a reset");
}

TEST_F(Reset, RstAboveTheWindowIsIgnored) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R + 1000000));
  expect_no_tx("RFC 5961 3.2: outside the window, silently dropped");
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_EQ(tcb->counters().challenge_acks, 0u);
}

TEST_F(Reset, RstJustLeftOfTheWindowIsIgnored) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R - 1));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Reset, RstIsAcceptedWhateverItsTimestamp) {
  // RFC 7323 5.2: a RST is acceptable regardless of its timestamp (PAWS
  // does not apply to it).
  Tcb* tcb = established(seg(kSyn).mss(1460).ts(5000, 0));
  ASSERT_NE(tcb, nullptr);
  ASSERT_TRUE(tcb->timestamps());
  rx(seg(kRst).with_seq(R).ts(1, 0));
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionReset);
}

TEST_F(Reset, FinWait1RstClosesAndFrees) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R));
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
  advance(5s);
  expect_no_tx("our FIN is not retransmitted");
}

TEST_F(Reset, FinWait2RstClosesAndFrees) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  ASSERT_EQ(tcb->state(), State::FinWait2);
  rx(seg(kRst).with_seq(R));
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Reset, HalfClosedFinWait2RstReportsTheReset) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  ASSERT_EQ(tcb->state(), State::FinWait2);
  rx(seg(kRst).with_seq(R));
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionReset) << "the reader learns of it";
}

TEST_F(Reset, CloseWaitRstAtRcvNxtAfterTheFin) {
  Tcb* tcb = close_wait();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R));
  expect_no_tx("the FIN's own number is left of the window");
  EXPECT_EQ(tcb->state(), State::CloseWait);
  rx(seg(kRst).with_seq(R + 1));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::Closed);
  // RFC 9293 3.10.7.4: "reset" to the user; Linux's tcp_reset() reports
  // EPIPE rather than ECONNRESET in CLOSE-WAIT.
  EXPECT_EQ(tcb->error(), Errc::Shutdown);
}

TEST_F(Reset, ClosingRstClosesAndFrees) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  ASSERT_EQ(tcb->state(), State::Closing);
  rx(seg(kRst).with_seq(R + 1));
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Reset, LastAckRstClosesAndFrees) {
  Tcb* tcb = close_wait();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R + 1));
  ASSERT_EQ(tcb->state(), State::LastAck);
  rx(seg(kRst).with_seq(R + 1));
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
  advance(5s);
  expect_no_tx("our FIN is not retransmitted");
}

TEST_F(Reset, TimeWaitRstAtRcvNxtEndsIt) {
  // RFC 9293 3.10.7.4 second: TIME-WAIT, RST -> CLOSED. Linux does the same
  // by default (net.ipv4.tcp_rfc1337 = 0).
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  ASSERT_EQ(tcb->state(), State::TimeWait);
  rx(seg(kRst).with_seq(R + 1));
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Reset, TimeWaitRstOutOfWindowIsIgnored) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  rx(seg(kRst).with_seq(R));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(tcp_->connections(), 1u);
}

TEST_F(Reset, SegmentToAResetConnectionIsAnsweredWithRst) {
  // The application has not closed it yet, but the TCB is CLOSED: RFC 9293
  // 3.10.7.1 answers like a closed port, <SEQ=SEG.ACK><CTL=RST>.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R));
  ASSERT_EQ(tcb->state(), State::Closed);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));
  expect_tx(seg(kRst).with_seq(L));
}

TEST_F(Reset, AbortSendsRst) {
  // RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST>; like Linux we carry ACK.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  tcb->abort(now());
  tcp_->touch(tcb);
  tcp_->poll(now());
  expect_tx(seg(kRst | kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::Closed);
  app_close(tcb);
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Reset, AbortAfterDataUsesSndNxt) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, "abcd");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abcd"));
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("xy"));
  expect_tx(seg(kAck).with_seq(L + 4).with_ack(R + 2));
  tcb->abort(now());
  tcp_->touch(tcb);
  tcp_->poll(now());
  expect_tx(seg(kRst | kAck).with_seq(L + 4).with_ack(R + 2));
  advance(10s);
  expect_no_tx("nothing is retransmitted after an abort");
}

TEST_F(Reset, AbortAfterATimeoutUsesTheHighestSequenceSent) {
  // The RTO rewound SND.NXT to resend from SND.UNA, but the peer may hold
  // everything sent: a RST below its RCV.NXT would be dropped (RFC 9293
  // 3.10.7.4). Linux's tcp_acceptable_seq() sends the highest sequence sent.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, std::string(2 * 536, 'a'));
  ASSERT_EQ(tx().size(), 2u) << "two segments of the default 536-byte MSS";
  advance(200ms);
  ASSERT_EQ(tx().size(), 1u) << "the RTO resends the first segment only";
  ASSERT_EQ(tcb->snd_nxt(), L + 536);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("unread"));
  expect_tx(seg(kAck).with_seq(L + 2 * 536).with_ack(R + 6));
  app_close(tcb);
  expect_tx(seg(kRst | kAck).with_seq(L + 2 * 536).with_ack(R + 6), "SND.MAX, not SND.NXT");
}

TEST_F(Reset, AbortBeyondARetractedWindowUsesItsRightEdge) {
  // Linux's tcp_acceptable_seq(): when the data sent reaches beyond the
  // window the peer now offers, the RST carries that window's right edge,
  // SND.UNA + SND.WND, which the peer's window check still lets in.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, std::string(2 * 536, 'a'));
  ASSERT_EQ(tx().size(), 2u);
  rx(seg(kAck).with_seq(R).with_ack(L + 200).wnd(100));
  expect_no_tx();
  tcb->options().linger = Duration::zero();
  app_close(tcb);
  expect_tx(seg(kRst | kAck).with_seq(L + 300).with_ack(R), "SND.UNA + SND.WND");
}

TEST_F(Reset, AbortInSynSentSendsNothing) {
  // Linux's tcp_disconnect sends no RST for SYN-SENT (tcp_need_reset).
  Tcb* tcb = syn_sent();
  ASSERT_NE(tcb, nullptr);
  tcb->abort(now());
  tcp_->touch(tcb);
  tcp_->poll(now());
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::Closed);
  advance(5s);
  expect_no_tx("no SYN retransmission");
}

}  // namespace
}  // namespace percore::tcp::testing
