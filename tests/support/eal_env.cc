#include "tests/support/eal_env.h"

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace percore::testing {

void start_eal(unsigned memory_mb) {
  static const bool started = [memory_mb] {
    std::string prefix = "percore-test-" + std::to_string(getpid());
    std::vector<std::string> args = {"test",        "-l",          "0",
                                     "--no-huge",   "-m",          std::to_string(memory_mb),
                                     "--no-pci",    "--no-shconf", "--file-prefix",
                                     prefix,        "--no-telemetry", "--log-level=error"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      std::fprintf(stderr, "test: rte_eal_init failed\n");
      std::abort();
    }
    return true;
  }();
  (void)started;
}

rte_mempool* test_pool() {
  static rte_mempool* pool = [] {
    start_eal();
    rte_mempool* p = rte_pktmbuf_pool_create("test_pool", 4095, 0, 0,
                                             RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (p == nullptr) std::abort();
    return p;
  }();
  return pool;
}

}  // namespace percore::testing
