// Every prefix of every real frame, at every layer, copied into a buffer of
// exactly that size so that the sanitizer build catches any read past it:
// parsing must fail with the right error or succeed, and never crash.
#include <gtest/gtest.h>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::ChecksumCheck;
using wire::ParseError;

Frame prefix(wire::Bytes bytes, std::size_t len) { return Frame(bytes.begin(), bytes.begin() + len); }

class Truncation : public ::testing::TestWithParam<std::string> {};

TEST_P(Truncation, EthernetHeader) {
  for (const Frame& f : vector_frames(GetParam())) {
    for (std::size_t len = 0; len <= f.size(); ++len) {
      const Frame cut = prefix(f, len);
      const auto eth = wire::EthernetView::parse(cut);
      if (len < 14) {
        EXPECT_EQ(error_of(eth), ParseError::Truncated) << len;
      } else {
        ASSERT_TRUE(eth) << len;
        EXPECT_EQ(eth->payload().size(), len - 14);
      }
    }
  }
}

TEST_P(Truncation, ArpAndIpv4AndTransport) {
  for (const Frame& f : vector_frames(GetParam())) {
    const auto eth = wire::EthernetView::parse(f).value();
    const wire::Bytes l3 = eth.payload();
    for (std::size_t len = 0; len <= l3.size(); ++len) {
      const Frame cut = prefix(l3, len);
      if (eth.ethertype() == static_cast<std::uint16_t>(wire::EtherType::Arp)) {
        const auto arp = wire::ArpView::parse(cut);
        if (len < 28)
          EXPECT_EQ(error_of(arp), ParseError::Truncated) << len;
        else
          EXPECT_TRUE(arp && wire::ArpRepr::parse(*arp)) << len;
        continue;
      }
      // The captures have no IP options: 20 bytes of header.
      const auto ip = wire::Ipv4View::parse(cut);
      if (len < l3.size())
        EXPECT_EQ(error_of(ip), ParseError::Truncated) << len;
      else
        EXPECT_TRUE(ip) << len;
    }
  }
}

// The transport parsers get the IP payload, so a cut there is one the IP
// layer did not see (or was told was complete by a lying total length).
TEST_P(Truncation, TransportHeaders) {
  for (const Frame& f : vector_frames(GetParam())) {
    if (wire::EthernetView::parse(f)->ethertype() !=
        static_cast<std::uint16_t>(wire::EtherType::Ipv4))
      continue;
    const auto ip = ipv4_of(f);
    const wire::Bytes l4 = ip.payload();
    for (std::size_t len = 0; len <= l4.size(); ++len) {
      const Frame cut = prefix(l4, len);
      const bool whole = len == l4.size();
      switch (static_cast<wire::IpProto>(ip.protocol())) {
        case wire::IpProto::Tcp: {
          const std::size_t header_len = (l4[12] >> 4) * 4u;
          const auto verified = wire::TcpView::parse(cut, ip.src(), ip.dst());
          const auto skipped = wire::TcpView::parse(cut, ip.src(), ip.dst(), ChecksumCheck::Skip);
          if (len < header_len) {
            EXPECT_EQ(error_of(verified), ParseError::Truncated) << len;
            EXPECT_EQ(error_of(skipped), ParseError::Truncated) << len;
            break;
          }
          // Only the checksum can tell a segment cut inside its payload.
          if (whole)
            EXPECT_TRUE(verified) << len;
          else
            EXPECT_EQ(error_of(verified), ParseError::BadChecksum) << len;
          ASSERT_TRUE(skipped) << len;
          EXPECT_EQ(skipped->payload().size(), len - header_len);
          EXPECT_TRUE(wire::TcpRepr::parse(*skipped)) << len;
          break;
        }
        case wire::IpProto::Udp: {
          const auto udp = wire::UdpView::parse(cut, ip.src(), ip.dst());
          if (whole)
            EXPECT_TRUE(udp);
          else
            EXPECT_EQ(error_of(udp), ParseError::Truncated) << len;
          break;
        }
        case wire::IpProto::Icmp: {
          const auto icmp = wire::IcmpView::parse(cut);
          if (len < 8)
            EXPECT_EQ(error_of(icmp), ParseError::Truncated) << len;
          else if (whole)
            EXPECT_TRUE(icmp);
          else
            EXPECT_EQ(error_of(icmp), ParseError::BadChecksum) << len;
          break;
        }
        default:
          ADD_FAILURE() << "protocol " << int{ip.protocol()};
      }
    }
  }
}

// The TCP option parser on every prefix of every real option list.
TEST_P(Truncation, TcpOptions) {
  for (const Frame& f : vector_frames(GetParam())) {
    if (wire::EthernetView::parse(f)->ethertype() !=
            static_cast<std::uint16_t>(wire::EtherType::Ipv4) ||
        ipv4_of(f).protocol() != static_cast<std::uint8_t>(wire::IpProto::Tcp))
      continue;
    const wire::Bytes options = tcp_of(f).options();
    for (std::size_t len = 0; len <= options.size(); ++len) {
      const auto parsed = wire::TcpOptions::parse(prefix(options, len));
      if (!parsed) {
        EXPECT_EQ(parsed.error(), ParseError::BadOptionLength) << len;
      }
    }
    EXPECT_TRUE(wire::TcpOptions::parse(options));
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, Truncation, ::testing::ValuesIn(all_vector_files()),
                         [](const auto& info) {
                           return info.param.substr(0, info.param.find('.'));
                         });

}  // namespace
}  // namespace percore::testing
