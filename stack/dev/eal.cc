#include "stack/dev/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <pthread.h>
#include <rte_log.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace percore::dev {

std::vector<std::string> eal_argv(const EalConfig& config) {
  std::vector<std::string> argv = {
      "percore",
      // Shards run on the application's own threads, not on EAL lcores, so
      // the EAL needs only one core and no service cores.
      "-l", "0",
      "--no-huge", "-m", absl::StrCat(config.mem_mb),
      // No shared runtime config: one process owns its device. (Multi-process
      // sharing is decided by the real-servers work; see ARCHITECTURE.md.)
      "--no-shconf",
      "--file-prefix", absl::StrCat("percore-", getpid()),
      "--no-telemetry",
      absl::StrCat("--log-level=", config.log_level),
  };
  if (config.device.kind == DeviceKind::Tap && config.log_level == "error") {
    // net_tap reports kernel features it falls back from (the multiq qdisc,
    // rte_flow) as errors; the stack uses neither, so keep them out of the
    // application's stderr unless a more verbose level was asked for.
    argv.push_back("--log-level=pmd.net.tap:critical");
  }
  for (auto& arg : config.device.eal_args(config.queues)) argv.push_back(std::move(arg));
  for (absl::string_view arg : absl::StrSplit(config.extra_args, ' ', absl::SkipEmpty()))
    argv.emplace_back(arg.data(), arg.size());
  return argv;
}

std::expected<std::uint16_t, std::string> start_eal(const EalConfig& config) {
  std::vector<std::string> args = eal_argv(config);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // On Linux the EAL logs to stdout by default; percore's stdout belongs to
  // the application, so DPDK's messages go to stderr.
  rte_openlog_stream(stderr);
  // rte_eal_init binds the calling thread, the application's, to lcore 0's
  // CPU (-l 0 above): it must keep the CPUs it had (taskset, the
  // application's own pinning), or every percore process of a machine
  // ends up sharing CPU 0.
  cpu_set_t cpus;
  const bool had_cpus = pthread_getaffinity_np(pthread_self(), sizeof cpus, &cpus) == 0;
  const int rc = rte_eal_init(static_cast<int>(args.size()), argv.data());
  const int eal_errno = rte_errno;
  if (had_cpus) pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
  if (rc < 0)
    return std::unexpected(absl::StrCat("DPDK EAL start failed: ", rte_strerror(eal_errno)));
  std::uint16_t port_id = rte_eth_find_next(0);
  if (port_id >= RTE_MAX_ETHPORTS) {
    rte_eal_cleanup();
    return std::unexpected(
        absl::StrCat("device ", config.device.to_string(), " did not come up (no DPDK port)"));
  }
  return port_id;
}

void stop_eal() { rte_eal_cleanup(); }

}  // namespace percore::dev
