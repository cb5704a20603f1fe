// Keep-alives (RFC 1122 4.2.3.6) as Linux does them: after keepalive_idle
// without a segment from the peer, a probe (a bare ACK with SEQ = SND.UNA - 1,
// which the peer must answer) every keepalive_interval; keepalive_count
// unanswered probes end the connection with a RST and ETIMEDOUT.
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class Keepalive : public ScriptedTest {
 protected:
  // Established with keep-alives on: idle 10 s, interval 2 s, 3 probes.
  Tcb* open_keepalive() {
    Tcb* tcb = open(0ms);
    if (tcb == nullptr) return nullptr;
    tcb->options().keepalive_idle = 10s;
    tcb->options().keepalive_interval = 2s;
    tcb->options().keepalive_count = 3;
    tcb->set_keepalive(true, now());
    return tcb;
  }
  Seg probe(std::uint32_t sent = 0) {
    return seg(kAck).with_seq(L + sent - 1).with_ack(R).data("");
  }
  void answer(std::uint32_t acked = 0) { peer_ack(L + acked); }
};

TEST_F(Keepalive, OffByDefault) {
  Tcb* tcb = open(0ms);
  EXPECT_FALSE(tcb->options().keepalive);
  quiet_for(3h);
  EXPECT_EQ(tcb->counters().keepalive_probes, 0u);
}

TEST_F(Keepalive, FirstProbeAfterTheIdleTime) {
  Tcb* tcb = open_keepalive();
  quiet_for(9999ms);
  advance(1ms);
  expect_tx(probe(), "SEQ = SND.UNA - 1, no data");
  EXPECT_EQ(tcb->counters().keepalive_probes, 1u);
}

TEST_F(Keepalive, LinuxDefaultsAreTwoHoursThenSeventyFiveSeconds) {
  Tcb* tcb = open(0ms);
  tcb->set_keepalive(true, now());
  quiet_for(7199s);
  advance(1s);
  expect_tx(probe());
  quiet_for(74s);
  advance(1s);
  expect_tx(probe());
}

TEST_F(Keepalive, AnsweredProbeKeepsTheConnection) {
  Tcb* tcb = open_keepalive();
  advance(10s);
  expect_tx(probe());
  advance(500ms);
  answer();
  expect_no_tx();
  // The answer is traffic: the next probe waits a full idle time again.
  quiet_for(9999ms);
  advance(1ms);
  expect_tx(probe());
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Keepalive, ProbesRepeatAtTheInterval) {
  open_keepalive();
  advance(10s);
  expect_tx(probe());
  quiet_for(1999ms);
  advance(1ms);
  expect_tx(probe());
  quiet_for(1999ms);
  advance(1ms);
  expect_tx(probe());
}

TEST_F(Keepalive, UnansweredProbesResetTheConnection) {
  // Linux's tcp_keepalive_timer(): after keepalive_count probes, a RST
  // (tcp_send_active_reset) and ETIMEDOUT.
  Tcb* tcb = open_keepalive();
  advance(10s);
  expect_tx(probe());
  advance(2s);
  expect_tx(probe());
  advance(2s);
  expect_tx(probe());
  quiet_for(1999ms);
  EXPECT_EQ(tcb->state(), State::Established);
  advance(1ms);
  expect_tx(seg(kRst | kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::TimedOut);
  EXPECT_TRUE(tcb->events() & Event::kError);
  EXPECT_EQ(tcb->counters().keepalive_probes, 3u);
}

TEST_F(Keepalive, AnAnswerRestartsTheProbeCount) {
  Tcb* tcb = open_keepalive();
  advance(10s);
  tx();
  advance(2s);
  tx();
  answer();
  advance(10s);
  expect_tx(probe());
  advance(2s);
  expect_tx(probe());
  advance(2s);
  expect_tx(probe());
  EXPECT_EQ(tcb->state(), State::Established) << "three probes since the answer, not five";
}

TEST_F(Keepalive, TrafficResetsTheIdleTimer) {
  Tcb* tcb = open_keepalive();
  advance(6s);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("ping"));
  tx();
  EXPECT_EQ(app_recv(tcb), "ping");
  quiet_for(9999ms, "idle counts from the peer's last segment at 6 s");
  advance(1ms);
  expect_tx(seg(kAck).with_seq(L - 1).with_ack(R + 4));
}

TEST_F(Keepalive, NoProbesWhileDataIsOutstanding) {
  // Linux's tcp_keepalive_timer(): with packets out, the retransmission
  // timer watches the connection; keep-alive only reschedules.
  Tcb* tcb = open(0ms);
  tcb->options().keepalive_idle = 1s;
  tcb->options().keepalive_interval = 1s;
  tcb->options().keepalive_count = 1;
  tcb->set_keepalive(true, now());
  app_send(tcb, "abc");
  tx();
  for (int i = 0; i < 40; ++i) {
    advance(100ms);
    for (const Sent& s : tx()) EXPECT_EQ(s.payload, "abc") << "only retransmissions: " << s;
  }
  EXPECT_EQ(tcb->counters().keepalive_probes, 0u);
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Keepalive, DisablingStopsTheProbes) {
  Tcb* tcb = open_keepalive();
  advance(10s);
  expect_tx(probe());
  tcb->set_keepalive(false, now());
  quiet_for(1h);
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Keepalive, EnablingLaterCountsIdleFromThen) {
  Tcb* tcb = open(0ms);
  advance(1h);
  tcb->options().keepalive_idle = 10s;
  tcb->set_keepalive(true, now());
  quiet_for(9999ms);
  advance(1ms);
  expect_tx(probe());
}

TEST_F(Keepalive, ProbeFollowsAcknowledgedData) {
  // The probe's sequence number is SND.UNA - 1 after data was exchanged.
  Tcb* tcb = open_keepalive();
  app_send(tcb, "hello");
  tx();
  answer(5);
  quiet_for(9999ms);
  advance(1ms);
  expect_tx(probe(5));
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Keepalive, WeAnswerThePeersProbe) {
  // RFC 1122 4.2.3.6: the peer's probe (SEQ = RCV.NXT - 1) is out of the
  // window; RFC 9293 3.10.7.4 answers it with an ACK.
  open(0ms);
  rx(seg(kAck).with_seq(R - 1).with_ack(L));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  rx(seg(kAck).with_seq(R - 1).with_ack(L).data("x"));  // BSD-style, one garbage byte
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
}

}  // namespace
}  // namespace percore::tcp::testing
