// Every PERCORE_* environment variable, declared once: name, default and a
// one-line description, and the field of Config it fills. `percore env` and
// the README's table are printed from this same list; an invalid value is an
// error naming the variable, never silently ignored.
#pragma once

#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "stack/core/engine.h"
#include "stack/dev/device.h"
#include "stack/dev/faults.h"
#include "stack/tcp/congestion.h"
#include "stack/wire/addr.h"

namespace percore::config {

// X(field, NAME, default, description)
#define PERCORE_CONFIG_VARS(X)                                                                   \
  X(dev, "PERCORE_DEV", "tap",                                                                   \
    "DPDK device: tap[:NAME], af_packet:IFACE, af_xdp:IFACE, memif:PATH,role=server|client, "    \
    "pci:BDF")                                                                                   \
  X(ip, "PERCORE_IP", "198.18.0.2/24", "the stack's IPv4 address and on-link prefix")           \
  X(gw, "PERCORE_GW", "", "IPv4 gateway for off-link destinations (empty: on-link only)")       \
  X(tap_host_ip, "PERCORE_TAP_HOST_IP", "198.18.0.1/24",                                         \
    "address given to the kernel's side of the TAP device (tap only)")                          \
  X(queues, "PERCORE_QUEUES", "1", "queue pairs to configure on the device (1..64)")            \
  X(mem_mb, "PERCORE_MEM_MB", "256", "DPDK memory in MiB (--no-huge -m)")                       \
  X(mbufs, "PERCORE_MBUFS", "8191", "mbufs per queue pair")                                     \
  X(offloads, "PERCORE_OFFLOADS", "1", "use the device's checksum offloads (0: all software)")  \
  X(eal_args, "PERCORE_EAL_ARGS", "", "extra DPDK EAL arguments, space separated")              \
  X(dpdk_log, "PERCORE_DPDK_LOG", "error",                                                       \
    "DPDK log level: emerg, alert, crit, error, warning, notice, info, debug")                  \
  X(pcap, "PERCORE_PCAP", "", "write every frame sent and received to this pcapng file")        \
  X(faults, "PERCORE_FAULTS", "",                                                                \
    "inject faults in both directions: loss=5%,reorder=10%,dup=1%,corrupt=1%,delay=2ms,seed=7") \
  X(tcp_cc, "PERCORE_TCP_CC", "cubic", "TCP congestion control: cubic or newreno")           \
  X(tcp_rmem, "PERCORE_TCP_RMEM", "262144", "default TCP receive buffer in bytes (SO_RCVBUF)") \
  X(tcp_wmem, "PERCORE_TCP_WMEM", "262144", "default TCP send buffer in bytes (SO_SNDBUF)")    \
  X(tcp_time_wait_ms, "PERCORE_TCP_TIME_WAIT_MS", "60000", "TIME-WAIT duration (2*MSL) in ms") \
  X(spin_us, "PERCORE_SPIN_US", "100",                                                           \
    "microseconds without a frame a blocking call or epoll_wait/poll/select polls before parking") \
  X(spin_max_us, "PERCORE_SPIN_MAX_US", "1000",                                                  \
    "the longest the one polling thread's spin grows to while parks keep ending with frames "  \
    "waiting (PERCORE_SPIN_US or less: a fixed spin)")                                          \
  X(park_us, "PERCORE_PARK_US", "1000",                                                          \
    "longest a parked thread sleeps before it polls the device again (timers run sooner)")     \
  X(idle_ms, "PERCORE_IDLE_MS", "100",                                                           \
    "after this many ms with no frame in or out, parked threads and the progress thread "       \
    "poll every PERCORE_IDLE_PARK_US instead (the first frame ends it)")                        \
  X(idle_park_us, "PERCORE_IDLE_PARK_US", "4000",                                                \
    "the polling tick of an idle stack (PERCORE_PARK_US or less: no deeper parking)")           \
  X(listen_start_ms, "PERCORE_LISTEN_START_MS", "200",                                           \
    "a listener made before the stack runs starts it this long after listen() unless the "      \
    "process waited on it or forked first")                                                     \
  X(exit_linger_s, "PERCORE_EXIT_LINGER_S", "60",                                               \
    "at exit, a child process keeps delivering unsent data and closing connections until "     \
    "this many seconds pass without a segment from the peers (0: flush for 500 ms only)")      \
  X(stats, "PERCORE_STATS", "0", "1: print each shard's counters to stderr when the program exits") \
  X(stats_ms, "PERCORE_STATS_MS", "0",                                                          \
    "print each shard's counters to stderr every N ms while the stack runs (0: never)")        \
  X(strict, "PERCORE_STRICT", "0", "1: a configuration error aborts the program at start")

struct Config {
  dev::DeviceSpec dev;
  wire::Ipv4Cidr ip;
  std::optional<wire::Ipv4Addr> gw;
  wire::Ipv4Cidr tap_host_ip;
  unsigned queues = 1;
  unsigned mem_mb = 256;
  unsigned mbufs = 8191;
  bool offloads = true;
  std::string eal_args;
  std::string dpdk_log;
  std::string pcap;
  dev::FaultSpec faults;
  tcp::CcAlgorithm tcp_cc = tcp::CcAlgorithm::Cubic;
  unsigned tcp_rmem = 262144;
  unsigned tcp_wmem = 262144;
  unsigned tcp_time_wait_ms = 60000;
  unsigned spin_us = 100;
  unsigned spin_max_us = 1000;
  unsigned park_us = 1000;
  unsigned idle_ms = 100;
  unsigned idle_park_us = 4000;
  unsigned listen_start_ms = 200;
  unsigned exit_linger_s = 60;
  bool stats = false;
  unsigned stats_ms = 0;
  bool strict = false;
};

struct VarInfo {
  std::string_view name;
  std::string_view default_value;
  std::string_view description;
};

std::span<const VarInfo> variables();

// Reads every variable through `lookup` (getenv by default; nullptr = unset,
// so the default applies). The error is one line naming the variable.
using Lookup = absl::FunctionRef<const char*(const char*)>;
std::expected<Config, std::string> load(Lookup lookup);
std::expected<Config, std::string> load_from_environment();

// The reference printed by `percore env`.
std::string reference();

// The stack configuration these settings describe.
core::EngineConfig engine_config(const Config& config);

// A start-up failure as one line naming the setting it is about.
std::string describe(const core::EngineError& error, const Config& config);

}  // namespace percore::config
