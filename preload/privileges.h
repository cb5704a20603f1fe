// What the device needs from the kernel, and the calls that take it away.
//
// DPDK opens its device with the process's own privileges: TAP needs
// CAP_NET_ADMIN (it creates an interface and gives the kernel's side an
// address), af_packet CAP_NET_RAW, af_xdp those and CAP_BPF. A server that
// starts as root and drops to its own user (memcached -u, nginx's `user`)
// does so before its first socket, or in a worker before the worker's first
// wait; the stack would start after the drop and could open nothing. So
// the calls that take the effective capabilities away (setuid, seteuid,
// setreuid, setresuid, capset) are interposed, and the stack starts just
// before them (Runtime::before_privilege_drop); the drop then happens
// exactly as asked. docs/ARCHITECTURE.md, "Privileges", says why this way.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "stack/dev/device.h"

namespace percore::preload {

// The capabilities (bit numbers as <linux/capability.h>) `dev` needs in the
// effective set to be opened.
std::uint64_t capabilities_needed(const dev::DeviceSpec& dev);

// The effective capability set of the calling thread.
std::uint64_t effective_capabilities();

// Memory the device's driver locks (beyond RLIMIT_MEMLOCK only with
// CAP_IPC_LOCK) for `queues` queue pairs.
std::uint64_t locked_memory_needed(const dev::DeviceSpec& dev, unsigned queues);

// What opening `dev` with `queues` queue pairs needs and this process
// lacks, as a phrase ("CAP_NET_RAW", "CAP_NET_ADMIN and CAP_NET_RAW");
// empty when nothing is missing.
std::string missing_privileges(const dev::DeviceSpec& dev, unsigned queues);

// Whether setresuid(ruid, euid, suid) (-1: unchanged) makes a process whose
// effective uid is `current_euid` lose its effective capabilities: Linux
// clears them when the effective uid goes from 0 to another
// (capabilities(7), "Effect of user ID changes on capabilities").
bool loses_effective_root(uid_t current_euid, uid_t new_euid);

}  // namespace percore::preload
