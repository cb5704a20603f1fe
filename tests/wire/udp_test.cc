#include <gtest/gtest.h>

#include <string_view>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::ChecksumCheck;
using wire::ParseError;
using wire::UdpRepr;
using wire::UdpView;

Frame udp_datagram(const Frame& frame) { return Frame(frame.begin() + kIpAt + 20, frame.end()); }

std::string_view text(wire::Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

TEST(Udp, ParsesBothDatagramsOfTheEcho) {
  const auto frames = vector_frames("udp.pcap");
  ASSERT_EQ(frames.size(), 2u);
  const auto request = udp_of(frames[0]);
  EXPECT_EQ(request.src_port(), 40000);
  EXPECT_EQ(request.dst_port(), 7000);
  EXPECT_EQ(request.length(), 8 + 19);
  EXPECT_NE(request.checksum(), 0);
  EXPECT_EQ(text(request.payload()), "percore udp vector\n");

  const auto reply = UdpRepr::parse(udp_of(frames[1]));
  EXPECT_EQ(reply.src_port, 7000);
  EXPECT_EQ(reply.dst_port, 40000);
  EXPECT_EQ(text(reply.payload), "PERCORE UDP VECTOR\n");
}

TEST(Udp, ChecksumCoversThePseudoHeader) {
  const auto frames = vector_frames("udp.pcap");
  ASSERT_FALSE(frames.empty());
  const Frame d = udp_datagram(frames[0]);
  EXPECT_TRUE(UdpView::parse(d, kClientIp, kServerIp));
  EXPECT_EQ(error_of(UdpView::parse(d, kClientIp, kRouterIp)), ParseError::BadChecksum);
  EXPECT_TRUE(UdpView::parse(d, kClientIp, kRouterIp, ChecksumCheck::Skip));
}

TEST(Udp, BadChecksumIsRejected) {
  const auto frames = vector_frames("udp.pcap");
  ASSERT_FALSE(frames.empty());
  Frame d = udp_datagram(frames[0]);
  d[10] ^= 0x20;
  EXPECT_EQ(error_of(UdpView::parse(d, kClientIp, kServerIp)), ParseError::BadChecksum);
}

TEST(Udp, ZeroChecksumMeansNoneWasSent) {
  const auto frames = vector_frames("udp.pcap");
  ASSERT_FALSE(frames.empty());
  Frame d = udp_datagram(frames[0]);
  d[6] = d[7] = 0;
  d[10] ^= 0x20;  // not detectable without a checksum, and not our business
  EXPECT_TRUE(UdpView::parse(d, kClientIp, kServerIp));
}

TEST(Udp, LengthFieldIsChecked) {
  const auto frames = vector_frames("udp.pcap");
  ASSERT_FALSE(frames.empty());
  const Frame good = udp_datagram(frames[0]);
  for (std::uint16_t length : {0, 7}) {
    Frame d = good;
    wire::store_be16(&d[4], length);
    EXPECT_EQ(error_of(UdpView::parse(d, kClientIp, kServerIp)), ParseError::BadTotalLength)
        << length;
  }
  Frame longer = good;
  wire::store_be16(&longer[4], static_cast<std::uint16_t>(good.size() + 1));
  EXPECT_EQ(error_of(UdpView::parse(longer, kClientIp, kServerIp, ChecksumCheck::Skip)),
            ParseError::Truncated);
}

TEST(Udp, PayloadStopsAtTheLengthField) {
  const auto frames = vector_frames("udp.pcap");
  ASSERT_FALSE(frames.empty());
  Frame d = udp_datagram(frames[0]);
  d.resize(d.size() + 5, 0xaa);
  const auto view = UdpView::parse(d, kClientIp, kServerIp);
  ASSERT_TRUE(view);
  EXPECT_EQ(text(view->payload()), "percore udp vector\n");
}

// RFC 768: a computed checksum of 0 is sent as 0xffff, since 0 means none.
TEST(Udp, ComputedZeroChecksumIsSentAsAllOnes) {
  Frame payload{0, 0};
  UdpRepr udp{.src_port = 1, .dst_port = 2, .payload = payload};
  Frame out(udp.buffer_len());
  udp.emit(out, kClientIp, kServerIp);
  // Choose the payload word that brings the one's complement sum to 0xffff.
  const std::uint16_t sum = 0xffff - wire::load_be16(&out[6]);
  wire::store_be16(payload.data(), static_cast<std::uint16_t>(0xffff - sum));
  udp.emit(out, kClientIp, kServerIp);
  EXPECT_EQ(wire::load_be16(&out[6]), 0xffff);
  EXPECT_TRUE(UdpView::parse(out, kClientIp, kServerIp));
}

TEST(Udp, OffloadLeavesThePseudoHeaderSum) {
  const Frame payload{'h', 'i'};
  const UdpRepr udp{.src_port = 1, .dst_port = 2, .payload = payload};
  Frame out(udp.buffer_len());
  udp.emit(out, kClientIp, kServerIp, wire::ChecksumFill::Offload);
  EXPECT_EQ(wire::load_be16(&out[6]), wire::ipv4_pseudo_header_sum(kClientIp, kServerIp, 17, 10));
  EXPECT_EQ(Frame(out.begin(), out.begin() + 6), (Frame{0, 1, 0, 2, 0, 10}));
}

}  // namespace
}  // namespace percore::testing
