// The node's TCP services on the native API: echo (7), discard (9) and a
// byte source (19: the client writes N as a decimal line, the node sends
// the bytes i % 251 for i = 0 .. N-1 and closes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "stack/core/time.h"
#include "stack/tcp/layer.h"

namespace percore::node {

class Services {
 public:
  // Listens on the three ports of `tcp`.
  explicit Services(tcp::TcpLayer& tcp);

  // Serves every connection whose readiness changed. Returns true when it
  // produced output (the caller flushes the shard).
  bool serve(Instant now);

  std::size_t open_connections() const { return conns_.size(); }
  std::uint64_t accepted() const { return accepted_; }

 private:
  enum class Kind { Echo, Discard, Source };
  struct Conn {
    Kind kind;
    std::vector<std::uint8_t> pending;  // echo: read but not yet written
    std::string request;                // source: the decimal line so far
    bool sending = false;               // source: the line is in
    std::uint64_t total = 0;            // source: N
    std::uint64_t next = 0;             // source: the next byte index
    bool finished = false;              // our FIN is queued
  };

  void on_listener(tcp::Listener* l, Kind kind, Instant now);
  // Returns false when the connection is done and was closed.
  bool on_connection(tcp::Tcb* tcb, Conn& c, Instant now);
  void echo(tcp::Tcb* tcb, Conn& c, Instant now);
  void discard(tcp::Tcb* tcb);
  void source(tcp::Tcb* tcb, Conn& c, Instant now);

  tcp::TcpLayer& tcp_;
  tcp::Listener* echo_ = nullptr;
  tcp::Listener* discard_ = nullptr;
  tcp::Listener* source_ = nullptr;
  absl::flat_hash_map<tcp::Tcb*, Conn> conns_;
  std::vector<std::uint8_t> scratch_;
  std::uint64_t accepted_ = 0;
};

}  // namespace percore::node
