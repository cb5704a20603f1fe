#include "tests/tcp/sim/network.h"

#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

namespace percore::tcp::sim {
namespace {

constexpr std::uint32_t kEthernetHeaderLen = 14;

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

// Whether a contiguous IPv4 frame's header checksum (and, for TCP, the
// segment's) is right. Frames that are not IPv4 count as right.
bool checksums_valid(const rte_mbuf* frame) {
  const auto* eth = rte_pktmbuf_mtod(frame, const rte_ether_hdr*);
  const std::uint32_t len = frame->data_len;
  if (len < kEthernetHeaderLen || eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
    return true;
  const auto* ip = rte_pktmbuf_mtod_offset(frame, const rte_ipv4_hdr*, kEthernetHeaderLen);
  const std::uint32_t ihl = rte_ipv4_hdr_len(ip);
  if (len < kEthernetHeaderLen + sizeof(rte_ipv4_hdr) || ihl < sizeof(rte_ipv4_hdr) ||
      kEthernetHeaderLen + ihl > len || fold(rte_raw_cksum(ip, ihl)) != 0xffff)
    return false;
  if (ip->next_proto_id != IPPROTO_TCP) return true;
  const std::uint32_t total = rte_be_to_cpu_16(ip->total_length);
  if (total < ihl || kEthernetHeaderLen + total > len) return false;
  const auto* l4 = reinterpret_cast<const std::uint8_t*>(ip) + ihl;
  const std::uint32_t sum = rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(l4, total - ihl);
  return fold(sum) == 0xffff;
}

}  // namespace

Host::Host(const HostSpec& spec, const TcpConfig& config, Instant now) : spec_(spec) {
  net_ = std::make_unique<net::NetStack>(net::Interface{.mac = spec.mac, .addr = {spec.ip, 24}},
                                         spec.pool);
  tcp_ = std::make_unique<TcpLayer>(*net_, spec.pool, config, spec.isn_secret, now);
}

// The TCP layer goes first: it holds a reference to the network layer.
Host::~Host() = default;

void Host::receive(rte_mbuf* frame, Instant now) {
  if (auto packet = net_->input(frame, now)) tcp_->input(*packet, now);
}

void Host::poll(Instant now) {
  net_->poll_timers(now);
  tcp_->poll(now);
}

std::optional<Instant> Host::next_deadline() const {
  std::optional<Instant> next = tcp_->next_deadline();
  const Instant arp = net_->next_deadline();
  return next ? std::min(*next, arp) : arp;
}

Wire::Wire(Host& from, Host& to, const dev::FaultSpec& faults)
    : from_(from), to_(to), faults_(faults, from.pool()) {
  due_.reserve(256);
}

std::size_t Wire::in_flight() const { return faults_.held() + from_.net().tx_frames().size(); }

void Wire::carry(Instant now) {
  const auto sent = from_.net().tx_frames();
  stats_.frames_sent += sent.size();
  if (tap)
    for (const rte_mbuf* frame : sent) tap(false, frame, now);
  due_.clear();
  faults_.apply(sent, due_, now);
  from_.net().clear_tx();
  for (rte_mbuf* frame : due_) {
    // The receiving NIC: a frame beyond the MTU is dropped; the others land
    // in a fresh contiguous mbuf from the receiver's pool.
    const std::uint32_t len = rte_pktmbuf_pkt_len(frame);
    if (len > kEthernetHeaderLen + to_.net().iface().mtu) {
      ++stats_.oversize;
      rte_pktmbuf_free(frame);
      continue;
    }
    rte_mbuf* rx = rte_pktmbuf_alloc(to_.pool());
    char* dst = rx != nullptr ? rte_pktmbuf_append(rx, static_cast<std::uint16_t>(len)) : nullptr;
    if (dst == nullptr) {
      ++stats_.rx_no_mbuf;
      if (rx != nullptr) rte_pktmbuf_free(rx);
      rte_pktmbuf_free(frame);
      continue;
    }
    const void* src = rte_pktmbuf_read(frame, 0, len, dst);
    if (src != dst) std::memcpy(dst, src, len);
    rte_pktmbuf_free(frame);
    ++stats_.frames_delivered;
    if (!checksums_valid(rx)) ++stats_.bad_checksums;
    if (tap) tap(true, rx, now);
    to_.receive(rx, now);
  }
}

}  // namespace percore::tcp::sim
