// Selective acknowledgment. As a receiver (RFC 2018 4): the blocks we send
// for out-of-order data, most recent first, merged, as many as fit. As a
// sender (RFC 6675): SACK blocks drive which holes are retransmitted and the
// pipe bounds what is in flight; D-SACK (RFC 2883) and invalid blocks are
// ignored, as Linux's tcp_is_sackblock_valid() does.
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class SackReceiver : public ScriptedTest {
 protected:
  Tcb* open_sack() { return open(0ms, seg(kSyn).mss(kMss).sack_ok()); }
  // Peer data [R + from, R + from + len).
  void data_at(std::uint32_t from, std::uint32_t len) {
    rx(seg(kAck).with_seq(R + from).with_ack(L).data(std::string(len, 'x')));
  }
  // The ACK we must send: ack = R + acked, these blocks (offsets from R).
  Seg ack_with(std::uint32_t acked,
               std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> blocks) {
    Seg s = seg(kAck).with_seq(L).with_ack(R + acked).opts({});
    for (auto [l, r] : blocks) s.sack(R + l, R + r);
    return s;
  }
};

TEST_F(SackReceiver, OutOfOrderSegmentIsAckedAtOnceWithABlock) {
  open_sack();
  data_at(100, 100);
  expect_tx(ack_with(0, {{100, 200}}));
}

TEST_F(SackReceiver, MostRecentBlockFirst) {
  // RFC 2018 4: the first block reports the most recently received segment.
  open_sack();
  data_at(100, 100);
  tx();
  data_at(300, 100);
  expect_tx(ack_with(0, {{300, 400}, {100, 200}}));
  data_at(500, 100);
  expect_tx(ack_with(0, {{500, 600}, {300, 400}, {100, 200}}));
}

TEST_F(SackReceiver, EachOutOfOrderSegmentOfABurstReportsItself) {
  // RFC 5681 4.2: an immediate duplicate ACK per out-of-order segment; RFC
  // 2018 4: each one's first block reports the segment that triggered it,
  // so a burst handled in one poll still tells the sender of every segment.
  open_sack();
  auto data = [&](std::uint32_t from) {
    return seg(kAck).with_seq(R + from).with_ack(L).data(std::string(100, 'x'));
  };
  rx_burst({data(100), data(300), data(500)});
  expect_txs({ack_with(0, {{100, 200}}), ack_with(0, {{300, 400}, {100, 200}}),
              ack_with(0, {{500, 600}, {300, 400}, {100, 200}})});
}

TEST_F(SackReceiver, OlderBlockThatGrowsMovesToTheFront) {
  open_sack();
  data_at(100, 100);
  data_at(300, 100);
  tx();
  data_at(200, 50);
  expect_tx(ack_with(0, {{100, 250}, {300, 400}}));
}

TEST_F(SackReceiver, AdjacentRangesAreMergedIntoOneBlock) {
  open_sack();
  data_at(100, 100);
  data_at(300, 100);
  tx();
  data_at(200, 100);
  expect_tx(ack_with(0, {{100, 400}}));
}

TEST_F(SackReceiver, AtMostFourBlocksWithoutTimestamps) {
  // 40 option bytes: 2 NOPs + 2 + 4 * 8 = 36.
  open_sack();
  for (std::uint32_t i = 1; i <= 5; ++i) data_at(200 * i, 100);
  tx();
  data_at(1200, 100);
  expect_tx(ack_with(0, {{1200, 1300}, {1000, 1100}, {800, 900}, {600, 700}}));
}

TEST_F(SackReceiver, AtMostThreeBlocksWithTimestamps) {
  // RFC 2018 3: with timestamps (12 bytes) only three blocks fit.
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).sack_ok().ts(500, 0));
  ASSERT_TRUE(tcb->timestamps());
  for (std::uint32_t i = 1; i <= 4; ++i)
    rx(seg(kAck).with_seq(R + 200 * i).with_ack(L).ts(501, 0).data(std::string(100, 'x')));
  auto sent = tx();
  ASSERT_EQ(sent.size(), 4u);
  const wire::TcpOptions& o = sent.back().repr.options;
  ASSERT_TRUE(o.timestamps);
  ASSERT_EQ(o.sack_count, 3);
  EXPECT_EQ(o.sack[0], (wire::SackBlock{R + 800, R + 900}));
  EXPECT_EQ(o.sack[1], (wire::SackBlock{R + 600, R + 700}));
  EXPECT_EQ(o.sack[2], (wire::SackBlock{R + 400, R + 500}));
}

TEST_F(SackReceiver, FillingTheFirstHoleReportsTheRest) {
  open_sack();
  data_at(100, 100);
  data_at(300, 100);
  tx();
  data_at(0, 100);
  expect_tx(ack_with(200, {{300, 400}}), "RCV.NXT jumps over the first block");
}

TEST_F(SackReceiver, FillingEveryHoleEndsTheBlocks) {
  Tcb* tcb = open_sack();
  data_at(100, 100);
  tx();
  data_at(0, 100);
  expect_tx(ack_with(200, {}), "no SACK option once nothing is out of order");
  EXPECT_EQ(app_recv(tcb).size(), 200u);
}

TEST_F(SackReceiver, NoBlocksWhenTheSenderDidNotOfferSack) {
  open(0ms);
  data_at(100, 100);
  expect_tx(seg(kAck).with_seq(L).with_ack(R).opts({}));
}

TEST_F(SackReceiver, DuplicateOfHeldDataIsAckedWithItsBlock) {
  open_sack();
  data_at(100, 100);
  tx();
  data_at(100, 100);
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.ack, R);
  ASSERT_GE(sent[0].repr.options.sack_count, 1);
  // RFC 2883 would put a D-SACK first; either way [100, 200) is reported.
  const auto& o = sent[0].repr.options;
  EXPECT_EQ(o.sack[o.sack_count - 1], (wire::SackBlock{R + 100, R + 200}));
}

class SackSender : public InFlightTest {
 protected:
  Tcb* ten_in_flight(unsigned queued = 0) {
    Tcb* tcb = InFlightTest::ten_in_flight(queued, 0ms, seg(kSyn).mss(kMss).sack_ok());
    EXPECT_TRUE(tcb != nullptr && tcb->sack());
    return tcb;
  }
};

TEST_F(SackSender, LossOfTheFirstSegmentIsRepairedAlone) {
  Tcb* tcb = ten_in_flight();
  sack_ack(L, {{1, 2}});
  sack_ack(L, {{1, 3}});
  expect_no_tx("two segments SACKed above the hole: not yet lost");
  sack_ack(L, {{1, 4}});
  expect_tx(segment(0), "third duplicate: retransmit the hole");
  EXPECT_TRUE(tcb->in_recovery());
  EXPECT_EQ(tcb->counters().fast_retransmits, 1u);
  EXPECT_EQ(tcb->congestion().ssthresh(), 7 * kMss);
}

TEST_F(SackSender, IsLostStartsRecoveryBeforeThreeDuplicates) {
  // RFC 6675 5: recovery starts on the DupThresh-th duplicate or as soon
  // as IsLost(HighACK + 1): more than 2 MSS SACKed above it.
  Tcb* tcb = ten_in_flight();
  sack_ack(L, {{1, 4}});
  expect_tx(segment(0));
  EXPECT_TRUE(tcb->in_recovery());
}

TEST_F(SackSender, OnlyTheHolesAreRetransmitted) {
  // Segments 0 and 2 were lost; 1 and 3.. arrived.
  Tcb* tcb = ten_in_flight(5);
  sack_ack(L, {{1, 2}});
  expect_tx(segment(10), "RFC 3042 (RFC 6675 5): the first duplicate sends one new segment");
  sack_ack(L, {{3, 5}, {1, 2}});
  expect_tx(segment(0), "3 segments SACKed above segment 0: lost");
  // Pipe: 0 (retransmitted) + 2 (not yet lost) + 5..10 = 8 segments > cwnd (7).
  sack_ack(L, {{3, 6}, {1, 2}});
  // Now 2 is lost too (3 segments SACKed above it): NextSeg rule 1 picks it,
  // and the pipe (0, 2, 6..10) is then 7 = cwnd.
  expect_txs({segment(2)});
  for (unsigned i = 6; i < 10; ++i) {
    sack_ack(L, {{3, i + 1}, {1, 2}});
    expect_tx(segment(i + 5), "each SACKed segment makes room for one more");
  }
  EXPECT_EQ(tcb->counters().retransmits, 2u) << "SACKed segments were never resent";
}

TEST_F(SackSender, PipeLimitsNewDataDuringRecovery) {
  // RFC 6675 5 (C): transmit only while pipe < cwnd.
  Tcb* tcb = ten_in_flight(10);
  sack_ack(L, {{1, 4}});
  expect_tx(segment(0));
  // cwnd = 7: pipe = 1 (retransmission) + 6 (segments 4..9) = 7.
  EXPECT_EQ(tcb->congestion().cwnd(), 7 * kMss);
  sack_ack(L, {{1, 4}});
  expect_no_tx("a duplicate with no new SACK information frees nothing");
  sack_ack(L, {{1, 5}});
  expect_tx(segment(10));
  sack_ack(L, {{1, 7}});
  expect_txs({segment(11), segment(12)});
}

TEST_F(SackSender, PartialAckMovesOnToTheNextLostHole) {
  // Segments 0 and 5 lost. New data keeps NextSeg from rule (3), so 5 waits
  // until IsLost() says so; the ACK for the repaired 0 is a partial one.
  Tcb* tcb = ten_in_flight(10);
  sack_ack(L, {{1, 4}});
  expect_tx(segment(0));
  sack_ack(L, {{1, 5}});
  expect_tx(segment(10));
  sack_ack(L, {{6, 7}, {1, 5}});
  expect_tx(segment(11), "5 is not lost yet: one segment SACKed above it");
  sack_ack(L, {{6, 8}, {1, 5}});
  expect_tx(segment(12), "two segments above it: still not lost");
  sack_ack(at(5), {{6, 9}});
  // Three SACKed above 5: rule (1). Pipe is then 5 (retransmitted), 9..12 =
  // 5 segments under a cwnd of 7.
  expect_txs({segment(5), segment(13), segment(14)});
  EXPECT_TRUE(tcb->in_recovery());
  sack_ack(at(9), {{11, 12}});
  EXPECT_TRUE(tcb->in_recovery());
  // RFC 6675 5 (A): RecoveryPoint is HighData at entry, the last octet of
  // segment 9; a cumulative ACK beyond it ends recovery.
  sack_ack(at(10), {{11, 12}});
  EXPECT_FALSE(tcb->in_recovery());
  EXPECT_EQ(tcb->counters().retransmits, 2u);
}

TEST_F(SackSender, RuleThreeResendsUnsackedDataWhenNothingElseIsLeft) {
  // RFC 6675 4 NextSeg (3): with no lost data and no new data, an unSACKed
  // segment below HighSACK may go, to keep the ACK clock running.
  ten_in_flight();
  sack_ack(L, {{1, 4}});
  expect_tx(segment(0));
  sack_ack(L, {{1, 5}});
  expect_no_tx("nothing lost, nothing new, nothing unSACKed below HighSACK");
  sack_ack(L, {{6, 7}, {1, 5}});
  expect_tx(segment(5));
}

TEST_F(SackSender, FullAckEndsRecoveryWithCwndAtSsthresh) {
  Tcb* tcb = ten_in_flight();
  sack_ack(L, {{1, 4}});
  tx();
  sack_ack(at(10), {});
  EXPECT_FALSE(tcb->in_recovery());
  EXPECT_EQ(tcb->congestion().cwnd(), tcb->congestion().ssthresh());
  EXPECT_EQ(tcb->counters().fast_retransmits, 1u);
}

TEST_F(SackSender, DsackBlocksAreNotDuplicates) {
  // RFC 2883: a block below the cumulative ACK reports a duplicate
  // arrival. RFC 6675 2: only new SACK information makes a duplicate ACK.
  Tcb* tcb = ten_in_flight();
  peer_ack(at(2));
  tx();
  for (int i = 0; i < 3; ++i) sack_ack(at(2), {{0, 1}});
  expect_no_tx();
  EXPECT_FALSE(tcb->in_recovery());
  EXPECT_EQ(tcb->counters().fast_retransmits, 0u);
}

TEST_F(SackSender, BlocksBeyondWhatWasSentAreIgnored) {
  // A block reaching past SND.MAX is invalid: it cannot mark 2 MSS SACKed
  // and start recovery on the first duplicate.
  Tcb* tcb = ten_in_flight();
  sack_ack(L, {{1, 30}});
  expect_no_tx();
  EXPECT_FALSE(tcb->in_recovery());
}

TEST_F(SackSender, ReversedBlocksAreIgnored) {
  Tcb* tcb = ten_in_flight();
  rx(seg(kAck).with_seq(R).with_ack(L).sack(at(9), at(1)));
  expect_no_tx();
  EXPECT_FALSE(tcb->in_recovery());
}

TEST_F(SackSender, SackBlocksAreIgnoredWhenNotNegotiated) {
  // Without SACK-permitted the sender falls back to three duplicates.
  Tcb* tcb = open(0ms);
  const std::string data = pattern(10 * kMss);
  app_send(tcb, data);
  tx();
  rx(seg(kAck).with_seq(R).with_ack(L).sack(L + kMss, L + 4 * kMss));
  expect_no_tx("one duplicate, whatever its blocks");
  EXPECT_FALSE(tcb->in_recovery());
}

TEST_F(SackSender, TimeoutForgetsTheScoreboard) {
  // RFC 6675 5.1 / RFC 2018 8: after an RTO the receiver may have reneged;
  // prior SACK information must not decide what to retransmit.
  Tcb* tcb = ten_in_flight();
  sack_ack(L, {{1, 2}});
  advance(10ms);
  expect_tx(segment(9), "RFC 8985 7.3: first the tail loss probe (PTO 10 ms, the floor)");
  advance(200ms);
  expect_tx(segment(0), "RTO");
  EXPECT_FALSE(tcb->in_recovery());
  sack_ack(at(1), {});
  expect_txs({segment(1), segment(2)},
             "slow start resends segment 1 although it was SACKed before the timeout");
}

}  // namespace
}  // namespace percore::tcp::testing
