// The kernel's side of a DPDK TAP device: give it an address and bring it
// up, so that local programs reach the stack with no other set-up.
#pragma once

#include <expected>
#include <string>

#include "stack/wire/addr.h"

namespace percore::dev {

// One process per TAP interface: net_tap would attach a second process to
// an existing interface as one more queue, and the kernel would then split
// the flows between two stacks that know nothing of each other's
// connections. The claim is a lock on /run/lock/percore-tap-IFACE.lock,
// held for as long as the returned descriptor is open (a process's exit
// ends it, as it ends the interface); an interface that exists without the
// lock is someone else's. A process that holds it and is exiting (nginx's
// old worker after a reload) is waited for, up to 2 s. The error names the
// interface.
std::expected<int, std::string> claim_tap(const std::string& iface);

std::expected<void, std::string> configure_tap_host(const std::string& iface,
                                                    const wire::Ipv4Cidr& host_addr);

}  // namespace percore::dev
