# tools/percore net up|down: the test topology.
#
#   root namespace                         namespace percore-peer
#   pc-dut (up, no IP; DPDK drives it  <->  pc-peer 198.18.0.1/24 (Linux peer)
#   via af_packet:pc-dut / af_xdp:pc-dut)   lo up
#
# Sourced by tools/percore.

# The kernel must put complete checksums and unsegmented frames on the wire,
# because a user-space stack reads them raw.
PERCORE_OFFLOADS_OFF=(tx off rx off tso off gso off gro off)

net_up() {
  need_root "net up"
  local ns=$PERCORE_NETNS dut=$PERCORE_DUT_IF peer=$PERCORE_PEER_IF
  [[ -e /run/netns/$ns ]] || ip netns add "$ns"
  if ! ip link show "$dut" >/dev/null 2>&1; then
    # A half-built pair left in the namespace would block the name.
    ip -n "$ns" link del "$peer" >/dev/null 2>&1 || true
    ip link add "$dut" type veth peer name "$peer" netns "$ns"
  fi
  ip -n "$ns" link show "$peer" >/dev/null 2>&1 ||
    die "net up: $dut exists but its peer $peer is not in namespace $ns (run tools/percore net down)"

  # pc-dut belongs to DPDK: the kernel must neither route what arrives on it
  # nor chatter on it (IPv6 router solicitations, DAD, MLD).
  sysctl -qw "net.ipv6.conf.$dut.disable_ipv6=1" >/dev/null 2>&1 || true
  sysctl -qw "net.ipv4.conf.$dut.forwarding=0" >/dev/null 2>&1 || true
  ethtool -K "$dut" "${PERCORE_OFFLOADS_OFF[@]}" >/dev/null ||
    die "net up: ethtool could not turn offloads off on $dut"
  ip link set "$dut" up

  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$peer.disable_ipv6=1" >/dev/null 2>&1 || true
  ip netns exec "$ns" ethtool -K "$peer" "${PERCORE_OFFLOADS_OFF[@]}" >/dev/null ||
    die "net up: ethtool could not turn offloads off on $peer"
  ip -n "$ns" link set lo up
  ip -n "$ns" addr replace "$PERCORE_PEER_CIDR" dev "$peer"
  ip -n "$ns" link set "$peer" up
}

net_down() {
  need_root "net down"
  ip link del "$PERCORE_DUT_IF" >/dev/null 2>&1 || true
  if [[ -e /run/netns/$PERCORE_NETNS ]]; then
    ip netns del "$PERCORE_NETNS" >/dev/null 2>&1 || true
  fi
}

cmd_net() {
  case ${1:-} in
  up) net_up ;;
  down) net_down ;;
  status)
    ip link show "$PERCORE_DUT_IF" 2>/dev/null || echo "$PERCORE_DUT_IF: absent"
    if [[ -e /run/netns/$PERCORE_NETNS ]]; then
      ip -n "$PERCORE_NETNS" addr show
    else
      echo "namespace $PERCORE_NETNS: absent"
    fi
    ;;
  *) die "usage: tools/percore net up|down|status" ;;
  esac
}
