#include "stack/tcp/send_buffer.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "tests/support/eal_env.h"

namespace percore::tcp {
namespace {

using wire::Seq;

// The bytes a test writes: position i holds i mod 251, so a byte taken from
// the wrong offset (mbuf rooms are not multiples of 251) shows.
std::string stream(std::size_t n, std::size_t from = 0) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((from + i) % 251);
  return s;
}

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string copy_out(const SendBuffer& sb, Seq from, std::size_t len) {
  std::string out(len, '\0');
  sb.copy_out(from, {reinterpret_cast<std::uint8_t*>(out.data()), len});
  return out;
}

// The payload of an mbuf chain, checking that its length fields agree with
// its segments.
std::string chain_payload(const rte_mbuf* m) {
  std::string out;
  std::uint16_t segs = 0;
  for (const rte_mbuf* seg = m; seg != nullptr; seg = seg->next, ++segs) {
    out.append(rte_pktmbuf_mtod(seg, const char*), seg->data_len);
  }
  EXPECT_EQ(m->pkt_len, out.size());
  EXPECT_EQ(m->nb_segs, segs);
  return out;
}

// A pool whose mbufs have a 64-byte data room, so a few hundred bytes span
// several mbufs and every (offset, length) slice of them can be checked.
rte_mempool* small_room_pool() {
  static rte_mempool* pool = [] {
    testing::test_pool();  // starts the EAL
    return rte_pktmbuf_pool_create("small_room", 1023, 0, 0, 64, SOCKET_ID_ANY);
  }();
  return pool;
}

class SendBufferTest : public ::testing::Test {
 protected:
  // One mbuf of each pool stays out during the test, so that a double free
  // shows as a count above the start instead of being clamped to the size.
  void SetUp() override {
    ASSERT_NE(small_room_pool(), nullptr);
    reserved_ = rte_pktmbuf_alloc(pool_);
    small_reserved_ = rte_pktmbuf_alloc(small_room_pool());
    ASSERT_NE(reserved_, nullptr);
    ASSERT_NE(small_reserved_, nullptr);
    free_at_start_ = rte_mempool_avail_count(pool_);
    small_free_at_start_ = rte_mempool_avail_count(small_room_pool());
  }
  void TearDown() override {
    EXPECT_EQ(rte_mempool_avail_count(pool_), free_at_start_) << "mbufs leaked or freed twice";
    EXPECT_EQ(rte_mempool_avail_count(small_room_pool()), small_free_at_start_)
        << "mbufs leaked or freed twice in the small pool";
    rte_pktmbuf_free(reserved_);
    rte_pktmbuf_free(small_reserved_);
  }

  rte_mempool* pool_ = testing::test_pool();
  const std::uint32_t room_ = rte_pktmbuf_data_room_size(pool_);
  rte_mbuf* reserved_ = nullptr;
  rte_mbuf* small_reserved_ = nullptr;
  unsigned free_at_start_ = 0;
  unsigned small_free_at_start_ = 0;
};

const Seq kIss(1000);

TEST_F(SendBufferTest, AppendFillsTheTailMbufBeforeTakingAnother) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  EXPECT_EQ(sb.append(bytes(stream(100))), 100u);
  EXPECT_EQ(sb.mbufs_held(), 1u);
  EXPECT_EQ(sb.append(bytes(stream(room_ - 100, 100))), room_ - 100);
  EXPECT_EQ(sb.mbufs_held(), 1u) << "the tail had room for exactly this much";
  EXPECT_EQ(sb.append(bytes(stream(1, room_))), 1u);
  EXPECT_EQ(sb.mbufs_held(), 2u);
  EXPECT_EQ(sb.size(), room_ + 1);
  EXPECT_EQ(sb.start(), kIss);
  EXPECT_EQ(sb.end(), kIss + (room_ + 1));
  EXPECT_EQ(copy_out(sb, kIss, room_ + 1), stream(room_ + 1));
}

TEST_F(SendBufferTest, OneAppendSpansSeveralMbufs) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  const std::string data = stream(3 * room_ + 5);
  EXPECT_EQ(sb.append(bytes(data)), data.size());
  EXPECT_EQ(sb.mbufs_held(), 4u);
  EXPECT_EQ(copy_out(sb, kIss, data.size()), data);
  EXPECT_EQ(copy_out(sb, kIss + (room_ - 3), 10), data.substr(room_ - 3, 10));
}

TEST_F(SendBufferTest, AppendTakesOnlyWhatFitsInTheCapacity) {
  SendBuffer sb(pool_, 5000);
  sb.reset(kIss);
  EXPECT_EQ(sb.append(bytes(stream(6000))), 5000u);
  EXPECT_EQ(sb.size(), 5000u);
  EXPECT_EQ(sb.free_space(), 0u);
  EXPECT_EQ(sb.append(bytes(stream(1))), 0u);
  EXPECT_EQ(copy_out(sb, kIss, 5000), stream(5000));
}

TEST_F(SendBufferTest, CapacityBelowSizeTakesNothingUntilAcksFreeRoom) {
  SendBuffer sb(pool_, 5000);
  sb.reset(kIss);
  ASSERT_EQ(sb.append(bytes(stream(5000))), 5000u);
  sb.set_capacity(3000);
  EXPECT_EQ(sb.capacity(), 3000u);
  EXPECT_EQ(sb.free_space(), 0u);
  EXPECT_EQ(sb.append(bytes(stream(10))), 0u);
  EXPECT_EQ(sb.size(), 5000u) << "shrinking drops nothing already written";
  EXPECT_EQ(sb.consume(kIss + 2500), 2500u);
  EXPECT_EQ(sb.free_space(), 500u);
  EXPECT_EQ(sb.append(bytes(stream(1000, 5000))), 500u);
  EXPECT_EQ(copy_out(sb, kIss + 2500, 3000), stream(3000, 2500));
}

TEST_F(SendBufferTest, CapacityIsClampedToTheLargestWindow) {
  SendBuffer sb(pool_, 0xFFFFFFFFu);
  EXPECT_EQ(sb.capacity(), SendBuffer::kMaxCapacity);
}

TEST_F(SendBufferTest, AppendStopsWhenThePoolIsEmpty) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  ASSERT_EQ(sb.append(bytes(stream(10))), 10u);
  std::vector<rte_mbuf*> hoard;
  while (rte_mbuf* m = rte_pktmbuf_alloc(pool_)) hoard.push_back(m);
  EXPECT_EQ(sb.append(bytes(stream(2 * room_, 10))), room_ - 10)
      << "the tail's room is filled, then no mbuf is left";
  EXPECT_EQ(sb.append(bytes(stream(5))), 0u);
  rte_pktmbuf_free(hoard.back());
  hoard.pop_back();
  EXPECT_EQ(sb.append(bytes(stream(5, room_))), 5u);
  for (rte_mbuf* m : hoard) rte_pktmbuf_free(m);
  EXPECT_EQ(copy_out(sb, kIss, room_ + 5), stream(room_ + 5));
}

// Checks one slice: the right bytes, one indirect segment per buffer mbuf
// it touches, and then frees it.
void expect_slice(SendBuffer& sb, const std::string& model, Seq from, std::uint32_t len,
                  std::uint32_t room) {
  rte_mbuf* m = sb.slice(from, len);
  ASSERT_NE(m, nullptr);
  const std::uint32_t offset = static_cast<std::uint32_t>(from - sb.start());
  EXPECT_EQ(chain_payload(m), model.substr(offset, len)) << "offset " << offset << " len " << len;
  for (const rte_mbuf* seg = m; seg != nullptr; seg = seg->next) {
    EXPECT_TRUE(RTE_MBUF_CLONED(seg)) << "a slice shares the buffer's data";
    EXPECT_LE(seg->data_len, room);
  }
  rte_pktmbuf_free(m);
}

TEST_F(SendBufferTest, SliceAtEveryOffsetAndLengthHoldsExactlyThoseBytes) {
  rte_mempool* small = small_room_pool();
  const std::uint32_t room = rte_pktmbuf_data_room_size(small);
  SendBuffer sb(small, 1 << 20);
  sb.reset(kIss);
  std::string model = stream(4 * room + 13);
  ASSERT_EQ(sb.append(bytes(model)), model.size());
  for (int round = 0; round < 2; ++round) {
    for (std::uint32_t off = 0; off < model.size(); ++off) {
      for (std::uint32_t len = 1; off + len <= model.size(); ++len) {
        expect_slice(sb, model, sb.start() + off, len, room);
        if (HasFailure()) return;
      }
    }
    // Again with the first mbuf partly acknowledged.
    sb.consume(sb.start() + 37);
    model.erase(0, 37);
  }
}

TEST_F(SendBufferTest, SliceSegmentsMatchTheMbufsTheyCover) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  const std::string data = stream(3 * room_ + 100);
  ASSERT_EQ(sb.append(bytes(data)), data.size());
  rte_mbuf* m = sb.slice(kIss + (room_ - 10), room_ + 20);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->nb_segs, 3);
  EXPECT_EQ(m->data_len, 10);
  EXPECT_EQ(m->next->data_len, room_);
  EXPECT_EQ(m->next->next->data_len, 10);
  EXPECT_EQ(chain_payload(m), data.substr(room_ - 10, room_ + 20));
  rte_pktmbuf_free(m);

  // Broad sweep over the default pool's mbufs, at boundaries and between.
  for (std::uint32_t off : {0u, 1u, room_ - 1, room_, room_ + 1, 2 * room_ - 7, 3 * room_}) {
    for (std::uint32_t len : {1u, 2u, 100u, room_ - 1, room_, room_ + 1, 2 * room_ + 3, 3 * room_}) {
      if (off + len <= data.size()) expect_slice(sb, data, kIss + off, len, room_);
    }
  }
}

TEST_F(SendBufferTest, SlicesShareTheBuffersDataWithoutCopying) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  ASSERT_EQ(sb.append(bytes(stream(2 * room_ + 50))), 2 * room_ + 50);
  const unsigned before = rte_mempool_avail_count(pool_);
  rte_mbuf* a = sb.slice(kIss + 20, 2 * room_);
  rte_mbuf* b = sb.slice(kIss + 20, 2 * room_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(rte_mempool_avail_count(pool_), before - a->nb_segs - b->nb_segs)
      << "only the indirect mbufs are new; no data mbuf was allocated";
  for (rte_mbuf *x = a, *y = b; x != nullptr; x = x->next, y = y->next) {
    ASSERT_NE(y, nullptr);
    EXPECT_TRUE(RTE_MBUF_CLONED(x));
    EXPECT_EQ(rte_pktmbuf_mtod(x, void*), rte_pktmbuf_mtod(y, void*));
    rte_mbuf* data = rte_mbuf_from_indirect(x);
    EXPECT_TRUE(RTE_MBUF_DIRECT(data));
    EXPECT_EQ(rte_mbuf_from_indirect(y), data);
    EXPECT_EQ(rte_mbuf_refcnt_read(data), 3) << "the buffer and the two slices";
  }
  rte_pktmbuf_free(a);
  rte_pktmbuf_free(b);
}

TEST_F(SendBufferTest, SlicesStayValidAfterTheirBytesAreAcknowledged) {
  const std::string data = stream(2 * room_ + 50);
  rte_mbuf* in_flight = nullptr;
  {
    SendBuffer sb(pool_, 1 << 20);
    sb.reset(kIss);
    ASSERT_EQ(sb.append(bytes(data)), data.size());
    in_flight = sb.slice(kIss + 5, 2 * room_);
    ASSERT_NE(in_flight, nullptr);
    EXPECT_EQ(sb.consume(sb.end()), data.size());
    EXPECT_EQ(sb.size(), 0u);
    EXPECT_EQ(sb.mbufs_held(), 0u);
    ASSERT_EQ(sb.append(bytes(std::string(3 * room_, 'x'))), 3 * room_)
        << "new data must not land in the acknowledged mbufs";
  }
  EXPECT_EQ(rte_mempool_avail_count(pool_), free_at_start_ - 2u * in_flight->nb_segs)
      << "each segment holds its data mbuf after the buffer let go";
  EXPECT_EQ(chain_payload(in_flight), data.substr(5, 2 * room_));
  rte_pktmbuf_free(in_flight);
}

TEST_F(SendBufferTest, ConsumeReleasesPartialAndWholeMbufs) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  const std::string data = stream(3 * room_);
  ASSERT_EQ(sb.append(bytes(data)), data.size());
  EXPECT_EQ(sb.consume(kIss + 10), 10u);
  EXPECT_EQ(sb.start(), kIss + 10);
  EXPECT_EQ(sb.mbufs_held(), 3u);
  EXPECT_EQ(sb.consume(kIss + room_), room_ - 10);
  EXPECT_EQ(sb.mbufs_held(), 2u);
  EXPECT_EQ(sb.consume(kIss + room_), 0u);
  EXPECT_EQ(sb.consume(kIss + (2 * room_ + 1)), room_ + 1);
  EXPECT_EQ(sb.mbufs_held(), 1u);
  EXPECT_EQ(copy_out(sb, sb.start(), sb.size()), data.substr(2 * room_ + 1));
  EXPECT_EQ(sb.consume(sb.end()), room_ - 1);
  EXPECT_EQ(sb.mbufs_held(), 0u);
  EXPECT_EQ(sb.size(), 0u);
  EXPECT_EQ(sb.start(), kIss + 3 * room_);
  EXPECT_EQ(sb.append(bytes(stream(7))), 7u);
  EXPECT_EQ(copy_out(sb, kIss + 3 * room_, 7), stream(7));
}

TEST_F(SendBufferTest, AppendContinuesInAPartlyAcknowledgedTail) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  ASSERT_EQ(sb.append(bytes(stream(100))), 100u);
  rte_mbuf* first = sb.slice(kIss + 60, 40);
  sb.consume(kIss + 60);
  ASSERT_EQ(sb.append(bytes(stream(200, 100))), 200u);
  EXPECT_EQ(sb.mbufs_held(), 1u);
  EXPECT_EQ(copy_out(sb, kIss + 60, 240), stream(240, 60));
  expect_slice(sb, stream(240, 60), kIss + 60, 240, room_);
  EXPECT_EQ(chain_payload(first), stream(40, 60)) << "appending left sent bytes alone";
  rte_pktmbuf_free(first);
  // Fill the tail to the end of its room, then past it.
  ASSERT_EQ(sb.append(bytes(stream(room_, 300))), room_);
  EXPECT_EQ(sb.mbufs_held(), 2u);
  expect_slice(sb, stream(240 + room_, 60), kIss + 60, 240 + room_, room_);
}

TEST_F(SendBufferTest, SequenceNumbersWrapAround) {
  SendBuffer sb(pool_, 1 << 20);
  const Seq near_wrap(0xFFFFFFFFu - room_);
  sb.reset(near_wrap);
  const std::string data = stream(3 * room_);
  ASSERT_EQ(sb.append(bytes(data)), data.size());
  EXPECT_EQ(sb.end().raw(), near_wrap.raw() + 3 * room_);
  EXPECT_LT(sb.end().raw(), near_wrap.raw()) << "the buffer straddles 2^32";
  expect_slice(sb, data, near_wrap + (room_ - 5), room_ + 10, room_);
  EXPECT_EQ(sb.consume(Seq(2)), room_ + 3);
  EXPECT_EQ(sb.start(), Seq(2));
  EXPECT_EQ(copy_out(sb, Seq(2), 2 * room_ - 3), data.substr(room_ + 3));
  expect_slice(sb, data.substr(room_ + 3), Seq(2), 2 * room_ - 3, room_);
}

TEST_F(SendBufferTest, SliceReturnsNullWhenThePoolIsEmpty) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  ASSERT_EQ(sb.append(bytes(stream(3 * room_))), 3 * room_);
  std::vector<rte_mbuf*> hoard;
  while (rte_mbuf* m = rte_pktmbuf_alloc(pool_)) hoard.push_back(m);
  EXPECT_EQ(sb.slice(kIss, 100), nullptr);
  // Two free mbufs are not enough for a three-segment slice; both come back.
  for (int i = 0; i < 2; ++i) {
    rte_pktmbuf_free(hoard.back());
    hoard.pop_back();
  }
  EXPECT_EQ(sb.slice(kIss, 3 * room_), nullptr);
  EXPECT_EQ(rte_mempool_avail_count(pool_), 2u);
  rte_mbuf* m = sb.slice(kIss + 1, room_);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(chain_payload(m), stream(room_, 1));
  rte_pktmbuf_free(m);
  for (rte_mbuf* h : hoard) rte_pktmbuf_free(h);
}

TEST_F(SendBufferTest, ResetFreesEverything) {
  SendBuffer sb(pool_, 1 << 20);
  sb.reset(kIss);
  ASSERT_EQ(sb.append(bytes(stream(5 * room_))), 5 * room_);
  sb.reset(Seq(77));
  EXPECT_EQ(sb.size(), 0u);
  EXPECT_EQ(sb.mbufs_held(), 0u);
  EXPECT_EQ(sb.start(), Seq(77));
  EXPECT_EQ(rte_mempool_avail_count(pool_), free_at_start_);
}

// Random appends, acknowledgements, slices and capacity changes against a
// std::string holding what the buffer should hold. Slices are kept for a
// while, as retransmission queues keep them, and must still hold the bytes
// they were cut from when freed.
TEST_F(SendBufferTest, RandomOperationsMatchAStringModel) {
  for (std::uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    auto uniform = [&](std::uint32_t lo, std::uint32_t hi) {
      return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
    };
    SendBuffer sb(pool_, 64 * 1024);
    const Seq iss(0xFFFFFFFFu - uniform(0, 200000));  // crosses 2^32 in most seeds
    sb.reset(iss);
    std::string model;
    std::size_t written = 0;
    struct InFlight {
      rte_mbuf* m;
      std::string bytes;
    };
    std::deque<InFlight> in_flight;
    for (int step = 0; step < 3000; ++step) {
      const std::uint32_t op = uniform(0, 99);
      if (op < 40) {
        const std::string data = stream(uniform(0, 5000), written);
        const std::size_t taken = sb.append(bytes(data));
        EXPECT_EQ(taken, std::min<std::size_t>(data.size(), sb.free_space() + taken));
        model += data.substr(0, taken);
        written += taken;
      } else if (op < 60) {
        const std::uint32_t acked = uniform(0, static_cast<std::uint32_t>(model.size()));
        EXPECT_EQ(sb.consume(sb.start() + acked), acked);
        model.erase(0, acked);
      } else if (op < 85 && !model.empty()) {
        const std::uint32_t off = uniform(0, static_cast<std::uint32_t>(model.size() - 1));
        const std::uint32_t len = uniform(1, static_cast<std::uint32_t>(model.size()) - off);
        rte_mbuf* m = sb.slice(sb.start() + off, len);
        ASSERT_NE(m, nullptr);
        in_flight.push_back({m, model.substr(off, len)});
      } else if (op < 90) {
        sb.set_capacity(uniform(0, 128 * 1024));
      } else if (op < 95 && !model.empty()) {
        const std::uint32_t off = uniform(0, static_cast<std::uint32_t>(model.size() - 1));
        const std::uint32_t len = uniform(0, static_cast<std::uint32_t>(model.size()) - off);
        EXPECT_EQ(copy_out(sb, sb.start() + off, len), model.substr(off, len));
      }
      while (in_flight.size() > 20 || (!in_flight.empty() && uniform(0, 3) == 0)) {
        EXPECT_EQ(chain_payload(in_flight.front().m), in_flight.front().bytes);
        rte_pktmbuf_free(in_flight.front().m);
        in_flight.pop_front();
      }
      ASSERT_EQ(sb.size(), model.size());
      ASSERT_EQ(sb.end(), sb.start() + static_cast<std::uint32_t>(model.size()));
    }
    EXPECT_EQ(copy_out(sb, sb.start(), model.size()), model);
    for (auto& f : in_flight) {
      EXPECT_EQ(chain_payload(f.m), f.bytes);
      rte_pktmbuf_free(f.m);
    }
  }
}

}  // namespace
}  // namespace percore::tcp
