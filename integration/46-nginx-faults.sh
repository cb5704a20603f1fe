#!/usr/bin/env bash
# nginx's 10 MiB fetch again with faults in both directions of the worker's
# device (PERCORE_FAULTS=loss=2%,reorder=5%,dup=1%,corrupt=0.5%): curl from
# the Linux peer fetches 10 MiB three times, each byte-exact and within
# 30 s, and a 100 KiB and a 0 B file; the time and rate of each fetch are
# printed, and the worker's connections and mbufs are back at their idle
# values afterwards (nothing leaked by retransmission, duplication or
# reordering).
# shellcheck source=integration/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=integration/lib-nginx.sh
source "$(dirname "$0")/lib-nginx.sh"

faults="loss=2%,reorder=5%,dup=1%,corrupt=0.5%"
net_up
nginx_conf 1024 ""
: >"$NGINX_WWW/f0"
head -c $((100 << 10)) /dev/urandom >"$NGINX_WWW/f100k"
random_file "$NGINX_WWW/f10m" 10
start_nginx PERCORE_FAULTS="$faults"
idle=$(idle_counts)
echo "idle: connections sockets mbufs_free = $idle"

for f in f10m f10m f10m f100k f0; do
  step "curl $f from the peer under $faults"
  rm -f "$TMP/got"
  out=$(in_peer timeout 30 curl -sS --fail -o "$TMP/got" -w '%{size_download} %{time_total} %{speed_download}' \
    "http://$PERCORE_STACK_IP:$NGINX_PORT/$f") || fail "curl $f failed or took over 30 s: $out"
  cmp "$NGINX_WWW/$f" "$TMP/got" || fail "$f differs"
  read -r bytes secs rate <<<"$out"
  pass "$f: $bytes bytes byte-exact in $secs s ($(awk -v r="$rate" 'BEGIN{printf "%.1f", r * 8 / 1e6}') Mbit/s)"
done

step "the worker's connections and mbufs back at their idle values ($idle)"
took=$(wait_counts "$idle" 10)
worker_stats | sed 's/^percore: //'
pass "back to idle in ${took} s"
stop_nginx
