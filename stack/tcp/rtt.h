// Round-trip time estimation and the retransmission timeout (RFC 6298).
// The caller applies Karn's rule: it feeds samples only from segments that
// were not retransmitted, or from timestamp echoes (RFC 7323 4.1).
#pragma once

#include <algorithm>

#include "stack/core/time.h"

namespace percore::tcp {

class RttEstimator {
 public:
  struct Limits {
    // Linux's bounds (TCP_RTO_MIN 200 ms, TCP_RTO_MAX 120 s) rather than
    // RFC 6298's 1 s minimum: it is what a Linux peer expects of us.
    Duration min_rto = std::chrono::milliseconds(200);
    Duration max_rto = std::chrono::seconds(120);
    Duration initial_rto = std::chrono::seconds(1);  // RFC 6298 2.1
  };

  RttEstimator() : RttEstimator(Limits{}) {}
  explicit RttEstimator(Limits limits) : limits_(limits) {}

  // RFC 6298 2.2 and 2.3, with alpha = 1/8 and beta = 1/4.
  void sample(Duration rtt) {
    if (rtt < Duration::zero()) return;
    if (!has_sample_) {
      srtt_ = rtt;
      rttvar_ = rtt / 2;
      has_sample_ = true;
    } else {
      const Duration err = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
      rttvar_ = (3 * rttvar_ + err) / 4;
      srtt_ = (7 * srtt_ + rtt) / 8;
    }
    // RFC 6298 5.7 does not reset the back-off on a sample; a new ACK does
    // (via reset_backoff) once the retransmitted data is acknowledged.
  }

  // RFC 6298 2.2/2.3: RTO = SRTT + max(G, 4*RTTVAR), bounded, times the back-off.
  Duration rto() const {
    Duration base = limits_.initial_rto;
    if (has_sample_) base = srtt_ + std::max<Duration>(kClockGranularity, 4 * rttvar_);
    base = std::clamp(base, limits_.min_rto, limits_.max_rto);
    Duration backed = base;
    for (unsigned i = 0; i < backoff_ && backed < limits_.max_rto; ++i) backed *= 2;
    return std::min(backed, limits_.max_rto);
  }

  // RFC 6298 5.5: double the RTO on each expiry.
  void backoff() { ++backoff_; }
  void reset_backoff() { backoff_ = 0; }
  unsigned backoffs() const { return backoff_; }

  bool has_sample() const { return has_sample_; }
  Duration srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  const Limits& limits() const { return limits_; }

 private:
  static constexpr Duration kClockGranularity = std::chrono::milliseconds(1);

  Limits limits_;
  bool has_sample_ = false;
  Duration srtt_{};
  Duration rttvar_{};
  unsigned backoff_ = 0;
};

}  // namespace percore::tcp
