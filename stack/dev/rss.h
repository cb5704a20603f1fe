// Software receive-side scaling: the NIC's Toeplitz hash and redirection
// table, computed on the CPU. Active opens use it to pick a source port whose
// replies the NIC delivers to the opening shard's queue; where the device has
// no RSS (or too few queues), it tells a shard which queue owns a flow so the
// packet can be handed over in software.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "stack/wire/addr.h"

namespace percore::dev {

// The key from Microsoft's RSS specification, the default of most NICs and
// DPDK PMDs, and the key of the published verification vectors.
inline constexpr std::array<std::uint8_t, 40> kDefaultRssKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
    0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
    0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
    0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

class Toeplitz {
 public:
  static constexpr std::size_t kMaxKeyLen = 52;

  // `key` as the device reports it (rte_eth_rss_conf.rss_key): 40 or 52 bytes.
  explicit Toeplitz(std::span<const std::uint8_t> key);

  // The hash the NIC computes for a received IPv4/TCP packet with these
  // header values (host byte order in).
  std::uint32_t hash_ipv4_tcp(wire::Ipv4Addr src, wire::Ipv4Addr dst, std::uint16_t src_port,
                              std::uint16_t dst_port) const;
  // The hash for IPv4 packets hashed on addresses only.
  std::uint32_t hash_ipv4(wire::Ipv4Addr src, wire::Ipv4Addr dst) const;

 private:
  // The key pre-converted for rte_softrss_be() (rte_convert_rss_key).
  std::array<std::uint32_t, kMaxKeyLen / 4> key_be_{};
};

// The redirection table: a packet with hash h goes to queue
// entries[h % size()]; NICs index it with the hash's low bits.
class Reta {
 public:
  // `entries` must not be empty.
  explicit Reta(std::vector<std::uint16_t> entries);
  // Entry i is queue i % queues, as DPDK PMDs configure it by default.
  static Reta round_robin(std::size_t size, std::uint16_t queues);

  std::uint16_t queue_for(std::uint32_t hash) const { return entries_[hash % entries_.size()]; }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<std::uint16_t> entries_;
};

// An ephemeral local port for an active open such that the replies (remote
// -> local) hash to `queue`. Tries ports from `start` upward within
// [lo, hi], wrapping to lo (a `start` outside the range begins at lo), and
// skips ports for which `in_use` is true. nullopt when no port qualifies.
std::optional<std::uint16_t> pick_source_port(const Toeplitz& hash, const Reta& reta,
                                              std::uint16_t queue, wire::Ipv4Addr local,
                                              wire::Ipv4Addr remote, std::uint16_t remote_port,
                                              std::uint16_t lo, std::uint16_t hi,
                                              std::uint16_t start,
                                              absl::FunctionRef<bool(std::uint16_t)> in_use);

}  // namespace percore::dev
