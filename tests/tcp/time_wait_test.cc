// RFC 9293 3.6 and 3.10.7.4: TIME-WAIT holds the tuple for 2*MSL
// (config_.time_wait) after an active close, re-ACKs a retransmitted FIN
// and restarts the timer; RFC 1122 4.2.2.13 and RFC 6191 (as Linux's
// tcp_timewait_state_process): a new SYN beyond the old connection reuses
// the tuple, an old one does not.
#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

class TimeWait : public TcpTest {
 protected:
  TimeWait() {
    config_.time_wait = 4s;
    rebuild();
  }
  // Active close of an accepted connection: our FIN, its ACK, the peer's
  // FIN, our ACK. The clock is at the moment TIME-WAIT began.
  Tcb* time_wait(const Seg& syn = seg(kSyn)) {
    Tcb* tcb = established(syn);
    if (tcb == nullptr) return nullptr;
    return close_from_established(tcb);
  }
  Tcb* close_from_established(Tcb* tcb) {
    app_close(tcb);
    const Seq fin = tcb->snd_nxt() - 1;
    expect_tx(seg(kFin | kAck).with_seq(fin).with_ack(tcb->rcv_nxt()), "our FIN");
    const Seq peer = tcb->rcv_nxt();
    rx(peer_seg(kFin | kAck).with_seq(peer).with_ack(fin + 1));
    expect_tx(seg(kAck).with_seq(fin + 1).with_ack(peer + 1), "the ACK of the peer's FIN");
    EXPECT_EQ(tcb->state(), State::TimeWait);
    return tcb;
  }
  // Segments from the peer carry its timestamp when the test set one.
  Seg peer_seg(std::uint8_t flags) {
    Seg s = seg(flags);
    if (ts_val_ != 0) s.ts(ts_val_, 0);
    return s;
  }
  std::uint32_t ts_val_ = 0;
};

TEST_F(TimeWait, LastsTwoMslThenTheConnectionIsFreed) {
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  advance(3999ms);
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(tcp_->connections(), 1u);
  advance(1ms);
  EXPECT_EQ(tcp_->connections(), 0u);
  expect_no_tx();
}

TEST_F(TimeWait, DefaultIsSixtySecondsAsLinux) {
  config_ = TcpConfig{};
  rebuild();
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  advance(59999ms);
  EXPECT_EQ(tcp_->connections(), 1u);
  advance(1ms);
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(TimeWait, TimerStartsWhenThePeersFinArrives) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  advance(3s);  // FIN-WAIT-2 for 3 of the 4 s fin timeout
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  ASSERT_EQ(tcb->state(), State::TimeWait);
  advance(3999ms);
  EXPECT_EQ(tcp_->connections(), 1u) << "2*MSL counts from TIME-WAIT, not from close()";
  advance(1ms);
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(TimeWait, AfterSimultaneousCloseAlsoLastsTwoMsl) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kFin | kAck).with_seq(R).with_ack(L));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  ASSERT_EQ(tcb->state(), State::Closing);
  advance(100ms);
  rx(seg(kAck).with_seq(R + 1).with_ack(L + 1));
  ASSERT_EQ(tcb->state(), State::TimeWait);
  advance(3999ms);
  EXPECT_EQ(tcp_->connections(), 1u);
  advance(1ms);
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(TimeWait, RetransmittedFinIsReAckedAndRestartsTheTimer) {
  // RFC 9293 3.10.7.4 eighth, TIME-WAIT: "Restart the 2 MSL time-wait
  // timeout"; the peer resends its FIN because our ACK was lost.
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  advance(1s);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::TimeWait);
  advance(3999ms);
  EXPECT_EQ(tcp_->connections(), 1u) << "the timer restarted at the retransmitted FIN";
  advance(1ms);
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(TimeWait, EveryRetransmittedFinIsReAcked) {
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  for (int i = 0; i < 3; ++i) {
    advance(1s);
    rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
    expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  }
  EXPECT_EQ(tcb->state(), State::TimeWait);
}

TEST_F(TimeWait, BareAckIsNotAnswered) {
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck).with_seq(R + 1).with_ack(L + 1));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::TimeWait);
}

TEST_F(TimeWait, DataIsAnsweredWithAnAckAndNotTaken) {
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R + 1).with_ack(L + 1).data("zzz"));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  EXPECT_EQ(tcb->rcv_nxt(), R + 1);
}

TEST_F(TimeWait, TcbOfAnOpenSocketStaysUntilTheApplicationCloses) {
  // shutdown() then the peer's FIN: TIME-WAIT ends in CLOSED, but the
  // application still holds the socket.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  ASSERT_EQ(tcb->state(), State::TimeWait);
  advance(4s);
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_FALSE(tcb->error()) << "an orderly close is no error";
  EXPECT_EQ(tcp_->connections(), 1u);
  app_close(tcb);
  expect_no_tx();
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(TimeWait, NewSynWithHigherSequenceReusesTheTuple) {
  Tcb* old = time_wait();
  ASSERT_NE(old, nullptr);
  advance(1s);
  const Seq new_iss(kPeerIss + 100000);
  rx(seg(kSyn).with_seq(new_iss));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  EXPECT_EQ(synack[0].repr.flags, kSyn | kAck);
  EXPECT_EQ(synack[0].repr.ack, new_iss + 1);
  EXPECT_EQ(tcp_->stats().time_wait_reused, 1u);
  EXPECT_EQ(tcp_->connections(), 1u) << "the old TCB gave its tuple to the new one";
}

TEST_F(TimeWait, ReusedTupleCompletesTheHandshake) {
  Listener* l = listen();
  ASSERT_NE(l, nullptr);
  // The harness's established() would listen again: build by hand.
  rx(seg(kSyn).with_seq(Seq(kPeerIss)));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  L = synack[0].repr.seq + 1;
  R = Seq(kPeerIss + 1);
  rx(seg(kAck).with_seq(R).with_ack(L));
  Tcb* tcb = tcp_->accept(l);
  ASSERT_NE(tcb, nullptr);
  close_from_established(tcb);
  advance(1s);
  const Seq new_iss = R + 70000;
  rx(seg(kSyn).with_seq(new_iss));
  auto synack2 = tx();
  ASSERT_EQ(synack2.size(), 1u);
  ASSERT_EQ(synack2[0].repr.flags, kSyn | kAck);
  rx(seg(kAck).with_seq(new_iss + 1).with_ack(synack2[0].repr.seq + 1));
  expect_no_tx();
  Tcb* fresh = tcp_->accept(l);
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->state(), State::Established);
  EXPECT_EQ(fresh->rcv_nxt(), new_iss + 1);
  rx(seg(kAck | kPsh).with_seq(new_iss + 1).with_ack(synack2[0].repr.seq + 1).data("hi"));
  expect_tx(seg(kAck).with_seq(synack2[0].repr.seq + 1).with_ack(new_iss + 3));
  EXPECT_EQ(app_recv(fresh), "hi");
}

TEST_F(TimeWait, ReusedTupleStartsAboveTheOldSequenceSpace) {
  // RFC 1122 4.2.2.13 (1): the new connection's ISN must be larger than the
  // largest sequence number used by the old one (Linux: tw_snd_nxt + 65537),
  // or the old connection's late duplicates could land in the new window.
  // 1000 bytes sent, then a new SYN 1 ms later: a 4 us ISN clock alone has
  // advanced 250.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  tcb->set_nodelay(true);
  const std::string data(500, 'x');
  app_send(tcb, data);
  app_send(tcb, data);
  auto sent = tx();
  ASSERT_EQ(sent.size(), 2u);
  rx(seg(kAck).with_seq(R).with_ack(L + 1000));
  close_from_established(tcb);
  const Seq old_snd_nxt = L + 1001;
  advance(1ms);
  rx(seg(kSyn).with_seq(R + 100000));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  ASSERT_EQ(synack[0].repr.flags, kSyn | kAck);
  EXPECT_GT(synack[0].repr.seq, old_snd_nxt) << "new ISN " << synack[0].repr.seq
                                             << ", old SND.NXT " << old_snd_nxt;
}

TEST_F(TimeWait, SynWithOldSequenceDoesNotReuse) {
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  advance(1s);
  rx(seg(kSyn).with_seq(R - 100));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1), "TIME-WAIT answers with an ACK");
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(tcp_->stats().time_wait_reused, 0u);
  // Linux does not restart the timer for an ACK-less SYN.
  advance(3s);
  EXPECT_EQ(tcp_->connections(), 0u);
}

TEST_F(TimeWait, SynAtRcvNxtDoesNotReuse) {
  // Linux requires the SYN to be after RCV.NXT, not at it.
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kSyn).with_seq(R + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(tcp_->stats().time_wait_reused, 0u);
}

TEST_F(TimeWait, SynAckDoesNotReuse) {
  Tcb* tcb = time_wait();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kSyn | kAck).with_seq(R + 100000).with_ack(L + 1));
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(tcp_->stats().time_wait_reused, 0u);
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.flags, kAck);
  EXPECT_EQ(sent[0].repr.ack, R + 1);
}

TEST_F(TimeWait, NoReuseWithoutAListener) {
  // We connected out, so no listener owns the tuple's port. Linux
  // (tcp_v4_rcv, TCP_TW_SYN without a listener) falls through to
  // TCP_TW_ACK: the ACK goes out and TIME-WAIT stays.
  Tcb* tcb = connected();
  ASSERT_NE(tcb, nullptr);
  const std::uint16_t port = tcb->tuple().local_port;
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R).ports(kRemotePort, port));
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1).ports(kRemotePort, port));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1).ports(kRemotePort, port));
  ASSERT_EQ(tcb->state(), State::TimeWait);
  rx(seg(kSyn).with_seq(R + 100000).ports(kRemotePort, port));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1).ports(kRemotePort, port));
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(tcp_->stats().time_wait_reused, 0u);
  EXPECT_EQ(tcp_->connections(), 1u);
}

TEST_F(TimeWait, SynWithNewerTimestampReusesDespiteAnOldSequence) {
  // RFC 6191 (Linux: tw_ts_recent before the SYN's TSval): with
  // timestamps, a newer TSval marks a new incarnation whatever its
  // sequence number.
  ts_val_ = 5000;
  Tcb* tcb = time_wait(seg(kSyn).mss(1460).ts(4999, 0));
  ASSERT_NE(tcb, nullptr);
  ASSERT_TRUE(tcb->timestamps());
  advance(1s);
  rx(seg(kSyn).with_seq(R - 1000).mss(1460).ts(6000, 0));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  EXPECT_EQ(synack[0].repr.flags, kSyn | kAck);
  EXPECT_EQ(synack[0].repr.ack, R - 999);
  EXPECT_EQ(tcp_->stats().time_wait_reused, 1u);
}

TEST_F(TimeWait, SynWithOlderTimestampDoesNotReuse) {
  // RFC 6191 / RFC 7323 PAWS: a higher sequence number does not help a SYN
  // whose TSval is older than the old connection's.
  ts_val_ = 5000;
  Tcb* tcb = time_wait(seg(kSyn).mss(1460).ts(4999, 0));
  ASSERT_NE(tcb, nullptr);
  ASSERT_TRUE(tcb->timestamps());
  advance(1s);
  rx(seg(kSyn).with_seq(R + 100000).mss(1460).ts(4000, 0));
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.flags, kAck);
  EXPECT_EQ(sent[0].repr.ack, R + 1);
  EXPECT_EQ(tcb->state(), State::TimeWait);
  EXPECT_EQ(tcp_->stats().time_wait_reused, 0u);
}

}  // namespace
}  // namespace percore::tcp::testing
