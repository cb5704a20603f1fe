#!/usr/bin/env bash
# TCP data over af_xdp:pc-dut: Linux (in the peer namespace) sends 32 MiB of
# random bytes to the node's echo port while reading the echo back, byte for
# byte what was sent, and the node gets its mbufs back. net_af_xdp of 22.11
# cannot send a chained mbuf (a TCP segment is its headers chained to its
# payload) and registers its mbuf pool as the AF_XDP umem assuming its
# objects are back to back: a frame in an mbuf outside that range is dropped
# by the kernel and its mbuf never returned (hundreds of them, and stalls,
# before the stack packed that pool). The frames of the last transmit bursts
# stay in the AF_XDP completion ring until a next transmit that never comes:
# up to 64 mbufs may be out at exit.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

mib=32
random_file "$TMP/sent" "$mib"
net_up
start_node --dev "af_xdp:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24"
peer 120 echo "$PERCORE_STACK_IP" 7 "$TMP/sent" "$TMP/echoed"

step "cmp sent echoed"
cmp "$TMP/sent" "$TMP/echoed" || fail "the echo differs from what was sent"
pass "$mib MiB echoed byte for byte over af_xdp in $(kv seconds "$PEER_OUT") s: $(kv mib_s "$PEER_OUT") MiB/s each way"
stop_node

step "the mbufs back in the pool (all but the last bursts' at most)"
line=$(grep -m1 'mbufs free .* (at start' "$NODE_STDERR" || true)
echo "$line"
[[ -n $line ]] || fail "the node printed no mbuf count"
free=$(sed -n 's/.*mbufs free \([0-9]*\) of.*/\1/p' <<<"$line")
at_start=$(sed -n 's/.*(at start \([0-9]*\)).*/\1/p' <<<"$line")
((at_start - free <= 64)) || fail "$((at_start - free)) mbufs lost"
pass "$free mbufs free, $at_start at start"
