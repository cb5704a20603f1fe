// Delayed acknowledgments (RFC 1122 4.2.3.2, RFC 5681 4.2, RFC 9293
// 3.8.6.3): an ACK for at least every second full-sized segment, none
// delayed beyond 40 ms (Linux's minimum delayed-ACK time), immediate ACKs
// for out-of-order data and for data filling a hole, and quick ACKs for the
// first segments of a connection, as Linux's quickack mode.
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class DelayedAck : public ScriptedTest {
 protected:
  // Established, then past quick-ACK mode: the peer's first 16 data
  // segments are ACKed at once (Linux's TCP_MAX_QUICKACKS); one-byte
  // segments use them up.
  static constexpr std::uint32_t kQuickAcked = 16;
  Tcb* open_past_quickack() {
    Tcb* tcb = open(0ms);
    if (tcb == nullptr) return nullptr;
    for (std::uint32_t i = 0; i < kQuickAcked; ++i) {
      rx(seg(kAck).with_seq(R + i).with_ack(L).data("q"));
      expect_tx(seg(kAck).with_seq(L).with_ack(R + i + 1), "quick ACK");
    }
    EXPECT_EQ(app_recv(tcb).size(), kQuickAcked);
    tx();
    R = R + kQuickAcked;  // the rest of a test starts from here
    return tcb;
  }
  void peer_data(std::uint32_t off, std::uint32_t len) {
    rx(seg(kAck).with_seq(R + off).with_ack(L).data(std::string(len, 'd')));
  }
  Seg our_ack(std::uint32_t acked) { return seg(kAck).with_seq(L).with_ack(R + acked); }
};

TEST_F(DelayedAck, FirstSegmentsAreQuickAcked) {
  open(0ms);
  peer_data(0, 10);
  expect_tx(our_ack(10), "quick ACK at the start of a connection");
  peer_data(10, 10);
  expect_tx(our_ack(20));
}

TEST_F(DelayedAck, QuickAckModeEnds) {
  open_past_quickack();
  peer_data(0, 10);
  expect_no_tx("now a small segment waits for the delayed-ACK timer");
}

TEST_F(DelayedAck, SingleSegmentIsAckedAfter40Ms) {
  open_past_quickack();
  peer_data(0, 100);
  quiet_for(39ms);
  advance(1ms);
  expect_tx(our_ack(100), "the delayed-ACK timer");
  quiet_for(1s, "one ACK only");
}

TEST_F(DelayedAck, FullSizedSegmentAloneIsDelayedToo) {
  open_past_quickack();
  peer_data(0, kMss);
  quiet_for(39ms);
  advance(1ms);
  expect_tx(our_ack(kMss));
}

TEST_F(DelayedAck, EverySecondFullSegmentIsAckedAtOnce) {
  // RFC 5681 4.2: an ACK SHOULD be generated for at least every second
  // full-sized segment.
  open_past_quickack();
  peer_data(0, kMss);
  expect_no_tx();
  peer_data(kMss, kMss);
  expect_tx(our_ack(2 * kMss));
  peer_data(2 * kMss, kMss);
  expect_no_tx();
  peer_data(3 * kMss, kMss);
  expect_tx(our_ack(4 * kMss));
  quiet_for(1s, "the timer was cancelled by the ACKs");
}

TEST_F(DelayedAck, TimerIsNotPushedBackByMoreSmallSegments) {
  // RFC 1122 4.2.3.2: an ACK is not delayed more than 0.5 s (40 ms here)
  // after the first unacknowledged segment arrived.
  open_past_quickack();
  peer_data(0, 10);
  advance(15ms);
  peer_data(10, 10);
  advance(15ms);
  peer_data(20, 10);
  expect_no_tx();
  advance(10ms);
  expect_tx(our_ack(30), "40 ms after the first");
}

TEST_F(DelayedAck, ConfiguredDelayIsHonoured) {
  config_.delayed_ack = 10ms;
  rebuild();
  open_past_quickack();
  peer_data(0, 10);
  quiet_for(9ms);
  advance(1ms);
  expect_tx(our_ack(10));
}

TEST_F(DelayedAck, OutOfOrderSegmentIsAckedAtOnce) {
  // RFC 5681 4.2 / 3.2: an out-of-order segment gets an immediate
  // duplicate ACK, so the sender can count three.
  Tcb* tcb = open_past_quickack();
  peer_data(kMss, kMss);
  expect_tx(our_ack(0), "duplicate ACK");
  peer_data(2 * kMss, kMss);
  expect_tx(our_ack(0), "another");
  EXPECT_EQ(tcb->counters().ooo_segments_in, 2u);
}

TEST_F(DelayedAck, EachOutOfOrderSegmentOfABurstGetsItsOwnDuplicateAck) {
  // RFC 5681 4.2: a TCP receiver SHOULD send an immediate duplicate ACK
  // when an out-of-order segment arrives, one per segment, even when a
  // poll handles several: three losses' worth of duplicates must reach the
  // sender as three (RFC 5681 3.2), as Linux sends one per segment.
  Tcb* tcb = open_past_quickack();
  auto data = [&](std::uint32_t off) {
    return seg(kAck).with_seq(R + off).with_ack(L).data(std::string(kMss, 'd'));
  };
  rx_burst({data(kMss), data(2 * kMss), data(3 * kMss)});
  expect_txs({our_ack(0), our_ack(0), our_ack(0)}, "three duplicates from one burst");
  EXPECT_EQ(tcb->counters().ooo_segments_in, 3u);
  rx_burst({data(4 * kMss), data(0)});
  expect_txs({our_ack(0), our_ack(5 * kMss)}, "the duplicate, then the hole filled");
  quiet_for(200ms, "nothing delayed is left");
}

TEST_F(DelayedAck, SegmentFillingAHoleIsAckedAtOnce) {
  // RFC 5681 4.2: a segment that fills in all or part of a gap SHOULD be
  // acknowledged immediately.
  Tcb* tcb = open_past_quickack();
  peer_data(kMss, kMss);
  tx();
  peer_data(0, kMss);
  expect_tx(our_ack(2 * kMss));
  EXPECT_EQ(app_recv(tcb).size(), 2 * kMss);
}

TEST_F(DelayedAck, SegmentFillingPartOfAHoleIsAckedAtOnce) {
  open_past_quickack();
  peer_data(2 * kMss, kMss);
  tx();
  peer_data(0, kMss);
  expect_tx(our_ack(kMss), "part of the gap filled");
}

TEST_F(DelayedAck, DuplicateSegmentIsAckedAtOnce) {
  // RFC 9293 3.10.7.4: data already received is answered with an ACK.
  open_past_quickack();
  peer_data(0, 100);
  advance(40ms);
  expect_tx(our_ack(100));
  peer_data(0, 100);
  expect_tx(our_ack(100));
}

TEST_F(DelayedAck, OutgoingDataCarriesTheDelayedAck) {
  // RFC 1122 4.2.3.2: the delayed ACK rides on the reply.
  Tcb* tcb = open_past_quickack();
  peer_data(0, 10);
  advance(10ms);
  app_send(tcb, "reply");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R + 10).data("reply"));
  quiet_for(100ms, "nothing left to acknowledge");
}

TEST_F(DelayedAck, FinIsAckedAtOnce) {
  Tcb* tcb = open_past_quickack();
  rx(seg(kAck | kFin).with_seq(R).with_ack(L));
  expect_tx(our_ack(1));
  EXPECT_EQ(tcb->state(), State::CloseWait);
}

TEST_F(DelayedAck, DataWithFinIsAckedAtOnce) {
  open_past_quickack();
  rx(seg(kAck | kFin | kPsh).with_seq(R).with_ack(L).data("bye"));
  expect_tx(our_ack(4));
}

}  // namespace
}  // namespace percore::tcp::testing
