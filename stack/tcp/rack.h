// RACK (RFC 8985 6): time-based loss detection, here for the
// retransmissions of SACK loss recovery, the losses RFC 6675 cannot see.
// RFC 6675's IsLost() counts SACKed octets above a hole, and a hole that
// was retransmitted once is never chosen again: a lost retransmission
// waited for the RTO, a 200 ms stall and a collapse of cwnd to one segment.
// RACK instead remembers when each segment left: once a segment sent after
// a retransmission is delivered (cumulatively ACKed or SACKed) and the
// retransmission is still missing RACK.rtt + RACK.reo_wnd after it left,
// the retransmission is deemed lost and may be sent again (RFC 8985 6.2
// step 5, "RACK can detect lost retransmissions").
//
// First transmissions are still judged by RFC 6675's DupThresh rules: this
// class marks only retransmissions lost. What was first sent is kept as a
// log of send times in sequence order (new data leaves in order, so its
// send times grow with its sequence numbers); the retransmissions of the
// current recovery are kept apart, each with its own send time.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "stack/core/time.h"
#include "stack/tcp/scoreboard.h"
#include "stack/wire/seq.h"

namespace percore::tcp {

class Rack {
 public:
  // New data [from, to) left at `now`, for the first time.
  void on_sent(wire::Seq from, wire::Seq to, Instant now);
  // [from, to) was retransmitted at `now` in SACK recovery. Replaces what
  // was recorded of an earlier retransmission of the same octets.
  void on_retransmitted(wire::Seq from, wire::Seq to, Instant now);

  // An ACK arrived: SND.UNA is now `snd_una` and `scoreboard` holds what is
  // SACKed (Update() has run). RFC 8985 6.2 steps 1-2: the most recently
  // sent of the delivered segments sets RACK.xmit_ts, RACK.end_seq and
  // RACK.rtt. A retransmission delivered sooner than RACK.min_RTT after it
  // left was the original's delivery and says nothing (step 2's Karn rule).
  void on_ack(wire::Seq snd_una, const Scoreboard& scoreboard, Instant now);

  // An RTT sample of the connection (RFC 8985 6.2 step 1: RACK.min_RTT).
  void on_rtt_sample(Duration rtt);

  // RFC 8985 6.2 step 5 over the retransmissions: appends the ones now
  // deemed lost to `lost` (they are not reported again until retransmitted
  // again), and returns when the next one would be, if it stays missing:
  // the time for the reordering timer (RFC 8985 6.3).
  std::optional<Instant> detect_loss(Instant now, Duration srtt, std::vector<SeqRange>& lost);

  // The retransmissions recorded belong to one recovery: a new one, or an
  // RTO's go-back-N (RFC 8985 6.3 leaves RTO recovery to the timer here),
  // forgets them.
  void forget_retransmissions() { retransmitted_.clear(); }

  // RFC 8985 6.2 step 4 without D-SACK adaptation: RACK.min_RTT / 4,
  // never more than SRTT. RACK.reo_wnd is 0 in recovery only while no
  // reordering has been seen; this stack does not track that, and a
  // reordering network (the faults PERCORE_FAULTS injects) is what the
  // window is for, so the window is always kept.
  Duration reo_wnd(Duration srtt) const;

  Duration rtt() const { return rtt_; }
  Duration min_rtt() const { return min_rtt_.value_or(Duration::zero()); }
  std::size_t retransmissions() const { return retransmitted_.size(); }

 private:
  // RFC 8985 6.2 RACK_sent_after() orders transmissions by send time and,
  // within a clock tick, by sequence number. Here each transmission is
  // numbered as it leaves, which orders them exactly: a burst leaves with
  // one `now`, and a retransmission must not seem older than the new data
  // sent after it, nor newer than the originals sent before it.
  struct Sent {
    wire::Seq end;  // one past the segment's last octet
    Instant xmit;
    std::uint64_t order;
  };
  struct Retransmitted {
    SeqRange range;
    Instant xmit;
    std::uint64_t order;
    bool lost = false;
  };

  // Step 2: a delivered segment that left at `xmit`, `order`-th.
  void delivered(Instant xmit, std::uint64_t order, Instant now);

  std::deque<Sent> sent_;  // first transmissions not yet cumulatively ACKed
  std::vector<Retransmitted> retransmitted_;
  std::uint64_t next_order_ = 0;
  std::optional<std::uint64_t> order_;  // RACK.xmit_ts and RACK.end_seq, as an order
  Duration rtt_{};                  // RACK.rtt
  std::optional<Duration> min_rtt_;  // RACK.min_RTT
};

}  // namespace percore::tcp
