#include "stack/core/engine.h"

#include <rte_random.h>
#include <rte_ring.h>
#include <unistd.h>

#include "absl/strings/str_format.h"
#include "stack/dev/pcap.h"
#include "stack/dev/tap_host.h"

namespace percore::core {

std::expected<std::unique_ptr<Engine>, EngineError> Engine::start(const EngineConfig& config,
                                                                  Instant now) {
  using Part = EngineError::Part;
  std::unique_ptr<Engine> engine(new Engine(config));
  if (config.eal.device.kind == dev::DeviceKind::Tap) {
    auto claim = dev::claim_tap(config.eal.device.iface);
    if (!claim) return std::unexpected(EngineError{Part::Device, claim.error()});
    engine->tap_claim_ = *claim;
  }
  auto port_id = dev::start_eal(config.eal);
  if (!port_id) return std::unexpected(EngineError{Part::Device, port_id.error()});
  engine->eal_started_ = true;

  dev::PortConfig port_config = config.port;
  port_config.queues = static_cast<std::uint16_t>(config.eal.queues);
  auto port = dev::Port::open(*port_id, port_config);
  if (!port) return std::unexpected(EngineError{Part::Device, port.error()});
  engine->port_ = std::move(*port);

  if (config.eal.device.kind == dev::DeviceKind::Tap) {
    if (auto r = dev::configure_tap_host(config.eal.device.iface, config.tap_host_ip); !r)
      return std::unexpected(EngineError{Part::TapHost, r.error()});
  }
  if (!config.pcap.empty()) {
    auto writer = dev::PcapWriter::open(config.pcap);
    if (!writer) return std::unexpected(EngineError{Part::Pcap, writer.error()});
    engine->pcap_ = std::move(*writer);
  }

  engine->iface_ = net::Interface{.mac = engine->port_->mac(),
                                  .addr = config.ip,
                                  .gateway = config.gateway,
                                  .mtu = engine->port_->mtu(),
                                  .offloads = engine->port_->offloads()};
  const std::uint16_t queues = engine->port_->queues();
  if (queues > 1) {
    // The device's own hash where it has RSS, so the redirect is then never
    // taken; otherwise the default key over a round-robin table.
    const dev::RssInfo& rss = engine->port_->rss();
    const bool hw = rss.enabled() && (rss.key.size() == 40 || rss.key.size() == 52);
    dev::Toeplitz hash(hw ? std::span<const std::uint8_t>(rss.key)
                          : std::span<const std::uint8_t>(dev::kDefaultRssKey));
    dev::Reta reta = hw ? dev::Reta(rss.reta) : dev::Reta::round_robin(128, queues);
    std::vector<rte_ring*> rings;
    for (std::uint16_t q = 0; q < queues; ++q) {
      const std::string name = absl::StrFormat("pc_rd_%d_%u", getpid(), q);
      rte_ring* r = rte_ring_create(name.c_str(), 4096, SOCKET_ID_ANY, RING_F_SC_DEQ);
      if (r == nullptr) {
        for (rte_ring* made : rings) rte_ring_free(made);
        return std::unexpected(EngineError{Part::Device, "cannot create the redirect rings"});
      }
      rings.push_back(r);
    }
    engine->redirect_ = std::make_unique<RedirectTable>(std::move(rings), hash, std::move(reta));
  }
  for (std::uint16_t q = 0; q < queues; ++q)
    engine->shards_.push_back(std::make_unique<Shard>(
        *engine->port_, q, engine->iface_,
        Shard::Options{.pcap = engine->pcap_.get(),
                       .faults = config.faults,
                       .tcp = config.tcp,
                       .secret = {rte_rand(), rte_rand()},
                       .redirect = engine->redirect_.get()},
        now));
  return engine;
}

Engine::~Engine() {
  // Shards hold mbufs of the port's pools; the port must outlive them and
  // the EAL must outlive the port.
  shards_.clear();
  redirect_.reset();
  pcap_.reset();
  port_.reset();
  if (eal_started_) dev::stop_eal();
  if (tap_claim_ >= 0) ::close(tap_claim_);
}

void Engine::share_neighbours(Instant now) {
  if (shards_.size() == 1) {
    shards_[0]->net().take_learned();
    return;
  }
  for (auto& from : shards_)
    for (const auto& [ip, mac] : from->net().take_learned())
      for (auto& to : shards_)
        if (to != from) to->net().learn_neighbour(ip, mac, now);
}

std::string Engine::describe() const {
  return absl::StrFormat("dev=%s ip=%s mac=%s driver=%s mtu=%u queues=%u faults=%s",
                         config_.eal.device.to_string(), config_.ip.to_string(),
                         iface_.mac.to_string(), port_->driver(), iface_.mtu, port_->queues(),
                         config_.faults.to_string());
}

}  // namespace percore::core
