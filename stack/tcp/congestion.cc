#include "stack/tcp/congestion.h"

#include <algorithm>
#include <cmath>

namespace percore::tcp {
namespace {

// RFC 9438 4.1/4.2/4.3 constants.
constexpr double kBetaCubic = 0.7;
constexpr double kC = 0.4;
constexpr double kAlphaCubic = 3.0 * (1.0 - kBetaCubic) / (1.0 + kBetaCubic);

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::optional<CcAlgorithm> parse_cc(std::string_view name) {
  if (name == "cubic") return CcAlgorithm::Cubic;
  if (name == "newreno" || name == "reno") return CcAlgorithm::NewReno;
  return std::nullopt;
}

const char* to_string(CcAlgorithm cc) {
  return cc == CcAlgorithm::Cubic ? "cubic" : "newreno";
}

Congestion::Congestion(CcAlgorithm algorithm, std::uint32_t mss)
    : algorithm_(algorithm), mss_(mss), cwnd_(kInitialWindowSegments * mss) {}

void Congestion::on_ack(std::uint32_t acked_bytes, Instant now, Duration rtt) {
  if (acked_bytes == 0) return;
  if (in_slow_start()) {
    // RFC 3465 (ABC) with L = 2*SMSS: grow by what was acknowledged, at most
    // two segments per ACK so that stretch ACKs do not cause bursts.
    cwnd_ += std::min(acked_bytes, 2 * mss_);
    if (cwnd_ > ssthresh_) cwnd_ = ssthresh_;
    return;
  }
  if (algorithm_ == CcAlgorithm::Cubic) {
    cubic_congestion_avoidance(acked_bytes, now, rtt);
    return;
  }
  // RFC 5681 3.1: cwnd += SMSS once per cwnd's worth of acknowledged bytes.
  reno_bytes_acked_ += acked_bytes;
  if (reno_bytes_acked_ >= cwnd_) {
    reno_bytes_acked_ -= cwnd_;
    cwnd_ += mss_;
  }
}

void Congestion::cubic_congestion_avoidance(std::uint32_t acked_bytes, Instant now,
                                            Duration rtt) {
  const double cwnd_seg = static_cast<double>(cwnd_) / mss_;
  if (!epoch_) {
    // RFC 9438 4.2: a new epoch starts with the first ACK in congestion
    // avoidance. Without a prior loss W_max is the current window (K = 0).
    epoch_ = now;
    cwnd_at_epoch_ = cwnd_seg;
    if (w_max_ < cwnd_seg) {
      w_max_ = cwnd_seg;
      k_ = 0;
    } else {
      k_ = std::cbrt((w_max_ - cwnd_seg) / kC);
    }
    w_est_ = cwnd_seg;
  }
  const double t = seconds(now - *epoch_);
  // RFC 9438 4.2: aim at W_cubic(t + RTT), kept within [cwnd, 1.5 cwnd].
  const double ahead = t + seconds(rtt);
  double target = kC * std::pow(ahead - k_, 3.0) + w_max_;
  target = std::clamp(target, cwnd_seg, 1.5 * cwnd_seg);
  const double acked_seg = static_cast<double>(acked_bytes) / mss_;
  // RFC 9438 4.3: the Reno-friendly estimate.
  w_est_ += kAlphaCubic * acked_seg / cwnd_seg;
  double next = cwnd_seg + (target - cwnd_seg) * acked_seg / cwnd_seg;
  if (w_est_ > next) next = std::min(w_est_, cwnd_seg + acked_seg);
  const auto next_bytes = static_cast<std::uint64_t>(next * mss_);
  cwnd_ = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(next_bytes, cwnd_, UINT32_MAX / 2));
}

void Congestion::cubic_on_congestion() {
  const double cwnd_seg = static_cast<double>(cwnd_) / mss_;
  // RFC 9438 4.7: fast convergence releases bandwidth to newer flows.
  if (cwnd_seg < w_max_)
    w_max_ = cwnd_seg * (1.0 + kBetaCubic) / 2.0;
  else
    w_max_ = cwnd_seg;
  epoch_.reset();
}

void Congestion::on_loss(std::uint32_t flight_size) {
  if (algorithm_ == CcAlgorithm::Cubic) {
    cubic_on_congestion();
    // RFC 9438 4.6: ssthresh = cwnd * beta_cubic (at least 2 segments).
    ssthresh_ = std::max<std::uint32_t>(static_cast<std::uint32_t>(cwnd_ * kBetaCubic), 2 * mss_);
  } else {
    // RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS).
    ssthresh_ = std::max(flight_size / 2, 2 * mss_);
  }
  cwnd_ = ssthresh_;
  reno_bytes_acked_ = 0;
}

void Congestion::on_recovery_end() {
  cwnd_ = std::max(ssthresh_, 2 * mss_);
  reno_bytes_acked_ = 0;
}

void Congestion::on_rto(std::uint32_t flight_size) {
  if (algorithm_ == CcAlgorithm::Cubic) {
    cubic_on_congestion();
    ssthresh_ = std::max<std::uint32_t>(static_cast<std::uint32_t>(cwnd_ * kBetaCubic), 2 * mss_);
  } else {
    ssthresh_ = std::max(flight_size / 2, 2 * mss_);
  }
  // RFC 5681 3.1: after an RTO the loss window is one segment.
  cwnd_ = mss_;
  reno_bytes_acked_ = 0;
}

void Congestion::set_mss(std::uint32_t mss) {
  if (mss == 0 || mss == mss_) return;
  cwnd_ = static_cast<std::uint32_t>(static_cast<std::uint64_t>(cwnd_) * mss / mss_);
  if (ssthresh_ != UINT32_MAX)
    ssthresh_ = static_cast<std::uint32_t>(static_cast<std::uint64_t>(ssthresh_) * mss / mss_);
  mss_ = mss;
}

}  // namespace percore::tcp
