#include "tools/node/client.h"

#include <absl/strings/str_format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace percore::node {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kPeriod = 251;

// The pattern from any phase: kPattern[i] = i % 251, long enough that
// kChunk bytes start at every offset below 251.
const std::vector<std::uint8_t>& pattern() {
  static const std::vector<std::uint8_t> p = [] {
    std::vector<std::uint8_t> v(kChunk + kPeriod);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i % kPeriod);
    return v;
  }();
  return p;
}

const std::uint8_t* pattern_at(std::uint64_t index) { return pattern().data() + index % kPeriod; }

}  // namespace

bool parse_endpoint(std::string_view text, ClientOptions& o) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  auto ip = wire::Ipv4Addr::parse(text.substr(0, colon));
  if (!ip) return false;
  const std::string_view port = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
      value > 65535)
    return false;
  o.ip = *ip;
  o.port = static_cast<std::uint16_t>(value);
  return true;
}

Client::Client(tcp::TcpLayer& tcp, const ClientOptions& options, Instant now)
    : tcp_(tcp), options_(options), started_(now), scratch_(kChunk) {
  auto tcb = tcp_.connect(options_.ip, options_.port, now);
  if (!tcb) {
    finish(1, absl::StrFormat("percore node client: connect to %s:%u: %s",
                              options_.ip.to_string(), options_.port, to_string(tcb.error())));
    return;
  }
  tcb_ = *tcb;
}

bool Client::serve(Instant now) {
  bool acted = false;
  for (const auto& ready : tcp_.take_ready()) {
    if (ready.tcb == nullptr || ready.tcb != tcb_ || done()) continue;
    acted = true;
    on_connection(now);
  }
  return acted;
}

void Client::on_connection(Instant now) {
  const auto where = [&] {
    return absl::StrFormat("%s:%u (%s, sent=%u received=%u)", options_.ip.to_string(),
                           options_.port, tcp::to_string(tcb_->state()), sent_, received_);
  };
  if (auto e = tcb_->error()) {
    const std::string why = absl::StrFormat("percore node client: %s: %s", where(), to_string(*e));
    tcp_.close(tcb_, now);
    tcb_ = nullptr;
    finish(1, why);
    return;
  }
  if (!tcp::is_synchronized(tcb_->state()) && tcb_->state() != tcp::State::Closed) return;

  if (options_.mode == ClientOptions::Mode::Send) send_pattern(now);
  if (!receive()) {
    const std::string why = absl::StrFormat(
        "percore node client: %s: byte %u is not the pattern i %% 251", where(), received_);
    tcb_->abort(now);
    tcp_.close(tcb_, now);
    tcb_ = nullptr;
    finish(1, why);
    return;
  }
  const bool drained = tcb_->peer_fin() && tcb_->readable() == 0;
  // The server closed: our side closes too (after the pattern in --send).
  if (drained && !tcb_->write_shutdown() &&
      (options_.mode == ClientOptions::Mode::Recv || sent_ == options_.bytes))
    tcb_->shutdown_write(now);
  tcp_.touch(tcb_);

  // Done when both FINs are through: TIME-WAIT when we closed first
  // (--send), CLOSED once the server acknowledged ours (--recv).
  const tcp::State s = tcb_->state();
  if (drained && (s == tcp::State::TimeWait || s == tcp::State::Closed)) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count();
    std::string line = absl::StrFormat("percore node client: sent=%u received=%u elapsed_ms=%d",
                                       sent_, received_, ms);
    int status = 0;
    if (options_.mode == ClientOptions::Mode::Send && sent_ != options_.bytes) {
      line = absl::StrFormat("percore node client: %s: the server closed before all %u bytes were sent",
                             where(), options_.bytes);
      status = 1;
    } else if (options_.mode == ClientOptions::Mode::Recv && received_ != options_.bytes) {
      line = absl::StrFormat("percore node client: %s: received %u bytes, expected %u", where(),
                             received_, options_.bytes);
      status = 1;
    }
    tcp_.close(tcb_, now);
    tcb_ = nullptr;
    finish(status, line);
  }
}

void Client::send_pattern(Instant now) {
  while (sent_ < options_.bytes) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(options_.bytes - sent_, kChunk));
    const std::size_t n = tcb_->send({pattern_at(sent_), want});
    sent_ += n;
    if (n < want) return;  // the send buffer is full: go on when writable
  }
  if (!tcb_->write_shutdown()) tcb_->shutdown_write(now);
}

bool Client::receive() {
  for (;;) {
    const std::size_t n = tcb_->recv(scratch_, false);
    if (n == 0) return true;
    const std::uint8_t* want = pattern_at(received_);
    if (std::memcmp(scratch_.data(), want, n) != 0) {
      const auto* first = std::mismatch(scratch_.data(), scratch_.data() + n, want).first;
      received_ += static_cast<std::uint64_t>(first - scratch_.data());
      return false;
    }
    received_ += n;
  }
}

std::string Client::report() const {
  if (done()) return report_;
  return absl::StrFormat("percore node client: stopped before the end: sent=%u received=%u",
                         sent_, received_);
}

void Client::finish(int status, std::string report) {
  result_ = status;
  report_ = std::move(report);
}

}  // namespace percore::node
