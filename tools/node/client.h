// The node as a TCP client on the native API, for interop tests against a
// Linux server:
//
//   --connect IP:PORT --send N   sends the bytes i % 251 for i = 0 .. N-1,
//                                shuts down its write side and reads until
//                                the server closes; whatever the server
//                                sends back must continue the same pattern
//                                (an echo server returns it byte for byte)
//   --connect IP:PORT --recv N   reads until the server closes; exactly N
//                                bytes, the pattern i % 251
//
// It ends with one line, `percore node client: sent=N received=M
// elapsed_ms=T`, or a line saying what went wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/core/time.h"
#include "stack/tcp/layer.h"
#include "stack/wire/addr.h"

namespace percore::node {

struct ClientOptions {
  enum class Mode { Send, Recv };
  wire::Ipv4Addr ip;
  std::uint16_t port = 0;
  Mode mode = Mode::Send;
  std::uint64_t bytes = 0;  // N
};

// Parses "IP:PORT" into `o`; false when it is not one.
bool parse_endpoint(std::string_view text, ClientOptions& o);

class Client {
 public:
  // Opens the connection (the SYN leaves at the shard's next poll).
  Client(tcp::TcpLayer& tcp, const ClientOptions& options, Instant now);

  // Moves the transfer on when the connection's readiness changed. Returns
  // true when it produced output (the caller flushes the shard).
  bool serve(Instant now);

  bool done() const { return result_.has_value(); }
  // 0 on success; meaningful once done().
  int exit_status() const { return result_.value_or(1); }
  // The closing line: success, the reason of the failure, or how far it
  // got when the node was stopped first.
  std::string report() const;

 private:
  void on_connection(Instant now);
  void send_pattern(Instant now);
  // Reads what is there; false when a byte is not the pattern.
  bool receive();
  void finish(int status, std::string report);

  tcp::TcpLayer& tcp_;
  ClientOptions options_;
  tcp::Tcb* tcb_ = nullptr;
  Instant started_;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  std::vector<std::uint8_t> scratch_;
  std::optional<int> result_;
  std::string report_;
};

}  // namespace percore::node
