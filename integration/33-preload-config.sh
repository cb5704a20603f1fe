#!/usr/bin/env bash
# libpercore.so's start-up rules: a program that opens no TCP socket never
# starts DPDK; a bad PERCORE_* value is one line naming it and a failed
# socket call (never a DPDK panic); a device that does not come up is one
# line naming it and the kernel's sockets; with PERCORE_STRICT=1 a bad value
# stops the program at start. A server started
# without the device's privileges (memcached as memcache, no capabilities,
# on af_packet:pc-dut) says once what it lacks and its INADDR_ANY listener
# is the kernel's (it answers on 127.0.0.1, no stack answers the peer's
# ping); with PERCORE_STRICT=1 it stops.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"
lib=$PERCORE_PRELOAD_LIB

step "LD_PRELOAD=libpercore.so /bin/true, sh -c ls, python3 -c 'print(1)' start no DPDK"
# DPDK leaves /var/run/dpdk/percore-<pid> behind each process that started
# it: none may appear for these.
before=$(ls /var/run/dpdk 2>/dev/null || true)
for cmd in "/bin/true" "sh -c ls" "python3 -c print(1)"; do
  # shellcheck disable=SC2086
  out=$(LD_PRELOAD=$lib $cmd 2>&1 >/dev/null) || fail "$cmd failed under libpercore.so: $out"
  [[ -z $out ]] || fail "$cmd printed on stderr under libpercore.so: $out"
done
after=$(ls /var/run/dpdk 2>/dev/null || true)
[[ $before == "$after" ]] || fail "a DPDK runtime directory appeared: $(comm -13 <(echo "$before") <(echo "$after"))"
# The cost of loading the library (its ~30 shared objects) is printed, not
# judged: a timed assertion fails on a slower machine, not on a regression
# (7.8-9.2 ms on the 2-core VM on 2026-12-08, the same with 30ec311's
# library). What must hold is above: no DPDK, nothing printed.
python3 - "$lib" <<'PY' || fail "timing /bin/true"
import os, subprocess, sys, time
def best(env):
    b = 1e9
    for _ in range(30):
        t = time.perf_counter(); subprocess.run(["/bin/true"], env=env, check=True)
        b = min(b, time.perf_counter() - t)
    return b * 1000
plain = best(dict(os.environ))
pre = best(dict(os.environ, LD_PRELOAD=sys.argv[1]))
print("/bin/true: %.2f ms plain, %.2f ms with libpercore.so (+%.2f ms, best of 30)" % (plain, pre, pre - plain))
PY
pass "no DPDK for programs without TCP"

# The clients below run in a network namespace of their own (loopback
# only, the peer's address on it, a kernel HTTP server there): whatever
# reaches the kernel stays on this machine, and a connection the kernel
# carried is seen to succeed.
isolated() {
  unshare --net bash -c '
    ip link set lo up && ip addr add "$0/32" dev lo || exit 99
    python3 -m http.server --bind "$0" 8080 >/dev/null 2>&1 &
    for _ in $(seq 50); do python3 -c "import socket,sys; socket.create_connection((sys.argv[1], 8080), 1)" "$0" 2>/dev/null && break; sleep 0.1; done
    "$@"; rc=$?; kill $!; exit $rc' "$PERCORE_PEER_IP" "$@"
}

step "PERCORE_DEV=bogus: curl's connect fails, one line names PERCORE_DEV"
rc=0
err=$(isolated env PERCORE_DEV=bogus LD_PRELOAD="$lib" timeout 20 curl -sS -o /dev/null "http://$PERCORE_PEER_IP:8080/" 2>&1) || rc=$?
echo "$err"
((rc != 99)) || fail "could not set up the namespace"
((rc != 0)) || fail "curl succeeded with a bad PERCORE_DEV"
grep -q "^percore: PERCORE_DEV: " <<<"$err" || fail "no line naming PERCORE_DEV"
grep -qi "panic" <<<"$err" && fail "DPDK panicked"
pass "PERCORE_DEV named, connect failed (exit $rc)"

step "PERCORE_DEV=af_packet:pc-none (no such interface): one line names it, the kernel carries the connection"
rc=0
err=$(isolated env PERCORE_DEV=af_packet:pc-none LD_PRELOAD="$lib" timeout 20 curl -sS -o /dev/null "http://$PERCORE_PEER_IP:8080/" 2>&1) || rc=$?
echo "$err"
((rc != 99)) || fail "could not set up the namespace"
((rc == 0)) || fail "curl failed (exit $rc): a device that does not come up leaves the sockets to the kernel"
(($(grep -c "^percore: PERCORE_DEV=af_packet:pc-none: " <<<"$err") == 1)) || fail "not exactly one line naming PERCORE_DEV"
grep -qi "panic" <<<"$err" && fail "DPDK panicked"
pass "unusable device named once, the kernel served"

step "PERCORE_STRICT=1 PERCORE_IP=garbage: the program stops at start"
rc=0
err=$(PERCORE_STRICT=1 PERCORE_IP=garbage LD_PRELOAD=$lib /bin/true 2>&1) || rc=$?
echo "$err"
((rc != 0)) || fail "/bin/true ran with PERCORE_STRICT=1 and a bad PERCORE_IP"
grep -q "^percore: PERCORE_IP: " <<<"$err" || fail "no line naming PERCORE_IP"
pass "stopped at start (exit $rc)"

# A server started without the device's privileges (not as root, no
# capabilities given: what systemd's User= alone gives) on af_packet.
net_up
memcache_user
unprivileged=(setpriv --reuid=memcache --regid=memcache --init-groups env LD_PRELOAD="$(user_lib)"
  PERCORE_DEV="af_packet:$PERCORE_DUT_IF" PERCORE_IP="$PERCORE_STACK_IP/24")
step "memcached -l 0.0.0.0 as memcache without capabilities, on af_packet: one line, and the kernel serves it"
"${unprivileged[@]}" timeout 60 memcached -l 0.0.0.0 -p 11311 -U 0 >"$TMP/mc.out" 2>"$TMP/mc.err" &
mc=$!
_bg_pids+=("$mc")
deadline=$((SECONDS + 10))
until timeout 3 memcstat --servers=127.0.0.1:11311 >"$TMP/stat" 2>&1; do
  kill -0 "$mc" 2>/dev/null || fail "memcached exited: $(cat "$TMP/mc.err")"
  ((SECONDS < deadline)) || fail "memcached did not answer on 127.0.0.1:11311 in 10 s: $(cat "$TMP/mc.err")"
  sleep 0.1
done
for _ in 1 2 3; do
  timeout 3 memcstat --servers=127.0.0.1:11311 >/dev/null || fail "memcstat on 127.0.0.1 failed"
done
grep -E "^\s+(pid|uptime):" "$TMP/stat"
pass "memcached answers on 127.0.0.1 (4 connections)"
uid=$(id -u memcache)
cat "$TMP/mc.err"
n=$(grep -c "^percore: PERCORE_DEV=af_packet:$PERCORE_DUT_IF needs .*CAP_NET_RAW.*, which this process (uid $uid) does not have: its TCP sockets are the Linux kernel's" "$TMP/mc.err" || true)
((n == 1)) || fail "$n lines say what the device needs, not 1"
[[ $(grep -c '^percore: ' "$TMP/mc.err") -eq 1 ]] || fail "percore said more than that line"
if in_peer ping -c 2 -W 1 -i 0.2 "$PERCORE_STACK_IP" >/dev/null 2>&1; then
  fail "$PERCORE_STACK_IP answers ping: a stack started"
fi
pass "one line names the missing capabilities; no stack on $PERCORE_DUT_IF (no ping reply)"
kill -TERM "$mc"
wait "$mc" || true

step "the same with PERCORE_STRICT=1: memcached stops"
rc=0
"${unprivileged[@]}" PERCORE_STRICT=1 timeout 20 memcached -l 0.0.0.0 -p 11311 -U 0 >"$TMP/mc.out" 2>"$TMP/mc.err" || rc=$?
cat "$TMP/mc.err"
((rc != 0 && rc != 124)) || fail "memcached did not stop (exit $rc)"
grep -q "^percore: PERCORE_DEV=af_packet:$PERCORE_DUT_IF needs .*stopping (PERCORE_STRICT=1)" "$TMP/mc.err" ||
  fail "no line saying it stops"
pass "stopped (exit $rc)"
