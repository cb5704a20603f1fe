#!/usr/bin/env bash
# Peer failures against nginx under percore (master + 1 worker, listening
# with so_keepalive=1:1:3: TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s,
# TCP_KEEPCNT 3, inherited by every accepted connection):
#  (a) a client killed mid-transfer: curl downloading 10 MiB at 1 MB/s is
#      killed with SIGKILL after 1.5 s; its socket still holds unread data,
#      so Linux answers with RST. The worker must see the reset, close the
#      connection, and its counts come back to idle, while a second slow
#      download that was running alongside finishes byte-exact.
#  (b) a client that silently disappears: 8 idle keep-alive connections
#      from a second peer address (198.18.0.3); the address is then
#      removed from the peer, whose kernel from then on drops every segment
#      for it without a word (no RST, no ICMP: forwarding is off). Only
#      keepalive can tell: after 1 s idle and 3 unanswered probes the
#      worker's stack resets each connection, nginx sees ETIMEDOUT and
#      closes it, and the counts come back to idle, while a 10 MiB fetch
#      from the peer's main address is served byte-exact.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=integration/lib-nginx.sh
source "$(dirname "$0")/lib-nginx.sh"

gone_ip=198.18.0.3
net_up
nginx_conf 1024 "so_keepalive=1:1:3"
: >"$NGINX_WWW/f0"
random_file "$NGINX_WWW/f10m" 10
start_nginx
idle=$(idle_counts)
echo "idle: connections sockets mbufs_free = $idle"
url=http://$PERCORE_STACK_IP:$NGINX_PORT/f10m

step "(a) two slow 10 MiB downloads (curl --limit-rate 2M and 1M); the second killed with SIGKILL after 1.5 s"
in_peer timeout 30 curl -sS --fail --limit-rate 2M -o "$TMP/other" "$url" 2>"$TMP/other.err" &
other=$!
_bg_pids+=("$other")
# `ip netns exec` execs curl: $! is curl itself.
ip netns exec "$PERCORE_NETNS" curl -sS --fail --limit-rate 1M -o /dev/null "$url" 2>/dev/null &
victim=$!
_bg_pids+=("$victim")
sleep 1.5
kill -0 "$victim" 2>/dev/null || fail "the victim curl is not running"
line=$(next_stats)
echo "before the kill: connections sockets mbufs_free = $(counts "$line")"
kill -KILL "$victim"
wait "$victim" || true
wait "$other" || fail "the other download failed: $(cat "$TMP/other.err")"
cmp "$NGINX_WWW/f10m" "$TMP/other" || fail "the other download differs"
pass "the other download finished byte-exact"
took=$(wait_counts "$idle" 10)
worker_stats | sed 's/^percore: //'
grep -aE "(reset by peer|Broken pipe)" "$NGINX_LOGS/error.log" | sed 's/^[^*]*\*/  nginx: */' | head -n3
grep -aqE "reset by peer|Broken pipe" "$NGINX_LOGS/error.log" ||
  fail "nginx logged no reset or broken pipe for the killed client"
pass "(a) the killed client's connection was closed; counts back to idle ($idle) in ${took} s"

step "(b) 8 idle keep-alive connections from $gone_ip, then $gone_ip vanishes from the peer"
in_peer ip addr add "$gone_ip/24" dev "$PERCORE_PEER_IF"
: >"$TMP/gone.out"
in_peer timeout 40 python3 "$PERCORE_ROOT/integration/http_load.py" "$PERCORE_STACK_IP" \
  "$NGINX_PORT" /f0 8 --rounds 1 --hold 30 --bind "$gone_ip" >"$TMP/gone.out" 2>&1 &
gone=$!
_bg_pids+=("$gone")
deadline=$((SECONDS + 10))
until grep -q "^holding 8 " "$TMP/gone.out"; do
  kill -0 "$gone" 2>/dev/null || fail "http_load.py exited: $(cat "$TMP/gone.out")"
  ((SECONDS < deadline)) || fail "http_load.py did not establish 8 connections in 10 s"
  sleep 0.1
done
line=$(next_stats)
echo "connected: connections sockets mbufs_free = $(counts "$line")"
[[ $(kv connections "$line") -ge 8 ]] || fail "the worker does not hold the 8 connections: $line"
timeouts_before=$(grep -ac "Connection timed out" "$NGINX_LOGS/error.log" || true)
in_peer ip addr del "$gone_ip/24" dev "$PERCORE_PEER_IF"
start=$SECONDS
step "a 10 MiB fetch from $PERCORE_PEER_IP meanwhile"
in_peer timeout 20 curl -sS --fail -o "$TMP/got" "$url" || fail "curl from $PERCORE_PEER_IP failed"
cmp "$NGINX_WWW/f10m" "$TMP/got" || fail "f10m differs"
pass "10 MiB byte-exact while the vanished connections wait for keepalive"
took=$(wait_counts "$idle" 15)
took=$((SECONDS - start))
worker_stats | sed 's/^percore: //'
timeouts=$(($(grep -ac "Connection timed out" "$NGINX_LOGS/error.log" || true) - timeouts_before))
echo "nginx logged $timeouts connections timed out"
((timeouts == 8)) || fail "nginx saw $timeouts of the 8 connections time out"
pass "(b) keepalive found the 8 vanished connections dead; counts back to idle ($idle) ${took} s after the address went"
kill "$gone" 2>/dev/null || true
wait "$gone" 2>/dev/null || true
stop_nginx
