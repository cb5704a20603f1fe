#!/usr/bin/env bash
# Debian's redis-server as Debian runs it (issue 17), not as root. The
# configuration is a copy of /etc/redis/redis.conf whose edits are its bind
# line (bind 198.18.0.2), the paths the test owns (pidfile, logfile, dir)
# and a requirepass: Redis 7's protected mode, on in the stock file, refuses
# every client that is not on loopback while the default user has no
# password, so a Debian redis bound to a network address needs one (what
# its DENIED reply and the file itself advise); the clients authenticate.
# It is started as the systemd unit starts it (User=redis, Group=redis,
# UMask=007, ExecStart=redis-server CONF --supervised systemd --daemonize
# no): --daemonize no as the unit says, so that redis stays in the
# foreground, this script's child under timeout, as it is systemd's;
# --supervised no instead of systemd, since there is no systemd here to
# notify (redis would only log that NOTIFY_SOCKET is missing). A process
# that never drops privileges needs the device's given to it: setpriv's
# ambient capabilities below are the equivalent of the unit's
# AmbientCapabilities= (af_packet: CAP_NET_RAW CAP_NET_ADMIN CAP_IPC_LOCK;
# TAP: CAP_NET_ADMIN). The unit's LimitNOFILE=65535 is not given (this
# machine's hard limit may be lower and cannot be raised here), nor its
# sandbox (CapabilityBoundingSet=, RestrictAddressFamilies=,
# PrivateDevices=, PrivateUsers=), which as shipped withholds what any
# device needs.
# For each device the same redis on the Linux kernel (the same file, setpriv
# and capabilities, --bind 127.0.0.1 on the command line) gives the
# reference uids and capability sets. Under libpercore.so, on
# af_packet:pc-dut (clients in the peer's namespace) and on the default
# TAP device (clients in the root namespace): redis runs as redis with
# Linux's capability sets, refuses a client without the password (NOAUTH),
# redis-benchmark -n 20000 -c 20 of SET, GET, INCR, LPUSH and LPOP reports
# no error and INFO commandstats counts exactly 20,000 calls of each, a
# 1 MiB random value is set and read back byte-exact with redis-cli, and
# SIGTERM (systemd's stop) saves and exits 0.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

getent passwd redis >/dev/null || fail "no redis user (Debian's redis-tools creates it)"
share_tmp
user_lib=$(user_lib)
mkdir -p "$TMP/run" "$TMP/data"
chown redis:redis "$TMP/run" "$TMP/data"
pass=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
export REDISCLI_AUTH=$pass
conf=$TMP/redis.conf
sed -e "s#^bind 127\\.0\\.0\\.1 -::1\$#bind $PERCORE_STACK_IP#" \
  -e "s#^pidfile /run/redis/redis-server\\.pid\$#pidfile $TMP/run/redis-server.pid#" \
  -e "s#^logfile /var/log/redis/redis-server\\.log\$#logfile $TMP/run/redis-server.log#" \
  -e "s#^dir /var/lib/redis\$#dir $TMP/data#" \
  -e "s/^# requirepass foobared\$/requirepass $pass/" /etc/redis/redis.conf >"$conf"
chown redis:redis "$conf"
chmod 640 "$conf"
step "Debian's redis.conf; the edits:"
d=$(diff /etc/redis/redis.conf "$conf" | sed "s/$pass/PASSWORD/" || true)
echo "$d"
(($(grep -c '^>' <<<"$d" || true) == 5)) || fail "expected 5 edited lines in redis.conf"
grep -q '^daemonize yes$' "$conf" || fail "redis.conf does not say 'daemonize yes'"
random_file "$TMP/big" 1

# redis_up CAPS [VAR=VALUE... --] ARGS...: redis-server as the unit starts
# it, run as redis with CAPS as its ambient capabilities; VARs go to its
# environment, ARGS after the unit's. REDIS is its pid, its stderr
# $TMP/redis.err; REDIS_TIMEOUT the timeout process to wait for.
REDIS=
REDIS_TIMEOUT=
redis_up() {
  local caps=$1 vars=()
  shift
  if [[ " $* " == *" -- "* ]]; then
    while [[ $1 != -- ]]; do
      vars+=("$1")
      shift
    done
    shift
  fi
  rm -f "$TMP/run/redis-server.log"
  (
    umask 007
    exec timeout 120 setpriv --reuid=redis --regid=redis --init-groups \
      --inh-caps="$caps" --ambient-caps="$caps" env "${vars[@]}" \
      redis-server "$conf" --supervised no --daemonize no "$@" >"$TMP/redis.out" 2>"$TMP/redis.err"
  ) &
  REDIS_TIMEOUT=$!
  _bg_pids+=("$REDIS_TIMEOUT")
  local deadline=$((SECONDS + 10))
  until REDIS=$(pgrep -P "$REDIS_TIMEOUT" -x redis-server); do
    kill -0 "$REDIS_TIMEOUT" 2>/dev/null || fail "redis-server exited: $(cat "$TMP/redis.err" "$TMP/run/redis-server.log")"
    ((SECONDS < deadline)) || fail "no redis-server after 10 s"
    sleep 0.05
  done
  _bg_pids+=("$REDIS")
}

# redis_wait HOST CLIENT...: until redis-cli (as CLIENT: in_peer or
# nothing) gets PONG from HOST; 20 s at most.
redis_wait() {
  local host=$1 deadline=$((SECONDS + 20))
  shift
  until [[ $("$@" timeout 3 redis-cli -h "$host" ping 2>/dev/null) == PONG ]]; do
    kill -0 "$REDIS" 2>/dev/null || fail "redis-server exited: $(cat "$TMP/redis.err" "$TMP/run/redis-server.log")"
    ((SECONDS < deadline)) || fail "redis on $host did not answer PING in 20 s: $(tail -5 "$TMP/run/redis-server.log")"
    sleep 0.2
  done
}

# redis_down: SIGTERM; redis saves, says so and exits 0 within 10 s.
redis_down() {
  local rc=0
  kill -TERM "$REDIS"
  timeout 10 tail --pid="$REDIS" -f /dev/null || fail "redis-server did not exit 10 s after SIGTERM"
  wait "$REDIS_TIMEOUT" || rc=$?
  ((rc == 0)) || fail "redis-server exited with status $rc: $(tail -5 "$TMP/run/redis-server.log")"
  grep -q "Redis is now ready to exit" "$TMP/run/redis-server.log" || fail "redis did not log its exit"
  grep -a "tcp:" "$TMP/redis.err" || true
  if grep -a '^percore: ' "$TMP/redis.err" | grep -avE '^percore: pid [0-9]+ (shard [0-9]+|waiting)'; then
    fail "percore said more than its counters"
  fi
}

# linux_creds CAPS: the creds of the same redis on the Linux kernel.
linux_creds() {
  redis_up "$1" --bind 127.0.0.1
  redis_wait 127.0.0.1
  LINUX=$(creds "$REDIS")
  echo "Linux redis-server $REDIS: $LINUX"
  redis_down
}

# checks CLIENT...: NOAUTH, redis-benchmark and its counts, 1 MiB.
checks() {
  local out calls cmd
  out=$("$@" env -u REDISCLI_AUTH timeout 5 redis-cli -h "$PERCORE_STACK_IP" ping 2>&1 || true)
  [[ $out == NOAUTH* ]] || fail "PING without the password: '$out', not NOAUTH"
  pass "PING without the password: $out"
  "$@" timeout 5 redis-cli -h "$PERCORE_STACK_IP" config resetstat >/dev/null || fail "CONFIG RESETSTAT failed"

  step "redis-benchmark -n 20000 -c 20 -q -t set,get,incr,lpush,lpop"
  out=$("$@" timeout 60 redis-benchmark -h "$PERCORE_STACK_IP" -a "$pass" -n 20000 -c 20 -q \
    -t set,get,incr,lpush,lpop 2>&1) || fail "redis-benchmark failed: $out"
  out=$(tr '\r' '\n' <<<"$out" | grep -a 'requests per second' || true)
  echo "$out"
  (($(wc -l <<<"$out") == 5)) || fail "redis-benchmark gave $(wc -l <<<"$out") results, not 5"
  "$@" timeout 5 redis-cli -h "$PERCORE_STACK_IP" info commandstats >"$TMP/cmdstats" || fail "INFO failed"
  for cmd in set get incr lpush lpop; do
    calls=$(sed -n "s/^cmdstat_$cmd:calls=\\([0-9]*\\),.*/\\1/p" "$TMP/cmdstats")
    grep -a "^cmdstat_$cmd:" "$TMP/cmdstats" | tr -d '\r'
    [[ $calls == 20000 ]] || fail "redis counted ${calls:-no} $cmd calls, not 20000"
    grep -aq "^cmdstat_$cmd:.*failed_calls=0" "$TMP/cmdstats" || fail "failed $cmd calls"
  done
  pass "redis-benchmark: no error, 20,000 calls of each command counted"

  step "a 1 MiB random value, set and read back with redis-cli"
  out=$("$@" timeout 20 redis-cli -h "$PERCORE_STACK_IP" -x set big <"$TMP/big") || fail "SET big failed: $out"
  [[ $out == OK ]] || fail "SET big: $out"
  rm -f "$TMP/got"
  "$@" timeout 20 redis-cli -h "$PERCORE_STACK_IP" --raw get big >"$TMP/got" || fail "GET big failed"
  # --raw ends the value with a newline.
  head -c -1 "$TMP/got" | cmp - "$TMP/big" || fail "the value read back differs"
  pass "1 MiB byte-exact"
}

t0=$SECONDS
caps=+net_raw,+net_admin,+ipc_lock
step "redis-server as redis with $caps on the Linux kernel (--bind 127.0.0.1): the reference"
linux_creds "$caps"
net_up
step "redis-server as redis with $caps under percore on af_packet:$PERCORE_DUT_IF; clients in $PERCORE_NETNS"
redis_up "$caps" LD_PRELOAD="$user_lib" PERCORE_DEV="af_packet:$PERCORE_DUT_IF" \
  PERCORE_IP="$PERCORE_STACK_IP/24" PERCORE_STATS=1 --
redis_wait "$PERCORE_STACK_IP" in_peer
expect_creds redis-server "$REDIS" redis "$LINUX"
checks in_peer
redis_down
pass "af_packet: $((SECONDS - t0)) s"

t0=$SECONDS
caps=+net_admin
step "redis-server as redis with $caps on the Linux kernel (--bind 127.0.0.1): the reference"
linux_creds "$caps"
[[ -z $(tap_interfaces) ]] || fail "a TAP interface already exists ($(tap_interfaces))"
step "redis-server as redis with $caps under percore on the default TAP device; clients in the root namespace"
redis_up "$caps" LD_PRELOAD="$user_lib" PERCORE_STATS=1 --
wait_tap "$REDIS" "$TMP/redis.err"
redis_wait "$PERCORE_STACK_IP"
expect_creds redis-server "$REDIS" redis "$LINUX"
checks
redis_down
wait_tap_gone "redis exited"
pass "TAP: $((SECONDS - t0)) s, no TAP interface left"
echo "time: ${SECONDS}s"
