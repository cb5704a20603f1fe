#include "stack/tcp/tcb.h"

#include <rte_mbuf.h>

#include <algorithm>

#include "stack/tcp/syn_cookie.h"

namespace percore::tcp {

std::uint8_t receive_window_shift(const TcpConfig& config) {
  if (!config.window_scaling) return 0;
  std::uint8_t shift = 0;
  while (shift < 14 && (std::uint64_t{65535} << shift) < config.max_rcvbuf) ++shift;
  return shift;
}

Tcb::Tcb(const FourTuple& tuple, const TcpConfig& config, rte_mempool* pool,
         core::TimerWheel& timers)
    : tuple_(tuple),
      config_(config),
      timers_(&timers),
      snd_buf_(pool, config.sndbuf),
      rcv_buf_(config.rcvbuf),
      rtt_(config.rto),
      cc_(config.cc, 536) {}

Tcb::~Tcb() = default;

void Tcb::connect(Seq iss, std::uint16_t our_mss, Instant now) {
  iss_ = iss;
  snd_una_ = snd_nxt_ = snd_max_ = iss;
  recover_ = iss;  // RFC 6582 3.2: "recover" is initialized to the ISS
  snd_buf_.reset(iss + 1);
  mss_ = our_mss;
  rcv_wscale_ = receive_window_shift(config_);
  state_ = State::SynSent;
  last_activity_ = now;
  wants_output_ = true;
}

void Tcb::accept_syn(const wire::TcpRepr& syn, Seq iss, std::uint16_t our_mss, Instant now) {
  iss_ = iss;
  snd_una_ = snd_nxt_ = snd_max_ = iss;
  recover_ = iss;  // RFC 6582 3.2: "recover" is initialized to the ISS
  snd_buf_.reset(iss + 1);
  irs_ = syn.seq;
  rcv_buf_.reset(syn.seq + 1);
  rcv_adv_ = rcv_buf_.rcv_nxt();
  // RFC 9293 3.10.7.2: the SYN's window is never scaled.
  snd_wnd_ = syn.window;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = syn.seq;
  snd_wl2_ = iss;
  rcv_wscale_ = receive_window_shift(config_);
  negotiate(syn.options, our_mss);
  if (ts_enabled_) {
    ts_recent_ = syn.options.timestamps->val;
    ts_recent_stamp_ = now;
  }
  state_ = State::SynReceived;
  last_activity_ = now;
  wants_output_ = true;
}

void Tcb::accept_cookie(const wire::TcpRepr& ack, const CookieOptions& opts,
                        std::uint16_t our_mss, Instant now) {
  iss_ = ack.ack - 1;
  snd_una_ = snd_nxt_ = snd_max_ = ack.ack;
  recover_ = iss_;  // RFC 6582 3.2: "recover" is initialized to the ISS
  syn_acked_ = true;
  snd_buf_.reset(ack.ack);
  irs_ = ack.seq - 1;
  rcv_buf_.reset(ack.seq);
  rcv_adv_ = ack.seq;
  rcv_wscale_ = receive_window_shift(config_);
  wire::TcpOptions offered;
  offered.mss = opts.mss;
  offered.window_scale = opts.window_scale;
  offered.sack_permitted = opts.sack_permitted;
  if (opts.timestamps) offered.timestamps = ack.options.timestamps;
  negotiate(offered, our_mss);
  if (ts_enabled_) {
    ts_recent_ = ack.options.timestamps->val;
    ts_recent_stamp_ = now;
  }
  snd_wnd_ = std::uint32_t{ack.window} << snd_wscale_;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = ack.seq;
  snd_wl2_ = ack.ack;
  last_activity_ = now;
  established(now);
}

void Tcb::negotiate(const wire::TcpOptions& peer, std::uint16_t our_mss) {
  // RFC 9293 3.7.1: without an MSS option the peer takes 536 bytes.
  peer_mss_ = peer.mss.value_or(536);
  // RFC 7323 1.3: each option is used only if both sides offered it.
  wscale_ok_ = config_.window_scaling && peer.window_scale.has_value();
  if (wscale_ok_) {
    // RFC 7323 2.3: a shift above 14 is used as 14.
    snd_wscale_ = std::min<std::uint8_t>(*peer.window_scale, 14);
  } else {
    snd_wscale_ = 0;
    rcv_wscale_ = 0;
  }
  ts_enabled_ = config_.timestamps && peer.timestamps.has_value();
  sack_enabled_ = config_.sack && peer.sack_permitted;
  // RFC 9293 3.7.1 and RFC 6691: the MSS counts no options, so the
  // timestamp option comes out of every data segment's room.
  std::uint32_t mss = std::min<std::uint32_t>(peer_mss_, our_mss);
  if (ts_enabled_) mss -= 12;
  mss_ = std::max<std::uint32_t>(mss, 64);
  cc_ = Congestion(cc_.algorithm(), mss_);
}

std::size_t Tcb::send(std::span<const std::uint8_t> data) {
  if (fin_queued_) return 0;
  const std::size_t n = snd_buf_.append(data);
  if (n > 0) wants_output_ = true;
  return n;
}

std::size_t Tcb::recv(std::span<std::uint8_t> out, bool peek) {
  const std::size_t n = rcv_buf_.read(out, peek);
  if (n == 0 || peek || !is_synchronized(state_)) return n;
  rcv_copied_ += static_cast<std::uint32_t>(n);
  // No window update once the peer's FIN is in, as Linux's
  // tcp_cleanup_rbuf() under RCV_SHUTDOWN: the peer sends no more data, and
  // from TIME-WAIT the update would reach a peer past LAST-ACK and draw a
  // RST that ends our TIME-WAIT (RFC 9293 3.10.7.4).
  if (fin_received_) return n;
  // RFC 9293 3.8.6.2.2 (receiver SWS avoidance): announce the opened
  // window once it has grown by at least min(rcvbuf/2, MSS)... Linux sends
  // the update when the window at least doubles or grows by two segments;
  // either way, a reader draining a full buffer must reopen the window.
  // Only what the window field can carry counts: without window scaling a
  // buffer above 64 KiB would otherwise announce the same 65535 after every
  // read, a duplicate ACK to a sender with data in flight (RFC 5681 2).
  const std::uint32_t room =
      std::min(rcv_buf_.window(), std::uint32_t{65535} << rcv_wscale_);
  // Compared with the window the peer last heard of: computing a new one
  // here would record it as advertised without sending it, and a reader
  // taking one segment at a time would never reopen a zero window.
  const std::uint32_t shown =
      static_cast<std::uint32_t>(std::max<std::int32_t>(rcv_adv_ - rcv_nxt(), 0));
  if (room >= shown + std::min(rcv_buf_.capacity() / 2, 2 * mss_)) {
    ack_now_ = true;
    wants_output_ = true;
  }
  return n;
}

void Tcb::shutdown_write(Instant now) {
  if (fin_queued_) return;
  switch (state_) {
    case State::SynSent:
      // Nothing was sent: the connection simply closes.
      reset(Errc::Shutdown);
      return;
    case State::SynReceived:
    case State::Established:
    case State::CloseWait:
      fin_queued_ = true;
      wants_output_ = true;
      break;
    default:
      return;
  }
  (void)now;
}

void Tcb::shutdown_read() { read_shutdown_ = true; }

bool Tcb::close(Instant now) {
  // RFC 9293 3.10.4 / RFC 2525 2.17: closing with unread data aborts with
  // a RST, so the peer learns its data was not consumed; so does linger 0.
  const bool linger_abort = options_.linger && *options_.linger == Duration::zero();
  if (rcv_buf_.readable() > 0 || linger_abort) {
    if (is_synchronized(state_) || state_ == State::SynReceived) {
      abort(now);
      return true;
    }
  }
  switch (state_) {
    case State::Closed:
    case State::Listen:
    case State::SynSent:
      state_ = State::Closed;
      return true;
    case State::TimeWait:
      return false;  // the layer keeps it until 2*MSL
    case State::FinWait2:
      // Linux's tcp_close() in FIN-WAIT-2: the socket is an orphan now, and
      // the peer may never send its FIN, so tcp_fin_timeout starts.
      read_shutdown_ = true;
      timers_->arm(time_wait_timer_, now + config_.time_wait);
      return false;
    default:
      shutdown_write(now);
      read_shutdown_ = true;
      return state_ == State::Closed;
  }
}

void Tcb::abort(Instant now) {
  (void)now;
  if (state_ != State::SynSent && state_ != State::Closed && state_ != State::Listen) {
    send_rst_ = true;
    wants_output_ = true;
  }
  state_ = State::Closed;
  cancel_timers();
}

void Tcb::reset(Errc why) {
  error_ = why;
  state_ = State::Closed;
  cancel_timers();
}

void Tcb::cancel_timers() {
  for (TcbTimer* t : {&rto_timer_, &delack_timer_, &persist_timer_, &keepalive_timer_,
                      &time_wait_timer_, &cork_timer_, &loss_probe_timer_, &rack_timer_})
    timers_->cancel(*t);
}

void Tcb::rehome(core::TimerWheel& timers, rte_mempool* pool, ChallengeAckLimit* limit) {
  for (TcbTimer* t : {&rto_timer_, &delack_timer_, &persist_timer_, &keepalive_timer_,
                      &time_wait_timer_, &cork_timer_, &loss_probe_timer_, &rack_timer_})
    if (t->armed()) timers.arm(*t, t->deadline());  // leaves the old wheel
  timers_ = &timers;
  snd_buf_.set_pool(pool);
  challenge_limit_ = limit;
}

std::uint32_t Tcb::events() const {
  // Linux's tcp_poll. Its sk_shutdown has RCV_SHUTDOWN once the peer's FIN
  // is in or the application shut reading, SEND_SHUTDOWN once the
  // application shut writing.
  const bool rcv_shutdown = fin_received_ || read_shutdown_;
  std::uint32_t ev = 0;
  // SO_RCVLOWAT raises the bar for data alone (tcp_epollin_ready).
  const std::uint32_t lowat = std::max<std::uint32_t>(options_.rcvlowat, 1);
  if (rcv_buf_.readable() >= lowat || error_) ev |= Event::kReadable;
  if (rcv_shutdown) ev |= Event::kReadable | Event::kReadHup;
  if (error_) ev |= Event::kError;
  if (is_synchronized(state_)) {
    ev |= Event::kConnected;
    // After SHUT_WR a write fails at once (EPIPE), so it reports writable.
    if (fin_queued_ || send_buffer_writeable()) ev |= Event::kWritable;
  }
  if (state_ == State::Closed || (rcv_shutdown && fin_queued_)) {
    ev |= Event::kHup;
    // Linux reports a closed socket writable (the write then fails).
    ev |= Event::kWritable | Event::kReadable;
  }
  return ev;
}

bool Tcb::send_buffer_writeable() const {
  // Linux's __sk_stream_is_writeable: free space at least half of what is
  // queued, i.e. a third of the buffer, so a writer is woken for a useful
  // amount of room rather than for every ACK.
  const std::uint32_t free = snd_buf_.free_space();
  return free > 0 && free >= snd_buf_.size() / 2;
}

void Tcb::set_nodelay(bool on) {
  options_.nodelay = on;
  if (on) wants_output_ = true;
}

void Tcb::set_cork(bool on) {
  options_.cork = on;
  if (!on) {
    timers_->cancel(cork_timer_);
    cork_expired_ = false;
    wants_output_ = true;
  }
}

void Tcb::set_keepalive(bool on, Instant now) {
  options_.keepalive = on;
  probes_ = 0;
  if (on && is_synchronized(state_))
    timers_->arm(keepalive_timer_, now + options_.keepalive_idle);
  else
    timers_->cancel(keepalive_timer_);
}

void Tcb::set_rcvbuf(std::uint32_t bytes) {
  rcv_buf_.set_capacity(std::max(bytes, rcv_buf_.readable()));
  rcvbuf_locked_ = true;
}

void Tcb::set_cc(CcAlgorithm cc) { cc_ = Congestion(cc, mss_); }

}  // namespace percore::tcp
