// core::Shard's transmit path against a device whose TX ring fills: DPDK's
// net_ring driver over two rte_rings, the TX ring small, drained by the
// test as a slow reader would.
#include "stack/core/shard.h"

#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <chrono>
#include <memory>

#include "stack/dev/port.h"
#include "tests/support/eal_env.h"

namespace percore::core {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr unsigned kRingSlots = 16;  // a ring of 16 holds 15 frames
constexpr unsigned kRingHolds = kRingSlots - 1;

class ShardTransmitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::start_eal();
    static int n = 0;
    const std::string name = "shard_tx_test" + std::to_string(n++);
    rx_ = rte_ring_create((name + "_rx").c_str(), 64, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx_ = rte_ring_create((name + "_tx").c_str(), kRingSlots, SOCKET_ID_ANY,
                          RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(rx_, nullptr);
    ASSERT_NE(tx_, nullptr);
    const int id = rte_eth_from_rings(name.c_str(), &rx_, 1, &tx_, 1, SOCKET_ID_ANY);
    ASSERT_GE(id, 0);
    dev::PortConfig config;
    config.rx_desc = 64;
    config.tx_desc = 64;
    config.mbufs_per_queue = 4095;  // more than the ring and the backlog hold
    auto port = dev::Port::open(static_cast<std::uint16_t>(id), config);
    ASSERT_TRUE(port.has_value()) << port.error();
    port_ = std::move(*port);
    net::Interface iface;
    iface.mac = port_->mac();
    iface.addr = *wire::Ipv4Cidr::parse("198.18.0.2/24");
    shard_ = std::make_unique<Shard>(*port_, 0, iface, Shard::Options{}, now_);
  }

  void TearDown() override {
    shard_.reset();
    drain();
  }

  // Takes every frame off the TX ring, as the device's reader would.
  unsigned drain() {
    unsigned n = 0;
    void* frame = nullptr;
    while (tx_ != nullptr && rte_ring_sc_dequeue(tx_, &frame) == 0) {
      rte_pktmbuf_free(static_cast<rte_mbuf*>(frame));
      ++n;
    }
    return n;
  }

  std::uint64_t dropped_tx_full() { return shard_->net().stats().dropped(net::Drop::TxFull); }

  Instant now_{std::chrono::seconds(1000)};
  rte_ring* rx_ = nullptr;
  rte_ring* tx_ = nullptr;
  std::unique_ptr<dev::Port> port_;
  std::unique_ptr<Shard> shard_;
};

TEST_F(ShardTransmitTest, FramesAFullRingDidNotTakeWaitForTheNextPoll) {
  // Each announce() sends one gratuitous ARP.
  for (int i = 0; i < 40; ++i) shard_->announce(now_);
  EXPECT_EQ(rte_ring_count(tx_), kRingHolds);
  EXPECT_EQ(dropped_tx_full(), 0u);
  // Frames wait: the shard asks to be polled again soon, not a tick later.
  EXPECT_LE(shard_->next_deadline(), now_ + microseconds(20));

  unsigned delivered = drain();
  shard_->poll(now_ + microseconds(20));
  delivered += drain();
  shard_->poll(now_ + microseconds(40));
  delivered += drain();
  EXPECT_EQ(delivered, 40u);
  EXPECT_EQ(dropped_tx_full(), 0u);
  EXPECT_EQ(shard_->net().stats().tx_frames, 40u);
  EXPECT_GT(shard_->next_deadline(), now_ + milliseconds(1));
}

TEST_F(ShardTransmitTest, ADeviceThatTakesNothingForTenMillisecondsLosesTheBacklog) {
  for (int i = 0; i < 40; ++i) shard_->announce(now_);
  ASSERT_EQ(rte_ring_count(tx_), kRingHolds);
  shard_->poll(now_ + milliseconds(5));  // still within the stall bound
  EXPECT_EQ(dropped_tx_full(), 0u);
  shard_->poll(now_ + milliseconds(11));
  EXPECT_EQ(dropped_tx_full(), 40u - kRingHolds);
  EXPECT_GT(shard_->next_deadline(), now_ + milliseconds(12));
  // The device drains later: what it holds goes out, nothing else is left.
  EXPECT_EQ(drain(), kRingHolds);
  shard_->poll(now_ + milliseconds(12));
  EXPECT_EQ(drain(), 0u);
  EXPECT_EQ(port_->free_mbufs(), port_->total_mbufs());
}

TEST_F(ShardTransmitTest, TheBacklogIsBounded) {
  const unsigned sent = kRingHolds + Shard::kTxBacklog + 10;
  for (unsigned i = 0; i < sent; ++i) shard_->announce(now_);
  EXPECT_EQ(rte_ring_count(tx_), kRingHolds);
  EXPECT_EQ(dropped_tx_full(), 10u);
}

}  // namespace
}  // namespace percore::core
