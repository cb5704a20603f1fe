#include "stack/tcp/scoreboard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

namespace percore::tcp {

void PrintTo(const SeqRange& r, std::ostream* os) {
  *os << "[" << r.left << ", " << r.right << ")";
}

void PrintTo(const NextSegment& s, std::ostream* os) {
  static constexpr const char* kKinds[] = {"Lost", "NewData", "Unsacked", "Rescue"};
  *os << kKinds[static_cast<int>(s.kind)] << " [" << s.from << ", +" << s.len << ")";
}

namespace {

using wire::SackBlock;
using wire::Seq;
using Kind = NextSegment::Kind;

constexpr std::uint32_t kMss = 1000;
// SND.UNA at the start of most tests; S(n) is the octet n past it.
constexpr Seq kIss{1'000'000};

Seq S(std::uint32_t offset) { return kIss + offset; }
SackBlock B(std::uint32_t left, std::uint32_t right) { return {S(left), S(right)}; }
SeqRange R(std::uint32_t left, std::uint32_t right) { return {S(left), S(right)}; }

// An ACK of snd_una carrying `blocks`, with [S(0), S(snd_max)) sent.
std::uint32_t ack(Scoreboard& sb, std::uint32_t snd_una, std::uint32_t snd_max,
                  std::vector<SackBlock> blocks) {
  return sb.update(S(snd_una), S(snd_max), blocks);
}

std::vector<SeqRange> ranges_of(const Scoreboard& sb) {
  return {sb.sacked_ranges().begin(), sb.sacked_ranges().end()};
}

// RFC 2018 / RFC 6675 Update(): blocks become sorted, disjoint ranges.

TEST(ScoreboardUpdate, RecordsDisjointBlocksLowestFirst) {
  Scoreboard sb;
  EXPECT_EQ(ack(sb, 0, 10000, {B(5000, 6000), B(1000, 2000), B(3000, 4000)}), 3000u);
  EXPECT_EQ(ranges_of(sb), (std::vector{R(1000, 2000), R(3000, 4000), R(5000, 6000)}));
  EXPECT_EQ(sb.ranges(), 3u);
  EXPECT_EQ(sb.sacked_bytes(), 3000u);
  EXPECT_EQ(sb.high_sacked(), S(6000));
}

TEST(ScoreboardUpdate, MergesOverlappingBlocks) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 3000)});
  EXPECT_EQ(ack(sb, 0, 10000, {B(2000, 4000)}), 1000u);
  EXPECT_EQ(ranges_of(sb), std::vector{R(1000, 4000)});
  EXPECT_EQ(sb.sacked_bytes(), 3000u);
}

TEST(ScoreboardUpdate, MergesAdjacentBlocks) {
  Scoreboard sb;
  EXPECT_EQ(ack(sb, 0, 10000, {B(2000, 3000), B(1000, 2000)}), 2000u);
  EXPECT_EQ(ranges_of(sb), std::vector{R(1000, 3000)});
  EXPECT_EQ(ack(sb, 0, 10000, {B(3000, 3500)}), 500u);
  EXPECT_EQ(ranges_of(sb), std::vector{R(1000, 3500)});
}

TEST(ScoreboardUpdate, BlockSpanningSeveralRangesMergesThemAll) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 2000), B(3000, 4000), B(5000, 6000), B(8000, 9000)});
  EXPECT_EQ(ack(sb, 0, 10000, {B(1500, 5500)}), 2000u);  // the holes 2000-3000, 4000-5000
  EXPECT_EQ(ranges_of(sb), (std::vector{R(1000, 6000), R(8000, 9000)}));
  EXPECT_EQ(sb.sacked_bytes(), 6000u);
}

// RFC 2883: a D-SACK block lies at or below the cumulative ACK; Linux's
// tcp_is_sackblock_valid() takes no block starting at or below SND.UNA.
TEST(ScoreboardUpdate, IgnoresBlocksAtOrBelowSndUna) {
  Scoreboard sb;
  EXPECT_EQ(ack(sb, 2000, 10000, {B(0, 1000)}), 0u);     // D-SACK of acked data
  EXPECT_EQ(ack(sb, 2000, 10000, {B(1000, 3000)}), 0u);  // straddles SND.UNA
  EXPECT_EQ(ack(sb, 2000, 10000, {B(2000, 3000)}), 0u);  // starts at SND.UNA
  EXPECT_EQ(sb.ranges(), 0u);
  // A D-SACK first, then the usual blocks (RFC 2883 4).
  EXPECT_EQ(ack(sb, 2000, 10000, {B(0, 1000), B(4000, 5000)}), 1000u);
  EXPECT_EQ(ranges_of(sb), std::vector{R(4000, 5000)});
}

TEST(ScoreboardUpdate, IgnoresBlocksPastSndMax) {
  Scoreboard sb;
  EXPECT_EQ(ack(sb, 0, 5000, {B(4000, 5001)}), 0u);
  EXPECT_EQ(ack(sb, 0, 5000, {B(6000, 7000)}), 0u);
  EXPECT_EQ(sb.ranges(), 0u);
  EXPECT_EQ(ack(sb, 0, 5000, {B(4000, 5000)}), 1000u);  // up to SND.MAX is fine
  EXPECT_EQ(ranges_of(sb), std::vector{R(4000, 5000)});
}

TEST(ScoreboardUpdate, IgnoresEmptyAndReversedBlocks) {
  Scoreboard sb;
  EXPECT_EQ(ack(sb, 0, 10000, {B(3000, 3000), B(4000, 3000)}), 0u);
  EXPECT_EQ(sb.ranges(), 0u);
  EXPECT_EQ(sb.sacked_bytes(), 0u);
}

// RFC 6675 2: only an ACK SACKing octets not SACKed before is a duplicate ACK.
TEST(ScoreboardUpdate, ReturnsOnlyNewlySackedOctets) {
  Scoreboard sb;
  EXPECT_EQ(ack(sb, 0, 10000, {B(1000, 2000)}), 1000u);
  EXPECT_EQ(ack(sb, 0, 10000, {B(1000, 2000)}), 0u);
  EXPECT_EQ(ack(sb, 0, 10000, {B(3000, 3500), B(1000, 2000)}), 500u);
  EXPECT_EQ(ack(sb, 0, 10000, {B(500, 2500)}), 1000u);  // 500-1000 and 2000-2500
  EXPECT_EQ(ack(sb, 0, 10000, {B(600, 700), B(3100, 3200)}), 0u);
  EXPECT_EQ(sb.sacked_bytes(), 2500u);
}

TEST(ScoreboardUpdate, AdvancingSndUnaTrimsSackedAndRetransmitted) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 2000), B(3000, 4000)});
  sb.mark_retransmitted(S(0), S(1000));
  sb.mark_retransmitted(S(2000), S(3000));
  EXPECT_EQ(sb.high_rxt(), S(3000));

  ack(sb, 1500, 10000, {});
  EXPECT_EQ(ranges_of(sb), (std::vector{R(1500, 2000), R(3000, 4000)}));
  EXPECT_EQ(sb.sacked_bytes(), 1500u);
  EXPECT_FALSE(sb.is_sacked(S(1000)));

  ack(sb, 4000, 10000, {});
  EXPECT_EQ(sb.ranges(), 0u);
  EXPECT_EQ(sb.sacked_bytes(), 0u);
  EXPECT_EQ(sb.high_sacked(), S(4000));
  EXPECT_EQ(sb.high_rxt(), std::nullopt);
  EXPECT_EQ(sb.pipe(S(4000), S(10000), kMss), 6000u);
}

TEST(ScoreboardUpdate, HighSackedIsSndUnaWhenNothingIsSacked) {
  Scoreboard sb;
  ack(sb, 700, 10000, {});
  EXPECT_EQ(sb.high_sacked(), S(700));
  ack(sb, 700, 10000, {B(800, 900)});
  EXPECT_EQ(sb.high_sacked(), S(900));
}

TEST(ScoreboardUpdate, IsSackedCoversExactlyTheBlocks) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 2000)});
  EXPECT_FALSE(sb.is_sacked(S(999)));
  EXPECT_TRUE(sb.is_sacked(S(1000)));
  EXPECT_TRUE(sb.is_sacked(S(1999)));
  EXPECT_FALSE(sb.is_sacked(S(2000)));
}

// Past kMaxRanges disjoint ranges the highest is dropped, the new one too
// when it is the highest.
TEST(ScoreboardUpdate, CapsRangesDroppingTheHighest) {
  Scoreboard sb;
  for (std::uint32_t i = 0; i < Scoreboard::kMaxRanges; ++i) {
    EXPECT_EQ(ack(sb, 0, 100000, {B(200 * i + 100, 200 * i + 200)}), 100u);
  }
  const std::uint32_t top = 200 * Scoreboard::kMaxRanges;
  EXPECT_EQ(sb.ranges(), Scoreboard::kMaxRanges);
  EXPECT_EQ(sb.high_sacked(), S(top));

  EXPECT_EQ(ack(sb, 0, 100000, {B(top + 100, top + 200)}), 0u);
  EXPECT_EQ(sb.ranges(), Scoreboard::kMaxRanges);
  EXPECT_EQ(sb.high_sacked(), S(top));
  EXPECT_FALSE(sb.is_sacked(S(top + 100)));

  EXPECT_EQ(ack(sb, 0, 100000, {B(10, 50)}), 40u);
  EXPECT_EQ(sb.ranges(), Scoreboard::kMaxRanges);
  EXPECT_EQ(sb.high_sacked(), S(top - 200));
  EXPECT_EQ(sb.sacked_bytes(), (Scoreboard::kMaxRanges - 1) * 100 + 40);
  EXPECT_TRUE(sb.is_sacked(S(10)));

  // Merging never needs room: this bridges the two lowest ranges.
  EXPECT_EQ(ack(sb, 0, 100000, {B(50, 100)}), 50u);
  EXPECT_EQ(sb.ranges(), Scoreboard::kMaxRanges - 1);
}

// RFC 6675 4 IsLost().

TEST(ScoreboardIsLost, ThreeDiscontiguousRangesAboveMakeItLost) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 1100), B(2000, 2100)});
  EXPECT_FALSE(sb.is_lost(S(0), kMss));  // two ranges, 200 octets
  ack(sb, 0, 10000, {B(3000, 3100)});
  EXPECT_TRUE(sb.is_lost(S(0), kMss));  // three ranges, though only 300 octets
  EXPECT_TRUE(sb.is_lost(S(999), kMss));
  EXPECT_FALSE(sb.is_lost(S(1100), kMss));  // two above
  EXPECT_FALSE(sb.is_lost(S(3100), kMss));  // none above
}

TEST(ScoreboardIsLost, MoreThanDupThreshMinusOneSegmentsSackedMakeItLost) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 3000)});
  EXPECT_FALSE(sb.is_lost(S(0), kMss));  // exactly (DupThresh - 1) * SMSS
  ack(sb, 0, 10000, {B(3000, 3001)});
  EXPECT_TRUE(sb.is_lost(S(0), kMss));
  EXPECT_FALSE(sb.is_lost(S(0), 1500));  // the threshold scales with SMSS
}

TEST(ScoreboardIsLost, CountsOnlyWhatIsAbove) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 2000), B(2500, 4000), B(6000, 6500)});
  EXPECT_TRUE(sb.is_lost(S(500), kMss));
  EXPECT_FALSE(sb.is_lost(S(2200), kMss));  // 2000 octets in two ranges above
  EXPECT_FALSE(sb.is_lost(S(1500), kMss));  // SACKed: it arrived
}

// RFC 6675 4 SetPipe().

TEST(ScoreboardPipe, WithoutSackIsTheFlightSize) {
  Scoreboard sb;
  ack(sb, 0, 10000, {});
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 10000u);
  EXPECT_EQ(sb.pipe(S(0), S(0), kMss), 0u);
}

TEST(ScoreboardPipe, LeavesOutSackedAndLostOctets) {
  Scoreboard sb;
  // Ten segments out, the first lost, the next three SACKed: 3000 > 2 SMSS.
  ack(sb, 0, 10000, {B(1000, 4000)});
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 6000u);
}

TEST(ScoreboardPipe, CountsHolesNotYetDeemedLost) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 3000)});
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 8000u);  // the hole is not lost yet

  // Holes below 3 ranges are lost; the two above them are still in flight.
  ack(sb, 0, 10000, {B(3500, 4000), B(5000, 6000)});
  // Ranges 1000-3000, 3500-4000, 5000-6000: hole 0-1000 lost; 3000-3500
  // (1500 octets in 2 ranges above) and 4000-5000 in flight, and 6000-10000.
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 500u + 1000u + 4000u);
}

// RFC 6675 4 SetPipe (b): a retransmitted octet is in flight again, and one
// retransmitted before it was deemed lost counts twice.
TEST(ScoreboardPipe, CountsRetransmissionsBackIn) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 4000)});
  sb.mark_retransmitted(S(0), S(1000));
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 7000u);

  sb.mark_retransmitted(S(4000), S(5000));  // not lost: now counted twice
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 8000u);

  sb.mark_retransmitted(S(1000), S(2000));  // SACKed octets are not in flight
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 8000u);
}

// RFC 6675 4 NextSeg().

TEST(ScoreboardNextSeg, Rule1RetransmitsLostDataBeforeNewData) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 4000)});
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, true), (NextSegment{S(0), 1000, Kind::Lost}));
}

TEST(ScoreboardNextSeg, Rule2SendsNewDataWhenNothingIsLost) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 2000)});
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, true), (NextSegment{S(10000), kMss, Kind::NewData}));
}

TEST(ScoreboardNextSeg, Rule3RetransmitsUnsackedDataWhenNoNewData) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 2000)});
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(0), 1000, Kind::Unsacked}));
}

TEST(ScoreboardNextSeg, FailsWithNothingBelowHighSackAndNoNewData) {
  Scoreboard sb;
  ack(sb, 0, 10000, {});
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), std::nullopt);
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, true), (NextSegment{S(10000), kMss, Kind::NewData}));
}

TEST(ScoreboardNextSeg, SegmentStopsAtSmssAndAtSackedData) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(3000, 6000)});
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(0), 1000, Kind::Lost}));

  Scoreboard three;
  ack(three, 0, 10000, {B(700, 2000), B(3000, 4000), B(5000, 6000)});
  EXPECT_EQ(three.next_seg(S(0), S(10000), 1500, false), (NextSegment{S(0), 700, Kind::Lost}));
}

TEST(ScoreboardNextSeg, MarkRetransmittedStopsARangeBeingChosenAgain) {
  Scoreboard sb;
  // Holes 0-1000 (4 ranges above) and 2000-3000 (3) are lost; 4000-5000 (2
  // ranges, 2000 octets) and 6000-7000 (1) are not.
  ack(sb, 0, 10000, {B(1000, 2000), B(3000, 4000), B(5000, 6000), B(7000, 8000)});
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(0), 1000, Kind::Lost}));
  sb.mark_retransmitted(S(0), S(1000));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(2000), 1000, Kind::Lost}));
  sb.mark_retransmitted(S(2000), S(3000));
  EXPECT_EQ(sb.high_rxt(), S(3000));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, true), (NextSegment{S(10000), kMss, Kind::NewData}));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(4000), 1000, Kind::Unsacked}));
  sb.mark_retransmitted(S(4000), S(5000));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(6000), 1000, Kind::Unsacked}));
  sb.mark_retransmitted(S(6000), S(7000));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), std::nullopt);
}

TEST(ScoreboardNextSeg, SegmentStopsAtRetransmittedData) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(3000, 6000)});
  sb.mark_retransmitted(S(0), S(1000));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(1000), 1000, Kind::Lost}));
  sb.mark_retransmitted(S(1500), S(2000));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(1000), 500, Kind::Lost}));
  sb.mark_retransmitted(S(1000), S(1500));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(2000), 1000, Kind::Lost}));
}

TEST(ScoreboardNextSeg, BeginRecoveryAllowsRetransmittingAgain) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 4000)});
  sb.mark_retransmitted(S(0), S(1000));
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), std::nullopt);  // nothing else below HighSACK
  sb.begin_recovery();
  EXPECT_EQ(sb.high_rxt(), std::nullopt);
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), (NextSegment{S(0), 1000, Kind::Lost}));
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 6000u);
}

// RFC 6675 4 NextSeg() rule (4.b): the rescue segment holds the highest
// unSACKed octet.
TEST(ScoreboardNextSeg, RescueSegmentEndsWithTheHighestUnsackedOctet) {
  Scoreboard sb;
  ack(sb, 0, 10000, {});
  EXPECT_EQ(sb.rescue_seg(S(0), S(10000), kMss), (NextSegment{S(9000), 1000, Kind::Rescue}));
  ack(sb, 0, 10000, {B(9500, 10000)});
  EXPECT_EQ(sb.rescue_seg(S(0), S(10000), kMss), (NextSegment{S(8500), 1000, Kind::Rescue}));
  ack(sb, 0, 10000, {B(300, 9500)});
  EXPECT_EQ(sb.rescue_seg(S(0), S(10000), kMss), (NextSegment{S(0), 300, Kind::Rescue}));
  ack(sb, 10000, 10000, {});
  EXPECT_EQ(sb.rescue_seg(S(10000), S(10000), kMss), std::nullopt);
}

// RFC 6675 5.1: after an RTO the scoreboard starts over.
TEST(Scoreboard, ResetForgetsEverything) {
  Scoreboard sb;
  ack(sb, 0, 10000, {B(1000, 4000), B(5000, 6000)});
  sb.mark_retransmitted(S(0), S(1000));
  sb.reset();
  EXPECT_EQ(sb.ranges(), 0u);
  EXPECT_EQ(sb.sacked_bytes(), 0u);
  EXPECT_FALSE(sb.is_sacked(S(1000)));
  EXPECT_FALSE(sb.is_lost(S(0), kMss));
  EXPECT_EQ(sb.high_rxt(), std::nullopt);
  EXPECT_EQ(sb.high_sacked(), S(0));
  EXPECT_EQ(sb.pipe(S(0), S(10000), kMss), 10000u);
  EXPECT_EQ(sb.next_seg(S(0), S(10000), kMss, false), std::nullopt);
}

// RFC 9293 3.4: everything holds where the sequence space wraps past 2^32.
TEST(Scoreboard, WorksAcrossSequenceWraparound) {
  const Seq una{0xffff'f000};  // 4096 octets below the wrap
  auto W = [&](std::uint32_t offset) { return una + offset; };
  Scoreboard sb;
  std::vector<SackBlock> blocks{{W(4000), W(5000)}, {W(5000), W(5500)}, {W(7000), W(7100)}};
  EXPECT_EQ(sb.update(una, W(10000), blocks), 1600u);
  EXPECT_EQ(ranges_of(sb), (std::vector<SeqRange>{{W(4000), W(5500)}, {W(7000), W(7100)}}));
  EXPECT_EQ(W(4000).raw(), 0xffff'ffa0u);
  EXPECT_TRUE(sb.is_sacked(Seq{0}));
  EXPECT_TRUE(sb.is_sacked(Seq{0xffff'ffff}));
  EXPECT_FALSE(sb.is_sacked(W(3999)));
  EXPECT_EQ(sb.high_sacked(), W(7100));

  std::vector<SackBlock> more{{W(8000), W(8200)}};
  sb.update(una, W(10000), more);
  EXPECT_TRUE(sb.is_lost(W(0), kMss));      // three ranges above
  EXPECT_FALSE(sb.is_lost(W(5600), kMss));  // two ranges, 300 octets above
  // Lost 0-4000 out; 5500-7000, 7100-8000, 8200-10000 in flight.
  EXPECT_EQ(sb.pipe(una, W(10000), kMss), 1500u + 900u + 1800u);
  EXPECT_EQ(sb.next_seg(una, W(10000), kMss, false), (NextSegment{una, 1000, Kind::Lost}));
  sb.mark_retransmitted(una, W(4000));
  EXPECT_EQ(sb.high_rxt(), W(4000));
  EXPECT_EQ(sb.next_seg(una, W(10000), kMss, false), (NextSegment{W(5500), 1000, Kind::Unsacked}));

  // SND.UNA crosses zero and trims the range that spans it.
  sb.update(W(4500), W(10000), {});
  EXPECT_EQ(ranges_of(sb).front(), (SeqRange{W(4500), W(5500)}));
  EXPECT_EQ(sb.sacked_bytes(), 1000u + 100u + 200u);
  EXPECT_EQ(sb.high_rxt(), std::nullopt);
}

// A per-octet model over a small window, following the RFC text literally,
// against which random ACKs, transmissions and retransmissions are checked.
class Model {
 public:
  using Bits = std::vector<std::uint8_t>;  // one per octet: faster than vector<bool>

  explicit Model(std::size_t octets) : sacked_(octets), retransmitted_(octets) {}

  std::uint32_t una() const { return una_; }
  std::uint32_t max() const { return max_; }
  bool sacked(std::uint32_t o) const { return o >= una_ && o < max_ && sacked_[o]; }

  void send(std::uint32_t n) { max_ += n; }

  std::uint32_t ack(std::uint32_t una,
                    const std::vector<std::pair<std::uint32_t, std::uint32_t>>& blocks) {
    for (std::uint32_t o = una_; o < una && o < sacked_.size(); ++o) {
      sacked_[o] = false;
      retransmitted_[o] = false;
    }
    una_ = una;
    std::uint32_t gained = 0;
    for (auto [left, right] : blocks) {
      if (left <= una_ || right <= left || right > max_) continue;
      std::uint32_t added = 0;
      for (std::uint32_t o = left; o < right; ++o) {
        added += !sacked_[o];
        sacked_[o] = true;
      }
      if (cap(sacked_, left, right)) added = 0;
      gained += added;
    }
    return gained;
  }

  void retransmit(std::uint32_t from, std::uint32_t to) {
    from = std::max(from, una_);
    if (to <= from) return;
    for (std::uint32_t o = from; o < to; ++o) retransmitted_[o] = true;
    cap(retransmitted_, from, to);
  }

  void forget_retransmissions() { std::fill(retransmitted_.begin(), retransmitted_.end(), false); }
  void reset() {
    std::fill(sacked_.begin(), sacked_.end(), false);
    forget_retransmissions();
  }

  std::uint32_t sacked_bytes() const {
    std::uint32_t n = 0;
    for (std::uint32_t o = una_; o < max_; ++o) n += sacked_[o];
    return n;
  }
  std::size_t runs() const { return runs_of(sacked_).size(); }
  std::uint32_t high_sacked() const {
    for (std::uint32_t o = max_; o > una_; --o) {
      if (sacked_[o - 1]) return o;
    }
    return una_;
  }
  std::optional<std::uint32_t> high_rxt() const {
    for (std::uint32_t o = max_; o > una_; --o) {
      if (retransmitted_[o - 1]) return o;
    }
    return std::nullopt;
  }

  // IsLost() for every octet of the window, straight from its definition.
  Bits lost(std::uint32_t mss) const {
    Bits lost(max_ - una_);
    std::size_t ranges_above = 0;
    std::uint64_t octets_above = 0;
    for (std::uint32_t o = max_; o-- > una_;) {
      lost[o - una_] = !sacked_[o] && (ranges_above >= 3 || octets_above > 2ull * mss);
      if (sacked_[o]) {
        ++octets_above;
        if (o + 1 == max_ || !sacked_[o + 1]) ++ranges_above;
      }
    }
    return lost;
  }

  std::uint32_t pipe(const Bits& is_lost) const {
    std::uint32_t pipe = 0;
    for (std::uint32_t o = una_; o < max_; ++o) {
      if (sacked_[o]) continue;
      pipe += !is_lost[o - una_];
      pipe += retransmitted_[o];
    }
    return pipe;
  }

  // NextSeg() rules (1) to (3): {offset, len, kind}.
  std::optional<std::tuple<std::uint32_t, std::uint32_t, Kind>> next_seg(const Bits& is_lost,
                                                                         std::uint32_t mss,
                                                                         bool new_data) const {
    const std::uint32_t high_sack = high_sacked();
    auto pick = [&](bool need_lost) -> std::optional<std::pair<std::uint32_t, std::uint32_t>> {
      for (std::uint32_t o = una_; o < high_sack; ++o) {
        if (sacked_[o] || retransmitted_[o] || (need_lost && !is_lost[o - una_])) continue;
        std::uint32_t len = 0;
        while (len < mss && !sacked_[o + len] && !retransmitted_[o + len]) ++len;
        return std::pair{o, len};
      }
      return std::nullopt;
    };
    if (auto s = pick(true)) return std::tuple{s->first, s->second, Kind::Lost};
    if (new_data) return std::tuple{max_, mss, Kind::NewData};
    if (auto s = pick(false)) return std::tuple{s->first, s->second, Kind::Unsacked};
    return std::nullopt;
  }

  std::optional<std::pair<std::uint32_t, std::uint32_t>> rescue(std::uint32_t mss) const {
    for (std::uint32_t o = max_; o > una_; --o) {
      if (sacked_[o - 1]) continue;
      std::uint32_t len = 0;
      while (len < mss && o - len > una_ && !sacked_[o - len - 1]) ++len;
      return std::pair{o - len, len};
    }
    return std::nullopt;
  }

 private:
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs_of(const Bits& bits) const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
    for (std::uint32_t o = una_; o < max_; ++o) {
      if (!bits[o]) continue;
      if (!runs.empty() && runs.back().second == o) {
        runs.back().second = o + 1;
      } else {
        runs.emplace_back(o, o + 1);
      }
    }
    return runs;
  }

  // Scoreboard::kMaxRanges: drops the highest run when there is one too
  // many; true when that run held [left, right).
  bool cap(Bits& bits, std::uint32_t left, std::uint32_t right) const {
    const auto runs = runs_of(bits);
    if (runs.size() <= Scoreboard::kMaxRanges) return false;
    const auto [from, to] = runs.back();
    for (std::uint32_t o = from; o < to; ++o) bits[o] = false;
    return from < right && left < to;
  }

  Bits sacked_;
  Bits retransmitted_;
  std::uint32_t una_ = 0;
  std::uint32_t max_ = 0;
};

class ScoreboardRandom : public testing::TestWithParam<std::uint32_t> {};

TEST_P(ScoreboardRandom, MatchesPerOctetModel) {
  std::mt19937 rng(GetParam());
  auto uniform = [&](std::uint32_t lo, std::uint32_t hi) {
    return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
  };
  // Even seeds start just below the wrap, so the window crosses 2^32.
  const Seq base{GetParam() % 2 == 0 ? 0u - uniform(1000, 20000)
                                     : static_cast<std::uint32_t>(rng())};
  constexpr std::uint32_t kOctets = 400000;
  constexpr std::uint32_t kMaxFlight = 16000;
  const std::uint32_t mss = std::array{7u, 50u, 100u, 536u}[GetParam() % 4];
  auto at = [&](std::uint32_t offset) { return base + offset; };

  Scoreboard sb;
  Model model(kOctets);
  sb.update(base, base, {});
  std::size_t max_ranges_seen = 0;

  for (int step = 0; step < 3000 && model.max() + 3 * mss < kOctets; ++step) {
    const std::uint32_t una = model.una();
    const std::uint32_t max = model.max();
    const std::uint32_t action = uniform(0, 99);
    if (action < 25) {
      model.send(std::min(uniform(0, std::max(3 * mss, 600u)),
                          una + kMaxFlight - std::min(max, una + kMaxFlight)));
    } else if (action < 75) {
      std::uint32_t new_una = una;
      if (uniform(0, 24) == 0) new_una = uniform(una, max);
      std::vector<std::pair<std::uint32_t, std::uint32_t>> offsets;
      std::vector<SackBlock> blocks;
      for (std::uint32_t n = uniform(0, 4); n > 0; --n) {
        std::uint32_t left;
        std::uint32_t right;
        switch (uniform(0, 9)) {
          case 0:  // D-SACK at or below SND.UNA
            left = uniform(una > 500 ? una - 500 : 0, new_una);
            right = left + uniform(1, 600);
            break;
          case 1:  // past SND.MAX
            left = uniform(new_una, max);
            right = max + uniform(1, 200);
            break;
          case 2:  // empty or reversed
            left = uniform(new_una, max);
            right = left - uniform(0, std::min(left, 50u));
            break;
          default:
            left = uniform(new_una, max);
            right = std::min(max, left + uniform(1, 2 * mss));
        }
        offsets.emplace_back(left, right);
        blocks.push_back({at(left), at(right)});
      }
      const std::uint32_t expected = model.ack(new_una, offsets);
      ASSERT_EQ(sb.update(at(new_una), at(max), blocks), expected) << "step " << step;
    } else if (action < 93) {
      if (auto seg = sb.next_seg(at(una), at(max), mss, false); seg && uniform(0, 3) != 0) {
        sb.mark_retransmitted(seg->from, seg->from + seg->len);
        model.retransmit(static_cast<std::uint32_t>(seg->from - base),
                         static_cast<std::uint32_t>(seg->from - base) + seg->len);
      } else if (max > una) {
        const std::uint32_t from = uniform(una, max - 1);
        const std::uint32_t to = std::min(max, from + uniform(1, 2 * mss));
        sb.mark_retransmitted(at(from), at(to));
        model.retransmit(from, to);
      }
    } else if (action < 99) {
      sb.begin_recovery();
      model.forget_retransmissions();
    } else if (uniform(0, 3) == 0) {  // an RTO, now and then
      sb.reset();
      model.reset();
    }

    const std::uint32_t u = model.una();
    const std::uint32_t m = model.max();
    max_ranges_seen = std::max(max_ranges_seen, sb.ranges());
    ASSERT_EQ(sb.sacked_bytes(), model.sacked_bytes()) << "step " << step;
    ASSERT_EQ(sb.ranges(), model.runs()) << "step " << step;
    ASSERT_EQ(sb.high_sacked(), at(model.high_sacked())) << "step " << step;
    const auto high_rxt = model.high_rxt();
    ASSERT_EQ(sb.high_rxt(), high_rxt ? std::optional{at(*high_rxt)} : std::nullopt)
        << "step " << step;
    const auto lost = model.lost(mss);
    ASSERT_EQ(sb.pipe(at(u), at(m), mss), model.pipe(lost)) << "step " << step;

    for (bool new_data : {false, true}) {
      const auto want = model.next_seg(lost, mss, new_data);
      const auto got = sb.next_seg(at(u), at(m), mss, new_data);
      ASSERT_EQ(got.has_value(), want.has_value()) << "step " << step;
      if (want) {
        const auto [from, len, kind] = *want;
        ASSERT_EQ(*got, (NextSegment{at(from), len, kind})) << "step " << step;
      }
    }
    const auto rescue = model.rescue(mss);
    const auto got_rescue = sb.rescue_seg(at(u), at(m), mss);
    ASSERT_EQ(got_rescue.has_value(), rescue.has_value()) << "step " << step;
    if (rescue) {
      ASSERT_EQ(*got_rescue, (NextSegment{at(rescue->first), rescue->second, Kind::Rescue}));
    }

    if (m == u) continue;
    const bool sweep = step % 100 == 0;
    for (std::uint32_t i = 0; i < (sweep ? m - u : 16); ++i) {
      const std::uint32_t o = sweep ? u + i : uniform(u, m - 1);
      ASSERT_EQ(sb.is_sacked(at(o)), bool{model.sacked(o)}) << "octet " << o << " step " << step;
      ASSERT_EQ(sb.is_lost(at(o), mss), lost[o - u] != 0) << "octet " << o << " step " << step;
    }
  }
  if (mss <= 50) {
    EXPECT_EQ(max_ranges_seen, Scoreboard::kMaxRanges) << "the range cap was never reached";
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ScoreboardRandom, testing::Range(1u, 9u));

}  // namespace
}  // namespace percore::tcp
