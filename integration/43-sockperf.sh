#!/usr/bin/env bash
# Debian's sockperf, unmodified, both ways over TCP on af_packet:pc-dut:
# `sockperf sr --tcp` under libpercore.so with `sockperf pp` (latency) and
# `sockperf tp` (throughput) from the Linux peer; then the reverse, the
# server on the peer and both clients under libpercore.so. Each client runs
# 3 s and must print its summary (ping-pong: no dropped, duplicated or
# out-of-order messages); each server, stopped by SIGINT once the
# connections are done, must have handled every message its clients sent.
# The figures are printed, not judged.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

PORT=11111
SECS=3

# Without the colour escapes sockperf wraps some of its lines in.
plain() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }

# pp_check OUT WHERE: the ping-pong client's summary in OUT; prints the
# latency figures.
pp_check() {
  local out=$1 where=$2 txt
  txt=$(plain "$out")
  grep -q "Summary: Latency is" <<<"$txt" || fail "sockperf pp ($where) printed no latency summary: $txt"
  grep -q "# dropped messages = 0; # duplicated messages = 0; # out-of-order messages = 0" <<<"$txt" ||
    fail "sockperf pp ($where) lost, duplicated or reordered messages: $(grep 'dropped messages' <<<"$txt")"
  local n avg p50 p99 p999
  n=$(sed -n 's/.*\[Valid Duration\].*ReceivedMessages=\([0-9]*\).*/\1/p' <<<"$txt")
  avg=$(sed -n 's/.*avg-latency=\([0-9.]*\).*/\1/p' <<<"$txt")
  p50=$(sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p' <<<"$txt")
  p99=$(sed -n 's/.*percentile 99.000 = *\([0-9.]*\).*/\1/p' <<<"$txt")
  p999=$(sed -n 's/.*percentile 99.900 = *\([0-9.]*\).*/\1/p' <<<"$txt")
  [[ ${n:-0} -gt 0 && -n $avg && -n $p50 && -n $p99 && -n $p999 ]] ||
    fail "sockperf pp ($where): no round trips or no percentiles: $txt"
  pass "sockperf pp ($where): $n round trips, latency avg $avg us, p50 $p50 us, p99 $p99 us, p99.9 $p999 us"
}

# tp_check OUT WHERE: the throughput client's summary in OUT.
tp_check() {
  local out=$1 where=$2 txt rate mbps
  txt=$(plain "$out")
  rate=$(sed -n 's/.*Summary: Message Rate is \([0-9]*\) \[msg\/sec\].*/\1/p' <<<"$txt")
  mbps=$(sed -n 's/.*Summary: BandWidth is \([0-9.]*\) MBps.*/\1/p' <<<"$txt")
  [[ ${rate:-0} -gt 0 && -n $mbps ]] || fail "sockperf tp ($where) printed no message rate: $txt"
  pass "sockperf tp ($where): $rate msg/s, $mbps MB/s (14-byte messages)"
}

# client WHERE OUT CMD...: a sockperf client, at most 30 s; exit 0 and its
# output shown.
client() {
  local where=$1 out=$2 rc=0
  shift 2
  step "$* ($where)"
  timeout --kill-after=5 30 "$@" >"$out" 2>&1 || rc=$?
  plain "$out" | grep -E "Summary|percentile (50|99)\.|avg-latency|dropped" | sed 's/^/  /' || true
  ((rc == 0)) || fail "sockperf ($where) exited with status $rc: $(plain "$out")"
}

# sent PP_OUT TP_OUT: how many messages the two clients sent, warm-up
# included (what the server counts).
sent() {
  local pp tp
  pp=$(plain "$1" | sed -n 's/.*\[Total Run\].*SentMessages=\([0-9]*\).*/\1/p')
  tp=$(plain "$2" | sed -n 's/.*Total of \([0-9]*\) messages sent.*/\1/p')
  echo $((${pp:-0} + ${tp:-0}))
}

# quiet: the peer's connections to or from PORT are closed or closing with
# everything acknowledged (FIN-WAIT-2, TIME-WAIT), at most 10 s.
quiet() {
  local deadline=$((SECONDS + 10))
  while in_peer ss -Htn state established state syn-sent state syn-recv state fin-wait-1 \
    state close-wait state closing state last-ack "( sport = :$PORT or dport = :$PORT )" | grep -q .; do
    ((SECONDS < deadline)) || {
      in_peer ss -tn "( sport = :$PORT or dport = :$PORT )" | sed 's/^/  /'
      return 0
    }
    sleep 0.1
  done
}

# stop_server PID OUT WHERE WANT: once the connections are done, SIGINT;
# sockperf prints how many messages it handled, which must be every one the
# clients sent (WANT).
stop_server() {
  local pid=$1 out=$2 where=$3 want=$4 rc=0
  quiet
  sleep 0.5 # what the last segments brought, read
  kill -INT "$pid"
  wait "$pid" || rc=$?
  local handled
  handled=$(plain "$out" | sed -n 's/.*Total \([0-9]*\) messages received and handled.*/\1/p')
  [[ -n $handled ]] || fail "sockperf sr ($where) printed no total (exit $rc): $(plain "$out")"
  ((handled == want)) || fail "sockperf sr ($where) handled $handled messages; the clients sent $want"
  pass "sockperf sr ($where) handled all $handled messages the clients sent, exit $rc"
}

net_up
dev=(--dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24")

step "sockperf sr --tcp under percore (af_packet:$PERCORE_DUT_IF, $PERCORE_STACK_IP:$PORT)"
PERCORE_STATS=1 "$PERCORE" run "${dev[@]}" -- \
  timeout 120 sockperf sr --tcp -i 0.0.0.0 -p "$PORT" >"$TMP/sr.out" 2>&1 &
srv=$!
_bg_pids+=("$srv")
# The listener materialises (and DPDK starts) when sockperf first waits.
deadline=$((SECONDS + 30))
until in_peer timeout 2 bash -c "exec 3<>/dev/tcp/$PERCORE_STACK_IP/$PORT" 2>/dev/null; do
  kill -0 "$srv" 2>/dev/null || fail "sockperf sr exited: $(plain "$TMP/sr.out")"
  ((SECONDS < deadline)) || fail "sockperf sr on percore did not accept in 30s"
  sleep 0.5
done
client "Linux -> percore" "$TMP/pp" ip netns exec "$PERCORE_NETNS" sockperf pp --tcp -i "$PERCORE_STACK_IP" -p "$PORT" -t "$SECS"
pp_check "$TMP/pp" "Linux -> percore"
client "Linux -> percore" "$TMP/tp" ip netns exec "$PERCORE_NETNS" sockperf tp --tcp -i "$PERCORE_STACK_IP" -p "$PORT" -t "$SECS"
tp_check "$TMP/tp" "Linux -> percore"
stop_server "$srv" "$TMP/sr.out" "percore" "$(sent "$TMP/pp" "$TMP/tp")"
grep "^percore: pid" "$TMP/sr.out" || true

step "sockperf sr --tcp on the peer (Linux, $PERCORE_PEER_IP:$PORT)"
ip netns exec "$PERCORE_NETNS" timeout 120 sockperf sr --tcp -i "$PERCORE_PEER_IP" -p "$PORT" >"$TMP/sr-linux.out" 2>&1 &
srv=$!
_bg_pids+=("$srv")
deadline=$((SECONDS + 10))
until in_peer ss -Hltn "sport = :$PORT" | grep -q .; do
  kill -0 "$srv" 2>/dev/null || fail "sockperf sr on the peer exited: $(plain "$TMP/sr-linux.out")"
  ((SECONDS < deadline)) || fail "sockperf sr on the peer is not listening after 10s"
  sleep 0.1
done
PERCORE_STATS=1 client "percore -> Linux" "$TMP/pp2" \
  "$PERCORE" run "${dev[@]}" -- sockperf pp --tcp -i "$PERCORE_PEER_IP" -p "$PORT" -t "$SECS"
pp_check "$TMP/pp2" "percore -> Linux"
grep "^percore: pid" "$TMP/pp2" || true
PERCORE_STATS=1 client "percore -> Linux" "$TMP/tp2" \
  "$PERCORE" run "${dev[@]}" -- sockperf tp --tcp -i "$PERCORE_PEER_IP" -p "$PORT" -t "$SECS"
tp_check "$TMP/tp2" "percore -> Linux"
grep "^percore: pid" "$TMP/tp2" || true
stop_server "$srv" "$TMP/sr-linux.out" "Linux" "$(sent "$TMP/pp2" "$TMP/tp2")"
