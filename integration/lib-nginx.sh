# shellcheck shell=bash
# nginx under percore for the fault, load and peer-failure scripts
# (integration/46-48): a configuration, start, the worker's counters, quit.
# Sourced after lib.sh; not a test itself (not executable).
#
# The worker prints its shard's counters every NGINX_STATS_MS
# (PERCORE_STATS_MS) to its stderr, which nginx points at its error log:
#   percore: pid P shard 0 tcp: ... connections=N sockets=N ... mbufs_free=F/T
# connections: TCBs in the shard (every state, TIME-WAIT included);
# sockets: the application's open sockets (the listener included);
# mbufs_free: free mbufs of the shard's pool (in the pool or a core's cache).

NGINX_WWW=$TMP/www
NGINX_LOGS=$TMP/logs
NGINX_PORT=8088
NGINX_STATS_MS=${NGINX_STATS_MS:-200}
NGINX_PID=

# nginx_conf WORKER_CONNECTIONS LISTEN_EXTRA [HTTP_EXTRA]: master + 1 worker,
# sendfile, keep-alive, serving $NGINX_WWW on $NGINX_PORT.
nginx_conf() {
  share_tmp
  mkdir -p "$NGINX_WWW" "$NGINX_LOGS"
  cat >"$TMP/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile $(($1 * 2 + 64));
# The workers drop to www-data as Debian's nginx.conf has them do (the stack
# opens its device before the drop).
user www-data;
error_log $NGINX_LOGS/error.log info;
pid $NGINX_LOGS/nginx.pid;
events { worker_connections $1; }
http {
  access_log off;
  sendfile on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  client_body_temp_path $NGINX_LOGS/body;
  proxy_temp_path $NGINX_LOGS/proxy;
  fastcgi_temp_path $NGINX_LOGS/fastcgi;
  uwsgi_temp_path $NGINX_LOGS/uwsgi;
  scgi_temp_path $NGINX_LOGS/scgi;
  ${3:-}
  server { listen $NGINX_PORT $2; root $NGINX_WWW; }
}
CONF
}

# start_nginx [ENV=VALUE...]: nginx under percore on af_packet:pc-dut with
# the given PERCORE_* settings, serving once the peer's curl gets f0.
# shellcheck disable=SC2120  # the settings are optional
start_nginx() {
  step "nginx, master + 1 worker, under percore (af_packet:$PERCORE_DUT_IF${*:+, $*})"
  : >"$NGINX_LOGS/error.log"
  env "$@" PERCORE_STATS_MS="$NGINX_STATS_MS" "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" \
    --ip "$PERCORE_STACK_IP/24" -- timeout 300 nginx -c "$TMP/nginx.conf" >"$TMP/nginx.out" 2>&1 &
  NGINX_PID=$!
  _bg_pids+=("$NGINX_PID")
  local deadline=$((SECONDS + 30))
  until in_peer timeout 3 curl -sf -o /dev/null "http://$PERCORE_STACK_IP:$NGINX_PORT/f0"; do
    kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx exited: $(cat "$TMP/nginx.out")"
    ((SECONDS < deadline)) || fail "nginx on percore did not answer in 30s"
    sleep 0.5
  done
}

# stop_nginx: nginx -s quit; the master must exit within 20 s.
stop_nginx() {
  step "nginx -s quit"
  kill -QUIT "$(cat "$NGINX_LOGS/nginx.pid")"
  local deadline=$((SECONDS + 20))
  while kill -0 "$NGINX_PID" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "nginx did not quit in 20 s"
    sleep 0.2
  done
  wait "$NGINX_PID" || true
  pass "nginx quit"
}

# worker_stats: the worker's last counters line ("" before the first).
worker_stats() {
  grep -a "^percore: pid [0-9]* shard 0 tcp:" "$NGINX_LOGS/error.log" | tail -n1 || true
}

# next_stats: waits for a counters line printed after this call.
next_stats() {
  local n
  n=$(grep -ac "^percore: pid [0-9]* shard 0 tcp:" "$NGINX_LOGS/error.log" || true)
  local deadline=$((SECONDS + 5))
  until (($(grep -ac "^percore: pid [0-9]* shard 0 tcp:" "$NGINX_LOGS/error.log" || true) > n + 1)); do
    ((SECONDS < deadline)) || fail "the worker printed no counters for 5 s"
    sleep 0.05
  done
  worker_stats
}

# counts LINE: "connections sockets mbufs_free" of a counters line.
counts() {
  echo "$(kv connections "$1") $(kv sockets "$1") $(kv mbufs_free "$1" | cut -d/ -f1)"
}

# idle_counts: the worker's counts once nothing is connected (the
# readiness probes' connections gone): "connections sockets mbufs_free".
idle_counts() {
  local deadline=$((SECONDS + 10)) line
  while :; do
    line=$(next_stats)
    [[ $(kv connections "$line") == 0 ]] && break
    ((SECONDS < deadline)) || fail "connections did not reach 0 while idle: $line"
  done
  counts "$line"
}

# wait_counts WANT SECONDS: waits for the worker's counts to equal WANT
# ("connections sockets mbufs_free"); prints how long it took.
wait_counts() {
  local want=$1 limit=$2 start=$SECONDS line
  while :; do
    line=$(next_stats)
    [[ $(counts "$line") == "$want" ]] && break
    ((SECONDS - start < limit)) ||
      fail "counts (connections sockets mbufs_free) are '$(counts "$line")' after ${limit} s, not '$want': $line"
  done
  echo "$((SECONDS - start))"
}

# max_connections SINCE_LINE: the largest connections= the worker printed
# after line number SINCE_LINE of the error log.
max_connections() {
  tail -n +"$(($1 + 1))" "$NGINX_LOGS/error.log" | grep -a "^percore: pid [0-9]* shard 0 tcp:" |
    sed -n 's/.* connections=\([0-9]*\).*/\1/p' | sort -n | tail -n1
}

log_lines() { wc -l <"$NGINX_LOGS/error.log"; }
