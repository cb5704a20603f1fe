#include "tests/tcp/sim/network.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

namespace percore::tcp::sim {
namespace {

constexpr std::uint32_t kEthernetHeaderLen = 14;

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
    if (tap) tap(true, rx, now);
    to_.receive(rx, now);
  }
}

}  // namespace percore::tcp::sim
