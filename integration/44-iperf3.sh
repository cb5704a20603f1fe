#!/usr/bin/env bash
# Debian's iperf3, unmodified: `iperf3 -4 -s` under libpercore.so on
# af_packet:pc-dut, the client on the Linux peer: 10 s towards percore,
# 10 s from percore (-R) and 4 parallel streams for 5 s. Each run must
# finish, report no error and move data both by the sender's and by the
# receiver's count; the Gbit/s are printed, not judged.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

PORT=5201

net_up
step "iperf3 -4 -s under percore (af_packet:$PERCORE_DUT_IF, $PERCORE_STACK_IP:$PORT)"
PERCORE_STATS=1 "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24" -- \
  timeout 120 iperf3 -4 -s -p "$PORT" --forceflush >"$TMP/server.out" 2>&1 &
srv=$!
_bg_pids+=("$srv")
# The stack (and with it the listener) starts when iperf3 first waits; it
# answers pings from then on.
deadline=$((SECONDS + 30))
until grep -q "Server listening" "$TMP/server.out" &&
  in_peer ping -c 1 -W 1 "$PERCORE_STACK_IP" >/dev/null 2>&1; do
  kill -0 "$srv" 2>/dev/null || fail "iperf3 -s exited: $(cat "$TMP/server.out")"
  ((SECONDS < deadline)) || fail "iperf3 -s on percore did not come up in 30s: $(cat "$TMP/server.out")"
  sleep 0.5
done

# run NAME ARGS...: the client in the peer namespace with --json; checks
# and prints what it reported, which is left in LAST.
LAST=
run() {
  local name=$1 rc=0
  shift
  step "iperf3 -c $PERCORE_STACK_IP $* (in $PERCORE_NETNS)"
  in_peer timeout --kill-after=5 40 iperf3 -4 -c "$PERCORE_STACK_IP" -p "$PORT" --json "$@" \
    >"$TMP/$name.json" 2>"$TMP/$name.err" || rc=$?
  local line
  line=$(python3 - "$TMP/$name.json" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    print("error=unreadable-json:%s" % e)
    sys.exit(0)
if "error" in d:
    print("error=%s" % d["error"].replace(" ", "_"))
    sys.exit(0)
e = d["end"]
s, r = e["sum_sent"], e["sum_received"]
print("sent_gbps=%.3f received_gbps=%.3f sent_bytes=%d received_bytes=%d retransmits=%s streams=%d secs=%.1f"
      % (s["bits_per_second"] / 1e9, r["bits_per_second"] / 1e9, s["bytes"], r["bytes"],
         s.get("retransmits", "-"), len(e["streams"]), r["seconds"]))
PY
  ) || true
  if [[ -s $TMP/$name.err ]]; then sed 's/^/  /' "$TMP/$name.err"; fi
  echo "  $line"
  LAST=$line
  ((rc == 0)) || fail "iperf3 $* exited with status $rc ($line)"
  [[ $line != *error=* && -n $line ]] || fail "iperf3 $* reported ${line:-nothing}"
  local sent recv
  sent=$(kv sent_bytes "$line")
  recv=$(kv received_bytes "$line")
  ((sent > 0 && recv > 0)) || fail "iperf3 $* moved no data ($line)"
  pass "iperf3 $*: $(kv sent_gbps "$line") Gbit/s sent, $(kv received_gbps "$line") Gbit/s received"
}

run to-percore -t 10
run from-percore -t 10 -R
run parallel -t 5 -P 4
(($(kv streams "$LAST") == 4)) || fail "the -P 4 run reported $(kv streams "$LAST") streams"

step "stop iperf3 -s"
kill -TERM "$srv"
rc=0
wait "$srv" || rc=$?
grep -E "receiver|sender|^percore:|error" "$TMP/server.out" | sed 's/^/  /' || true
if grep -qi "error" "$TMP/server.out"; then fail "iperf3 -s reported an error"; fi
