#!/usr/bin/env bash
# Debian's memcached, unmodified, under libpercore.so on af_packet:pc-dut,
# with -t 1 and -t 4 (one thread accepts, the others serve): memcaslap from
# the Linux peer for 5 s with 64 connections (no errors), a data check that
# sets 10,000 keys of 1 B-500 KiB and reads every one back byte-exact, and
# memcstat both over percore and on 127.0.0.1 (the kernel's side of the
# INADDR_ANY listener).
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"
memcache_user

net_up
for threads in 1 4; do
  step "memcached -t $threads under percore (af_packet:$PERCORE_DUT_IF, $PERCORE_STACK_IP)"
  PERCORE_STATS=1 "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24" -- \
    timeout 300 memcached -u memcache -t "$threads" -p 11211 -U 0 -m 2048 -c 4096 \
    >"$TMP/mc.out" 2>"$TMP/mc.err" &
  mc=$!
  _bg_pids+=("$mc")
  # The listener materialises (and DPDK starts) when memcached first waits.
  memcstat_wait "$mc"
  grep -E "^\s+(pid|threads):" "$TMP/stat"
  grep -qE "^\s+threads: $threads$" "$TMP/stat" || fail "memcstat does not show $threads threads"
  memcstat --servers=127.0.0.1:11211 >"$TMP/stat-lo" 2>&1 || fail "memcstat on 127.0.0.1 failed: $(cat "$TMP/stat-lo")"
  pass "memcstat over percore and on 127.0.0.1"

  memcaslap_check 5 64

  mc_data_check peer 240 "$threads"

  kill -TERM "$mc"
  wait "$mc" || true
  grep "tcp:" "$TMP/mc.err" || true
done
