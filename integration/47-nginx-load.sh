#!/usr/bin/env bash
# nginx under percore (master + 1 worker, keep-alive) holds 5,000
# concurrent keep-alive connections from the Linux peer: http_load.py opens
# them all (at most 256 handshakes at a time), then sends a GET of 1 KiB on
# every one of them at once, twice, on the same connections, holds them
# 2 s and closes them. No connection may fail and every response must be a
# complete 200; the worker's counters must have shown all 5,000 at once,
# and its connections, sockets and free mbufs must come back to their idle
# values afterwards.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=integration/lib-nginx.sh
source "$(dirname "$0")/lib-nginx.sh"

conns=${LOAD_CONNS:-5000}
net_up
# Each connection is a kernel fd too (percore's placeholder socket).
ulimit -n $((conns * 2 + 256))
nginx_conf $((conns + 1024)) "backlog=4096"
: >"$NGINX_WWW/f0"
head -c 1024 /dev/urandom >"$NGINX_WWW/f1k"
start_nginx
idle=$(idle_counts)
echo "idle: connections sockets mbufs_free = $idle"

# The peer's TCP retransmissions during the load (printed, not judged):
# segments of the clients that the worker's device did not take in time.
peer_retrans() { in_peer nstat -asz TcpRetransSegs | awk '/TcpRetransSegs/ {print $2}'; }

step "http_load.py: $conns keep-alive connections, 2 rounds of GET /f1k on all of them"
since=$(log_lines)
retrans=$(peer_retrans)
out=$(in_peer timeout 50 python3 "$PERCORE_ROOT/integration/http_load.py" "$PERCORE_STACK_IP" \
  "$NGINX_PORT" /f1k "$conns" --rounds 2 --hold 2) || fail "http_load.py failed: $out"
echo "$out"
echo "the peer's TCP retransmissions meanwhile: $(($(peer_retrans) - retrans))"
most=$(max_connections "$since")
echo "the worker's most connections at once: $most"
((most >= conns)) || fail "the worker never held $conns connections at once (at most $most)"
pass "$conns connections held at once, $(kv ok "$out") requests answered 200 (connect $(kv connect_s "$out") s, rounds $(kv round_s "$out") s)"

step "the worker's connections, sockets and mbufs back at their idle values ($idle)"
took=$(wait_counts "$idle" 15)
worker_stats | sed 's/^percore: //'
pass "back to idle in ${took} s"

step "still serving: one more fetch"
in_peer timeout 10 curl -sS --fail -o "$TMP/got" "http://$PERCORE_STACK_IP:$NGINX_PORT/f1k" || fail "curl after the load failed"
cmp "$NGINX_WWW/f1k" "$TMP/got" || fail "f1k differs"
pass "f1k byte-exact after the load"
stop_nginx
