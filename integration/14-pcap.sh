#!/usr/bin/env bash
# PERCORE_PCAP records what the stack sends and receives: after 3 pings from
# the Linux peer, tcpdump reads the ARP exchange and every echo request and
# reply from the file.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

pcap=$TMP/x.pcapng
net_up
# The peer must resolve the node again, so the ARP exchange is in the file.
in_peer ip neigh flush dev "$PERCORE_PEER_IF"
PERCORE_PCAP=$pcap start_node --dev af_packet:pc-dut --ip "$PERCORE_STACK_IP/24"
expect_ping 3 in_peer ping -c 3 -W 2 -i 0.2 "$PERCORE_STACK_IP"
stop_node

step "tcpdump -nn -r $pcap"
[[ -s $pcap ]] || fail "no capture file written"
dump=$(tcpdump -nn -r "$pcap" 2>"$TMP/tcpdump.err") || fail "tcpdump could not read the file: $(cat "$TMP/tcpdump.err")"
echo "$dump"

expect_line() {
  grep -qE "$1" <<<"$dump" || fail "no line in the capture matches: $1"
}
expect_line "ARP, Request who-has $PERCORE_STACK_IP tell $PERCORE_PEER_IP"
expect_line "ARP, Reply $PERCORE_STACK_IP is-at "
for seq in 1 2 3; do
  expect_line "$PERCORE_PEER_IP > $PERCORE_STACK_IP: ICMP echo request, id [0-9]+, seq $seq,"
  expect_line "$PERCORE_STACK_IP > $PERCORE_PEER_IP: ICMP echo reply, id [0-9]+, seq $seq,"
done
pass "the capture holds the ARP exchange and 3 echo requests and replies"
