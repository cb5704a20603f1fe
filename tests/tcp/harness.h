// Scripted TCP tests: one shard's network and TCP layers on a fake clock,
// facing a scripted peer. The test writes the peer's segments and checks
// the stack's answers segment by segment, as smoltcp's tests do:
//
//   auto* s = established();
//   rx(seg(kAck).seq(R).ack(L).payload("abc"));
//   expect_tx(seg(kAck).seq(L).ack(R + 3));
//
// L is the stack's (local) initial sequence number + 1 after the handshake,
// R the peer's (remote). Segments are real frames: the harness emits them
// with the wire layer, the stack parses them, and what the stack sends is
// parsed back from its transmit queue.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "stack/net/net_stack.h"
#include "stack/tcp/layer.h"
#include "stack/wire/tcp.h"

namespace percore::tcp::testing {

using wire::Seq;
using wire::TcpFlag::kAck;
using wire::TcpFlag::kFin;
using wire::TcpFlag::kPsh;
using wire::TcpFlag::kRst;
using wire::TcpFlag::kSyn;

inline const wire::Ipv4Addr kLocalIp = wire::Ipv4Addr::from_octets(198, 18, 0, 2);
inline const wire::Ipv4Addr kRemoteIp = wire::Ipv4Addr::from_octets(198, 18, 0, 1);
inline constexpr std::uint16_t kLocalPort = 7;
inline constexpr std::uint16_t kRemotePort = 40000;

// A segment as the test writes or expects it. Unset fields in an
// expectation are not compared (window, options), so a test states only
// what it is about.
struct Seg {
  std::uint8_t flags = 0;
  Seq seq;
  Seq ack;
  std::optional<std::uint16_t> window;
  std::uint16_t src_port = kRemotePort;
  std::uint16_t dst_port = kLocalPort;
  std::optional<wire::TcpOptions> options;  // expectation: compare when set
  std::string payload;

  Seg& with_seq(Seq s) { seq = s; return *this; }
  Seg& with_ack(Seq a) { ack = a; return *this; }
  Seg& wnd(std::uint16_t w) { window = w; return *this; }
  Seg& data(std::string p) { payload = std::move(p); return *this; }
  Seg& opts(const wire::TcpOptions& o) { options = o; return *this; }
  Seg& mss(std::uint16_t m) { if (!options) options.emplace(); options->mss = m; return *this; }
  Seg& wscale(std::uint8_t s) { if (!options) options.emplace(); options->window_scale = s; return *this; }
  Seg& sack_ok() { if (!options) options.emplace(); options->sack_permitted = true; return *this; }
  Seg& ts(std::uint32_t val, std::uint32_t ecr) {
    if (!options) options.emplace();
    options->timestamps = wire::TcpTimestamps{val, ecr};
    return *this;
  }
  Seg& sack(Seq left, Seq right) {
    if (!options) options.emplace();
    options->sack[options->sack_count++] = {left, right};
    return *this;
  }
  Seg& ports(std::uint16_t src, std::uint16_t dst) { src_port = src; dst_port = dst; return *this; }
};

inline Seg seg(std::uint8_t flags) { return Seg{.flags = flags}; }

std::ostream& operator<<(std::ostream& os, const Seg& s);

// A segment the stack sent, parsed back.
struct Sent {
  wire::TcpRepr repr;
  std::string payload;
};
std::ostream& operator<<(std::ostream& os, const Sent& s);

class TcpTest : public ::testing::Test {
 protected:
  TcpTest();
  ~TcpTest() override;

  // The configuration a test may change before the first segment.
  TcpConfig config_;
  // Recreates the layer with config_ (call after changing it).
  void rebuild();

  // Time.
  Instant now() const { return now_; }
  void advance(Duration d);  // moves the clock and runs due timers

  // The peer sends `s` (at the current time); the layer processes it and
  // flushes its output.
  void rx(const Seg& s);
  // The peer's segments arrive together, in one receive burst: the layer
  // processes them all, then produces output once, as one poll does.
  void rx_burst(std::initializer_list<Seg> segs);
  // Every segment the stack sent since the last call.
  std::vector<Sent> tx();
  // Exactly one segment was sent, and it matches `expected`.
  void expect_tx(const Seg& expected, const char* where = "");
  // Nothing was sent.
  void expect_no_tx(const char* where = "");

  // Builders that put a connection straight into a state. Sequence numbers:
  // the stack's first data byte is L, the peer's is R.
  Listener* listen(std::uint16_t port = kLocalPort, unsigned backlog = 16);
  // Passive open: the peer's SYN (with `syn_options`), our SYN-ACK, the
  // peer's ACK; accept()ed. Options default to none (plain RFC 793).
  Tcb* established(const Seg& syn_template = seg(kSyn));
  // Active open: connect(), the peer's SYN-ACK, our ACK.
  Tcb* connected(const Seg& synack_template = seg(kSyn | kAck));

  // Application calls, flushed like a real API call.
  std::size_t app_send(Tcb* tcb, std::string_view data);
  std::string app_recv(Tcb* tcb, std::size_t max = 1 << 20, bool peek = false);
  void app_close(Tcb* tcb);
  void app_shutdown(Tcb* tcb);

  Seq L;  // our first data sequence number (ISS + 1)
  Seq R;  // the peer's first data sequence number (IRS + 1)
  static constexpr std::uint32_t kPeerIss = 1000;

  std::unique_ptr<net::NetStack> net_;
  std::unique_ptr<TcpLayer> tcp_;

 private:
  void deliver(const Seg& s);

  Instant now_{std::chrono::seconds(1000)};
};

}  // namespace percore::tcp::testing
