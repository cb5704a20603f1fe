// Congestion control: the window that bounds data in flight. CUBIC
// (RFC 9438) by default, NewReno (RFC 5681/6582) selectable per socket or
// by PERCORE_TCP_CC. Loss recovery itself (which segment to retransmit,
// when recovery ends) belongs to the sender; this class only answers how
// much may be in flight.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "stack/core/time.h"

namespace percore::tcp {

enum class CcAlgorithm : std::uint8_t { Cubic, NewReno };

std::optional<CcAlgorithm> parse_cc(std::string_view name);
const char* to_string(CcAlgorithm cc);

class Congestion {
 public:
  // RFC 6928: an initial window of 10 segments, as Linux uses.
  static constexpr std::uint32_t kInitialWindowSegments = 10;

  Congestion(CcAlgorithm algorithm, std::uint32_t mss);

  std::uint32_t cwnd() const { return cwnd_; }
  std::uint32_t ssthresh() const { return ssthresh_; }
  CcAlgorithm algorithm() const { return algorithm_; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }

  // New data acknowledged outside loss recovery (RFC 5681 3.1). `rtt` is
  // the current smoothed RTT (CUBIC aims its window one RTT ahead).
  void on_ack(std::uint32_t acked_bytes, Instant now, Duration rtt);

  // Loss detected by duplicate ACKs or SACK: entering fast recovery.
  // RFC 5681 (3.2) / RFC 9438 (4.6): ssthresh from the flight size and
  // cwnd = ssthresh. Inflation during recovery is the sender's business.
  void on_loss(std::uint32_t flight_size);

  // Fast recovery completed (RFC 6582 3.2 step 3): deflate to ssthresh.
  void on_recovery_end();

  // Retransmission timeout (RFC 5681 3.1 eq. 4, RFC 9438 4.8): one segment.
  void on_rto(std::uint32_t flight_size);

  // The MSS changed (PMTU/clamping): keep the window in whole segments.
  void set_mss(std::uint32_t mss);

  // For tests and TCP_INFO.
  double cubic_w_max_segments() const { return w_max_; }

 private:
  void cubic_congestion_avoidance(std::uint32_t acked_bytes, Instant now, Duration rtt);
  void cubic_on_congestion();

  CcAlgorithm algorithm_;
  std::uint32_t mss_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_ = UINT32_MAX;  // RFC 5681 3.1: arbitrarily high at first
  std::uint32_t reno_bytes_acked_ = 0;   // RFC 5681 3.1 byte counting in CA

  // CUBIC state (RFC 9438 4.1), windows in segments, time in seconds.
  double w_max_ = 0;
  double k_ = 0;
  double w_est_ = 0;
  std::optional<Instant> epoch_;  // start of the current congestion-avoidance epoch
  double cwnd_at_epoch_ = 0;
};

}  // namespace percore::tcp
