#include "stack/dev/rss.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

namespace percore::dev {
namespace {

using wire::Ipv4Addr;

// Microsoft's "Verifying the RSS Hash Calculation" IPv4 table (also the
// 82599 datasheet's RSS verification suite), default key.
struct Vector {
  Ipv4Addr dst;
  std::uint16_t dst_port;
  Ipv4Addr src;
  std::uint16_t src_port;
  std::uint32_t ipv4;
  std::uint32_t ipv4_tcp;
};

constexpr Vector kVectors[] = {
    {Ipv4Addr::from_octets(161, 142, 100, 80), 1766, Ipv4Addr::from_octets(66, 9, 149, 187), 2794,
     0x323e8fc2, 0x51ccc178},
    {Ipv4Addr::from_octets(65, 69, 140, 83), 4739, Ipv4Addr::from_octets(199, 92, 111, 2), 14230,
     0xd718262a, 0xc626b0ea},
    {Ipv4Addr::from_octets(12, 22, 207, 184), 38024, Ipv4Addr::from_octets(24, 19, 198, 95), 12898,
     0xd2d0a5de, 0x5c2b394a},
    {Ipv4Addr::from_octets(209, 142, 163, 6), 2217, Ipv4Addr::from_octets(38, 27, 205, 30), 48228,
     0x82989176, 0xafc7327f},
    {Ipv4Addr::from_octets(202, 188, 127, 2), 1303, Ipv4Addr::from_octets(153, 39, 163, 191), 44251,
     0x5d1809c5, 0x10e828a2},
};

TEST(Toeplitz, MatchesMicrosoftIpv4TcpVectors) {
  const Toeplitz toeplitz(kDefaultRssKey);
  for (const Vector& v : kVectors) {
    EXPECT_EQ(toeplitz.hash_ipv4_tcp(v.src, v.dst, v.src_port, v.dst_port), v.ipv4_tcp)
        << v.src.to_string() << ":" << v.src_port << " -> " << v.dst.to_string() << ":"
        << v.dst_port;
  }
}

TEST(Toeplitz, MatchesMicrosoftIpv4Vectors) {
  const Toeplitz toeplitz(kDefaultRssKey);
  for (const Vector& v : kVectors) {
    EXPECT_EQ(toeplitz.hash_ipv4(v.src, v.dst), v.ipv4)
        << v.src.to_string() << " -> " << v.dst.to_string();
  }
}

TEST(Toeplitz, DirectionMattersWithTheDefaultKey) {
  const Toeplitz toeplitz(kDefaultRssKey);
  const Vector& v = kVectors[0];
  EXPECT_NE(toeplitz.hash_ipv4_tcp(v.dst, v.src, v.dst_port, v.src_port), v.ipv4_tcp);
}

TEST(Toeplitz, FiftyTwoByteKeyUsesItsFirstBytesForIpv4) {
  // A 52-byte key (i40e, ice) whose first 40 bytes are the default key hashes
  // IPv4 tuples the same: the 12-byte input only reaches key byte 16.
  std::vector<std::uint8_t> long_key(kDefaultRssKey.begin(), kDefaultRssKey.end());
  long_key.resize(52, 0xa5);
  const Toeplitz toeplitz(long_key);
  for (const Vector& v : kVectors) {
    EXPECT_EQ(toeplitz.hash_ipv4_tcp(v.src, v.dst, v.src_port, v.dst_port), v.ipv4_tcp);
  }
}

TEST(Toeplitz, DifferentKeyGivesDifferentHash) {
  auto key = kDefaultRssKey;
  key[5] ^= 0x01;  // a bit the windows of several set input bits cover
  const Toeplitz toeplitz(key);
  const Vector& v = kVectors[0];
  EXPECT_NE(toeplitz.hash_ipv4_tcp(v.src, v.dst, v.src_port, v.dst_port), v.ipv4_tcp);
}

TEST(Reta, RoundRobinSpreadsQueues) {
  const Reta reta = Reta::round_robin(128, 3);
  EXPECT_EQ(reta.size(), 128u);
  EXPECT_EQ(reta.queue_for(0), 0);
  EXPECT_EQ(reta.queue_for(1), 1);
  EXPECT_EQ(reta.queue_for(2), 2);
  EXPECT_EQ(reta.queue_for(3), 0);
  EXPECT_EQ(reta.queue_for(127), 127 % 3);
  // Only the low bits select the entry.
  EXPECT_EQ(reta.queue_for(128 + 4), 1);
  EXPECT_EQ(reta.queue_for(0xffffff80u + 5), 2);
}

TEST(Reta, ExplicitEntries) {
  const Reta reta({3, 3, 1, 0});
  EXPECT_EQ(reta.size(), 4u);
  EXPECT_EQ(reta.queue_for(0x51ccc178), 3);  // low bits 0b00
  EXPECT_EQ(reta.queue_for(0x51ccc17a), 1);  // low bits 0b10
  EXPECT_EQ(reta.queue_for(0x51ccc17b), 0);
}

constexpr Ipv4Addr kLocal = Ipv4Addr::from_octets(198, 18, 0, 2);
constexpr Ipv4Addr kRemote = Ipv4Addr::from_octets(198, 18, 0, 1);
constexpr std::uint16_t kRemotePort = 11211;

bool never_used(std::uint16_t) { return false; }

TEST(PickSourcePort, RepliesLandOnTheChosenQueue) {
  const Toeplitz toeplitz(kDefaultRssKey);
  for (std::uint16_t queues : {1, 2, 4, 8}) {
    const Reta reta = Reta::round_robin(128, queues);
    for (std::uint16_t queue = 0; queue < queues; ++queue) {
      std::set<std::uint16_t> seen;
      std::uint16_t start = 32768;
      // Several consecutive picks, as successive connects would make them.
      for (int n = 0; n < 16; ++n) {
        const auto port = pick_source_port(toeplitz, reta, queue, kLocal, kRemote, kRemotePort,
                                           32768, 60999, start, never_used);
        ASSERT_TRUE(port.has_value()) << "queues " << queues << " queue " << queue;
        EXPECT_GE(*port, 32768);
        EXPECT_LE(*port, 60999);
        EXPECT_TRUE(seen.insert(*port).second);
        EXPECT_EQ(reta.queue_for(toeplitz.hash_ipv4_tcp(kRemote, kLocal, kRemotePort, *port)),
                  queue)
            << "queues " << queues << " port " << *port;
        start = static_cast<std::uint16_t>(*port + 1);
      }
    }
  }
}

TEST(PickSourcePort, ReturnsTheFirstQualifyingPortFromStart) {
  const Toeplitz toeplitz(kDefaultRssKey);
  const Reta reta = Reta::round_robin(128, 4);
  const auto port = pick_source_port(toeplitz, reta, 2, kLocal, kRemote, kRemotePort, 40000,
                                     50000, 45000, never_used);
  ASSERT_TRUE(port.has_value());
  for (std::uint32_t p = 45000; p < *port; ++p) {
    EXPECT_NE(reta.queue_for(toeplitz.hash_ipv4_tcp(kRemote, kLocal, kRemotePort,
                                                    static_cast<std::uint16_t>(p))),
              2)
        << "skipped qualifying port " << p;
  }
}

TEST(PickSourcePort, SkipsPortsInUse) {
  const Toeplitz toeplitz(kDefaultRssKey);
  const Reta reta = Reta::round_robin(128, 4);
  const auto free_pick = pick_source_port(toeplitz, reta, 1, kLocal, kRemote, kRemotePort, 32768,
                                          60999, 32768, never_used);
  ASSERT_TRUE(free_pick.has_value());
  std::vector<std::uint16_t> asked;
  const auto port = pick_source_port(toeplitz, reta, 1, kLocal, kRemote, kRemotePort, 32768,
                                     60999, 32768, [&](std::uint16_t p) {
                                       asked.push_back(p);
                                       return p == *free_pick;
                                     });
  ASSERT_TRUE(port.has_value());
  EXPECT_NE(*port, *free_pick);
  EXPECT_GT(*port, *free_pick);
  EXPECT_EQ(reta.queue_for(toeplitz.hash_ipv4_tcp(kRemote, kLocal, kRemotePort, *port)), 1);
  EXPECT_EQ(asked.front(), *free_pick);
}

TEST(PickSourcePort, StaysInRangeAndWraps) {
  const Toeplitz toeplitz(kDefaultRssKey);
  const Reta reta = Reta::round_robin(128, 8);
  // Find the qualifying ports in a small range, then start past the last one.
  std::vector<std::uint16_t> qualifying;
  for (std::uint32_t p = 50000; p <= 50200; ++p) {
    const auto port = static_cast<std::uint16_t>(p);
    if (reta.queue_for(toeplitz.hash_ipv4_tcp(kRemote, kLocal, kRemotePort, port)) == 5) {
      qualifying.push_back(port);
    }
  }
  ASSERT_GE(qualifying.size(), 2u);
  const std::uint16_t last = qualifying.back();
  const auto wrapped = pick_source_port(toeplitz, reta, 5, kLocal, kRemote, kRemotePort, 50000,
                                        50200, static_cast<std::uint16_t>(last + 1), never_used);
  EXPECT_EQ(wrapped, qualifying.front());
  // A start outside the range begins at its low end.
  const auto outside = pick_source_port(toeplitz, reta, 5, kLocal, kRemote, kRemotePort, 50000,
                                        50200, 1024, never_used);
  EXPECT_EQ(outside, qualifying.front());
  // The whole 16-bit range, wrapping past 65535.
  const auto top = pick_source_port(toeplitz, reta, 5, kLocal, kRemote, kRemotePort, 0, 65535,
                                    65535, never_used);
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(reta.queue_for(toeplitz.hash_ipv4_tcp(kRemote, kLocal, kRemotePort, *top)), 5);
}

TEST(PickSourcePort, NulloptWhenImpossible) {
  const Toeplitz toeplitz(kDefaultRssKey);
  const Reta reta = Reta::round_robin(128, 4);
  // A queue that no RETA entry names.
  EXPECT_EQ(pick_source_port(toeplitz, reta, 4, kLocal, kRemote, kRemotePort, 32768, 60999, 32768,
                             never_used),
            std::nullopt);
  // Every qualifying port is taken.
  EXPECT_EQ(pick_source_port(toeplitz, reta, 0, kLocal, kRemote, kRemotePort, 32768, 60999, 32768,
                             [](std::uint16_t) { return true; }),
            std::nullopt);
  // A one-port range whose port hashes elsewhere.
  const std::uint16_t port = 40000;
  const std::uint16_t other = static_cast<std::uint16_t>(
      (reta.queue_for(toeplitz.hash_ipv4_tcp(kRemote, kLocal, kRemotePort, port)) + 1) % 4);
  EXPECT_EQ(pick_source_port(toeplitz, reta, other, kLocal, kRemote, kRemotePort, port, port, port,
                             never_used),
            std::nullopt);
  // An empty range.
  EXPECT_EQ(pick_source_port(toeplitz, reta, 0, kLocal, kRemote, kRemotePort, 50000, 40000, 45000,
                             never_used),
            std::nullopt);
}

}  // namespace
}  // namespace percore::dev
