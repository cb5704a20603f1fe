#!/usr/bin/env bash
# The memcached data check again with faults in both directions
# (PERCORE_FAULTS=loss=2%,reorder=5%,dup=1%,corrupt=0.5%): 10,000 keys of
# 1 B-500 KiB (~390 MB) set and every one read back byte-exact, in bounded
# time.
#
# The requests are pipelined (mc_check.py --pipeline). One request at a
# time, every lost last segment of a request or a reply costs its sender's
# 200 ms probe timeout for a one-segment flight (Linux's and percore's
# alike), and 1,000 keys took 34 s. Pipelined, the set phase (Linux
# sending, percore receiving) takes ~8-10 s and the get phase (percore
# sending) ~30-40 s; each of the ~50 retransmission timeouts left costs
# 200 ms. Before RACK (RFC 8985 6) found lost retransmissions and waiting
# threads kept polling while ACKs came, the get phase took 79 s.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"
memcache_user

net_up
faults="loss=2%,reorder=5%,dup=1%,corrupt=0.5%"
step "memcached -t 4 under percore with PERCORE_FAULTS=$faults"
PERCORE_FAULTS=$faults PERCORE_STATS=1 "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" \
  --ip "$PERCORE_STACK_IP/24" -- timeout 400 memcached -u memcache -t 4 -p 11211 -U 0 -m 2048 \
  >"$TMP/mc.out" 2>"$TMP/mc.err" &
mc=$!
_bg_pids+=("$mc")
deadline=$((SECONDS + 30))
until in_peer timeout 3 memcstat --servers="$PERCORE_STACK_IP:11211" >/dev/null 2>&1; do
  kill -0 "$mc" 2>/dev/null || fail "memcached exited: $(cat "$TMP/mc.err")"
  ((SECONDS < deadline)) || fail "memcached on percore did not answer memcstat in 30s"
  sleep 0.5
done
step "data check: 10,000 keys of 1 B-500 KiB, pipelined, set then read back"
out=$(in_peer timeout 150 python3 "$PERCORE_ROOT/integration/mc_check.py" "$PERCORE_STACK_IP" 11211 10000 7 --pipeline) ||
  fail "data check failed: $out"
echo "$out"
kill -TERM "$mc"
wait "$mc" || true
grep "tcp" "$TMP/mc.err" || true
pass "every value read back byte-exact under $faults"
