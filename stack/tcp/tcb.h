// The transmission control block: one TCP connection's state (RFC 9293
// 3.3.1) and the state machine that moves it. Input (input.cc) applies a
// received segment; output (output.cc) decides what to send now; timers
// (timers.cc) retransmit, acknowledge late, probe and expire. The TCB
// never touches a device or an mbuf header: it exchanges Reprs and payload
// chains with the TCP layer, which owns the flow table and the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "stack/core/errc.h"
#include "stack/core/time.h"
#include "stack/core/timer_wheel.h"
#include "stack/net/net_stack.h"
#include "stack/tcp/congestion.h"
#include "stack/tcp/isn.h"
#include "stack/tcp/rack.h"
#include "stack/tcp/recv_buffer.h"
#include "stack/tcp/rtt.h"
#include "stack/tcp/scoreboard.h"
#include "stack/tcp/send_buffer.h"
#include "stack/tcp/state.h"
#include "stack/wire/seq.h"
#include "stack/wire/tcp.h"

struct rte_mbuf;
struct rte_mempool;

namespace percore::tcp {

using wire::Seq;

// Defaults for every connection of a shard (PERCORE_TCP_*); sockets may
// override the per-socket ones.
struct TcpConfig {
  std::uint32_t rcvbuf = 256 * 1024;
  std::uint32_t max_rcvbuf = 4 * 1024 * 1024;  // receive-window auto-tuning bound
  std::uint32_t sndbuf = 256 * 1024;
  CcAlgorithm cc = CcAlgorithm::Cubic;
  Duration time_wait = std::chrono::seconds(60);  // 2*MSL, as Linux's TCP_TIMEWAIT_LEN
  Duration delayed_ack = std::chrono::milliseconds(40);
  bool timestamps = true;
  bool sack = true;
  bool window_scaling = true;
  unsigned syn_retries = 6;     // Linux tcp_syn_retries
  unsigned synack_retries = 5;  // Linux tcp_synack_retries
  unsigned retries = 15;        // Linux tcp_retries2
  RttEstimator::Limits rto;
};

// Per-socket options (setsockopt).
struct SocketOptions {
  bool nodelay = false;  // TCP_NODELAY: no Nagle
  bool cork = false;     // TCP_CORK: only full segments until uncorked
  bool keepalive = false;
  Duration keepalive_idle = std::chrono::seconds(7200);
  Duration keepalive_interval = std::chrono::seconds(75);
  unsigned keepalive_count = 9;
  std::optional<Duration> linger;  // SO_LINGER; 0 = abort with RST on close
  std::uint32_t rcvlowat = 1;      // SO_RCVLOWAT: bytes that make the socket readable
  // SO_REUSEADDR / SO_REUSEPORT as the socket had them: a later bind() to
  // this connection's port is judged by them (Linux's inet_bind_conflict),
  // also after the application closed it (TIME-WAIT).
  bool reuse_addr = false;
  bool reuse_port = false;
};

// Readiness as an epoll implementation wants it.
namespace Event {
inline constexpr std::uint32_t kReadable = 1u << 0;   // data, FIN, or an error to read
inline constexpr std::uint32_t kWritable = 1u << 1;
inline constexpr std::uint32_t kReadHup = 1u << 2;    // peer sent FIN (EPOLLRDHUP)
inline constexpr std::uint32_t kHup = 1u << 3;        // both directions closed
inline constexpr std::uint32_t kError = 1u << 4;      // error() is set
inline constexpr std::uint32_t kConnected = 1u << 5;  // handshake completed
}  // namespace Event

// TCP_INFO-style counters.
struct TcpCounters {
  std::uint64_t segs_in = 0, segs_out = 0;
  std::uint64_t bytes_acked = 0, bytes_received = 0;
  std::uint64_t retransmits = 0, rto_expirations = 0, fast_retransmits = 0;
  std::uint64_t dup_acks_in = 0, ooo_segments_in = 0;
  std::uint64_t challenge_acks = 0, paws_drops = 0, bad_acks = 0;
  std::uint64_t zero_window_probes = 0, keepalive_probes = 0;
  std::uint64_t loss_probes = 0, loss_probe_recoveries = 0;  // RFC 8985 7 (TLP)
  std::uint64_t lost_retransmits = 0;  // retransmissions RACK deemed lost (RFC 8985 6)
};

// A segment the TCB wants sent: the header fields, and the payload as an
// mbuf chain referencing the send buffer (nullptr when there is none).
struct OutSegment {
  wire::TcpRepr repr;
  rte_mbuf* payload = nullptr;
  std::uint32_t payload_len = 0;
};

class Tcb;
struct CookieOptions;

// RFC 5961 7: challenge ACKs are rate-limited per shard, so an attacker
// cannot use them to make us flood (Linux: tcp_challenge_ack_limit).
struct ChallengeAckLimit {
  std::uint32_t per_second = 1000;
  Instant window_start{};
  std::uint32_t sent = 0;
  std::uint64_t suppressed = 0;

  bool allow(Instant now) {
    if (now - window_start >= std::chrono::seconds(1)) {
      window_start = now;
      sent = 0;
    }
    if (sent >= per_second) {
      ++suppressed;
      return false;
    }
    ++sent;
    return true;
  }
};

// <SEQ=SEG.ACK><CTL=RST>, or <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
// (RFC 9293 3.10.7.1): the answer to a segment no connection wants.
wire::TcpRepr rst_for(const wire::TcpRepr& seg);

// RFC 7323 2.2: the window shift we announce, the smallest that lets the
// largest receive buffer be advertised (at most 14).
std::uint8_t receive_window_shift(const TcpConfig& config);

// Our RFC 7323 TSval at `now`: a 1 ms clock (section 5.4).
std::uint32_t ts_clock(Instant now);

// The timer node inside a TCB, so the layer's wheel can find its owner.
enum class TimerKind : std::uint32_t {
  Retransmit = 1,
  DelayedAck,
  Persist,
  Keepalive,
  TimeWait,
  Cork,
  LossProbe,
  RackReorder,
};

struct TcbTimer : core::Timer {
  TcbTimer(Tcb* tcb, TimerKind kind) : core::Timer(static_cast<std::uint32_t>(kind)), owner(tcb) {}
  Tcb* owner;
  TimerKind kind() const { return static_cast<TimerKind>(tag()); }
};

class Tcb {
 public:
  Tcb(const FourTuple& tuple, const TcpConfig& config, rte_mempool* pool,
      core::TimerWheel& timers);
  ~Tcb();
  Tcb(const Tcb&) = delete;
  Tcb& operator=(const Tcb&) = delete;

  // Active open (RFC 9293 3.10.1): SYN-SENT; the SYN goes out at output().
  void connect(Seq iss, std::uint16_t our_mss, Instant now);

  // Passive open from a SYN the listener accepted: SYN-RECEIVED, SYN-ACK due.
  void accept_syn(const wire::TcpRepr& syn, Seq iss, std::uint16_t our_mss, Instant now);

  // A connection rebuilt from a valid SYN cookie (RFC 4987) by the ACK that
  // returned it: ESTABLISHED at once, with the options the cookie carried.
  void accept_cookie(const wire::TcpRepr& ack, const CookieOptions& opts, std::uint16_t our_mss,
                     Instant now);

  // What the layer must do after input().
  struct InputResult {
    std::optional<wire::TcpRepr> reply;  // a RST to send, outside the connection
    bool closed = false;                 // the TCB reached CLOSED: the layer frees it
  };

  // RFC 9293 3.10.7 SEGMENT ARRIVES for a segment of this connection.
  // `m` holds the segment; the TCB takes ownership (the payload may stay in
  // the receive buffer).
  InputResult input(const wire::TcpRepr& seg, rte_mbuf* m, Instant now);

  // In TIME-WAIT: may `syn` open a new incarnation of this tuple (RFC 1122
  // 4.2.2.13, RFC 6191; Linux's tcp_timewait_state_process)?
  bool time_wait_accepts_syn(const wire::TcpRepr& syn, Instant now) const;

  // An ICMP destination-unreachable quoting our segment with sequence
  // number `seq` (RFC 1122 4.2.3.9, RFC 5927, RFC 1191).
  void on_icmp_error(const net::IcmpError& error, Seq seq, Instant now);
  std::optional<Errc> soft_error() const { return soft_error_; }

  // Appends what should be sent now to `out`.
  void output(Instant now, std::vector<OutSegment>& out);

  // A timer of this TCB fired. Returns true when the TCB reached CLOSED.
  bool on_timer(TimerKind kind, Instant now);

  // The application's side.
  std::size_t send(std::span<const std::uint8_t> data);  // bytes taken (0: buffer full)
  std::size_t recv(std::span<std::uint8_t> out, bool peek);
  void shutdown_write(Instant now);  // FIN after the queued data
  void shutdown_read();              // further data is discarded (Linux keeps ACKing it)
  // close(): FIN (or RST when unread data remains, RFC 9293 3.10.4, or
  // linger 0). Returns true when the TCB is already CLOSED.
  bool close(Instant now);
  // Sends RST and goes to CLOSED (abort).
  void abort(Instant now);

  State state() const { return state_; }
  const FourTuple& tuple() const { return tuple_; }
  std::uint32_t events() const;
  // Whether in-order data arrived since the last call: Linux wakes readers
  // (sk_data_ready) on every arrival, so an edge-triggered waiter hears of
  // new data even when the socket was readable already.
  bool take_data_ready() { return std::exchange(data_ready_, false); }
  std::optional<Errc> error() const { return error_; }
  std::optional<Errc> take_error() { return std::exchange(error_, std::nullopt); }
  bool wants_output() const { return wants_output_; }
  std::uint32_t readable() const { return rcv_buf_.readable(); }
  std::uint32_t send_queued() const { return snd_buf_.size(); }     // SIOCOUTQ
  std::uint32_t send_space() const { return snd_buf_.free_space(); }
  bool read_shutdown() const { return read_shutdown_; }
  bool write_shutdown() const { return fin_queued_; }
  bool peer_fin() const { return fin_received_; }

  SocketOptions& options() { return options_; }
  const SocketOptions& options() const { return options_; }
  void set_nodelay(bool on);
  void set_cork(bool on);
  void set_keepalive(bool on, Instant now);
  void set_rcvbuf(std::uint32_t bytes);
  void set_sndbuf(std::uint32_t bytes) { snd_buf_.set_capacity(bytes); }
  void set_cc(CcAlgorithm cc);
  void set_challenge_ack_limit(ChallengeAckLimit* limit) { challenge_limit_ = limit; }
  // The connection moves to another shard's layer (the thread that uses it
  // lives there): its armed timers move to `timers` with their deadlines,
  // new send buffers come from `pool`, challenge ACKs count against `limit`.
  void rehome(core::TimerWheel& timers, rte_mempool* pool, ChallengeAckLimit* limit);

  // Introspection for tests and TCP_INFO.
  Seq snd_una() const { return snd_una_; }
  Seq snd_nxt() const { return snd_nxt_; }
  // RCV.NXT: the receive buffer's edge, plus one once the FIN is in.
  Seq rcv_nxt() const { return rcv_buf_.rcv_nxt() + (fin_received_ ? 1u : 0u); }
  std::uint32_t snd_wnd() const { return snd_wnd_; }
  std::uint32_t mss() const { return mss_; }
  std::uint8_t snd_wscale() const { return snd_wscale_; }
  std::uint8_t rcv_wscale() const { return rcv_wscale_; }
  bool timestamps() const { return ts_enabled_; }
  bool sack() const { return sack_enabled_; }
  const Congestion& congestion() const { return cc_; }
  const RttEstimator& rtt() const { return rtt_; }
  const TcpCounters& counters() const { return counters_; }
  std::uint32_t rcv_wnd() const { return rcv_buf_.window(); }
  bool in_recovery() const { return in_recovery_; }

 private:
  // input.cc
  InputResult input_syn_sent(const wire::TcpRepr& seg, rte_mbuf* m, Instant now);
  bool acceptable(const wire::TcpRepr& seg) const;
  bool paws_reject(const wire::TcpRepr& seg, Instant now) const;
  void process_ack(const wire::TcpRepr& seg, Instant now);
  void update_window(const wire::TcpRepr& seg);
  void on_new_ack(Seq ack, const wire::TcpRepr& seg, Instant now);
  void on_dup_ack(const wire::TcpRepr& seg, Instant now);
  void process_data(const wire::TcpRepr& seg, rte_mbuf* m, Instant now);
  void autotune_receive_buffer(Instant now);
  void process_fin(Instant now);
  bool send_buffer_writeable() const;
  void negotiate(const wire::TcpOptions& peer, std::uint16_t our_mss);
  void established(Instant now);
  void enter_time_wait(Instant now);
  void challenge_ack(Instant now);
  void reset(Errc why);
  void cancel_timers();

  // output.cc
  std::optional<OutSegment> next_data_segment(Instant now);
  OutSegment make_segment(std::uint8_t flags, Seq seq, Instant now);
  std::uint16_t advertised_window();
  std::uint32_t flight_size() const;
  Seq acceptable_seq() const;
  std::uint32_t send_window() const;
  bool nagle_allows(std::uint32_t len) const;
  bool limited_transmit_allowed(Seq from) const;
  void schedule_ack(bool now_please, Instant t);
  void arm_rto(Instant now);
  void arm_loss_probe(Instant now);
  void on_loss_probe_ack(const wire::TcpRepr& seg, bool pure_duplicate);
  void rack_detect_loss(Instant now);

  // timers.cc
  void on_retransmit_timeout(Instant now);

  FourTuple tuple_;
  const TcpConfig& config_;
  SocketOptions options_;
  State state_ = State::Closed;
  core::TimerWheel* timers_;  // the owning layer's; rehome() moves the TCB to another
  std::optional<Errc> error_;

  // Send sequence space (RFC 9293 3.3.1).
  Seq iss_;
  Seq snd_una_;
  Seq snd_nxt_;
  Seq snd_max_;  // the highest sequence sent + 1 (snd_nxt_ rewinds after an RTO)
  std::uint32_t snd_wnd_ = 0;
  std::uint32_t max_snd_wnd_ = 0;  // RFC 5961 5.2 MAX.SND.WND
  Seq snd_wl1_;
  Seq snd_wl2_;
  std::uint8_t snd_wscale_ = 0;  // the peer's shift, applied to windows it sends
  bool syn_acked_ = false;

  // Receive sequence space.
  Seq irs_;
  std::uint8_t rcv_wscale_ = 0;  // our shift
  Seq rcv_adv_;                  // right edge last advertised (RFC 9293 3.8.6.2.2: never shrink)
  std::optional<Seq> fin_seq_;   // a FIN seen beyond a hole

  // Negotiated options.
  std::uint32_t mss_ = 536;     // payload bytes per segment, options excluded
  std::uint16_t peer_mss_ = 536;
  bool ts_enabled_ = false;
  std::uint32_t ts_recent_ = 0;  // RFC 7323 TS.Recent
  Instant ts_recent_stamp_{};
  Seq last_ack_sent_;            // RFC 7323 4.3 Last.ACK.sent
  bool sack_enabled_ = false;
  bool wscale_ok_ = false;

  SendBuffer snd_buf_;
  ReceiveBuffer rcv_buf_;
  // Receive-window auto-tuning: bytes the application read since the
  // measurement began; set_rcvbuf() turns it off, as SO_RCVBUF does.
  std::uint32_t rcv_copied_ = 0;
  Instant rcv_measure_start_{};
  bool rcvbuf_locked_ = false;

  // FIN bookkeeping.
  bool fin_queued_ = false;    // the application shut down writing
  bool fin_sent_ = false;
  bool fin_received_ = false;
  bool read_shutdown_ = false;
  bool data_ready_ = false;  // see take_data_ready()

  // Loss recovery and congestion control.
  RttEstimator rtt_;
  Congestion cc_;
  Scoreboard scoreboard_;
  Rack rack_;  // RFC 8985 6: lost retransmissions in SACK recovery
  std::vector<SeqRange> lost_scratch_;  // rack_detect_loss()'s, kept to save allocations
  unsigned dup_acks_ = 0;
  // RFC 3042: bytes sent beyond cwnd on the first two duplicate ACKs.
  std::uint32_t limited_transmit_bytes_ = 0;
  bool in_recovery_ = false;
  Seq recover_;                    // RFC 6582 "recover"
  // RFC 6582 3.2: cwnd's inflation by duplicate ACKs (and deflation by
  // partial ACKs) in fast recovery without SACK, where the sender cannot
  // count what has left the network (RFC 6675's pipe does that with SACK).
  std::int64_t recovery_inflation_ = 0;
  std::optional<Seq> rtt_seq_;     // Karn: the segment being timed (no timestamps)
  // Our TSval when an RTO first resent data still unacknowledged (Linux's
  // retrans_stamp): an echo older than it times an earlier transmission.
  std::optional<std::uint32_t> retransmit_tsval_;
  Instant rtt_sent_at_{};
  unsigned retransmissions_ = 0;   // consecutive RTO expiries for the same data
  Instant last_activity_{};        // for keepalive and idle restart

  // ACK scheduling (RFC 1122 4.2.3.2, RFC 9293 3.8.6.3).
  bool ack_now_ = false;
  // RFC 5681 4.2: duplicate ACKs made as out-of-order segments arrived,
  // sent first at the next output().
  std::vector<OutSegment> immediate_acks_;
  bool send_rst_ = false;          // abort(): a RST is due at the next output()
  bool retransmit_head_ = false;   // fast retransmit / partial ACK: resend SND.UNA's segment
  bool probe_due_ = false;         // keepalive or window probe: an ACK with SEQ = SND.UNA - 1
  unsigned unacked_segments_ = 0;  // full segments received since our last ACK
  bool quickack_ = true;           // the first segments of a connection are ACKed at once
  bool wants_output_ = false;

  TcbTimer rto_timer_{this, TimerKind::Retransmit};
  TcbTimer delack_timer_{this, TimerKind::DelayedAck};
  TcbTimer persist_timer_{this, TimerKind::Persist};
  TcbTimer keepalive_timer_{this, TimerKind::Keepalive};
  TcbTimer time_wait_timer_{this, TimerKind::TimeWait};
  TcbTimer cork_timer_{this, TimerKind::Cork};
  TcbTimer loss_probe_timer_{this, TimerKind::LossProbe};
  TcbTimer rack_timer_{this, TimerKind::RackReorder};  // RFC 8985 6.3
  // RFC 8985 7 (TLP): a probe is due; the probe episode in progress ends at
  // TLP.end_seq, and TLP.is_retrans says whether the probe resent data.
  bool loss_probe_due_ = false;
  std::optional<Seq> tlp_end_seq_;
  bool tlp_is_retrans_ = false;
  bool cork_expired_ = false;  // TCP_CORK held a partial segment for 200 ms
  unsigned probes_ = 0;  // keepalive or zero-window probes without an answer

  std::optional<Errc> soft_error_;  // from ICMP: reported if the connection then times out
  ChallengeAckLimit* challenge_limit_ = nullptr;  // the shard's; none in isolation
  TcpCounters counters_;
};

}  // namespace percore::tcp
