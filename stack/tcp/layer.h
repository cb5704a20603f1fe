// The TCP layer of one shard: the flow table (4-tuple -> TCB), listeners
// with their SYN and accept queues, ephemeral ports, the timer wheel that
// drives every TCB timer, and the translation between TCBs' segments and
// mbufs on the wire. Lock-free by construction: one shard, one thread.
//
// Readiness: every TCB or listener whose events() changed is queued once on
// ready(); a waiter (epoll, the node) drains it instead of scanning.
#pragma once

#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "stack/core/errc.h"
#include "stack/core/time.h"
#include "stack/core/timer_wheel.h"
#include "stack/net/net_stack.h"
#include "stack/tcp/isn.h"
#include "stack/tcp/syn_cookie.h"
#include "stack/tcp/tcb.h"

struct rte_mempool;

namespace percore::tcp {

struct Listener {
  wire::Ipv4Addr ip;  // any() = every local address
  std::uint16_t port = 0;
  unsigned backlog = 128;
  unsigned syn_received = 0;       // connections in SYN-RECEIVED (the SYN queue)
  std::deque<Tcb*> accept_queue;   // ESTABLISHED, not yet accepted
  bool ready_queued = false;
  std::uint32_t events() const { return accept_queue.empty() ? 0 : Event::kReadable; }
};

struct TcpStats {
  std::uint64_t segs_in = 0, segs_out = 0;
  std::uint64_t rst_sent = 0;
  std::uint64_t bad_segments = 0;     // malformed or bad checksum
  std::uint64_t no_listener = 0;      // answered with RST
  std::uint64_t syn_queue_full = 0;   // answered with a SYN cookie
  std::uint64_t syn_cookies_ok = 0;   // connections rebuilt from a returned cookie
  std::uint64_t syn_cookies_bad = 0;  // ACKs whose cookie did not check out
  std::uint64_t accept_queue_full = 0;
  std::uint64_t time_wait_reused = 0;
  std::uint64_t no_buffers = 0;
  std::uint64_t not_ours = 0;  // ignored: another process's (shared device)
  // Loss recovery of the connections freed so far (their TcpCounters).
  std::uint64_t retransmits = 0, rto_expirations = 0, fast_retransmits = 0;
  std::uint64_t loss_probes = 0, lost_retransmits = 0;
};

class TcpLayer {
 public:
  TcpLayer(net::NetStack& net, rte_mempool* pool, const TcpConfig& config,
           const std::array<std::uint64_t, 2>& secret, Instant now);
  ~TcpLayer();
  TcpLayer(const TcpLayer&) = delete;
  TcpLayer& operator=(const TcpLayer&) = delete;

  // A TCP segment for us, or an ICMP error about one we sent, from the
  // network layer. Takes ownership.
  void input(const net::L4Packet& packet, Instant now);

  // Runs due timers and sends what every touched connection has to send.
  void poll(Instant now);
  std::optional<Instant> next_deadline() const { return timers_.next_deadline(); }

  // The native API.
  std::expected<Listener*, Errc> listen(wire::Ipv4Addr ip, std::uint16_t port, unsigned backlog);
  void close_listener(Listener* l, Instant now);
  Tcb* accept(Listener* l);  // nullptr when the accept queue is empty
  // local_port 0 picks an ephemeral port.
  std::expected<Tcb*, Errc> connect(wire::Ipv4Addr remote, std::uint16_t remote_port,
                                    Instant now, std::uint16_t local_port = 0);
  // A port in the ephemeral range with no listener and no connection on
  // `ip` (0 when all are taken), for listen() on port 0.
  std::uint16_t ephemeral_port(wire::Ipv4Addr ip);
  // Whether bind() to ip:port must fail because a connection (TIME-WAIT
  // included) holds the port, given the new socket's SO_REUSEADDR and
  // SO_REUSEPORT. Listeners are not looked at.
  bool port_taken(wire::Ipv4Addr ip, std::uint16_t port, bool reuse_addr, bool reuse_port) const;
  // Whether a connection the application held has data or a FIN not yet
  // acknowledged.
  bool sending() const;
  // Whether a connection the application held is sending, or waits in
  // FIN-WAIT-2 for the peer's FIN.
  bool unfinished() const;
  // Where several shards share a device: an active open takes only local
  // ports for which `lands_here` is true (the replies come back to this
  // shard), so no two shards ever pick the same 4-tuple.
  void set_port_filter(absl::AnyInvocable<bool(const FourTuple&) const> lands_here) {
    lands_here_ = std::move(lands_here);
  }
  // Where several processes share one device, each sees every segment and
  // must take only its own: a SYN for a listener is admitted or ignored,
  // and a segment of a connection this layer does not have is ignored
  // (another process's) or reset (nobody's).
  enum class Admission : std::uint8_t { Accept, Ignore, Reset };
  void set_admission(absl::AnyInvocable<Admission(const FourTuple&, bool syn) const> admit) {
    admit_ = std::move(admit);
  }
  // Told when a connection that admission let in leaves the flow table, or
  // when an admitted segment made none (it was answered with a RST), so
  // the admission can forget it. A SYN answered with a cookie makes no
  // connection yet and is not told: its ACK must come back to this layer.
  void set_admission_end(absl::AnyInvocable<void(const FourTuple&)> ended) {
    admission_end_ = std::move(ended);
  }
  // Active opens take only local ports with port % count == slot, so
  // processes sharing a device never pick the same 4-tuple.
  void set_port_partition(std::uint16_t slot, std::uint16_t count) {
    port_slot_ = slot;
    port_slots_ = count;
  }

  // Whether a connection with this 4-tuple lives in this layer.
  bool owns(const FourTuple& key) const { return flows_.contains(key); }

  // Moving a connection to another shard's layer, where the thread that
  // uses it polls. Only a connection the application holds and that is
  // synchronized and open (ESTABLISHED or CLOSE-WAIT) moves; nullptr
  // otherwise. The layer forgets it; `adopt` in the other layer takes it,
  // with its timers, and sends and reports whatever is due there. Pre for
  // adopt: !owns(tuple) (an earlier incarnation in TIME-WAIT stays put).
  // `admitted` carries whether a shared device's admission let it in (its
  // claim ends when the connection is freed, wherever it then lives).
  std::unique_ptr<Tcb> take_for_move(Tcb* tcb, bool& admitted);
  void adopt(std::unique_ptr<Tcb> tcb, bool admitted);
  // Called with the 4-tuple when an adopted connection is freed here (the
  // device's shards stop redirecting its segments here).
  void set_on_adopted_release(absl::AnyInvocable<void(const FourTuple&)> f) {
    on_adopted_release_ = std::move(f);
  }

  // The application is done with `tcb`; the layer frees it once the
  // protocol is done too (after FIN exchange, TIME-WAIT, or at once).
  void close(Tcb* tcb, Instant now);
  // Call after the application used a TCB (send, recv, options), so its
  // output and readiness are looked at in the next poll().
  void touch(Tcb* tcb);

  // Sockets whose readiness may have changed since the last take_ready().
  struct Ready {
    Tcb* tcb = nullptr;
    Listener* listener = nullptr;
  };
  // `out` is cleared and filled; its buffer and the layer's trade places,
  // so a caller that keeps `out` allocates nothing once both have grown.
  void take_ready(std::vector<Ready>& out);
  std::vector<Ready> take_ready() {
    std::vector<Ready> out;
    take_ready(out);
    return out;
  }
  bool has_ready() const { return !ready_.empty(); }

  std::size_t connections() const { return flows_.size(); }
  const TcpStats& stats() const { return stats_; }
  ChallengeAckLimit& challenge_ack_limit() { return challenge_limit_; }
  core::TimerWheel& timers() { return timers_; }
  const TcpConfig& config() const { return config_; }

 private:
  struct TcbState {
    std::unique_ptr<Tcb> tcb;
    Listener* listener = nullptr;  // the listener that spawned it, until accepted
    bool app_owned = false;        // connect()ed or accept()ed: the application holds it
    bool app_closed = false;
    bool dirty = false;
    bool ready = false;
    bool accepted_queued = false;
    bool adopted = false;  // moved here from another shard
    bool admitted = false;  // made from a segment that admission let in
    std::uint32_t last_events = 0;
  };

  void icmp_error(const net::L4Packet& packet, Instant now);
  // `isn`, when set, is the ISS a new passive connection must use.
  void input_no_connection(const wire::TcpRepr& seg, const FourTuple& key, rte_mbuf* m,
                           Instant now, std::optional<Seq> isn = std::nullopt);
  void on_timer(core::Timer& t, Instant now);
  void after_event(TcbState& s);
  void transmit(const Tcb& tcb, OutSegment& seg, Instant now);
  void send_rst(const FourTuple& tuple, const wire::TcpRepr& rst, Instant now);
  // Sends a segment that belongs to no TCB (RST, cookie SYN-ACK).
  void send_bare(const FourTuple& tuple, const wire::TcpRepr& seg, Instant now);
  void send_cookie_syn_ack(const FourTuple& key, const wire::TcpRepr& syn, Instant now);
  // Returns true when `ack` carried a valid cookie and a connection was made.
  bool accept_cookie(Listener* l, const FourTuple& key, const wire::TcpRepr& ack, Instant now);
  void release(TcbState& s);
  TcbState* state_of(const Tcb* tcb);
  std::unique_ptr<Tcb> make_tcb(const FourTuple& key);
  Listener* find_listener(wire::Ipv4Addr ip, std::uint16_t port);
  std::uint16_t our_mss() const;

  net::NetStack& net_;
  rte_mempool* pool_;
  TcpConfig config_;
  IsnGenerator isn_;
  SynCookies cookies_{isn_};
  core::TimerWheel timers_;
  absl::flat_hash_map<FourTuple, TcbState> flows_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<FourTuple> dirty_;
  std::vector<Ready> ready_;
  std::vector<FourTuple> dead_;
  std::vector<OutSegment> out_;
  std::uint16_t next_port_;  // within Linux's ip_local_port_range, from a random start (RFC 6056)
  absl::AnyInvocable<bool(const FourTuple&) const> lands_here_;
  absl::AnyInvocable<Admission(const FourTuple&, bool) const> admit_;
  absl::AnyInvocable<void(const FourTuple&)> on_adopted_release_;
  absl::AnyInvocable<void(const FourTuple&)> admission_end_;
  std::uint16_t port_slot_ = 0, port_slots_ = 1;
  TcpStats stats_;
  ChallengeAckLimit challenge_limit_;
};

}  // namespace percore::tcp
