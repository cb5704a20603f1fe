#include <gtest/gtest.h>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::EthernetRepr;
using wire::EthernetView;
using wire::ParseError;

TEST(Ethernet, ParsesAddressesAndEtherTypeOfRealFrames) {
  const auto frames = vector_frames("arp.pcap");
  ASSERT_EQ(frames.size(), 2u);
  const auto request = EthernetView::parse(frames[0]);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->dst(), wire::MacAddr::broadcast());
  EXPECT_EQ(request->src(), kRouterMac);
  EXPECT_EQ(request->ethertype(), static_cast<std::uint16_t>(wire::EtherType::Arp));
  EXPECT_EQ(request->payload().size(), frames[0].size() - 14);
  EXPECT_EQ(request->payload().data(), frames[0].data() + 14);

  const auto tcp = vector_frames("tcp_handshake.pcap");
  ASSERT_FALSE(tcp.empty());
  const auto syn = EthernetRepr::parse(*EthernetView::parse(tcp[0]));
  EXPECT_EQ(syn, (EthernetRepr{.dst = kServerMac,
                               .src = kRouterMac,
                               .ethertype = static_cast<std::uint16_t>(wire::EtherType::Ipv4)}));
}

TEST(Ethernet, EmitsTheHeaderOnly) {
  const EthernetRepr repr{.dst = kServerMac, .src = kRouterMac, .ethertype = 0x86dd};
  Frame out(EthernetRepr::buffer_len() + 2, 0xee);
  repr.emit(out);
  EXPECT_EQ(out, (Frame{0x02, 0x50, 0x43, 0x57, 0x00, 0x02, 0x02, 0x50, 0x43, 0x57, 0x00, 0xb1,
                        0x86, 0xdd, 0xee, 0xee}));
}

TEST(Ethernet, HeaderShorterThan14IsTruncated) {
  const Frame header(14, 0);
  EXPECT_TRUE(EthernetView::parse(header));
  EXPECT_TRUE(EthernetView::parse(header)->payload().empty());
  const Frame short_frame(13, 0);
  EXPECT_EQ(error_of(EthernetView::parse(short_frame)), ParseError::Truncated);
  EXPECT_EQ(error_of(EthernetView::parse(wire::Bytes{})), ParseError::Truncated);
}

}  // namespace
}  // namespace percore::testing
