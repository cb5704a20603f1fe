// The stack of one process: DPDK's EAL, the port and one shard per queue
// pair, brought up and torn down in one place so that `percore node` and
// libpercore.so start the same stack the same way.
//
// The engine has no threads and no locks (habit 7): whoever owns a shard
// polls it. libpercore.so wraps each shard in its own lock because an
// application's threads may share one.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stack/core/redirect.h"
#include "stack/core/shard.h"
#include "stack/dev/eal.h"
#include "stack/dev/faults.h"
#include "stack/dev/port.h"
#include "stack/tcp/tcb.h"
#include "stack/wire/addr.h"

namespace percore::core {

struct EngineConfig {
  dev::EalConfig eal;
  dev::PortConfig port;
  wire::Ipv4Cidr ip;
  std::optional<wire::Ipv4Addr> gateway;
  wire::Ipv4Cidr tap_host_ip;  // given to the kernel's side of a TAP device
  std::string pcap;            // empty: no capture
  dev::FaultSpec faults;
  tcp::TcpConfig tcp;
};

// Which part of the configuration a start-up failure is about, so the
// caller can name the setting (PERCORE_DEV, PERCORE_TAP_HOST_IP, ...).
struct EngineError {
  enum class Part { Device, TapHost, Pcap } part;
  std::string reason;
};

class Engine {
 public:
  static std::expected<std::unique_ptr<Engine>, EngineError> start(const EngineConfig& config,
                                                                   Instant now);
  // Frees the shards, closes the port and releases the EAL.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  std::size_t shard_count() const { return shards_.size(); }
  Shard& shard(std::size_t i) { return *shards_[i]; }
  dev::Port& port() { return *port_; }
  const net::Interface& iface() const { return iface_; }
  const EngineConfig& config() const { return config_; }

  // An ARP reply arrives on one queue; every shard needs the neighbour.
  // The caller must own every shard while this runs.
  void share_neighbours(Instant now);

  // One line describing the running stack (device, address, MAC, driver...).
  std::string describe() const;

 private:
  explicit Engine(const EngineConfig& config) : config_(config) {}

  EngineConfig config_;
  std::unique_ptr<dev::Port> port_;
  std::unique_ptr<dev::PcapWriter> pcap_;
  net::Interface iface_;
  std::unique_ptr<RedirectTable> redirect_;  // several queues only
  std::vector<std::unique_ptr<Shard>> shards_;
  bool eal_started_ = false;
  int tap_claim_ = -1;  // dev::claim_tap's lock, TAP only
};

}  // namespace percore::core
