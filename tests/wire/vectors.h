// Shared helpers for the wire tests: the captured Linux frames in
// tests/vectors, decoding them layer by layer, and re-fixing checksums after
// a test edits a field.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "stack/wire/arp.h"
#include "stack/wire/checksum.h"
#include "stack/wire/ethernet.h"
#include "stack/wire/icmp.h"
#include "stack/wire/ipv4.h"
#include "stack/wire/tcp.h"
#include "stack/wire/udp.h"
#include "tests/support/pcap_reader.h"

namespace percore::testing {

inline constexpr std::uint32_t kLinkTypeEthernet = 1;
inline constexpr std::size_t kIpAt = wire::kEthernetHeaderLen;

inline constexpr wire::Ipv4Addr kClientIp = wire::Ipv4Addr::from_octets(198, 18, 0, 1);
inline constexpr wire::Ipv4Addr kServerIp = wire::Ipv4Addr::from_octets(198, 18, 1, 2);
inline constexpr wire::Ipv4Addr kRouterIp = wire::Ipv4Addr::from_octets(198, 18, 1, 254);
inline constexpr wire::MacAddr kServerMac{{0x02, 0x50, 0x43, 0x57, 0x00, 0x02}};
inline constexpr wire::MacAddr kRouterMac{{0x02, 0x50, 0x43, 0x57, 0x00, 0xb1}};

// The error of a parse result, or nullopt when it parsed: comparing this
// instead of calling error() keeps an unexpected success a clean failure.
template <typename T>
std::optional<wire::ParseError> error_of(const std::expected<T, wire::ParseError>& result) {
  if (result) return std::nullopt;
  return result.error();
}

// The frames of one capture; a failure (and no frames) if it cannot be read.
inline std::vector<Frame> vector_frames(const std::string& name) {
  auto file = read_pcap(std::string(PERCORE_TEST_DATA) + "/" + name);
  if (!file) {
    ADD_FAILURE() << file.error();
    return {};
  }
  EXPECT_EQ(file->link_type, kLinkTypeEthernet) << name;
  return file->frames;
}

inline const std::vector<std::string>& all_vector_files() {
  static const std::vector<std::string> files = {
      "arp.pcap",      "icmp_echo.pcap", "udp.pcap",          "tcp_handshake.pcap",
      "tcp_rst.pcap", "tcp_sack.pcap",  "tcp_syn_nots.pcap",
  };
  return files;
}

// Layer by layer; each throws (failing the test) if a layer does not parse.
inline wire::Ipv4View ipv4_of(const Frame& f) {
  return wire::Ipv4View::parse(wire::EthernetView::parse(f).value().payload()).value();
}
inline wire::TcpView tcp_of(const Frame& f) {
  const auto ip = ipv4_of(f);
  return wire::TcpView::parse(ip.payload(), ip.src(), ip.dst()).value();
}
inline wire::TcpRepr tcp_repr_of(const Frame& f) { return wire::TcpRepr::parse(tcp_of(f)).value(); }
inline wire::UdpView udp_of(const Frame& f) {
  const auto ip = ipv4_of(f);
  return wire::UdpView::parse(ip.payload(), ip.src(), ip.dst()).value();
}
inline wire::IcmpView icmp_of(const Frame& f) {
  return wire::IcmpView::parse(ipv4_of(f).payload()).value();
}

// Parses every layer into its Repr and emits them all into a fresh buffer.
inline Frame reemit(const Frame& frame,
                    wire::ChecksumFill fill = wire::ChecksumFill::Full) {
  const auto eth = wire::EthernetView::parse(frame).value();
  const auto eth_repr = wire::EthernetRepr::parse(eth);
  if (eth.ethertype() == static_cast<std::uint16_t>(wire::EtherType::Arp)) {
    const auto arp = wire::ArpRepr::parse(wire::ArpView::parse(eth.payload()).value()).value();
    Frame out(eth_repr.buffer_len() + arp.buffer_len());
    eth_repr.emit(out);
    arp.emit(wire::MutBytes(out).subspan(eth_repr.buffer_len()));
    return out;
  }
  const auto ipv = wire::Ipv4View::parse(eth.payload()).value();
  const auto ip = wire::Ipv4Repr::parse(ipv).value();
  const std::size_t l4_at = eth_repr.buffer_len() + ip.buffer_len();
  Frame out(l4_at + ip.payload_len);
  eth_repr.emit(out);
  ip.emit(wire::MutBytes(out).subspan(eth_repr.buffer_len()), fill);
  const auto l4 = wire::MutBytes(out).subspan(l4_at);
  switch (static_cast<wire::IpProto>(ip.protocol)) {
    case wire::IpProto::Tcp: {
      const auto tcp = wire::TcpRepr::parse(
          wire::TcpView::parse(ipv.payload(), ip.src, ip.dst).value()).value();
      EXPECT_EQ(tcp.buffer_len(), ip.payload_len);
      tcp.emit(l4, ip.src, ip.dst, fill);
      break;
    }
    case wire::IpProto::Udp: {
      const auto udp =
          wire::UdpRepr::parse(wire::UdpView::parse(ipv.payload(), ip.src, ip.dst).value());
      EXPECT_EQ(udp.buffer_len(), ip.payload_len);
      udp.emit(l4, ip.src, ip.dst, fill);
      break;
    }
    case wire::IpProto::Icmp: {
      const auto icmp = wire::IcmpRepr::parse(wire::IcmpView::parse(ipv.payload()).value());
      EXPECT_EQ(icmp.buffer_len(), ip.payload_len);
      icmp.emit(l4);
      break;
    }
    default:
      ADD_FAILURE() << "no Repr for IP protocol " << int{ip.protocol};
  }
  return out;
}

// After a test edits an IPv4 frame: recompute the header checksum, and the
// TCP/UDP/ICMP one over whatever the frame now holds.
inline void refresh_ipv4_checksum(Frame& f) {
  const std::size_t ihl = (f[kIpAt] & 0x0f) * 4u;
  wire::store_be16(&f[kIpAt + 10], 0);
  wire::store_be16(&f[kIpAt + 10],
                   wire::internet_checksum(wire::Bytes(f).subspan(kIpAt, ihl)));
}
inline void refresh_l4_checksum(Frame& f) {
  const std::size_t ihl = (f[kIpAt] & 0x0f) * 4u;
  const std::size_t total = wire::load_be16(&f[kIpAt + 2]);
  const std::uint8_t protocol = f[kIpAt + 9];
  const wire::Ipv4Addr src{wire::load_be32(&f[kIpAt + 12])};
  const wire::Ipv4Addr dst{wire::load_be32(&f[kIpAt + 16])};
  const auto l4 = wire::MutBytes(f).subspan(kIpAt + ihl, total - ihl);
  switch (static_cast<wire::IpProto>(protocol)) {
    case wire::IpProto::Tcp:
      wire::store_be16(&l4[16], 0);
      wire::store_be16(&l4[16], wire::ipv4_l4_checksum(src, dst, protocol, l4));
      break;
    case wire::IpProto::Udp: {
      wire::store_be16(&l4[6], 0);
      const std::uint16_t sum = wire::ipv4_l4_checksum(src, dst, protocol, l4);
      wire::store_be16(&l4[6], sum == 0 ? 0xffff : sum);
      break;
    }
    case wire::IpProto::Icmp:
      wire::store_be16(&l4[2], 0);
      wire::store_be16(&l4[2], wire::internet_checksum(l4));
      break;
  }
}

}  // namespace percore::testing
