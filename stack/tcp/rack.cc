#include "stack/tcp/rack.h"

#include <algorithm>

namespace percore::tcp {

using wire::Seq;

void Rack::on_sent(Seq from, Seq to, Instant now) {
  if (to <= from) return;
  if (!sent_.empty() && to <= sent_.back().end) return;  // not new after all
  sent_.push_back(Sent{.end = to, .xmit = now, .order = next_order_++});
}

void Rack::on_retransmitted(Seq from, Seq to, Instant now) {
  if (to <= from) return;
  std::erase_if(retransmitted_, [&](const Retransmitted& r) {
    return r.range.left < to && from < r.range.right;
  });
  retransmitted_.push_back(
      Retransmitted{.range = {from, to}, .xmit = now, .order = next_order_++});
}

void Rack::on_rtt_sample(Duration rtt) {
  if (rtt < Duration::zero()) return;
  if (!min_rtt_ || rtt < *min_rtt_) min_rtt_ = rtt;
}

void Rack::delivered(Instant xmit, std::uint64_t order, Instant now) {
  if (order_ && order <= *order_) return;
  // As Linux's tcp_rack_advance(): RACK.rtt goes with RACK.xmit_ts, the
  // RTT of the most recently sent segment delivered.
  order_ = order;
  rtt_ = now - xmit;
  on_rtt_sample(rtt_);
}

void Rack::on_ack(Seq snd_una, const Scoreboard& scoreboard, Instant now) {
  // First transmissions: the send times grow with the sequence numbers, so
  // the most recently sent octet delivered is the highest one, just below
  // HighSACK or SND.UNA. If it was delivered by a retransmission its
  // original send time is earlier than the truth, which only makes RACK
  // wait longer.
  const Seq high = std::max(snd_una, scoreboard.high_sacked());
  if (!sent_.empty()) {
    const Seq last = high - 1;
    auto it = std::upper_bound(sent_.begin(), sent_.end(), last,
                               [](Seq s, const Sent& r) { return s < r.end; });
    if (it != sent_.end() && (it == sent_.begin() || std::prev(it)->end <= last))
      delivered(it->xmit, it->order, now);
  }
  while (!sent_.empty() && sent_.front().end <= snd_una) sent_.pop_front();

  const auto sacked = scoreboard.sacked_ranges();
  std::erase_if(retransmitted_, [&](const Retransmitted& r) {
    const bool acked = r.range.right <= snd_una;
    const bool sack = std::any_of(sacked.begin(), sacked.end(), [&](const SeqRange& s) {
      return s.left <= std::max(r.range.left, snd_una) && r.range.right <= s.right;
    });
    if (!acked && !sack) return false;
    // RFC 8985 6.2 step 2: delivered sooner than the minimum RTT after the
    // retransmission left, it was the original that arrived.
    if (now - r.xmit >= min_rtt()) delivered(r.xmit, r.order, now);
    return true;
  });
}

Duration Rack::reo_wnd(Duration srtt) const { return std::min(min_rtt() / 4, srtt); }

std::optional<Instant> Rack::detect_loss(Instant now, Duration srtt,
                                         std::vector<SeqRange>& lost) {
  if (!order_) return std::nullopt;
  const Duration reo = reo_wnd(srtt);
  std::optional<Instant> next;
  for (Retransmitted& r : retransmitted_) {
    if (r.lost || *order_ <= r.order) continue;  // nothing sent after it delivered
    const Instant deadline = r.xmit + rtt_ + reo;
    if (deadline <= now) {
      r.lost = true;
      lost.push_back(r.range);
    } else if (!next || deadline > *next) {
      next = deadline;  // RFC 8985 6.2 step 5: timeout = max(remaining, timeout)
    }
  }
  return next;
}

}  // namespace percore::tcp
