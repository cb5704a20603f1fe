# tools/percore demo. Sourced by tools/percore.
#
# Debian's memcached, unmodified, under libpercore.so on the default TAP
# device (percore 198.18.0.2, the kernel's side 198.18.0.1/24), driven by
# memcaslap from the root namespace for ~10 s; then the same memcached and
# memcaslap on the Linux kernel over loopback; the two results side by side.
# Nothing is left behind: memcached stopped, the TAP device gone.

DEMO_TAP_PREFIX=pctap
DEMO_SECONDS=${PERCORE_DEMO_SECONDS:-10}
DEMO_PID=
DEMO_TMP=

demo_stop() {
  [[ -z $DEMO_PID ]] || kill "$DEMO_PID" 2>/dev/null || true
  [[ -z $DEMO_PID ]] || wait "$DEMO_PID" 2>/dev/null || true
  DEMO_PID=
}

demo_cleanup() {
  demo_stop
  [[ -z $DEMO_TMP ]] || rm -rf "$DEMO_TMP"
}

# demo_slap SERVER LABEL: memcaslap against SERVER; prints its summary and
# leaves "label ops/s" in DEMO_RESULT.
demo_slap() {
  local server=$1 label=$2 out
  out=$(timeout $((DEMO_SECONDS + 30)) memcaslap -s "$server" -t "${DEMO_SECONDS}s" -c 16 -T 1 \
    -S "${DEMO_SECONDS}s" 2>&1) ||
    { echo "$out" | tail -20 >&2; die "demo: memcaslap against $label failed"; }
  local tps errors
  tps=$(sed -n 's/.*TPS: \([0-9]*\).*/\1/p' <<<"$out" | tail -n1)
  errors=$(grep -ciE "error|fail" <<<"$out" || true)
  # The last "Total Statistics (N events)" block: Min, Max, Avg in us.
  local lat
  lat=$(awk '/^Total Statistics \(/{t=1; next} t && /Min:/{mn=$2} t && /Max:/{mx=$2} t && /Avg:/{av=$2}
             END {if (av != "") printf "latency avg %s us, min %s us, max %s us", av, mn, mx}' <<<"$out")
  printf '%-26s %8s ops/s  errors %s  %s\n' "$label" "${tps:-?}" "$errors" "$lat"
  DEMO_RESULT=${tps:-0}
}

cmd_demo() {
  need_root "demo (it creates a TAP interface)"
  cmd_setup
  ensure_built
  DEMO_TMP=$(mktemp -d /tmp/percore-demo.XXXXXX)
  trap demo_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  local left
  left=$(ip -o link show | awk -F': ' '{print $2}' | grep "^$DEMO_TAP_PREFIX" || true)
  [[ -z $left ]] || die "demo: a TAP interface already exists ($left): is percore already running?"

  echo "memcached under percore (tools/percore run, default TAP device, $PERCORE_STACK_IP)"
  PERCORE_STATS=1 "$PERCORE_ROOT/tools/percore" run -- memcached -u memcache -t 1 -p 11211 -U 0 \
    >/dev/null 2>"$DEMO_TMP/memcached.err" &
  DEMO_PID=$!
  # The stack (and its TAP device) starts when memcached first waits on its
  # listener; 198.18.0.2 is reachable only through that device, never a
  # default route.
  local deadline=$((SECONDS + 30)) via
  until via=$(route_dev "$PERCORE_STACK_IP") && [[ $via == "$DEMO_TAP_PREFIX"* ]] &&
    ip -br addr show dev "$via" 2>/dev/null | grep -q "$PERCORE_PEER_IP"; do
    kill -0 "$DEMO_PID" 2>/dev/null || die "demo: memcached under percore exited: $(cat "$DEMO_TMP/memcached.err")"
    ((SECONDS < deadline)) || die "demo: no TAP device after 30 s"
    sleep 0.2
  done
  until memcstat --servers="$PERCORE_STACK_IP:11211" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "demo: memcached on percore does not answer"
    sleep 0.2
  done
  echo "memcaslap -c 16 for ${DEMO_SECONDS}s against each"
  echo
  demo_slap "$PERCORE_STACK_IP:11211" "percore (TAP)"
  local percore=$DEMO_RESULT
  demo_stop

  memcached -u memcache -t 1 -p 11212 -U 0 -l 127.0.0.1 >/dev/null 2>&1 &
  DEMO_PID=$!
  deadline=$((SECONDS + 10))
  until memcstat --servers=127.0.0.1:11212 >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "demo: memcached on the kernel does not answer"
    sleep 0.1
  done
  demo_slap "127.0.0.1:11212" "Linux kernel (loopback)"
  local linux=$DEMO_RESULT
  demo_stop
  echo
  awk -v p="$percore" -v l="$linux" 'BEGIN { if (l > 0) printf "percore / Linux: %.2fx ops/s (one run, this machine: %s)\n", p / l, "'"$(nproc) cores"'" }'
  echo "(the TAP device carries percore's traffic through the kernel's TAP driver; the kernel-free path is af_xdp or a NIC)"

  left=$(ip -o link show | awk -F': ' '{print $2}' | grep "^$DEMO_TAP_PREFIX" || true)
  [[ -z $left ]] || die "demo: TAP interface left behind: $left"
  echo "memcached stopped; no TAP interface left behind"
}
