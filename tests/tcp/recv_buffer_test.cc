#include "stack/tcp/recv_buffer.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/eal_env.h"

namespace percore::tcp {
namespace {

using wire::Seq;
using wire::SackBlock;

// Ethernet + IPv4 + TCP headers in front of the payload, as a received
// frame has them: the buffer must keep only the payload's part.
constexpr std::uint16_t kHeaders = 54;
const Seq kIrs(5000);
const Seq kR = kIrs + 1;  // RCV.NXT after the SYN
constexpr std::uint32_t kMss = 1448;

// Stream byte i is i mod 251; a byte from the wrong place shows.
std::string stream(std::size_t n, std::size_t from = 0) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((from + i) % 251);
  return s;
}

class ReceiveBufferTest : public ::testing::Test {
 protected:
  // One mbuf stays out of the pool during the test, so that a double free
  // shows as a count above the start instead of being clamped to the size.
  void SetUp() override {
    reserved_ = rte_pktmbuf_alloc(pool_);
    ASSERT_NE(reserved_, nullptr);
    free_at_start_ = rte_mempool_avail_count(pool_);
  }
  void TearDown() override {
    EXPECT_EQ(rte_mempool_avail_count(pool_), free_at_start_) << "mbufs leaked or freed twice";
    rte_pktmbuf_free(reserved_);
  }

  // Hands `payload` to the buffer as a segment with sequence number `seq`,
  // in a fresh mbuf behind kHeaders bytes of headers.
  std::uint32_t rx(ReceiveBuffer& rb, Seq seq, const std::string& payload) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    EXPECT_NE(m, nullptr);
    if (m == nullptr) return 0;
    char* frame = rte_pktmbuf_append(m, static_cast<std::uint16_t>(kHeaders + payload.size()));
    EXPECT_NE(frame, nullptr) << "a payload of " << payload.size() << " does not fit one mbuf";
    if (frame == nullptr) {
      rte_pktmbuf_free(m);
      return 0;
    }
    std::memset(frame, 0xEE, kHeaders);
    std::memcpy(frame + kHeaders, payload.data(), payload.size());
    return rb.insert(seq, m, reinterpret_cast<const std::uint8_t*>(frame + kHeaders),
                     static_cast<std::uint32_t>(payload.size()));
  }
  // The stream's bytes [from, from + len) at their sequence numbers, in
  // segments of at most kMss bytes, in order. Returns the total advance.
  std::uint32_t rx_stream(ReceiveBuffer& rb, std::uint32_t from, std::uint32_t len) {
    std::uint32_t advanced = 0;
    for (std::uint32_t off = 0; off < len; off += kMss) {
      const std::uint32_t n = std::min(kMss, len - off);
      advanced += rx(rb, kR + (from + off), stream(n, from + off));
    }
    return advanced;
  }

  static std::string read(ReceiveBuffer& rb, std::size_t max, bool peek = false) {
    std::string out(max, '\0');
    out.resize(rb.read({reinterpret_cast<std::uint8_t*>(out.data()), max}, peek));
    return out;
  }

  static std::vector<SackBlock> sacks(const ReceiveBuffer& rb, std::size_t max = 4) {
    std::array<SackBlock, 8> out{};
    return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(
                                           rb.sack_blocks(std::span(out.data(), max)))};
  }
  static SackBlock block(std::uint32_t from, std::uint32_t to) { return {kR + from, kR + to}; }

  rte_mempool* pool_ = testing::test_pool();
  rte_mbuf* reserved_ = nullptr;
  unsigned free_at_start_ = 0;
};

TEST_F(ReceiveBufferTest, InOrderSegmentsBecomeReadable) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  EXPECT_EQ(rx_stream(rb, 0, 100), 100u);
  EXPECT_EQ(rb.rcv_nxt(), kR + 100);
  EXPECT_EQ(rx_stream(rb, 100, 1000), 1000u);
  EXPECT_EQ(rb.rcv_nxt(), kR + 1100);
  EXPECT_EQ(rb.readable(), 1100u);
  EXPECT_EQ(rb.out_of_order_bytes(), 0u);
  EXPECT_EQ(read(rb, 5000), stream(1100));
  EXPECT_EQ(rb.readable(), 0u);
  EXPECT_EQ(rb.mbufs_held(), 0u);
}

TEST_F(ReceiveBufferTest, InOrderPayloadStaysInTheMbufItArrivedIn) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  const unsigned before = rte_mempool_avail_count(pool_);
  ASSERT_EQ(rx_stream(rb, 0, 1000), 1000u);
  ASSERT_EQ(rx_stream(rb, 1000, 1000), 1000u);
  EXPECT_EQ(rb.mbufs_held(), 2u);
  EXPECT_EQ(rte_mempool_avail_count(pool_), before - 2) << "no mbuf taken for a copy";
  EXPECT_EQ(read(rb, 2000), stream(2000));
}

TEST_F(ReceiveBufferTest, EmptySegmentKeepsNothing) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  EXPECT_EQ(rx(rb, kR, ""), 0u);
  EXPECT_EQ(rb.mbufs_held(), 0u);
}

TEST_F(ReceiveBufferTest, EntirelyOldDuplicateIsDropped) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  ASSERT_EQ(rx_stream(rb, 0, 300), 300u);
  EXPECT_EQ(rx_stream(rb, 0, 300), 0u);
  EXPECT_EQ(rx_stream(rb, 100, 200), 0u) << "ends exactly at RCV.NXT";
  EXPECT_EQ(rx(rb, kR - 50, std::string(50, 'z')), 0u) << "before the first byte";
  EXPECT_EQ(rb.readable(), 300u);
  EXPECT_EQ(rb.mbufs_held(), 1u);
  EXPECT_EQ(read(rb, 1000), stream(300));
}

TEST_F(ReceiveBufferTest, OverlapWithReceivedBytesIsTrimmed) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  ASSERT_EQ(rx_stream(rb, 0, 100), 100u);
  // A retransmission that repackaged old and new bytes: the old part, here
  // garbage, must be cut off, not stored a second time.
  EXPECT_EQ(rx(rb, kR + 50, std::string(50, '#') + stream(150, 100)), 150u);
  EXPECT_EQ(rb.rcv_nxt(), kR + 250);
  EXPECT_EQ(read(rb, 1000), stream(250));
}

TEST_F(ReceiveBufferTest, BytesBeyondTheWindowAreTrimmed) {
  ReceiveBuffer rb(1000);
  rb.reset(kR);
  EXPECT_EQ(rx_stream(rb, 0, 1500), 1000u);
  EXPECT_EQ(rb.readable(), 1000u);
  EXPECT_EQ(rb.window(), 0u);
  EXPECT_EQ(rx_stream(rb, 1000, 100), 0u) << "a zero window keeps nothing";
  EXPECT_EQ(rb.mbufs_held(), 1u);
  EXPECT_EQ(read(rb, 400), stream(400));
  EXPECT_EQ(rb.window(), 400u);
  // Out of order, straddling the right edge: only the part inside is held.
  EXPECT_EQ(rx_stream(rb, 1200, 500), 0u);
  EXPECT_EQ(rb.out_of_order_bytes(), 200u);
  EXPECT_EQ(sacks(rb), (std::vector{block(1200, 1400)}));
  EXPECT_EQ(rx_stream(rb, 1400, 10), 0u) << "starts at the right edge";
  EXPECT_EQ(rb.out_of_order_chunks(), 1u);
  EXPECT_EQ(rx_stream(rb, 1000, 200), 400u);
  EXPECT_EQ(read(rb, 2000), stream(1000, 400));
}

TEST_F(ReceiveBufferTest, BytesUpToTheAdvertisedEdgeAreKeptBeyondTheCapacity) {
  // RFC 9293 3.10.7.4: the window is what was advertised. A scaled window
  // rounded up to 128-byte units offers a few bytes beyond the capacity;
  // they are in the window and kept.
  ReceiveBuffer rb(1000);
  rb.reset(kR);
  rb.advertise(kR + 1024);
  EXPECT_EQ(rb.right_edge(), kR + 1024);
  EXPECT_EQ(rx_stream(rb, 1000, 100), 0u) << "out of order, straddling the advertised edge";
  EXPECT_EQ(rb.out_of_order_bytes(), 24u);
  EXPECT_EQ(rx_stream(rb, 0, 1000), 1024u);
  EXPECT_EQ(rb.readable(), 1024u);
  EXPECT_EQ(rb.window(), 0u) << "no room left, and no wrap-around below zero";
  EXPECT_EQ(rx_stream(rb, 1024, 10), 0u) << "beyond the advertised edge";
  EXPECT_EQ(read(rb, 2000), stream(1024));
  EXPECT_EQ(rb.window(), 1000u);
}

TEST_F(ReceiveBufferTest, AnAdvertisedEdgeBehindTheRoomChangesNothing) {
  ReceiveBuffer rb(1000);
  rb.reset(kR);
  rb.advertise(kR + 500);
  EXPECT_EQ(rb.right_edge(), kR + 1000);
  EXPECT_EQ(rx_stream(rb, 0, 1500), 1000u);
}

TEST_F(ReceiveBufferTest, OutOfOrderIsHeldThenReleasedInOrderWhenTheHoleFills) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  EXPECT_EQ(rx_stream(rb, 300, 100), 0u);
  EXPECT_EQ(rx_stream(rb, 100, 100), 0u);
  EXPECT_EQ(rb.rcv_nxt(), kR);
  EXPECT_EQ(rb.readable(), 0u);
  EXPECT_EQ(rb.out_of_order_bytes(), 200u);
  EXPECT_EQ(rb.out_of_order_chunks(), 2u);
  EXPECT_EQ(read(rb, 1000), "") << "nothing is readable across a hole";
  EXPECT_EQ(rx_stream(rb, 0, 100), 200u) << "the hole filled, [100, 200) follows";
  EXPECT_EQ(rb.rcv_nxt(), kR + 200);
  EXPECT_EQ(rb.out_of_order_chunks(), 1u);
  EXPECT_EQ(rx_stream(rb, 200, 100), 200u);
  EXPECT_EQ(rb.out_of_order_chunks(), 0u);
  EXPECT_EQ(rb.out_of_order_bytes(), 0u);
  EXPECT_EQ(read(rb, 1000), stream(400));
}

TEST_F(ReceiveBufferTest, OutOfOrderBytesDoNotShrinkTheWindow) {
  ReceiveBuffer rb(10000);
  rb.reset(kR);
  ASSERT_EQ(rx_stream(rb, 1000, 4000), 0u);
  EXPECT_EQ(rb.window(), 10000u);
  EXPECT_EQ(rx_stream(rb, 0, 1000), 5000u);
  EXPECT_EQ(rb.window(), 5000u);
  EXPECT_EQ(rb.rcv_nxt() + rb.window(), kR + 10000) << "the right edge stayed put";
  EXPECT_EQ(read(rb, 10000), stream(5000));
}

// Each overlap shape between a new out-of-order segment and the chunks held:
// the new segment carries '#' where bytes are already held, so reading back
// the stream proves that the earlier copy was kept and only the gaps were
// stored.
struct OverlapCase {
  const char* name;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> held;
  std::pair<std::uint32_t, std::uint32_t> segment;
  std::uint32_t ooo_bytes_after;
  std::size_t chunks_after;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks_after;

  friend void PrintTo(const OverlapCase& c, std::ostream* os) { *os << c.name; }
};

class OverlapTest : public ReceiveBufferTest,
                    public ::testing::WithParamInterface<OverlapCase> {};

TEST_P(OverlapTest, OnlyTheNewBytesAreStoredAndTheEarlierCopyIsKept) {
  const OverlapCase& c = GetParam();
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  for (auto [from, to] : c.held) ASSERT_EQ(rx_stream(rb, from, to - from), 0u);

  auto [from, to] = c.segment;
  std::string payload = stream(to - from, from);
  for (auto [hf, ht] : c.held) {
    for (std::uint32_t i = std::max(hf, from); i < std::min(ht, to); ++i) payload[i - from] = '#';
  }
  EXPECT_EQ(rx(rb, kR + from, payload), 0u);
  EXPECT_EQ(rb.out_of_order_bytes(), c.ooo_bytes_after);
  EXPECT_EQ(rb.out_of_order_chunks(), c.chunks_after);
  std::vector<SackBlock> expected;
  for (auto [bf, bt] : c.blocks_after) expected.push_back(block(bf, bt));
  EXPECT_EQ(sacks(rb), expected);

  std::uint32_t last = 0;
  for (auto [hf, ht] : c.held) last = std::max(last, ht);
  last = std::max(last, to);
  EXPECT_EQ(rx_stream(rb, 0, last), last);
  EXPECT_EQ(read(rb, 10000), stream(last));
  EXPECT_EQ(rb.mbufs_held(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, OverlapTest,
    ::testing::Values(
        OverlapCase{"Contained", {{100, 200}}, {120, 180}, 100, 1, {{100, 200}}},
        OverlapCase{"ExactDuplicate", {{100, 200}}, {100, 200}, 100, 1, {{100, 200}}},
        OverlapCase{"Containing", {{150, 200}}, {100, 250}, 150, 3, {{100, 250}}},
        OverlapCase{"Left", {{150, 250}}, {100, 200}, 150, 2, {{100, 250}}},
        OverlapCase{"Right", {{100, 200}}, {150, 250}, 150, 2, {{100, 250}}},
        OverlapCase{"AdjacentBelow", {{150, 250}}, {100, 150}, 150, 2, {{100, 250}}},
        OverlapCase{"AdjacentAbove", {{100, 200}}, {200, 250}, 150, 2, {{100, 250}}},
        OverlapCase{"BridgingTwo", {{100, 200}, {300, 400}}, {150, 350}, 300, 3, {{100, 400}}},
        OverlapCase{"CoveringTwo", {{150, 200}, {300, 350}}, {100, 400}, 300, 5, {{100, 400}}},
        OverlapCase{"InsideTheGapOnly", {{100, 150}, {300, 400}}, {200, 250}, 200, 3,
                    {{200, 250}, {300, 400}, {100, 150}}},
        OverlapCase{"StartsInsideEndsInGap", {{100, 200}, {300, 400}}, {180, 250}, 250, 3,
                    {{100, 250}, {300, 400}}}),
    [](const ::testing::TestParamInfo<OverlapCase>& info) { return info.param.name; });

TEST_F(ReceiveBufferTest, SegmentFillingTheHoleAndOverlappingHeldDataKeepsTheEarlierCopy) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  ASSERT_EQ(rx_stream(rb, 100, 100), 0u);
  ASSERT_EQ(rx_stream(rb, 300, 100), 0u);
  // In order from RCV.NXT, across the first held chunk and into the next gap.
  EXPECT_EQ(rx(rb, kR, stream(100) + std::string(100, '#') + stream(50, 200)), 250u);
  EXPECT_EQ(rb.out_of_order_chunks(), 1u);
  EXPECT_EQ(sacks(rb), (std::vector{block(300, 400)}));
  EXPECT_EQ(rx_stream(rb, 250, 50), 150u);
  EXPECT_EQ(read(rb, 1000), stream(400));
}

TEST_F(ReceiveBufferTest, SackBlocksReportTheMostRecentFirst) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  rx_stream(rb, 100, 100);
  rx_stream(rb, 300, 100);
  rx_stream(rb, 500, 100);
  rx_stream(rb, 700, 100);
  rx_stream(rb, 900, 100);
  // RFC 2018 4: the first block holds the segment that triggered the ACK,
  // then the others by recency.
  EXPECT_EQ(sacks(rb), (std::vector{block(900, 1000), block(700, 800), block(500, 600),
                                    block(300, 400)}));
  EXPECT_EQ(sacks(rb, 3), (std::vector{block(900, 1000), block(700, 800), block(500, 600)}));
  EXPECT_EQ(sacks(rb, 0), std::vector<SackBlock>{});
  rx_stream(rb, 150, 80);  // extends [100, 200) to [100, 230)
  EXPECT_EQ(sacks(rb, 3), (std::vector{block(100, 230), block(900, 1000), block(700, 800)}));
  rx_stream(rb, 520, 20);  // a duplicate inside [500, 600): still the latest arrival
  EXPECT_EQ(sacks(rb, 3), (std::vector{block(500, 600), block(100, 230), block(900, 1000)}));
}

TEST_F(ReceiveBufferTest, SackMergesChunksThatTouch) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  rx_stream(rb, 100, 100);
  rx_stream(rb, 200, 100);
  EXPECT_EQ(rx_stream(rb, 400, 100), 0u);
  EXPECT_EQ(rb.out_of_order_chunks(), 3u);
  EXPECT_EQ(sacks(rb), (std::vector{block(400, 500), block(100, 300)}));
  rx_stream(rb, 300, 100);
  EXPECT_EQ(sacks(rb), (std::vector{block(100, 500)}));
  rx_stream(rb, 0, 100);
  EXPECT_EQ(sacks(rb), std::vector<SackBlock>{}) << "nothing out of order is left";
  EXPECT_EQ(read(rb, 1000), stream(500));
}

TEST_F(ReceiveBufferTest, ReadWithPeekLeavesTheBytes) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  rx_stream(rb, 0, 100);
  rx_stream(rb, 100, 100);
  EXPECT_EQ(read(rb, 150, /*peek=*/true), stream(150));
  EXPECT_EQ(rb.readable(), 200u);
  EXPECT_EQ(rb.window(), 64u * 1024 - 200);
  EXPECT_EQ(read(rb, 1000, /*peek=*/true), stream(200));
  EXPECT_EQ(read(rb, 150), stream(150));
  EXPECT_EQ(read(rb, 1000, /*peek=*/true), stream(50, 150));
  EXPECT_EQ(read(rb, 1000), stream(50, 150));
}

TEST_F(ReceiveBufferTest, ReadPartOfAChunkThenTheRest) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  rx_stream(rb, 0, 1000);
  rx_stream(rb, 1000, 1000);
  EXPECT_EQ(read(rb, 300), stream(300));
  EXPECT_EQ(rb.readable(), 1700u);
  EXPECT_EQ(rb.mbufs_held(), 2u);
  EXPECT_EQ(read(rb, 700), stream(700, 300));
  EXPECT_EQ(rb.mbufs_held(), 1u) << "the first mbuf is freed once fully read";
  EXPECT_EQ(read(rb, 999), stream(999, 1000));
  EXPECT_EQ(read(rb, 999), stream(1, 1999));
  EXPECT_EQ(rb.mbufs_held(), 0u);
  EXPECT_EQ(read(rb, 10), "");
}

TEST_F(ReceiveBufferTest, WindowShrinksAsDataWaitsAndRecoversOnRead) {
  ReceiveBuffer rb(4000);
  rb.reset(kR);
  const Seq right_edge = kR + 4000;
  EXPECT_EQ(rb.window(), 4000u);
  rx_stream(rb, 0, 1000);
  EXPECT_EQ(rb.window(), 3000u);
  EXPECT_EQ(rb.rcv_nxt() + rb.window(), right_edge);
  rx_stream(rb, 1000, 1500);
  rx_stream(rb, 2500, 1500);
  EXPECT_EQ(rb.window(), 0u);
  EXPECT_EQ(read(rb, 1500), stream(1500));
  EXPECT_EQ(rb.window(), 1500u);
  EXPECT_EQ(rb.rcv_nxt() + rb.window(), right_edge + 1500) << "reading moves the edge right";
  EXPECT_EQ(read(rb, 4000), stream(2500, 1500));
  EXPECT_EQ(rb.window(), 4000u);
}

TEST_F(ReceiveBufferTest, CapacityGrowsTheWindowAndNeverDropsBelowReadable) {
  ReceiveBuffer rb(4000);
  rb.reset(kR);
  rx_stream(rb, 0, 3000);
  rb.set_capacity(16000);
  EXPECT_EQ(rb.capacity(), 16000u);
  EXPECT_EQ(rb.window(), 13000u);
  rb.set_capacity(100);
  EXPECT_EQ(rb.capacity(), 3000u);
  EXPECT_EQ(rb.window(), 0u);
  rb.set_capacity(0xFFFFFFFFu);
  EXPECT_EQ(rb.capacity(), ReceiveBuffer::kMaxCapacity);
  EXPECT_EQ(read(rb, 3000), stream(3000));
}

TEST_F(ReceiveBufferTest, ShrinkingTheCapacityDropsOutOfOrderDataBeyondTheNewEdge) {
  ReceiveBuffer rb(10000);
  rb.reset(kR);
  rx_stream(rb, 1000, 1000);
  rx_stream(rb, 5000, 1000);
  rx_stream(rb, 8000, 1000);
  rb.set_capacity(5500);
  EXPECT_EQ(rb.out_of_order_bytes(), 1500u);
  EXPECT_EQ(sacks(rb), (std::vector{block(5000, 5500), block(1000, 2000)}));
  EXPECT_EQ(rx_stream(rb, 0, 1000), 2000u);
  EXPECT_EQ(read(rb, 5000), stream(2000));
  EXPECT_EQ(rx_stream(rb, 2000, 3000), 3500u);
  EXPECT_EQ(read(rb, 5000), stream(3500, 2000));
}

TEST_F(ReceiveBufferTest, SequenceNumbersWrapAround) {
  ReceiveBuffer rb(64 * 1024);
  const Seq near_wrap(0xFFFFFF00u);
  rb.reset(near_wrap);
  auto at = [&](std::uint32_t off) { return near_wrap + off; };
  EXPECT_EQ(rx(rb, at(400), stream(200, 400)), 0u);     // entirely past 2^32
  EXPECT_EQ(rx(rb, at(200), stream(100, 200)), 0u);     // straddles 2^32
  EXPECT_EQ(sacks(rb), (std::vector{SackBlock{at(200), at(300)}, SackBlock{at(400), at(600)}}));
  EXPECT_EQ(sacks(rb)[0].right, Seq(0x2C));
  EXPECT_EQ(rx(rb, at(0), stream(250)), 300u);
  EXPECT_EQ(rx(rb, at(100), stream(100, 100)), 0u) << "old, across the wrap";
  EXPECT_EQ(rb.rcv_nxt(), at(300));
  EXPECT_EQ(rx(rb, at(300), stream(100, 300)), 300u);
  EXPECT_EQ(rb.rcv_nxt(), Seq(0x158));
  EXPECT_EQ(read(rb, 1000), stream(600));
}

TEST_F(ReceiveBufferTest, TinyInOrderSegmentsShareAnMbuf) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  for (std::uint32_t i = 0; i < 3000; ++i) ASSERT_EQ(rx_stream(rb, i, 1), 1u);
  EXPECT_EQ(rb.readable(), 3000u);
  EXPECT_LE(rb.mbufs_held(), 3u) << "one-byte segments must not pin an mbuf per byte";
  EXPECT_EQ(read(rb, 5000), stream(3000));
  EXPECT_EQ(rb.mbufs_held(), 0u);
}

TEST_F(ReceiveBufferTest, SmallSegmentIsNotCopiedIntoAnMbufSomeoneElseHolds) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  ASSERT_NE(m, nullptr);
  auto* frame = rte_pktmbuf_mtod(m, std::uint8_t*);
  ASSERT_NE(rte_pktmbuf_append(m, kHeaders + 100), nullptr);
  const std::string first = stream(100);
  std::memcpy(frame + kHeaders, first.data(), first.size());
  std::memset(frame + kHeaders + 100, 0x5A, 10);
  rte_mbuf_refcnt_update(m, 1);  // a packet capture, say, still holds it
  ASSERT_EQ(rb.insert(kR, m, frame + kHeaders, 100), 100u);
  EXPECT_EQ(rx_stream(rb, 100, 10), 10u);
  EXPECT_EQ(rb.mbufs_held(), 2u) << "the small segment keeps its own mbuf";
  EXPECT_EQ(std::string(reinterpret_cast<char*>(frame + kHeaders + 100), 10), std::string(10, 0x5A))
      << "nothing was written into a shared mbuf";
  EXPECT_EQ(read(rb, 1000), stream(110));
  rte_pktmbuf_free(m);
}

TEST_F(ReceiveBufferTest, OutOfOrderChunksAreCapped) {
  ReceiveBuffer rb(64 * 1024);
  rb.reset(kR);
  const std::size_t cap = rb.max_out_of_order_chunks();
  ASSERT_GE(cap, 64u);
  const unsigned before = rte_mempool_avail_count(pool_);
  // One-byte segments with a hole before each: a peer trying to pin one
  // mbuf per byte of window.
  for (std::uint32_t i = 0; i < 3 * cap; ++i) rx_stream(rb, 2 * i + 10, 1);
  EXPECT_EQ(rb.out_of_order_chunks(), cap);
  EXPECT_EQ(rte_mempool_avail_count(pool_), before - cap);
  // The lowest are the ones kept, the next to become readable.
  std::array<SackBlock, 4> all{};
  rb.sack_blocks(all);
  EXPECT_EQ(all[0], block(2 * (cap - 1) + 10, 2 * (cap - 1) + 11));
  // A segment repeating the highest chunk, its new bytes beyond what the cap
  // lets in: nothing is stored, yet it is the latest arrival (RFC 2018 4).
  const std::uint32_t highest = 2 * (cap - 1) + 10;
  rx_stream(rb, 10, 1);
  EXPECT_EQ(sacks(rb, 1), (std::vector{block(10, 11)}));
  EXPECT_EQ(rx_stream(rb, highest, 5), 0u);
  EXPECT_EQ(rb.out_of_order_chunks(), cap);
  EXPECT_EQ(sacks(rb, 1), (std::vector{block(highest, highest + 1)}));
  // A lower one displaces the highest.
  EXPECT_EQ(rx_stream(rb, 5, 1), 0u);
  EXPECT_EQ(rb.out_of_order_chunks(), cap);
  EXPECT_EQ(sacks(rb, 1), (std::vector{block(5, 6)}));
  EXPECT_EQ(rx_stream(rb, 0, 5), 6u);
  EXPECT_EQ(rx_stream(rb, 6, 4), 5u);
}

TEST_F(ReceiveBufferTest, ResetAndDestructionFreeEverything) {
  {
    ReceiveBuffer rb(64 * 1024);
    rb.reset(kR);
    rx_stream(rb, 0, 500);
    rx_stream(rb, 1000, 500);
    rb.reset(Seq(9));
    EXPECT_EQ(rb.mbufs_held(), 0u);
    EXPECT_EQ(rb.readable(), 0u);
    EXPECT_EQ(rb.out_of_order_bytes(), 0u);
    EXPECT_EQ(rb.rcv_nxt(), Seq(9));
    EXPECT_EQ(rte_mempool_avail_count(pool_), free_at_start_);
    rx(rb, Seq(9), stream(500));
    rx(rb, Seq(2000), stream(500));
  }
  EXPECT_EQ(rte_mempool_avail_count(pool_), free_at_start_);
}

// A stream cut into segments delivered out of order, duplicated, re-cut
// with overlaps and sometimes beyond the window, while the application reads
// in random amounts: what is read is the stream, the invariants hold at
// every step, and every mbuf comes back.
TEST_F(ReceiveBufferTest, RandomReorderDuplicationAndOverlapDeliverTheStream) {
  int steps_at_the_cap = 0;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    auto uniform = [&](std::uint32_t lo, std::uint32_t hi) {
      return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
    };
    const std::uint32_t total = 300 * 1024;
    const std::string data = stream(total);
    const Seq irs(uniform(0, 1) == 0 ? 0xFFFFFFFFu - uniform(0, 100000) : uniform(0, 0xFFFFFFFFu));
    ReceiveBuffer rb(uniform(4, 64) * 1024);
    // Half the seeds fill the hole rarely, so many segments wait out of order.
    const std::uint32_t fill_percent = seed % 2 == 0 ? 2 : 30;
    rb.reset(irs);
    std::string got;
    const Seq last = irs + total;
    int steps = 0;
    while (got.size() < total) {
      ASSERT_LT(++steps, 200000) << "no progress";
      const std::uint32_t nxt = static_cast<std::uint32_t>(rb.rcv_nxt() - irs);
      std::uint32_t from;
      if (uniform(0, 99) < fill_percent || nxt == total) {
        from = nxt;  // the segment the receiver waits for (or after the end)
      } else {
        // Anywhere from a little behind RCV.NXT to a little beyond the window.
        const std::uint32_t lo = nxt > 3000 ? nxt - 3000 : 0;
        from = uniform(lo, nxt + rb.window() + 3000);
      }
      if (from < total) {
        // A quarter tiny, so the out-of-order chunk cap comes into play.
        const std::uint32_t len =
            std::min(uniform(0, 3) == 0 ? uniform(1, 16) : uniform(1, 1800), total - from);
        std::string payload = data.substr(from, len);
        const std::uint32_t advanced = rx(rb, irs + from, payload);
        ASSERT_EQ(rb.rcv_nxt(), irs + (nxt + advanced));
      }
      ASSERT_LE(rb.readable() + rb.out_of_order_bytes(), rb.capacity());
      ASSERT_LE(rb.out_of_order_chunks(), rb.max_out_of_order_chunks());
      if (rb.out_of_order_chunks() == rb.max_out_of_order_chunks()) ++steps_at_the_cap;
      // Asked for every block, the buffer reports exactly what it holds out
      // of order, as disjoint runs that do not touch.
      std::array<SackBlock, 1024> blocks{};
      const std::size_t n = rb.sack_blocks(blocks);
      ASSERT_LT(n, blocks.size());
      std::sort(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(n),
                [](const SackBlock& a, const SackBlock& b) { return a.left < b.left; });
      std::uint32_t sacked = 0;
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_GT(blocks[i].left, rb.rcv_nxt());
        ASSERT_LT(blocks[i].left, blocks[i].right);
        ASSERT_LE(blocks[i].right, rb.rcv_nxt() + rb.window());
        ASSERT_LE(blocks[i].right, last);
        if (i > 0) {
          ASSERT_GT(blocks[i].left, blocks[i - 1].right);
        }
        sacked += static_cast<std::uint32_t>(blocks[i].right - blocks[i].left);
      }
      ASSERT_EQ(sacked, rb.out_of_order_bytes());
      if (uniform(0, 3) == 0) {
        const bool peek = uniform(0, 9) == 0;
        const std::string r = read(rb, uniform(1, 20000), peek);
        ASSERT_EQ(r, data.substr(got.size(), r.size()));
        if (!peek) got += r;
      }
      if (uniform(0, 50) == 0) rb.set_capacity(rb.capacity() + 1024);
    }
    EXPECT_EQ(got, data);
    EXPECT_EQ(rb.rcv_nxt(), last);
    EXPECT_EQ(rb.mbufs_held(), 0u);
    EXPECT_EQ(rte_mempool_avail_count(pool_), free_at_start_);
  }
  EXPECT_GT(steps_at_the_cap, 0) << "the out-of-order chunk cap was never reached";
}

}  // namespace
}  // namespace percore::tcp
