// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
// Values are host-order numbers of the big-endian 16-bit words, ready to be
// stored with store_be16: the same convention as every other field.
#pragma once

#include <cstdint>

#include "stack/wire/addr.h"
#include "stack/wire/bytes.h"

namespace percore::wire {

// Skip when the NIC has already verified the checksum (RTE_MBUF_F_RX_*_CKSUM_GOOD).
enum class ChecksumCheck : std::uint8_t { Verify, Skip };

// Offload: the NIC fills the checksums. DPDK's tx offload contract then wants
// the IPv4 header checksum 0 and the TCP/UDP checksum field holding the
// pseudo-header sum (what rte_ipv4_phdr_cksum returns for a non-TSO packet).
enum class ChecksumFill : std::uint8_t { Full, Offload };

// The folded one's complement sum of len bytes at data, read as native-order
// 16-bit words at any alignment (odd lengths padded with a zero byte), like
// rte_raw_cksum but eight bytes per addition: the sum of native 64-bit words
// with end-around carry folds to the same 16 bits, since 2^16 = 1 modulo
// 2^16 - 1 (RFC 1071 2.(C)). rte_be_to_cpu_16 of it is the big-endian sum.
std::uint16_t ones_sum(const void* data, std::size_t len);

// The one's complement of the one's complement sum of data (odd lengths are
// padded with a zero byte). Over a header whose checksum field is correct
// the result is 0.
std::uint16_t internet_checksum(Bytes data);

// The folded, not complemented, sum of the IPv4 pseudo-header (RFC 9293
// 3.1, RFC 768): src, dst, zero, protocol, TCP/UDP length.
std::uint16_t ipv4_pseudo_header_sum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol,
                                     std::uint16_t l4_len);

// The TCP/UDP checksum of l4 (header and payload) under the pseudo-header:
// the value for the checksum field when that field is 0 in l4, and 0 when
// l4 carries a correct checksum.
std::uint16_t ipv4_l4_checksum(Ipv4Addr src, Ipv4Addr dst, std::uint8_t protocol, Bytes l4);

namespace detail {
constexpr std::uint16_t fold(std::uint32_t sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}
}  // namespace detail

// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the checksum after one 16-bit
// word of the covered data changes from old_word to new_word. Unlike RFC
// 1141's form it agrees with a full recompute in the +0/-0 corner case. A
// UDP caller still maps a result of 0 to 0xffff (RFC 768).
constexpr std::uint16_t checksum_adjust16(std::uint16_t old_cksum, std::uint16_t old_word,
                                          std::uint16_t new_word) {
  const std::uint32_t sum = std::uint32_t{static_cast<std::uint16_t>(~old_cksum)} +
                            static_cast<std::uint16_t>(~old_word) + new_word;
  return static_cast<std::uint16_t>(~detail::fold(sum));
}

// The same for a 32-bit value (an address, a sequence number) that starts on
// a 16-bit boundary of the covered data.
constexpr std::uint16_t checksum_adjust32(std::uint16_t old_cksum, std::uint32_t old_value,
                                          std::uint32_t new_value) {
  const std::uint32_t sum = std::uint32_t{static_cast<std::uint16_t>(~old_cksum)} +
                            static_cast<std::uint16_t>(~(old_value >> 16)) +
                            static_cast<std::uint16_t>(~old_value) + (new_value >> 16) +
                            (new_value & 0xffff);
  return static_cast<std::uint16_t>(~detail::fold(sum));
}

}  // namespace percore::wire
