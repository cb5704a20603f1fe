#!/usr/bin/env bash
# libpercore.so's start-up rules: a program that opens no TCP socket never
# starts DPDK; a bad PERCORE_* value or an unusable device is one line
# naming the cause and a failed socket call (never a DPDK panic), and with
# PERCORE_STRICT=1 a bad value stops the program at start.
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
python3 - "$lib" <<'PY' || fail "start-up cost"
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
sys.exit(0 if pre - plain < 5 else 1)
PY
pass "no DPDK for programs without TCP"

step "PERCORE_DEV=bogus: curl's connect fails, one line names PERCORE_DEV"
rc=0
err=$(PERCORE_DEV=bogus LD_PRELOAD=$lib timeout 20 curl -sS "http://$PERCORE_PEER_IP:9/" 2>&1) || rc=$?
echo "$err"
((rc != 0)) || fail "curl succeeded with a bad PERCORE_DEV"
grep -q "^percore: PERCORE_DEV: " <<<"$err" || fail "no line naming PERCORE_DEV"
grep -qi "panic" <<<"$err" && fail "DPDK panicked"
pass "PERCORE_DEV named, connect failed (exit $rc)"

step "PERCORE_DEV=af_packet:pc-none (no such interface): one line names PERCORE_DEV"
rc=0
err=$(PERCORE_DEV=af_packet:pc-none LD_PRELOAD=$lib timeout 20 curl -sS "http://$PERCORE_PEER_IP:9/" 2>&1) || rc=$?
echo "$err"
((rc != 0)) || fail "curl succeeded with a missing device"
grep -q "^percore: PERCORE_DEV=af_packet:pc-none: " <<<"$err" || fail "no line naming PERCORE_DEV"
pass "unusable device named, connect failed (exit $rc)"

step "PERCORE_STRICT=1 PERCORE_IP=garbage: the program stops at start"
rc=0
err=$(PERCORE_STRICT=1 PERCORE_IP=garbage LD_PRELOAD=$lib /bin/true 2>&1) || rc=$?
echo "$err"
((rc != 0)) || fail "/bin/true ran with PERCORE_STRICT=1 and a bad PERCORE_IP"
grep -q "^percore: PERCORE_IP: " <<<"$err" || fail "no line naming PERCORE_IP"
pass "stopped at start (exit $rc)"
