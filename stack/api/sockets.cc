#include "stack/api/sockets.h"

#include <algorithm>

namespace percore::api {

Sockets::~Sockets() {
  // Connections still open are left to the layer, which owns them.
}

Sockets::Socket* Sockets::find(SocketId s) {
  if (s.index >= table_.size()) return nullptr;
  Socket& sock = table_[s.index];
  return sock.live && sock.generation == s.generation ? &sock : nullptr;
}

const Sockets::Socket* Sockets::find(SocketId s) const {
  return const_cast<Sockets*>(this)->find(s);
}

SocketId Sockets::open() {
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(table_.size());
    table_.emplace_back();
  }
  Socket& sock = table_[index];
  const std::uint32_t generation = sock.generation;
  sock = Socket{.generation = generation, .live = true};
  ++live_;
  return {index, generation};
}

SocketId Sockets::adopt(tcp::Tcb* tcb, const std::vector<std::pair<Option, int>>& inherited,
                        Instant now) {
  SocketId id = open();
  Socket& sock = table_[id.index];
  sock.tcb = tcb;
  sock.is_bound = true;
  sock.bound = {tcb->tuple().local_ip, tcb->tuple().local_port};
  tcb_owner_[tcb] = id;
  apply(id, inherited, now);
  return id;
}

std::optional<Sockets::Moving> Sockets::take_for_move(SocketId s, const Sockets& to) {
  Socket* sock = find(s);
  if (sock == nullptr || sock->tcb == nullptr || to.owns(sock->tcb->tuple())) return std::nullopt;
  bool admitted = false;
  std::unique_ptr<tcp::Tcb> tcb = tcp_.take_for_move(sock->tcb, admitted);
  if (!tcb) return std::nullopt;
  Moving m{std::move(tcb), admitted, sock->bound, sock->read_shut, std::move(sock->early_options)};
  forget(s);
  return m;
}

SocketId Sockets::adopt_moved(Moving m) {
  SocketId id = open();
  Socket& sock = table_[id.index];
  sock.tcb = m.tcb.get();
  sock.is_bound = true;
  sock.bound = m.bound;
  sock.read_shut = m.read_shut;
  sock.early_options = std::move(m.early_options);
  tcb_owner_[sock.tcb] = id;
  tcp_.adopt(std::move(m.tcb), m.admitted);
  return id;
}

void Sockets::apply(SocketId s, const std::vector<std::pair<Option, int>>& options, Instant now) {
  for (const auto& [option, value] : options) (void)set_option(s, option, value, now);
}

void Sockets::forget(SocketId s) {
  Socket& sock = table_[s.index];
  if (sock.tcb != nullptr) tcb_owner_.erase(sock.tcb);
  if (sock.listener != nullptr) listener_owner_.erase(sock.listener);
  sock.live = false;
  sock.tcb = nullptr;
  sock.listener = nullptr;
  ++sock.generation;  // every handle to this slot is now stale
  free_.push_back(s.index);
  --live_;
}

std::expected<void, Errc> Sockets::bind(SocketId s, Endpoint local) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  if (sock->is_bound || sock->tcb != nullptr || sock->listener != nullptr)
    return std::unexpected(Errc::InvalidArgument);  // Linux: EINVAL, already bound
  if (local.port != 0) {
    for (const Socket& other : table_) {
      if (!other.live || !other.is_bound || other.bound.port != local.port) continue;
      if (other.bound.ip == local.ip || other.bound.ip.is_any() || local.ip.is_any())
        return std::unexpected(Errc::AddressInUse);
    }
  }
  sock->bound = local;
  sock->is_bound = true;
  return {};
}

std::expected<void, Errc> Sockets::listen(SocketId s, unsigned backlog) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  if (sock->tcb != nullptr) return std::unexpected(Errc::InvalidArgument);
  if (sock->listener != nullptr) {
    sock->listener->backlog = std::max(backlog, 1u);  // listen() again changes the backlog
    return {};
  }
  Endpoint at = sock->is_bound ? sock->bound : Endpoint{};
  if (at.port == 0) at.port = tcp_.ephemeral_port(at.ip);
  if (at.port == 0) return std::unexpected(Errc::NoPorts);
  auto l = tcp_.listen(at.ip, at.port, backlog);
  if (!l) return std::unexpected(l.error());
  sock->listener = *l;
  sock->bound = at;
  sock->is_bound = true;
  listener_owner_[*l] = s;
  return {};
}

std::expected<SocketId, Errc> Sockets::accept(SocketId s, Instant now) {
  Socket* sock = find(s);
  if (sock == nullptr || sock->listener == nullptr) return std::unexpected(Errc::InvalidArgument);
  tcp::Tcb* tcb = tcp_.accept(sock->listener);
  if (tcb == nullptr) return std::unexpected(Errc::WouldBlock);
  const auto inherited = sock->early_options;  // adopt() may grow table_
  return adopt(tcb, inherited, now);
}

std::expected<void, Errc> Sockets::connect(SocketId s, Endpoint remote, Instant now) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  if (sock->listener != nullptr) return std::unexpected(Errc::InvalidArgument);
  if (sock->tcb != nullptr) {
    // Linux: EALREADY while the handshake runs, EISCONN after.
    return std::unexpected(tcp::is_synchronized(sock->tcb->state()) ? Errc::AlreadyConnected
                                                                    : Errc::InProgress);
  }
  if (remote.port == 0 || remote.ip.is_any()) return std::unexpected(Errc::InvalidArgument);
  auto tcb = tcp_.connect(remote.ip, remote.port, now, sock->is_bound ? sock->bound.port : 0);
  if (!tcb) return std::unexpected(tcb.error());
  sock->tcb = *tcb;
  sock->bound = {(*tcb)->tuple().local_ip, (*tcb)->tuple().local_port};
  sock->is_bound = true;
  tcb_owner_[*tcb] = s;
  const auto early = std::move(sock->early_options);
  apply(s, early, now);
  return std::unexpected(Errc::InProgress);
}

std::expected<std::size_t, Errc> Sockets::send(SocketId s, std::span<const std::uint8_t> data) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  tcp::Tcb* tcb = sock->tcb;
  if (tcb == nullptr) return std::unexpected(Errc::NotConnected);
  if (auto e = tcb->take_error()) return std::unexpected(*e);
  if (tcb->write_shutdown()) return std::unexpected(Errc::Shutdown);
  switch (tcb->state()) {
    case tcp::State::SynSent:
    case tcp::State::SynReceived:
      return std::unexpected(Errc::WouldBlock);  // Linux waits for the handshake
    case tcp::State::Established:
    case tcp::State::CloseWait:
      break;
    case tcp::State::Closed:
      return std::unexpected(Errc::Shutdown);  // EPIPE
    default:
      return std::unexpected(Errc::Shutdown);
  }
  if (data.empty()) return 0;
  const std::size_t n = tcb->send(data);
  if (n == 0) return std::unexpected(Errc::WouldBlock);
  tcp_.touch(tcb);
  return n;
}

std::expected<std::size_t, Errc> Sockets::recv(SocketId s, std::span<std::uint8_t> out,
                                               unsigned flags) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  tcp::Tcb* tcb = sock->tcb;
  if (tcb == nullptr) return std::unexpected(Errc::NotConnected);
  if (tcb->readable() > 0) {
    const std::size_t n = tcb->recv(out, (flags & RecvFlag::kPeek) != 0);
    tcp_.touch(tcb);
    return n;
  }
  // Buffered data is delivered before an error, as Linux does.
  if (auto e = tcb->take_error()) return std::unexpected(*e);
  if (tcb->peer_fin() || sock->read_shut || tcb->state() == tcp::State::Closed) return 0;
  return std::unexpected(Errc::WouldBlock);
}

std::expected<void, Errc> Sockets::shutdown(SocketId s, Shutdown how, Instant now) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  tcp::Tcb* tcb = sock->tcb;
  if (tcb == nullptr || !tcp::is_synchronized(tcb->state()))
    return std::unexpected(Errc::NotConnected);
  if (how != Shutdown::Write) {
    sock->read_shut = true;
    tcb->shutdown_read();
  }
  if (how != Shutdown::Read) tcb->shutdown_write(now);
  tcp_.touch(tcb);
  return {};
}

std::expected<void, Errc> Sockets::close(SocketId s, Instant now) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  if (sock->listener != nullptr) tcp_.close_listener(sock->listener, now);
  if (sock->tcb != nullptr) tcp_.close(sock->tcb, now);
  forget(s);
  return {};
}

std::expected<void, Errc> Sockets::abort(SocketId s, Instant now) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  if (sock->tcb != nullptr) sock->tcb->options().linger = Duration::zero();
  return close(s, now);
}

void Sockets::close_all_connections(Instant now) {
  for (std::uint32_t i = 0; i < table_.size(); ++i)
    if (table_[i].live && table_[i].listener == nullptr) (void)close({i, table_[i].generation}, now);
}

void Sockets::close_listeners(Instant now) {
  for (std::uint32_t i = 0; i < table_.size(); ++i)
    if (table_[i].live && table_[i].listener != nullptr) (void)close({i, table_[i].generation}, now);
}

bool Sockets::sending() const { return tcp_.sending(); }

std::expected<void, Errc> Sockets::set_option(SocketId s, Option o, int value, Instant now) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  tcp::Tcb* tcb = sock->tcb;
  if (tcb == nullptr) {
    // Options on a socket not yet connected are kept for it.
    sock->early_options.emplace_back(o, value);
    return {};
  }
  switch (o) {
    case Option::NoDelay: tcb->set_nodelay(value != 0); break;
    case Option::Cork: tcb->set_cork(value != 0); break;
    case Option::KeepAlive: tcb->set_keepalive(value != 0, now); break;
    case Option::KeepIdleSec:
      if (value < 1) return std::unexpected(Errc::InvalidArgument);
      tcb->options().keepalive_idle = std::chrono::seconds(value);
      if (tcb->options().keepalive) tcb->set_keepalive(true, now);
      break;
    case Option::KeepIntervalSec:
      if (value < 1) return std::unexpected(Errc::InvalidArgument);
      tcb->options().keepalive_interval = std::chrono::seconds(value);
      break;
    case Option::KeepCount:
      if (value < 1) return std::unexpected(Errc::InvalidArgument);
      tcb->options().keepalive_count = static_cast<unsigned>(value);
      break;
    case Option::RcvBuf:
      if (value < 0) return std::unexpected(Errc::InvalidArgument);
      tcb->set_rcvbuf(static_cast<std::uint32_t>(value));
      break;
    case Option::SndBuf:
      if (value < 0) return std::unexpected(Errc::InvalidArgument);
      tcb->set_sndbuf(static_cast<std::uint32_t>(value));
      break;
    case Option::LingerSec:
      if (value < 0)
        tcb->options().linger.reset();
      else
        tcb->options().linger = std::chrono::seconds(value);
      break;
    case Option::RcvLowat:
      tcb->options().rcvlowat = static_cast<std::uint32_t>(std::max(value, 1));
      break;
    case Option::ReuseAddr: tcb->options().reuse_addr = value != 0; break;
    case Option::ReusePort: tcb->options().reuse_port = value != 0; break;
  }
  tcp_.touch(tcb);
  return {};
}

std::expected<int, Errc> Sockets::get_option(SocketId s, Option o) const {
  const Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  const tcp::Tcb* tcb = sock->tcb;
  if (tcb == nullptr) {
    for (auto it = sock->early_options.rbegin(); it != sock->early_options.rend(); ++it)
      if (it->first == o) return it->second;
    const tcp::SocketOptions defaults;
    switch (o) {
      case Option::RcvBuf: return static_cast<int>(tcp_.config().rcvbuf);
      case Option::SndBuf: return static_cast<int>(tcp_.config().sndbuf);
      case Option::KeepIdleSec:
        return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(defaults.keepalive_idle).count());
      case Option::KeepIntervalSec:
        return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(defaults.keepalive_interval).count());
      case Option::KeepCount: return static_cast<int>(defaults.keepalive_count);
      case Option::LingerSec: return -1;
      case Option::RcvLowat: return 1;
      default: return 0;
    }
  }
  auto& opts = const_cast<tcp::Tcb*>(tcb)->options();
  switch (o) {
    case Option::NoDelay: return opts.nodelay ? 1 : 0;
    case Option::Cork: return opts.cork ? 1 : 0;
    case Option::KeepAlive: return opts.keepalive ? 1 : 0;
    case Option::KeepIdleSec:
      return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(opts.keepalive_idle).count());
    case Option::KeepIntervalSec:
      return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(opts.keepalive_interval).count());
    case Option::KeepCount: return static_cast<int>(opts.keepalive_count);
    case Option::RcvBuf: return static_cast<int>(tcb->rcv_wnd() + tcb->readable());
    case Option::SndBuf: return static_cast<int>(tcb->send_queued() + tcb->send_space());
    case Option::LingerSec:
      return opts.linger ? static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(*opts.linger).count()) : -1;
    case Option::RcvLowat: return static_cast<int>(opts.rcvlowat);
    case Option::ReuseAddr: return opts.reuse_addr ? 1 : 0;
    case Option::ReusePort: return opts.reuse_port ? 1 : 0;
  }
  return std::unexpected(Errc::InvalidArgument);
}

std::expected<std::optional<Errc>, Errc> Sockets::take_error(SocketId s) {
  Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  if (sock->tcb == nullptr) return std::optional<Errc>{};
  return sock->tcb->take_error();
}

std::uint32_t Sockets::events(SocketId s) const {
  const Socket* sock = find(s);
  if (sock == nullptr) return 0;
  if (sock->listener != nullptr) return sock->listener->events();
  if (sock->tcb != nullptr) return sock->tcb->events();
  return tcp::Event::kHup;  // Linux: a fresh socket polls as POLLOUT|POLLHUP
}

std::expected<Endpoint, Errc> Sockets::local(SocketId s) const {
  const Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  return sock->is_bound ? sock->bound : Endpoint{};
}

std::expected<Endpoint, Errc> Sockets::remote(SocketId s) const {
  const Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  // Linux moves a connection entering TIME-WAIT to a timewait socket and
  // leaves the application's socket CLOSE: it has no peer any more.
  if (sock->tcb == nullptr || !tcp::is_synchronized(sock->tcb->state()) ||
      sock->tcb->state() == tcp::State::TimeWait)
    return std::unexpected(Errc::NotConnected);
  return Endpoint{sock->tcb->tuple().remote_ip, sock->tcb->tuple().remote_port};
}

std::expected<TcpInfo, Errc> Sockets::info(SocketId s) const {
  const Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  TcpInfo info;
  if (sock->listener != nullptr) {
    info.state = tcp::State::Listen;
    return info;
  }
  const tcp::Tcb* tcb = sock->tcb;
  if (tcb == nullptr) return info;
  info.state = tcb->state();
  info.mss = tcb->mss();
  info.snd_wscale = tcb->snd_wscale();
  info.rcv_wscale = tcb->rcv_wscale();
  info.timestamps = tcb->timestamps();
  info.sack = tcb->sack();
  info.window_scaling = tcb->snd_wscale() != 0 || tcb->rcv_wscale() != 0;
  info.rtt = tcb->rtt().srtt();
  info.rttvar = tcb->rtt().rttvar();
  info.rto = tcb->rtt().rto();
  info.snd_cwnd = tcb->congestion().cwnd();
  info.snd_ssthresh = tcb->congestion().ssthresh();
  info.rcv_space = tcb->rcv_wnd();
  info.unacked = static_cast<std::uint32_t>(tcb->snd_nxt() - tcb->snd_una());
  info.counters = tcb->counters();
  return info;
}

std::expected<std::uint32_t, Errc> Sockets::readable(SocketId s) const {
  const Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  return sock->tcb != nullptr ? sock->tcb->readable() : 0u;
}

std::expected<std::uint32_t, Errc> Sockets::unsent(SocketId s) const {
  const Socket* sock = find(s);
  if (sock == nullptr) return std::unexpected(Errc::InvalidArgument);
  const tcp::Tcb* tcb = sock->tcb;
  if (tcb == nullptr) return 0u;
  // Linux's SIOCOUTQ is write_seq - snd_una: a FIN not yet acknowledged
  // counts, as it takes a sequence number.
  const tcp::State st = tcb->state();
  const bool fin_unacked = tcb->write_shutdown() && st != tcp::State::FinWait2 &&
                           st != tcp::State::TimeWait && st != tcp::State::Closed;
  return tcb->send_queued() + (fin_unacked ? 1u : 0u);
}

void Sockets::take_ready(std::vector<SocketId>& out) {
  out.clear();
  tcp_.take_ready(ready_scratch_);
  for (const auto& r : ready_scratch_) {
    if (r.tcb != nullptr) {
      if (auto it = tcb_owner_.find(r.tcb); it != tcb_owner_.end()) out.push_back(it->second);
    } else if (r.listener != nullptr) {
      if (auto it = listener_owner_.find(r.listener); it != listener_owner_.end())
        out.push_back(it->second);
    }
  }
}

}  // namespace percore::api
