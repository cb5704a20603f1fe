#include "tools/node/services.h"

#include <algorithm>
#include <charconv>

namespace percore::node {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxRequestLine = 32;

}  // namespace

Services::Services(tcp::TcpLayer& tcp) : tcp_(tcp), scratch_(kChunk) {
  echo_ = *tcp_.listen(wire::Ipv4Addr::any(), 7, 1024);
  discard_ = *tcp_.listen(wire::Ipv4Addr::any(), 9, 1024);
  source_ = *tcp_.listen(wire::Ipv4Addr::any(), 19, 1024);
}

bool Services::serve(Instant now) {
  bool acted = false;
  for (const auto& ready : tcp_.take_ready()) {
    acted = true;
    if (ready.listener == echo_) on_listener(echo_, Kind::Echo, now);
    else if (ready.listener == discard_) on_listener(discard_, Kind::Discard, now);
    else if (ready.listener == source_) on_listener(source_, Kind::Source, now);
    else if (ready.tcb != nullptr) {
      auto it = conns_.find(ready.tcb);
      if (it != conns_.end() && !on_connection(ready.tcb, it->second, now)) conns_.erase(it);
    }
  }
  return acted;
}

void Services::on_listener(tcp::Listener* l, Kind kind, Instant now) {
  while (tcp::Tcb* tcb = tcp_.accept(l)) {
    ++accepted_;
    auto [it, inserted] = conns_.emplace(tcb, Conn{.kind = kind});
    if (!on_connection(tcb, it->second, now)) conns_.erase(it);
  }
}

bool Services::on_connection(tcp::Tcb* tcb, Conn& c, Instant now) {
  if (tcb->error() || tcb->state() == tcp::State::Closed) {
    tcp_.close(tcb, now);
    return false;
  }
  switch (c.kind) {
    case Kind::Echo: echo(tcb, c, now); break;
    case Kind::Discard: discard(tcb); break;
    case Kind::Source: source(tcb, c, now); break;
  }
  // The peer closed its side and we have nothing more to say: close ours.
  const bool drained = tcb->peer_fin() && tcb->readable() == 0;
  if (drained && (c.kind != Kind::Echo || c.pending.empty()) &&
      (c.kind != Kind::Source || !c.sending || c.next == c.total)) {
    tcp_.close(tcb, now);
    return false;
  }
  tcp_.touch(tcb);
  return true;
}

void Services::echo(tcp::Tcb* tcb, Conn& c, Instant now) {
  (void)now;
  for (;;) {
    if (!c.pending.empty()) {
      const std::size_t n = tcb->send(c.pending);
      c.pending.erase(c.pending.begin(), c.pending.begin() + static_cast<std::ptrdiff_t>(n));
      if (!c.pending.empty()) return;  // back-pressure: read more when writable
    }
    const std::size_t n = tcb->recv(scratch_, false);
    if (n == 0) return;
    const std::size_t sent = tcb->send({scratch_.data(), n});
    c.pending.assign(scratch_.begin() + static_cast<std::ptrdiff_t>(sent), scratch_.begin() + static_cast<std::ptrdiff_t>(n));
  }
}

void Services::discard(tcp::Tcb* tcb) {
  while (tcb->recv(scratch_, false) > 0) {
  }
}

void Services::source(tcp::Tcb* tcb, Conn& c, Instant now) {
  while (!c.sending) {
    const std::size_t n = tcb->recv({scratch_.data(), 1}, false);
    if (n == 0) return;
    const char ch = static_cast<char>(scratch_[0]);
    if (ch == '\n') {
      std::uint64_t total = 0;
      auto [end, ec] = std::from_chars(c.request.data(), c.request.data() + c.request.size(), total);
      if (c.request.empty() || ec != std::errc{} || end != c.request.data() + c.request.size()) {
        tcb->abort(now);  // a malformed request: reset, as a strict server would
        return;
      }
      c.total = total;
      c.sending = true;
    } else if (ch != '\r') {
      c.request.push_back(ch);
      if (c.request.size() > kMaxRequestLine) {
        tcb->abort(now);
        return;
      }
    }
  }
  while (c.next < c.total) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(c.total - c.next, kChunk));
    for (std::size_t i = 0; i < want; ++i) scratch_[i] = static_cast<std::uint8_t>((c.next + i) % 251);
    const std::size_t n = tcb->send({scratch_.data(), want});
    c.next += n;
    if (n < want) return;
  }
  if (!c.finished) {
    c.finished = true;
    tcb->shutdown_write(now);
  }
  // Whatever the client still sends is read and ignored.
  while (tcb->recv(scratch_, false) > 0) {
  }
}

}  // namespace percore::node
