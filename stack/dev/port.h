// One DPDK port brought up in the canonical order (dev_info -> offloads ->
// configure -> adjust descriptors -> queue setup -> start), with one mbuf
// pool per queue pair so that each shard allocates from its own pool.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "stack/wire/addr.h"

struct rte_mempool;

namespace percore::dev {

// Checksum offloads the device offers and the port enabled. Where a flag is
// false the stack computes or verifies that checksum in software.
struct Offloads {
  bool rx_ipv4_cksum = false;
  bool rx_l4_cksum = false;  // TCP and UDP
  bool tx_ipv4_cksum = false;
  bool tx_tcp_cksum = false;
  bool tx_udp_cksum = false;
  // A link in shared memory (memif): no wire can corrupt a frame, so, as
  // Linux's loopback, nothing is verified on receive and the tx_* flags
  // above are set (the offload path, a pseudo-header sum, with no device to
  // finish it: the receiver does not look).
  bool shared_memory = false;
};

// The device's RSS configuration as read back after start; empty when the
// device has no RSS (software redirection then decides ownership).
struct RssInfo {
  std::vector<std::uint8_t> key;
  std::vector<std::uint16_t> reta;
  bool enabled() const { return !key.empty() && !reta.empty(); }
};

struct PortConfig {
  std::uint16_t queues = 1;
  std::uint16_t rx_desc = 1024;
  std::uint16_t tx_desc = 1024;
  unsigned mbufs_per_queue = 8191;  // 2^n - 1 is optimal for rte_mempool
  bool use_offloads = true;         // false: everything in software (tests, debugging)
  // false: checksums in full even on a shared-memory link (injected
  // corruption must be caught there too).
  bool trust_shared_memory = true;
};

class Port {
 public:
  static std::expected<std::unique_ptr<Port>, std::string> open(std::uint16_t port_id,
                                                                const PortConfig& config);
  ~Port();
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  std::uint16_t id() const { return id_; }
  std::uint16_t queues() const { return static_cast<std::uint16_t>(pools_.size()); }
  rte_mempool* pool(std::uint16_t queue) const { return pools_[queue]; }
  const wire::MacAddr& mac() const { return mac_; }
  std::uint16_t mtu() const { return mtu_; }
  const Offloads& offloads() const { return offloads_; }
  // Whether the device transmits a chained mbuf (headers in one segment,
  // payload in the next) as one frame. net_af_xdp of DPDK 22.11 does not:
  // it copies pkt_len bytes from the first segment alone.
  bool tx_multi_segs() const { return tx_multi_segs_; }
  const RssInfo& rss() const { return rss_; }
  const std::string& driver() const { return driver_; }

  // Mbufs of all pools currently free (in pool or per-core cache): a leak check.
  unsigned free_mbufs() const;
  unsigned total_mbufs() const;
  // The same for the pool of one queue pair (one shard's).
  unsigned free_mbufs(std::uint16_t queue) const;
  unsigned total_mbufs(std::uint16_t queue) const;

 private:
  explicit Port(std::uint16_t id) : id_(id) {}

  std::uint16_t id_;
  std::vector<rte_mempool*> pools_;
  wire::MacAddr mac_;
  std::uint16_t mtu_ = 1500;
  Offloads offloads_;
  bool tx_multi_segs_ = false;
  RssInfo rss_;
  std::string driver_;
  bool started_ = false;
};

}  // namespace percore::dev
