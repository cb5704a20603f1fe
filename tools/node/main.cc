// percore node: a process hosting the stack with no application. It answers
// ARP and ICMP echo; it is the interop peer of the tests and the native-API
// benchmark server.
//
//   percore-node [--dev DEV] [--ip CIDR] [--gw IP]   flags override PERCORE_*
//   percore-node ... --connect IP:PORT --send N|--recv N   a client instead
//                                                    of the services (client.h)
//   percore-node --print-env                         the PERCORE_* reference
#include <signal.h>
#include <time.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "preload/config.h"
#include "stack/core/engine.h"
#include "tools/node/client.h"
#include "tools/node/services.h"

namespace {

using namespace percore;

volatile sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

int usage(const char* error) {
  if (error != nullptr) std::fprintf(stderr, "percore node: %s\n", error);
  std::fprintf(stderr,
               "usage: percore-node [--dev DEV] [--ip CIDR] [--gw IP]\n"
               "                    [--connect IP:PORT --send N|--recv N]\n"
               "       percore-node --print-env\n");
  return 2;
}

Instant now() { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }

// How long an idle loop sleeps: short enough for ping latency to stay low,
// long enough that an idle node costs little CPU. (Parking on interrupts is
// the interposer's job; the node only needs to be a good citizen.)
constexpr Duration kIdleSleep = std::chrono::microseconds(200);
constexpr unsigned kIdlePollsBeforeSleep = 1024;

int run(const config::Config& cfg, const std::optional<node::ClientOptions>& client_options) {
  auto engine = core::Engine::start(config::engine_config(cfg), now());
  if (!engine) {
    std::fprintf(stderr, "percore node: %s\n", config::describe(engine.error(), cfg).c_str());
    return 1;
  }
  auto& shards = **engine;
  dev::Port& port = shards.port();
  const unsigned idle_mbufs = port.free_mbufs();
  int rc = 0;
  // The node has no application threads to give shards to: this thread
  // polls them all. The services listen on shard 0; with several queues,
  // segments that land elsewhere are handed over by the shards' redirection.
  std::optional<node::Services> services;
  std::optional<node::Client> client;
  if (client_options)
    client.emplace(shards.shard(0).tcp(), *client_options, now());
  else
    services.emplace(shards.shard(0).tcp());
  shards.shard(0).announce(now());
  std::printf("percore node ready %s\n", shards.describe().c_str());
  std::fflush(stdout);

  unsigned idle_polls = 0;
  while (!g_stop && !(client && client->done())) {
    unsigned received = 0;
    const Instant t = now();
    for (std::size_t i = 0; i < shards.shard_count(); ++i) received += shards.shard(i).poll(t);
    if (client ? client->serve(t) : services->serve(t)) shards.shard(0).flush(t);
    shards.share_neighbours(t);
    if (received > 0) {
      idle_polls = 0;
    } else if (++idle_polls >= kIdlePollsBeforeSleep) {
      timespec ts{0, static_cast<long>(kIdleSleep.count())};
      nanosleep(&ts, nullptr);
    }
  }
  if (client) {
    rc = client->exit_status();
    std::fprintf(rc == 0 ? stdout : stderr, "%s\n", client->report().c_str());
    std::fflush(stdout);
  }
  // Leak checks compare these with the figures at start: no connection
  // left, and every mbuf back while the stack is still up.
  if (services)
    std::fprintf(stderr, "percore node: services accepted=%lu open=%zu\n",
                 services->accepted(), services->open_connections());
  client.reset();
  services.reset();
  std::fprintf(stderr, "percore node: mbufs free %u of %u before the shards stop\n",
               port.free_mbufs(), port.total_mbufs());
  for (std::size_t i = 0; i < shards.shard_count(); ++i) {
    core::Shard& shard = shards.shard(i);
    std::fprintf(stderr, "percore node: queue %u: %s\n", shard.queue(),
                 shard.net().stats().to_string().c_str());
    const auto& ts = shard.tcp().stats();
    std::fprintf(stderr,
                 "percore node: queue %u tcp: segs_in=%lu segs_out=%lu rst_sent=%lu "
                 "bad=%lu no_listener=%lu connections=%zu\n",
                 shard.queue(), ts.segs_in, ts.segs_out, ts.rst_sent, ts.bad_segments,
                 ts.no_listener, shard.tcp().connections());
    if (auto* f = shard.rx_fault_stats())
      std::fprintf(stderr, "percore node: queue %u faults rx: lost=%lu corrupted=%lu duplicated=%lu reordered=%lu\n",
                   shard.queue(), f->lost, f->corrupted, f->duplicated, f->reordered);
    if (auto* f = shard.tx_fault_stats())
      std::fprintf(stderr, "percore node: queue %u faults tx: lost=%lu corrupted=%lu duplicated=%lu reordered=%lu\n",
                   shard.queue(), f->lost, f->corrupted, f->duplicated, f->reordered);
  }
  std::fprintf(stderr, "percore node: mbufs free %u of %u (at start %u)\n", port.free_mbufs(),
               port.total_mbufs(), idle_mbufs);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> overrides;
  std::optional<node::ClientOptions> client;
  const char* amount = nullptr;  // --send or --recv, for the usage check
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* var) -> bool {
      if (i + 1 >= argc) return false;
      overrides[var] = argv[++i];
      return true;
    };
    if (arg == "--print-env") {
      std::fputs(config::reference().c_str(), stdout);
      return 0;
    } else if (arg == "--dev") {
      if (!value("PERCORE_DEV")) return usage("--dev needs a value");
    } else if (arg == "--ip") {
      if (!value("PERCORE_IP")) return usage("--ip needs a value");
    } else if (arg == "--gw") {
      if (!value("PERCORE_GW")) return usage("--gw needs a value");
    } else if (arg == "--connect") {
      if (i + 1 >= argc) return usage("--connect needs IP:PORT");
      if (!client) client.emplace();
      if (!node::parse_endpoint(argv[++i], *client))
        return usage((std::string("--connect: not IP:PORT: ") + argv[i]).c_str());
    } else if (arg == "--send" || arg == "--recv") {
      if (i + 1 >= argc) return usage((arg + " needs a byte count").c_str());
      if (!client) client.emplace();
      const std::string_view n = argv[++i];
      auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), client->bytes);
      if (n.empty() || ec != std::errc{} || end != n.data() + n.size())
        return usage((arg + ": not a byte count: " + argv[i]).c_str());
      client->mode = arg == "--send" ? node::ClientOptions::Mode::Send : node::ClientOptions::Mode::Recv;
      if (amount != nullptr) return usage("give one of --send and --recv");
      amount = argv[i - 1];
    } else if (arg == "-h" || arg == "--help") {
      usage(nullptr);
      return 0;
    } else {
      return usage(("unknown argument " + arg).c_str());
    }
  }
  auto cfg = config::load([&](const char* name) -> const char* {
    if (auto it = overrides.find(name); it != overrides.end()) return it->second.c_str();
    return std::getenv(name);
  });
  if (!cfg) {
    std::fprintf(stderr, "percore node: %s\n", cfg.error().c_str());
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  if (client && (client->port == 0 || amount == nullptr))
    return usage("a client needs both --connect IP:PORT and --send N or --recv N");
  return run(*cfg, client);
}
