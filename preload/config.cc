#include "preload/config.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "stack/core/text.h"

namespace percore::config {
namespace {

constexpr VarInfo kVariables[] = {
#define PERCORE_VAR_INFO(field, name, def, doc) VarInfo{name, def, doc},
    PERCORE_CONFIG_VARS(PERCORE_VAR_INFO)
#undef PERCORE_VAR_INFO
};

// One parser per field type; each returns an error text without the name.
using Result = std::expected<void, std::string>;

Result parse_value(std::string_view text, dev::DeviceSpec& out) {
  auto spec = dev::DeviceSpec::parse(text);
  if (!spec) return std::unexpected(spec.error());
  out = *spec;
  return {};
}

Result parse_value(std::string_view text, dev::FaultSpec& out) {
  auto spec = dev::FaultSpec::parse(text);
  if (!spec) return std::unexpected(spec.error());
  out = *spec;
  return {};
}

Result parse_value(std::string_view text, tcp::CcAlgorithm& out) {
  auto cc = tcp::parse_cc(text);
  if (!cc) return std::unexpected(absl::StrCat("'", absl_view(text), "' is not cubic or newreno"));
  out = *cc;
  return {};
}

Result parse_value(std::string_view text, wire::Ipv4Cidr& out) {
  auto cidr = wire::Ipv4Cidr::parse(text);
  if (!cidr) return std::unexpected(absl::StrCat("'", absl_view(text), "' is not an address/prefix like 198.18.0.2/24"));
  out = *cidr;
  return {};
}

Result parse_value(std::string_view text, std::optional<wire::Ipv4Addr>& out) {
  if (text.empty()) {
    out.reset();
    return {};
  }
  auto addr = wire::Ipv4Addr::parse(text);
  if (!addr) return std::unexpected(absl::StrCat("'", absl_view(text), "' is not an IPv4 address"));
  out = *addr;
  return {};
}

Result parse_value(std::string_view text, unsigned& out) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return std::unexpected(absl::StrCat("'", absl_view(text), "' is not a non-negative integer"));
  out = value;
  return {};
}

Result parse_value(std::string_view text, bool& out) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") {
    out = true;
  } else if (text == "0" || text == "false" || text == "no" || text == "off") {
    out = false;
  } else {
    return std::unexpected(absl::StrCat("'", absl_view(text), "' is not a boolean (0/1)"));
  }
  return {};
}

Result parse_value(std::string_view text, std::string& out) {
  out = text;
  return {};
}

Result check_range(std::string_view name, unsigned value, unsigned lo, unsigned hi) {
  if (value < lo || value > hi)
    return std::unexpected(absl::StrCat(absl_view(name), ": ", value, " is out of range ", lo, "..", hi));
  return {};
}

Result validate(const Config& c) {
  if (auto r = check_range("PERCORE_QUEUES", c.queues, 1, 64); !r) return r;
  if (auto r = check_range("PERCORE_MEM_MB", c.mem_mb, 16, 65536); !r) return r;
  if (auto r = check_range("PERCORE_MBUFS", c.mbufs, 511, 1u << 20); !r) return r;
  if (auto r = check_range("PERCORE_TCP_RMEM", c.tcp_rmem, 4096, 64u << 20); !r) return r;
  if (auto r = check_range("PERCORE_TCP_WMEM", c.tcp_wmem, 4096, 64u << 20); !r) return r;
  if (auto r = check_range("PERCORE_TCP_TIME_WAIT_MS", c.tcp_time_wait_ms, 0, 600000); !r)
    return r;
  if (auto r = check_range("PERCORE_SPIN_US", c.spin_us, 0, 10'000'000); !r) return r;
  if (auto r = check_range("PERCORE_SPIN_MAX_US", c.spin_max_us, 0, 10'000'000); !r) return r;
  if (auto r = check_range("PERCORE_PARK_US", c.park_us, 10, 1'000'000); !r) return r;
  if (auto r = check_range("PERCORE_IDLE_MS", c.idle_ms, 1, 3'600'000); !r) return r;
  if (auto r = check_range("PERCORE_IDLE_PARK_US", c.idle_park_us, 10, 100'000); !r) return r;
  if (auto r = check_range("PERCORE_LISTEN_START_MS", c.listen_start_ms, 0, 600'000); !r) return r;
  if (auto r = check_range("PERCORE_EXIT_LINGER_S", c.exit_linger_s, 0, 3600); !r) return r;
  if (c.stats_ms != 0)
    if (auto r = check_range("PERCORE_STATS_MS", c.stats_ms, 10, 3'600'000); !r) return r;
  if (c.ip.addr.is_any() || c.ip.addr.is_multicast() || c.ip.addr.is_broadcast() ||
      c.ip.prefix_len == 0 || c.ip.prefix_len > 30 ||
      c.ip.addr == c.ip.subnet_broadcast() || (c.ip.addr.value & ~c.ip.netmask()) == 0)
    return std::unexpected(absl::StrCat("PERCORE_IP: ", c.ip.to_string(),
                                        " is not a usable host address (prefix 1..30)"));
  if (c.gw && !c.ip.contains(*c.gw))
    return std::unexpected(absl::StrCat("PERCORE_GW: ", c.gw->to_string(), " is not on-link in ",
                                        c.ip.to_string()));
  static constexpr std::string_view kLevels[] = {"emerg", "alert", "crit", "error",
                                                 "warning", "notice", "info", "debug"};
  if (std::find(std::begin(kLevels), std::end(kLevels), c.dpdk_log) == std::end(kLevels))
    return std::unexpected(absl::StrCat("PERCORE_DPDK_LOG: '", c.dpdk_log, "' is not a log level"));
  return {};
}

}  // namespace

std::span<const VarInfo> variables() { return kVariables; }

std::expected<Config, std::string> load(Lookup lookup) {
  Config config;
#define PERCORE_VAR_LOAD(field, name, def, doc)                                   \
  {                                                                               \
    const char* value = lookup(name);                                             \
    if (auto r = parse_value(value != nullptr ? value : def, config.field); !r)   \
      return std::unexpected(absl::StrCat(name, ": ", r.error()));                \
  }
  PERCORE_CONFIG_VARS(PERCORE_VAR_LOAD)
#undef PERCORE_VAR_LOAD
  if (auto r = validate(config); !r) return std::unexpected(r.error());
  return config;
}

std::expected<Config, std::string> load_from_environment() {
  return load([](const char* name) -> const char* { return std::getenv(name); });
}

std::string reference() {
  std::string out;
  for (const VarInfo& v : kVariables)
    absl::StrAppendFormat(&out, "%-20s %-16s %s\n", absl_view(v.name),
                          absl_view(v.default_value.empty() ? "(unset)" : v.default_value),
                          absl_view(v.description));
  return out;
}

core::EngineConfig engine_config(const Config& config) {
  core::EngineConfig e;
  e.eal = dev::EalConfig{.device = config.dev,
                         .queues = config.queues,
                         .mem_mb = config.mem_mb,
                         .log_level = config.dpdk_log,
                         .extra_args = config.eal_args};
  e.port = dev::PortConfig{.queues = static_cast<std::uint16_t>(config.queues),
                           .mbufs_per_queue = config.mbufs,
                           .use_offloads = config.offloads,
                           .trust_shared_memory = config.faults.corrupt == 0};
  e.ip = config.ip;
  e.gateway = config.gw;
  e.tap_host_ip = config.tap_host_ip;
  e.pcap = config.pcap;
  e.faults = config.faults;
  e.tcp.cc = config.tcp_cc;
  e.tcp.rcvbuf = config.tcp_rmem;
  e.tcp.max_rcvbuf = std::max(e.tcp.max_rcvbuf, e.tcp.rcvbuf);
  e.tcp.sndbuf = config.tcp_wmem;
  e.tcp.time_wait = std::chrono::milliseconds(config.tcp_time_wait_ms);
  return e;
}

std::string describe(const core::EngineError& error, const Config& config) {
  switch (error.part) {
    case core::EngineError::Part::Device:
      return "PERCORE_DEV=" + config.dev.to_string() + ": " + error.reason;
    case core::EngineError::Part::TapHost:
      return "PERCORE_TAP_HOST_IP=" + config.tap_host_ip.to_string() + ": " + error.reason;
    case core::EngineError::Part::Pcap:
      return "PERCORE_PCAP=" + config.pcap + ": " + error.reason;
  }
  return error.reason;
}

}  // namespace percore::config
