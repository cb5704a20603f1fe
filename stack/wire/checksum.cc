#include "stack/wire/checksum.h"

#include <rte_byteorder.h>

#include <cstring>

namespace percore::wire {

std::uint16_t ones_sum(const void* data, std::size_t len) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  // A 128-bit accumulator takes 2^64 additions without overflow: the
  // carries of the 64-bit words collect in its high half (add, adc).
  unsigned __int128 acc = 0;
  auto word = [](const std::uint8_t* at) {
    std::uint64_t w;
    std::memcpy(&w, at, sizeof w);
    return w;
  };
  for (; len >= 32; p += 32, len -= 32) {
    acc += word(p);
    acc += word(p + 8);
    acc += word(p + 16);
    acc += word(p + 24);
  }
  for (; len >= 8; p += 8, len -= 8) acc += word(p);
  if (len > 0) {
    // The tail, zero-padded: its bytes keep their places in a native word.
    std::uint64_t tail = 0;
    std::memcpy(&tail, p, len);
    acc += tail;
  }
  std::uint64_t sum = static_cast<std::uint64_t>(acc);
  const auto high = static_cast<std::uint64_t>(acc >> 64);
  sum += high;
  if (sum < high) ++sum;  // end-around carry
  const std::uint64_t sum32 = (sum & 0xffffffff) + (sum >> 32);
  return detail::fold(static_cast<std::uint32_t>((sum32 & 0xffffffff) + (sum32 >> 32)));
}

namespace {

// The one's complement sum commutes with byte swapping (RFC 1071 2.(B)), so
// swapping the folded native-order sum gives the sum of the big-endian words.
std::uint32_t raw_sum(Bytes data) { return rte_be_to_cpu_16(ones_sum(data.data(), data.size())); }

std::uint32_t pseudo_header_words(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                  std::size_t l4_len) {
  return (src.value >> 16) + (src.value & 0xffff) + (dst.value >> 16) + (dst.value & 0xffff) +
         protocol + static_cast<std::uint32_t>(l4_len);
}

}  // namespace

std::uint16_t internet_checksum(Bytes data) {
  return static_cast<std::uint16_t>(~raw_sum(data));
}

std::uint16_t ipv4_pseudo_header_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                     std::uint16_t l4_len) {
  return detail::fold(pseudo_header_words(src, dst, protocol, l4_len));
}

std::uint16_t ipv4_l4_checksum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol, Bytes l4) {
  return static_cast<std::uint16_t>(
      ~detail::fold(pseudo_header_words(src, dst, protocol, l4.size()) + raw_sum(l4)));
}

}  // namespace percore::wire
