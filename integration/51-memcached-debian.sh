#!/usr/bin/env bash
# Debian's memcached as Debian runs it (issue 17), not as root: the systemd
# unit's ExecStart, /usr/share/memcached/scripts/systemd-memcached-wrapper,
# with a copy of /etc/memcached.conf (-u memcache -m 64 -p 11211) whose -l
# line is percore's address and whose -P pid file is the test's; the
# wrapper execs memcached as root and memcached drops to memcache itself.
# First on the Linux kernel with the stock -l 127.0.0.1 (the reference uids
# and capability sets), then under libpercore.so on af_packet:pc-dut
# (clients in the peer's namespace) and on the default TAP device (clients
# in the root namespace). Each time: memcached runs as memcache with
# Linux's capability sets, memccapable (libmemcached-tools' protocol
# conformance run, ASCII and binary) passes every test, memcaslap for 3 s
# with 32 connections reports no errors. Then the two sudo lines of
# docs/SERVICES.md: `sudo env ... memcached -u memcache` is served by
# percore as memcache; `sudo -u memcache ...` says in one line what it
# lacks and the kernel serves it. The unit's own sandbox
# (CapabilityBoundingSet=, RestrictAddressFamilies=, PrivateDevices=) is
# not applied here: as shipped it withholds what any device needs.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

wrapper=/usr/share/memcached/scripts/systemd-memcached-wrapper
[[ -x $wrapper ]] || fail "no $wrapper (Debian's memcached)"
memcache_user
share_tmp
mkdir -p "$TMP/run"
chown memcache:memcache "$TMP/run"

# debian_conf LISTEN: $TMP/memcached.conf, /etc/memcached.conf with its -l
# line "-l LISTEN" (unless LISTEN is the stock one) and its -P pid file in
# $TMP/run; the diff is printed and its size checked.
debian_conf() {
  local listen=$1 edits=2 d
  sed -e "s#^-l .*#-l $listen#" -e "s#^-P .*#-P $TMP/run/memcached.pid#" /etc/memcached.conf >"$TMP/memcached.conf"
  grep -q "^-l $listen\$" /etc/memcached.conf && edits=1
  d=$(diff /etc/memcached.conf "$TMP/memcached.conf" || true)
  echo "$d"
  (($(grep -c '^>' <<<"$d" || true) == edits)) || fail "expected $edits edited lines in memcached.conf"
  grep -q '^-u memcache$' "$TMP/memcached.conf" || fail "memcached.conf has no '-u memcache'"
}

# mc_up VAR=VALUE...: the wrapper, with the environment given, under
# timeout; MC is memcached's pid (the wrapper execs it), its stderr
# $TMP/mc.err.
MC=
mc_up() {
  env "$@" timeout 120 "$wrapper" "$TMP/memcached.conf" >"$TMP/mc.out" 2>"$TMP/mc.err" &
  local to=$! deadline=$((SECONDS + 10))
  _bg_pids+=("$to")
  until MC=$(pgrep -P "$to" -x memcached); do
    kill -0 "$to" 2>/dev/null || fail "the wrapper exited: $(cat "$TMP/mc.out" "$TMP/mc.err")"
    ((SECONDS < deadline)) || fail "no memcached under the wrapper after 10 s"
    sleep 0.05
  done
  _bg_pids+=("$MC")
  echo "memcached $MC: $(tr '\0' ' ' <"/proc/$MC/cmdline")"
}

# mc_wait HOST CLIENT...: until memcstat (run as CLIENT: in_peer or
# nothing) gets memcached's statistics from HOST:11211; 20 s at most.
mc_wait() {
  local host=$1 deadline=$((SECONDS + 20))
  shift
  until "$@" timeout 3 memcstat --servers="$host:11211" >"$TMP/stat" 2>&1; do
    kill -0 "$MC" 2>/dev/null || fail "memcached exited: $(cat "$TMP/mc.err")"
    ((SECONDS < deadline)) || fail "memcached did not answer memcstat on $host in 20 s"
    sleep 0.2
  done
}

# mc_down: SIGTERM (systemd's stop); memcached gone within 10 s.
mc_down() {
  local deadline=$((SECONDS + 10))
  kill -TERM "$MC"
  while kill -0 "$MC" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "memcached did not exit 10 s after SIGTERM"
    sleep 0.05
  done
  grep -a "tcp:" "$TMP/mc.err" || true
}

# capable CLIENT...: memccapable against percore's memcached: every test
# passes (it prints "All tests passed" and no line without [pass]).
capable() {
  step "memccapable -h $PERCORE_STACK_IP -p 11211 (ASCII and binary protocol)"
  local out rc=0 tests
  out=$("$@" timeout 60 memccapable -h "$PERCORE_STACK_IP" -p 11211 -t 10 2>&1) || rc=$?
  tests=$(grep -c '\[pass\]$' <<<"$out" || true)
  if ((rc != 0)) || ! grep -q '^All tests passed$' <<<"$out" ||
    grep -v '\[pass\]$' <<<"$out" | grep -qv '^All tests passed$'; then
    echo "$out"
    fail "memccapable failed (exit $rc)"
  fi
  ((tests >= 40)) || fail "memccapable ran only $tests tests: $out"
  pass "memccapable: $tests tests passed"
}

t0=$SECONDS
step "the wrapper with Debian's -l 127.0.0.1 on the Linux kernel: the reference uids and capability sets"
debian_conf 127.0.0.1
mc_up
mc_wait 127.0.0.1
linux=$(creds "$MC")
echo "Linux memcached $MC: $linux"
mc_down
pass "Linux: $((SECONDS - t0)) s"

t0=$SECONDS
net_up
debian_conf "$PERCORE_STACK_IP"
step "the wrapper under percore on af_packet:$PERCORE_DUT_IF; clients in $PERCORE_NETNS"
mc_up LD_PRELOAD="$PERCORE_PRELOAD_LIB" PERCORE_DEV="af_packet:$PERCORE_DUT_IF" \
  PERCORE_IP="$PERCORE_STACK_IP/24" PERCORE_STATS=1
mc_wait "$PERCORE_STACK_IP" in_peer
expect_creds memcached "$MC" memcache "$linux"
capable in_peer
memcaslap_check 3 32
mc_down
grep -a '^percore: ' "$TMP/mc.err" | grep -avE '^percore: pid [0-9]+ (shard [0-9]+|waiting)' &&
  fail "percore said more than its counters"
pass "af_packet: $((SECONDS - t0)) s"

t0=$SECONDS
[[ -z $(tap_interfaces) ]] || fail "a TAP interface already exists ($(tap_interfaces))"
step "the wrapper under percore on the default TAP device; clients in the root namespace"
mc_up LD_PRELOAD="$PERCORE_PRELOAD_LIB" PERCORE_STATS=1
wait_tap "$MC" "$TMP/mc.err"
mc_wait "$PERCORE_STACK_IP"
expect_creds memcached "$MC" memcache "$linux"
capable
memcaslap_check 3 32 root
mc_down
grep -a '^percore: ' "$TMP/mc.err" | grep -avE '^percore: pid [0-9]+ (shard [0-9]+|waiting)' &&
  fail "percore said more than its counters"
wait_tap_gone "memcached exited"
pass "TAP: $((SECONDS - t0)) s, no TAP interface left"

# docs/SERVICES.md's sudo lines. sudo resets the environment (hence env);
# as root, memcached drops to memcache itself and is served by percore.
# sudo -u starts it as memcache, without the device's privileges: one line
# says so and the kernel serves it.
# sudo_mc ARG...: sudo ARG... under timeout; MC is the memcached it runs.
sudo_mc() {
  timeout 120 sudo "$@" >"$TMP/mc.out" 2>"$TMP/mc.err" &
  local to=$! deadline=$((SECONDS + 10))
  _bg_pids+=("$to")
  until MC=$(pgrep -n -x memcached); do
    kill -0 "$to" 2>/dev/null || fail "sudo exited: $(cat "$TMP/mc.out" "$TMP/mc.err")"
    ((SECONDS < deadline)) || fail "no memcached under sudo after 10 s"
    sleep 0.05
  done
  _bg_pids+=("$MC")
}
command -v sudo >/dev/null || fail "no sudo (tools/percore setup installs it)"
t0=$SECONDS
step "sudo env LD_PRELOAD=libpercore.so PERCORE_DEV=af_packet:$PERCORE_DUT_IF ... memcached -u memcache"
sudo_mc env LD_PRELOAD="$PERCORE_PRELOAD_LIB" PERCORE_DEV="af_packet:$PERCORE_DUT_IF" \
  PERCORE_IP="$PERCORE_STACK_IP/24" memcached -u memcache -m 64 -p 11211 -l "$PERCORE_STACK_IP"
mc_wait "$PERCORE_STACK_IP" in_peer
expect_creds memcached "$MC" memcache "$linux"
mc_down
pass "sudo: served by percore as memcache, $((SECONDS - t0)) s"

t0=$SECONDS
step "sudo -u memcache env LD_PRELOAD=libpercore.so PERCORE_DEV=af_packet:$PERCORE_DUT_IF ... memcached -l 0.0.0.0"
sudo_mc -u memcache env LD_PRELOAD="$(user_lib)" PERCORE_DEV="af_packet:$PERCORE_DUT_IF" \
  PERCORE_IP="$PERCORE_STACK_IP/24" memcached -m 64 -p 11211 -l 0.0.0.0
mc_wait 127.0.0.1
mc_down
cat "$TMP/mc.err"
(($(grep -c "^percore: PERCORE_DEV=af_packet:$PERCORE_DUT_IF needs " "$TMP/mc.err") == 1)) ||
  fail "not exactly one line saying what the device needs"
pass "sudo -u: one line, the kernel served it on 127.0.0.1, $((SECONDS - t0)) s"
echo "time: ${SECONDS}s"
