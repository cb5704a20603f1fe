#!/usr/bin/env bash
# Linux sends 64 MiB to the node's discard port and shuts down its side; the
# node reads all of it and closes (the client sees EOF only then), and its
# TCP counters show the bytes arrived.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

mib=64
random_file "$TMP/sent" "$mib"
start_tcp_node
peer 300 discard "$PERCORE_STACK_IP" 9 "$TMP/sent"
pass "$mib MiB discarded in $(kv seconds "$PEER_OUT") s: $(kv mib_s "$PEER_OUT") MiB/s"
stop_node

step "the node's exit report"
grep 'tcp:' "$NODE_STDERR"
segs=$(kv segs_in "$(grep 'tcp:' "$NODE_STDERR")")
# 64 MiB cannot arrive in fewer than 64 MiB / 64 KiB segments.
((${segs:-0} >= mib * 16)) || fail "the node counted ${segs:-no} segments in"
pass "the node received $segs segments"
