// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 3.4,
// RFC 1982 serial number arithmetic), so the comparisons stay right across
// wraparound. There is no conversion to an integer: a raw `<` on sequence
// numbers cannot be written by accident.
#pragma once

#include <cstdint>
#include <iosfwd>

namespace percore::wire {

class Seq {
 public:
  constexpr Seq() = default;
  constexpr explicit Seq(std::uint32_t raw) : raw_(raw) {}

  constexpr std::uint32_t raw() const { return raw_; }

  friend constexpr Seq operator+(Seq s, std::uint32_t n) { return Seq(s.raw_ + n); }
  friend constexpr Seq operator-(Seq s, std::uint32_t n) { return Seq(s.raw_ - n); }
  constexpr Seq& operator+=(std::uint32_t n) {
    raw_ += n;
    return *this;
  }
  constexpr Seq& operator-=(std::uint32_t n) {
    raw_ -= n;
    return *this;
  }

  // The signed distance from b to a. Meaningful while the two are less than
  // 2^31 apart, which the window sizes TCP allows guarantee.
  friend constexpr std::int32_t operator-(Seq a, Seq b) {
    return static_cast<std::int32_t>(a.raw_ - b.raw_);
  }

  friend constexpr bool operator==(Seq, Seq) = default;
  // a < b iff (int32_t)(a - b) < 0, as Linux's before(). Two values exactly
  // 2^31 apart are each "before" the other (RFC 1982 leaves that undefined).
  friend constexpr bool operator<(Seq a, Seq b) { return a - b < 0; }
  friend constexpr bool operator>(Seq a, Seq b) { return b - a < 0; }
  friend constexpr bool operator<=(Seq a, Seq b) { return !(b - a < 0); }
  friend constexpr bool operator>=(Seq a, Seq b) { return !(a - b < 0); }

 private:
  std::uint32_t raw_ = 0;
};

std::ostream& operator<<(std::ostream& os, Seq s);

}  // namespace percore::wire
