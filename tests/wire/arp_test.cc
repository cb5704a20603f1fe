#include <gtest/gtest.h>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::ArpOp;
using wire::ArpRepr;
using wire::ArpView;
using wire::ParseError;

Frame arp_payload(const Frame& frame) { return Frame(frame.begin() + 14, frame.end()); }

TEST(Arp, ParsesLinuxRequestAndReply) {
  const auto frames = vector_frames("arp.pcap");
  ASSERT_EQ(frames.size(), 2u);

  const auto request = ArpRepr::parse(*ArpView::parse(arp_payload(frames[0])));
  ASSERT_TRUE(request);
  EXPECT_EQ(*request, (ArpRepr{.op = ArpOp::Request,
                               .sender_mac = kRouterMac,
                               .sender_ip = kRouterIp,
                               .target_mac = wire::MacAddr{},
                               .target_ip = kServerIp}));

  const auto reply = ArpRepr::parse(*ArpView::parse(arp_payload(frames[1])));
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (ArpRepr{.op = ArpOp::Reply,
                             .sender_mac = kServerMac,
                             .sender_ip = kServerIp,
                             .target_mac = kRouterMac,
                             .target_ip = kRouterIp}));
}

TEST(Arp, IgnoresEthernetPadding) {
  const auto frames = vector_frames("arp.pcap");
  ASSERT_FALSE(frames.empty());
  Frame padded = arp_payload(frames[0]);
  padded.resize(46, 0);  // a 60-byte minimum frame as a NIC delivers it
  const auto view = ArpView::parse(padded);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->target_ip(), kServerIp);
  Frame out(ArpRepr::buffer_len());
  ArpRepr::parse(*view)->emit(out);
  EXPECT_EQ(out, Frame(padded.begin(), padded.begin() + 28));
}

TEST(Arp, RejectsOtherHardwareAndProtocolTypes) {
  const auto frames = vector_frames("arp.pcap");
  ASSERT_FALSE(frames.empty());
  const Frame good = arp_payload(frames[0]);
  struct Case {
    std::size_t at;
    std::uint8_t value;
  };
  // htype 6 (IEEE 802), ptype 0x8600, hlen 8, plen 16.
  for (const Case c : {Case{1, 6}, Case{2, 0x86}, Case{4, 8}, Case{5, 16}}) {
    Frame bad = good;
    bad[c.at] = c.value;
    EXPECT_EQ(error_of(ArpView::parse(bad)), ParseError::Unsupported) << "byte " << c.at;
  }
}

TEST(Arp, RejectsOperationsOtherThanRequestAndReply) {
  const auto frames = vector_frames("arp.pcap");
  ASSERT_FALSE(frames.empty());
  Frame rarp = arp_payload(frames[0]);
  rarp[7] = 3;  // RFC 903 reverse request
  const auto view = ArpView::parse(rarp);
  ASSERT_TRUE(view);
  EXPECT_EQ(error_of(ArpRepr::parse(*view)), ParseError::Unsupported);
}

TEST(Arp, ShorterThan28IsTruncated) {
  const Frame payload(27, 0);
  EXPECT_EQ(error_of(ArpView::parse(payload)), ParseError::Truncated);
}

}  // namespace
}  // namespace percore::testing
