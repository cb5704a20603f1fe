#!/usr/bin/env bash
# Debian's nginx, unmodified, under libpercore.so on af_packet:pc-dut in its
# stock shape: master_process on (the master creates the listening socket,
# then forks workers, each of which starts its own stack on the shared
# device), worker_processes 1 and 2, sendfile on, keep-alive. curl from the
# Linux peer fetches files of 0 B, 1 KiB, 100 KiB and 10 MiB byte-exact;
# wrk drives 1 KiB with 32 keep-alive connections for 5 s; every worker must
# have served; a health check on 127.0.0.1 reaches the kernel's side.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

net_up
share_tmp
www=$TMP/www
mkdir -p "$www" "$TMP/logs"
: >"$www/f0"
head -c 1024 /dev/urandom >"$www/f1k"
head -c $((100 << 10)) /dev/urandom >"$www/f100k"
random_file "$www/f10m" 10

for workers in 1 2; do
  cat >"$TMP/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes $workers;
# The workers drop to www-data as Debian's nginx.conf has them do (the stack
# opens its device before the drop).
user www-data;
error_log $TMP/logs/error.log info;
pid $TMP/logs/nginx.pid;
events { worker_connections 4096; }
http {
  access_log $TMP/logs/access.log;
  sendfile on;
  keepalive_timeout 65;
  client_body_temp_path $TMP/logs/body;
  proxy_temp_path $TMP/logs/proxy;
  fastcgi_temp_path $TMP/logs/fastcgi;
  uwsgi_temp_path $TMP/logs/uwsgi;
  scgi_temp_path $TMP/logs/scgi;
  server { listen 8088; root $www; }
}
CONF
  : >"$TMP/logs/access.log"
  step "nginx, master + $workers worker(s), under percore (af_packet:$PERCORE_DUT_IF)"
  PERCORE_STATS=1 "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24" -- \
    timeout 300 nginx -c "$TMP/nginx.conf" >"$TMP/nginx.out" 2>&1 &
  ngx=$!
  _bg_pids+=("$ngx")
  deadline=$((SECONDS + 30))
  until in_peer timeout 3 curl -sf -o /dev/null "http://$PERCORE_STACK_IP:8088/f0"; do
    kill -0 "$ngx" 2>/dev/null || fail "nginx exited: $(cat "$TMP/nginx.out")"
    ((SECONDS < deadline)) || fail "nginx on percore did not answer in 30s"
    sleep 0.5
  done
  for f in f0 f1k f100k f10m; do
    in_peer timeout 60 curl -sS --fail -o "$TMP/got" "http://$PERCORE_STACK_IP:8088/$f" || fail "curl $f failed"
    cmp "$www/$f" "$TMP/got" || fail "$f differs"
  done
  pass "0 B, 1 KiB, 100 KiB, 10 MiB byte-exact"
  curl -sf -o /dev/null "http://127.0.0.1:8088/f1k" || fail "health check on 127.0.0.1 failed"
  pass "health check on 127.0.0.1 (the kernel's side of the listener)"

  step "wrk -t1 -c32 -d5s from the peer"
  in_peer timeout 60 wrk -t1 -c32 -d5s "http://$PERCORE_STACK_IP:8088/f1k" >"$TMP/wrk" 2>&1 || fail "wrk failed: $(cat "$TMP/wrk")"
  cat "$TMP/wrk"
  grep -q "Socket errors" "$TMP/wrk" && fail "wrk reported socket errors"
  grep -qE "Non-2xx" "$TMP/wrk" && fail "wrk saw non-2xx responses"
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/wrk")
  pass "wrk: $rps requests/s, no errors"

  served=$(awk '{print $NF}' "$TMP/logs/access.log" | sort -u | wc -l)
  kill -QUIT "$(cat "$TMP/logs/nginx.pid")"
  wait "$ngx" || true
  # Each worker logs its own pid in the error log's "percore: pid N" stats
  # line. Every process on the shared device sees every frame (segs_in), so
  # a worker served when it sent 100 segments or more.
  workers_seen=$(cat "$TMP/logs/error.log" "$TMP/nginx.out" |
    sed -n 's/^percore: pid \([0-9]*\) shard 0 tcp:.* segs_out=\([0-9]*\).*/\1 \2/p' |
    awk '$2 >= 100 {print $1}' | sort -u | wc -l)
  grep "tcp:" "$TMP/logs/error.log" "$TMP/nginx.out" 2>/dev/null | sed 's/^[^:]*://' || true
  ((workers_seen >= workers)) || fail "only $workers_seen of $workers workers served connections"
  pass "$workers worker(s) served connections"
  : >"$TMP/logs/error.log"
done
