#include "stack/core/shard.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

namespace percore::core {

Shard::Shard(dev::Port& port, std::uint16_t queue, net::Interface iface, net::ArpConfig arp,
             dev::PcapWriter* pcap)
    : port_(port), queue_(queue), pcap_(pcap), net_(iface, port.pool(queue), arp) {}

Shard::~Shard() = default;

void Shard::start(Instant now) {
  net_.announce();
  net_.poll_timers(now);
  flush_tx();
}

unsigned Shard::poll(Instant now) {
  rte_mbuf* frames[kBurst];
  const std::uint16_t n = rte_eth_rx_burst(port_.id(), queue_, frames, kBurst);
  if (n > 0 && pcap_ != nullptr)
    pcap_->write(port_.id(), queue_, {frames, n}, dev::Direction::Rx);
  for (std::uint16_t i = 0; i < n; ++i) {
    if (auto segment = net_.input(frames[i], now)) {
      // No transport layer yet takes TCP or UDP.
      net_.drop(segment->mbuf, net::Drop::NoTransport);
    }
  }
  net_.poll_timers(now);
  flush_tx();
  return n;
}

Instant Shard::next_deadline() const { return net_.next_deadline(); }

void Shard::flush_tx() {
  auto frames = net_.tx_frames();
  if (frames.empty()) return;
  if (pcap_ != nullptr) pcap_->write(port_.id(), queue_, frames, dev::Direction::Tx);
  size_t sent = 0;
  // The device may take a burst in several goes; give up when it takes none.
  while (sent < frames.size()) {
    const auto batch = static_cast<std::uint16_t>(std::min<size_t>(frames.size() - sent, kBurst));
    const std::uint16_t n =
        rte_eth_tx_burst(port_.id(), queue_, const_cast<rte_mbuf**>(frames.data() + sent), batch);
    for (std::uint16_t i = 0; i < n; ++i) {
      net_.stats().tx_bytes += rte_pktmbuf_pkt_len(frames[sent + i]);
    }
    net_.stats().tx_frames += n;
    sent += n;
    if (n == 0) break;
  }
  for (size_t i = sent; i < frames.size(); ++i) net_.drop(frames[i], net::Drop::TxFull);
  net_.clear_tx();
}

}  // namespace percore::core
