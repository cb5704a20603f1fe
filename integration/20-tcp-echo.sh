#!/usr/bin/env bash
# Linux (in the peer namespace) sends 64 MiB of random bytes to the node's
# echo port while reading the echo back; what comes back is byte for byte
# what was sent.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

mib=64
random_file "$TMP/sent" "$mib"
start_tcp_node
peer 300 echo "$PERCORE_STACK_IP" 7 "$TMP/sent" "$TMP/echoed"

step "cmp sent echoed"
cmp "$TMP/sent" "$TMP/echoed" || fail "the echo differs from what was sent"
pass "$mib MiB echoed byte for byte in $(kv seconds "$PEER_OUT") s: $(kv mib_s "$PEER_OUT") MiB/s each way"
stop_node
