// RFC 9293 3.6 and 3.10.4: closing a connection. Active, passive and
// simultaneous close, half-close, a FIN with data, FIN retransmission, a
// FIN beyond a hole; RFC 1122 4.2.2.13 and RFC 2525 2.17: closing with
// unread data (or SO_LINGER 0) resets instead.
#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

class Close : public TcpTest {
 protected:
  // ESTABLISHED, then close(): our FIN is out and we are in FIN-WAIT-1.
  Tcb* fin_wait_1() {
    Tcb* tcb = established();
    if (tcb == nullptr) return nullptr;
    app_close(tcb);
    expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R), "our FIN");
    EXPECT_EQ(tcb->state(), State::FinWait1);
    return tcb;
  }
  // ... and the peer ACKs our FIN: FIN-WAIT-2.
  Tcb* fin_wait_2() {
    Tcb* tcb = fin_wait_1();
    if (tcb == nullptr) return nullptr;
    rx(seg(kAck).with_seq(R).with_ack(L + 1));
    expect_no_tx("an ACK of our FIN is not answered");
    EXPECT_EQ(tcb->state(), State::FinWait2);
    return tcb;
  }
  // ESTABLISHED, then the peer's FIN: CLOSE-WAIT.
  Tcb* close_wait() {
    Tcb* tcb = established();
    if (tcb == nullptr) return nullptr;
    rx(seg(kFin | kAck).with_seq(R).with_ack(L));
    expect_tx(seg(kAck).with_seq(L).with_ack(R + 1), "the ACK of the peer's FIN");
    EXPECT_EQ(tcb->state(), State::CloseWait);
    return tcb;
  }
};

TEST_F(Close, ActiveCloseSendsFinAndEntersFinWait1) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::FinWait1);
  EXPECT_EQ(tcb->snd_nxt(), L + 1) << "the FIN occupies one sequence number";
  EXPECT_EQ(tcp_->connections(), 1u);
}

TEST_F(Close, NothingCanBeSentAfterShutdown) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(app_send(tcb, "late"), 0u);
  expect_no_tx("no data after our FIN");
  EXPECT_TRUE(tcb->events() & Event::kWritable) << "Linux: writable, the write fails";
  EXPECT_TRUE(tcb->write_shutdown());
}

TEST_F(Close, ShutdownTwiceSendsOneFin) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  app_shutdown(tcb);
  expect_no_tx("the second shutdown");
  EXPECT_EQ(tcb->snd_nxt(), L + 1);
}

TEST_F(Close, AckOfOurFinEntersFinWait2) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::FinWait2);
  EXPECT_EQ(tcb->snd_una(), L + 1);
}

TEST_F(Close, AckBelowOurFinStaysInFinWait1) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck).with_seq(R).with_ack(L));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::FinWait1);
}

TEST_F(Close, PeersFinInFinWait2IsAckedAndEntersTimeWait) {
  Tcb* tcb = fin_wait_2();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(tcp_->connections(), 1u) << "TIME-WAIT keeps the tuple";
}

TEST_F(Close, FinAckingOurFinGoesFromFinWait1ToTimeWait) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::TimeWait);
}

TEST_F(Close, ActiveCloseIsFreedAfterTimeWait) {
  config_.time_wait = 5s;
  rebuild();
  Tcb* tcb = fin_wait_2();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  advance(4999ms);
  EXPECT_EQ(tcp_->connections(), 1u);
  advance(1ms);
  EXPECT_EQ(tcp_->connections(), 0u);
  expect_no_tx("TIME-WAIT ends silently");
}

TEST_F(Close, OrphanedFinWait2TimesOut) {
  // Linux's tcp_fin_timeout: a closed socket whose peer never sends its FIN
  // is not kept for ever; it goes quietly.
  config_.time_wait = 3s;
  rebuild();
  Tcb* tcb = fin_wait_2();
  ASSERT_NE(tcb, nullptr);
  advance(2999ms);
  EXPECT_EQ(tcp_->connections(), 1u);
  advance(1ms);
  EXPECT_EQ(tcp_->connections(), 0u);
  expect_no_tx();
}

TEST_F(Close, HalfClosedFinWait2WaitsForThePeer) {
  // shutdown(SHUT_WR) without close(): the application still reads, so
  // FIN-WAIT-2 has no timeout (Linux arms tcp_fin_timeout only for orphans).
  config_.time_wait = 3s;
  rebuild();
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  advance(10s);
  EXPECT_EQ(tcb->state(), State::FinWait2);
  EXPECT_EQ(tcp_->connections(), 1u);
  expect_no_tx();
}

TEST_F(Close, CloseAfterShutdownInFinWait2StartsTheFinTimeout) {
  // Linux's tcp_close() in FIN-WAIT-2 arms tcp_fin_timeout: the socket is
  // an orphan now, and the peer may never send its FIN.
  config_.time_wait = 3s;
  rebuild();
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  ASSERT_EQ(tcb->state(), State::FinWait2);
  advance(1s);
  app_close(tcb);
  expect_no_tx();
  advance(2999ms);
  EXPECT_EQ(tcp_->connections(), 1u);
  advance(1ms);
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Close, PassiveCloseAcksFinAndEntersCloseWait) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::CloseWait);
  EXPECT_TRUE(tcb->peer_fin());
  EXPECT_EQ(tcb->rcv_nxt(), R + 1);
  const std::uint32_t ev = tcb->events();
  EXPECT_TRUE(ev & Event::kReadable) << "EOF is readable";
  EXPECT_TRUE(ev & Event::kReadHup);
  EXPECT_TRUE(ev & Event::kWritable) << "our direction is still open";
  EXPECT_FALSE(ev & Event::kHup);
  EXPECT_EQ(app_recv(tcb), "");
}

TEST_F(Close, CloseInCloseWaitSendsFinAndEntersLastAck) {
  Tcb* tcb = close_wait();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::LastAck);
}

TEST_F(Close, LastAckToClosedFreesTheConnection) {
  Tcb* tcb = close_wait();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R + 1));
  EXPECT_EQ(tcp_->connections(), 1u);
  rx(seg(kAck).with_seq(R + 1).with_ack(L + 1));
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u) << "RFC 9293: LAST-ACK -> CLOSED deletes the TCB";
}

TEST_F(Close, LastAckIgnoresAnAckBelowTheFin) {
  Tcb* tcb = close_wait();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R + 1));
  rx(seg(kAck).with_seq(R + 1).with_ack(L));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::LastAck);
  EXPECT_EQ(tcp_->connections(), 1u);
}

TEST_F(Close, LastAckRetransmitsTheFinOnTimeout) {
  Tcb* tcb = close_wait();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R + 1));
  // The handshake's RTT sample (0 ms) leaves the RTO at Linux's 200 ms floor.
  advance(199ms);
  expect_no_tx();
  advance(1ms);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R + 1), "the FIN again");
  EXPECT_EQ(tcb->state(), State::LastAck);
}

TEST_F(Close, SimultaneousCloseGoesThroughClosing) {
  // RFC 9293 figure 13: both FINs cross.
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::Closing);
  rx(seg(kAck).with_seq(R + 1).with_ack(L + 1));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::TimeWait);
}

TEST_F(Close, ClosingRetransmitsOurFinUntilAcked) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  ASSERT_EQ(tcb->state(), State::Closing);
  advance(200ms);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R + 1), "our FIN, retransmitted in CLOSING");
  rx(seg(kAck).with_seq(R + 1).with_ack(L + 1));
  EXPECT_EQ(tcb->state(), State::TimeWait);
}

TEST_F(Close, HalfCloseKeepsReceiving) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L + 1).data("hello"));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 5));
  EXPECT_EQ(tcb->state(), State::FinWait2);
  EXPECT_EQ(app_recv(tcb), "hello");
  rx(seg(kAck | kPsh).with_seq(R + 5).with_ack(L + 1).data("world"));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 10));
  EXPECT_EQ(app_recv(tcb), "world");
  rx(seg(kFin | kAck).with_seq(R + 10).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 11));
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_TRUE(tcb->events() & Event::kHup) << "both directions are closed";
}

TEST_F(Close, DataInFinWait1IsReceivedAfterShutdown) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  // The peer's data crosses our FIN: it does not yet acknowledge it.
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 3));
  EXPECT_EQ(tcb->state(), State::FinWait1);
  EXPECT_EQ(app_recv(tcb), "abc");
}

TEST_F(Close, PeersHalfCloseLetsUsKeepSending) {
  Tcb* tcb = close_wait();
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(app_send(tcb, "data"), 4u);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R + 1).data("data"));
  rx(seg(kAck).with_seq(R + 1).with_ack(L + 4));
  expect_no_tx();
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L + 4).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::LastAck);
}

TEST_F(Close, ShutdownSendsTheFinWithTheQueuedData) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  ASSERT_EQ(tcb->send({reinterpret_cast<const std::uint8_t*>("abc"), 3}), 3u);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  EXPECT_EQ(tcb->snd_nxt(), L + 4);
  rx(seg(kAck).with_seq(R).with_ack(L + 4));
  EXPECT_EQ(tcb->state(), State::FinWait2);
}

TEST_F(Close, FinRidesOnTheSegmentNagleWasHolding) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  app_send(tcb, "def");
  expect_no_tx("RFC 1122 4.2.3.4: Nagle holds a small segment while data is in flight");
  app_close(tcb);
  expect_tx(seg(kFin | kAck | kPsh).with_seq(L + 3).with_ack(R).data("def"));
  rx(seg(kAck).with_seq(R).with_ack(L + 7));
  EXPECT_EQ(tcb->state(), State::FinWait2);
}

TEST_F(Close, FinWaitsForDataTheWindowHolds) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck).with_seq(R).with_ack(L).wnd(0));
  ASSERT_EQ(tcb->send({reinterpret_cast<const std::uint8_t*>("abc"), 3}), 3u);
  app_close(tcb);
  expect_no_tx("a closed window holds the data, and the FIN behind it");
  EXPECT_EQ(tcb->state(), State::Established);
  rx(seg(kAck).with_seq(R).with_ack(L).wnd(100));
  expect_tx(seg(kFin | kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  EXPECT_EQ(tcb->state(), State::FinWait1);
}

TEST_F(Close, PeersFinWithDataIsDeliveredThenEof) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck | kPsh).with_seq(R).with_ack(L).data("bye"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 4));
  EXPECT_EQ(tcb->state(), State::CloseWait);
  EXPECT_EQ(app_recv(tcb), "bye");
  EXPECT_EQ(app_recv(tcb), "") << "then end of file";
  EXPECT_TRUE(tcb->events() & Event::kReadHup);
}

TEST_F(Close, DataAfterThePeersFinIsIgnored) {
  // RFC 9293 3.10.7.4 seventh, CLOSE-WAIT: "This should not occur, since a
  // FIN has been received from the remote side. Ignore the segment text."
  Tcb* tcb = close_wait();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R + 1).with_ack(L).data("late"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 1));
  EXPECT_EQ(tcb->readable(), 0u);
}

TEST_F(Close, FinIsRetransmittedWithBackoff) {
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  advance(199ms);
  expect_no_tx();
  advance(1ms);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R), "first retransmission");
  advance(399ms);
  expect_no_tx("RFC 6298 5.5: the RTO doubled");
  advance(1ms);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R), "second retransmission");
  EXPECT_EQ(tcb->counters().retransmits, 2u);
  EXPECT_EQ(tcb->state(), State::FinWait1);
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  EXPECT_EQ(tcb->state(), State::FinWait2);
  advance(10s);
  expect_no_tx("the acknowledged FIN is not sent again");
}

TEST_F(Close, UnacknowledgedFinGivesUpAfterTheRetries) {
  config_.retries = 2;
  rebuild();
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  advance(200ms);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  advance(400ms);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  advance(799ms);
  EXPECT_EQ(tcp_->connections(), 1u);
  advance(1ms);
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u) << "the orphan is freed once retries are spent";
}

TEST_F(Close, FinBeyondAHoleWaitsForTheHole) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck | kPsh).with_seq(R + 5).with_ack(L).data("world"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R), "a duplicate ACK for the hole");
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_FALSE(tcb->peer_fin());
  EXPECT_FALSE(tcb->events() & Event::kReadHup);
  rx(seg(kAck).with_seq(R).with_ack(L).data("hello"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 11), "the hole, the data and the FIN");
  EXPECT_EQ(tcb->state(), State::CloseWait);
  EXPECT_EQ(app_recv(tcb), "helloworld");
}

TEST_F(Close, BareFinBeyondAHoleWaitsForTheHole) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R + 3).with_ack(L));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::Established);
  rx(seg(kAck).with_seq(R).with_ack(L).data("ab"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 2), "still one byte short of the FIN");
  EXPECT_EQ(tcb->state(), State::Established);
  rx(seg(kAck).with_seq(R + 2).with_ack(L).data("c"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 4));
  EXPECT_EQ(tcb->state(), State::CloseWait);
  EXPECT_EQ(app_recv(tcb), "abc");
}

TEST_F(Close, FinBeyondAHoleInFinWait2) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  ASSERT_EQ(tcb->state(), State::FinWait2);
  rx(seg(kFin | kAck).with_seq(R + 2).with_ack(L + 1).data("yz"));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R));
  EXPECT_EQ(tcb->state(), State::FinWait2) << "not TIME-WAIT before the hole fills";
  rx(seg(kAck).with_seq(R).with_ack(L + 1).data("wx"));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 5));
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(app_recv(tcb), "wxyz");
}

TEST_F(Close, FinInSynReceivedEntersCloseWait) {
  Listener* l = listen();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  L = synack[0].repr.seq + 1;
  R = Seq(kPeerIss + 1);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 1));
  Tcb* tcb = tcp_->accept(l);
  ASSERT_NE(tcb, nullptr) << "the connection completed and joined the accept queue";
  EXPECT_EQ(tcb->state(), State::CloseWait);
  EXPECT_EQ(app_recv(tcb), "");
}

TEST_F(Close, CloseWithUnreadDataSendsRst) {
  // RFC 2525 2.17, RFC 1122 4.2.2.13: the peer must learn its data was lost.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 3));
  app_close(tcb);
  expect_tx(seg(kRst | kAck).with_seq(L).with_ack(R + 3));
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Close, CloseWithUnreadDataInCloseWaitSendsRst) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck | kPsh).with_seq(R).with_ack(L).data("bye"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 4));
  app_close(tcb);
  expect_tx(seg(kRst | kAck).with_seq(L).with_ack(R + 4));
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Close, CloseAfterReadingEverythingSendsFin) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 3));
  EXPECT_EQ(app_recv(tcb), "abc");
  expect_no_tx("three bytes read open no useful window");
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R + 3));
}

TEST_F(Close, LingerZeroAbortsWithRst) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  tcb->options().linger = Duration::zero();
  app_close(tcb);
  expect_tx(seg(kRst | kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Close, LingerZeroDiscardsUnsentData) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck).with_seq(R).with_ack(L).wnd(0));
  ASSERT_EQ(tcb->send({reinterpret_cast<const std::uint8_t*>("abc"), 3}), 3u);
  tcb->options().linger = Duration::zero();
  app_close(tcb);
  expect_tx(seg(kRst | kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcp_->connections(), 0u);
  advance(10s);
  expect_no_tx("nothing is left to retransmit or probe");
}

TEST_F(Close, DataAfterCloseIsAnsweredWithRst) {
  // RFC 1122 4.2.2.13: "if new data is received after CLOSE is called, its
  // TCP SHOULD send a RST". Linux does (TCPAbortOnData), answering the
  // segment as tcp_v4_send_reset does: <SEQ=SEG.ACK><CTL=RST>.
  Tcb* tcb = fin_wait_1();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L + 1).data("late"));
  expect_tx(seg(kRst).with_seq(L + 1));
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Close, DataAfterCloseInFinWait2IsAnsweredWithRst) {
  Tcb* tcb = fin_wait_2();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L + 1).data("late"));
  expect_tx(seg(kRst).with_seq(L + 1));
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(Close, CloseInSynSentSendsNothingAndFrees) {
  auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now());
  ASSERT_TRUE(tcb);
  tcp_->poll(now());
  ASSERT_EQ(tx().size(), 1u);
  app_close(*tcb);
  expect_no_tx("no RST for a connection the peer never saw established");
  EXPECT_EQ(tcp_->connections(), 0u);
  advance(5s);
  expect_no_tx("the SYN is not retransmitted");
}

}  // namespace
}  // namespace percore::tcp::testing
