#!/usr/bin/env bash
# Debian's nginx as Debian runs it (issue 17), not as root: a copy of the
# stock /etc/nginx (nginx.conf, mime.types, sites-enabled/default) that
# differs from Debian's only in the paths the test owns (pid, error_log,
# access_log, the include paths, the site's root: a copy of /var/www/html
# and a 1 MiB file); `user www-data;` kept; started with the systemd unit's
# command line (nginx -g 'daemon on; master_process on;': the master
# daemonizes, each worker drops to www-data) and stopped as its ExecStop
# does (QUIT). First on the Linux kernel, whose master's and workers' uids
# and capability sets are the reference; then under libpercore.so:
# - on the default TAP device with `worker_processes 2;` (the one edit
#   that is not a path): one worker holds the TAP device, the other says
#   once that it cannot (one process per TAP device) and stays on the
#   kernel; clients in the root namespace;
# - on af_packet:pc-dut with the stock `worker_processes auto;` (one per
#   CPU), clients in the peer's namespace; then `nginx -s reload` (the
#   unit's ExecReload), after which the new workers serve.
# Each time: the workers run as www-data with Linux's capability sets, curl
# fetches the stock page and the 1 MiB file byte-exact, wrk for 3 s (2 s
# after the reload) gets only 2xx and no socket errors, and nginx logs
# nothing above [warn]; on af_packet every worker took connections during
# wrk (its PERCORE_STATS_MS segs_out grew by 100 or more).
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

share_tmp
conf=$TMP/etc-nginx
html=$TMP/html
logs=$TMP/logs
url=http://$PERCORE_STACK_IP
mkdir -p "$logs"
cp -a /var/www/html "$html"
random_file "$html/f1m" 1
chmod -R a+rX "$html"
[[ -f $html/index.nginx-debian.html ]] || fail "no /var/www/html/index.nginx-debian.html (Debian's nginx-common)"

# debian_conf WORKERS: $conf, a copy of /etc/nginx whose nginx.conf and
# sites-enabled/default differ from Debian's in the paths only (and in the
# worker_processes line unless WORKERS is auto): the diff is printed, its
# line count checked, and the reverse substitution must give Debian's files
# back byte for byte.
debian_conf() {
  local workers=$1 edits=7
  [[ $workers == auto ]] || edits=8
  rm -rf "$conf"
  cp -rL /etc/nginx "$conf"
  sed -e "s#^pid /run/nginx\\.pid;\$#pid $logs/nginx.pid;#" \
    -e "s#^error_log /var/log/nginx/error\\.log;\$#error_log $logs/error.log;#" \
    -e "s#^\\(\\s*\\)access_log /var/log/nginx/access\\.log;\$#\\1access_log $logs/access.log;#" \
    -e "s#^\\(\\s*\\)include /etc/nginx/#\\1include $conf/#" \
    -e "s#^worker_processes auto;\$#worker_processes $workers;#" \
    /etc/nginx/nginx.conf >"$conf/nginx.conf"
  sed -e "s#^pid $logs/nginx\\.pid;\$#pid /run/nginx.pid;#" \
    -e "s#^error_log $logs/error\\.log;\$#error_log /var/log/nginx/error.log;#" \
    -e "s#^\\(\\s*\\)access_log $logs/access\\.log;\$#\\1access_log /var/log/nginx/access.log;#" \
    -e "s#^\\(\\s*\\)include $conf/#\\1include /etc/nginx/#" \
    -e "s#^worker_processes $workers;\$#worker_processes auto;#" \
    "$conf/nginx.conf" | cmp -s - /etc/nginx/nginx.conf || fail "nginx.conf differs in more than paths"
  sed -e "s#^\\(\\s*\\)root /var/www/html;#\\1root $html;#" \
    /etc/nginx/sites-enabled/default >"$conf/sites-enabled/default"
  sed -e "s#^\\(\\s*\\)root $html;#\\1root /var/www/html;#" "$conf/sites-enabled/default" |
    cmp -s - /etc/nginx/sites-enabled/default || fail "the default site differs in more than its root"
  step "Debian's nginx.conf and default site, worker_processes $workers; the edits:"
  local d1 d2 n m
  d1=$(diff /etc/nginx/nginx.conf "$conf/nginx.conf" || true)
  d2=$(diff /etc/nginx/sites-enabled/default "$conf/sites-enabled/default" || true)
  printf '%s\n%s\n' "$d1" "$d2"
  n=$(grep -c '^>' <<<"$d1" || true)
  m=$(grep -c '^>' <<<"$d2" || true)
  ((n == edits && m == 1)) || fail "expected $edits edited lines in nginx.conf and 1 in the site, not $n and $m"
  grep -q '^user www-data;$' "$conf/nginx.conf" || fail "nginx.conf has no 'user www-data;'"
}

# nginx_up WORKERS VAR=VALUE...: the unit's ExecStart with the environment
# given (LD_PRELOAD, PERCORE_*); returns once the daemon's pid file names
# a master with WORKERS workers. MASTER is its pid.
MASTER=
nginx_up() {
  local want=$1 deadline=$((SECONDS + 20))
  shift
  rm -f "$logs/nginx.pid"
  : >"$logs/error.log"
  env "$@" timeout 30 nginx -c "$conf/nginx.conf" -e "$logs/error.log" -g 'daemon on; master_process on;' \
    >"$TMP/nginx.out" 2>&1 || fail "nginx did not start: $(cat "$TMP/nginx.out" "$logs/error.log")"
  until [[ -s $logs/nginx.pid ]]; do
    ((SECONDS < deadline)) || fail "nginx wrote no pid file in 20 s: $(cat "$logs/error.log")"
    sleep 0.1
  done
  MASTER=$(cat "$logs/nginx.pid")
  _bg_pids+=("$MASTER")
  until (($(workers | wc -w) == want)); do
    kill -0 "$MASTER" 2>/dev/null || fail "nginx's master exited: $(cat "$logs/error.log")"
    ((SECONDS < deadline)) || fail "nginx's master has '$(workers)' as workers after 20 s, not $want"
    sleep 0.1
  done
  echo "master $MASTER, workers $(workers)"
}

workers() { pgrep -P "$MASTER" | sort -n | xargs; }

# nginx_down: QUIT (the unit's ExecStop); master and workers gone in 20 s.
nginx_down() {
  local procs deadline=$((SECONDS + 20))
  procs="$MASTER $(workers)"
  step "nginx: QUIT to master $MASTER"
  kill -QUIT "$MASTER"
  # shellcheck disable=SC2086  # a list of pids
  while kill -0 $procs 2>/dev/null; do
    ((SECONDS < deadline)) || fail "20 s after QUIT: $(pgrep -a nginx)"
    sleep 0.1
  done
  pass "nginx quit"
}

# serving CLIENT...: waits (20 s at most) for nginx to answer the stock
# page to curl run as CLIENT (in_peer, or nothing).
serving() {
  local deadline=$((SECONDS + 20))
  until "$@" timeout 3 curl -sf -o /dev/null "$url/"; do
    kill -0 "$MASTER" 2>/dev/null || fail "nginx exited: $(cat "$logs/error.log")"
    ((SECONDS < deadline)) || fail "nginx did not answer $url/ in 20 s: $(tail -20 "$logs/error.log")"
    sleep 0.2
  done
}

# fetch CLIENT...: the stock page and the 1 MiB file, byte-exact.
fetch() {
  local f
  for f in index.nginx-debian.html f1m; do
    rm -f "$TMP/got"
    "$@" timeout 30 curl -sS --fail -o "$TMP/got" "$url/$f" || fail "curl $url/$f failed"
    cmp "$html/$f" "$TMP/got" || fail "$f differs"
  done
  pass "the stock page and 1 MiB byte-exact"
}

# load SECONDS CLIENT...: wrk -c32 on the stock page; only 2xx, no errors.
load() {
  local secs=$1 rps
  shift
  step "wrk -t1 -c32 -d${secs}s $url/"
  "$@" timeout 30 wrk -t1 -c32 -d"${secs}s" "$url/" >"$TMP/wrk" 2>&1 || fail "wrk failed: $(cat "$TMP/wrk")"
  cat "$TMP/wrk"
  grep -q "Socket errors" "$TMP/wrk" && fail "wrk reported socket errors"
  grep -q "Non-2xx" "$TMP/wrk" && fail "wrk saw non-2xx responses"
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/wrk")
  [[ -n $rps ]] || fail "no Requests/sec in wrk's output"
  pass "wrk: $rps requests/s, only 2xx, no socket errors"
}

# check_workers LINUX_MASTER LINUX_WORKER: once every worker has dropped
# to www-data (5 s at most: a worker whose stack waits for the TAP device
# drops after it), the master's and every worker's creds are Linux's.
check_workers() {
  local w uid deadline=$((SECONDS + 5))
  uid=$(id -u www-data)
  for w in $(workers); do
    until [[ $(creds "$w") == "Uid: $uid $uid $uid $uid |"* ]]; do
      ((SECONDS < deadline)) || break
      sleep 0.05
    done
  done
  expect_creds "master" "$MASTER" root "$1"
  for w in $(workers); do expect_creds "worker" "$w" www-data "$2"; done
  pass "workers run as www-data with Linux's capability sets"
}

# log_clean [ALLOWED]: nothing above [warn] in the error log, and no
# percore line but the PERCORE_STATS_MS counters and ALLOWED (a pattern).
log_clean() {
  local bad
  bad=$(grep -aE '\[(error|crit|alert|emerg)\]' "$logs/error.log" || true)
  [[ -z $bad ]] || fail "nginx logged: $bad"
  bad=$(grep -a '^percore: ' "$logs/error.log" | grep -avE '^percore: pid [0-9]+ (shard [0-9]+|waiting)' |
    grep -avE "${1:-^$}" || true)
  [[ -z $bad ]] || fail "percore said: $bad"
}

# segs_out PID: the segs_out= of process PID's last counters line.
segs_out() {
  grep -a "^percore: pid $1 shard 0 tcp:" "$logs/error.log" | tail -n1 |
    sed -n 's/.* segs_out=\([0-9]*\).*/\1/p'
}

# fresh_stats: waits (5 s at most) until every worker has printed counters
# after this call.
fresh_stats() {
  local n w deadline=$((SECONDS + 5))
  n=$(wc -l <"$logs/error.log")
  for w in $(workers); do
    until tail -n +"$((n + 1))" "$logs/error.log" | grep -aq "^percore: pid $w shard 0 tcp:"; do
      ((SECONDS < deadline)) || fail "worker $w printed no counters for 5 s"
      sleep 0.05
    done
  done
}

# load_each SECONDS: wrk from the peer; every worker's segs_out must grow
# by 100 or more meanwhile (each took connections).
load_each() {
  local w d
  declare -A before
  fresh_stats
  for w in $(workers); do before[$w]=$(segs_out "$w"); done
  load "$1" in_peer
  fresh_stats
  for w in $(workers); do
    d=$(($(segs_out "$w") - ${before[$w]:-0}))
    echo "worker $w: segs_out +$d during wrk"
    ((d >= 100)) || fail "worker $w sent $d segments during wrk: it took no connections"
  done
  pass "every worker ($(workers)) took connections"
}

t0=$SECONDS
debian_conf auto
step "nginx on the Linux kernel (no LD_PRELOAD): the reference uids and capability sets"
nginx_up "$(nproc)"
timeout 10 curl -sS --fail -o "$TMP/got" http://127.0.0.1/ || fail "curl http://127.0.0.1/ failed on Linux"
cmp "$html/index.nginx-debian.html" "$TMP/got" || fail "the stock page differs on Linux"
linux_master=$(creds "$MASTER")
linux_worker=
for w in $(workers); do
  c=$(creds "$w")
  [[ -z $linux_worker || $c == "$linux_worker" ]] || fail "Linux's workers differ: '$linux_worker', '$c'"
  linux_worker=$c
done
echo "Linux master $MASTER: $linux_master"
echo "Linux workers $(workers): $linux_worker"
nginx_down
pass "Linux: $((SECONDS - t0)) s"

t0=$SECONDS
[[ -z $(tap_interfaces) ]] || fail "a TAP interface already exists ($(tap_interfaces))"
debian_conf 2
step "nginx under percore on the default TAP device, 2 workers; clients in the root namespace"
nginx_up 2 LD_PRELOAD="$PERCORE_PRELOAD_LIB"
wait_tap "$MASTER" "$logs/error.log"
serving
check_workers "$linux_master" "$linux_worker"
holders=
for w in $(workers); do
  [[ -z $(find "/proc/$w/fd" -lname /dev/net/tun 2>/dev/null) ]] || holders+="$w "
done
holders=${holders% }
[[ $(wc -w <<<"$holders") -eq 1 ]] || fail "workers holding /dev/net/tun: '$holders' (one expected)"
n=$(grep -ac "^percore: .*TAP interface pctap0 is another process's stack" "$logs/error.log" || true)
grep -a "^percore: .*TAP" "$logs/error.log" || true
((n == 1)) || fail "$n lines say the TAP device is another process's, not 1"
pass "worker $holders holds the TAP device; the other said so once and stays on the kernel"
fetch
load 3
log_clean "TAP interface pctap0 is another process's stack"
nginx_down
wait_tap_gone "nginx quit"
pass "TAP: $((SECONDS - t0)) s, no TAP interface left"

t0=$SECONDS
net_up
debian_conf auto
step "nginx under percore on af_packet:$PERCORE_DUT_IF, worker_processes auto ($(nproc)); clients in $PERCORE_NETNS"
percore_env=(LD_PRELOAD="$PERCORE_PRELOAD_LIB" PERCORE_DEV="af_packet:$PERCORE_DUT_IF"
  PERCORE_IP="$PERCORE_STACK_IP/24" PERCORE_STATS_MS=200)
nginx_up "$(nproc)" "${percore_env[@]}"
serving in_peer
check_workers "$linux_master" "$linux_worker"
fetch in_peer
load_each 3
log_clean

step "nginx -s reload (the unit's ExecReload, same environment)"
old=$(workers)
env "${percore_env[@]}" timeout 30 nginx -c "$conf/nginx.conf" -e "$logs/error.log" \
  -g 'daemon on; master_process on;' -s reload || fail "nginx -s reload failed"
deadline=$((SECONDS + 20))
# shellcheck disable=SC2086  # a list of pids
while kill -0 $old 2>/dev/null || (($(workers | wc -w) != $(nproc))); do
  kill -0 "$MASTER" 2>/dev/null || fail "nginx's master exited: $(tail -20 "$logs/error.log")"
  ((SECONDS < deadline)) || fail "20 s after the reload: old workers '$old', now '$(workers)'"
  sleep 0.1
done
for w in $(workers); do
  [[ " $old " != *" $w "* ]] || fail "worker $w survived the reload"
done
echo "workers $old exited; workers $(workers) serve"
serving in_peer
check_workers "$linux_master" "$linux_worker"
load_each 2
fetch in_peer
log_clean
nginx_down
pass "af_packet: $((SECONDS - t0)) s"
echo "time: ${SECONDS}s"
