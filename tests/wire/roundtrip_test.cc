// Every frame Linux sent, parsed layer by layer into Reprs and emitted into a
// fresh buffer, comes back byte for byte, checksums and TCP option layout
// included.
#include <gtest/gtest.h>

#include <rte_ip.h>

#include <cstring>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, EveryFrameReemitsIdentically) {
  const auto frames = vector_frames(GetParam());
  ASSERT_FALSE(frames.empty());
  for (std::size_t i = 0; i < frames.size(); ++i)
    EXPECT_EQ(reemit(frames[i]), frames[i]) << GetParam() << " frame " << i;
}

// With ChecksumFill::Offload the IPv4 checksum is left 0 and the TCP/UDP
// field holds what DPDK's rte_ipv4_phdr_cksum computes from the same header,
// which is what a NIC with tx checksum offload expects to find there.
TEST_P(RoundTrip, OffloadLeavesWhatDpdkTxOffloadExpects) {
  const auto frames = vector_frames(GetParam());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    if (wire::EthernetView::parse(f)->ethertype() !=
        static_cast<std::uint16_t>(wire::EtherType::Ipv4))
      continue;
    const Frame out = reemit(f, wire::ChecksumFill::Offload);
    ASSERT_EQ(out.size(), f.size());
    EXPECT_EQ(wire::load_be16(&out[kIpAt + 10]), 0) << GetParam() << " frame " << i;

    const std::uint8_t protocol = f[kIpAt + 9];
    std::size_t cksum_at;
    if (protocol == static_cast<std::uint8_t>(wire::IpProto::Tcp))
      cksum_at = kIpAt + 20 + 16;
    else if (protocol == static_cast<std::uint8_t>(wire::IpProto::Udp))
      cksum_at = kIpAt + 20 + 6;
    else
      continue;  // ICMP has no offload: emit always fills it
    rte_ipv4_hdr ip;
    std::memcpy(&ip, &f[kIpAt], sizeof ip);
    const std::uint16_t dpdk = rte_ipv4_phdr_cksum(&ip, 0);
    std::uint16_t ours;
    std::memcpy(&ours, &out[cksum_at], sizeof ours);
    EXPECT_EQ(ours, dpdk) << GetParam() << " frame " << i;
    // Everything but the checksum fields is the same as Full.
    Frame expected = f;
    wire::store_be16(&expected[kIpAt + 10], 0);
    std::memcpy(&expected[cksum_at], &dpdk, sizeof dpdk);
    EXPECT_EQ(out, expected) << GetParam() << " frame " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, RoundTrip, ::testing::ValuesIn(all_vector_files()),
                         [](const auto& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           return name;
                         });

}  // namespace
}  // namespace percore::testing
