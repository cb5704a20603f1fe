#!/usr/bin/env bash
# The three transfers of 20-22 (64 MiB through echo, to discard, from
# source) with PERCORE_FAULTS injecting loss, reordering, duplication and
# corruption in both directions inside the node, so both percore and Linux
# must recover: every byte still arrives exactly, and each transfer ends.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

mib=64
random_file "$TMP/sent" "$mib"
export PERCORE_FAULTS=$PERCORE_TCP_FAULTS
start_tcp_node

figures=()
peer 240 echo "$PERCORE_STACK_IP" 7 "$TMP/sent" "$TMP/echoed"
step "cmp sent echoed"
cmp "$TMP/sent" "$TMP/echoed" || fail "the echo differs from what was sent"
figures+=("echo $(kv mib_s "$PEER_OUT") MiB/s ($(kv seconds "$PEER_OUT") s)")
pass "$mib MiB echoed byte for byte: ${figures[-1]}"
rm -f "$TMP/echoed"

peer 120 discard "$PERCORE_STACK_IP" 9 "$TMP/sent"
figures+=("discard $(kv mib_s "$PEER_OUT") MiB/s ($(kv seconds "$PEER_OUT") s)")
pass "$mib MiB discarded: ${figures[-1]}"

peer 180 source "$PERCORE_STACK_IP" 19 $((mib << 20))
figures+=("source $(kv mib_s "$PEER_OUT") MiB/s ($(kv seconds "$PEER_OUT") s)")
pass "$mib MiB of the pattern received byte for byte: ${figures[-1]}"
stop_node

step "faults the node injected"
grep -E 'faults (rx|tx):' "$NODE_STDERR" || fail "the node reports no injected faults"
pass "with $PERCORE_FAULTS: ${figures[*]}"
