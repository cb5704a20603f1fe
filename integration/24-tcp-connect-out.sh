#!/usr/bin/env bash
# percore connects out: the node in client mode (--connect) against Linux
# servers in the peer namespace. --send: 16 MiB of the pattern i % 251 to a
# Linux echo server that checks every byte and returns it; the node checks
# the echo. --recv: 16 MiB from a Linux source server, checked by the node.
# Both without faults and with PERCORE_FAULTS; then a refused connection
# ends the client with a clear error.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

n=$((16 << 20))
port=5001
net_up

# node_client LIMIT ARGS...: the node as a client; CLIENT_RC and CLIENT_LINE.
node_client() {
  local limit=$1
  shift
  step "percore-node --dev af_packet:$PERCORE_DUT_IF --ip $PERCORE_STACK_IP/24 $* (at most ${limit}s)"
  CLIENT_RC=0
  timeout --kill-after=5 "$limit" "$PERCORE_NODE_BIN" --dev "af_packet:$PERCORE_DUT_IF" \
    --ip "$PERCORE_STACK_IP/24" "$@" >"$TMP/client.out" 2>"$TMP/client.err" || CLIENT_RC=$?
  CLIENT_LINE=$(cat "$TMP/client.out" "$TMP/client.err" | grep '^percore node client:' | tail -n1 || true)
  echo "${CLIENT_LINE:-(no client line)} [exit $CLIENT_RC]"
}

client_failed() {
  echo "node output:" >&2
  sed 's/^/  /' "$TMP/client.out" "$TMP/client.err" >&2
  fail "$@"
}

figures=()
# transfer LABEL MODE SERVER: one connection from the node to a new server.
transfer() {
  local label=$1 mode=$2 server=$3
  port=$((port + 1))
  peer_server 200 "$TMP/server.out" "$server" "$PERCORE_PEER_IP" "$port" "$n"
  node_client 180 --connect "$PERCORE_PEER_IP:$port" "--$mode" "$n"
  ((CLIENT_RC == 0)) || client_failed "the client failed (exit $CLIENT_RC)"
  local want_sent=$n
  [[ $mode == send ]] || want_sent=0
  [[ $(kv sent "$CLIENT_LINE") == "$want_sent" && $(kv received "$CLIENT_LINE") == "$n" ]] ||
    client_failed "expected sent=$want_sent received=$n"
  wait_peer_server "$TMP/server.out"
  [[ $(kv bytes "$PEER_OUT") == "$n" ]] || fail "the server did not report $n bytes"
  local ms mib_s
  ms=$(kv elapsed_ms "$CLIENT_LINE")
  mib_s=$(awk -v n="$n" -v ms="$ms" 'BEGIN { printf "%.1f", n / 1048576 / (ms > 0 ? ms / 1000 : 0.001) }')
  figures+=("$label $mib_s MiB/s (${ms} ms)")
  pass "$label: 16 MiB byte for byte, $mib_s MiB/s"
}

transfer "send+echo" send serve-echo
transfer "recv" recv serve-source

export PERCORE_FAULTS=$PERCORE_TCP_FAULTS
transfer "send+echo with faults" send serve-echo
transfer "recv with faults" recv serve-source
unset PERCORE_FAULTS

step "a port with no listener refuses the connection"
node_client 30 --connect "$PERCORE_PEER_IP:5999" --recv 1
((CLIENT_RC != 0 && CLIENT_RC != 124)) || client_failed "exit status $CLIENT_RC, expected a failure"
grep -q 'connection refused' <<<"$CLIENT_LINE" || client_failed "the client does not say the connection was refused"
pass "refused: exit $CLIENT_RC"

pass "${figures[*]}"
