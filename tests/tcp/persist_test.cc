// Zero-window probing (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17): with data to
// send and the peer's window closed, the persist timer sends probes at
// backed-off intervals until the window opens; the probe is Linux's
// tcp_send_probe0(): a bare ACK with SEQ = SND.UNA - 1, so it never puts
// data beyond the window.
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class Persist : public ScriptedTest {
 protected:
  // Established (RTO 200 ms), the peer's window closed, "abc" queued.
  Tcb* closed_window_with_data() {
    Tcb* tcb = open(0ms);
    if (tcb == nullptr) return nullptr;
    peer_ack(L, 0);
    EXPECT_EQ(tcb->snd_wnd(), 0u);
    app_send(tcb, "abc");
    expect_no_tx("the window is closed");
    return tcb;
  }
  Seg probe() { return seg(kAck).with_seq(L - 1).with_ack(R); }
};

TEST_F(Persist, ZeroWindowStartsTheProbes) {
  Tcb* tcb = closed_window_with_data();
  quiet_for(199ms, "the first probe waits one RTO");
  advance(1ms);
  expect_tx(probe(), "a window probe: no data, SEQ = SND.UNA - 1");
  EXPECT_EQ(tcb->counters().zero_window_probes, 1u);
}

TEST_F(Persist, ProbeIntervalsBackOff) {
  // RFC 1122 4.2.2.17: the interval grows exponentially (Linux: RTO << n,
  // at most TCP_RTO_MAX).
  closed_window_with_data();
  for (Duration gap : {200ms, 400ms, 800ms, 1600ms, 3200ms}) {
    quiet_for(gap - 1ms);
    advance(1ms);
    expect_tx(probe());
  }
}

TEST_F(Persist, ProbesNeverCarryData) {
  closed_window_with_data();
  Duration gap = 200ms;
  for (int i = 0; i < 6; ++i, gap *= 2) {
    advance(gap);
    for (const Sent& s : tx()) {
      EXPECT_TRUE(s.payload.empty()) << s;
      EXPECT_EQ(s.repr.seq, L - 1) << s;
    }
  }
}

TEST_F(Persist, WindowOpeningResumesSending) {
  Tcb* tcb = closed_window_with_data();
  advance(200ms);
  expect_tx(probe());
  peer_ack(L, 65535);  // the probe's answer: the window opened
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  peer_ack(L + 3);
  quiet_for(10s, "no probes once the window is open");
  EXPECT_EQ(tcb->counters().zero_window_probes, 1u);
}

TEST_F(Persist, WindowUpdateWithoutAProbeResumesSending) {
  closed_window_with_data();
  advance(100ms);
  peer_ack(L, 1000);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
}

TEST_F(Persist, AnsweredProbesKeepTheConnection) {
  // A receiver that answers, with its window still closed, is alive:
  // probing goes on past the retry limit (Linux resets probes_out on any ACK).
  config_.retries = 3;
  rebuild();
  Tcb* tcb = closed_window_with_data();
  Duration gap = 200ms;
  for (int i = 0; i < 6; ++i, gap *= 2) {
    advance(gap);
    expect_tx(probe());
    peer_ack(L, 0);
    expect_no_tx();
  }
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_EQ(tcb->counters().zero_window_probes, 6u);
}

TEST_F(Persist, UnansweredProbesTimeOut) {
  // Linux's tcp_probe_timer(): tcp_retries2 probes without an answer end
  // the connection, without a RST.
  config_.retries = 3;
  rebuild();
  Tcb* tcb = closed_window_with_data();
  for (Duration gap : {200ms, 400ms, 800ms}) {
    advance(gap);
    expect_tx(probe());
  }
  quiet_for(1599ms);
  EXPECT_EQ(tcb->state(), State::Established);
  advance(1ms);
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::TimedOut);
}

TEST_F(Persist, ClosingTheWindowAfterEverythingIsAckedStartsProbing) {
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  peer_ack(L + 3, 0);
  app_send(tcb, "def");
  expect_no_tx();
  advance(200ms);
  expect_tx(seg(kAck).with_seq(L + 2).with_ack(R), "SEQ = SND.UNA - 1");
  peer_ack(L + 3, 100);
  expect_tx(seg(kAck | kPsh).with_seq(L + 3).with_ack(R).data("def"));
}

TEST_F(Persist, NoProbesWithoutDataToSend) {
  Tcb* tcb = open(0ms);
  peer_ack(L, 0);
  quiet_for(10s, "a closed window with nothing to send is no reason to probe");
  EXPECT_EQ(tcb->counters().zero_window_probes, 0u);
}

TEST_F(Persist, BackoffEndsWhenTheWindowOpens) {
  // Linux's tcp_ack_probe(): the answer that opens the window clears the
  // back-off, so data sent next is retransmitted after one RTO, not after
  // the probes' grown interval.
  Tcb* tcb = closed_window_with_data();
  for (Duration gap : {200ms, 400ms, 800ms}) {
    advance(gap);
    expect_tx(probe());
  }
  peer_ack(L, 65535);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  EXPECT_EQ(tcb->rtt().backoffs(), 0u);
  quiet_for(199ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"), "RTO 200 ms");
}

TEST_F(Persist, WindowShrunkToZeroUnderDataInFlightIsProbed) {
  // The peer acknowledged part of the data and closed its window over the
  // rest. The timeout cannot resend into a zero window, but it must keep
  // asking (Linux's tcp_retransmit_timer() turns retransmissions into
  // probes), or a lost window update would stall the connection.
  Tcb* tcb = open(0ms);
  const std::string data = pattern(3 * kMss);
  app_send(tcb, data);
  EXPECT_EQ(tx().size(), 3u);
  peer_ack(L + kMss, 0);
  advance(200ms);
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u) << "something must ask for the window";
  EXPECT_LE(sent[0].repr.seq + static_cast<std::uint32_t>(sent[0].payload.size()),
            L + kMss + 1)
      << "at most one byte beyond a zero window: " << sent[0];
  peer_ack(L + kMss, 65535);
  advance(400ms);
  auto resent = tx();
  ASSERT_FALSE(resent.empty());
  EXPECT_EQ(resent[0].repr.seq, L + kMss);
  EXPECT_EQ(resent[0].payload, data.substr(kMss, kMss));
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Persist, WindowShrunkToZeroDoesNotTimeOutWhileThePeerAnswers) {
  config_.retries = 3;
  rebuild();
  Tcb* tcb = open(0ms);
  app_send(tcb, pattern(3 * kMss));
  tx();
  peer_ack(L + kMss, 0);
  Duration gap = 200ms;
  for (int i = 0; i < 6; ++i, gap *= 2) {
    advance(gap);
    tx();
    peer_ack(L + kMss, 0);
    tx();
  }
  EXPECT_EQ(tcb->state(), State::Established);
}

}  // namespace
}  // namespace percore::tcp::testing
