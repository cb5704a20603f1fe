#include "stack/tcp/congestion.h"

#include <gtest/gtest.h>

namespace percore::tcp {
namespace {

constexpr std::uint32_t kMss = 1000;

TEST(Congestion, ParsesAlgorithmNames) {
  EXPECT_EQ(parse_cc("cubic"), CcAlgorithm::Cubic);
  EXPECT_EQ(parse_cc("newreno"), CcAlgorithm::NewReno);
  EXPECT_EQ(parse_cc("reno"), CcAlgorithm::NewReno);
  EXPECT_FALSE(parse_cc("bbr"));
}

TEST(Congestion, InitialWindowIsTenSegments) {
  Congestion cc(CcAlgorithm::NewReno, kMss);
  EXPECT_EQ(cc.cwnd(), 10 * kMss);
  EXPECT_TRUE(cc.in_slow_start());
}

TEST(Congestion, SlowStartGrowsByAckedBytesAtMostTwoSegments) {
  Congestion cc(CcAlgorithm::NewReno, kMss);
  cc.on_ack(kMss, Instant{}, 10ms);
  EXPECT_EQ(cc.cwnd(), 11 * kMss);
  cc.on_ack(5 * kMss, Instant{}, 10ms);  // a stretch ACK: RFC 3465 L = 2
  EXPECT_EQ(cc.cwnd(), 13 * kMss);
}

TEST(Congestion, RenoLossHalvesTheFlight) {
  Congestion cc(CcAlgorithm::NewReno, kMss);
  cc.on_loss(20 * kMss);
  EXPECT_EQ(cc.ssthresh(), 10 * kMss);
  EXPECT_EQ(cc.cwnd(), 10 * kMss);
  EXPECT_FALSE(cc.in_slow_start());
}

TEST(Congestion, RenoLossNeverBelowTwoSegments) {
  Congestion cc(CcAlgorithm::NewReno, kMss);
  cc.on_loss(kMss);
  EXPECT_EQ(cc.ssthresh(), 2 * kMss);
}

TEST(Congestion, RenoCongestionAvoidanceAddsOneSegmentPerWindow) {
  Congestion cc(CcAlgorithm::NewReno, kMss);
  cc.on_loss(20 * kMss);  // cwnd = ssthresh = 10 segments
  for (int i = 0; i < 9; ++i) cc.on_ack(kMss, Instant{}, 10ms);
  EXPECT_EQ(cc.cwnd(), 10 * kMss);
  cc.on_ack(kMss, Instant{}, 10ms);
  EXPECT_EQ(cc.cwnd(), 11 * kMss);
}

TEST(Congestion, RtoCollapsesToOneSegment) {
  Congestion cc(CcAlgorithm::NewReno, kMss);
  cc.on_rto(16 * kMss);
  EXPECT_EQ(cc.cwnd(), kMss);
  EXPECT_EQ(cc.ssthresh(), 8 * kMss);
  EXPECT_TRUE(cc.in_slow_start());
}

TEST(Congestion, CubicReducesByBetaSevenTenths) {
  Congestion cc(CcAlgorithm::Cubic, kMss);
  for (int i = 0; i < 90; ++i) cc.on_ack(kMss, Instant{}, 10ms);  // 100 segments
  ASSERT_EQ(cc.cwnd(), 100 * kMss);
  cc.on_loss(100 * kMss);
  EXPECT_EQ(cc.ssthresh(), 70 * kMss);
  EXPECT_EQ(cc.cwnd(), 70 * kMss);
  EXPECT_DOUBLE_EQ(cc.cubic_w_max_segments(), 100.0);
}

TEST(Congestion, CubicFastConvergenceLowersWmax) {
  Congestion cc(CcAlgorithm::Cubic, kMss);
  for (int i = 0; i < 90; ++i) cc.on_ack(kMss, Instant{}, 10ms);
  cc.on_loss(100 * kMss);  // W_max = 100, cwnd = 70
  cc.on_recovery_end();
  cc.on_loss(70 * kMss);   // 70 < W_max: W_max = 70 * 1.7 / 2
  EXPECT_DOUBLE_EQ(cc.cubic_w_max_segments(), 70 * 1.7 / 2);
}

TEST(Congestion, CubicRegrowsTowardsWmaxInAboutK) {
  // RFC 9438 4.2: K = cbrt(W_max (1 - beta) / C) = cbrt(100 * 0.3 / 0.4) = 4.217 s.
  Congestion cc(CcAlgorithm::Cubic, kMss);
  for (int i = 0; i < 90; ++i) cc.on_ack(kMss, Instant{}, 10ms);
  cc.on_loss(100 * kMss);
  cc.on_recovery_end();
  Instant t{};
  // A long RTT, so that the Reno-friendly estimate (RFC 9438 4.3: about
  // half a segment per RTT) stays below the cubic curve and CUBIC rules.
  const Duration rtt = 100ms;
  // ACK a full window every RTT for 4 s: the window must approach but stay
  // below W_max (concave region), and pass it shortly after K.
  for (; t < Instant(4s); t += rtt) {
    const std::uint32_t segments = cc.cwnd() / kMss;
    for (std::uint32_t i = 0; i < segments; ++i) cc.on_ack(kMss, t, rtt);
  }
  EXPECT_GT(cc.cwnd(), 95 * kMss);
  EXPECT_LE(cc.cwnd(), 100 * kMss);
  for (; t < Instant(6s); t += rtt) {
    const std::uint32_t segments = cc.cwnd() / kMss;
    for (std::uint32_t i = 0; i < segments; ++i) cc.on_ack(kMss, t, rtt);
  }
  EXPECT_GT(cc.cwnd(), 100 * kMss) << "convex region after K";
}

TEST(Congestion, CubicGrowsFasterThanRenoAfterLossOnLongRtt) {
  Congestion cubic(CcAlgorithm::Cubic, kMss);
  Congestion reno(CcAlgorithm::NewReno, kMss);
  for (auto* cc : {&cubic, &reno}) {
    for (int i = 0; i < 190; ++i) cc->on_ack(kMss, Instant{}, 100ms);
    cc->on_loss(cc->cwnd());
    cc->on_recovery_end();
  }
  for (Instant t{}; t < Instant(3s); t += 100ms)
    for (auto* cc : {&cubic, &reno}) {
      const std::uint32_t segments = cc->cwnd() / kMss;
      for (std::uint32_t i = 0; i < segments; ++i) cc->on_ack(kMss, t, 100ms);
    }
  EXPECT_GT(cubic.cwnd(), reno.cwnd());
}

TEST(Congestion, CubicIsRenoFriendlyOnShortRtts) {
  // RFC 9438 4.3: at a 10 ms RTT the cubic curve is flat for seconds, and
  // the window follows the Reno-friendly estimate instead: about
  // 3(1-beta)/(1+beta) = 0.53 segments per RTT.
  Congestion cc(CcAlgorithm::Cubic, kMss);
  for (int i = 0; i < 90; ++i) cc.on_ack(kMss, Instant{}, 10ms);
  cc.on_loss(100 * kMss);
  cc.on_recovery_end();
  Instant t{};
  for (int rtt = 0; rtt < 100; ++rtt, t += 10ms) {
    const std::uint32_t segments = cc.cwnd() / kMss;
    for (std::uint32_t i = 0; i < segments; ++i) cc.on_ack(kMss, t, 10ms);
  }
  EXPECT_GT(cc.cwnd(), 115 * kMss);
  EXPECT_LT(cc.cwnd(), 130 * kMss);
}

TEST(Congestion, MssChangeKeepsTheWindowInSegments) {
  Congestion cc(CcAlgorithm::NewReno, 1000);
  cc.set_mss(500);
  EXPECT_EQ(cc.cwnd(), 5000u);
}

}  // namespace
}  // namespace percore::tcp
