// What a connection sends, and when: the handshake segments, data within the
// congestion and receive windows (with Nagle and cork), retransmissions in
// loss recovery, FIN, and ACKs (immediate or delayed).
#include <rte_mbuf.h>

#include <algorithm>

#include "stack/tcp/tcb.h"

namespace percore::tcp {
namespace {

using wire::TcpFlag::kAck;
using wire::TcpFlag::kFin;
using wire::TcpFlag::kPsh;
using wire::TcpFlag::kRst;
using wire::TcpFlag::kSyn;

// The bytes a SACK option adds to a segment now (RFC 2018 3, padded as
// emitted), beyond the timestamps that mss_ already leaves room for.
std::uint32_t sack_option_len(const ReceiveBuffer& rcv, bool sack, bool timestamps) {
  if (!sack || rcv.out_of_order_bytes() == 0) return 0;
  wire::TcpOptions o;
  if (timestamps) o.timestamps = wire::TcpTimestamps{};
  o.sack_count = static_cast<std::uint8_t>(rcv.sack_blocks(o.sack));
  wire::TcpOptions without_sack;
  without_sack.timestamps = o.timestamps;
  return static_cast<std::uint32_t>(o.emitted_len() - without_sack.emitted_len());
}

}  // namespace

std::uint32_t ts_clock(Instant now) {
  // RFC 7323 5.4: a 1 ms timestamp clock.
  return static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
}

std::uint32_t Tcb::flight_size() const { return static_cast<std::uint32_t>(snd_max_ - snd_una_); }

std::uint32_t Tcb::send_window() const {
  // RFC 6582 3.2: in NewReno fast recovery cwnd is inflated (and deflated),
  // never below one segment.
  const std::int64_t cwnd = std::max<std::int64_t>(cc_.cwnd() + recovery_inflation_, mss_);
  return static_cast<std::uint32_t>(std::min<std::int64_t>(snd_wnd_, cwnd));
}

std::uint16_t Tcb::advertised_window() {
  const Seq rcv_nxt = this->rcv_nxt();
  std::uint32_t wnd = read_shutdown_ && fin_received_ ? 0 : rcv_buf_.window();
  // RFC 9293 3.8.6.2.2 (receiver SWS avoidance): move the right edge only
  // by a useful amount: min(rcvbuf/2, MSS). A zero window too stays closed
  // until then, or the sender is invited to send slivers.
  const Seq old_edge = rcv_adv_;
  Seq edge = rcv_nxt + wnd;
  const std::uint32_t threshold = std::min(rcv_buf_.capacity() / 2, mss_);
  if (edge > old_edge && static_cast<std::uint32_t>(edge - old_edge) < threshold)
    edge = old_edge;
  // RFC 9293 3.8.6.2.2: never shrink the window we offered.
  if (edge < old_edge) edge = old_edge;
  wnd = static_cast<std::uint32_t>(std::max<std::int32_t>(edge - rcv_nxt, 0));
  std::uint32_t scaled = wnd >> rcv_wscale_;
  // Rounding down to the scale's unit would pull the right edge back by up
  // to 2^shift - 1 bytes; round up instead, as Linux's tcp_select_window(),
  // while that offers less than one unit beyond the buffer's room. Beyond
  // it, each ACK would round up again and a full buffer never close its
  // window; the edge the field then shows is a little behind rcv_adv_, and
  // data up to rcv_adv_ is still accepted.
  const Seq room_edge = rcv_nxt + rcv_buf_.window();
  const Seq rounded_up = rcv_nxt + ((scaled + 1) << rcv_wscale_);
  if (rcv_nxt + (scaled << rcv_wscale_) < old_edge &&
      static_cast<std::int32_t>(rounded_up - room_edge) < (1 << rcv_wscale_))
    ++scaled;
  if (scaled > 65535) scaled = 65535;
  rcv_adv_ = rcv_nxt + (scaled << rcv_wscale_);
  if (rcv_adv_ < old_edge) rcv_adv_ = old_edge;
  return static_cast<std::uint16_t>(scaled);
}

OutSegment Tcb::make_segment(std::uint8_t flags, Seq seq, Instant now) {
  OutSegment out;
  wire::TcpRepr& r = out.repr;
  r.src_port = tuple_.local_port;
  r.dst_port = tuple_.remote_port;
  r.seq = seq;
  r.flags = flags;
  const bool syn = flags & kSyn;
  if (flags & kAck) {
    r.ack = rcv_nxt();
    last_ack_sent_ = r.ack;
  }
  if (syn) {
    // RFC 9293 3.7.1 / RFC 7323 / RFC 2018: what we offer in our SYN; a
    // SYN-ACK carries only what the peer offered (negotiate() decided).
    const bool active = state_ == State::SynSent;
    r.options.mss = static_cast<std::uint16_t>(ts_enabled_ && !active ? mss_ + 12 : mss_);
    if (active) r.options.mss = static_cast<std::uint16_t>(mss_);
    if (active ? config_.window_scaling : wscale_ok_) r.options.window_scale = rcv_wscale_;
    r.options.sack_permitted = active ? config_.sack : sack_enabled_;
    if (active ? config_.timestamps : ts_enabled_)
      r.options.timestamps = wire::TcpTimestamps{ts_clock(now), active ? 0 : ts_recent_};
    // RFC 7323 2.2: the window field of a SYN is not scaled.
    r.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(rcv_buf_.window(), 65535));
    if (!active) rcv_adv_ = rcv_nxt() + r.window;
  } else {
    r.window = advertised_window();
    if (ts_enabled_) r.options.timestamps = wire::TcpTimestamps{ts_clock(now), ts_recent_};
    if (sack_enabled_ && rcv_buf_.out_of_order_bytes() > 0) {
      r.options.sack_count = static_cast<std::uint8_t>(rcv_buf_.sack_blocks(r.options.sack));
    }
  }
  if (flags & kAck) {
    ack_now_ = false;
    unacked_segments_ = 0;
    timers_->cancel(delack_timer_);
  }
  ++counters_.segs_out;
  return out;
}

bool Tcb::limited_transmit_allowed(Seq from) const {
  // RFC 3042 2: new data only (not the go-back-N resend after an RTO),
  // before fast recovery, on the first DupThresh - 1 duplicates.
  return !in_recovery_ && dup_acks_ > 0 && dup_acks_ < Scoreboard::kDupThresh &&
         from >= snd_max_;
}

bool Tcb::nagle_allows(std::uint32_t len) const {
  if (len >= mss_) return true;
  // TCP_CORK: hold partial segments until uncorked, or for 200 ms at most
  // (Linux, tcp(7)).
  if (options_.cork && !cork_expired_) return false;
  if (options_.nodelay) return true;
  // RFC 1122 4.2.3.4 / RFC 9293 3.7.4: a small segment waits while data is
  // unacknowledged.
  return snd_una_ == snd_max_;
}

void Tcb::arm_rto(Instant now) {
  if (!rto_timer_.armed()) timers_->arm(rto_timer_, now + rtt_.rto());
}

void Tcb::arm_loss_probe(Instant now) {
  // RFC 8985 7.2: a probe timer while data is in flight in the open state
  // (not in fast recovery, not after an RTO), one probe per episode, and
  // as Linux's tcp_schedule_loss_probe() only with SACK, which tells the
  // sender what a probe's ACK repaired.
  const bool open = !in_recovery_ && retransmissions_ == 0 && snd_nxt_ == snd_max_;
  if (!sack_enabled_ || !open || tlp_end_seq_ || snd_una_ == snd_max_) {
    timers_->cancel(loss_probe_timer_);
    return;
  }
  // RFC 8985 7.2: PTO = 2 SRTT (1 s without a sample), plus WCDelAckT when
  // one segment is in flight, as its ACK may be delayed; at least 10 ms,
  // Linux's floor.
  constexpr Duration kWorstCaseDelayedAck = std::chrono::milliseconds(200);
  constexpr Duration kMinProbeTimeout = std::chrono::milliseconds(10);
  Duration pto = rtt_.has_sample() ? 2 * rtt_.srtt() : Duration(std::chrono::seconds(1));
  if (flight_size() <= mss_) pto += kWorstCaseDelayedAck;
  pto = std::max(pto, kMinProbeTimeout);
  // RFC 8985 7.2: never later than the RTO would fire; a tick before it,
  // so that the probe, not the timeout, goes first.
  Instant deadline = now + pto;
  if (rto_timer_.armed() && deadline >= rto_timer_.deadline()) {
    deadline = rto_timer_.deadline() - std::chrono::milliseconds(1);
    if (deadline <= now) {
      timers_->cancel(loss_probe_timer_);
      return;
    }
  }
  timers_->arm(loss_probe_timer_, deadline);
}

std::optional<OutSegment> Tcb::next_data_segment(Instant now) {
  const bool can_send_new = state_ == State::Established || state_ == State::CloseWait;
  const bool can_resend = can_send_new || state_ == State::FinWait1 ||
                          state_ == State::Closing || state_ == State::LastAck;
  if (!can_resend) return std::nullopt;

  // A retransmission demanded by fast retransmit or a partial ACK goes out
  // regardless of the window (RFC 5681 3.2 step 2, RFC 6582 3.2 step 4).
  Seq from = snd_nxt_;
  std::uint32_t limit = UINT32_MAX;
  bool forced = false;
  bool pipe_limited = false;  // chosen by RFC 6675 NextSeg() under pipe < cwnd
  const bool loss_probe = loss_probe_due_ && !retransmit_head_;
  if (retransmit_head_) {
    retransmit_head_ = false;
    from = snd_una_;
    forced = true;
  } else if (loss_probe) {
    // RFC 8985 7.3: a new segment if the receiver's window allows, whatever
    // cwnd and Nagle say; otherwise the last segment sent, again.
    loss_probe_due_ = false;
    forced = true;
    const Seq data_end = snd_buf_.end();
    const Seq rwnd_edge = snd_una_ + snd_wnd_;
    if (can_send_new && data_end > snd_max_ && rwnd_edge > snd_max_) {
      from = snd_max_;
      limit = static_cast<std::uint32_t>(rwnd_edge - snd_max_);
    } else {
      const Seq sent_end = snd_max_ < data_end ? snd_max_ : data_end;
      limit = std::min<std::uint32_t>(mss_, static_cast<std::uint32_t>(sent_end - snd_buf_.start()));
      from = sent_end - limit;
    }
  } else if (in_recovery_ && sack_enabled_) {
    // RFC 6675 5 step (C): send while pipe < cwnd, choosing with NextSeg().
    if (scoreboard_.pipe(snd_una_, snd_max_, mss_) >= cc_.cwnd()) return std::nullopt;
    auto next = scoreboard_.next_seg(snd_una_, snd_max_, mss_, snd_buf_.end() > snd_max_);
    if (!next) return std::nullopt;
    if (next->kind != NextSegment::Kind::NewData) {
      from = next->from;
      limit = next->len;
      forced = true;
    } else {
      from = snd_max_;
      pipe_limited = true;
    }
  }

  // RFC 6691: the MSS counts no TCP options, so the SACK blocks a data
  // segment carries come out of its payload, or the frame outgrows the MTU
  // (Linux's tcp_current_mss() likewise).
  const std::uint32_t seg_mss = mss_ - sack_option_len(rcv_buf_, sack_enabled_, ts_enabled_);
  const Seq data_end = snd_buf_.end();
  std::uint32_t available = from < data_end ? static_cast<std::uint32_t>(data_end - from) : 0;
  std::uint32_t len = std::min({available, seg_mss, limit});
  if (!forced) {
    if (!can_send_new && from >= snd_max_) len = 0;
    // The usable window (RFC 5681 / RFC 9293 3.8.6.2.1). In SACK recovery
    // the pipe already keeps the flight under cwnd (RFC 6675 5 (C)): cwnd
    // counted from SND.UNA would also count SACKed data, so only the
    // receiver's window bounds new data there.
    const Seq cwnd_edge = snd_una_ + (pipe_limited ? snd_wnd_ : send_window());
    Seq wnd_edge = cwnd_edge;
    if (limited_transmit_allowed(from)) {
      // RFC 3042 2: the first and second duplicate ACKs each let one new
      // segment out, if the receiver's window allows and the outstanding
      // data stays within cwnd + 2 SMSS; cwnd itself is not changed.
      const Seq lt_edge = snd_una_ + std::min<std::uint32_t>(snd_wnd_, cc_.cwnd() + dup_acks_ * mss_);
      if (lt_edge > wnd_edge) wnd_edge = lt_edge;
    }
    const std::uint32_t usable = wnd_edge > from ? static_cast<std::uint32_t>(wnd_edge - from) : 0;
    if (len > usable) {
      // RFC 9293 3.8.6.2.1 (sender SWS avoidance): do not send a sliver of
      // a window unless it is all we have (b) or half the largest window
      // the peer offered (c), which a peer whose window never reaches an
      // MSS would otherwise wait for for ever.
      len = usable >= seg_mss || usable == available || usable >= max_snd_wnd_ / 2 ? usable : 0;
    }
    if (len > 0 && len < seg_mss && from >= snd_max_ && !nagle_allows(len) &&
        !(fin_queued_ && len == available))
      len = 0;
    // RFC 5681 3.2 step 2: what Limited Transmit sent does not count in the
    // FlightSize that sets ssthresh.
    if (len > 0 && from + len > cwnd_edge && limited_transmit_allowed(from))
      limited_transmit_bytes_ += static_cast<std::uint32_t>(from + len - std::max(from, cwnd_edge));
  }

  // The FIN takes the sequence number after the last byte. It rides on the
  // segment that ends there (first transmission or retransmission), or goes
  // alone when all data is out.
  const bool with_fin = fin_queued_ && from + len == data_end;
  if (len == 0 && !with_fin) return std::nullopt;

  std::uint8_t flags = kAck;
  if (len > 0 && from + len == data_end) flags |= kPsh;
  if (with_fin) flags |= kFin;

  OutSegment out = make_segment(flags, from, now);
  if (len > 0) {
    out.payload = snd_buf_.slice(from, len);
    if (out.payload == nullptr) return std::nullopt;  // pool empty: try again later
    out.payload_len = len;
  }
  const Seq end = from + len + (with_fin ? 1u : 0u);
  if (loss_probe) {
    ++counters_.loss_probes;
    tlp_is_retrans_ = from < snd_max_;
    tlp_end_seq_ = end > snd_max_ ? end : snd_max_;
  }
  const bool new_data = from >= snd_max_;
  if (from < snd_max_) {
    ++counters_.retransmits;
    if (sack_enabled_ && in_recovery_) {
      scoreboard_.mark_retransmitted(from, from + len);
      rack_.on_retransmitted(from, std::min(from + len, snd_max_), now);
    }
  } else if (!ts_enabled_ && !rtt_seq_ && len > 0) {
    rtt_seq_ = from;  // Karn: time only segments sent once
    rtt_sent_at_ = now;
  }
  if (with_fin) {
    fin_sent_ = true;
    if (state_ == State::Established) state_ = State::FinWait1;
    else if (state_ == State::CloseWait) state_ = State::LastAck;
  }
  // RFC 8985 6.1: when each segment left, for RACK.
  if (sack_enabled_ && len > 0 && from + len > snd_max_)
    rack_.on_sent(std::max(from, snd_max_), from + len, now);
  if (!forced || end > snd_nxt_) snd_nxt_ = std::max(snd_nxt_, end);
  if (end > snd_max_) snd_max_ = end;
  arm_rto(now);
  // RFC 8985 7.2: (re)start the probe timer after sending new data.
  if (new_data && !loss_probe) arm_loss_probe(now);
  return out;
}

void Tcb::output(Instant now, std::vector<OutSegment>& out) {
  wants_output_ = false;
  if (state_ == State::Closed) immediate_acks_.clear();
  if (send_rst_) {
    send_rst_ = false;
    OutSegment rst = make_segment(kRst | kAck, acceptable_seq(), now);
    rst.repr.options = {};
    rst.repr.window = 0;
    out.push_back(rst);
    return;
  }
  out.insert(out.end(), immediate_acks_.begin(), immediate_acks_.end());
  immediate_acks_.clear();
  switch (state_) {
    case State::Closed:
    case State::Listen:
      return;
    case State::SynSent:
    case State::SynReceived:
      if (snd_nxt_ == iss_) {
        const std::uint8_t flags = state_ == State::SynSent ? kSyn : kSyn | kAck;
        out.push_back(make_segment(flags, iss_, now));
        snd_nxt_ = iss_ + 1;
        if (snd_max_ < snd_nxt_) snd_max_ = snd_nxt_;
        if (retransmissions_ == 0 && !rtt_seq_) {
          rtt_seq_ = iss_;
          rtt_sent_at_ = now;
        }
        arm_rto(now);
      } else if (ack_now_ && state_ == State::SynReceived) {
        out.push_back(make_segment(kAck, snd_nxt_, now));
      }
      return;
    default:
      break;
  }

  // Data (and FIN), as much as the windows allow.
  for (unsigned n = 0; n < 64; ++n) {
    auto seg = next_data_segment(now);
    if (!seg) break;
    out.push_back(*seg);
  }
  // Corked data never sent waits 200 ms at most (Linux's ceiling, tcp(7)).
  if (snd_buf_.end() == snd_max_)
    cork_expired_ = false;
  else if (options_.cork && !cork_expired_ && !cork_timer_.armed())
    timers_->arm(cork_timer_, now + std::chrono::milliseconds(200));
  // Zero window with data waiting and nothing in flight: the persist timer
  // probes (RFC 9293 3.8.6.1).
  if (snd_wnd_ == 0 && snd_buf_.end() > snd_nxt_ && snd_una_ == snd_max_ &&
      !persist_timer_.armed())
    timers_->arm(persist_timer_, now + rtt_.rto());

  if (probe_due_) {
    // Out of window on purpose: the receiver must answer with an ACK
    // carrying its current window (RFC 1122 4.2.3.6, RFC 9293 3.8.6.1).
    probe_due_ = false;
    out.push_back(make_segment(kAck, snd_una_ - 1, now));
  }
  if (ack_now_) out.push_back(make_segment(kAck, acceptable_seq(), now));
}

Seq Tcb::acceptable_seq() const {
  // RFC 9293 3.10.7.4: a segment with SEQ below RCV.NXT is dropped before
  // its ACK or RST is looked at. After an RTO, SND.NXT is back at SND.UNA
  // while the peer may hold everything up to SND.MAX, so a bare ACK or RST
  // carries the highest sequence sent, capped at the right edge of the
  // peer's window (Linux's tcp_acceptable_seq(); Linux never rewinds its
  // snd_nxt).
  const Seq wnd_end = snd_una_ + snd_wnd_;
  return snd_max_ <= wnd_end ? snd_max_ : wnd_end;
}

void Tcb::schedule_ack(bool now_please, Instant t) {
  if (now_please) {
    ack_now_ = true;
    wants_output_ = true;
    if (quickack_ && counters_.segs_in > 16) quickack_ = false;
    return;
  }
  if (!delack_timer_.armed()) timers_->arm(delack_timer_, t + config_.delayed_ack);
}

}  // namespace percore::tcp
