# Start and stop a percore node in the background. Sourced by tools/percore
# (demo) and integration/lib.sh. One node at a time per shell.
#
# node_start [NODE ARGS...]   starts the node, waits for its ready line
# node_stop                   SIGTERM, waits, returns the node's exit status
# node_field NAME             a NAME=VALUE field of the ready line (mac, ip, ...)
#
# After node_start: NODE_PID, NODE_STDOUT and NODE_STDERR (files), NODE_READY
# (the ready line). Environment (PERCORE_*) is passed through as is.

NODE_PID=
NODE_READY=
NODE_STDOUT=
NODE_STDERR=
NODE_READY_TIMEOUT=${NODE_READY_TIMEOUT:-30}
NODE_STOP_TIMEOUT=${NODE_STOP_TIMEOUT:-15}

# The caller owns the directory the logs go to; by default a fresh one that
# node_cleanup removes.
NODE_LOGDIR=
_node_own_logdir=0

node_start() {
  [[ -z $NODE_PID ]] || { echo "node_start: a node is already running (pid $NODE_PID)" >&2; return 1; }
  [[ -x $PERCORE_NODE_BIN ]] || { echo "node_start: $PERCORE_NODE_BIN is missing (tools/percore build)" >&2; return 1; }
  if [[ -z $NODE_LOGDIR ]]; then
    NODE_LOGDIR=$(mktemp -d /tmp/percore-node.XXXXXX)
    _node_own_logdir=1
  fi
  NODE_STDOUT=$NODE_LOGDIR/node.stdout
  NODE_STDERR=$NODE_LOGDIR/node.stderr
  : >"$NODE_STDOUT"
  : >"$NODE_STDERR"
  "$PERCORE_NODE_BIN" "$@" >"$NODE_STDOUT" 2>"$NODE_STDERR" &
  NODE_PID=$!
  local deadline=$((SECONDS + NODE_READY_TIMEOUT))
  while :; do
    NODE_READY=$(grep -m1 '^percore node ready' "$NODE_STDOUT" || true)
    [[ -n $NODE_READY ]] && return 0
    if ! kill -0 "$NODE_PID" 2>/dev/null; then
      local rc=0
      wait "$NODE_PID" || rc=$?
      NODE_PID=
      echo "node exited with status $rc before it was ready:" >&2
      sed 's/^/  node: /' "$NODE_STDOUT" "$NODE_STDERR" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "node not ready after ${NODE_READY_TIMEOUT}s:" >&2
      sed 's/^/  node: /' "$NODE_STDOUT" "$NODE_STDERR" >&2
      node_kill
      return 1
    fi
    sleep 0.1
  done
}

node_field() {
  local f
  for f in $NODE_READY; do
    [[ $f == "$1="* ]] && { echo "${f#*=}"; return 0; }
  done
  return 1
}

# node_stop: SIGTERM, wait up to NODE_STOP_TIMEOUT; returns the exit status
# (a node killed after the timeout returns 124).
node_stop() {
  [[ -n $NODE_PID ]] || return 0
  local pid=$NODE_PID rc=0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + NODE_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    # A zombie still answers kill -0; wait reaps it once it has exited.
    [[ $(ps -o stat= -p "$pid" 2>/dev/null) == Z* ]] && break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null && [[ $(ps -o stat= -p "$pid" 2>/dev/null) != Z* ]]; then
    echo "node (pid $pid) still running ${NODE_STOP_TIMEOUT}s after SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    NODE_PID=
    return 124
  fi
  wait "$pid" || rc=$?
  NODE_PID=
  return "$rc"
}

node_kill() {
  [[ -n $NODE_PID ]] || return 0
  kill -KILL "$NODE_PID" 2>/dev/null || true
  wait "$NODE_PID" 2>/dev/null || true
  NODE_PID=
}

# For EXIT traps: stop whatever is still running and remove owned logs.
node_cleanup() {
  if [[ -n $NODE_PID ]]; then
    node_stop >/dev/null 2>&1 || true
  fi
  if ((_node_own_logdir)) && [[ -n $NODE_LOGDIR ]]; then
    rm -rf "$NODE_LOGDIR"
  fi
}
