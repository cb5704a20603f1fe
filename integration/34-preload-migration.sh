#!/usr/bin/env bash
# memcached -t 4 on 4 shards: its main thread accepts every connection and
# hands it to a worker thread, whose home shard is (mostly) another one; the
# connection must move to the worker's shard (preload: follow_caller) and
# keep working, its segments redirected there from whichever shard the
# device delivers them to. Checks with memcaslap (no errors), a data check
# read back byte-exact, and PERCORE_STATS's count of moved connections.
source "$(dirname "$0")/lib.sh"
memcache_user

net_up
step "memcached -t 4 under percore with PERCORE_QUEUES=4 (af_packet:$PERCORE_DUT_IF)"
PERCORE_QUEUES=4 PERCORE_STATS=1 "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" \
  --ip "$PERCORE_STACK_IP/24" -- \
  timeout 120 memcached -u memcache -t 4 -p 11211 -U 0 -m 1024 -c 1024 \
  >"$TMP/mc.out" 2>"$TMP/mc.err" &
mc=$!
_bg_pids+=("$mc")
memcstat_wait "$mc"
pass "memcstat answers"

memcaslap_check 5 32

step "data check: 2,000 keys of 1 B-500 KiB over 4 connections, set then read back"
out=$(in_peer timeout 120 python3 "$PERCORE_ROOT/integration/mc_check.py" "$PERCORE_STACK_IP" 11211 2000 4) ||
  fail "data check failed: $out"
echo "$out"
pass "every value read back byte-exact"

kill -TERM "$mc"
wait "$mc" || true
grep -E "tcp:|moved" "$TMP/mc.err" || true
moved=$(sed -n 's/.*: \([0-9]*\) connections moved to the shard.*/\1/p' "$TMP/mc.err" | tail -n1)
[[ -n $moved ]] || fail "PERCORE_STATS printed no migration count: $(tail -5 "$TMP/mc.err")"
((moved > 0)) || fail "no connection moved to its worker thread's shard"
pass "$moved connections moved to the shard of the worker thread serving them"
