#include "stack/net/arp_cache.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include "tests/support/eal_env.h"

namespace percore::net {
namespace {

using wire::Ipv4Addr;
using wire::MacAddr;

const Ipv4Addr kA = Ipv4Addr::from_octets(198, 18, 0, 10);
const Ipv4Addr kB = Ipv4Addr::from_octets(198, 18, 0, 11);
const MacAddr kMacA{{2, 0, 0, 0, 0, 0x0a}};
const MacAddr kMacA2{{2, 0, 0, 0, 0, 0xaa}};

rte_mbuf* packet() { return rte_pktmbuf_alloc(testing::test_pool()); }

void free_all(const ArpCache::Pending& p) {
  for (rte_mbuf* m : p) rte_pktmbuf_free(m);
}

TEST(ArpCache, UnknownNeighbourIsAMiss) {
  ArpCache cache;
  EXPECT_FALSE(cache.lookup(kA, Instant{}));
}

TEST(ArpCache, LearnWithCreateThenHit) {
  ArpCache cache;
  EXPECT_TRUE(cache.learn(kA, kMacA, true, Instant{}).empty());
  EXPECT_EQ(cache.lookup(kA, Instant(1s)), kMacA);
  EXPECT_FALSE(cache.lookup(kB, Instant(1s)));
}

TEST(ArpCache, LearnWithoutCreateOnlyUpdates) {
  ArpCache cache;
  cache.learn(kA, kMacA, false, Instant{});
  EXPECT_EQ(cache.size(), 0u);
  cache.learn(kA, kMacA, true, Instant{});
  cache.learn(kA, kMacA2, false, Instant(1s));
  EXPECT_EQ(cache.lookup(kA, Instant(2s)), kMacA2);
}

TEST(ArpCache, FirstPacketAsksForARequestLaterOnesWait) {
  ArpCache cache;
  EXPECT_EQ(cache.enqueue(kA, packet(), Instant{}), ArpCache::Queued::FirstForNeighbour);
  EXPECT_EQ(cache.enqueue(kA, packet(), Instant{}), ArpCache::Queued::Waiting);
  EXPECT_EQ(cache.pending_packets(), 2u);
  auto released = cache.learn(kA, kMacA, false, Instant(1ms));
  EXPECT_EQ(released.size(), 2u) << "a resolving entry exists, so the reply is learnt";
  free_all(released);
  EXPECT_EQ(cache.pending_packets(), 0u);
}

TEST(ArpCache, QueueLimitRefusesExtraPackets) {
  ArpCache cache(ArpConfig{.max_pending = 2});
  cache.enqueue(kA, packet(), Instant{});
  cache.enqueue(kA, packet(), Instant{});
  rte_mbuf* extra = packet();
  EXPECT_EQ(cache.enqueue(kA, extra, Instant{}), ArpCache::Queued::QueueFull);
  rte_pktmbuf_free(extra);
}

TEST(ArpCache, CacheLimitRefusesNewNeighbours) {
  ArpCache cache(ArpConfig{.max_entries = 1});
  cache.learn(kA, kMacA, true, Instant{});
  rte_mbuf* m = packet();
  EXPECT_EQ(cache.enqueue(kB, m, Instant{}), ArpCache::Queued::CacheFull);
  rte_pktmbuf_free(m);
}

TEST(ArpCache, RetriesThenFails) {
  ArpCache cache(ArpConfig{.retry_interval = 1s, .max_requests = 2});
  cache.enqueue(kA, packet(), Instant{});
  auto e = cache.expire(Instant(999ms));
  EXPECT_TRUE(e.retry.empty());
  e = cache.expire(Instant(1s));
  ASSERT_EQ(e.retry.size(), 1u);
  EXPECT_EQ(e.retry[0], kA);
  e = cache.expire(Instant(2s));
  EXPECT_TRUE(e.retry.empty());
  EXPECT_EQ(e.failed.size(), 1u);
  free_all(e.failed);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ArpCache, ResolvedEntriesExpire) {
  ArpCache cache(ArpConfig{.reachable_time = 10s});
  cache.learn(kA, kMacA, true, Instant{});
  EXPECT_TRUE(cache.expire(Instant(9s)).retry.empty());
  EXPECT_EQ(cache.size(), 1u);
  cache.expire(Instant(10s));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ArpCache, DestructorFreesWaitingPackets) {
  rte_mempool* pool = testing::test_pool();
  const unsigned before = rte_mempool_avail_count(pool);
  {
    ArpCache cache;
    cache.enqueue(kA, packet(), Instant{});
    cache.enqueue(kB, packet(), Instant{});
    EXPECT_EQ(rte_mempool_avail_count(pool), before - 2);
  }
  EXPECT_EQ(rte_mempool_avail_count(pool), before);
}

}  // namespace
}  // namespace percore::net
