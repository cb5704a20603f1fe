#include "stack/wire/checksum.h"

#include <gtest/gtest.h>

#include <rte_ip.h>

#include <cstring>
#include <random>
#include <vector>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::checksum_adjust16;
using wire::ones_sum;
using wire::checksum_adjust32;
using wire::internet_checksum;

// RFC 1071 section 3, as a reference: sum big-endian words, end-around carry.
std::uint16_t reference_checksum(const Frame& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2)
    sum += (std::uint32_t{data[i]} << 8) | (i + 1 < data.size() ? data[i + 1] : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// RFC 1071 1.2's example: 0001 f203 f4f5 f6f7 sums to ddf2.
TEST(Checksum, Rfc1071Example) {
  const Frame bytes{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(bytes), static_cast<std::uint16_t>(~0xddf2));
  // With the checksum appended, the whole sums to zero.
  Frame with_checksum = bytes;
  with_checksum.push_back(0x22);
  with_checksum.push_back(0x0d);
  EXPECT_EQ(internet_checksum(with_checksum), 0);
}

TEST(Checksum, OddLengthIsPaddedWithZero) {
  EXPECT_EQ(internet_checksum(Frame{0xab}), static_cast<std::uint16_t>(~0xab00));
  EXPECT_EQ(internet_checksum(Frame{0x00, 0x01, 0xf2}), static_cast<std::uint16_t>(~0xf201));
  EXPECT_EQ(internet_checksum(Frame{}), 0xffff);
}

TEST(Checksum, MatchesTheReferenceOnRandomData) {
  std::mt19937 rng(1071);
  for (std::size_t len = 0; len < 300; ++len) {
    Frame data(len);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    EXPECT_EQ(internet_checksum(data), reference_checksum(data)) << len;
  }
  const Frame ones(1500, 0xff);
  EXPECT_EQ(internet_checksum(ones), reference_checksum(ones));
}

// ones_sum adds eight bytes at a time from any address: at every alignment
// and length it folds to what DPDK's two-bytes-at-a-time sum gives, including
// runs of 0xff whose carries wrap around many times.
TEST(Checksum, OnesSumMatchesDpdkAtEveryAlignment) {
  std::mt19937 rng(1624);
  std::vector<std::uint8_t> buffer(4096 + 8);
  for (auto& b : buffer) b = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t len : {0, 1, 2, 7, 8, 9, 31, 32, 33, 63, 64, 65, 1023, 1460, 4096}) {
      const std::uint8_t* p = buffer.data() + offset;
      EXPECT_EQ(ones_sum(p, len), rte_raw_cksum(p, len)) << "offset " << offset << " len " << len;
    }
  }
  const std::vector<std::uint8_t> ones(65536, 0xff);
  EXPECT_EQ(ones_sum(ones.data(), ones.size()), rte_raw_cksum(ones.data(), ones.size()));
  EXPECT_EQ(ones_sum(ones.data(), ones.size()), 0xffff);
}

TEST(Checksum, Ipv4HeaderMatchesDpdk) {
  const auto frames = vector_frames("tcp_handshake.pcap");
  ASSERT_FALSE(frames.empty());
  Frame f = frames[0];
  const std::uint16_t captured = wire::load_be16(&f[kIpAt + 10]);
  wire::store_be16(&f[kIpAt + 10], 0);
  EXPECT_EQ(internet_checksum(wire::Bytes(f).subspan(kIpAt, 20)), captured);
  rte_ipv4_hdr h;
  std::memcpy(&h, &f[kIpAt], sizeof h);
  EXPECT_EQ(rte_be_to_cpu_16(rte_ipv4_cksum(&h)), captured);
}

TEST(Checksum, L4ChecksumOfRealSegmentsIsZeroAndMatchesDpdk) {
  for (const auto& name : {"tcp_handshake.pcap", "udp.pcap", "tcp_sack.pcap"}) {
    for (const Frame& f : vector_frames(name)) {
      const auto ip = ipv4_of(f);
      EXPECT_EQ(wire::ipv4_l4_checksum(ip.src(), ip.dst(), ip.protocol(), ip.payload()), 0);
      rte_ipv4_hdr h;
      std::memcpy(&h, &f[kIpAt], sizeof h);
      // DPDK's software checksum over the segment with its field zeroed
      // gives back the field Linux sent, as it lies in memory.
      Frame l4(ip.payload().begin(), ip.payload().end());
      const std::size_t field = ip.protocol() == 6 ? 16 : 6;
      std::uint16_t sent;
      std::memcpy(&sent, &l4[field], sizeof sent);
      l4[field] = l4[field + 1] = 0;
      EXPECT_EQ(rte_ipv4_udptcp_cksum(&h, l4.data()), sent) << name;
      EXPECT_EQ(rte_be_to_cpu_16(rte_ipv4_phdr_cksum(&h, 0)),
                wire::ipv4_pseudo_header_sum(ip.src(), ip.dst(), ip.protocol(),
                                             static_cast<std::uint16_t>(ip.payload().size())));
    }
  }
}

// RFC 1624 section 4's example: m 5555 -> 3285 where the rest sums to cd7a.
// The right answer is 0000; RFC 1141's formula gives ffff.
TEST(ChecksumAdjust, Rfc1624Example) {
  EXPECT_EQ(checksum_adjust16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

TEST(ChecksumAdjust, NoChangeKeepsTheChecksum) {
  EXPECT_EQ(checksum_adjust16(0x1234, 0xabcd, 0xabcd), 0x1234);
  EXPECT_EQ(checksum_adjust32(0x1234, 0xdeadbeef, 0xdeadbeef), 0x1234);
}

class IncrementalUpdate : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto frames = vector_frames("tcp_handshake.pcap");
    ASSERT_EQ(frames.size(), 8u);
    frame_ = frames[3];  // the data segment
  }
  std::uint16_t ip_checksum() const { return wire::load_be16(&frame_[kIpAt + 10]); }
  std::uint16_t tcp_checksum() const { return wire::load_be16(&frame_[kTcpAt + 16]); }
  // What a full recompute gives for the frame as it now is.
  std::pair<std::uint16_t, std::uint16_t> recomputed() const {
    Frame copy = frame_;
    refresh_ipv4_checksum(copy);
    refresh_l4_checksum(copy);
    return {wire::load_be16(&copy[kIpAt + 10]), wire::load_be16(&copy[kTcpAt + 16])};
  }

  static constexpr std::size_t kTcpAt = kIpAt + 20;
  Frame frame_;
};

TEST_F(IncrementalUpdate, PortChange) {
  const std::uint16_t old_port = wire::load_be16(&frame_[kTcpAt + 2]);
  const std::uint16_t adjusted = checksum_adjust16(tcp_checksum(), old_port, 8080);
  wire::store_be16(&frame_[kTcpAt + 2], 8080);
  EXPECT_EQ(adjusted, recomputed().second);
  EXPECT_NE(adjusted, tcp_checksum());
}

// NAT-style: the address is in the IP header and in the TCP pseudo-header.
TEST_F(IncrementalUpdate, AddressChange) {
  const std::uint32_t old_addr = wire::load_be32(&frame_[kIpAt + 12]);
  const std::uint32_t new_addr = wire::Ipv4Addr::from_octets(198, 19, 255, 254).value;
  const std::uint16_t ip_adjusted = checksum_adjust32(ip_checksum(), old_addr, new_addr);
  const std::uint16_t tcp_adjusted = checksum_adjust32(tcp_checksum(), old_addr, new_addr);
  wire::store_be32(&frame_[kIpAt + 12], new_addr);
  const auto [ip_full, tcp_full] = recomputed();
  EXPECT_EQ(ip_adjusted, ip_full);
  EXPECT_EQ(tcp_adjusted, tcp_full);
}

TEST_F(IncrementalUpdate, SequenceNumberChange) {
  const std::uint32_t old_seq = wire::load_be32(&frame_[kTcpAt + 4]);
  for (const std::uint32_t new_seq : {old_seq + 1, old_seq + 0x80000000u, 0u, 0xffffffffu}) {
    Frame before = frame_;
    const std::uint16_t adjusted = checksum_adjust32(tcp_checksum(), old_seq, new_seq);
    wire::store_be32(&frame_[kTcpAt + 4], new_seq);
    EXPECT_EQ(adjusted, recomputed().second) << new_seq;
    frame_ = before;
  }
}

TEST_F(IncrementalUpdate, TtlDecrementAsARouterDoesIt) {
  // RFC 1624 section 5: TTL shares its 16-bit word with the protocol.
  const std::uint16_t old_word = wire::load_be16(&frame_[kIpAt + 8]);
  const std::uint16_t adjusted = checksum_adjust16(ip_checksum(), old_word, old_word - 0x0100);
  frame_[kIpAt + 8] -= 1;
  EXPECT_EQ(adjusted, recomputed().first);
}

}  // namespace
}  // namespace percore::testing
