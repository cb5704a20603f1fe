#include "preload/idle.h"

#include <gtest/gtest.h>

#include <chrono>

namespace percore::preload {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

const Instant kStart{std::chrono::seconds(100)};

TEST(IdleTicks, NormalTickUntilIdleLongEnough) {
  IdleTicks idle(microseconds(1000), microseconds(4000), milliseconds(100), kStart);
  EXPECT_FALSE(idle.deep(kStart));
  EXPECT_EQ(idle.tick(kStart), microseconds(1000));
  EXPECT_EQ(idle.tick(kStart + milliseconds(99)), microseconds(1000));
  EXPECT_TRUE(idle.deep(kStart + milliseconds(100)));
  EXPECT_EQ(idle.tick(kStart + milliseconds(100)), microseconds(4000));
  EXPECT_EQ(idle.tick(kStart + std::chrono::seconds(3600)), microseconds(4000));
}

TEST(IdleTicks, FirstFrameEndsDeepTicks) {
  IdleTicks idle(microseconds(1000), microseconds(8000), milliseconds(100), kStart);
  const Instant later = kStart + milliseconds(500);
  ASSERT_TRUE(idle.deep(later));
  idle.traffic(later);
  EXPECT_FALSE(idle.deep(later));
  EXPECT_EQ(idle.tick(later + milliseconds(50)), microseconds(1000));
  EXPECT_EQ(idle.tick(later + milliseconds(100)), microseconds(8000));
}

TEST(IdleTicks, TrafficNeverMovesBackInTime) {
  // Threads report frames out of order; an older report must not make a
  // busy stack look idle.
  IdleTicks idle(microseconds(1000), microseconds(4000), milliseconds(100), kStart);
  idle.traffic(kStart + milliseconds(300));
  idle.traffic(kStart + milliseconds(150));
  EXPECT_FALSE(idle.deep(kStart + milliseconds(399)));
  EXPECT_TRUE(idle.deep(kStart + milliseconds(400)));
}

TEST(IdleTicks, DeepTickEndsAtTheNextTimerButNotBeforeOneTick) {
  IdleTicks idle(microseconds(1000), microseconds(4000), milliseconds(100), kStart);
  const Instant t = kStart + milliseconds(200);
  EXPECT_EQ(idle.tick(t, Instant::max()), microseconds(4000));
  EXPECT_EQ(idle.tick(t, t + microseconds(2500)), microseconds(2500));
  EXPECT_EQ(idle.tick(t, t + microseconds(300)), microseconds(1000));
  EXPECT_EQ(idle.tick(t, t - milliseconds(5)), microseconds(1000));  // overdue
  // Not idle: the normal tick, whatever the timers.
  EXPECT_EQ(idle.tick(kStart, kStart + microseconds(300)), microseconds(1000));
}

TEST(IdleTicks, DeepTickShorterThanTickMeansNoDeepParking) {
  IdleTicks idle(microseconds(1000), microseconds(500), milliseconds(100), kStart);
  EXPECT_EQ(idle.tick(kStart + std::chrono::seconds(10)), microseconds(1000));
}

TEST(SpinWindow, StartsAtTheBase) {
  SpinWindow spin(microseconds(100), microseconds(1000));
  EXPECT_EQ(spin.get(), microseconds(100));
}

TEST(SpinWindow, ParksThatFindFramesDoubleItUpToTheMax) {
  SpinWindow spin(microseconds(100), microseconds(1000));
  spin.park_ended(true);
  EXPECT_EQ(spin.get(), microseconds(200));
  spin.park_ended(true);
  spin.park_ended(true);
  EXPECT_EQ(spin.get(), microseconds(800));
  spin.park_ended(true);
  EXPECT_EQ(spin.get(), microseconds(1000));
  spin.park_ended(true);
  EXPECT_EQ(spin.get(), microseconds(1000));
}

TEST(SpinWindow, EmptyParksHalveItDownToTheBase) {
  SpinWindow spin(microseconds(100), microseconds(1000));
  for (int i = 0; i < 5; ++i) spin.park_ended(true);
  ASSERT_EQ(spin.get(), microseconds(1000));
  spin.park_ended(false);
  EXPECT_EQ(spin.get(), microseconds(500));
  spin.park_ended(false);
  spin.park_ended(false);
  EXPECT_EQ(spin.get(), microseconds(125));
  spin.park_ended(false);
  EXPECT_EQ(spin.get(), microseconds(100));
  spin.park_ended(false);
  EXPECT_EQ(spin.get(), microseconds(100));
}

TEST(SpinWindow, MaxBelowBaseMeansAFixedSpin) {
  SpinWindow spin(microseconds(100), microseconds(0));
  EXPECT_EQ(spin.max(), microseconds(100));
  spin.park_ended(true);
  EXPECT_EQ(spin.get(), microseconds(100));
}

TEST(SpinWindow, ZeroBaseStillGrows) {
  // PERCORE_SPIN_US=0 (park at once) with a max: a park that found frames
  // makes the window grow from nothing.
  SpinWindow spin(microseconds(0), microseconds(1000));
  spin.park_ended(true);
  EXPECT_GT(spin.get(), microseconds(0));
  for (int i = 0; i < 40; ++i) spin.park_ended(true);
  EXPECT_EQ(spin.get(), microseconds(1000));
  for (int i = 0; i < 40; ++i) spin.park_ended(false);
  EXPECT_EQ(spin.get(), microseconds(0));
}

}  // namespace
}  // namespace percore::preload
