#!/usr/bin/env bash
# Debian's memcached and nginx, unmodified, under libpercore.so on the
# default TAP device (no PERCORE_DEV: percore 198.18.0.2, the kernel's side
# 198.18.0.1/24 on pctap0), with every client in the root namespace, which
# is what `tools/percore demo` does. memcached -t 1 and -t 4: memcstat,
# memcaslap for 3 s with 64 connections (no errors), 10,000 keys of
# 1 B-500 KiB set and read back byte-exact (-t 1 a request at a time, -t 4
# pipelined). nginx with a master and one worker (a TAP device belongs to
# one process: the worker holds it, the master never starts a stack),
# sendfile and keep-alive: curl fetches 0 B, 1 KiB, 100 KiB and 10 MiB
# (sha256 equal), wrk for 3 s with 32 connections (only 200s, no socket
# errors), `nginx -s reload` (the old worker quits, the new one serves on
# the TAP device), `nginx -s quit`. After each server: no TAP interface, no
# process and nothing new in /dev/shm left behind.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=integration/lib-nginx.sh
source "$(dirname "$0")/lib-nginx.sh"
memcache_user

left=$(tap_interfaces)
[[ -z $left ]] || fail "a TAP interface already exists ($left): is another percore process running?"
shm_before=$(ls /dev/shm)

# nothing_left WHAT PATTERN: no TAP interface, no process whose command line
# matches PATTERN (a lingering child included) and no new /dev/shm entry,
# within 10 s of the server's exit.
nothing_left() {
  local what=$1 pattern=$2 deadline=$((SECONDS + 10)) procs
  step "nothing left behind by $what"
  while left=$(tap_interfaces) && procs=$(pgrep -af -- "$pattern" || true) &&
    [[ -n $left || -n $procs ]]; do
    ((SECONDS < deadline)) || fail "10 s after $what exited: TAP '${left}', processes '${procs}'"
    sleep 0.2
  done
  local shm
  shm=$(comm -13 <(echo "$shm_before") <(ls /dev/shm))
  [[ -z $shm ]] || fail "new in /dev/shm after $what: $shm"
  pass "no TAP interface, no $what process, nothing new in /dev/shm"
}

for threads in 1 4; do
  step "memcached -t $threads under percore (default TAP device, $PERCORE_STACK_IP)"
  PERCORE_STATS=1 "$PERCORE" run -- timeout 300 memcached -u memcache -t "$threads" -p 11211 -U 0 \
    -m 2048 -c 4096 >"$TMP/mc.out" 2>"$TMP/mc.err" &
  mc=$!
  _bg_pids+=("$mc")
  wait_tap "$mc" "$TMP/mc.err"
  deadline=$((SECONDS + 10))
  until timeout 3 memcstat --servers="$PERCORE_STACK_IP:11211" >"$TMP/stat" 2>&1; do
    kill -0 "$mc" 2>/dev/null || fail "memcached exited: $(cat "$TMP/mc.err")"
    ((SECONDS < deadline)) || fail "memcached on percore did not answer memcstat in 10 s"
    sleep 0.2
  done
  grep -E "^\s+(pid|threads):" "$TMP/stat"
  grep -qE "^\s+threads: $threads$" "$TMP/stat" || fail "memcstat does not show $threads threads"
  pass "memcstat over the TAP device"

  memcaslap_check 3 64 root

  # -t 1 a request at a time (10,000 round trips each way), -t 4 pipelined.
  mode=()
  ((threads == 1)) || mode=(--pipeline)
  mc_data_check root 60 "$threads" "${mode[@]}"

  kill -TERM "$mc"
  wait "$mc" || true
  grep "tcp:" "$TMP/mc.err" || true
  nothing_left memcached "memcached -u memcache -t $threads -p 11211"
done

step "nginx, master + 1 worker, under percore (default TAP device)"
nginx_conf 1024 ""
: >"$NGINX_WWW/f0"
head -c 1024 /dev/urandom >"$NGINX_WWW/f1k"
head -c $((100 << 10)) /dev/urandom >"$NGINX_WWW/f100k"
random_file "$NGINX_WWW/f10m" 10
PERCORE_STATS=1 "$PERCORE" run -- timeout 120 nginx -c "$TMP/nginx.conf" >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!
_bg_pids+=("$NGINX_PID")
wait_tap "$NGINX_PID" "$TMP/nginx.out"

# fetch_all: curl from the root namespace fetches every file, sha256 equal.
fetch_all() {
  local f want got
  for f in f0 f1k f100k f10m; do
    timeout 30 curl -sS --fail -o "$TMP/got" "http://$PERCORE_STACK_IP:$NGINX_PORT/$f" || fail "curl $f failed"
    want=$(sha256sum <"$NGINX_WWW/$f" | cut -d' ' -f1)
    got=$(sha256sum <"$TMP/got" | cut -d' ' -f1)
    [[ $want == "$got" ]] || fail "$f: sha256 $got, not $want"
  done
  pass "0 B, 1 KiB, 100 KiB, 10 MiB byte-exact (sha256)"
}

# serving: waits (at most 20 s) for nginx to answer f0 over the TAP device.
# only_worker_has_tap: the worker holds the TAP device open, the master does
# not (it must not have started a stack before it forked).
only_worker_has_tap() {
  local master worker n
  master=$(cat "$NGINX_LOGS/nginx.pid")
  worker=$(pgrep -P "$master") || fail "nginx's master $master has no worker"
  n=$(find "/proc/$master/fd" -lname /dev/net/tun 2>/dev/null | wc -l)
  ((n == 0)) || fail "nginx's master $master holds /dev/net/tun ($n descriptors)"
  n=$(find "/proc/$worker/fd" -lname /dev/net/tun 2>/dev/null | wc -l)
  ((n > 0)) || fail "nginx's worker $worker does not hold /dev/net/tun"
  pass "worker $worker holds the TAP device ($n descriptors), master $master none"
}

serving() {
  local deadline=$((SECONDS + 20))
  until timeout 3 curl -sf -o /dev/null "http://$PERCORE_STACK_IP:$NGINX_PORT/f0"; do
    kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx exited: $(cat "$TMP/nginx.out")"
    ((SECONDS < deadline)) || fail "nginx on percore did not answer in 20 s: $(tail -20 "$NGINX_LOGS/error.log")"
    sleep 0.2
  done
}

serving
only_worker_has_tap
fetch_all

step "wrk -t1 -c32 -d3s from the root namespace"
timeout 30 wrk -t1 -c32 -d3s --latency "http://$PERCORE_STACK_IP:$NGINX_PORT/f1k" >"$TMP/wrk" 2>&1 ||
  fail "wrk failed: $(cat "$TMP/wrk")"
cat "$TMP/wrk"
grep -q "Socket errors" "$TMP/wrk" && fail "wrk reported socket errors"
grep -q "Non-2xx" "$TMP/wrk" && fail "wrk saw non-2xx responses"
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/wrk")
[[ -n $rps ]] || fail "no Requests/sec in wrk's output"
lat=$(awk '$1 == "Latency" {print $2; exit}' "$TMP/wrk")
pass "wrk: $rps requests/s, latency avg $lat, only 200s, no socket errors"

step "nginx -s reload: the old worker quits, a new one takes the TAP device over"
master=$(cat "$NGINX_LOGS/nginx.pid")
old_worker=$(pgrep -P "$master") || fail "nginx's master $master has no worker"
nginx -c "$TMP/nginx.conf" -s reload || fail "nginx -s reload failed"
deadline=$((SECONDS + 20))
while kill -0 "$old_worker" 2>/dev/null || ! new_worker=$(pgrep -P "$master"); do
  kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx exited: $(cat "$TMP/nginx.out")"
  ((SECONDS < deadline)) || fail "20 s after the reload: old worker $old_worker, new '$(pgrep -P "$master" || true)'"
  sleep 0.2
done
[[ $new_worker != "$old_worker" ]] || fail "the worker did not change ($old_worker)"
echo "worker $old_worker exited, worker $new_worker serves"
wait_tap "$NGINX_PID" "$TMP/nginx.out"
serving
only_worker_has_tap
fetch_all

stop_nginx
grep -a "tcp:" "$NGINX_LOGS/error.log" "$TMP/nginx.out" 2>/dev/null | sed 's/^[^:]*://' || true
nothing_left nginx "nginx -c $TMP/nginx.conf"
