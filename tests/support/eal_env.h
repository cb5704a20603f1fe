// Tests that need mbufs start a minimal EAL once per test binary (no device,
// no hugepages) and get a pool from here.
#pragma once

struct rte_mempool;

namespace percore::testing {

// Starts the EAL on first use; aborts the test binary if it cannot.
rte_mempool* test_pool();

}  // namespace percore::testing
