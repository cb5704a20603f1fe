// Retransmission on timeout: the RTO of RFC 6298 (initial value, computation
// from samples, Karn's rule, back-off and its reset), go-back-N from SND.UNA
// with the loss window of RFC 5681 3.1, and giving up (Linux's tcp_retries2).
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class Retransmit : public ScriptedTest {};

TEST_F(Retransmit, FirstRtoIsOneSecondBeforeAnyRttSample) {
  // RFC 6298 2.1: until a measurement is made, RTO = 1 s.
  Tcb* tcb = open_without_rtt_sample();
  ASSERT_NE(tcb, nullptr);
  EXPECT_FALSE(tcb->rtt().has_sample()) << "Karn: the retransmitted SYN-ACK gives no sample";
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  quiet_for(999ms, "before the initial RTO");
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"), "RTO after 1 s");
}

TEST_F(Retransmit, RtoComesFromTheHandshakeSample) {
  // RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR = 300 ms.
  Tcb* tcb = open(100ms);
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->rtt().srtt(), 100ms);
  EXPECT_EQ(tcb->rtt().rttvar(), 50ms);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  quiet_for(299ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"), "RTO = 300 ms");
}

TEST_F(Retransmit, RtoFollowsLaterSamples) {
  Tcb* tcb = open(100ms);
  app_send(tcb, "abc");
  tx();
  advance(20ms);
  peer_ack(L + 3);
  // RFC 6298 2.3 with R' = 20 ms: RTTVAR = 3/4 * 50 + 1/4 * |100 - 20| = 57.5 ms,
  // SRTT = 7/8 * 100 + 1/8 * 20 = 90 ms, RTO = 90 + 4 * 57.5 = 320 ms.
  EXPECT_EQ(tcb->rtt().srtt(), 90ms);
  EXPECT_EQ(tcb->rtt().rttvar(), 57500us);
  app_send(tcb, "def");
  expect_tx(seg(kAck | kPsh).with_seq(L + 3).with_ack(R).data("def"));
  quiet_for(319ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L + 3).with_ack(R).data("def"), "RTO = 320 ms");
}

TEST_F(Retransmit, RtoIsNeverBelowTheMinimum) {
  // A zero RTT would give RTO = G = 1 ms; Linux's TCP_RTO_MIN is 200 ms.
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  quiet_for(199ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
}

TEST_F(Retransmit, KarnNoSampleFromARetransmittedSegment) {
  Tcb* tcb = open_without_rtt_sample();
  app_send(tcb, "abc");
  tx();
  advance(1s);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  // The ACK is ambiguous: it may answer the first transmission (1.1 s ago)
  // or the retransmission (0.1 s ago). Karn's rule: take no sample.
  advance(100ms);
  peer_ack(L + 3);
  EXPECT_FALSE(tcb->rtt().has_sample());
  app_send(tcb, "def");
  expect_tx(seg(kAck | kPsh).with_seq(L + 3).with_ack(R).data("def"));
  quiet_for(999ms, "still the initial 1 s, and the back-off was reset");
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L + 3).with_ack(R).data("def"));
}

TEST_F(Retransmit, KarnTimesTheNextSegmentSentOnce) {
  Tcb* tcb = open_without_rtt_sample();
  app_send(tcb, "abc");
  tx();
  advance(1s);
  tx();
  peer_ack(L + 3);
  app_send(tcb, "def");
  tx();
  advance(100ms);
  peer_ack(L + 6);
  ASSERT_TRUE(tcb->rtt().has_sample());
  EXPECT_EQ(tcb->rtt().srtt(), 100ms);
  app_send(tcb, "ghi");
  tx();
  quiet_for(299ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L + 6).with_ack(R).data("ghi"), "RTO = 300 ms");
}

TEST_F(Retransmit, BackoffDoublesTheRtoOnEachExpiry) {
  // RFC 6298 5.5: RTO <- RTO * 2 each time the timer expires.
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  for (Duration rto : {200ms, 400ms, 800ms, 1600ms, 3200ms}) {
    quiet_for(rto - 1ms);
    advance(1ms);
    expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  }
  EXPECT_EQ(tcb->counters().rto_expirations, 5u);
  EXPECT_EQ(tcb->counters().retransmits, 5u);
}

TEST_F(Retransmit, BackoffStopsAtTheMaximumRto) {
  // RFC 6298 2.5: a maximum may be placed on RTO.
  config_.rto.max_rto = 1s;
  rebuild();
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  for (Duration rto : {200ms, 400ms, 800ms, 1000ms, 1000ms}) {
    quiet_for(rto - 1ms);
    advance(1ms);
    expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  }
}

TEST_F(Retransmit, NewAckResetsTheBackoff) {
  Tcb* tcb = open(0ms);
  const std::string data = pattern(2 * kMss);
  app_send(tcb, data);
  EXPECT_EQ(tx().size(), 2u);
  advance(200ms);
  expect_tx(seg(kAck).with_seq(L).with_ack(R).data(data.substr(0, kMss)), "first RTO");
  // The ACK of new data ends the back-off: the next RTO is 200 ms, not 400.
  advance(50ms);
  peer_ack(L + kMss);
  expect_tx(seg(kAck | kPsh).with_seq(L + kMss).with_ack(R).data(data.substr(kMss)),
            "go-back-N resends the second segment");
  quiet_for(199ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L + kMss).with_ack(R).data(data.substr(kMss)));
}

TEST_F(Retransmit, AckOfNewDataRestartsTheTimer) {
  // RFC 6298 5.3: when an ACK acknowledges new data, restart the timer.
  Tcb* tcb = open(0ms);
  const std::string data = pattern(2 * kMss);
  app_send(tcb, data);
  tx();
  advance(150ms);
  peer_ack(L + kMss);
  expect_no_tx();
  quiet_for(199ms, "the timer runs from the ACK at 150 ms, not from the send");
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L + kMss).with_ack(R).data(data.substr(kMss)));
}

TEST_F(Retransmit, TimerStopsWhenEverythingIsAcknowledged) {
  // RFC 6298 5.2.
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  advance(100ms);
  peer_ack(L + 3);
  quiet_for(1s);
  quiet_for(100s);
  EXPECT_EQ(tcb->counters().rto_expirations, 0u);
}

TEST_F(Retransmit, GoBackNFromSndUnaAfterTheTimeout) {
  // RFC 5681 3.1 / RFC 6298 5.4: the earliest unacknowledged segment goes
  // out alone (cwnd = 1 segment); then slow start resends the rest.
  Tcb* tcb = open(0ms);
  const std::string data = pattern(4 * kMss);
  app_send(tcb, data);
  EXPECT_EQ(tx().size(), 4u);
  advance(200ms);
  expect_tx(seg(kAck).with_seq(L).with_ack(R).data(data.substr(0, kMss)), "SND.UNA's segment only");
  EXPECT_EQ(tcb->snd_nxt(), L + kMss);
  EXPECT_EQ(tcb->snd_una(), L);
  peer_ack(L + kMss);
  // Slow start: cwnd = 2 segments.
  expect_txs({seg(kAck).with_seq(L + kMss).with_ack(R).data(data.substr(kMss, kMss)),
              seg(kAck).with_seq(L + 2 * kMss).with_ack(R).data(data.substr(2 * kMss, kMss))});
  peer_ack(L + 3 * kMss);
  expect_tx(seg(kAck | kPsh).with_seq(L + 3 * kMss).with_ack(R).data(data.substr(3 * kMss)));
  EXPECT_EQ(tcb->counters().retransmits, 4u);
  EXPECT_EQ(tcb->counters().rto_expirations, 1u);
}

TEST_F(Retransmit, AckOfEverythingAfterTheTimeoutSendsNothingMore) {
  // The original segments arrived; only their ACKs were lost.
  Tcb* tcb = open(0ms);
  const std::string data = pattern(3 * kMss);
  app_send(tcb, data);
  tx();
  advance(200ms);
  EXPECT_EQ(tx().size(), 1u);
  peer_ack(L + 3 * kMss);
  expect_no_tx();
  EXPECT_EQ(tcb->snd_nxt(), L + 3 * kMss);
  EXPECT_EQ(tcb->snd_una(), L + 3 * kMss);
  quiet_for(10s);
}

TEST_F(Retransmit, CwndCollapsesToOneSegmentWithCubic) {
  Tcb* tcb = open(0ms);
  ASSERT_EQ(tcb->congestion().algorithm(), CcAlgorithm::Cubic);
  EXPECT_EQ(tcb->congestion().cwnd(), 10 * kMss);  // RFC 6928
  app_send(tcb, pattern(4 * kMss));
  tx();
  advance(200ms);
  tx();
  // RFC 5681 3.1: LW = 1 SMSS. RFC 9438 4.8: ssthresh = cwnd * 0.7.
  EXPECT_EQ(tcb->congestion().cwnd(), kMss);
  EXPECT_EQ(tcb->congestion().ssthresh(), 7 * kMss);
}

TEST_F(Retransmit, CwndCollapsesToOneSegmentWithNewReno) {
  config_.cc = CcAlgorithm::NewReno;
  rebuild();
  Tcb* tcb = open(0ms);
  app_send(tcb, pattern(4 * kMss));
  tx();
  advance(200ms);
  tx();
  // RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2 SMSS).
  EXPECT_EQ(tcb->congestion().cwnd(), kMss);
  EXPECT_EQ(tcb->congestion().ssthresh(), 2 * kMss);
}

TEST_F(Retransmit, RepeatedTimeoutHoldsSsthreshWithNewReno) {
  // RFC 5681 3.1: when the segment has already been retransmitted by the
  // timer, "the value of ssthresh is held constant".
  config_.cc = CcAlgorithm::NewReno;
  rebuild();
  Tcb* tcb = open(0ms);
  app_send(tcb, pattern(8 * kMss));
  tx();
  advance(200ms);
  tx();
  EXPECT_EQ(tcb->congestion().ssthresh(), 4 * kMss);
  advance(400ms);
  expect_tx(seg(kAck).with_seq(L).with_ack(R).data(pattern(kMss)));
  EXPECT_EQ(tcb->congestion().cwnd(), kMss);
  EXPECT_EQ(tcb->congestion().ssthresh(), 4 * kMss);
}

TEST_F(Retransmit, RepeatedTimeoutHoldsSsthreshWithCubic) {
  // The same with CUBIC: the first timeout set ssthresh = 0.7 cwnd; a
  // second one for the same data (cwnd is 1 MSS by then) must not cut it
  // to 2 MSS, nor W_max again (Linux's tcp_enter_loss() keeps both).
  Tcb* tcb = open(0ms);
  app_send(tcb, pattern(8 * kMss));
  tx();
  advance(200ms);
  tx();
  EXPECT_EQ(tcb->congestion().ssthresh(), 7 * kMss);
  advance(400ms);
  tx();
  advance(800ms);
  expect_tx(seg(kAck).with_seq(L).with_ack(R).data(pattern(kMss)));
  EXPECT_EQ(tcb->congestion().cwnd(), kMss);
  EXPECT_EQ(tcb->congestion().ssthresh(), 7 * kMss);
  EXPECT_DOUBLE_EQ(tcb->congestion().cubic_w_max_segments(), 10.0);
}

TEST_F(Retransmit, TimeoutAfterProgressIsANewLossEvent) {
  config_.cc = CcAlgorithm::NewReno;
  rebuild();
  Tcb* tcb = open(0ms);
  app_send(tcb, pattern(8 * kMss));
  tx();
  advance(200ms);
  tx();
  peer_ack(L + kMss);
  EXPECT_EQ(tx().size(), 2u);
  advance(200ms);
  tx();
  // FlightSize is now 7 segments: ssthresh = 3.5 segments.
  EXPECT_EQ(tcb->congestion().ssthresh(), 7 * kMss / 2);
}

TEST_F(Retransmit, GivesUpAfterTheRetryLimitWithTimedOut) {
  config_.retries = 3;
  rebuild();
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  for (Duration rto : {200ms, 400ms, 800ms}) {
    advance(rto);
    expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  }
  quiet_for(1599ms);
  EXPECT_EQ(tcb->state(), State::Established);
  // The fourth expiry: three retransmissions went unanswered. Linux's
  // tcp_write_timeout() drops the connection without a RST.
  advance(1ms);
  expect_no_tx("no RST on giving up");
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::TimedOut);
  EXPECT_TRUE(tcb->events() & Event::kError);
}

TEST_F(Retransmit, RetryCountRestartsOnProgress) {
  config_.retries = 2;
  rebuild();
  Tcb* tcb = open(0ms);
  app_send(tcb, pattern(2 * kMss));
  tx();
  advance(200ms);
  tx();
  advance(400ms);
  tx();
  // Two retransmissions; an ACK of the first segment is progress.
  peer_ack(L + kMss);
  tx();
  advance(200ms);
  tx();
  advance(400ms);
  tx();
  EXPECT_EQ(tcb->state(), State::Established) << "two more retries allowed after progress";
  advance(800ms);
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::TimedOut);
}

TEST_F(Retransmit, RetransmissionCarriesTheCurrentAcknowledgment) {
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  // The peer's data arrives, but its ACK does not cover ours.
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("xyz"));
  expect_tx(seg(kAck).with_seq(L + 3).with_ack(R + 3));
  EXPECT_EQ(app_recv(tcb), "xyz");
  tx();
  advance(200ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R + 3).data("abc"));
}

TEST_F(Retransmit, RetransmissionCoalescesDataQueuedBehindIt) {
  // Nagle holds "def" behind the unacknowledged "abc"; the retransmission
  // from SND.UNA carries both, as Linux's tcp_retrans_try_collapse() does.
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  app_send(tcb, "def");
  expect_no_tx("Nagle");
  advance(200ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abcdef"));
}

TEST_F(Retransmit, FinIsRetransmittedWithTheDataBeforeIt) {
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  app_shutdown(tcb);
  auto sent = tx();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(tcb->state(), State::FinWait1);
  advance(200ms);
  expect_tx(seg(kAck | kPsh | kFin).with_seq(L).with_ack(R).data("abc"));
  peer_ack(L + 4);
  EXPECT_EQ(tcb->state(), State::FinWait2);
  quiet_for(10s);
}

TEST_F(Retransmit, LoneFinIsRetransmitted) {
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  peer_ack(L + 3);
  app_shutdown(tcb);
  expect_tx(seg(kAck | kFin).with_seq(L + 3).with_ack(R));
  quiet_for(199ms);
  advance(1ms);
  expect_tx(seg(kAck | kFin).with_seq(L + 3).with_ack(R));
  quiet_for(399ms);
  advance(1ms);
  expect_tx(seg(kAck | kFin).with_seq(L + 3).with_ack(R));
}

TEST_F(Retransmit, DuplicateAckDoesNotRestartTheTimer) {
  // RFC 6298 5.3 restarts the timer only for new data acknowledged.
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  advance(150ms);
  peer_ack(L);
  expect_no_tx();
  quiet_for(49ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
}

}  // namespace
}  // namespace percore::tcp::testing
