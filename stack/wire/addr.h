// Link and network addresses as value types. Ipv4Addr holds the address in
// host byte order so that comparisons and prefix masks read naturally; the
// conversion to network order happens only in emit()/parse().
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace percore::wire {

struct MacAddr {
  std::array<std::uint8_t, 6> bytes{};

  static constexpr MacAddr broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  bool is_broadcast() const { return *this == broadcast(); }
  bool is_multicast() const { return (bytes[0] & 0x01) != 0; }
  bool is_zero() const { return *this == MacAddr{}; }

  std::string to_string() const;
  friend auto operator<=>(const MacAddr&, const MacAddr&) = default;
};

struct Ipv4Addr {
  std::uint32_t value = 0;  // host byte order

  static constexpr Ipv4Addr any() { return {0}; }
  static constexpr Ipv4Addr broadcast() { return {0xffffffffu}; }
  static constexpr Ipv4Addr from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                        std::uint8_t d) {
    return {(std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d};
  }
  // Dotted quad only ("198.18.0.2"); nullopt for anything else.
  static std::optional<Ipv4Addr> parse(std::string_view text);

  bool is_any() const { return value == 0; }
  bool is_loopback() const { return (value >> 24) == 127; }
  bool is_multicast() const { return (value >> 28) == 0xe; }
  bool is_broadcast() const { return value == 0xffffffffu; }

  std::string to_string() const;
  friend auto operator<=>(const Ipv4Addr&, const Ipv4Addr&) = default;
};

// An address with its prefix length: "198.18.0.2/24".
struct Ipv4Cidr {
  Ipv4Addr addr;
  std::uint8_t prefix_len = 32;

  static std::optional<Ipv4Cidr> parse(std::string_view text);
  std::uint32_t netmask() const { return prefix_len == 0 ? 0 : ~0u << (32 - prefix_len); }
  bool contains(Ipv4Addr a) const { return (a.value & netmask()) == (addr.value & netmask()); }
  Ipv4Addr subnet_broadcast() const { return {addr.value | ~netmask()}; }
  std::string to_string() const;
};

}  // namespace percore::wire
