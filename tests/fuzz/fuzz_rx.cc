// libFuzzer target over the whole receive path: an Ethernet frame goes into
// the network layer exactly as the shard would hand it over, and whatever
// is returned for the transport is parsed as TCP or UDP as the transport's
// demux does. Built with -Dfuzz=true by clang with ASan+UBSan.
#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>

#include "stack/net/net_stack.h"
#include "stack/wire/tcp.h"
#include "stack/wire/udp.h"
#include "tests/support/eal_env.h"

namespace {

using namespace percore;

net::NetStack& stack() {
  static net::NetStack* s = [] {
    net::Interface iface{.mac = {{0x02, 0, 0, 0, 0, 0x02}},
                         .addr = *wire::Ipv4Cidr::parse("198.18.0.2/24"),
                         .gateway = wire::Ipv4Addr::parse("198.18.0.1")};
    return new net::NetStack(iface, testing::test_pool());
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  static Instant now{};
  now += std::chrono::milliseconds(50);  // so ARP timers run over a corpus
  net::NetStack& net = stack();
  rte_mbuf* m = rte_pktmbuf_alloc(testing::test_pool());
  if (m == nullptr) return 0;
  const size_t len = std::min<size_t>(size, rte_pktmbuf_tailroom(m));
  std::memcpy(rte_pktmbuf_append(m, static_cast<std::uint16_t>(len)), data, len);
  if (auto segment = net.input(m, now)) {
    if (segment->ip.protocol == static_cast<std::uint8_t>(wire::IpProto::Tcp)) {
      if (auto view = wire::TcpView::parse(segment->payload, segment->ip.src, segment->ip.dst,
                                           segment->checksum)) {
        (void)wire::TcpRepr::parse(*view);
      }
    } else if (auto view = wire::UdpView::parse(segment->payload, segment->ip.src,
                                                segment->ip.dst, segment->checksum)) {
      (void)wire::UdpRepr::parse(*view);
    }
    rte_pktmbuf_free(segment->mbuf);
  }
  net.poll_timers(now);
  for (rte_mbuf* out : net.tx_frames()) rte_pktmbuf_free(out);
  net.clear_tx();
  return 0;
}
