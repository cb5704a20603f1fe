// The native socket API of one shard: what libpercore.so's POSIX calls and
// the zero-copy C API sit on. A socket is a handle (slot index and
// generation, so a stale handle is detected, never misused) into the
// shard's table; each call maps directly onto a POSIX call's semantics but
// reports errors as Errc (preload/ turns them into errno in one place).
//
// Readiness: take_ready() lists the sockets whose events() may have changed
// since the last call, so an epoll built on it never scans every socket.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

#include "stack/core/errc.h"
#include "stack/core/time.h"
#include "stack/tcp/layer.h"

namespace percore::api {

struct SocketId {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  friend bool operator==(const SocketId&, const SocketId&) = default;
};

struct Endpoint {
  wire::Ipv4Addr ip;
  std::uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

enum class Shutdown : std::uint8_t { Read, Write, Both };

namespace RecvFlag {
inline constexpr unsigned kPeek = 1u << 0;
}  // namespace RecvFlag

// Socket options the stack implements (SOL_SOCKET and IPPROTO_TCP levels).
enum class Option : std::uint8_t {
  NoDelay,         // TCP_NODELAY
  Cork,            // TCP_CORK
  KeepAlive,       // SO_KEEPALIVE
  KeepIdleSec,     // TCP_KEEPIDLE
  KeepIntervalSec, // TCP_KEEPINTVL
  KeepCount,       // TCP_KEEPCNT
  RcvBuf,          // SO_RCVBUF
  SndBuf,          // SO_SNDBUF
  LingerSec,       // SO_LINGER (-1 = off)
  RcvLowat,        // SO_RCVLOWAT
  ReuseAddr,       // SO_REUSEADDR (remembered for later binds to the port)
  ReusePort,       // SO_REUSEPORT (likewise)
};

// TCP_INFO's fields percore knows.
struct TcpInfo {
  tcp::State state = tcp::State::Closed;
  std::uint32_t mss = 0;
  std::uint32_t snd_wscale = 0, rcv_wscale = 0;
  bool timestamps = false, sack = false, window_scaling = false;
  Duration rtt{}, rttvar{}, rto{};
  std::uint32_t snd_cwnd = 0, snd_ssthresh = 0;  // bytes
  std::uint32_t rcv_space = 0;
  std::uint32_t unacked = 0;  // bytes in flight
  tcp::TcpCounters counters;
};

class Sockets {
 public:
  explicit Sockets(tcp::TcpLayer& tcp) : tcp_(tcp) {}
  ~Sockets();
  Sockets(const Sockets&) = delete;
  Sockets& operator=(const Sockets&) = delete;

  SocketId open();
  std::expected<void, Errc> bind(SocketId s, Endpoint local);
  std::expected<void, Errc> listen(SocketId s, unsigned backlog);
  // WouldBlock when no connection is waiting.
  std::expected<SocketId, Errc> accept(SocketId s, Instant now);
  // InProgress: the SYN is on its way; events() reports kConnected or kError.
  std::expected<void, Errc> connect(SocketId s, Endpoint remote, Instant now);
  // Partial writes as Linux: what fits; WouldBlock when nothing does.
  std::expected<std::size_t, Errc> send(SocketId s, std::span<const std::uint8_t> data);
  // 0 means end of stream; WouldBlock when nothing is buffered yet.
  std::expected<std::size_t, Errc> recv(SocketId s, std::span<std::uint8_t> out, unsigned flags = 0);
  std::expected<void, Errc> shutdown(SocketId s, Shutdown how, Instant now);
  // Always succeeds for a live handle; the connection finishes in the background.
  std::expected<void, Errc> close(SocketId s, Instant now);
  // Closes with a RST where Linux's tcp_disconnect() sends one
  // (connect(AF_UNSPEC)); the handle is gone.
  std::expected<void, Errc> abort(SocketId s, Instant now);
  // Closes every connection still open, as the kernel closes an exiting
  // process's files. Listeners stay: workers forked from one listening
  // process share it, and on Linux one worker's exit does not close it.
  void close_all_connections(Instant now);
  // Closes every listener: connections not yet accepted are reset, as
  // Linux does when the last process holding a listener exits.
  void close_listeners(Instant now);
  // Whether a connection still has data or a FIN the peer has not
  // acknowledged (TIME-WAIT and FIN-WAIT-2 have none).
  bool sending() const;
  // Whether a connection the application held is not finished yet: it is
  // sending, or waits for the peer's FIN (FIN-WAIT-2). TIME-WAIT is done.
  bool unfinished() const { return tcp_.unfinished(); }
  // bind(): whether a connection on this shard holds the port (TIME-WAIT
  // included) against a socket with these SO_REUSEADDR / SO_REUSEPORT.
  bool port_taken(Endpoint local, bool reuse_addr, bool reuse_port) const {
    return tcp_.port_taken(local.ip, local.port, reuse_addr, reuse_port);
  }

  std::expected<void, Errc> set_option(SocketId s, Option o, int value, Instant now);
  std::expected<int, Errc> get_option(SocketId s, Option o) const;
  // SO_ERROR: the pending error, cleared by reading it.
  std::expected<std::optional<Errc>, Errc> take_error(SocketId s);

  std::uint32_t events(SocketId s) const;  // tcp::Event bits; 0 for a stale handle
  std::expected<Endpoint, Errc> local(SocketId s) const;
  std::expected<Endpoint, Errc> remote(SocketId s) const;
  std::expected<TcpInfo, Errc> info(SocketId s) const;
  std::expected<std::uint32_t, Errc> readable(SocketId s) const;  // FIONREAD
  std::expected<std::uint32_t, Errc> unsent(SocketId s) const;    // SIOCOUTQ, the FIN included

  // A connected socket leaving for another shard's Sockets (see
  // TcpLayer::take_for_move): nullopt when it cannot move now. The handle
  // is gone here; `adopt_moved` on the other shard gives the new one.
  struct Moving {
    std::unique_ptr<tcp::Tcb> tcb;
    bool admitted = false;
    Endpoint bound;
    bool read_shut = false;
    std::vector<std::pair<Option, int>> early_options;
  };
  // `to` is the Sockets it will go to: it cannot move where its tuple
  // still lives (an earlier incarnation in TIME-WAIT).
  std::optional<Moving> take_for_move(SocketId s, const Sockets& to);
  SocketId adopt_moved(Moving m);
  // Whether a connection with this 4-tuple lives on this shard.
  bool owns(const tcp::FourTuple& t) const { return tcp_.owns(t); }

  // Sockets whose events() may have changed since the last call.
  // `out` is cleared and filled (a kept vector: no allocation per poll).
  void take_ready(std::vector<SocketId>& out);
  std::vector<SocketId> take_ready() {
    std::vector<SocketId> out;
    take_ready(out);
    return out;
  }
  bool has_ready() const { return tcp_.has_ready(); }

  std::size_t open_sockets() const { return live_; }

 private:
  struct Socket {
    std::uint32_t generation = 1;
    bool live = false;
    Endpoint bound;
    bool is_bound = false;
    tcp::Listener* listener = nullptr;
    tcp::Tcb* tcb = nullptr;
    bool read_shut = false;
    // Options set before there was a connection: applied at connect(),
    // and inherited by the connections a listener accepts (as Linux does).
    std::vector<std::pair<Option, int>> early_options;
  };

  Socket* find(SocketId s);
  const Socket* find(SocketId s) const;
  SocketId adopt(tcp::Tcb* tcb, const std::vector<std::pair<Option, int>>& inherited, Instant now);
  void apply(SocketId s, const std::vector<std::pair<Option, int>>& options, Instant now);
  void forget(SocketId s);

  tcp::TcpLayer& tcp_;
  std::vector<tcp::TcpLayer::Ready> ready_scratch_;  // take_ready's, kept
  std::vector<Socket> table_;
  std::vector<std::uint32_t> free_;
  absl::flat_hash_map<const tcp::Tcb*, SocketId> tcb_owner_;
  absl::flat_hash_map<const tcp::Listener*, SocketId> listener_owner_;
  std::size_t live_ = 0;
};

}  // namespace percore::api
