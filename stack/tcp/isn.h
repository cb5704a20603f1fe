// Initial sequence numbers (RFC 6528): ISN = M + F(4-tuple, secret), where M
// is a 4-microsecond clock and F a keyed pseudo-random function, here
// SipHash-2-4. Off-path attackers cannot predict the ISN of a connection,
// yet a new incarnation of a tuple starts above the old one's sequence space.
// The same keyed hash serves SYN cookies (RFC 4987).
#pragma once

#include <array>
#include <cstdint>

#include "stack/core/time.h"
#include "stack/wire/addr.h"
#include "stack/wire/seq.h"

namespace percore::tcp {

// SipHash-2-4 (Aumasson and Bernstein) over a short message.
std::uint64_t siphash24(const std::array<std::uint64_t, 2>& key, const std::uint8_t* data,
                        std::size_t len);

struct FourTuple {
  wire::Ipv4Addr local_ip;
  std::uint16_t local_port;
  wire::Ipv4Addr remote_ip;
  std::uint16_t remote_port;
  friend bool operator==(const FourTuple&, const FourTuple&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const FourTuple& t) {
    return H::combine(std::move(h), t.local_ip.value, t.local_port, t.remote_ip.value,
                      t.remote_port);
  }
};

class IsnGenerator {
 public:
  explicit IsnGenerator(const std::array<std::uint64_t, 2>& secret) : secret_(secret) {}

  // RFC 6528 3: M is a timer that ticks every 4 microseconds.
  wire::Seq isn(const FourTuple& tuple, Instant now) const;

  // The keyed hash of the tuple with an extra word (SYN cookies mix in a
  // time counter).
  std::uint32_t hash(const FourTuple& tuple, std::uint32_t extra) const;

 private:
  std::array<std::uint64_t, 2> secret_;
};

}  // namespace percore::tcp
