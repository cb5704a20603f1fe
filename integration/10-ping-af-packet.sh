#!/usr/bin/env bash
# The node on af_packet:pc-dut answers ARP and ping from the Linux peer.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"
ping_over_veth af_packet:pc-dut
