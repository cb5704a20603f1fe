#!/bin/bash
# Re-captures the .pcap vectors in this folder from the Linux kernel's own
# stack. Three network namespaces: pcw-a (the client, 198.18.0.1/24) reaches
# pcw-b (the server, 198.18.1.2/24) through the router pcw-r (198.18.0.254,
# 198.18.1.254), which is where the SACK case holds segments back. tcpdump
# runs in pcw-b, so pcw-a's packets arrive with TTL 63 and pcw-r's MAC, and
# the ARP exchange is pcw-r's. Offloads are off on every interface so that
# frames pcw-b sends carry complete checksums.
# Needs root, iproute2 (ip, tc), ethtool, tcpdump and python3.
set -euo pipefail
cd "$(dirname "$0")"

A=pcw-a
B=pcw-b
R=pcw-r
IF_B=pcw-vb
TRAFFIC="python3 $PWD/traffic.py"

cleanup() {
  for ns in "$A" "$B" "$R"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -f /tmp/pcw-sack-*
}
trap cleanup EXIT
cleanup

for ns in "$A" "$B" "$R"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip link add pcw-va netns "$A" address 02:50:43:57:00:01 type veth \
  peer name pcw-ra netns "$R" address 02:50:43:57:00:a1
ip link add "$IF_B" netns "$B" address 02:50:43:57:00:02 type veth \
  peer name pcw-rb netns "$R" address 02:50:43:57:00:b1
ip -n "$A" addr add 198.18.0.1/24 dev pcw-va
ip -n "$R" addr add 198.18.0.254/24 dev pcw-ra
ip -n "$R" addr add 198.18.1.254/24 dev pcw-rb
ip -n "$B" addr add 198.18.1.2/24 dev "$IF_B"
for ns_if in "$A:pcw-va" "$R:pcw-ra" "$R:pcw-rb" "$B:$IF_B"; do
  ns=${ns_if%%:*} dev=${ns_if#*:}
  ip netns exec "$ns" ethtool -K "$dev" tx off rx off gso off tso off gro off >/dev/null
  ip -n "$ns" link set "$dev" up
done
ip -n "$A" route add default via 198.18.0.254
ip -n "$B" route add default via 198.18.1.254
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
sleep 1

# capture NAME FILTER: starts tcpdump in pcw-b; stop_capture ends it.
capture() {
  rm -f "$1.pcap"
  ip netns exec "$B" tcpdump -i "$IF_B" -s 0 --immediate-mode -U -w "$1.pcap" "$2" 2>/dev/null &
  TCPDUMP=$!
  # tcpdump writes the file header once it has opened the interface.
  until [ -s "$1.pcap" ]; do sleep 0.1; done
  sleep 1
}
stop_capture() {
  sleep 0.5
  kill -INT "$TCPDUMP"
  wait "$TCPDUMP" || true
}

# pcw-r asks for pcw-b (the neighbour caches are empty) and pcw-b replies.
capture arp arp
ip netns exec "$A" $TRAFFIC icmp-echo
stop_capture

capture icmp_echo icmp
ip netns exec "$A" $TRAFFIC icmp-echo
stop_capture

capture udp udp
ip netns exec "$B" $TRAFFIC udp-server 7000 &
SERVER=$!
sleep 0.5
ip netns exec "$A" $TRAFFIC udp-client 7000
wait "$SERVER"
stop_capture

# A whole connection with timestamps: SYN, SYN-ACK, ACK, data, FIN both ways.
capture tcp_handshake "tcp port 5000"
ip netns exec "$B" $TRAFFIC tcp-server 5000 1 &
SERVER=$!
sleep 0.5
ip netns exec "$A" $TRAFFIC tcp-client 5000 "hello from percore's test vectors"
wait "$SERVER"
stop_capture

# RST|ACK from pcw-b for a SYN to a port nobody listens on.
capture tcp_rst "tcp port 5001"
ip netns exec "$A" $TRAFFIC tcp-connect-closed 5001
stop_capture

# The same handshake with timestamps off in pcw-a only.
capture tcp_syn_nots "tcp port 5000"
ip netns exec "$A" sysctl -qw net.ipv4.tcp_timestamps=0
ip netns exec "$B" $TRAFFIC tcp-server 5000 1 &
SERVER=$!
sleep 0.5
ip netns exec "$A" $TRAFFIC tcp-client 5000
wait "$SERVER"
ip netns exec "$A" sysctl -qw net.ipv4.tcp_timestamps=1
stop_capture

# SACK: once the connection is up, pcw-r holds back the 200- and 400-byte
# segments of a burst of five (IP total length 20 + 32 + payload) on its way
# to pcw-b, and every ACK on its way back, so pcw-b sees two holes and ACKs
# with two SACK blocks while the sender, hearing nothing, sends all five.
# (Were the SACKs let through, RACK on so fast a link would mark the first
# hole lost at once and the sender would stop before making the second.)
# This kernel has no tc drop action, so the held packets sit in an htb class
# too slow to ever send them; deleting the qdiscs discards them and the
# retransmissions get through. htb lets a fresh class send one packet
# whatever its rate, so a datagram spends that first.
TC="ip netns exec $R tc"
hold() {  # hold DEV [FILTER-LENGTHS...]: all of DEV's IP traffic, or just those lengths
  local dev=$1
  shift
  $TC qdisc add dev "$dev" root handle 1: htb default $([ $# -gt 0 ] && echo 1 || echo 2) 2>/dev/null
  $TC class add dev "$dev" parent 1: classid 1:1 htb rate 10gbit 2>/dev/null
  $TC class add dev "$dev" parent 1: classid 1:2 htb rate 8bit ceil 8bit burst 1 cburst 1 2>/dev/null
  for len in "$@"; do
    $TC filter add dev "$dev" parent 1: protocol ip prio 1 u32 match u16 "$len" 0xffff at 2 flowid 1:2
  done
}
capture tcp_sack "tcp port 5000"
ip netns exec "$B" $TRAFFIC tcp-server 5000 1 &
SERVER=$!
sleep 0.5
ip netns exec "$A" $TRAFFIC tcp-sack-client 5000 &
CLIENT=$!
until [ -e /tmp/pcw-sack-connected ]; do sleep 0.05; done
hold pcw-rb 252 452
hold pcw-ra
ip netns exec "$A" $TRAFFIC udp-spend 252 198.18.1.2
ip netns exec "$B" $TRAFFIC udp-spend 100 198.18.0.1
touch /tmp/pcw-sack-go
until [ -e /tmp/pcw-sack-sent ]; do sleep 0.05; done
$TC qdisc del dev pcw-rb root
$TC qdisc del dev pcw-ra root
wait "$CLIENT"
wait "$SERVER"
stop_capture

ls -l ./*.pcap
