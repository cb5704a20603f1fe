// Fast retransmit and fast recovery without SACK: RFC 5681 3.2 (three
// duplicate ACKs, what counts as one), RFC 6582 (NewReno: window inflation,
// partial and full acknowledgments, "recover"), and CUBIC's reduction
// (RFC 9438 4.6) as the default.
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class FastRecovery : public InFlightTest {
 protected:
  Tcb* ten_in_flight(unsigned queued = 0) { return InFlightTest::ten_in_flight(queued, 0ms); }
  void dup_acks(unsigned n, Seq ack) {
    for (unsigned i = 0; i < n; ++i) peer_ack(ack);
  }
};

class NewRenoRecovery : public FastRecovery {
 protected:
  NewRenoRecovery() {
    config_.cc = CcAlgorithm::NewReno;
    rebuild();
  }
};

TEST_F(NewRenoRecovery, ThirdDuplicateAckRetransmitsSndUnasSegment) {
  // RFC 5681 3.2 step 2: on the third duplicate ACK, retransmit the
  // segment that appears lost, without waiting for the timer.
  Tcb* tcb = ten_in_flight();
  dup_acks(2, L);
  expect_no_tx("two duplicates are not enough");
  EXPECT_FALSE(tcb->in_recovery());
  peer_ack(L);
  expect_tx(segment(0), "fast retransmit");
  EXPECT_TRUE(tcb->in_recovery());
  EXPECT_EQ(tcb->counters().fast_retransmits, 1u);
  EXPECT_EQ(tcb->counters().dup_acks_in, 3u);
}

TEST_F(NewRenoRecovery, SsthreshIsHalfTheFlightSize) {
  // RFC 5681 eq. 4 (RFC 6582 3.2 step 2): ssthresh = max(FlightSize / 2, 2 SMSS).
  Tcb* tcb = ten_in_flight();
  dup_acks(3, L);
  tx();
  EXPECT_EQ(tcb->congestion().ssthresh(), 5 * kMss);
}

TEST_F(NewRenoRecovery, FastRetransmitWhateverTheInitialSequenceNumber) {
  // RFC 6582 3.2 step 1 compares SND.UNA with "recover", which starts at
  // the ISS; any ISS must allow the first fast retransmit. Clock offsets
  // 2^31 ISN ticks apart (RFC 6528: 4 us each) flip the ISS's top bit.
  for (int i = 0; i < 2; ++i) {
    advance(8589934592us);
    rebuild();
    Tcb* tcb = ten_in_flight();
    ASSERT_NE(tcb, nullptr);
    dup_acks(3, L);
    expect_tx(segment(0), i == 0 ? "first ISS" : "ISS with the other top bit");
  }
}

TEST_F(NewRenoRecovery, FurtherDuplicatesInflateTheWindowAndSendNewData) {
  // RFC 3042: the first two duplicates each send one new segment. RFC 6582
  // 3.2 step 2: on the third, cwnd = ssthresh + 3 SMSS = 8 segments, with
  // ssthresh from the 10 segments in flight before Limited Transmit (RFC
  // 5681 3.2); step 3: each further duplicate adds one SMSS, and a new
  // segment goes out once cwnd exceeds the 12 now in flight.
  ten_in_flight(5);
  peer_ack(L);
  expect_tx(segment(10), "Limited Transmit");
  peer_ack(L);
  expect_tx(segment(11), "Limited Transmit");
  peer_ack(L);
  expect_tx(segment(0), "fast retransmit");
  dup_acks(4, L);
  expect_no_tx("cwnd 9 to 12 segments: the flight fills it");
  peer_ack(L);
  expect_tx(segment(12), "cwnd 13 segments");
  peer_ack(L);
  expect_tx(segment(13));
  peer_ack(L);
  expect_tx(segment(14));
}

TEST_F(NewRenoRecovery, PartialAckRetransmitsTheNextHole) {
  // Segments 0 and 2 were lost. RFC 6582 3.2 step 4: the ACK that the
  // retransmission of 0 brings covers only up to 2; retransmit 2 at once
  // and stay in recovery.
  Tcb* tcb = ten_in_flight();
  dup_acks(3, L);
  expect_tx(segment(0));
  dup_acks(5, L);
  tx();
  peer_ack(L + 2 * kMss);
  expect_tx(segment(2), "the partial ACK's hole");
  EXPECT_TRUE(tcb->in_recovery());
  EXPECT_EQ(tcb->counters().fast_retransmits, 1u) << "still the same recovery";
  EXPECT_EQ(tcb->counters().retransmits, 2u);
}

TEST_F(NewRenoRecovery, PartialAckDeflatesTheWindow) {
  // RFC 6582 3.2 step 4: deflate cwnd by the amount acknowledged, add back
  // one SMSS: the partial ACK of two segments lets out the retransmission
  // and nothing new while the flight is that large.
  ten_in_flight(5);
  dup_acks(3, L);
  tx();
  peer_ack(L + 2 * kMss);
  expect_tx(segment(2));
  peer_ack(L + 2 * kMss);
  expect_no_tx("inflated by one for the duplicate, deflated by two acknowledged");
}

TEST_F(NewRenoRecovery, FullAckEndsRecovery) {
  // RFC 6582 3.2 step 3: an ACK covering "recover" (the highest sequence
  // sent when recovery began) ends it; cwnd = ssthresh.
  Tcb* tcb = ten_in_flight();
  dup_acks(3, L);
  tx();
  peer_ack(L + 10 * kMss);
  EXPECT_FALSE(tcb->in_recovery());
  EXPECT_EQ(tcb->congestion().cwnd(), 5 * kMss);
  EXPECT_EQ(tcb->congestion().ssthresh(), 5 * kMss);
}

TEST_F(NewRenoRecovery, FullAckDoesNotReleaseABurst) {
  // RFC 6582 3.2 step 3 warns of a burst when cwnd = ssthresh meets a
  // small flight. The inflated window kept sending during recovery, so the
  // four new segments are still in flight and cwnd (5) lets out just one.
  // "recover" covers the two Limited Transmit segments (RFC 3042), sent
  // before recovery began.
  ten_in_flight(10);
  dup_acks(11, L);
  expect_txs({segment(10), segment(11), segment(0), segment(12), segment(13), segment(14),
              segment(15)},
             "two Limited Transmit segments, the retransmission, four new segments");
  peer_ack(L + 12 * kMss);
  expect_tx(segment(16), "FlightSize (4) + 1 segment");
}

TEST_F(NewRenoRecovery, RecoveryEndsAtRecoverNotBefore) {
  Tcb* tcb = ten_in_flight();
  dup_acks(3, L);
  tx();
  peer_ack(L + 10 * kMss - 1);
  EXPECT_TRUE(tcb->in_recovery()) << "one octet short of recover";
  peer_ack(L + 10 * kMss);
  EXPECT_FALSE(tcb->in_recovery());
}

TEST_F(NewRenoRecovery, NoFastRetransmitForDuplicatesOfDataBeforeRecover) {
  // RFC 6582 4.1 (after a timeout, "recover" = the highest sequence sent):
  // duplicate ACKs that do not cover it start no fast retransmit; the
  // go-back-N resend explains them. Nor do the first two send anything by
  // Limited Transmit (RFC 3042 2): there is no new data below SND.MAX, and
  // the 9 segments outstanding exceed cwnd (2) + 2 SMSS.
  Tcb* tcb = ten_in_flight();
  advance(200ms);
  expect_tx(segment(0), "RTO");
  peer_ack(L + kMss);
  EXPECT_EQ(tx().size(), 2u) << "slow start after the timeout";
  dup_acks(3, L + kMss);
  expect_no_tx("duplicates below recover");
  EXPECT_FALSE(tcb->in_recovery());
  EXPECT_EQ(tcb->counters().fast_retransmits, 0u);
}

TEST_F(NewRenoRecovery, WindowUpdateIsNotADuplicateAck) {
  // RFC 5681 2: a duplicate ACK advertises the same window as the last one.
  Tcb* tcb = ten_in_flight();
  peer_ack(L, 60000);
  peer_ack(L, 61000);
  peer_ack(L, 62000);
  expect_no_tx();
  EXPECT_EQ(tcb->counters().dup_acks_in, 0u);
  EXPECT_FALSE(tcb->in_recovery());
}

TEST_F(NewRenoRecovery, DataCarryingAckIsNotADuplicate) {
  // RFC 5681 2: a duplicate ACK carries no data.
  Tcb* tcb = ten_in_flight();
  rx(seg(kAck).with_seq(R).with_ack(L).data("x"));
  rx(seg(kAck).with_seq(R + 1).with_ack(L).data("y"));
  rx(seg(kAck).with_seq(R + 2).with_ack(L).data("z"));
  for (const Sent& s : tx()) EXPECT_TRUE(s.payload.empty()) << "only ACKs of the data: " << s;
  EXPECT_EQ(tcb->counters().dup_acks_in, 0u);
  EXPECT_EQ(tcb->counters().fast_retransmits, 0u);
}

TEST_F(NewRenoRecovery, AckWithNothingOutstandingIsNotADuplicate) {
  Tcb* tcb = open(0ms);
  app_send(tcb, "abc");
  tx();
  dup_acks(5, L + 3);
  expect_no_tx();
  EXPECT_EQ(tcb->counters().dup_acks_in, 0u);
}

TEST_F(NewRenoRecovery, FinCarryingAckIsNotADuplicate) {
  Tcb* tcb = ten_in_flight();
  rx(seg(kAck | kFin).with_seq(R).with_ack(L));
  rx(seg(kAck).with_seq(R + 1).with_ack(L));
  rx(seg(kAck).with_seq(R + 1).with_ack(L));
  for (const Sent& s : tx()) EXPECT_TRUE(s.payload.empty()) << s;
  EXPECT_EQ(tcb->counters().fast_retransmits, 0u);
  rx(seg(kAck).with_seq(R + 1).with_ack(L));  // the third duplicate: the FIN-bearing ACK did not count
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 1).data(data_.substr(0, kMss)));
}

TEST_F(NewRenoRecovery, NewAckResetsTheDuplicateCount) {
  Tcb* tcb = ten_in_flight();
  dup_acks(2, L);
  peer_ack(L + kMss);
  tx();
  dup_acks(2, L + kMss);
  expect_no_tx("2 + 2 duplicates of different ACKs are not 3");
  EXPECT_FALSE(tcb->in_recovery());
  peer_ack(L + kMss);
  expect_tx(segment(1));
}

TEST_F(NewRenoRecovery, TimeoutDuringRecoveryFallsBackToGoBackN) {
  Tcb* tcb = ten_in_flight();
  dup_acks(3, L);
  expect_tx(segment(0));
  advance(200ms);
  expect_tx(segment(0), "the retransmission was lost too");
  EXPECT_FALSE(tcb->in_recovery());
  EXPECT_EQ(tcb->congestion().cwnd(), kMss);
}

class CubicRecovery : public FastRecovery {};

TEST_F(CubicRecovery, IsTheDefault) {
  Tcb* tcb = open(0ms);
  EXPECT_EQ(tcb->congestion().algorithm(), CcAlgorithm::Cubic);
}

TEST_F(CubicRecovery, ThirdDuplicateRetransmitsAndReducesToSevenTenths) {
  // RFC 9438 4.6: ssthresh = cwnd * beta_cubic (0.7); cwnd = ssthresh.
  Tcb* tcb = ten_in_flight();
  dup_acks(3, L);
  expect_tx(segment(0));
  EXPECT_EQ(tcb->congestion().ssthresh(), 7 * kMss);
  EXPECT_EQ(tcb->congestion().cwnd(), 7 * kMss);
  EXPECT_DOUBLE_EQ(tcb->congestion().cubic_w_max_segments(), 10.0) << "RFC 9438 4.7: W_max = cwnd";
}

TEST_F(CubicRecovery, FullAckLeavesCwndAtSevenTenths) {
  Tcb* tcb = ten_in_flight();
  dup_acks(3, L);
  tx();
  peer_ack(L + 10 * kMss);
  EXPECT_FALSE(tcb->in_recovery());
  EXPECT_EQ(tcb->congestion().cwnd(), 7 * kMss);
  EXPECT_FALSE(tcb->congestion().in_slow_start());
}

TEST_F(CubicRecovery, SecondLossReducesWMaxByFastConvergence) {
  // RFC 9438 4.7: a loss below the previous W_max sets W_max = cwnd * (1 + beta) / 2.
  // The two Limited Transmit segments (RFC 3042) are below "recover", so
  // the full ACK covers them.
  Tcb* tcb = ten_in_flight(20);
  dup_acks(3, L);
  ASSERT_EQ(tx().size(), 3u);
  peer_ack(L + 12 * kMss);
  EXPECT_FALSE(tcb->in_recovery());
  auto sent = tx();
  ASSERT_FALSE(sent.empty());
  const std::uint32_t cwnd = tcb->congestion().cwnd();
  const Seq una = tcb->snd_una();
  dup_acks(3, una);
  EXPECT_TRUE(tcb->in_recovery());
  EXPECT_DOUBLE_EQ(tcb->congestion().cubic_w_max_segments(),
                   static_cast<double>(cwnd) / kMss * 1.7 / 2);
}

// Limited Transmit (RFC 3042), with the default CUBIC unless noted.
class LimitedTransmit : public FastRecovery {};

TEST_F(LimitedTransmit, FirstAndSecondDuplicatesEachSendOneNewSegment) {
  // RFC 3042 2: one new segment per duplicate, and cwnd is not changed.
  Tcb* tcb = ten_in_flight(5);
  peer_ack(L);
  expect_tx(segment(10), "first duplicate");
  EXPECT_EQ(tcb->congestion().cwnd(), 10 * kMss);
  peer_ack(L);
  expect_tx(segment(11), "second duplicate");
  EXPECT_EQ(tcb->congestion().cwnd(), 10 * kMss);
  EXPECT_FALSE(tcb->in_recovery());
  peer_ack(L);
  expect_tx(segment(0), "the third is fast retransmit's (RFC 5681 3.2), not Limited Transmit's");
}

TEST_F(LimitedTransmit, OnlyIfTheReceiversWindowAllows) {
  // RFC 3042 2: "if the receiver's advertised window allows".
  Tcb* tcb = ten_in_flight(5);
  peer_ack(L, 10 * kMss);  // a window update, not a duplicate (RFC 5681 2)
  expect_no_tx();
  peer_ack(L, 10 * kMss);
  peer_ack(L, 10 * kMss);
  expect_no_tx("the window holds exactly the 10 segments in flight");
  EXPECT_EQ(tcb->counters().dup_acks_in, 2u);
  EXPECT_FALSE(tcb->in_recovery());
}

TEST_F(LimitedTransmit, NotWithoutNewData) {
  ten_in_flight(0);
  dup_acks(2, L);
  expect_no_tx("Limited Transmit sends only new data");
}

TEST_F(LimitedTransmit, ANewAckEndsIt) {
  // The duplicate count starts again with a new cumulative ACK: its
  // allowance does not carry over (one new segment per duplicate).
  ten_in_flight(5);
  peer_ack(L);
  expect_tx(segment(10));
  peer_ack(L + kMss);
  expect_tx(segment(11), "slow start: the ACK of one segment lets one out (plus its growth)");
  peer_ack(L + kMss);
  expect_tx(segment(12), "the first duplicate of the new ACK");
}

class NewRenoLimitedTransmit : public NewRenoRecovery {};

TEST_F(NewRenoLimitedTransmit, SsthreshLeavesOutTheLimitedTransmitSegments) {
  // RFC 5681 3.2 step 2: "additional data sent in limited transmit MUST
  // NOT be included" in the FlightSize that sets ssthresh: 10 / 2, not 12 / 2.
  Tcb* tcb = ten_in_flight(5);
  dup_acks(3, L);
  EXPECT_EQ(tx().size(), 3u);
  EXPECT_EQ(tcb->congestion().ssthresh(), 5 * kMss);
}

TEST_F(NewRenoLimitedTransmit, RecoverCoversTheLimitedTransmitSegments) {
  // RFC 6582 3.2 step 2: "recover" is the highest sequence sent when the
  // third duplicate arrived, Limited Transmit's segments included; an ACK
  // below them is partial (step 4) and resends the next hole.
  Tcb* tcb = ten_in_flight(5);
  dup_acks(3, L);
  tx();
  peer_ack(L + 10 * kMss);
  EXPECT_TRUE(tcb->in_recovery());
  expect_tx(segment(10), "segment 10 is the partial ACK's hole");
  peer_ack(L + 12 * kMss);
  EXPECT_FALSE(tcb->in_recovery());
}

}  // namespace
}  // namespace percore::tcp::testing
