#include "preload/privileges.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace percore::preload {
namespace {

constexpr std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }

dev::DeviceSpec device(std::string_view text) {
  auto spec = dev::DeviceSpec::parse(text);
  EXPECT_TRUE(spec) << spec.error();
  return *spec;
}

// capabilities(7): effective capabilities go when the effective uid leaves 0.
TEST(Privileges, OnlyAnEffectiveUidLeavingRootDropsThem) {
  EXPECT_TRUE(loses_effective_root(0, 33));
  EXPECT_FALSE(loses_effective_root(0, 0));
  EXPECT_FALSE(loses_effective_root(0, static_cast<uid_t>(-1)));  // unchanged
  EXPECT_FALSE(loses_effective_root(33, 65534));                  // had none as root
}

TEST(Privileges, WhatEachDeviceNeeds) {
  EXPECT_EQ(capabilities_needed(device("tap")), bit(CAP_NET_ADMIN));
  EXPECT_EQ(capabilities_needed(device("af_packet:pc-dut")), bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN));
  EXPECT_EQ(capabilities_needed(device("af_xdp:pc-dut")),
            bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN) | bit(CAP_BPF));
  EXPECT_EQ(capabilities_needed(device("memif:/tmp/m.sock,role=server")), 0u);
  // af_packet's rings: 4,096 frames of 2 KiB each way per queue pair.
  EXPECT_EQ(locked_memory_needed(device("af_packet:pc-dut"), 2), 2u * 16 * 1024 * 1024);
  EXPECT_EQ(locked_memory_needed(device("tap"), 1), 0u);
}

// In a child (capabilities are per thread, and gone for good once dropped):
// no effective capabilities but `keep`, and an ordinary user's 8 MiB of
// locked memory (lowered: raising it would take CAP_SYS_RESOURCE).
std::string missing_without_capabilities(std::string_view dev, std::uint64_t keep) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return "pipe failed";
  const pid_t pid = fork();
  if (pid == 0) {
    rlimit limit{8 << 20, 8 << 20};
    setrlimit(RLIMIT_MEMLOCK, &limit);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    syscall(SYS_capget, &header, data);
    data[0].effective &= static_cast<std::uint32_t>(keep);
    data[1].effective &= static_cast<std::uint32_t>(keep >> 32);
    syscall(SYS_capset, &header, data);
    const std::string phrase = missing_privileges(device(dev), 1);
    (void)!write(pipe_fds[1], phrase.data(), phrase.size());
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  waitpid(pid, nullptr, 0);
  return out;
}

TEST(Privileges, APhraseNamesWhatIsMissing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root's capabilities to drop them";
  EXPECT_EQ(missing_without_capabilities("tap", 0), "CAP_NET_ADMIN");
  EXPECT_EQ(missing_without_capabilities("af_packet:pc-dut", bit(CAP_IPC_LOCK)),
            "CAP_NET_ADMIN and CAP_NET_RAW");
  EXPECT_EQ(missing_without_capabilities("af_packet:pc-dut", bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN)),
            "CAP_IPC_LOCK (or a locked-memory limit of 16 MiB: ulimit -l, LimitMEMLOCK=)");
  EXPECT_EQ(missing_without_capabilities("memif:/tmp/m.sock,role=server", 0), "");
}

}  // namespace
}  // namespace percore::preload
