// Test binaries share one EAL: start it once per test binary (no device,
// no hugepages) and get a pool from here.
#pragma once

struct rte_mempool;

namespace percore::testing {

// Starts the EAL once per binary with `memory_mb` MiB of memory (--no-huge
// -m); later calls, whatever they ask, do nothing. A binary that needs more
// than test_pool()'s default calls this first. Aborts if the EAL cannot start.
void start_eal(unsigned memory_mb = 128);

// Starts the EAL on first use; aborts the test binary if it cannot.
rte_mempool* test_pool();

}  // namespace percore::testing
