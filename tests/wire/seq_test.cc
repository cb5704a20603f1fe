#include "stack/wire/seq.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace percore::wire {
namespace {

TEST(Seq, OrdersNearbyValues) {
  const Seq a(1000);
  const Seq b(2000);
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(a <= b);
  EXPECT_FALSE(a > b);
  EXPECT_FALSE(a >= b);
  EXPECT_TRUE(b > a);
  EXPECT_TRUE(a <= a);
  EXPECT_TRUE(a >= a);
  EXPECT_FALSE(a < a);
  EXPECT_EQ(a, Seq(1000));
  EXPECT_NE(a, b);
}

// RFC 9293 3.4: comparisons are modulo 2^32, so they hold across the wrap.
TEST(Seq, OrdersAcrossWraparound) {
  const Seq before_wrap(0xfffffff0);
  const Seq after_wrap(0x10);
  EXPECT_TRUE(before_wrap < after_wrap);
  EXPECT_TRUE(after_wrap > before_wrap);
  EXPECT_FALSE(after_wrap < before_wrap);
  EXPECT_TRUE(before_wrap <= after_wrap);
  EXPECT_FALSE(before_wrap >= after_wrap);
  EXPECT_EQ(std::max(before_wrap, after_wrap), after_wrap);
}

TEST(Seq, ArithmeticWraps) {
  EXPECT_EQ(Seq(0xffffffff) + 1, Seq(0));
  EXPECT_EQ(Seq(0) - 1, Seq(0xffffffff));
  Seq s(0xfffffffe);
  s += 5;
  EXPECT_EQ(s, Seq(3));
  s -= 4;
  EXPECT_EQ(s, Seq(0xffffffff));
  EXPECT_EQ(s.raw(), 0xffffffffu);
}

TEST(Seq, DistanceIsSignedAcrossTheWrap) {
  EXPECT_EQ(Seq(5) - Seq(0xfffffffb), 10);
  EXPECT_EQ(Seq(0xfffffffb) - Seq(5), -10);
  EXPECT_EQ(Seq(100) - Seq(100), 0);
  const Seq una(0xffffff00);
  const Seq nxt = una + 0x200;
  EXPECT_EQ(nxt - una, 0x200);
  EXPECT_EQ(una - nxt, -0x200);
}

TEST(Seq, HalfTheSpaceAwayIsTheLimit) {
  const Seq a(0);
  EXPECT_TRUE(a < a + 0x7fffffff);
  EXPECT_TRUE(a > a + 0x80000001);  // more than 2^31 ahead reads as behind
  // Exactly 2^31 apart each is "before" the other, like Linux's before().
  EXPECT_TRUE(a < a + 0x80000000);
  EXPECT_TRUE(a + 0x80000000 < a);
}

TEST(Seq, PrintsTheRawValue) {
  std::ostringstream os;
  os << Seq(4294967295u);
  EXPECT_EQ(os.str(), "4294967295");
}

}  // namespace
}  // namespace percore::wire
