#include <gtest/gtest.h>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::ChecksumCheck;
using wire::Ipv4Repr;
using wire::Ipv4View;
using wire::ParseError;

Frame ip_packet(const Frame& frame) { return Frame(frame.begin() + kIpAt, frame.end()); }

// The SYN of tcp_handshake.pcap, from pcw-a through the router.
Frame syn_frame() {
  const auto frames = vector_frames("tcp_handshake.pcap");
  return frames.empty() ? Frame{} : frames[0];
}

TEST(Ipv4, ParsesFieldsOfARealSyn) {
  const Frame f = syn_frame();
  ASSERT_FALSE(f.empty());
  const Frame p = ip_packet(f);
  const auto ip = Ipv4View::parse(p);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->header_len(), 20u);
  EXPECT_EQ(ip->total_len(), 60u);
  EXPECT_EQ(ip->dscp_ecn(), 0);
  EXPECT_EQ(ip->ttl(), 63);  // one hop through pcw-r
  EXPECT_EQ(ip->protocol(), static_cast<std::uint8_t>(wire::IpProto::Tcp));
  EXPECT_EQ(ip->src(), kClientIp);
  EXPECT_EQ(ip->dst(), kServerIp);
  EXPECT_TRUE(ip->dont_fragment());
  EXPECT_FALSE(ip->more_fragments());
  EXPECT_EQ(ip->frag_offset(), 0u);
  EXPECT_FALSE(ip->is_fragment());
  EXPECT_EQ(ip->id(), wire::load_be16(&f[kIpAt + 4]));
  EXPECT_EQ(ip->checksum(), wire::load_be16(&f[kIpAt + 10]));
  EXPECT_EQ(ip->header().size(), 20u);
  EXPECT_EQ(ip->payload().size(), 40u);

  const auto repr = Ipv4Repr::parse(*ip);
  ASSERT_TRUE(repr);
  EXPECT_EQ(*repr, (Ipv4Repr{.src = kClientIp,
                             .dst = kServerIp,
                             .protocol = 6,
                             .payload_len = 40,
                             .ttl = 63,
                             .id = ip->id(),
                             .dont_fragment = true,
                             .dscp_ecn = 0}));
}

TEST(Ipv4, LinuxEchoReplyHasDontFragmentClear) {
  const auto frames = vector_frames("icmp_echo.pcap");
  ASSERT_EQ(frames.size(), 2u);
  const auto reply = Ipv4Repr::parse(ipv4_of(frames[1]));
  ASSERT_TRUE(reply);
  EXPECT_FALSE(reply->dont_fragment);
  EXPECT_EQ(reply->ttl, 64);
  EXPECT_EQ(reply->src, kServerIp);
}

TEST(Ipv4, PayloadStopsAtTotalLengthNotAtEthernetPadding) {
  const auto frames = vector_frames("tcp_rst.pcap");
  ASSERT_EQ(frames.size(), 2u);
  Frame padded = ip_packet(frames[1]);  // 40 bytes: an Ethernet frame of 54
  ASSERT_EQ(padded.size(), 40u);
  padded.resize(46, 0xaa);  // what a NIC delivers for a 60-byte minimum frame
  const auto ip = Ipv4View::parse(padded);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->total_len(), 40u);
  EXPECT_EQ(ip->payload().size(), 20u);
  EXPECT_TRUE(wire::TcpView::parse(ip->payload(), ip->src(), ip->dst()));
}

TEST(Ipv4, EmitsTheRfc791Header) {
  const Ipv4Repr repr{.src = kClientIp,
                      .dst = kServerIp,
                      .protocol = 17,
                      .payload_len = 8,
                      .ttl = 5,
                      .id = 0x1234,
                      .dont_fragment = false,
                      .dscp_ecn = 0xb8};
  Frame out(Ipv4Repr::buffer_len());
  repr.emit(out);
  const Frame expected_without_checksum{0x45, 0xb8, 0x00, 28,   0x12, 0x34, 0x00, 0x00, 5,  17,
                                        0x00, 0x00, 198,  18,   0,    1,    198,  18,   1,  2};
  Frame zeroed = out;
  zeroed[10] = zeroed[11] = 0;
  EXPECT_EQ(zeroed, expected_without_checksum);
  EXPECT_EQ(wire::internet_checksum(out), 0);
  EXPECT_NE(wire::load_be16(&out[10]), 0);

  Frame offload(Ipv4Repr::buffer_len());
  repr.emit(offload, wire::ChecksumFill::Offload);
  EXPECT_EQ(offload, expected_without_checksum);
}

TEST(Ipv4, BadVersionIsRejected) {
  Frame p = ip_packet(syn_frame());
  p[0] = 0x65;
  EXPECT_EQ(error_of(Ipv4View::parse(p)), ParseError::BadVersion);
}

TEST(Ipv4, HeaderLengthBelowFiveWordsIsRejected) {
  Frame p = ip_packet(syn_frame());
  for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
    p[0] = static_cast<std::uint8_t>(0x40 | ihl);
    EXPECT_EQ(error_of(Ipv4View::parse(p)), ParseError::BadHeaderLength) << int{ihl};
  }
}

TEST(Ipv4, HeaderLengthPastTheBufferIsTruncated) {
  Frame p = ip_packet(syn_frame());
  p.resize(40);
  wire::store_be16(&p[2], 40);
  p[0] = 0x4f;  // 60 bytes of header in a 40-byte buffer
  EXPECT_EQ(error_of(Ipv4View::parse(p)), ParseError::Truncated);
}

TEST(Ipv4, TotalLengthBelowHeaderLengthIsRejected) {
  Frame f = syn_frame();
  for (std::uint16_t total : {0, 1, 19}) {
    wire::store_be16(&f[kIpAt + 2], total);
    refresh_ipv4_checksum(f);
    EXPECT_EQ(error_of(Ipv4View::parse(ip_packet(f))), ParseError::BadTotalLength) << total;
  }
}

TEST(Ipv4, TotalLengthPastTheBufferIsTruncated) {
  Frame f = syn_frame();
  wire::store_be16(&f[kIpAt + 2], 61);
  refresh_ipv4_checksum(f);
  EXPECT_EQ(error_of(Ipv4View::parse(ip_packet(f))), ParseError::Truncated);
  wire::store_be16(&f[kIpAt + 2], 0xffff);
  refresh_ipv4_checksum(f);
  EXPECT_EQ(error_of(Ipv4View::parse(ip_packet(f))), ParseError::Truncated);
}

TEST(Ipv4, HeaderOptionsAreSkipped) {
  // The SYN with a 4-byte option list (NOP NOP NOP EOL) added to its header.
  const Frame syn = ip_packet(syn_frame());
  Frame p(syn.begin(), syn.begin() + 20);
  p.insert(p.end(), {1, 1, 1, 0});
  p.insert(p.end(), syn.begin() + 20, syn.end());
  p[0] = 0x46;
  wire::store_be16(&p[2], static_cast<std::uint16_t>(p.size()));
  wire::store_be16(&p[10], 0);
  wire::store_be16(&p[10], wire::internet_checksum(wire::Bytes(p).first(24)));
  const auto ip = Ipv4View::parse(p);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->header_len(), 24u);
  EXPECT_EQ(ip->header().size(), 24u);
  EXPECT_EQ(Frame(ip->payload().begin(), ip->payload().end()),
            Frame(syn.begin() + 20, syn.end()));
  EXPECT_EQ(Ipv4Repr::parse(*ip)->payload_len, 40);
}

TEST(Ipv4, BadHeaderChecksumIsRejectedUnlessTheNicVerifiedIt) {
  Frame p = ip_packet(syn_frame());
  p[8] ^= 0x01;  // TTL
  EXPECT_EQ(error_of(Ipv4View::parse(p)), ParseError::BadChecksum);
  EXPECT_EQ(error_of(Ipv4View::parse(p, ChecksumCheck::Verify)), ParseError::BadChecksum);
  const auto skipped = Ipv4View::parse(p, ChecksumCheck::Skip);
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->ttl(), 62);
}

TEST(Ipv4, FragmentsParseAsViewsButNotAsReprs) {
  Frame f = syn_frame();
  struct Case {
    std::uint16_t flags_and_offset;
    bool more;
    std::size_t offset;
  };
  // MF with offset 0 (a first fragment), MF with an offset, the last
  // fragment (offset only), and DF with an offset.
  for (const Case c : {Case{0x2000, true, 0}, Case{0x2000 | 185, true, 1480},
                       Case{0x0001, false, 8}, Case{0x4000 | 0x1fff, false, 0x1fff * 8}}) {
    wire::store_be16(&f[kIpAt + 6], c.flags_and_offset);
    refresh_ipv4_checksum(f);
    const Frame p = ip_packet(f);
    const auto ip = Ipv4View::parse(p);
    ASSERT_TRUE(ip);
    EXPECT_EQ(ip->more_fragments(), c.more);
    EXPECT_EQ(ip->frag_offset(), c.offset);
    EXPECT_TRUE(ip->is_fragment());
    EXPECT_EQ(error_of(Ipv4Repr::parse(*ip)), ParseError::Fragment)
        << std::hex << c.flags_and_offset;
  }
  wire::store_be16(&f[kIpAt + 6], 0x0000);  // neither DF nor a fragment
  refresh_ipv4_checksum(f);
  const auto whole = Ipv4Repr::parse(*Ipv4View::parse(ip_packet(f)));
  ASSERT_TRUE(whole);
  EXPECT_FALSE(whole->dont_fragment);
}

}  // namespace
}  // namespace percore::testing
