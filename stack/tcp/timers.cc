// The timers of a connection: retransmission (RFC 6298), delayed ACK
// (RFC 1122 4.2.3.2), persist (RFC 9293 3.8.6.1), keepalive (RFC 1122
// 4.2.3.6) and TIME-WAIT (RFC 9293 3.10.7.4, 2*MSL).
#include "stack/tcp/tcb.h"

namespace percore::tcp {

bool Tcb::on_timer(TimerKind kind, Instant now) {
  switch (kind) {
    case TimerKind::Retransmit:
      on_retransmit_timeout(now);
      return state_ == State::Closed;
    case TimerKind::DelayedAck:
      ack_now_ = true;
      wants_output_ = true;
      return false;
    case TimerKind::Persist:
      // A window probe: an ACK below SND.UNA makes the receiver answer with
      // its current window (Linux's tcp_send_probe0 does the same).
      if (snd_wnd_ == 0 && snd_buf_.end() > snd_nxt_) {
        ++counters_.zero_window_probes;
        ++probes_;
        if (probes_ > config_.retries) {
          reset(Errc::TimedOut);
          return true;
        }
        probe_due_ = true;
        wants_output_ = true;
        rtt_.backoff();
        timers_->arm(persist_timer_, now + rtt_.rto());
      }
      return false;
    case TimerKind::Keepalive:
      if (!options_.keepalive || !is_synchronized(state_)) return false;
      // Linux's tcp_keepalive_timer(): while data is in flight or queued,
      // the retransmission (or persist) timer watches the peer; look again
      // a full idle time later.
      if (snd_una_ != snd_max_ || snd_buf_.end() > snd_max_) {
        timers_->arm(keepalive_timer_, now + options_.keepalive_idle);
        return false;
      }
      if (probes_ >= options_.keepalive_count) {
        reset(Errc::TimedOut);
        send_rst_ = true;  // Linux resets a connection whose keepalives went unanswered
        wants_output_ = true;
        return false;
      }
      if (now - last_activity_ >= options_.keepalive_idle) {
        ++probes_;
        ++counters_.keepalive_probes;
        probe_due_ = true;
        wants_output_ = true;
        timers_->arm(keepalive_timer_, now + options_.keepalive_interval);
      } else {
        timers_->arm(keepalive_timer_, last_activity_ + options_.keepalive_idle);
      }
      return false;
    case TimerKind::Cork:
      cork_expired_ = true;
      wants_output_ = true;
      return false;
    case TimerKind::LossProbe:
      // RFC 8985 7.3: send the probe; whether or not one goes out, the RTO
      // timer, not the PTO, watches what is in flight from now on.
      if (snd_una_ == snd_max_ || in_recovery_ || tlp_end_seq_) return false;
      loss_probe_due_ = true;
      wants_output_ = true;
      timers_->arm(rto_timer_, now + rtt_.rto());
      return false;
    case TimerKind::RackReorder:
      // RFC 8985 6.3: a retransmission that was not yet overdue at the last
      // ACK may be now.
      rack_detect_loss(now);
      return false;
    case TimerKind::TimeWait:
      reset(Errc::Shutdown);
      error_.reset();
      return true;
  }
  return false;
}

void Tcb::on_retransmit_timeout(Instant now) {
  if (snd_una_ == snd_max_) return;
  const bool handshake = state_ == State::SynSent || state_ == State::SynReceived;
  const unsigned limit = state_ == State::SynSent        ? config_.syn_retries
                         : state_ == State::SynReceived ? config_.synack_retries
                                                         : config_.retries;
  // The peer closed its window over data in flight: a resend cannot get
  // in, so probe instead (RFC 9293 3.8.6.1), and give up only when the
  // probes go unanswered (any answer resets probes_), as Linux's
  // tcp_retransmit_timer() does.
  if (!handshake && snd_wnd_ == 0 && snd_una_ < snd_buf_.end()) {
    if (++probes_ > config_.retries) {
      reset(soft_error_.value_or(Errc::TimedOut));
      return;
    }
    ++counters_.zero_window_probes;
    probe_due_ = true;
    wants_output_ = true;
    rtt_.backoff();
    timers_->arm(rto_timer_, now + rtt_.rto());
    return;
  }
  if (retransmissions_ >= limit) {
    // Linux reports the last ICMP error seen, if any, rather than a bare timeout.
    reset(soft_error_.value_or(Errc::TimedOut));
    return;
  }
  ++retransmissions_;
  ++counters_.rto_expirations;
  // RFC 6298 5.5-5.7 and RFC 5681 3.1: back off, collapse the window,
  // resend from SND.UNA (go-back-N; the receiver's SACKs are forgotten as
  // RFC 6675 5.1 advises).
  rtt_.backoff();
  // RFC 5681 3.1: once the timer has resent this data, a further timeout
  // holds ssthresh (and cwnd is already one segment); Linux's
  // tcp_enter_loss() likewise recomputes it only for a new loss event.
  if (!handshake && retransmissions_ == 1) cc_.on_rto(flight_size());
  scoreboard_.reset();
  in_recovery_ = false;
  dup_acks_ = 0;
  limited_transmit_bytes_ = 0;
  recovery_inflation_ = 0;
  recover_ = snd_max_;
  snd_nxt_ = snd_una_;
  timers_->cancel(loss_probe_timer_);
  loss_probe_due_ = false;
  // Go-back-N resends everything from SND.UNA; RACK's records of the
  // recovery's retransmissions no longer apply.
  rack_.forget_retransmissions();
  timers_->cancel(rack_timer_);
  tlp_end_seq_.reset();
  rtt_seq_.reset();
  if (!retransmit_tsval_) retransmit_tsval_ = ts_clock(now);
  timers_->arm(rto_timer_, now + rtt_.rto());
  wants_output_ = true;
}

}  // namespace percore::tcp
