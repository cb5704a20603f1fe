// RFC 7323 timestamps: TSval on every segment from a 1 ms clock, TSecr
// echoing TS.Recent (updated only as section 4.3 says), PAWS (section 5)
// dropping old duplicates, and RTT measurement from TSecr (section 4).
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class Timestamps : public ScriptedTest {
 protected:
  // The peer's clock starts at 100; its SYN and handshake ACK carry TSval
  // 100, so TS.Recent = 100. With timestamps the MSS is 1460 - 12.
  Tcb* open_ts(Duration rtt = 0ms) {
    Tcb* tcb = open(rtt, seg(kSyn).mss(kMss).ts(100, 0));
    EXPECT_TRUE(tcb != nullptr && tcb->timestamps());
    return tcb;
  }
  // Our timestamp clock: milliseconds (RFC 7323 5.4).
  std::uint32_t our_ts() const {
    return static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count());
  }
  // Peer data [R + off, R + off + len) stamped `tsval`, acknowledging L + acked.
  void peer_data(std::uint32_t off, std::string data, std::uint32_t tsval,
                 std::uint32_t acked = 0, std::uint32_t tsecr = 1) {
    rx(seg(kAck).with_seq(R + off).with_ack(L + acked).ts(tsval, tsecr).data(std::move(data)));
  }
  // Our ACK of everything up to R + acked, echoing `ecr`.
  Seg our_ack(std::uint32_t acked, std::uint32_t ecr) {
    return seg(kAck).with_seq(L).with_ack(R + acked).ts(our_ts(), ecr);
  }
};

TEST_F(Timestamps, EverySegmentCarriesTsvalAndTsecr) {
  Tcb* tcb = open_ts();
  EXPECT_EQ(tcb->mss(), kMss - 12);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).ts(our_ts(), 100).data("abc"));
  peer_data(0, "xyz", 101, 3, our_ts());
  expect_tx(seg(kAck).with_seq(L + 3).with_ack(R + 3).ts(our_ts(), 101));
}

TEST_F(Timestamps, TsvalFollowsAMillisecondClock) {
  Tcb* tcb = open_ts();
  const std::uint32_t t0 = our_ts();
  advance(250ms);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).ts(t0 + 250, 100).data("abc"));
}

TEST_F(Timestamps, RetransmissionCarriesAFreshTsval) {
  Tcb* tcb = open_ts();
  const std::uint32_t t0 = our_ts();
  app_send(tcb, "abc");
  tx();
  advance(200ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).ts(t0 + 200, 100).data("abc"));
}

TEST_F(Timestamps, TsecrEchoesTheLatestInOrderSegment) {
  open_ts();
  peer_data(0, "a", 200);
  expect_tx(our_ack(1, 200));
  peer_data(1, "b", 250);
  expect_tx(our_ack(2, 250));
}

TEST_F(Timestamps, OutOfOrderSegmentDoesNotUpdateTsRecent) {
  // RFC 7323 4.3: TS.Recent <- SEG.TSval only if SEG.SEQ <= Last.ACK.sent;
  // the duplicate ACK for a segment beyond a hole echoes the last in-order one.
  open_ts();
  peer_data(0, "a", 200);
  expect_tx(our_ack(1, 200));
  peer_data(2, "c", 300);
  expect_tx(our_ack(1, 200), "the segment after the hole is not echoed");
  // The segment that fills the hole is (RFC 7323 4.3 case (C)).
  peer_data(1, "b", 250);
  expect_tx(our_ack(3, 250));
}

TEST_F(Timestamps, OlderTsvalInOrderDoesNotMoveTsRecentBack) {
  // RFC 7323 4.3 (1): only SEG.TSval >= TS.Recent is copied.
  Tcb* tcb = open_ts();
  peer_data(0, "a", 200);
  tx();
  EXPECT_EQ(tcb->counters().paws_drops, 0u);
  // A reordered pure ACK with an old stamp; PAWS drops it (and ACKs).
  rx(seg(kAck).with_seq(R + 1).with_ack(L).ts(199, 1));
  expect_tx(our_ack(1, 200));
  EXPECT_EQ(tcb->counters().paws_drops, 1u);
}

TEST_F(Timestamps, PawsDropsAnOldDuplicateAndAcks) {
  // RFC 7323 5.3 R1: SEG.TSval < TS.Recent: not acceptable; send an ACK
  // and drop the segment, even though its sequence number is in the window.
  Tcb* tcb = open_ts();
  peer_data(0, "a", 200);
  tx();
  peer_data(1, "old", 150);
  expect_tx(our_ack(1, 200), "PAWS: ACK, nothing taken");
  EXPECT_EQ(tcb->counters().paws_drops, 1u);
  EXPECT_EQ(tcb->readable(), 1u);
  EXPECT_EQ(tcb->rcv_nxt(), R + 1);
  peer_data(1, "new", 201);
  expect_tx(our_ack(4, 201));
  EXPECT_EQ(app_recv(tcb), "anew");
}

TEST_F(Timestamps, PawsComparesModulo32Bits) {
  // RFC 7323 5.2: timestamps are compared as 32-bit serial numbers, so a
  // clock that wrapped is still newer.
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).ts(0xFFFFFF00u, 0));
  ASSERT_TRUE(tcb->timestamps());
  peer_data(0, "a", 0x10);
  expect_tx(our_ack(1, 0x10));
  EXPECT_EQ(tcb->counters().paws_drops, 0u);
  peer_data(1, "b", 0xFFFFFFF0u);
  expect_tx(our_ack(1, 0x10), "older than 0x10 across the wrap");
  EXPECT_EQ(tcb->counters().paws_drops, 1u);
}

TEST_F(Timestamps, PawsDoesNotApplyToRst) {
  // RFC 7323 5.2: a RST is acceptable whatever its timestamp.
  Tcb* tcb = open_ts();
  peer_data(0, "a", 200);
  tx();
  rx(seg(kRst).with_seq(R + 1).ts(5, 0));
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionReset);
  EXPECT_EQ(tcb->counters().paws_drops, 0u);
}

TEST_F(Timestamps, PawsForgetsATsRecentIdleFor24Days) {
  // RFC 7323 5.5: after 24 days idle TS.Recent may have wrapped; the old
  // stamp no longer rejects segments.
  Tcb* tcb = open_ts();
  peer_data(0, "a", 200);
  tx();
  advance(std::chrono::hours(24 * 24 + 1));
  peer_data(1, "b", 150);
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.ack, R + 2) << "accepted";
  EXPECT_EQ(tcb->counters().paws_drops, 0u);
}

TEST_F(Timestamps, RttIsMeasuredFromTsecr) {
  // RFC 7323 4.1: RTT = now - TSecr. The handshake gave 100 ms; a sample of
  // 120 ms: RTTVAR = 3/4 * 50 + 1/4 * 20 = 42.5 ms, SRTT = 7/8 * 100 + 120/8.
  Tcb* tcb = open_ts(100ms);
  EXPECT_EQ(tcb->rtt().srtt(), 100ms);
  const std::uint32_t sent_at = our_ts();
  app_send(tcb, "abc");
  tx();
  advance(120ms);
  rx(seg(kAck).with_seq(R).with_ack(L + 3).ts(101, sent_at));
  EXPECT_EQ(tcb->rtt().srtt(), 102500us);
  EXPECT_EQ(tcb->rtt().rttvar(), 42500us);
}

TEST_F(Timestamps, RetransmittedSegmentIsTimedByItsEcho) {
  // With timestamps the echo says which transmission is acknowledged, so
  // Karn's rule is not needed: the ACK of the retransmission sent at 300 ms
  // echoes that TSval and gives a 50 ms sample.
  Tcb* tcb = open_ts(100ms);
  app_send(tcb, "abc");
  tx();
  advance(300ms);
  auto resent = tx();
  ASSERT_EQ(resent.size(), 1u);
  ASSERT_TRUE(resent[0].repr.options.timestamps);
  advance(50ms);
  rx(seg(kAck).with_seq(R).with_ack(L + 3).ts(101, resent[0].repr.options.timestamps->val));
  // SRTT = 7/8 * 100 + 1/8 * 50.
  EXPECT_EQ(tcb->rtt().srtt(), 93750us);
}

TEST_F(Timestamps, LateAckOfTheOriginalAfterATimeoutGivesNoSample) {
  // The first transmission was only delayed: its ACK arrives after the RTO
  // resent the data, echoing the first TSval. RFC 7323 4.1 with Karn's rule
  // (Linux's tcp_clean_rtt_queue()): TSecr predates the retransmission, so
  // the 350 ms it spans, timeout included, is no sample.
  Tcb* tcb = open_ts(100ms);
  const std::uint32_t first_sent = our_ts();
  app_send(tcb, pattern(2 * (kMss - 12)));
  ASSERT_EQ(tx().size(), 2u);
  advance(300ms);
  auto resent = tx();
  ASSERT_EQ(resent.size(), 1u) << "the RTO resends the first segment";
  advance(50ms);
  rx(seg(kAck).with_seq(R).with_ack(L + (kMss - 12)).ts(101, first_sent));
  EXPECT_EQ(tcb->rtt().srtt(), 100ms) << "no sample from the stale echo";
  EXPECT_EQ(tcb->rtt().rttvar(), 50ms);
  // The next ACK echoes the retransmission: a real 60 ms round trip.
  advance(10ms);
  rx(seg(kAck).with_seq(R).with_ack(L + 2 * (kMss - 12)).ts(102, resent[0].repr.options.timestamps->val));
  EXPECT_EQ(tcb->rtt().srtt(), 95ms) << "SRTT = 7/8 * 100 + 1/8 * 60";
}

TEST_F(Timestamps, EachTimeoutIsJudgedByItsOwnRetransmission) {
  // A later timeout starts a new episode: an echo that predates its
  // retransmission is stale even though it follows the first episode's.
  Tcb* tcb = open_ts(100ms);
  app_send(tcb, "abc");
  tx();
  advance(300ms);
  auto resent = tx();
  ASSERT_EQ(resent.size(), 1u);
  advance(100ms);
  rx(seg(kAck).with_seq(R).with_ack(L + 3).ts(101, resent[0].repr.options.timestamps->val));
  EXPECT_EQ(tcb->rtt().srtt(), 100ms) << "the retransmission's own 100 ms round trip";
  const std::uint32_t second_sent = our_ts();
  app_send(tcb, "def");
  ASSERT_EQ(tx().size(), 1u);
  advance(300ms);
  ASSERT_EQ(tx().size(), 1u) << "the second timeout";
  advance(50ms);
  rx(seg(kAck).with_seq(R).with_ack(L + 6).ts(102, second_sent));
  EXPECT_EQ(tcb->rtt().srtt(), 100ms) << "stale: sent before the second retransmission";
}

TEST_F(Timestamps, DuplicateAckGivesNoSample) {
  // RFC 7323 4.2: only an ACK that advances the left edge is timed.
  Tcb* tcb = open_ts(100ms);
  const std::uint32_t sent_at = our_ts();
  app_send(tcb, pattern(2 * (kMss - 12)));
  tx();
  advance(1s);
  tx();
  rx(seg(kAck).with_seq(R).with_ack(L).ts(101, sent_at));
  EXPECT_EQ(tcb->rtt().srtt(), 100ms);
}

TEST_F(Timestamps, ProbesCarryTimestampsToo) {
  // RFC 7323 3.2: TSopt in every non-RST segment, window probes included.
  Tcb* tcb = open_ts();
  peer_data(0, "a", 200, 0);
  tx();
  rx(seg(kAck).with_seq(R + 1).with_ack(L).wnd(0).ts(201, 1));
  tx();
  app_send(tcb, "abc");
  advance(200ms);
  expect_tx(seg(kAck).with_seq(L - 1).with_ack(R + 1).ts(our_ts(), 201), "zero-window probe");
}

TEST_F(Timestamps, NoOptionWhenThePeerDidNotOfferIt) {
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss));
  EXPECT_FALSE(tcb->timestamps());
  EXPECT_EQ(tcb->mss(), kMss);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).opts({}).data("abc"));
}

TEST_F(Timestamps, NoTimestampsWhenConfiguredOff) {
  config_.timestamps = false;
  rebuild();
  listen();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).mss(kMss).ts(100, 0));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  EXPECT_FALSE(synack[0].repr.options.timestamps);
}

}  // namespace
}  // namespace percore::tcp::testing
