# tools/percore demo. Sourced by tools/percore.
#
# A demo is three steps: start a server on percore (default TAP device), run
# a client against it from the root namespace, stop the server and check it
# left nothing behind. Until the interposer exists the server is the percore
# node and the client is ping; the real-servers issue replaces demo_server
# and demo_client (memcached + memcaslap, side by side with Linux).

DEMO_TAP_PREFIX=pctap

demo_server() {
  echo "starting percore node on the default TAP device (stack $PERCORE_STACK_IP, kernel side $PERCORE_PEER_IP/24)"
  PERCORE_DEV=tap node_start || die "demo: the node did not start"
  echo "$NODE_READY"
}

demo_client() {
  # Only ever through the node's TAP: never let 198.18.0.2 follow a
  # default route out of this machine.
  local via
  via=$(route_dev "$PERCORE_STACK_IP")
  [[ $via == "$DEMO_TAP_PREFIX"* ]] ||
    { echo "demo: $PERCORE_STACK_IP is routed via '${via:-nothing}', not the node's TAP; not pinging" >&2; return 1; }
  echo
  echo "ping -c 5 $PERCORE_STACK_IP (Linux kernel -> TAP -> percore)"
  local rc=0
  ping -c 5 -W 2 "$PERCORE_STACK_IP" || rc=$?
  echo
  return "$rc"
}

demo_stop() {
  local rc=0
  node_stop || rc=$?
  ((rc == 0)) || { echo "demo: the node exited with status $rc" >&2; sed 's/^/  node: /' "$NODE_STDERR" >&2; return 1; }
  local left
  left=$(ip -o link show | awk -F': ' '{print $2}' | grep "^$DEMO_TAP_PREFIX" || true)
  [[ -z $left ]] || { echo "demo: TAP interface left behind: $left" >&2; return 1; }
  echo "node stopped; no TAP interface left behind"
}

cmd_demo() {
  need_root "demo (it creates a TAP interface)"
  cmd_setup
  ensure_built
  trap node_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  demo_server
  local client_rc=0 stop_rc=0
  demo_client || client_rc=$?
  demo_stop || stop_rc=$?
  ((client_rc == 0)) || die "demo: the client failed (exit $client_rc)"
  ((stop_rc == 0)) || exit 1
}
