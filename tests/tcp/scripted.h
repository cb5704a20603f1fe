// Builders and checks shared by the scripted feature tests (retransmit, fast
// recovery, SACK, window, persist, keepalive, timestamps, delayed ACK): a
// passive open whose final ACK arrives after a chosen round-trip time (so
// the RTO a test sees is known), payload patterns, and expectations for a
// burst of segments.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "tests/tcp/harness.h"

namespace percore::tcp::testing {

// n bytes of a recognisable pattern; pattern(n).substr(a, b) is what the
// segment carrying bytes [a, a + b) of it must hold.
inline std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

inline constexpr std::uint32_t kMss = 1460;

class ScriptedTest : public TcpTest {
 protected:
  // Passive open: the peer's SYN, our SYN-ACK, and the peer's ACK `rtt`
  // later, so the handshake gives the first RTT sample (RFC 6298 2.2:
  // SRTT = rtt, RTTVAR = rtt / 2, RTO = 3 rtt, at least 200 ms).
  Tcb* open(Duration rtt, Seg syn = seg(kSyn).mss(kMss)) {
    Listener* l = listen(syn.dst_port);
    syn.flags = kSyn;
    syn.seq = Seq(kPeerIss);
    rx(syn);
    auto synack = tx();
    EXPECT_EQ(synack.size(), 1u) << "no SYN-ACK";
    if (synack.size() != 1) return nullptr;
    if (rtt > Duration::zero()) advance(rtt);
    EXPECT_TRUE(tx().empty());
    return complete(l, syn, synack[0]);
  }

  // Passive open whose SYN-ACK was lost once: by Karn's rule the handshake
  // gives no RTT sample, so the RTO is still the initial 1 s (RFC 6298 2.1).
  Tcb* open_without_rtt_sample(Seg syn = seg(kSyn).mss(kMss)) {
    Listener* l = listen(syn.dst_port);
    syn.flags = kSyn;
    syn.seq = Seq(kPeerIss);
    rx(syn);
    EXPECT_EQ(tx().size(), 1u) << "no SYN-ACK";
    advance(std::chrono::seconds(1));
    auto again = tx();
    EXPECT_EQ(again.size(), 1u) << "no retransmitted SYN-ACK";
    if (again.size() != 1) return nullptr;
    return complete(l, syn, again[0]);
  }

  // The peer acknowledges `ack` (a pure ACK at RCV.NXT = R unless `seq` says
  // otherwise) with window `wnd`.
  void peer_ack(Seq ack, std::uint16_t wnd = 65535) {
    rx(seg(kAck).with_seq(R).with_ack(ack).wnd(wnd));
  }

  // Exactly these segments were sent, in this order.
  void expect_txs(std::initializer_list<Seg> expected, const char* where = "") {
    auto sent = tx();
    ASSERT_EQ(sent.size(), expected.size()) << where;
    std::size_t i = 0;
    for (const Seg& e : expected) {
      const Sent& s = sent[i++];
      EXPECT_EQ(s.repr.flags, e.flags) << where << " #" << i << ": " << s << " vs " << e;
      EXPECT_EQ(s.repr.seq, e.seq) << where << " #" << i << ": " << s << " vs " << e;
      if (e.flags & kAck) EXPECT_EQ(s.repr.ack, e.ack) << where << " #" << i << ": " << s;
      if (e.window) EXPECT_EQ(s.repr.window, *e.window) << where << " #" << i << ": " << s;
      if (e.options) EXPECT_EQ(s.repr.options, *e.options) << where << " #" << i << ": " << s;
      EXPECT_EQ(s.payload, e.payload) << where << " #" << i << ": " << s;
    }
  }

  // Moves the clock by `d` and checks that nothing was sent in that time.
  void quiet_for(Duration d, const char* where = "") {
    advance(d);
    expect_no_tx(where);
  }

 private:
  Tcb* complete(Listener* l, const Seg& syn, const Sent& synack) {
    L = synack.repr.seq + 1;
    R = Seq(kPeerIss + 1);
    Seg ack = seg(kAck).with_seq(R).with_ack(L);
    ack.ports(syn.src_port, syn.dst_port);
    if (syn.window) ack.wnd(*syn.window);  // the peer's window, as its SYN gave it
    if (syn.options && syn.options->timestamps && synack.repr.options.timestamps)
      ack.ts(syn.options->timestamps->val, synack.repr.options.timestamps->val);
    rx(ack);
    expect_no_tx("after the handshake");
    Tcb* tcb = tcp_->accept(l);
    EXPECT_NE(tcb, nullptr);
    tcp_->take_ready();
    return tcb;
  }
};

// A sender with the initial window (RFC 6928) of ten full segments in
// flight: segment i carries bytes [i MSS, (i + 1) MSS) of data_ at
// [L + i MSS, L + (i + 1) MSS).
class InFlightTest : public ScriptedTest {
 protected:
  // Passive open (`rtt`, `syn` as open() takes them), then ten segments
  // sent and `queued` more waiting in the send buffer.
  Tcb* ten_in_flight(unsigned queued, Duration rtt, Seg syn = seg(kSyn).mss(kMss)) {
    Tcb* tcb = open(rtt, std::move(syn));
    if (tcb == nullptr) return nullptr;
    data_ = pattern((10 + queued) * kMss);
    app_send(tcb, data_);
    EXPECT_EQ(tx().size(), 10u) << "the initial window";
    return tcb;
  }
  Seq at(unsigned i) const { return L + i * kMss; }
  Seg segment(unsigned i) const {
    const std::size_t off = std::size_t{i} * kMss;
    Seg s = seg(kAck).with_seq(at(i)).with_ack(R).data(data_.substr(off, kMss));
    if (off + kMss >= data_.size()) s.flags |= kPsh;
    return s;
  }
  // An ACK of `ack` with SACK blocks given as segment index ranges [a, b).
  void sack_ack(Seq ack, std::initializer_list<std::pair<unsigned, unsigned>> blocks) {
    Seg s = seg(kAck).with_seq(R).with_ack(ack);
    for (auto [a, b] : blocks) s.sack(at(a), at(b));
    rx(s);
  }

  std::string data_;
};

}  // namespace percore::tcp::testing
