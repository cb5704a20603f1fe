#!/usr/bin/env bash
# Several shards on one device: curl under libpercore.so with PERCORE_QUEUES=4
# on af_packet:pc-dut, whose queues are chosen by the kernel's fanout hash,
# not percore's Toeplitz hash. Active opens pick ports that hash to the
# opening shard; segments landing elsewhere are redirected to it in software.
# Ten fetches of 4 MiB from a Linux HTTP server on the peer, byte-exact,
# with the redirect counters printed.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

net_up
mkdir -p "$TMP/www"
random_file "$TMP/www/file" 4
step "python3 -m http.server 18083 (in $PERCORE_NETNS)"
(cd "$TMP/www" && exec timeout 120 ip netns exec "$PERCORE_NETNS" python3 -m http.server \
  --bind "$PERCORE_PEER_IP" 18083) >"$TMP/http.log" 2>&1 &
_bg_pids+=("$!")
deadline=$((SECONDS + 10))
until grep -q "Serving HTTP" "$TMP/http.log"; do
  ((SECONDS < deadline)) || fail "http.server did not start: $(cat "$TMP/http.log")"
  sleep 0.1
done

redirected=0
for i in $(seq 10); do
  rm -f "$TMP/fetched"
  PERCORE_QUEUES=4 PERCORE_STATS=1 "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" \
    --ip "$PERCORE_STACK_IP/24" -- timeout 30 curl -sS --fail -o "$TMP/fetched" \
    "http://$PERCORE_PEER_IP:18083/file" 2>"$TMP/stats" || fail "fetch $i failed: $(cat "$TMP/stats")"
  cmp "$TMP/www/file" "$TMP/fetched" || fail "fetch $i differs"
  n=$(sed -n 's/.*redirect_out=\([0-9]*\).*/\1/p' "$TMP/stats" | awk '{s+=$1} END {print s+0}')
  full=$(sed -n 's/.*redirect_ring_full=\([0-9]*\).*/\1/p' "$TMP/stats" | awk '{s+=$1} END {print s+0}')
  echo "fetch $i: byte-exact, frames redirected between shards: $n, ring full: $full"
  redirected=$((redirected + n))
done
pass "10 fetches byte-exact over 4 shards; $redirected frames redirected in software"
