# Shared by tools/percore, its helpers and integration/lib.sh. Sourced, not run.
# shellcheck disable=SC2034  # the names here are used by the files that source this one
# The caller has set -euo pipefail.

PERCORE_ROOT=${PERCORE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# The node binary of the default build; every subcommand that runs it uses this.
PERCORE_NODE_BIN=$PERCORE_ROOT/build/tools/node/percore-node
PERCORE_PRELOAD_LIB=$PERCORE_ROOT/build/preload/libpercore.so

# Test topology (tools/percore net). Only 198.18.0.0/15 is ever used.
PERCORE_NETNS=percore-peer
PERCORE_DUT_IF=pc-dut
PERCORE_PEER_IF=pc-peer
PERCORE_PEER_IP=198.18.0.1
PERCORE_PEER_CIDR=198.18.0.1/24
PERCORE_STACK_IP=198.18.0.2

die() {
  echo "percore: $*" >&2
  exit 1
}

note() {
  echo "percore: $*" >&2
}

need_root() {
  [[ $(id -u) -eq 0 ]] || die "$1 needs root (run it as root or with sudo)"
}

# route_dev IP: the interface the root namespace would send to IP through.
route_dev() {
  ip -o route get "$1" 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p'
}
