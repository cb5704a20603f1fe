#include "preload/privileges.h"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/str_format.h"

namespace percore::preload {
namespace {

constexpr std::uint64_t bit(int cap) { return std::uint64_t{1} << cap; }

constexpr struct {
  int cap;
  const char* name;
} kNames[] = {{CAP_NET_ADMIN, "CAP_NET_ADMIN"}, {CAP_NET_RAW, "CAP_NET_RAW"},
              {CAP_BPF, "CAP_BPF"},             {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}};

}  // namespace

std::uint64_t capabilities_needed(const dev::DeviceSpec& dev) {
  switch (dev.kind) {
    // net_tap creates the interface (TUNSETIFF) and configures it, and
    // the kernel's side is given its address over netlink.
    case dev::DeviceKind::Tap: return bit(CAP_NET_ADMIN);
    // packet_create() checks CAP_NET_RAW; rte_eth_dev_start() restores the
    // interface's MAC and promiscuity with SIOCSIF* ioctls, CAP_NET_ADMIN's.
    case dev::DeviceKind::AfPacket: return bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN);
    // An XDP socket, and libbpf loading and attaching the redirect program.
    case dev::DeviceKind::AfXdp: return bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN) | bit(CAP_BPF);
    // Shared memory and a UNIX socket: the file system's permissions only;
    // vfio's are its device files'.
    case dev::DeviceKind::Memif:
    case dev::DeviceKind::Pci: return 0;
  }
  return 0;
}

std::uint64_t effective_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return 0;
  return std::uint64_t{data[0].effective} | (std::uint64_t{data[1].effective} << 32);
}

std::uint64_t locked_memory_needed(const dev::DeviceSpec& dev, unsigned queues) {
  switch (dev.kind) {
    // The PMD maps each queue's RX and TX rings MAP_LOCKED: 4,096 frames
    // of 2 KiB each way (dev::DeviceSpec::eal_args).
    case dev::DeviceKind::AfPacket: return std::uint64_t{queues} * 2 * 4096 * 2048;
    default: return 0;
  }
}

std::string missing_privileges(const dev::DeviceSpec& dev, unsigned queues) {
  const std::uint64_t have = effective_capabilities();
  std::uint64_t missing = capabilities_needed(dev) & ~have;
  // CAP_SYS_ADMIN covers what CAP_BPF grants (kernels before 5.8 had only it).
  if ((missing & bit(CAP_BPF)) && (have & bit(CAP_SYS_ADMIN))) missing &= ~bit(CAP_BPF);
  std::string phrase;
  for (const auto& [cap, name] : kNames) {
    if ((missing & bit(cap)) == 0) continue;
    if (!phrase.empty()) phrase += " and ";
    phrase += name;
  }
  // Locked memory beyond RLIMIT_MEMLOCK needs CAP_IPC_LOCK (mm/mlock.c).
  const std::uint64_t locked = locked_memory_needed(dev, queues);
  rlimit limit{};
  if (locked > 0 && (have & bit(CAP_IPC_LOCK)) == 0 && getrlimit(RLIMIT_MEMLOCK, &limit) == 0 &&
      limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < locked) {
    if (!phrase.empty()) phrase += " and ";
    phrase += absl::StrFormat("CAP_IPC_LOCK (or a locked-memory limit of %u MiB: ulimit -l, "
                              "LimitMEMLOCK=)",
                              static_cast<unsigned>(locked >> 20));
  }
  return phrase;
}

bool loses_effective_root(uid_t current_euid, uid_t new_euid) {
  return current_euid == 0 && new_euid != static_cast<uid_t>(-1) && new_euid != 0;
}

}  // namespace percore::preload
