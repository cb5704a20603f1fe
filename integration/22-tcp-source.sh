#!/usr/bin/env bash
# Linux asks the node's source port for 64 MiB; it must receive exactly the
# bytes i % 251 for i = 0 .. 64 MiB - 1, then the node's FIN.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

mib=64
start_tcp_node
peer 300 source "$PERCORE_STACK_IP" 19 $((mib << 20))
pass "$mib MiB of the pattern received byte for byte in $(kv seconds "$PEER_OUT") s: $(kv mib_s "$PEER_OUT") MiB/s"
stop_node
