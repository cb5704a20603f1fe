#include "stack/tcp/layer.h"

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "stack/wire/checksum.h"
#include "stack/wire/ipv4.h"

namespace percore::tcp {
namespace {

// The one's complement sum of `len` bytes of an mbuf chain as big-endian
// words (RFC 1071), whatever the segments' lengths and addresses. A segment
// that starts at an odd offset of the payload contributes its sum byte-
// swapped (RFC 1071 2.(B)). (rte_raw_cksum_mbuf of 22.11 got this wrong for
// segments at odd addresses: every other segment of a stream that began
// with an odd-length write went out with a wrong checksum.)
std::uint32_t payload_sum(const rte_mbuf* m, std::uint32_t len) {
  std::uint32_t total = 0;
  std::uint32_t done = 0;
  for (; m != nullptr && done < len; m = m->next) {
    const std::uint32_t n = std::min<std::uint32_t>(m->data_len, len - done);
    std::uint16_t s = wire::ones_sum(rte_pktmbuf_mtod(m, const std::uint8_t*), n);
    if ((done & 1) != 0) s = rte_bswap16(s);
    total += s;
    done += n;
  }
  return rte_be_to_cpu_16(wire::detail::fold(total));
}

}  // namespace

namespace {

using wire::TcpFlag::kAck;
using wire::TcpFlag::kRst;
using wire::TcpFlag::kSyn;

bool has(const wire::TcpRepr& seg, std::uint8_t flag) { return (seg.flags & flag) != 0; }

constexpr std::uint16_t kEphemeralLo = 32768;
constexpr std::uint16_t kEphemeralHi = 60999;

}  // namespace

TcpLayer::TcpLayer(net::NetStack& net, rte_mempool* pool, const TcpConfig& config,
                   const std::array<std::uint64_t, 2>& secret, Instant now)
    : net_(net),
      pool_(pool),
      config_(config),
      isn_(secret),
      timers_(now),
      // RFC 6056 3.3.1: a random starting point, so ports are not predictable.
      next_port_(static_cast<std::uint16_t>(kEphemeralLo +
                                             secret[1] % (kEphemeralHi - kEphemeralLo + 1))) {
  out_.reserve(64);
}

TcpLayer::~TcpLayer() {
  for (OutSegment& seg : out_)
    if (seg.payload != nullptr) rte_pktmbuf_free(seg.payload);
  // TCBs cancel their timers in their destructors (Timer's), before the wheel goes.
  flows_.clear();
}

std::uint16_t TcpLayer::our_mss() const {
  // RFC 9293 3.7.1: MTU minus the IPv4 and TCP headers without options.
  return static_cast<std::uint16_t>(net_.iface().mtu - 40);
}

std::unique_ptr<Tcb> TcpLayer::make_tcb(const FourTuple& key) {
  auto tcb = std::make_unique<Tcb>(key, config_, pool_, timers_);
  tcb->set_challenge_ack_limit(&challenge_limit_);
  return tcb;
}

TcpLayer::TcbState* TcpLayer::state_of(const Tcb* tcb) {
  auto it = flows_.find(tcb->tuple());
  return it == flows_.end() ? nullptr : &it->second;
}

Listener* TcpLayer::find_listener(wire::Ipv4Addr ip, std::uint16_t port) {
  Listener* wildcard = nullptr;
  for (auto& l : listeners_) {
    if (l->port != port) continue;
    if (l->ip == ip) return l.get();
    if (l->ip.is_any()) wildcard = l.get();
  }
  return wildcard;
}

void TcpLayer::icmp_error(const net::L4Packet& packet, Instant now) {
  const net::IcmpError& e = *packet.icmp;
  const wire::Bytes quote = packet.payload;  // source port, destination port, sequence number
  const FourTuple key{e.local, wire::load_be16(quote.data()), e.remote,
                      wire::load_be16(quote.data() + 2)};
  rte_pktmbuf_free(packet.mbuf);
  auto it = flows_.find(key);
  if (it == flows_.end()) return;
  it->second.tcb->on_icmp_error(e, Seq(wire::load_be32(quote.data() + 4)), now);
  after_event(it->second);
}

void TcpLayer::input(const net::L4Packet& packet, Instant now) {
  if (packet.icmp) {
    icmp_error(packet, now);
    return;
  }
  ++stats_.segs_in;
  auto view = wire::TcpView::parse(packet.payload, packet.ip.src, packet.ip.dst, packet.checksum);
  if (!view) {
    ++stats_.bad_segments;
    net_.stats().count(net::Layer::Tcp, view.error());
    rte_pktmbuf_free(packet.mbuf);
    return;
  }
  auto seg = wire::TcpRepr::parse(*view);
  if (!seg) {
    ++stats_.bad_segments;
    net_.stats().count(net::Layer::Tcp, seg.error());
    rte_pktmbuf_free(packet.mbuf);
    return;
  }
  const FourTuple key{packet.ip.dst, seg->dst_port, packet.ip.src, seg->src_port};
  auto it = flows_.find(key);
  if (it == flows_.end()) {
    input_no_connection(*seg, key, packet.mbuf, now);
    return;
  }
  TcbState& s = it->second;
  Tcb& tcb = *s.tcb;
  // RFC 9293 3.10.7.4 leaves a SYN in TIME-WAIT to the implementation;
  // like Linux (and RFC 6191 with timestamps), a SYN whose sequence number
  // (or timestamp) is beyond the old connection's starts a new one, if a
  // listener takes it; otherwise TIME-WAIT answers it with an ACK.
  if (tcb.time_wait_accepts_syn(*seg, now) &&
      find_listener(key.local_ip, key.local_port) != nullptr) {
    ++stats_.time_wait_reused;
    // RFC 1122 4.2.2.13 (1): the new ISN is above the old connection's
    // sequence space, so its late duplicates cannot land in the new window
    // (Linux: tw_snd_nxt + 65535 + 2).
    const Seq isn = tcb.snd_nxt() + 65537;
    const bool admitted = s.admitted;
    release(s);
    flows_.erase(it);
    input_no_connection(*seg, key, packet.mbuf, now, isn);
    if (admitted && admission_end_ && !flows_.contains(key)) admission_end_(key);
    return;
  }
  auto result = tcb.input(*seg, packet.mbuf, now);
  if (result.reply) send_rst(key, *result.reply, now);
  after_event(s);
}

void TcpLayer::input_no_connection(const wire::TcpRepr& seg, const FourTuple& key, rte_mbuf* m,
                                   Instant now, std::optional<Seq> isn) {
  rte_pktmbuf_free(m);
  if (has(seg, kRst)) return;  // RFC 9293 3.10.7.1: never answer a RST
  if (admit_) {
    switch (admit_(key, has(seg, kSyn) && !has(seg, kAck))) {
      case Admission::Accept: break;
      case Admission::Ignore: ++stats_.not_ours; return;
      case Admission::Reset:
        ++stats_.no_listener;
        send_rst(key, rst_for(seg), now);
        return;
    }
  }
  Listener* l = find_listener(key.local_ip, key.local_port);
  if (l != nullptr && has(seg, kSyn) && !has(seg, kAck)) {
    // RFC 9293 3.10.7.2 (LISTEN, SYN). When the SYN queue is full,
    // answer statelessly with a SYN cookie (RFC 4987 3.6).
    if (l->syn_received >= l->backlog) {
      ++stats_.syn_queue_full;
      send_cookie_syn_ack(key, seg, now);
      return;
    }
    auto tcb = make_tcb(key);
    tcb->accept_syn(seg, isn ? *isn : isn_.isn(key, now), our_mss(), now);
    ++l->syn_received;
    auto [it, inserted] = flows_.emplace(key, TcbState{});
    it->second.tcb = std::move(tcb);
    it->second.listener = l;
    it->second.admitted = admit_ != nullptr;
    after_event(it->second);
    return;
  }
  // An ACK to a listener may return one of our SYN cookies.
  if (l != nullptr && has(seg, kAck) && !has(seg, kSyn) && accept_cookie(l, key, seg, now)) return;
  // RFC 9293 3.10.7.1 (CLOSED) and 3.10.7.2 (an ACK to a listener): RST.
  ++stats_.no_listener;
  send_rst(key, rst_for(seg), now);
  if (admit_ && admission_end_) admission_end_(key);
}

void TcpLayer::after_event(TcbState& s) {
  Tcb& tcb = *s.tcb;
  // A passive open that completed joins its listener's accept queue.
  if (s.listener != nullptr && !s.accepted_queued && is_synchronized(tcb.state())) {
    Listener* l = s.listener;
    --l->syn_received;
    s.accepted_queued = true;
    l->accept_queue.push_back(&tcb);
    if (!l->ready_queued) {
      l->ready_queued = true;
      ready_.push_back({.listener = l});
    }
  }
  if (tcb.wants_output() && !s.dirty) {
    s.dirty = true;
    dirty_.push_back(tcb.tuple());
  }
  const std::uint32_t ev = tcb.events();
  const bool data_ready = tcb.take_data_ready();
  if (s.app_owned && (ev != s.last_events || data_ready) && !s.ready) {
    s.ready = true;
    ready_.push_back({.tcb = &tcb});
  }
  s.last_events = ev;
  // Freed once the protocol is done and nobody holds it: the application
  // closed it, or it never reached the application.
  // A connection reset while it waits in the accept queue stays there, as
  // on Linux: accept() returns it and the first read reports the reset.
  if (tcb.state() == State::Closed && (!s.app_owned || s.app_closed) &&
      !(s.accepted_queued && s.listener != nullptr))
    dead_.push_back(tcb.tuple());
}

void TcpLayer::touch(Tcb* tcb) {
  if (TcbState* s = state_of(tcb)) after_event(*s);
}

void TcpLayer::on_timer(core::Timer& t, Instant now) {
  auto& timer = static_cast<TcbTimer&>(t);
  Tcb* tcb = timer.owner;
  tcb->on_timer(timer.kind(), now);
  if (TcbState* s = state_of(tcb)) after_event(*s);
}

void TcpLayer::poll(Instant now) {
  timers_.advance(now, [&](core::Timer& t) { on_timer(t, now); });
  // Output for every connection touched since the last poll: one pass, so
  // a burst of segments for one connection yields one ACK.
  for (size_t i = 0; i < dirty_.size(); ++i) {
    auto it = flows_.find(dirty_[i]);
    if (it == flows_.end()) continue;
    TcbState& s = it->second;
    s.dirty = false;
    out_.clear();
    s.tcb->output(now, out_);
    for (OutSegment& seg : out_) transmit(*s.tcb, seg, now);
    out_.clear();
    after_event(s);
  }
  dirty_.clear();
  for (const FourTuple& key : dead_) {
    auto it = flows_.find(key);
    if (it == flows_.end() || it->second.tcb->state() != State::Closed) continue;
    const bool admitted = it->second.admitted;
    release(it->second);
    flows_.erase(it);
    if (admitted && admission_end_) admission_end_(key);
  }
  dead_.clear();
}

std::unique_ptr<Tcb> TcpLayer::take_for_move(Tcb* tcb, bool& admitted) {
  auto it = flows_.find(tcb->tuple());
  if (it == flows_.end() || it->second.tcb.get() != tcb) return nullptr;
  TcbState& s = it->second;
  const State st = tcb->state();
  if (!s.app_owned || s.app_closed || s.listener != nullptr ||
      (st != State::Established && st != State::CloseWait))
    return nullptr;
  std::unique_ptr<Tcb> out = std::move(s.tcb);
  admitted = s.admitted;
  flows_.erase(it);
  // dirty_ and dead_ hold tuples (looked up again); ready_ holds pointers.
  std::erase_if(ready_, [&](const Ready& r) { return r.tcb == out.get(); });
  return out;
}

void TcpLayer::adopt(std::unique_ptr<Tcb> tcb, bool admitted) {
  tcb->rehome(timers_, pool_, &challenge_limit_);
  const FourTuple key = tcb->tuple();
  auto [it, inserted] = flows_.try_emplace(key);
  assert(inserted && "adopt: the tuple lives here already (the caller checks owns())");
  TcbState& s = it->second;
  s.tcb = std::move(tcb);
  s.app_owned = true;
  s.adopted = true;
  s.admitted = admitted;
  // Whatever was due on the old shard is sent from here, and the socket's
  // readiness is reported afresh.
  s.dirty = true;
  dirty_.push_back(key);
  s.ready = true;
  ready_.push_back({.tcb = s.tcb.get()});
  s.last_events = s.tcb->events();
}

void TcpLayer::release(TcbState& s) {
  const TcpCounters& c = s.tcb->counters();
  stats_.retransmits += c.retransmits;
  stats_.rto_expirations += c.rto_expirations;
  stats_.fast_retransmits += c.fast_retransmits;
  stats_.loss_probes += c.loss_probes;
  stats_.lost_retransmits += c.lost_retransmits;
  if (s.adopted && on_adopted_release_) on_adopted_release_(s.tcb->tuple());
  if (s.listener != nullptr) {
    if (s.accepted_queued) {
      auto& q = s.listener->accept_queue;
      q.erase(std::remove(q.begin(), q.end(), s.tcb.get()), q.end());
    } else {
      --s.listener->syn_received;
    }
    s.listener = nullptr;
  }
  // A reader may still hold the pointer from take_ready(): drop it there.
  for (Ready& r : ready_)
    if (r.tcb == s.tcb.get()) r.tcb = nullptr;
}

void TcpLayer::transmit(const Tcb& tcb, OutSegment& seg, Instant now) {
  ++stats_.segs_out;
  const FourTuple& t = tcb.tuple();
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) {
    ++stats_.no_buffers;
    if (seg.payload != nullptr) rte_pktmbuf_free(seg.payload);
    return;
  }
  const std::size_t hdr_len = seg.repr.header_len();
  auto* hdr = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(hdr_len)));
  seg.repr.payload = {};
  seg.repr.emit({hdr, hdr_len}, t.local_ip, t.remote_ip, wire::ChecksumFill::Full);
  const auto l4_len = static_cast<std::uint16_t>(hdr_len + seg.payload_len);
  // The checksum covers the header and the payload chain (RFC 9293 3.1).
  hdr[16] = hdr[17] = 0;
  const std::uint16_t pseudo =
      wire::ipv4_pseudo_header_sum(t.local_ip, t.remote_ip, 6, l4_len);
  // A payload chain split at an odd length or address defeats drivers that
  // "offload" by summing each segment on its own (DPDK 22.11's net_tap):
  // such a segment's checksum is computed here instead.
  bool odd_split = false;
  for (const rte_mbuf* p = seg.payload; p != nullptr; p = p->next)
    odd_split = odd_split || (p->next != nullptr && (p->data_len & 1) != 0) ||
                (reinterpret_cast<std::uintptr_t>(rte_pktmbuf_mtod(p, const void*)) & 1) != 0;
  if (net_.iface().offloads.tx_tcp_cksum && !odd_split) {
    wire::store_be16(hdr + 16, pseudo);
    m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
    m->l4_len = static_cast<std::uint8_t>(hdr_len);
  } else {
    std::uint32_t sum = pseudo;
    sum += static_cast<std::uint16_t>(~wire::internet_checksum({hdr, hdr_len}));
    if (seg.payload != nullptr) sum += payload_sum(seg.payload, seg.payload_len);
    wire::store_be16(hdr + 16, static_cast<std::uint16_t>(~wire::detail::fold(sum)));
  }
  if (seg.payload != nullptr && rte_pktmbuf_chain(m, seg.payload) != 0) {
    ++stats_.no_buffers;
    rte_pktmbuf_free(m);
    rte_pktmbuf_free(seg.payload);
    return;
  }
  seg.payload = nullptr;
  (void)net_.send_ipv4(m, {.src = t.local_ip, .dst = t.remote_ip, .protocol = 6}, now);
}

void TcpLayer::send_rst(const FourTuple& tuple, const wire::TcpRepr& rst, Instant now) {
  ++stats_.rst_sent;
  send_bare(tuple, rst, now);
}

void TcpLayer::send_cookie_syn_ack(const FourTuple& key, const wire::TcpRepr& syn, Instant now) {
  const auto clock_ms = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  wire::TcpRepr synack{.src_port = key.local_port,
                       .dst_port = key.remote_port,
                       .seq = cookies_.make(key, syn, now),
                       .ack = syn.seq + 1,
                       .flags = kSyn | kAck,
                       .window = static_cast<std::uint16_t>(std::min<std::uint32_t>(config_.rcvbuf, 65535))};
  synack.options.mss = our_mss();
  if (syn.options.window_scale && config_.window_scaling)
    synack.options.window_scale = receive_window_shift(config_);
  synack.options.sack_permitted = syn.options.sack_permitted && config_.sack;
  if (syn.options.timestamps && config_.timestamps)
    synack.options.timestamps = wire::TcpTimestamps{cookies_.tsval(syn, clock_ms), syn.options.timestamps->val};
  send_bare(key, synack, now);
}

bool TcpLayer::accept_cookie(Listener* l, const FourTuple& key, const wire::TcpRepr& ack,
                             Instant now) {
  auto opts = cookies_.check(key, ack, now);
  if (!opts) {
    ++stats_.syn_cookies_bad;
    return false;
  }
  if (l->accept_queue.size() >= l->backlog) {
    // Linux drops the ACK when the accept queue is full; the peer retries.
    ++stats_.accept_queue_full;
    return true;
  }
  ++stats_.syn_cookies_ok;
  auto tcb = make_tcb(key);
  // The peer's window scale in a cookie is only known with timestamps.
  tcb->accept_cookie(ack, *opts, our_mss(), now);
  auto [it, inserted] = flows_.emplace(key, TcbState{});
  it->second.tcb = std::move(tcb);
  it->second.listener = l;
  it->second.admitted = admit_ != nullptr;
  ++l->syn_received;  // after_event() moves it to the accept queue
  after_event(it->second);
  return true;
}

void TcpLayer::send_bare(const FourTuple& tuple, const wire::TcpRepr& rst, Instant now) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) {
    ++stats_.no_buffers;
    return;
  }
  const std::size_t len = rst.buffer_len();
  auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(len)));
  rst.emit({p, len}, tuple.local_ip, tuple.remote_ip);
  (void)net_.send_ipv4(m, {.src = tuple.local_ip, .dst = tuple.remote_ip, .protocol = 6}, now);
}

std::expected<Listener*, Errc> TcpLayer::listen(wire::Ipv4Addr ip, std::uint16_t port,
                                                unsigned backlog) {
  for (auto& l : listeners_)
    if (l->port == port && (l->ip == ip || l->ip.is_any() || ip.is_any()))
      return std::unexpected(Errc::AddressInUse);
  auto l = std::make_unique<Listener>();
  l->ip = ip;
  l->port = port;
  l->backlog = std::max(backlog, 1u);
  listeners_.push_back(std::move(l));
  return listeners_.back().get();
}

void TcpLayer::close_listener(Listener* l, Instant now) {
  // Connections not yet accepted are reset, as Linux does on close().
  for (auto& [key, s] : flows_) {
    if (s.listener != l) continue;
    s.listener = nullptr;
    s.app_closed = true;
    s.tcb->abort(now);
    after_event(s);
  }
  for (Ready& r : ready_)
    if (r.listener == l) r.listener = nullptr;
  std::erase_if(listeners_, [&](const auto& p) { return p.get() == l; });
}

Tcb* TcpLayer::accept(Listener* l) {
  l->ready_queued = false;
  while (!l->accept_queue.empty()) {
    Tcb* tcb = l->accept_queue.front();
    l->accept_queue.pop_front();
    TcbState* s = state_of(tcb);
    if (s == nullptr) continue;
    s->listener = nullptr;
    s->app_owned = true;
    s->last_events = 0;
    after_event(*s);
    return tcb;
  }
  return nullptr;
}

std::uint16_t TcpLayer::ephemeral_port(wire::Ipv4Addr ip) {
  for (unsigned tries = 0; tries <= kEphemeralHi - kEphemeralLo; ++tries) {
    const std::uint16_t port = next_port_;
    next_port_ = next_port_ >= kEphemeralHi ? kEphemeralLo : next_port_ + 1;
    if (find_listener(ip, port) != nullptr) continue;
    const bool used = std::any_of(flows_.begin(), flows_.end(),
                                  [&](const auto& f) { return f.first.local_port == port; });
    if (!used) return port;
  }
  return 0;
}

bool TcpLayer::sending() const {
  for (const auto& [key, s] : flows_) {
    if (!s.app_owned) continue;  // a passive open nobody accepted yet
    switch (s.tcb->state()) {
      case State::SynSent:
      case State::SynReceived:
      case State::Established:
      case State::CloseWait:
      case State::FinWait1:
      case State::Closing:
      case State::LastAck:
        return true;
      default:
        break;
    }
  }
  return false;
}

bool TcpLayer::unfinished() const {
  if (sending()) return true;
  for (const auto& [key, s] : flows_)
    if (s.app_owned && s.tcb->state() == State::FinWait2) return true;
  return false;
}

bool TcpLayer::port_taken(wire::Ipv4Addr ip, std::uint16_t port, bool reuse_addr,
                          bool reuse_port) const {
  for (const auto& [key, s] : flows_) {
    if (key.local_port != port || !(ip.is_any() || key.local_ip == ip)) continue;
    if (s.tcb->state() == State::Closed) continue;
    // Linux's inet_bind_conflict() for a socket that is not listening: both
    // with SO_REUSEADDR, or both with SO_REUSEPORT, may share the port.
    const SocketOptions& o = s.tcb->options();
    if ((reuse_addr && o.reuse_addr) || (reuse_port && o.reuse_port)) continue;
    return true;
  }
  return false;
}

std::expected<Tcb*, Errc> TcpLayer::connect(wire::Ipv4Addr remote, std::uint16_t remote_port,
                                            Instant now, std::uint16_t local_port) {
  const wire::Ipv4Addr local = net_.iface().addr.addr;
  FourTuple key{local, 0, remote, remote_port};
  const unsigned attempts = local_port != 0 ? 1 : kEphemeralHi - kEphemeralLo + 1;
  for (unsigned tries = 0; tries < attempts; ++tries) {
    std::uint16_t port = local_port;
    if (port == 0) {
      port = next_port_;
      next_port_ = next_port_ >= kEphemeralHi ? kEphemeralLo : next_port_ + 1;
    }
    key.local_port = port;
    if (local_port == 0 && lands_here_ && !lands_here_(key)) continue;
    if (local_port == 0 && port % port_slots_ != port_slot_) continue;
    if (!flows_.contains(key) && find_listener(local, port) == nullptr) {
      auto tcb = make_tcb(key);
      tcb->connect(isn_.isn(key, now), our_mss(), now);
      Tcb* raw = tcb.get();
      auto [it, inserted] = flows_.emplace(key, TcbState{});
      it->second.tcb = std::move(tcb);
      it->second.app_owned = true;
      after_event(it->second);
      return raw;
    }
  }
  return std::unexpected(local_port != 0 ? Errc::AddressInUse : Errc::NoPorts);
}

void TcpLayer::close(Tcb* tcb, Instant now) {
  TcbState* s = state_of(tcb);
  if (s == nullptr) return;
  s->app_closed = true;
  tcb->close(now);
  after_event(*s);
}

void TcpLayer::take_ready(std::vector<Ready>& out) {
  out.clear();
  out.swap(ready_);
  for (Ready& r : out) {
    if (r.tcb != nullptr)
      if (TcbState* s = state_of(r.tcb)) s->ready = false;
    if (r.listener != nullptr) r.listener->ready_queued = false;
  }
}

}  // namespace percore::tcp
