// Starting DPDK's Environment Abstraction Layer once per process. DPDK runs
// without hugepages here (--no-huge); each process has its own file prefix
// so that several percore processes coexist.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "stack/dev/device.h"

namespace percore::dev {

struct EalConfig {
  DeviceSpec device;
  unsigned queues = 1;
  unsigned mem_mb = 256;
  std::string log_level = "error";  // DPDK --log-level
  std::string extra_args;           // PERCORE_EAL_ARGS, split on spaces
};

// The full argument vector rte_eal_init() gets for `config` (exposed for tests and logs).
std::vector<std::string> eal_argv(const EalConfig& config);

// Starts the EAL and returns the id of the port it created for config.device.
// Fails with a one-line reason; never calls rte_panic/exit itself.
std::expected<std::uint16_t, std::string> start_eal(const EalConfig& config);

// Releases the EAL (rte_eal_cleanup). Ports must be closed first.
void stop_eal();

}  // namespace percore::dev
