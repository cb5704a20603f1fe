// SYN cookies (RFC 4987 3.6): when a listener's SYN queue is full, the
// SYN-ACK's ISS encodes what the connection needs, and no state is kept
// until the peer's ACK returns the cookie. Like Linux:
//   ISS = hash(4-tuple, peer ISN, time slot) (24 bits) | MSS index (3 bits)
//         | time slot (5 bits, 64 s each)
// and when the peer sent timestamps, the window scale and SACK-permitted
// it offered ride in the low bits of our TSval, which its ACK echoes.
#pragma once

#include <cstdint>
#include <optional>

#include "stack/core/time.h"
#include "stack/tcp/isn.h"
#include "stack/wire/seq.h"
#include "stack/wire/tcp.h"

namespace percore::tcp {

struct CookieOptions {
  std::uint16_t mss = 536;
  std::optional<std::uint8_t> window_scale;
  bool sack_permitted = false;
  bool timestamps = false;
};

class SynCookies {
 public:
  explicit SynCookies(const IsnGenerator& hash) : hash_(hash) {}

  // The ISS for a SYN-ACK answering `syn` at `now`.
  wire::Seq make(const FourTuple& tuple, const wire::TcpRepr& syn, Instant now) const;
  // The TSval that carries the options (only when the SYN had timestamps).
  std::uint32_t tsval(const wire::TcpRepr& syn, std::uint32_t clock_ms) const;

  // Checks the ACK of a cookie SYN-ACK; the options the SYN offered, or
  // nullopt for a forged, mangled or expired cookie.
  std::optional<CookieOptions> check(const FourTuple& tuple, const wire::TcpRepr& ack,
                                     Instant now) const;

  static constexpr std::uint16_t kMssTable[] = {536, 1300, 1440, 1460};
  static constexpr Duration kSlot = std::chrono::seconds(64);

 private:
  std::uint32_t slot(Instant now) const;
  std::uint32_t mac(const FourTuple& tuple, wire::Seq peer_isn, std::uint32_t slot) const;

  const IsnGenerator& hash_;
};

}  // namespace percore::tcp
