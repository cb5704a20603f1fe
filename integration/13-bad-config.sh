#!/usr/bin/env bash
# A bad PERCORE_DEV or PERCORE_IP (from the environment or a flag) stops the
# node at start with exit status 2 and a message naming the variable.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

# expect_rejected VARIABLE ENV-ASSIGNMENT|- NODE-ARGS...
expect_rejected() {
  local var=$1 assign=$2
  shift 2
  local envs=()
  [[ $assign == - ]] || envs=("$assign")
  step "${envs[*]:+${envs[*]} }percore-node $*"
  local rc=0
  env "${envs[@]}" timeout 10 "$PERCORE_NODE_BIN" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  sed 's/^/  stderr: /' "$TMP/err"
  ((rc != 124)) || fail "the node still ran after 10 s"
  ((rc == 2)) || fail "exit status $rc, expected 2"
  grep -q "$var" "$TMP/err" || fail "stderr does not name $var"
  ! grep -q '^percore node ready' "$TMP/out" || fail "the node said it was ready"
  pass "exit 2, stderr names $var"
}

expect_rejected PERCORE_DEV PERCORE_DEV=bogus
expect_rejected PERCORE_IP PERCORE_IP=300.1.2.3/24
expect_rejected PERCORE_IP - --ip 198.18.0.2/99

step "no TAP interface left behind"
left=$(tap_interfaces)
[[ -z $left ]] || fail "TAP interface left behind: $left"
pass "no TAP interface"
