#include "stack/wire/checksum.h"

#include <rte_byteorder.h>
#include <rte_ip.h>

namespace percore::wire {
namespace {

// rte_raw_cksum sums the buffer as native-order words. The one's complement
// sum commutes with byte swapping (RFC 1071 2.(B)), so swapping the folded
// result gives the sum of the big-endian words.
std::uint32_t raw_sum(Bytes data) {
  return rte_be_to_cpu_16(rte_raw_cksum(data.data(), data.size()));
}

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
