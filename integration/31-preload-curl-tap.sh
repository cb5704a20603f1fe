#!/usr/bin/env bash
# An unmodified curl under libpercore.so on the default TAP device fetches a
# 10 MiB file from a Linux HTTP server on the kernel's side, byte-exact.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

left=$(tap_interfaces)
[[ -z $left ]] || fail "a TAP interface already exists ($left): is another percore process running?"
mkdir -p "$TMP/www"
random_file "$TMP/www/file" 10

# The server listens on every kernel address; the TAP's kernel side
# (198.18.0.1) exists once curl's stack has started.
step "python3 -m http.server 18081 (Linux)"
(cd "$TMP/www" && exec timeout 120 python3 -m http.server --bind 0.0.0.0 18081) \
  >"$TMP/http.log" 2>&1 &
_bg_pids+=("$!")
deadline=$((SECONDS + 10))
until grep -q "Serving HTTP" "$TMP/http.log"; do
  ((SECONDS < deadline)) || fail "http.server did not start: $(cat "$TMP/http.log")"
  sleep 0.1
done

step "tools/percore run -- curl http://$PERCORE_PEER_IP:18081/file"
start=$(date +%s.%N)
"$PERCORE" run -- timeout 60 curl -sS --fail -o "$TMP/fetched" "http://$PERCORE_PEER_IP:18081/file" ||
  fail "curl under percore failed"
end=$(date +%s.%N)
cmp "$TMP/www/file" "$TMP/fetched" || fail "fetched file differs"
grep -q "\"GET /file HTTP/1.1\" 200" "$TMP/http.log" || fail "the server did not serve it: $(cat "$TMP/http.log")"
grep "GET /file" "$TMP/http.log"
grep -q "^$PERCORE_STACK_IP " "$TMP/http.log" || fail "the request did not come from percore's $PERCORE_STACK_IP"
pass "10 MiB byte-exact from $PERCORE_STACK_IP in $(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.2f", e-s}') s"
