// The kernel's side of a DPDK TAP device: give it an address and bring it
// up, so that local programs reach the stack with no other set-up.
#pragma once

#include <expected>
#include <string>

#include "stack/wire/addr.h"

namespace percore::dev {

std::expected<void, std::string> configure_tap_host(const std::string& iface,
                                                    const wire::Ipv4Cidr& host_addr);

}  // namespace percore::dev
