#!/usr/bin/env bash
# While Linux holds a connection to the node's echo port, `ss -tino` in the
# peer namespace shows window scaling, timestamps and SACK negotiated with
# percore (RFC 7323, RFC 2018). (iproute2 6.1's ss prints "ts sack" only
# with -o or -e.)
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

start_tcp_node

# tcp_peer.py hold keeps the connection open until its stdin closes.
mkfifo "$TMP/hold.in"
timeout --kill-after=5 60 ip netns exec "$PERCORE_NETNS" \
  python3 "$PERCORE_ROOT/integration/tcp_peer.py" hold "$PERCORE_STACK_IP" 7 \
  <"$TMP/hold.in" >"$TMP/hold.out" 2>&1 &
hold_pid=$!
_bg_pids+=("$hold_pid")
exec 3>"$TMP/hold.in"
step "connect to $PERCORE_STACK_IP:7 and hold the connection"
deadline=$((SECONDS + 20))
until grep -q '^connected' "$TMP/hold.out"; do
  kill -0 "$hold_pid" 2>/dev/null || fail "tcp_peer.py hold exited: $(cat "$TMP/hold.out")"
  ((SECONDS < deadline)) || fail "no connection after 20s"
  sleep 0.1
done
local_port=$(kv local_port "$(cat "$TMP/hold.out")")
pass "connected from port $local_port"

step "ss -tino dst $PERCORE_STACK_IP sport = :$local_port (in $PERCORE_NETNS)"
info=$(in_peer ss -Htino dst "$PERCORE_STACK_IP" "sport = :$local_port")
echo "$info"
grep -q ESTAB <<<"$info" || fail "ss does not show the connection established"
wscale=$(grep -o 'wscale:[0-9]*,[0-9]*' <<<"$info" || true)
[[ -n $wscale ]] || fail "no window scaling negotiated (no wscale: in ss)"
grep -qw ts <<<"$info" || fail "no timestamps negotiated (no 'ts' in ss)"
grep -qw sack <<<"$info" || fail "no SACK negotiated (no 'sack' in ss)"
pass "negotiated: $wscale (percore's shift, then Linux's), ts, sack"

exec 3>&-
wait "$hold_pid" || fail "tcp_peer.py hold failed: $(cat "$TMP/hold.out")"
stop_node
