#!/usr/bin/env bash
# Instructions per 1 KiB TCP echo round trip through percore-node, counted
# by callgrind. A benchmark, not a test: it prints figures and does not judge
# them.
#
#   tools/bench/node_echo_callgrind.sh [--rounds N] [--warmup N] [--size BYTES]
#                                      [--idle SECONDS] [--out DIR] [--no-context]
#
# What it does (as root, holding the test network lock that
# `tools/percore test` holds, so it never runs over someone's tests):
#   1. tools/percore net up; percore-node on af_packet:pc-dut, 198.18.0.2/24,
#      under `valgrind --tool=callgrind --instr-atstart=no`: nothing is
#      instrumented, so nothing counted, during EAL and stack start-up.
#   2. From the peer namespace, tools/bench/echo_client.py connects to port 7,
#      does --warmup round trips (not counted), then --rounds measured ones:
#      send --size bytes, read until they are all back, compare. Instrumentation
#      is switched on (callgrind_control -i on) just before the first
#      measured round trip and off just after the last, then dumped.
#   3. With the connection still open and quiet, instrumentation is on again for
#      --idle seconds and is dumped: the cost of one idle poll-loop iteration.
#   4. Prints Ir per round trip, raw and net of idle polling (below), the
#      top functions of the measured phase (self and inclusive), the machine.
#   5. Unless --no-context: the same client, without valgrind, against the
#      node and against the Linux kernel (a Python echo server in the root
#      namespace on pc-dut), for wall-clock microseconds per round trip.
# The node is stopped and the test network removed on any exit.
#
# Why "net": the node busy-polls. Between two segments it spins through
# empty poll-loop iterations for as long as the peer (Python, Linux) takes
# to answer, and sleeps 200 us at a time after 1024 empty polls in a row;
# how many of those a round trip sees depends on timing, not on percore.
# The raw figure counts them; the net one leaves out the sleeps and one
# empty iteration's Ir (measured in step 3) per poll-loop iteration, which
# leaves the work the round trip itself costs. Costs are grouped per
# function by tools/bench/callgrind_profile.py (inlined header code stays
# with its function); the saved files also open in callgrind_annotate.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
# The figure is for the defaults: nothing PERCORE_* from the caller.
while read -r _var; do unset "$_var"; done < <(compgen -e PERCORE_ || true)
unset _var
# shellcheck disable=SC2034  # read by common.sh
PERCORE_ROOT=$ROOT
# shellcheck source=tools/lib/common.sh
source "$ROOT/tools/lib/common.sh"
# shellcheck source=tools/lib/node.sh
source "$ROOT/tools/lib/node.sh"
PERCORE=$ROOT/tools/percore
CLIENT=$ROOT/tools/bench/echo_client.py
PROFILE=$ROOT/tools/bench/callgrind_profile.py

rounds=2000 warmup=200 size=1024 idle=3 out='' context=1
LOCK_WAIT=${LOCK_WAIT:-1800}   # seconds to wait for the test network lock
usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}
while (($#)); do
  case $1 in
  --rounds) rounds=${2:?}; shift ;;
  --warmup) warmup=${2:?}; shift ;;
  --size) size=${2:?}; shift ;;
  --idle) idle=${2:?}; shift ;;
  --out) out=${2:?}; shift ;;
  --no-context) context=0 ;;
  -h | --help) usage 0 ;;
  *) echo "node_echo_callgrind: unknown argument $1" >&2; usage ;;
  esac
  shift
done
[[ $rounds =~ ^[1-9][0-9]*$ && $warmup =~ ^[0-9]+$ && $size =~ ^[1-9][0-9]*$ && $idle =~ ^[1-9][0-9]*$ ]] ||
  { echo "node_echo_callgrind: --rounds, --size and --idle must be positive integers" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "node_echo_callgrind: needs root (network namespaces)" >&2; exit 1; }
for tool in valgrind callgrind_control python3 flock; do
  command -v "$tool" >/dev/null || { echo "node_echo_callgrind: $tool is missing (tools/percore setup)" >&2; exit 1; }
done
[[ -x $PERCORE_NODE_BIN ]] ||
  { echo "node_echo_callgrind: $PERCORE_NODE_BIN is missing (ninja -C build tools/node/percore-node)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/percore-bench-callgrind.XXXXXX)
SYNC=$WORK/sync
mkdir -p "$SYNC"
VG_PID=
CLIENT_PID=
KERNEL_ECHO_PID=
_net_is_ours=0

cleanup() {
  local rc=$?
  [[ -z $CLIENT_PID ]] || { kill -TERM "$CLIENT_PID" 2>/dev/null || true; wait "$CLIENT_PID" 2>/dev/null || true; }
  if [[ -n $VG_PID ]]; then
    kill -TERM "$VG_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do kill -0 "$VG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$VG_PID" 2>/dev/null || true
    wait "$VG_PID" 2>/dev/null || true
  fi
  [[ -z $KERNEL_ECHO_PID ]] || { kill "$KERNEL_ECHO_PID" 2>/dev/null || true; wait "$KERNEL_ECHO_PID" 2>/dev/null || true; }
  node_cleanup
  if ((_net_is_ours)); then "$PERCORE" net down || true; fi
  rm -rf "$WORK"
  return "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

say() { echo "-- $*" >&2; }
die_bench() {
  echo "node_echo_callgrind: $*" >&2
  if [[ -s $WORK/node.err ]]; then
    echo "node stderr (last lines):" >&2
    tail -n 20 "$WORK/node.err" | sed 's/^/  /' >&2
  fi
  exit 1
}

# The test network is one per machine: the same lock tools/percore test
# (tools/lib/test.sh: hold_network_lock) holds.
exec {NET_LOCK}>/run/lock/percore-test-net.lock
if ! flock -n "$NET_LOCK"; then
  say "waiting (at most ${LOCK_WAIT}s) for another percore run to release the test network"
  flock -w "$LOCK_WAIT" "$NET_LOCK" || die_bench "the test network lock was not released within ${LOCK_WAIT}s"
fi
_net_is_ours=1
"$PERCORE" net up || die_bench "tools/percore net up failed"

in_peer() { ip netns exec "$PERCORE_NETNS" "$@"; }

# cg COMMAND...: callgrind_control on the node, bounded.
cg() { timeout --kill-after=5 60 callgrind_control "$@" "$VG_PID" >>"$WORK/callgrind_control.log" 2>&1; }

wait_file() {
  local path=$1 limit=$2 pid=$3 deadline=$((SECONDS + $2))
  until [[ -e $path ]]; do
    kill -0 "$pid" 2>/dev/null || die_bench "the client exited before $(basename "$path") (see above)"
    ((SECONDS < deadline)) || die_bench "$(basename "$path") did not appear within ${limit}s"
    sleep 0.01
  done
}

# newest_dump: the dump callgrind_control -d just wrote.
newest_dump() {
  local f='' g
  for g in "$WORK"/callgrind.out.node.*; do
    [[ -e $g ]] || continue
    [[ -z $f || $g -nt $f ]] && f=$g
  done
  [[ -n $f ]] || die_bench "callgrind wrote no dump: $(tail -n 5 "$WORK/callgrind_control.log")"
  echo "$f"
}

# ---- 1. the node under callgrind -----------------------------------------
say "percore-node on af_packet:$PERCORE_DUT_IF under callgrind (instrumentation off)"
(
  cd "$WORK"
  exec valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$WORK/callgrind.out.node" \
    "$PERCORE_NODE_BIN" --dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24"
) >"$WORK/node.out" 2>"$WORK/node.err" &
VG_PID=$!
deadline=$((SECONDS + 120))
until grep -q '^percore node ready' "$WORK/node.out"; do
  kill -0 "$VG_PID" 2>/dev/null || { VG_PID=; die_bench "the node exited under valgrind before it was ready"; }
  ((SECONDS < deadline)) || die_bench "the node was not ready under valgrind within 120s"
  sleep 0.2
done
say "$(grep -m1 '^percore node ready' "$WORK/node.out")"

# ---- 2. warm-up, measured round trips ------------------------------------
say "client: $warmup warm-up + $rounds measured round trips of $size bytes to $PERCORE_STACK_IP:7"
timeout --kill-after=5 $((600 + rounds / 5)) ip netns exec "$PERCORE_NETNS" \
  python3 "$CLIENT" "$PERCORE_STACK_IP" 7 --warmup "$warmup" --rounds "$rounds" --size "$size" \
  --sync "$SYNC" --sync-timeout 300 >"$WORK/client.out" 2>"$WORK/client.err" &
CLIENT_PID=$!
wait_file "$SYNC/warm.done" 300 "$CLIENT_PID"
cg -i on || die_bench "callgrind_control -i on failed: $(tail -n 5 "$WORK/callgrind_control.log")"
touch "$SYNC/go"
wait_file "$SYNC/measured.done" $((300 + rounds / 5)) "$CLIENT_PID"
cg -i off || die_bench "callgrind_control -i off failed"
cg -d measured || die_bench "callgrind_control -d failed"
measured_file=$(newest_dump)

# ---- 3. idle poll-loop iterations, connection open and quiet -------------
sleep 0.5
cg -z || die_bench "callgrind_control -z failed"
cg -i on || die_bench "callgrind_control -i on failed"
sleep "$idle"
cg -i off || die_bench "callgrind_control -i off failed"
cg -d idle || die_bench "callgrind_control -d failed"
idle_file=$(newest_dump)
[[ $idle_file != "$measured_file" ]] || die_bench "the idle dump did not appear"

touch "$SYNC/release"
rc=0
wait "$CLIENT_PID" || rc=$?
CLIENT_PID=
[[ -s $WORK/client.err ]] && sed 's/^/  client: /' "$WORK/client.err" >&2
((rc == 0)) || die_bench "the client failed (exit $rc)"
client_line=$(cat "$WORK/client.out")

say "stop node"
kill -TERM "$VG_PID"
rc=0
for ((i = 0; i < 600; i++)); do kill -0 "$VG_PID" 2>/dev/null || break; sleep 0.1; done
wait "$VG_PID" || rc=$?
VG_PID=
((rc == 0)) || die_bench "the node exited with status $rc after SIGTERM"
services_line=$(grep -m1 'services accepted=' "$WORK/node.err" || true)

# ---- 4. figures -----------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
cores=$(grep -c '^processor' /proc/cpuinfo)
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- stack tools/node preload 2>/dev/null || rev="$rev+dirty"

python3 "$PROFILE" "$measured_file" "$idle_file" "$rounds" "$size" 10 ||
  die_bench "the callgrind dumps could not be read"
echo
echo "client under callgrind: $client_line"
[[ -z $services_line ]] || echo "node: ${services_line#percore node: }"
echo "machine: $cpu, $cores cores, Linux $(uname -r); $(valgrind --version); percore $rev, build/ $(grep -o "buildtype=[a-z]*" "$ROOT/meson.build" | head -n1)"

if [[ -n $out ]]; then
  mkdir -p "$out"
  cp "$measured_file" "$out/callgrind.out.measured"
  cp "$idle_file" "$out/callgrind.out.idle"
  cp "$WORK/node.err" "$out/node.stderr"
  echo "callgrind files: $out/callgrind.out.measured, $out/callgrind.out.idle (callgrind_annotate, kcachegrind)"
fi

# ---- 5. context: wall clock, node natively and the Linux kernel -----------
if ((context)); then
  echo
  echo "context, wall clock (no valgrind), same client, $rounds round trips of $size bytes:"
  # shellcheck disable=SC2034  # read by node.sh
  NODE_READY_TIMEOUT=30 NODE_LOGDIR=$WORK
  node_start --dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24" || die_bench "the node did not start natively"
  line=$(timeout --kill-after=5 300 ip netns exec "$PERCORE_NETNS" \
    python3 "$CLIENT" "$PERCORE_STACK_IP" 7 --warmup "$warmup" --rounds "$rounds" --size "$size") ||
    die_bench "the client failed against the native node"
  echo "  percore-node (af_packet, busy-polling): $line"
  node_stop || die_bench "the native node did not stop cleanly"

  # The kernel's side: pc-dut gets the node's address for the duration, and
  # a Python echo server (recv/sendall) in the root namespace answers.
  ip addr add "$PERCORE_STACK_IP/24" dev "$PERCORE_DUT_IF"
  in_peer ip neigh flush dev "$PERCORE_PEER_IF" >/dev/null 2>&1 || true
  timeout --kill-after=5 300 python3 -c '
import socket, sys
ls = socket.create_server((sys.argv[1], 7), reuse_port=False)
print("listening", flush=True)
c, _ = ls.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buf = bytearray(65536)
while True:
    n = c.recv_into(buf)
    if n == 0:
        break
    c.sendall(memoryview(buf)[:n])
' "$PERCORE_STACK_IP" >"$WORK/kernel_echo.out" 2>&1 &
  KERNEL_ECHO_PID=$!
  deadline=$((SECONDS + 10))
  until grep -q listening "$WORK/kernel_echo.out"; do
    kill -0 "$KERNEL_ECHO_PID" 2>/dev/null || die_bench "the kernel echo server failed: $(cat "$WORK/kernel_echo.out")"
    ((SECONDS < deadline)) || die_bench "the kernel echo server did not listen within 10s"
    sleep 0.05
  done
  line=$(timeout --kill-after=5 300 ip netns exec "$PERCORE_NETNS" \
    python3 "$CLIENT" "$PERCORE_STACK_IP" 7 --warmup "$warmup" --rounds "$rounds" --size "$size") ||
    die_bench "the client failed against the kernel echo server"
  echo "  Linux kernel (veth, Python recv/sendall server): $line"
  wait "$KERNEL_ECHO_PID" 2>/dev/null || true
  KERNEL_ECHO_PID=
  ip addr del "$PERCORE_STACK_IP/24" dev "$PERCORE_DUT_IF" 2>/dev/null || true
fi
