// libFuzzer target over the whole receive path: an Ethernet frame goes into
// the network layer exactly as the shard would hand it over, and whatever
// is returned for the transport is parsed as TCP or UDP as the transport's
// demux does. Built with -Dfuzz=true by clang with ASan+UBSan.
#include <rte_mbuf.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "stack/net/net_stack.h"
#include "stack/wire/checksum.h"
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
    // Few neighbours, so that the packets ARP may hold (64 x 16) stay well
    // below the pool's size: an empty pool then means a leak.
    return new net::NetStack(iface, testing::test_pool(), net::ArpConfig{.max_entries = 64});
  }();
  return *s;
}

void store_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// Random bytes almost never carry valid checksums, so for half the inputs
// (first byte odd) the harness repairs the IPv4 and transport checksums
// before the stack sees the frame. The fuzzer then reaches the code behind
// checksum verification too. The repair reads only inside `f`.
void repair_checksums(std::uint8_t* f, size_t len) {
  constexpr size_t kEth = 14;
  if (len < kEth + 20 || f[12] != 0x08 || f[13] != 0x00) return;
  std::uint8_t* ip = f + kEth;
  const size_t ihl = (ip[0] & 0x0f) * 4u;
  if (ihl < 20 || kEth + ihl > len) return;
  ip[10] = ip[11] = 0;
  store_be16(ip + 10, wire::internet_checksum({ip, ihl}));
  const size_t total = std::min<size_t>((ip[2] << 8) | ip[3], len - kEth);
  if (total <= ihl) return;
  std::uint8_t* l4 = ip + ihl;
  const size_t l4_len = total - ihl;
  const wire::Ipv4Addr src{(std::uint32_t{ip[12]} << 24) | (ip[13] << 16) | (ip[14] << 8) | ip[15]};
  const wire::Ipv4Addr dst{(std::uint32_t{ip[16]} << 24) | (ip[17] << 16) | (ip[18] << 8) | ip[19]};
  size_t field = 0;
  switch (ip[9]) {
    case 1: field = 2; break;
    case 6: field = 16; break;
    case 17: field = 6; break;
    default: return;
  }
  if (l4_len < field + 2) return;
  l4[field] = l4[field + 1] = 0;
  const std::uint16_t sum = ip[9] == 1 ? wire::internet_checksum({l4, l4_len})
                                       : wire::ipv4_l4_checksum(src, dst, ip[9], {l4, l4_len});
  store_be16(l4 + field, sum);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  static Instant now{};
  now += std::chrono::milliseconds(50);  // so ARP timers run over a corpus
  net::NetStack& net = stack();
  if (size == 0) return 0;
  const bool repair = data[0] & 1;
  ++data;
  --size;
  rte_mbuf* m = rte_pktmbuf_alloc(testing::test_pool());
  if (m == nullptr) {
    std::fprintf(stderr, "mbuf pool empty: the receive path leaks mbufs\n");
    std::abort();
  }
  const size_t len = std::min<size_t>(size, rte_pktmbuf_tailroom(m));
  auto* frame = reinterpret_cast<std::uint8_t*>(
      rte_pktmbuf_append(m, static_cast<std::uint16_t>(len)));
  std::memcpy(frame, data, len);
  if (repair) repair_checksums(frame, len);
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
