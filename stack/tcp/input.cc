// RFC 9293 3.10.7: SEGMENT ARRIVES, for a connection that has a TCB, with
// RFC 5961 (blind-attack mitigations), RFC 7323 (PAWS, timestamps),
// RFC 2018/6675 (SACK), RFC 5681/6582 (fast retransmit, NewReno).
#include <rte_mbuf.h>

#include <algorithm>

#include "stack/tcp/tcb.h"

namespace percore::tcp {
namespace {

using wire::TcpFlag::kAck;
using wire::TcpFlag::kFin;
using wire::TcpFlag::kRst;
using wire::TcpFlag::kSyn;

bool has(const wire::TcpRepr& seg, std::uint8_t flag) { return (seg.flags & flag) != 0; }

// RFC 7323 5.5: TS.Recent older than 24 days is not trusted for PAWS.
constexpr Duration kPawsIdle = std::chrono::hours(24 * 24);


}  // namespace

wire::TcpRepr rst_for(const wire::TcpRepr& seg) {
  wire::TcpRepr rst{.src_port = seg.dst_port, .dst_port = seg.src_port};
  if (has(seg, kAck)) {
    rst.seq = seg.ack;
    rst.flags = kRst;
  } else {
    rst.seq = Seq(0);
    rst.ack = seg.seq + seg.segment_len();
    rst.flags = kRst | kAck;
  }
  return rst;
}

Tcb::InputResult Tcb::input(const wire::TcpRepr& seg, rte_mbuf* m, Instant now) {
  ++counters_.segs_in;
  if (state_ == State::SynSent) return input_syn_sent(seg, m, now);
  if (state_ == State::Closed || state_ == State::Listen) {
    rte_pktmbuf_free(m);
    return {.reply = has(seg, kRst) ? std::nullopt : std::optional(rst_for(seg))};
  }
  auto drop = [&](InputResult r = {}) {
    rte_pktmbuf_free(m);
    return r;
  };

  // A retransmitted SYN in SYN-RECEIVED: the peer lost our SYN-ACK.
  if (state_ == State::SynReceived && has(seg, kSyn) && !has(seg, kAck) && seg.seq == irs_) {
    snd_nxt_ = iss_;
    wants_output_ = true;
    return drop();
  }

  // RFC 7323 5.3 R1: PAWS, before the sequence check.
  if (paws_reject(seg, now)) {
    ++counters_.paws_drops;
    if (!has(seg, kRst)) schedule_ack(true, now);
    return drop();
  }

  // First: sequence acceptability (RFC 9293 3.10.7.4).
  if (!acceptable(seg)) {
    if (!has(seg, kRst)) schedule_ack(true, now);
    // RFC 9293 3.10.7.4 eighth, TIME-WAIT: a retransmitted FIN (wholly
    // old, so never acceptable) restarts the 2 MSL timeout, as in Linux.
    if (state_ == State::TimeWait && has(seg, kFin) && !has(seg, kRst))
      timers_->arm(time_wait_timer_, now + config_.time_wait);
    return drop();
  }
  last_activity_ = now;
  probes_ = 0;
  if (options_.keepalive) timers_->arm(keepalive_timer_, now + options_.keepalive_idle);

  // Second: RST. RFC 5961 3.2: only an exact match resets; any other
  // in-window RST gets a challenge ACK.
  if (has(seg, kRst)) {
    if (seg.seq != rcv_nxt()) {
      challenge_ack(now);
      return drop();
    }
    // In TIME-WAIT the application has seen the connection end (Linux has
    // moved it to a timewait socket): the RST leaves no error behind.
    const bool time_wait = state_ == State::TimeWait;
    // RFC 9293: in SYN-RECEIVED from a passive open the connection just
    // goes away; the application never saw it. Linux's tcp_reset() reports
    // EPIPE in CLOSE-WAIT: the peer had already closed its side.
    reset(state_ == State::SynReceived ? Errc::ConnectionRefused
          : state_ == State::CloseWait ? Errc::Shutdown
                                       : Errc::ConnectionReset);
    if (time_wait) error_.reset();
    return drop({.closed = true});
  }

  // Fourth: SYN. RFC 5961 4.2: a SYN in a synchronized state (or in
  // SYN-RECEIVED, other than the retransmission above) gets a challenge ACK.
  if (has(seg, kSyn)) {
    challenge_ack(now);
    return drop();
  }

  // Fifth: ACK.
  if (!has(seg, kAck)) return drop();

  // RFC 7323 4.3: remember the timestamp of the segment that covers the
  // left edge of the window.
  if (ts_enabled_ && seg.options.timestamps) {
    const std::uint32_t val = seg.options.timestamps->val;
    if (static_cast<std::int32_t>(val - ts_recent_) >= 0 && seg.seq <= last_ack_sent_) {
      ts_recent_ = val;
      ts_recent_stamp_ = now;
    }
  }

  if (state_ == State::SynReceived) {
    if (seg.ack <= snd_una_ || seg.ack > snd_max_) return drop({.reply = rst_for(seg)});
    established(now);
    // RFC 9293 3.10.7.4: SND.WND from this segment, then go on in ESTABLISHED.
    snd_wnd_ = std::uint32_t{seg.window} << snd_wscale_;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = seg.seq;
    snd_wl2_ = seg.ack;
  }

  // RFC 5961 5.2: an ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] is
  // answered with an ACK and the segment dropped.
  if (seg.ack > snd_max_) {
    ++counters_.bad_acks;
    schedule_ack(true, now);
    return drop();
  }
  if (seg.ack < snd_una_ - max_snd_wnd_) {
    ++counters_.bad_acks;
    challenge_ack(now);
    return drop();
  }
  process_ack(seg, now);

  switch (state_) {
    case State::FinWait1:
      if (fin_sent_ && snd_una_ == snd_max_) {
        state_ = State::FinWait2;
        // Linux's tcp_fin_timeout: an orphaned FIN-WAIT-2 does not wait forever.
        if (read_shutdown_) timers_->arm(time_wait_timer_, now + config_.time_wait);
      }
      break;
    case State::Closing:
      if (fin_sent_ && snd_una_ == snd_max_) enter_time_wait(now);
      break;
    case State::LastAck:
      if (fin_sent_ && snd_una_ == snd_max_) {
        reset(Errc::Shutdown);
        error_.reset();
        return drop({.closed = true});
      }
      break;
    default:
      break;
  }

  // Seventh: segment text.
  if (!seg.payload.empty()) {
    if (read_shutdown_ && (state_ == State::FinWait1 || state_ == State::FinWait2) &&
        seg.seq + static_cast<std::uint32_t>(seg.payload.size()) > rcv_buf_.rcv_nxt()) {
      // RFC 1122 4.2.2.13: new data after close() SHOULD be answered with a
      // RST, so the peer learns it was lost (Linux: TCPAbortOnData).
      reset(Errc::ConnectionReset);
      return drop({.reply = rst_for(seg), .closed = true});
    }
    if (state_ == State::Established || state_ == State::FinWait1 ||
        state_ == State::FinWait2) {
      process_data(seg, m, now);
      m = nullptr;  // the receive buffer owns it now
    } else {
      // The peer already sent its FIN: nothing after it can be new.
      schedule_ack(true, now);
    }
  }

  // Eighth: FIN (possibly beyond a hole; it takes effect when the hole fills).
  if (has(seg, kFin)) {
    const Seq fin = seg.seq + static_cast<std::uint32_t>(seg.payload.size());
    if (!fin_received_) fin_seq_ = fin;
    if (state_ == State::TimeWait) {
      // A retransmitted FIN: our ACK was lost. ACK again, restart 2*MSL.
      schedule_ack(true, now);
      timers_->arm(time_wait_timer_, now + config_.time_wait);
    }
  }
  if (fin_seq_ && *fin_seq_ == rcv_buf_.rcv_nxt() && !fin_received_) process_fin(now);
  // A bare FIN beyond a hole is ACKed at once; data was ACKed with its text.
  else if (fin_seq_ && !fin_received_ && seg.payload.empty()) schedule_ack(true, now);

  if (m != nullptr) rte_pktmbuf_free(m);
  return {};
}

Tcb::InputResult Tcb::input_syn_sent(const wire::TcpRepr& seg, rte_mbuf* m, Instant now) {
  rte_pktmbuf_free(m);
  // RFC 9293 3.10.7.3 first: the ACK must cover our SYN and nothing more.
  const bool ack_ok = has(seg, kAck) && seg.ack > iss_ && seg.ack <= snd_max_;
  if (has(seg, kAck) && !ack_ok) {
    if (has(seg, kRst)) return {};
    return {.reply = rst_for(seg)};
  }
  if (has(seg, kRst)) {
    // RFC 5961 3.2 does not apply here; an RST acknowledging our SYN
    // refuses the connection.
    if (ack_ok) {
      reset(Errc::ConnectionRefused);
      return {.closed = true};
    }
    return {};
  }
  if (!has(seg, kSyn)) return {};

  irs_ = seg.seq;
  rcv_buf_.reset(seg.seq + 1);
  rcv_adv_ = rcv_buf_.rcv_nxt();
  negotiate(seg.options, static_cast<std::uint16_t>(mss_));
  if (ts_enabled_) {
    ts_recent_ = seg.options.timestamps->val;
    ts_recent_stamp_ = now;
  }
  snd_wnd_ = seg.window;  // RFC 7323 2.2: never scaled in a SYN
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = seg.seq;
  snd_wl2_ = seg.ack;

  if (ack_ok) {
    // RTT of the handshake (Karn: only when the SYN went out once).
    if (rtt_seq_ && retransmissions_ == 0) rtt_.sample(now - rtt_sent_at_);
    rtt_seq_.reset();
    snd_una_ = seg.ack;
    syn_acked_ = true;
    established(now);
    schedule_ack(true, now);
    return {};
  }
  // Simultaneous open (RFC 9293 3.5 figure 8): SYN-RECEIVED, send SYN-ACK.
  state_ = State::SynReceived;
  snd_nxt_ = iss_;
  wants_output_ = true;
  return {};
}

bool Tcb::time_wait_accepts_syn(const wire::TcpRepr& syn, Instant now) const {
  if (state_ != State::TimeWait || !has(syn, kSyn) || has(syn, kAck) || has(syn, kRst))
    return false;
  // RFC 6191 2: with timestamps, PAWS refuses an older TSval, and a newer
  // one marks a new incarnation whatever its sequence number.
  if (paws_reject(syn, now)) return false;
  if (ts_enabled_ && syn.options.timestamps &&
      static_cast<std::int32_t>(syn.options.timestamps->val - ts_recent_) > 0)
    return true;
  return syn.seq > rcv_nxt();
}

bool Tcb::paws_reject(const wire::TcpRepr& seg, Instant now) const {
  if (!ts_enabled_ || !seg.options.timestamps || has(seg, kRst)) return false;
  if (now - ts_recent_stamp_ > kPawsIdle) return false;
  return static_cast<std::int32_t>(seg.options.timestamps->val - ts_recent_) < 0;
}

bool Tcb::acceptable(const wire::TcpRepr& seg) const {
  // The window we check against is the one we advertised, which may be
  // larger than today's free space (we never shrink it), and smaller than
  // the buffer's room (a 16-bit field without window scaling): RFC 5961 3.2
  // judges a RST by RCV.WND, what the peer was offered, as Linux's
  // tcp_sequence() does with tcp_receive_window().
  const Seq rcv_nxt = this->rcv_nxt();
  const std::uint32_t wnd = static_cast<std::uint32_t>(std::max<std::int32_t>(rcv_adv_ - rcv_nxt, 0));
  const std::uint32_t len = seg.segment_len();
  // RFC 9293 3.10.7.4, the four cases.
  if (len == 0) {
    if (wnd == 0) return seg.seq == rcv_nxt;
    // An ACK may sit exactly at the right edge: a peer that filled the
    // window we offered sends its ACKs with SEQ = SND.NXT = our edge, and
    // while our buffer is full those ACKs are all it sends until its
    // persist timer fires. RFC 9293 3.10.7.4 wants valid ACKs processed, and
    // Linux's tcp_sequence() accepts SEQ <= RCV.NXT + RCV.WND; a RST there
    // stays outside the window (RFC 5961 3.2).
    const bool at_edge = seg.seq == rcv_nxt + wnd && !has(seg, kRst);
    return (rcv_nxt <= seg.seq && seg.seq < rcv_nxt + wnd) || at_edge;
  }
  if (wnd == 0) {
    // Not acceptable, but RFC 9293 asks that the ACK (and RST) still be
    // processed: let an exactly in-sequence segment through; its data is
    // trimmed by the full receive buffer.
    return seg.seq == rcv_nxt;
  }
  const Seq last = seg.seq + (len - 1);
  return (rcv_nxt <= seg.seq && seg.seq < rcv_nxt + wnd) ||
         (rcv_nxt <= last && last < rcv_nxt + wnd) ||
         // A segment that starts before and ends after the window still
         // carries what we want (its middle); RFC 9293's text trims it.
         (seg.seq < rcv_nxt && last >= rcv_nxt + wnd);
}

void Tcb::process_ack(const wire::TcpRepr& seg, Instant now) {
  // RFC 2018 / RFC 6675: SACK information first, so the duplicate-ACK
  // decision below knows whether this ACK carried news.
  // RFC 6675 4 Update() runs on every ACK with the cumulative ACK it
  // carries, so no range below the new SND.UNA is left for NextSeg() to
  // choose (and retransmit from bytes already released).
  std::uint32_t newly_sacked = 0;
  if (sack_enabled_) {
    const Seq una = seg.ack > snd_una_ ? seg.ack : snd_una_;
    newly_sacked = scoreboard_.update(
        una, snd_max_, std::span(seg.options.sack.data(), seg.options.sack_count));
  }

  const std::uint32_t old_wnd = snd_wnd_;
  const bool advanced = seg.ack > snd_una_;
  update_window(seg);
  if (advanced) {
    on_new_ack(seg.ack, seg, now);
  } else if (seg.ack == snd_una_ && flight_size() > 0 &&
             ((seg.payload.empty() && !has(seg, kFin) && snd_wnd_ == old_wnd &&
               !(sack_enabled_ && seg.options.sack_count > 0)) ||
              newly_sacked > 0)) {
    // RFC 5681 2 (DUPLICATE ACKNOWLEDGMENT); RFC 6675 2: an ACK that SACKs
    // new octets counts "even if it carries new data [or] changes the
    // advertised window", so a peer that is sending too still drives
    // loss recovery. SACK blocks that tell nothing new (an RFC 2883
    // D-SACK reporting a duplicate arrival, an invalid block) make no
    // duplicate, as in Linux, which counts only newly SACKed data.
    on_dup_ack(seg, now);
  }
  if (sack_enabled_) {
    rack_.on_ack(snd_una_, scoreboard_, now);
    rack_detect_loss(now);
  }
  if (tlp_end_seq_)
    on_loss_probe_ack(seg, !advanced && seg.payload.empty() && snd_wnd_ == old_wnd &&
                               newly_sacked == 0);
  if (snd_wnd_ > 0) {
    // Linux's tcp_ack_probe(): the window opened, the probes' back-off ends.
    if (persist_timer_.armed()) rtt_.reset_backoff();
    probes_ = 0;
    timers_->cancel(persist_timer_);
  }
  if (snd_wnd_ > old_wnd) wants_output_ = true;
}

void Tcb::update_window(const wire::TcpRepr& seg) {
  // RFC 9293 3.10.7.4: update SND.WND only from a segment newer than the
  // one that last set it.
  if (snd_wl1_ < seg.seq || (snd_wl1_ == seg.seq && snd_wl2_ <= seg.ack)) {
    snd_wnd_ = std::uint32_t{seg.window} << snd_wscale_;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = seg.seq;
    snd_wl2_ = seg.ack;
  }
}

void Tcb::on_new_ack(Seq ack, const wire::TcpRepr& seg, Instant now) {
  std::uint32_t acked = static_cast<std::uint32_t>(ack - snd_una_);
  if (!syn_acked_) {
    syn_acked_ = true;
    --acked;  // the SYN's sequence number
  }
  // The SYN and FIN occupy sequence numbers outside the buffer.
  Seq upto = ack;
  if (upto > snd_buf_.end()) upto = snd_buf_.end();
  if (upto < snd_buf_.start()) upto = snd_buf_.start();
  const std::uint32_t data_acked = snd_buf_.consume(upto);
  snd_una_ = ack;
  if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
  counters_.bytes_acked += data_acked;

  // RFC 7323 4.1 / RFC 6298 with Karn's rule.
  if (ts_enabled_ && seg.options.timestamps && seg.options.timestamps->ecr != 0) {
    const std::uint32_t ecr = seg.options.timestamps->ecr;
    // After an RTO, an echo older than the retransmission acknowledges an
    // earlier transmission the network delayed: its RTT spans the timeout
    // and would inflate SRTT. Sample only when TSecr >= the retransmission's
    // TSval (RFC 7323 4.1 and Karn; Linux's tcp_clean_rtt_queue() takes no
    // sample for retransmitted data either).
    const bool stale =
        retransmit_tsval_ && static_cast<std::int32_t>(ecr - *retransmit_tsval_) < 0;
    const auto ms = static_cast<std::int32_t>(ts_clock(now) - ecr);
    if (!stale && ms >= 0) {
      rtt_.sample(std::chrono::milliseconds(std::max(ms, 1)));
      rack_.on_rtt_sample(std::chrono::milliseconds(std::max(ms, 1)));
    }
  } else if (rtt_seq_ && ack > *rtt_seq_) {
    rtt_.sample(now - rtt_sent_at_);
    rack_.on_rtt_sample(now - rtt_sent_at_);
    rtt_seq_.reset();
  }
  rtt_.reset_backoff();
  retransmissions_ = 0;
  // All that was outstanding at the timeout is acknowledged: later echoes
  // time segments sent after it.
  if (ack >= recover_) retransmit_tsval_.reset();

  if (in_recovery_) {
    if (ack >= recover_) {
      // RFC 6582 3.2 step 3 (full acknowledgment): leave fast recovery.
      in_recovery_ = false;
      dup_acks_ = 0;
      recovery_inflation_ = 0;
      cc_.on_recovery_end();
    } else if (!sack_enabled_) {
      // RFC 6582 3.2 step 4 (partial acknowledgment): the next hole is
      // lost too; retransmit it now and stay in recovery. Deflate cwnd by
      // the amount acknowledged and add back one SMSS if that was a full one.
      retransmit_head_ = true;
      recovery_inflation_ -= acked;
      if (acked >= mss_) recovery_inflation_ += mss_;
    }
  } else {
    dup_acks_ = 0;
    limited_transmit_bytes_ = 0;
    cc_.on_ack(data_acked, now, rtt_.has_sample() ? rtt_.srtt() : Duration(0));
  }

  // RFC 6298 5.2/5.3: stop the timer when all is acknowledged, else restart it.
  if (snd_una_ == snd_max_)
    timers_->cancel(rto_timer_);
  else
    timers_->arm(rto_timer_, now + rtt_.rto());
  // RFC 8985 7.2: and the probe timer with it.
  arm_loss_probe(now);
  wants_output_ = true;
}

void Tcb::on_loss_probe_ack(const wire::TcpRepr& seg, bool pure_duplicate) {
  // RFC 8985 7.4, as Linux's tcp_process_tlp_ack(): did the probe repair a loss?
  if (seg.ack < *tlp_end_seq_) return;
  const bool dsack = seg.options.sack_count > 0 && seg.options.sack[0].right <= seg.ack;
  if (!tlp_is_retrans_ || dsack) {
    // New data acknowledged, or a D-SACK (RFC 2883) says the original and
    // the probe both arrived: nothing was lost.
    tlp_end_seq_.reset();
  } else if (seg.ack > *tlp_end_seq_) {
    // Acknowledged beyond the probe without a sign of a duplicate: the
    // probe repaired a loss, and the congestion response is fast
    // recovery's (RFC 8985 7.4.2), unless recovery already made it.
    if (!in_recovery_) {
      cc_.on_loss(flight_size());
      cc_.on_recovery_end();
      ++counters_.loss_probe_recoveries;
    }
    tlp_end_seq_.reset();
  } else if (pure_duplicate) {
    tlp_end_seq_.reset();  // a duplicate of the probe's ACK: both arrived
  }
}

void Tcb::rack_detect_loss(Instant now) {
  if (!in_recovery_ || !sack_enabled_ || rack_.retransmissions() == 0) {
    timers_->cancel(rack_timer_);
    return;
  }
  lost_scratch_.clear();
  const auto next = rack_.detect_loss(now, rtt_.srtt(), lost_scratch_);
  for (const SeqRange& r : lost_scratch_) {
    // RFC 8985 6.2 step 5: the lost retransmission may go again. The
    // congestion response was made when this recovery began; like Linux,
    // a lost retransmission within it makes none of its own.
    scoreboard_.mark_lost(r.left, r.right);
    ++counters_.lost_retransmits;
    wants_output_ = true;
  }
  if (next)
    timers_->arm(rack_timer_, *next);
  else
    timers_->cancel(rack_timer_);
}

void Tcb::on_dup_ack(const wire::TcpRepr& seg, Instant now) {
  (void)seg;
  ++dup_acks_;
  ++counters_.dup_acks_in;
  if (in_recovery_) {
    // RFC 6582 3.2 step 3: without SACK each further duplicate inflates
    // cwnd by one SMSS (a segment has left the network); with SACK it may
    // let the pipe admit a segment (RFC 6675 5 (C)).
    if (!sack_enabled_) recovery_inflation_ += mss_;
    wants_output_ = true;
    return;
  }
  const bool sack_loss = sack_enabled_ && scoreboard_.is_lost(snd_una_, mss_);
  // RFC 6582 4.1: a new recovery only once SND.UNA has passed "recover".
  if ((dup_acks_ >= Scoreboard::kDupThresh || sack_loss) && snd_una_ >= recover_) {
    in_recovery_ = true;
    recover_ = snd_max_;
    // RFC 5681 3.2 step 2: data sent by Limited Transmit is not counted.
    cc_.on_loss(flight_size() - limited_transmit_bytes_);
    limited_transmit_bytes_ = 0;
    // RFC 6582 3.2 step 2: cwnd = ssthresh + 3 SMSS, for the three segments
    // the duplicates say have left the network.
    recovery_inflation_ = sack_enabled_ ? 0 : std::int64_t{Scoreboard::kDupThresh} * mss_;
    scoreboard_.begin_recovery();
    rack_.forget_retransmissions();
    timers_->cancel(loss_probe_timer_);  // RFC 8985 7.2: no probe in recovery
    retransmit_head_ = true;
    ++counters_.fast_retransmits;
    wants_output_ = true;
    rtt_seq_.reset();
  } else if (dup_acks_ < Scoreboard::kDupThresh) {
    wants_output_ = true;  // RFC 3042: Limited Transmit may send
  }
  (void)now;
}

void Tcb::autotune_receive_buffer(Instant now) {
  // Receive-window auto-tuning, as Linux's tcp_rcv_space_adjust(): once per
  // RTT, if the application read a whole buffer in it, the window and not
  // the reader limits the peer, so double the buffer, up to max_rcvbuf and
  // what the window field can announce.
  if (rcvbuf_locked_ || !rtt_.has_sample()) return;
  if (now - rcv_measure_start_ < std::max<Duration>(rtt_.srtt(), std::chrono::milliseconds(1)))
    return;
  const std::uint64_t limit =
      std::min<std::uint64_t>(config_.max_rcvbuf, std::uint64_t{65535} << rcv_wscale_);
  const std::uint32_t capacity = rcv_buf_.capacity();
  if (rcv_copied_ >= capacity && capacity < limit)
    rcv_buf_.set_capacity(static_cast<std::uint32_t>(std::min(std::uint64_t{2} * capacity, limit)));
  rcv_copied_ = 0;
  rcv_measure_start_ = now;
}

void Tcb::process_data(const wire::TcpRepr& seg, rte_mbuf* m, Instant now) {
  autotune_receive_buffer(now);
  const bool in_order = seg.seq == rcv_buf_.rcv_nxt();
  const bool had_hole = rcv_buf_.out_of_order_bytes() > 0;
  // RFC 9293 3.10.7.4: everything up to the edge we advertised is in the
  // window, including what rounding up to the window scale added.
  rcv_buf_.advertise(rcv_adv_);
  const std::uint32_t advanced =
      rcv_buf_.insert(seg.seq, m, seg.payload.data(), static_cast<std::uint32_t>(seg.payload.size()));
  counters_.bytes_received += advanced;
  if (advanced > 0) data_ready_ = true;
  if (!in_order) {
    // RFC 5681 4.2: an out-of-order segment gets an immediate duplicate
    // ACK of its own, with SACK blocks as of its arrival (RFC 2018 4), not
    // one ACK for the whole burst: the sender counts duplicates (RFC 5681
    // 3.2) and newly SACKed data (RFC 6675 2) per ACK.
    ++counters_.ooo_segments_in;
    immediate_acks_.push_back(make_segment(kAck, acceptable_seq(), now));
    wants_output_ = true;
    return;
  }
  if (had_hole) {
    // RFC 5681 4.2: a segment filling all or part of a hole is ACKed at
    // once, so the sender learns at once that the hole is repaired.
    schedule_ack(true, now);
    return;
  }
  if (advanced == 0) {
    schedule_ack(true, now);  // a pure duplicate: tell the sender where we are
    return;
  }
  if (seg.payload.size() >= mss_) ++unacked_segments_;
  // RFC 1122 4.2.3.2 / RFC 5681 4.2: ACK at least every second full-sized
  // segment; the first segments of a connection are ACKed at once (quick ACK).
  schedule_ack(quickack_ || unacked_segments_ >= 2, now);
}

void Tcb::process_fin(Instant now) {
  fin_received_ = true;  // rcv_nxt() now counts the FIN
  schedule_ack(true, now);
  switch (state_) {
    case State::SynReceived:
    case State::Established:
      state_ = State::CloseWait;
      break;
    case State::FinWait1:
      // Our FIN not yet acknowledged: simultaneous close.
      if (fin_sent_ && snd_una_ == snd_max_)
        enter_time_wait(now);
      else
        state_ = State::Closing;
      break;
    case State::FinWait2:
      enter_time_wait(now);
      break;
    default:
      break;
  }
}

void Tcb::established(Instant now) {
  state_ = State::Established;
  syn_acked_ = true;
  timers_->cancel(rto_timer_);
  retransmissions_ = 0;
  if (options_.keepalive) timers_->arm(keepalive_timer_, now + options_.keepalive_idle);
  wants_output_ = true;
}

void Tcb::enter_time_wait(Instant now) {
  state_ = State::TimeWait;
  timers_->cancel(rto_timer_);
  timers_->cancel(persist_timer_);
  timers_->cancel(keepalive_timer_);
  timers_->arm(time_wait_timer_, now + config_.time_wait);
}

void Tcb::on_icmp_error(const net::IcmpError& error, Seq seq, Instant now) {
  // RFC 5927 4.1: believe only errors quoting data we have in flight.
  if (seq < snd_una_ || seq >= snd_max_) return;
  constexpr std::uint8_t kProtocolUnreachable = 2, kPortUnreachable = 3, kFragNeeded = 4;
  switch (error.code) {
    case kFragNeeded: {
      // RFC 1191: shrink the MSS to the next hop's MTU; the RTO resends the
      // lost data in the smaller segments.
      if (error.next_hop_mtu < 68 + 40) return;
      std::uint32_t mss = error.next_hop_mtu - 40u - (ts_enabled_ ? 12u : 0u);
      if (mss < mss_) {
        mss_ = mss;
        cc_.set_mss(mss_);
        retransmit_head_ = true;
        wants_output_ = true;
      }
      return;
    }
    case kProtocolUnreachable:
    case kPortUnreachable:
      // RFC 1122 4.2.3.9: hard errors abort a connection being opened
      // (Linux: ECONNREFUSED); an established one only notes them.
      if (state_ == State::SynSent || state_ == State::SynReceived) {
        reset(Errc::ConnectionRefused);
        return;
      }
      soft_error_ = Errc::ConnectionRefused;
      return;
    default:
      // Net/host unreachable and the rest are soft errors (RFC 1122 4.2.3.9).
      soft_error_ = Errc::HostUnreachable;
      (void)now;
      return;
  }
}

void Tcb::challenge_ack(Instant now) {
  if (challenge_limit_ != nullptr && !challenge_limit_->allow(now)) return;
  ++counters_.challenge_acks;
  schedule_ack(true, now);
}

}  // namespace percore::tcp
