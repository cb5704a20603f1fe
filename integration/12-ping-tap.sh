#!/usr/bin/env bash
# The node with every default (TAP device pctap0, stack 198.18.0.2/24, kernel
# side 198.18.0.1/24) answers ping from the root namespace, and its TAP
# interface is gone once it stops.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

left=$(tap_interfaces)
[[ -z $left ]] || fail "a TAP interface already exists ($left): is another percore node running?"

start_node
# Only ever through the node's TAP: 198.18.0.2 must not follow a default
# route out of this machine.
via=$(route_dev "$PERCORE_STACK_IP")
[[ $via == pctap* ]] || fail "$PERCORE_STACK_IP is routed via '${via:-nothing}', not the node's TAP"
expect_ping 5 ping -c 5 -W 2 -i 0.2 "$PERCORE_STACK_IP"
stop_node

step "no TAP interface left behind"
left=$(tap_interfaces)
[[ -z $left ]] || fail "TAP interface left after the node stopped: $left"
pass "no TAP interface"
