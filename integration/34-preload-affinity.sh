#!/usr/bin/env bash
# A program started with `taskset -c N` under libpercore.so keeps running on
# CPU N after its stack starts: rte_eal_init binds the thread that calls it
# to lcore 0's CPU, and the stack must give that thread back the CPUs it
# had, so that every thread of the program (the application's, the stack's
# progress thread, DPDK's) stays on N.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

cpu=$(($(nproc) - 1))
((cpu > 0)) || fail "needs at least 2 CPUs (CPU 0 is the one the EAL binds to)"
net_up
step "taskset -c $cpu tools/percore run --dev af_packet:$PERCORE_DUT_IF -- nc -l 8080"
taskset -c "$cpu" "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24" -- \
  timeout 60 nc -l 8080 >"$TMP/received" 2>"$TMP/nc.err" &
server=$!
_bg_pids+=("$server")
# The stack is up once it answers ping (it starts at listen() or soon after).
deadline=$((SECONDS + 30))
until in_peer ping -c 1 -W 1 "$PERCORE_STACK_IP" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || fail "nc under percore exited: $(cat "$TMP/nc.err")"
  ((SECONDS < deadline)) || fail "the stack did not answer ping within 30s"
done
nc_pid=$(pgrep -P "$server" -x nc || true)
[[ -n $nc_pid ]] || fail "no nc process under $server"

step "the CPUs of every thread of nc ($nc_pid)"
bad=0
for task in /proc/"$nc_pid"/task/*; do
  allowed=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$task/status")
  echo "  $(cat "$task/comm") (${task##*/}): $allowed"
  [[ $allowed == "$cpu" ]] || bad=1
done
((bad == 0)) || fail "a thread of nc left CPU $cpu"
pass "every thread on CPU $cpu"

step "nc still receives"
echo hello | in_peer timeout 10 nc -N "$PERCORE_STACK_IP" 8080 || fail "the peer's nc failed"
wait "$server" || fail "nc under percore exited with status $?: $(cat "$TMP/nc.err")"
[[ $(cat "$TMP/received") == hello ]] || fail "nc received '$(cat "$TMP/received")'"
pass "received hello"
