// Byte spans and network-order field access shared by every wire format.
// Views check lengths once in parse(); these helpers then read and write at
// offsets already known to be inside the span, so they take raw pointers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "stack/wire/addr.h"

namespace percore::wire {

using Bytes = std::span<const std::uint8_t>;
using MutBytes = std::span<std::uint8_t>;

// Assembled byte by byte: packet fields are not aligned, and the compiler
// turns these into a single load and byte swap.
constexpr std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
constexpr std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
constexpr void store_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
constexpr void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

constexpr MacAddr load_mac(const std::uint8_t* p) {
  MacAddr mac;
  std::copy_n(p, mac.bytes.size(), mac.bytes.begin());
  return mac;
}
constexpr Ipv4Addr load_ipv4(const std::uint8_t* p) { return Ipv4Addr{load_be32(p)}; }

}  // namespace percore::wire
