#include "stack/tcp/rtt.h"

#include <gtest/gtest.h>

namespace percore::tcp {
namespace {

TEST(Rtt, InitialRtoIsOneSecond) {
  RttEstimator r;
  EXPECT_EQ(r.rto(), 1s);
  EXPECT_FALSE(r.has_sample());
}

TEST(Rtt, FirstSampleSetsSrttAndHalfVariance) {
  // RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR.
  RttEstimator r;
  r.sample(300ms);
  EXPECT_EQ(r.srtt(), 300ms);
  EXPECT_EQ(r.rttvar(), 150ms);
  EXPECT_EQ(r.rto(), 900ms);
}

TEST(Rtt, LaterSamplesSmoothWithAlphaAndBeta) {
  // RFC 6298 2.3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|; SRTT = 7/8 SRTT + 1/8 R.
  RttEstimator r;
  r.sample(400ms);
  r.sample(200ms);
  EXPECT_EQ(r.rttvar(), (3 * 200ms + 200ms) / 4);
  EXPECT_EQ(r.srtt(), (7 * 400ms + 200ms) / 8);
}

TEST(Rtt, RtoIsClampedToTheMinimum) {
  RttEstimator r;
  r.sample(1ms);
  EXPECT_EQ(r.rto(), 200ms);
}

TEST(Rtt, BackoffDoublesUpToTheMaximum) {
  RttEstimator r;
  r.sample(300ms);
  r.backoff();
  EXPECT_EQ(r.rto(), 1800ms);
  r.backoff();
  EXPECT_EQ(r.rto(), 3600ms);
  for (int i = 0; i < 20; ++i) r.backoff();
  EXPECT_EQ(r.rto(), 120s);
  r.reset_backoff();
  EXPECT_EQ(r.rto(), 900ms);
}

TEST(Rtt, NegativeSamplesAreIgnored) {
  RttEstimator r;
  r.sample(-5ms);
  EXPECT_FALSE(r.has_sample());
}

}  // namespace
}  // namespace percore::tcp
