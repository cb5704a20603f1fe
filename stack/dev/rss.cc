#include "stack/dev/rss.h"

#include <rte_thash.h>

#include <cassert>
#include <cstring>
#include <utility>

namespace percore::dev {

Toeplitz::Toeplitz(std::span<const std::uint8_t> key) {
  assert(key.size() == 40 || key.size() == 52);
  // rte_convert_rss_key reads the key as 32-bit words: copy it aligned first.
  std::array<std::uint32_t, kMaxKeyLen / 4> raw{};
  std::memcpy(raw.data(), key.data(), key.size());
  rte_convert_rss_key(raw.data(), key_be_.data(), static_cast<int>(key.size()));
}

std::uint32_t Toeplitz::hash_ipv4_tcp(wire::Ipv4Addr src, wire::Ipv4Addr dst,
                                      std::uint16_t src_port, std::uint16_t dst_port) const {
  // The NIC hashes the header bytes in wire order: source address,
  // destination address, source port, destination port. rte_softrss_be
  // takes that input as host-order 32-bit words.
  rte_ipv4_tuple tuple{};
  tuple.src_addr = src.value;
  tuple.dst_addr = dst.value;
  tuple.sport = src_port;
  tuple.dport = dst_port;
  return rte_softrss_be(reinterpret_cast<std::uint32_t*>(&tuple), RTE_THASH_V4_L4_LEN,
                        reinterpret_cast<const std::uint8_t*>(key_be_.data()));
}

std::uint32_t Toeplitz::hash_ipv4(wire::Ipv4Addr src, wire::Ipv4Addr dst) const {
  rte_ipv4_tuple tuple{};
  tuple.src_addr = src.value;
  tuple.dst_addr = dst.value;
  return rte_softrss_be(reinterpret_cast<std::uint32_t*>(&tuple), RTE_THASH_V4_L3_LEN,
                        reinterpret_cast<const std::uint8_t*>(key_be_.data()));
}

Reta::Reta(std::vector<std::uint16_t> entries) : entries_(std::move(entries)) {
  assert(!entries_.empty());
}

Reta Reta::round_robin(std::size_t size, std::uint16_t queues) {
  assert(size > 0 && queues > 0);
  std::vector<std::uint16_t> entries(size);
  for (std::size_t i = 0; i < size; ++i) entries[i] = static_cast<std::uint16_t>(i % queues);
  return Reta(std::move(entries));
}

std::optional<std::uint16_t> pick_source_port(const Toeplitz& hash, const Reta& reta,
                                              std::uint16_t queue, wire::Ipv4Addr local,
                                              wire::Ipv4Addr remote, std::uint16_t remote_port,
                                              std::uint16_t lo, std::uint16_t hi,
                                              std::uint16_t start,
                                              absl::FunctionRef<bool(std::uint16_t)> in_use) {
  if (lo > hi) return std::nullopt;
  const std::uint32_t span = std::uint32_t{hi} - lo + 1;
  const std::uint32_t first = (start >= lo && start <= hi) ? start - lo : 0;
  for (std::uint32_t i = 0; i < span; ++i) {
    const auto port = static_cast<std::uint16_t>(lo + (first + i) % span);
    // The reply travels remote -> local, so that is the tuple the NIC hashes.
    if (reta.queue_for(hash.hash_ipv4_tcp(remote, local, remote_port, port)) != queue) continue;
    if (in_use(port)) continue;
    return port;
  }
  return std::nullopt;
}

}  // namespace percore::dev
