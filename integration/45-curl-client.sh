#!/usr/bin/env bash
# Debian's curl, unmodified, as a client under libpercore.so on
# af_packet:pc-dut, fetching from Debian's nginx on the Linux peer: files of
# 0 B, 1 KiB, 100 KiB and 10 MiB, one curl each, byte-exact (sha256); then
# all four and the 10 MiB file again in one curl, which must reuse its one
# connection for every request (keep-alive), by curl's count and by nginx's.
# The transfer rates are printed, not judged.
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"

PORT=8089
FILES=(f0 f1k f100k f10m)

net_up
share_tmp
www=$TMP/www
mkdir -p "$www" "$TMP/logs" "$TMP/got"
: >"$www/f0"
head -c 1024 /dev/urandom >"$www/f1k"
head -c $((100 << 10)) /dev/urandom >"$www/f100k"
random_file "$www/f10m" 10

# Its own configuration, pid and logs in the scratch directory; each access
# log line names the connection and its request number on it.
cat >"$TMP/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
user www-data;
error_log $TMP/logs/error.log info;
pid $TMP/logs/nginx.pid;
events { worker_connections 64; }
http {
  log_format conn '\$remote_addr conn=\$connection req=\$connection_requests "\$request" \$status \$body_bytes_sent';
  access_log $TMP/logs/access.log conn;
  sendfile on;
  keepalive_timeout 65;
  keepalive_requests 1000;
  client_body_temp_path $TMP/logs/body;
  proxy_temp_path $TMP/logs/proxy;
  fastcgi_temp_path $TMP/logs/fastcgi;
  uwsgi_temp_path $TMP/logs/uwsgi;
  scgi_temp_path $TMP/logs/scgi;
  server { listen $PERCORE_PEER_IP:$PORT; root $www; }
}
CONF
step "nginx on the peer (Linux, $PERCORE_PEER_IP:$PORT)"
ip netns exec "$PERCORE_NETNS" timeout 120 nginx -c "$TMP/nginx.conf" >"$TMP/nginx.out" 2>&1 &
ngx=$!
_bg_pids+=("$ngx")
deadline=$((SECONDS + 10))
until in_peer ss -Hltn "sport = :$PORT" | grep -q .; do
  kill -0 "$ngx" 2>/dev/null || fail "nginx exited: $(cat "$TMP/nginx.out" "$TMP/logs/error.log" 2>/dev/null)"
  ((SECONDS < deadline)) || fail "nginx on the peer is not listening after 10s"
  sleep 0.1
done

url() { echo "http://$PERCORE_PEER_IP:$PORT/$1"; }
sum() { sha256sum <"$1" | cut -d' ' -f1; }
mbs() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1e6}'; }

# curl_percore OUT ARGS...: curl under percore, at most 60 s; one line per
# transfer in OUT: status, bytes, new connections, bytes/s, seconds in all
# and to connect (the stack starts in curl's first connect).
curl_percore() {
  local out=$1 rc=0
  shift
  "$PERCORE" run --dev "af_packet:$PERCORE_DUT_IF" --ip "$PERCORE_STACK_IP/24" -- \
    timeout 60 curl -sS --fail -w '%{http_code} %{size_download} %{num_connects} %{speed_download} %{time_total} %{time_connect}\n' \
    "$@" >"$out" 2>"$TMP/curl.err" || rc=$?
  ((rc == 0)) || fail "curl under percore failed (exit $rc): $(cat "$TMP/curl.err")"
}

for f in "${FILES[@]}"; do
  step "curl $(url "$f") under percore"
  curl_percore "$TMP/w" -o "$TMP/got/$f" "$(url "$f")"
  read -r code size _ speed secs connect <"$TMP/w"
  [[ $code == 200 ]] || fail "$f: HTTP $code"
  [[ $(sum "$TMP/got/$f") == "$(sum "$www/$f")" ]] ||
    fail "$f: sha256 differs ($size of $(stat -c %s "$www/$f") bytes)"
  pass "$f: $size bytes byte-exact in $secs s (connect $connect s), $(mbs "$speed") MB/s"
done
tail -n "${#FILES[@]}" "$TMP/logs/access.log" | sed 's/^/  /'
grep -q "^$PERCORE_STACK_IP " "$TMP/logs/access.log" || fail "no request came from percore's $PERCORE_STACK_IP"
if grep -v "^$PERCORE_STACK_IP " "$TMP/logs/access.log"; then fail "requests from elsewhere than $PERCORE_STACK_IP"; fi

step "one curl, keep-alive: ${FILES[*]} f10m under percore"
: >"$TMP/logs/access.log"
kill -USR1 "$(cat "$TMP/logs/nginx.pid")" # reopen the log
sleep 0.2
ka=("${FILES[@]}" f10m)
args=()
for i in "${!ka[@]}"; do args+=(-o "$TMP/got/ka$i" "$(url "${ka[$i]}")"); done
curl_percore "$TMP/w" "${args[@]}"
sed 's/^/  /' "$TMP/w"
n=${#ka[@]}
for i in "${!ka[@]}"; do
  [[ $(sum "$TMP/got/ka$i") == "$(sum "$www/${ka[$i]}")" ]] || fail "keep-alive transfer $i (${ka[$i]}): sha256 differs"
done
(($(wc -l <"$TMP/w") == n)) || fail "curl reported $(wc -l <"$TMP/w") transfers, not $n"
awk '$1 != 200 {bad = 1} END {exit bad}' "$TMP/w" || fail "a transfer was not HTTP 200"
connects=$(awk '{s += $3} END {print s}' "$TMP/w")
((connects == 1)) || fail "curl connected $connects times for $n transfers (want 1: keep-alive)"
sed 's/^/  /' "$TMP/logs/access.log"
conns=$(sed -n 's/.* conn=\([0-9]*\) .*/\1/p' "$TMP/logs/access.log" | sort -u | wc -l)
reqs=$(grep -c "^$PERCORE_STACK_IP .* 200 " "$TMP/logs/access.log" || true)
((conns == 1 && reqs == n)) || fail "nginx logged $reqs requests on $conns connections (want $n on 1)"
pass "$n transfers byte-exact on one connection (curl: 1 connect; nginx: requests 1-$n on one connection)"
pass "10 MiB on the reused connection: $(mbs "$(awk 'END {print $4}' "$TMP/w")") MB/s"
