// RACK loss detection for retransmissions (RFC 8985 6): in SACK recovery, a
// retransmission still missing when a segment sent after it has been
// delivered, RACK.rtt + RACK.reo_wnd after it left, is deemed lost and sent
// again, rather than waiting for the RTO (RFC 6675 alone never chooses a
// retransmitted hole twice). Only segments sent after the retransmission
// count, and a retransmission that was delivered is never sent again.
#include <algorithm>

#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class RackTest : public InFlightTest {
 protected:
  // SRTT and RACK.min_RTT 20 ms from the handshake, so RACK.reo_wnd is
  // min_RTT / 4 = 5 ms; ten segments in flight and ten more queued; the
  // initial window gives ssthresh 7 segments at the first loss.
  Tcb* ten_in_flight() {
    Tcb* tcb = InFlightTest::ten_in_flight(10, 20ms, seg(kSyn).mss(kMss).sack_ok());
    EXPECT_TRUE(tcb != nullptr && tcb->sack());
    return tcb;
  }
  // The segments sent now, as segment indices.
  std::vector<unsigned> sent_indices() {
    std::vector<unsigned> out;
    for (const Sent& s : tx()) out.push_back(static_cast<unsigned>((s.repr.seq - L) / kMss));
    return out;
  }
  // Segment 0 was lost, 1..6 SACKed 20 ms after they left: segment 0 is
  // retransmitted, and with it (pipe 4 < cwnd 7) new segments 10..12, all
  // at t = 20 ms.
  Tcb* head_retransmitted() {
    Tcb* tcb = ten_in_flight();
    if (tcb == nullptr) return nullptr;
    advance(20ms);
    sack_ack(L, {{1, 7}});
    EXPECT_EQ(sent_indices(), (std::vector<unsigned>{0, 10, 11, 12}));
    EXPECT_TRUE(tcb->in_recovery());
    return tcb;
  }
};

TEST_F(RackTest, LostRetransmissionIsSentAgainAfterRackRttAndReorderWindow) {
  Tcb* tcb = head_retransmitted();
  ASSERT_NE(tcb, nullptr);
  // t = 40 ms: everything but segment 0 is SACKed, including 10..12, sent
  // with the retransmission (and after it, by sequence): RACK.rtt = 20 ms,
  // so the retransmission is lost if still missing at 20 + 20 + 5 ms.
  advance(20ms);
  sack_ack(L, {{1, 13}});
  auto sent = sent_indices();
  EXPECT_TRUE(std::find(sent.begin(), sent.end(), 0u) == sent.end())
      << "not yet: RACK.reo_wnd has not passed";
  EXPECT_FALSE(sent.empty()) << "the pipe admits new data";
  quiet_for(4ms, "within the reordering window");
  advance(1ms);
  expect_tx(segment(0), "RACK's reordering timer: the retransmission was lost");
  EXPECT_EQ(tcb->counters().lost_retransmits, 1u);
  EXPECT_EQ(tcb->counters().rto_expirations, 0u);
  EXPECT_TRUE(tcb->in_recovery());
  // Its ACK ends the recovery as usual.
  advance(20ms);
  sack_ack(at(13), {});
  EXPECT_EQ(tcb->counters().rto_expirations, 0u);
}

TEST_F(RackTest, LostRetransmissionFoundOnAnAckIsSentAtOnce) {
  // The SACK of data sent well after the retransmission comes when the
  // retransmission is already overdue: no timer, it goes with this ACK.
  Tcb* tcb = head_retransmitted();
  ASSERT_NE(tcb, nullptr);
  advance(20ms);  // t = 40: 7..9 SACKed; new data goes out
  sack_ack(L, {{1, 10}});
  auto sent = sent_indices();
  ASSERT_FALSE(sent.empty());
  const unsigned last_new = sent.back();
  EXPECT_GT(last_new, 12u);
  // t = 60: what left at t = 40 is SACKed, RACK.rtt = 20 ms, and the
  // retransmission of t = 20 was due by 20 + 20 + 5 ms.
  advance(20ms);
  sack_ack(L, {{1, last_new + 1}});
  sent = sent_indices();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.front(), 0u) << "lost retransmissions go before new data";
  EXPECT_EQ(tcb->counters().lost_retransmits, 1u);
}

TEST_F(RackTest, OnlySegmentsSentAfterTheRetransmissionCount) {
  // SACKs of segments that left before the retransmission (7..9, at t = 0)
  // say nothing about it: it waits for the RTO, 200 ms after t = 0.
  Tcb* tcb = head_retransmitted();
  ASSERT_NE(tcb, nullptr);
  advance(20ms);
  sack_ack(L, {{1, 10}});
  for (unsigned i : sent_indices()) EXPECT_NE(i, 0u);
  quiet_for(159ms, "no RACK loss: nothing sent after the retransmission was delivered");
  EXPECT_EQ(tcb->counters().lost_retransmits, 0u);
  advance(1ms);
  auto sent = sent_indices();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.front(), 0u) << "the RTO";
  EXPECT_EQ(tcb->counters().rto_expirations, 1u);
}

TEST_F(RackTest, DeliveredRetransmissionIsNotSentAgain) {
  Tcb* tcb = head_retransmitted();
  ASSERT_NE(tcb, nullptr);
  advance(20ms);
  sack_ack(at(13), {});  // the retransmission arrived: all up to 13 is in
  for (int i = 0; i < 10; ++i) {
    for (unsigned s : sent_indices()) EXPECT_GE(s, 13u) << "nothing old resent";
    advance(1ms);
  }
  EXPECT_EQ(tcb->counters().lost_retransmits, 0u);
  EXPECT_EQ(tcb->counters().retransmits, 1u);
  EXPECT_FALSE(tcb->in_recovery());
}

TEST_F(RackTest, ARetransmissionLostTwiceIsSentAThirdTime) {
  Tcb* tcb = head_retransmitted();
  ASSERT_NE(tcb, nullptr);
  advance(20ms);
  sack_ack(L, {{1, 13}});
  tx();
  advance(5ms);  // t = 45: lost (see above), sent again
  expect_tx(segment(0));
  // t = 70: more new data is SACKed, all of it sent at t = 40, before the
  // second retransmission: nothing is known of it yet.
  advance(25ms);
  sack_ack(L, {{1, 19}});
  auto sent = sent_indices();
  for (unsigned s : sent) EXPECT_NE(s, 0u);
  ASSERT_FALSE(sent.empty()) << "the pipe admits new data";
  const unsigned last_new = sent.back();
  // t = 100: what left at t = 70 is SACKed; segment 0 is still missing.
  advance(30ms);
  sack_ack(L, {{1, last_new + 1}});
  sent = sent_indices();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.front(), 0u) << "the third transmission";
  EXPECT_EQ(tcb->counters().lost_retransmits, 2u);
  EXPECT_EQ(tcb->counters().rto_expirations, 0u);
}

TEST_F(RackTest, NoRackWithoutSack) {
  // Without SACK the sender cannot tell what after the retransmission was
  // delivered: NewReno's partial ACKs and the RTO repair it (RFC 6582).
  Tcb* tcb = InFlightTest::ten_in_flight(10, 20ms);
  ASSERT_NE(tcb, nullptr);
  ASSERT_FALSE(tcb->sack());
  advance(20ms);
  std::vector<unsigned> sent;
  for (int i = 0; i < 3; ++i) {
    peer_ack(L);
    for (unsigned s : sent_indices()) sent.push_back(s);
  }
  EXPECT_TRUE(std::find(sent.begin(), sent.end(), 0u) != sent.end()) << "fast retransmit";
  advance(30ms);
  for (int i = 0; i < 3; ++i) {
    peer_ack(L);
    for (unsigned s : sent_indices()) EXPECT_NE(s, 0u);
  }
  EXPECT_EQ(tcb->counters().lost_retransmits, 0u);
}

}  // namespace
}  // namespace percore::tcp::testing
