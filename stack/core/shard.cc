#include "stack/core/shard.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "stack/wire/bytes.h"

namespace percore::core {

Shard::Shard(dev::Port& port, std::uint16_t queue, net::Interface iface, const Options& options,
             Instant now)
    : port_(port),
      queue_(queue),
      pcap_(options.pcap),
      net_(iface, port.pool(queue), options.arp),
      tcp_(net_, port.pool(queue), options.tcp, options.secret, now),
      redirect_(options.redirect) {
  if (redirect_ != nullptr) {
    tcp_.set_port_filter([this](const tcp::FourTuple& t) { return redirect_->owner(t) == queue_; });
    tcp_.set_on_adopted_release(
        [this](const tcp::FourTuple& t) { redirect_->forget_moved(t, queue_); });
  }
  if (options.faults.any()) {
    // Each direction gets its own seed so the two are not correlated.
    dev::FaultSpec tx_spec = options.faults;
    tx_spec.seed = options.faults.seed * 2 + 1;
    rx_faults_ = std::make_unique<dev::FaultInjector>(options.faults, port.pool(queue));
    tx_faults_ = std::make_unique<dev::FaultInjector>(tx_spec, port.pool(queue));
  }
  faulted_.reserve(2 * kBurst);
}

Shard::~Shard() {
  for (rte_mbuf* m : outgoing_) rte_pktmbuf_free(m);
}

void Shard::announce(Instant now) {
  net_.announce();
  transmit(now);
}

void Shard::flush(Instant now) {
  tcp_.poll(now);
  transmit(now);
}

unsigned Shard::poll(Instant now) {
  if (detached_) {
    tcp_.poll(now);
    transmit(now);
    return 0;
  }
  rte_mbuf* frames[kBurst];
  if (redirect_ != nullptr) {
    const unsigned k = rte_ring_sc_dequeue_burst(redirect_->ring(queue_),
                                                 reinterpret_cast<void**>(frames), kBurst, nullptr);
    redirect_stats_.in += k;
    input({frames, k}, now, true);
  }
  const std::uint16_t n = rte_eth_rx_burst(port_.id(), queue_, frames, kBurst);
  if (n > 0 && pcap_ != nullptr)
    pcap_->write(port_.id(), queue_, {frames, n}, dev::Direction::Rx);
  if (rx_faults_) {
    faulted_.clear();
    rx_faults_->apply({frames, n}, faulted_, now);
    input(faulted_, now);
  } else {
    input({frames, n}, now);
  }
  tcp_.poll(now);
  net_.poll_timers(now);
  transmit(now);
  return n;
}

void Shard::input(std::span<rte_mbuf* const> frames, Instant now, bool handed_over) {
  for (rte_mbuf* frame : frames) {
    if (auto segment = net_.input(frame, now)) {
      if (segment->transport() == static_cast<std::uint8_t>(wire::IpProto::Tcp)) {
        if (redirect_ != nullptr && redirect(*segment, handed_over)) continue;
        tcp_.input(*segment, now);
      }
      else
        net_.drop(segment->mbuf, net::Drop::NoTransport);  // UDP is not served yet
    }
  }
}

bool Shard::redirect(const net::L4Packet& segment, bool handed_over) {
  // An ICMP error quotes our own segment; it stays where it lands (rare).
  if (segment.icmp || segment.payload.size() < 14) return false;
  const auto* tcp = segment.payload.data();
  constexpr std::uint8_t kSyn = 0x02, kAck = 0x10;
  // A SYN opens a new connection here, on this shard's listener.
  if ((tcp[13] & (kSyn | kAck)) == kSyn) return false;
  const tcp::FourTuple key{segment.ip.dst, wire::load_be16(tcp + 2), segment.ip.src,
                           wire::load_be16(tcp)};
  if (tcp_.owns(key)) return false;
  if (auto moved = redirect_->moved_to(key)) return *moved != queue_ && hand_to(*moved, segment.mbuf);
  if (handed_over) return false;
  const std::uint16_t owner = redirect_->owner(key);
  return owner != queue_ && hand_to(owner, segment.mbuf);
}

bool Shard::hand_to(std::uint16_t shard, rte_mbuf* frame) {
  if (rte_ring_mp_enqueue(redirect_->ring(shard), frame) != 0) {
    ++redirect_stats_.ring_full;
    rte_pktmbuf_free(frame);
    return true;
  }
  ++redirect_stats_.out;
  return true;
}

void Shard::note_moved_here(const tcp::FourTuple& t) {
  if (redirect_ != nullptr) redirect_->set_moved(t, queue_);
}

Instant Shard::next_deadline() const {
  Instant deadline = net_.next_deadline();
  if (auto t = tcp_.next_deadline()) deadline = std::min(deadline, *t);
  // Frames the device did not take: try again soon, not a tick later.
  if (!outgoing_.empty()) deadline = std::min(deadline, tx_progress_ + kTxRetry);
  for (const auto* faults : {rx_faults_.get(), tx_faults_.get()})
    if (faults != nullptr)
      if (auto release = faults->next_release()) deadline = std::min(deadline, *release);
  return deadline;
}

const dev::FaultStats* Shard::rx_fault_stats() const {
  return rx_faults_ ? &rx_faults_->stats() : nullptr;
}

const dev::FaultStats* Shard::tx_fault_stats() const {
  return tx_faults_ ? &tx_faults_->stats() : nullptr;
}

void Shard::transmit(Instant now) {
  auto frames = net_.tx_frames();
  if (detached_) {
    for (rte_mbuf* m : frames) rte_pktmbuf_free(m);
    for (rte_mbuf* m : outgoing_) rte_pktmbuf_free(m);
    outgoing_.clear();
    net_.clear_tx();
    return;
  }
  if (outgoing_.empty()) tx_progress_ = now;
  if (pcap_ != nullptr && !frames.empty())
    pcap_->write(port_.id(), queue_, frames, dev::Direction::Tx);
  if (tx_faults_) {
    // Frames held back by the injector (delay, reorder) leave on a later poll.
    if (frames.empty())
      tx_faults_->release(now, outgoing_);
    else
      tx_faults_->apply(frames, outgoing_, now);
  } else {
    outgoing_.insert(outgoing_.end(), frames.begin(), frames.end());
  }
  net_.clear_tx();
  if (outgoing_.empty()) return;
  if (!port_.tx_multi_segs()) {
    // A TCP segment is its headers chained to its payload: one segment for
    // a device that cannot send a chain.
    size_t kept = 0;
    for (rte_mbuf* m : outgoing_) {
      if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) {
        net_.drop(m, net::Drop::NoBuffers);
        continue;
      }
      outgoing_[kept++] = m;
    }
    outgoing_.resize(kept);
  }

  size_t sent = 0;
  while (sent < outgoing_.size()) {
    const auto batch =
        static_cast<std::uint16_t>(std::min<size_t>(outgoing_.size() - sent, kBurst));
    const std::uint16_t n = rte_eth_tx_burst(port_.id(), queue_, outgoing_.data() + sent, batch);
    for (std::uint16_t i = 0; i < n; ++i)
      net_.stats().tx_bytes += rte_pktmbuf_pkt_len(outgoing_[sent + i]);
    net_.stats().tx_frames += n;
    sent += n;
    if (n < batch) break;
  }
  if (sent == outgoing_.size()) {
    outgoing_.clear();
    return;
  }
  // The ring is full: its reader has not caught up (memif's peer parked
  // for a tick, a burst of SYN-ACKs). Dropping the rest, as basicfwd does,
  // cost a SYN-ACK now and then, and ab's connection then waited out the
  // client's 1 s SYN timeout. What is left waits for the next poll, in
  // order, within bounds: the newest beyond kTxBacklog frames, and all of
  // it once the device has taken nothing for kTxStall (a peer that is
  // gone), are freed and counted; TCP retransmits what mattered.
  if (sent > 0) tx_progress_ = now;
  outgoing_.erase(outgoing_.begin(), outgoing_.begin() + static_cast<std::ptrdiff_t>(sent));
  const size_t keep = now - tx_progress_ > kTxStall ? 0 : std::min(outgoing_.size(), kTxBacklog);
  for (size_t i = keep; i < outgoing_.size(); ++i) net_.drop(outgoing_[i], net::Drop::TxFull);
  outgoing_.resize(keep);
}

}  // namespace percore::core
