#include "stack/tcp/isn.h"

#include <gtest/gtest.h>

#include <set>

namespace percore::tcp {
namespace {

const FourTuple kTuple{wire::Ipv4Addr::from_octets(198, 18, 0, 2), 7,
                       wire::Ipv4Addr::from_octets(198, 18, 0, 1), 40000};

TEST(SipHash, MatchesTheReferenceVectors) {
  // From the SipHash paper's reference: key 00..0f, messages 00..(n-1).
  const std::array<std::uint64_t, 2> key = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::uint8_t msg[64];
  for (int i = 0; i < 64; ++i) msg[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(siphash24(key, msg, 1), 0x74f839c593dc67fdULL);
  EXPECT_EQ(siphash24(key, msg, 8), 0x93f5f5799a932462ULL);
  EXPECT_EQ(siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
}

TEST(Isn, DependsOnTheTupleAndTheSecret) {
  IsnGenerator a({1, 2});
  IsnGenerator b({3, 4});
  FourTuple other = kTuple;
  other.remote_port = 40001;
  EXPECT_NE(a.isn(kTuple, Instant{}), a.isn(other, Instant{}));
  EXPECT_NE(a.isn(kTuple, Instant{}), b.isn(kTuple, Instant{}));
  EXPECT_EQ(a.isn(kTuple, Instant{}), a.isn(kTuple, Instant{}));
}

TEST(Isn, AdvancesWithTheFourMicrosecondClock) {
  // RFC 6528 3: M increments every 4 us, so one second moves the ISN 250,000.
  IsnGenerator g({1, 2});
  const wire::Seq t0 = g.isn(kTuple, Instant{});
  const wire::Seq t1 = g.isn(kTuple, Instant(1s));
  EXPECT_EQ(t1 - t0, 250000);
}

TEST(Isn, SpreadsAcrossPorts) {
  IsnGenerator g({5, 6});
  std::set<std::uint32_t> seen;
  FourTuple t = kTuple;
  for (std::uint16_t port = 1024; port < 2048; ++port) {
    t.remote_port = port;
    seen.insert(g.isn(t, Instant{}).raw() >> 20);
  }
  EXPECT_GT(seen.size(), 900u) << "the top 12 bits should be nearly all distinct";
}

}  // namespace
}  // namespace percore::tcp
