#!/usr/bin/env bash
# 2,000 sequential connect / echo 1,000 bytes / close cycles from Linux,
# then the node's exit report must show every figure back at its starting
# value: every connection accepted and gone (for echo the node closes
# second: LAST-ACK, then CLOSED when Linux acknowledges its FIN; TIME-WAIT
# is Linux's), and every mbuf free again, both while the stack is still up
# and after it stops.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

cycles=2000
size=1000
start_tcp_node

time_wait() {
  in_peer ss -Htan state time-wait dst "$PERCORE_STACK_IP" 'dport = :7' | wc -l
}
before=$(time_wait)
peer 300 cycles "$PERCORE_STACK_IP" 7 "$cycles" "$size"
cycles_line=$PEER_OUT

step "Linux holds one TIME-WAIT per cycle (it closed first)"
deadline=$((SECONDS + 10))
until (($(time_wait) - before >= cycles)) || ((SECONDS >= deadline)); do sleep 0.2; done
tw=$(($(time_wait) - before))
((tw == cycles)) || fail "$tw connections in TIME-WAIT on the Linux side, expected $cycles"
pass "$tw in TIME-WAIT"
# Linux sent the last ACK of each connection as it entered TIME-WAIT; give
# the node a moment to take the last of them.
sleep 0.5
stop_node

step "the node's exit report"
grep -E 'services|tcp:|mbufs' "$NODE_STDERR"
line() { grep -m1 -E "$1" "$NODE_STDERR" || fail "no line matching '$1' in the node's report"; }
services=$(line 'services accepted=')
tcp=$(line 'queue 0 tcp:')
live=$(line 'mbufs free .* before the shards stop')
final=$(line 'mbufs free .* \(at start')
accepted=$(kv accepted "$services")
open=$(kv open "$services")
conns=$(kv connections "$tcp")
live_free=$(sed -n 's/.*mbufs free \([0-9]*\) of.*/\1/p' <<<"$live")
final_free=$(sed -n 's/.*mbufs free \([0-9]*\) of.*/\1/p' <<<"$final")
at_start=$(sed -n 's/.*(at start \([0-9]*\)).*/\1/p' <<<"$final")
((accepted == cycles)) || fail "the node accepted $accepted connections, expected $cycles"
((open == 0)) || fail "$open connections still open in the echo service"
((conns == 0)) || fail "$conns connections left in the node's flow table (start: 0)"
((live_free == at_start)) || fail "$live_free mbufs free with the stack up, $at_start at start"
((final_free == at_start)) || fail "$final_free mbufs free at exit, $at_start at start"
pass "$cycles cycles ($(kv seconds "$cycles_line") s, $(kv per_cycle_ms "$cycles_line") ms each," \
  "slowest $(kv slowest_ms "$cycles_line") ms): accepted=$accepted connections=$conns (start 0)," \
  "mbufs free $live_free with the stack up and $final_free at exit (start $at_start)"
