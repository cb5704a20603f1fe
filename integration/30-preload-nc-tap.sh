#!/usr/bin/env bash
# An unmodified `nc -l` under libpercore.so on the default TAP device
# receives 10 MiB sent by Linux's nc from the root namespace, byte-exact.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

left=$(tap_interfaces)
[[ -z $left ]] || fail "a TAP interface already exists ($left): is another percore process running?"
random_file "$TMP/file" 10

step "tools/percore run -- nc -l 8080 (TAP, $PERCORE_STACK_IP)"
"$PERCORE" run -- timeout 120 nc -l 8080 >"$TMP/received" 2>"$TMP/nc.err" &
server=$!
_bg_pids+=("$server")
# The TAP device appears when the stack starts (at listen()); only then is
# 198.18.0.2 reachable, and only through it, never a default route.
deadline=$((SECONDS + 60))
until [[ $(route_dev "$PERCORE_STACK_IP") == pctap* ]] &&
  ip -br addr show dev "$(route_dev "$PERCORE_STACK_IP")" | grep -q "$PERCORE_PEER_IP"; do
  kill -0 "$server" 2>/dev/null || fail "nc under percore exited: $(cat "$TMP/nc.err")"
  ((SECONDS < deadline)) || fail "no TAP device after 60s"
  sleep 0.2
done
sleep 0.5

step "nc -N $PERCORE_STACK_IP 8080 < 10 MiB"
start=$(date +%s.%N)
timeout 60 nc -N "$PERCORE_STACK_IP" 8080 <"$TMP/file" || fail "Linux's nc failed"
wait "$server" || fail "nc under percore exited with status $?: $(cat "$TMP/nc.err")"
end=$(date +%s.%N)
cmp "$TMP/file" "$TMP/received" || fail "received file differs"
pass "10 MiB byte-exact in $(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.2f", e-s}') s"

step "no TAP interface left behind"
left=$(tap_interfaces)
[[ -z $left ]] || fail "TAP interface left after the program exited: $left"
pass "no TAP interface"
