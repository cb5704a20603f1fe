# Shared by the integration scripts: source it first. Not a test itself (not
# executable, so `tools/percore test --integration` does not run it).
#
# Each script sets up what it needs, checks, and tears down through the EXIT
# trap installed here, whether it passes, fails or is stopped by the
# runner's timeout: the node is stopped, the test network removed (if this
# script brought it up) and the scratch directory deleted.
set -euo pipefail

# Tests start from the defaults: nothing PERCORE_* leaks in from the caller.
while read -r _var; do unset "$_var"; done < <(compgen -e PERCORE_ || true)
unset _var

source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/lib/common.sh"
source "$PERCORE_ROOT/tools/lib/node.sh"

PERCORE=$PERCORE_ROOT/tools/percore
TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "/tmp/percore-$TEST_NAME.XXXXXX")
NODE_LOGDIR=$TMP
_net_is_ours=0

_bg_pids=()

_cleanup() {
  local rc=$? pid
  for pid in "${_bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # A daemon (not this shell's child: nginx's master after `daemon on`)
  # is given 5 s to go before the network it uses does.
  local deadline=$((SECONDS + 5))
  for pid in "${_bg_pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  done
  node_cleanup
  if ((_net_is_ours)); then
    "$PERCORE" net down || true
  fi
  rm -rf "$TMP"
  return "$rc"
}
trap _cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

step() { echo "-- $*"; }
pass() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*" >&2
  if [[ -n ${NODE_STDERR:-} && -s ${NODE_STDERR:-} ]]; then
    echo "node stderr:" >&2
    sed 's/^/  /' "$NODE_STDERR" >&2
  fi
  exit 1
}

[[ $(id -u) -eq 0 ]] || fail "$TEST_NAME needs root"
[[ -x $PERCORE_NODE_BIN ]] || "$PERCORE" build >&2 || fail "build failed"

# The test network of tools/percore net; removed again on exit.
net_up() {
  step "net up ($PERCORE_NETNS: $PERCORE_PEER_CIDR on $PERCORE_PEER_IF; $PERCORE_DUT_IF in the root namespace)"
  _net_is_ours=1
  "$PERCORE" net up || fail "tools/percore net up failed"
}

in_peer() { ip netns exec "$PERCORE_NETNS" "$@"; }

# start_node ARGS...: node in the background, waiting for its ready line.
start_node() {
  step "node $*"
  node_start "$@" || fail "node did not become ready"
  echo "$NODE_READY"
}

# stop_node: SIGTERM; the node must exit 0 within NODE_STOP_TIMEOUT.
stop_node() {
  step "stop node"
  local rc=0
  node_stop || rc=$?
  ((rc == 0)) || fail "node exited with status $rc after SIGTERM"
}

# expect_ping N [in_peer] ping ARGS...: the ping must report N replies.
expect_ping() {
  local want=$1 out rc=0
  shift
  step "$* (expect $want replies)"
  local cmd=("$@")
  [[ ${cmd[0]} != in_peer ]] || cmd=(ip netns exec "$PERCORE_NETNS" "${cmd[@]:1}")
  out=$(timeout 60 "${cmd[@]}" 2>&1) || rc=$?
  echo "$out"
  local got
  got=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' <<<"$out" | tail -n1)
  [[ ${got:-0} -eq $want ]] || fail "expected $want replies, got ${got:-none} (ping exit $rc)"
  pass "$want replies"
}

# tap_interfaces: names of interfaces that look like the node's TAP device.
tap_interfaces() {
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^pctap' || true
}

# wait_tap_gone WHAT: every TAP interface gone within 10 s of WHAT (the
# server exited: its stack removes the interface it made).
wait_tap_gone() {
  local deadline=$((SECONDS + 10))
  while [[ -n $(tap_interfaces) ]]; do
    ((SECONDS < deadline)) || fail "TAP interface $(tap_interfaces) left 10 s after $1"
    sleep 0.1
  done
}

# ping_over_veth DEV: the node on DEV (af_packet:pc-dut, af_xdp:pc-dut)
# answers 5 pings from the Linux peer, which learns the node's MAC by ARP.
ping_over_veth() {
  local dev=$1
  net_up
  start_node --dev "$dev" --ip "$PERCORE_STACK_IP/24"
  local mac
  mac=$(node_field mac) || fail "the ready line has no mac= field"
  expect_ping 5 in_peer ping -c 5 -W 2 -i 0.2 "$PERCORE_STACK_IP"

  step "the peer's neighbour entry for $PERCORE_STACK_IP is the node's MAC $mac"
  local neigh
  neigh=$(in_peer ip neigh show "$PERCORE_STACK_IP" dev "$PERCORE_PEER_IF")
  echo "$neigh"
  grep -qi "lladdr $mac" <<<"$neigh" || fail "neighbour entry '$neigh' does not show $mac"
  pass "ARP resolved $PERCORE_STACK_IP to $mac"
  stop_node
}

# TCP interop with the Linux peer (integration/2*.sh). The Linux side is
# integration/tcp_peer.py, run in the peer namespace; the node serves echo
# (7), discard (9) and source (19) on af_packet:pc-dut.
PERCORE_TCP_FAULTS="loss=3%,reorder=5%,dup=1%,corrupt=0.5%"
PEER_OUT=

# start_tcp_node: the test network, then the node on af_packet:pc-dut with
# whatever PERCORE_* the caller exported.
start_tcp_node() {
  net_up
  start_node --dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24"
}

# peer LIMIT COMMAND ARGS...: tcp_peer.py COMMAND in the peer namespace,
# stopped after LIMIT seconds; its key=value line is left in PEER_OUT.
peer() {
  local limit=$1 rc=0
  shift
  step "tcp_peer.py $* (in $PERCORE_NETNS, at most ${limit}s)"
  PEER_OUT=$(timeout --kill-after=5 "$limit" ip netns exec "$PERCORE_NETNS" \
    python3 "$PERCORE_ROOT/integration/tcp_peer.py" "$@" 2>"$TMP/peer.err") || rc=$?
  if [[ -s $TMP/peer.err ]]; then sed 's/^/  /' "$TMP/peer.err" >&2; fi
  ((rc != 124 && rc != 137)) || fail "tcp_peer.py $1 did not finish in ${limit}s"
  ((rc == 0)) || fail "tcp_peer.py $1 failed (exit $rc)"
  echo "$PEER_OUT"
}

# peer_server LIMIT OUT COMMAND ARGS...: a tcp_peer.py serve-* command in the
# background (stopped after LIMIT seconds, and on exit), its output in OUT;
# returns once it listens. SERVER_PID is its pid, for wait_peer_server.
SERVER_PID=
peer_server() {
  local limit=$1 out=$2
  shift 2
  step "tcp_peer.py $* (in $PERCORE_NETNS, background, at most ${limit}s)"
  # Emptied here, not by the background job's redirection, which may come
  # after the first look for "listening" and leave an earlier server's line.
  : >"$out"
  timeout --kill-after=5 "$limit" ip netns exec "$PERCORE_NETNS" \
    python3 "$PERCORE_ROOT/integration/tcp_peer.py" "$@" >"$out" 2>&1 &
  SERVER_PID=$!
  _bg_pids+=("$SERVER_PID")
  local deadline=$((SECONDS + 10))
  until grep -q '^listening' "$out"; do
    kill -0 "$SERVER_PID" 2>/dev/null || fail "tcp_peer.py $1 exited: $(cat "$out")"
    ((SECONDS < deadline)) || fail "tcp_peer.py $1 is not listening after 10s"
    sleep 0.1
  done
}

# wait_peer_server OUT: the server's exit status must be 0; its result line
# is left in PEER_OUT.
wait_peer_server() {
  local rc=0
  wait "$SERVER_PID" || rc=$?
  PEER_OUT=$(grep -v '^listening' "$1" || true)
  echo "$PEER_OUT"
  ((rc == 0)) || fail "the Linux server failed (exit $rc)"
}

# kv NAME LINE: the value of NAME=VALUE in LINE.
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | head -n1; }

# random_file PATH MIB: MIB MiB of random bytes.
random_file() { head -c "$(($2 << 20))" /dev/urandom >"$1"; }

# memcaslap_check SECONDS CONNECTIONS [root]: memcaslap against the stack's
# memcached on port 11211, from the peer (or, with "root", from the root
# namespace: the default TAP device); fails on an error or no throughput.
# Prints ops/s and the latency of memcaslap's total statistics.
memcaslap_check() {
  local secs=$1 conns=$2 where=${3:-peer}
  local client=(ip netns exec "$PERCORE_NETNS")
  [[ $where == peer ]] || client=()
  step "memcaslap -c $conns for $secs s from the $where namespace"
  "${client[@]}" timeout 60 memcaslap -s "$PERCORE_STACK_IP:11211" -t "${secs}s" -c "$conns" -T 1 \
    -S "${secs}s" >"$TMP/slap" 2>&1 || fail "memcaslap failed: $(tail -20 "$TMP/slap")"
  tail -4 "$TMP/slap"
  local tps lat
  tps=$(sed -n 's/.*TPS: \([0-9]*\).*/\1/p' "$TMP/slap" | tail -n1)
  [[ -n $tps && $tps -gt 0 ]] || fail "no TPS in memcaslap's output"
  if grep -qiE "error|fail" "$TMP/slap"; then fail "memcaslap reported errors"; fi
  # The last "Total Statistics (N events)" block: Min, Max, Avg in us.
  lat=$(awk '/^Total Statistics \(/{t=1; next} t && /Min:/{mn=$2} t && /Max:/{mx=$2} t && /Avg:/{av=$2}
             END {if (av != "") printf ", latency avg %s us, min %s us, max %s us", av, mn, mx}' "$TMP/slap")
  pass "memcaslap: $tps ops/s$lat, no errors"
}

# memcstat_wait PID: until memcached on percore (process PID) answers
# memcstat from the peer, its statistics left in $TMP/stat; 30 s at most.
memcstat_wait() {
  local pid=$1 deadline=$((SECONDS + 30))
  until in_peer timeout 3 memcstat --servers="$PERCORE_STACK_IP:11211" >"$TMP/stat" 2>&1; do
    kill -0 "$pid" 2>/dev/null || fail "memcached exited: $(cat "$TMP/mc.err")"
    ((SECONDS < deadline)) || fail "memcached on percore did not answer memcstat in 30s"
    sleep 0.5
  done
}

# mc_data_check WHERE SECONDS ARGS...: integration/mc_check.py's 10,000 keys
# of 1 B-500 KiB set and read back against memcached on percore, from the
# peer's namespace (WHERE=peer) or the root namespace (root); ARGS go to
# mc_check.py (server threads, --pipeline).
mc_data_check() {
  local where=$1 limit=$2 out run=()
  shift 2
  [[ $where == peer ]] && run=(in_peer)
  step "data check: 10,000 keys of 1 B-500 KiB, set then read back"
  out=$("${run[@]}" timeout "$limit" python3 "$PERCORE_ROOT/integration/mc_check.py" \
    "$PERCORE_STACK_IP" 11211 10000 "$@") || fail "data check failed: $out"
  echo "$out"
  pass "every value read back byte-exact"
}

# wait_tap PID ERR: waits until 198.18.0.2 is routed through a pctap device
# that carries 198.18.0.1 (the stack starts, and creates its TAP device,
# when the server first waits or drops its privileges); only then may
# anything be sent there (without it, 198.18.0.2 leaves by the default
# route). Fails if process PID exits first (ERR: its output).
wait_tap() {
  local pid=$1 err=$2 deadline=$((SECONDS + 30)) via
  until via=$(route_dev "$PERCORE_STACK_IP") && [[ $via == pctap* ]] &&
    ip -br addr show dev "$via" 2>/dev/null | grep -q "$PERCORE_PEER_IP"; do
    kill -0 "$pid" 2>/dev/null || fail "the server under percore exited: $(cat "$err")"
    ((SECONDS < deadline)) ||
      fail "no TAP device routes to $PERCORE_STACK_IP after 30 s; percore said: $(grep -a '^percore: ' "$err" | tail -3)"
    sleep 0.2
  done
  echo "$PERCORE_STACK_IP via $via: $(ip -br addr show dev "$via")"
}

# Servers run as Debian runs them, as their own users (nginx's workers as
# www-data, memcached -u memcache, redis-server as redis).
# memcache_user: the memcache user and group, created as memcached's
# postinst does if they are missing.
memcache_user() {
  getent group memcache >/dev/null || addgroup --system memcache >/dev/null
  getent passwd memcache >/dev/null ||
    adduser --system --disabled-login --ingroup memcache --home /nonexistent --no-create-home \
      --gecos Memcached --shell /bin/false memcache >/dev/null
}

# share_tmp: the scratch directory (mktemp's 0700) readable by the servers'
# users: what they read (a web root) lies in it, made a+rX by the script.
share_tmp() { chmod 755 "$TMP"; }

# user_lib: the path of a copy of libpercore.so in the scratch directory,
# for a process that is not root from its start: ld.so opens LD_PRELOAD as
# that user, and the build tree may lie where only root enters (a clone in
# mktemp's 0700 directory, /root). Installed, it lies in /usr/local/lib.
user_lib() {
  share_tmp
  install -m 755 "$PERCORE_PRELOAD_LIB" "$TMP/libpercore.so"
  echo "$TMP/libpercore.so"
}

# creds PID: the identity and capability sets of process PID, as
# /proc/PID/status shows them, on one line ("Uid: 33 33 33 33 | Gid: ... |
# Groups: 33 | CapInh: ... | CapPrm: ... | CapEff: ... | CapBnd: ... |
# CapAmb: ...").
creds() {
  awk '/^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb):/ {$1 = $1; s = s (s == "" ? "" : " | ") $0}
       END {print s}' "/proc/$1/status" 2>/dev/null
}

# expect_creds WHAT PID USER LINUX: process PID runs as USER (all four uids)
# and its creds are LINUX's, those of the same program run the same way on
# the Linux kernel (read with creds, never written down here).
expect_creds() {
  local what=$1 pid=$2 user=$3 want=$4 got uid
  got=$(creds "$pid")
  [[ -n $got ]] || fail "$what $pid: no /proc/$pid/status"
  uid=$(id -u "$user")
  [[ $got == "Uid: $uid $uid $uid $uid |"* ]] || fail "$what $pid does not run as $user ($uid): $got"
  [[ $got == "$want" ]] || fail "$what $pid: '$got', on Linux: '$want'"
  echo "$what $pid: $got"
}
