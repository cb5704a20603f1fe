# tools/percore bench [--quick] [--out DIR] [--rounds N] [--seconds S]
#                      [--only W,W] [--configs C,C] [--env VAR=VALUE]...
#
# Linux and percore side by side, one invocation: every workload on every
# configuration, the configurations alternating (Linux, percore, Linux,
# percore) within each workload and round, so that drift of the machine hits
# both sides alike. Medians with min-max over the rounds. A benchmark: it
# measures and prints, and judges nothing but whether each cell was measured.
#
# Configurations (server pinned to core 0, client to core 1):
#   linux-lo       server and client on the kernel over 127.0.0.1
#   linux-veth     server in the root namespace on 198.18.0.2 (put on pc-dut
#                  for the cell, the kernel's usual offloads on), client in
#                  percore-peer
#   percore-memif  server and client both under libpercore.so, joined by a
#                  memif (shared memory, no kernel on the path); both run in
#                  percore-peer, which has no route off the machine, on
#                  198.18.1.1 and 198.18.1.2
#   percore-afxdp  server under libpercore.so on af_xdp:pc-dut (198.18.0.2),
#                  client on the kernel in percore-peer
# Workloads: sockperf ping-pong (TCP, 64 B and 1 KiB), memcached -t 1 with
# memcaslap (16 and 64 connections), nginx (1 worker, 1 KiB file) with wrk
# (keep-alive) and ab (a connection per request), iperf3 (one stream); the
# server's CPU time per request for each; callgrind instructions per request
# of the percore-memif server on ping-pong and memcached; the CPU of an idle
# server. Output under --out: table.txt, table.csv, results.tsv (every
# measurement), plots, callgrind profiles, and logs/ with every server's and
# client's output. For experiments: --only runs some workloads (sockperf,
# memcached, nginx, iperf3, callgrind, idle), --configs some configurations,
# and --env gives every percore process (server and client) a setting; the
# header records them. Sourced by tools/percore.

BENCH_ALL_CONFIGS=(linux-lo percore-memif linux-veth percore-afxdp)
BENCH_ALL_WORKLOADS=(sockperf memcached nginx iperf3 callgrind idle)
BENCH_CONFIGS=("${BENCH_ALL_CONFIGS[@]}")
BENCH_WORKLOADS=("${BENCH_ALL_WORKLOADS[@]}")
BENCH_PERCORE_ENV=()
BENCH_ORDER=()  # this round's order of BENCH_CONFIGS
BENCH_MEMIF_SOCK=/run/percore-bench.sock
BENCH_MEMIF_SERVER_IP=198.18.1.1
BENCH_MEMIF_CLIENT_IP=198.18.1.2
BENCH_SERVER_CORE=0
BENCH_CLIENT_CORE=1
BENCH_PORT_SOCKPERF=17100
BENCH_PORT_MEMCACHED=17211
BENCH_PORT_NGINX=17080
BENCH_PORT_IPERF=17201
# Debian's interpreter (python3-matplotlib is Debian's), not whatever
# python3 comes first on PATH.
BENCH_PY=/usr/bin/python3
# Kernel offloads of a veth as Linux sets them up; tools/percore net turns
# them off (PERCORE_OFFLOADS_OFF) for the user-space stack.
BENCH_OFFLOADS_ON=(tx on rx on tso on gso on)

BENCH_OUT=
BENCH_LOGS=
BENCH_WWW=
BENCH_RESULTS=
BENCH_SECONDS=10
BENCH_IDLE_SECONDS=10
BENCH_CG_SECONDS=5
BENCH_CG_WARM=5
BENCH_SERVER_PID=
BENCH_SERVER_LOG=
BENCH_CLIENT_PID=
BENCH_VETH_ADDR=0
BENCH_NET=0
BENCH_WHY=
BENCH_CLK_TCK=100
BENCH_CHILDREN_US=0

# bench_record ROUND WORKLOAD METRIC CONFIG VALUE [NOTE]: one measurement.
# METRIC "*" with VALUE "n/a" stands for every metric of WORKLOAD.
bench_record() {
  local note=${6:-}
  note=${note//$'\t'/ }
  note=${note//$'\n'/ }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$note" >>"$BENCH_RESULTS"
}

# bench_fail ROUND CONFIG WORKLOAD REASON: the cell is n/a for this round.
bench_fail() {
  bench_record "$1" "$3" '*' "$2" n/a "$4"
  printf '  %-14s %-22s n/a: %s\n' "$2" "$3" "$4" >&2
}

# bench_tree PID: PID and its descendants.
bench_tree() {
  local pid=$1 child
  [[ -d /proc/$pid ]] || return 0
  echo "$pid"
  for child in $(pgrep -P "$pid" 2>/dev/null || true); do
    bench_tree "$child"
  done
}

# bench_cpu_ticks PID: user+system clock ticks of PID and its descendants,
# every thread included (/proc/PID/stat fields 14 and 15).
bench_cpu_ticks() {
  local total=0 p stat fields
  for p in $(bench_tree "$1"); do
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    read -ra fields <<<"${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# bench_children_us: BENCH_CHILDREN_US = user+system microseconds of this
# shell's reaped children (bash's times builtin; called in this shell, not
# in $(...), whose subshell would count only its own children).
bench_children_us() {
  local tmp=$BENCH_LOGS/.times line m s
  times >"$tmp"
  line=$(sed -n 2p "$tmp")
  BENCH_CHILDREN_US=0
  for m in $line; do
    [[ $m =~ ^([0-9]+)m([0-9]+)\.([0-9]+)s$ ]] || continue
    s=${BASH_REMATCH[3]}000000
    BENCH_CHILDREN_US=$((BENCH_CHILDREN_US + (BASH_REMATCH[1] * 60 + 10#${BASH_REMATCH[2]}) * 1000000 + 10#${s:0:6}))
  done
}

# bench_prefix ROLE CONFIG: what runs a server (ROLE server) or a client of
# CONFIG, up to the program: the namespace, libpercore.so and its device.
# A percore server prints its stack's counters when it exits (in its log,
# for the cells that went wrong).
bench_prefix() {
  local role=$1 config=$2
  BENCH_PREFIX=()
  case $role:$config in
  server:linux-* | client:linux-lo) ;;
  client:linux-veth | client:percore-afxdp) BENCH_PREFIX=(ip netns exec "$PERCORE_NETNS") ;;
  server:percore-afxdp)
    BENCH_PREFIX=(env "LD_PRELOAD=$PERCORE_PRELOAD_LIB" "PERCORE_DEV=af_xdp:$PERCORE_DUT_IF"
      "PERCORE_IP=$PERCORE_STACK_IP/24" PERCORE_STATS=1 "${BENCH_PERCORE_ENV[@]}")
    ;;
  server:percore-memif)
    BENCH_PREFIX=(ip netns exec "$PERCORE_NETNS" env "LD_PRELOAD=$PERCORE_PRELOAD_LIB"
      "PERCORE_DEV=memif:$BENCH_MEMIF_SOCK,role=server" "PERCORE_IP=$BENCH_MEMIF_SERVER_IP/24"
      PERCORE_STATS=1 "${BENCH_PERCORE_ENV[@]}")
    ;;
  client:percore-memif)
    BENCH_PREFIX=(ip netns exec "$PERCORE_NETNS" env "LD_PRELOAD=$PERCORE_PRELOAD_LIB"
      "PERCORE_DEV=memif:$BENCH_MEMIF_SOCK,role=client" "PERCORE_IP=$BENCH_MEMIF_CLIENT_IP/24"
      "${BENCH_PERCORE_ENV[@]}")
    ;;
  *) die "bench: no configuration $config" ;;
  esac
}

# bench_addr CONFIG: the address clients of CONFIG connect to.
bench_addr() {
  case $1 in
  linux-lo) echo 127.0.0.1 ;;
  linux-veth | percore-afxdp) echo "$PERCORE_STACK_IP" ;;
  percore-memif) echo "$BENCH_MEMIF_SERVER_IP" ;;
  esac
}

# bench_enter CONFIG / bench_leave CONFIG: the network state of CONFIG.
bench_enter() {
  case $1 in
  linux-veth)
    ethtool -K "$PERCORE_DUT_IF" "${BENCH_OFFLOADS_ON[@]}" >/dev/null 2>&1 || true
    ip netns exec "$PERCORE_NETNS" ethtool -K "$PERCORE_PEER_IF" "${BENCH_OFFLOADS_ON[@]}" >/dev/null 2>&1 || true
    ip addr add "$PERCORE_STACK_IP/24" dev "$PERCORE_DUT_IF"
    BENCH_VETH_ADDR=1
    ;;
  esac
  # The peer must learn 198.18.0.2 anew: the kernel's pc-dut and percore
  # answer for it in turn.
  ip -n "$PERCORE_NETNS" neigh flush dev "$PERCORE_PEER_IF" >/dev/null 2>&1 || true
}

bench_leave() {
  case $1 in
  linux-veth)
    if ((BENCH_VETH_ADDR)); then
      ip addr del "$PERCORE_STACK_IP/24" dev "$PERCORE_DUT_IF" 2>/dev/null || true
      BENCH_VETH_ADDR=0
    fi
    ethtool -K "$PERCORE_DUT_IF" "${PERCORE_OFFLOADS_OFF[@]}" >/dev/null 2>&1 || true
    ip netns exec "$PERCORE_NETNS" ethtool -K "$PERCORE_PEER_IF" "${PERCORE_OFFLOADS_OFF[@]}" >/dev/null 2>&1 || true
    ;;
  esac
}

# bench_server_start CONFIG NAME CMD...: CMD as the server of CONFIG on the
# server core, in the background, stopped after at most BENCH_SERVER_LIMIT
# seconds whatever happens; its output in logs/NAME.server.
bench_server_start() {
  local config=$1 name=$2
  shift 2
  bench_prefix server "$config"
  BENCH_SERVER_LOG=$BENCH_LOGS/$name.server
  # timeout passes a SIGTERM on to the server (bench_server_stop).
  timeout --kill-after=5 "$BENCH_SERVER_LIMIT" "${BENCH_PREFIX[@]}" \
    taskset -c "$BENCH_SERVER_CORE" "$@" </dev/null >"$BENCH_SERVER_LOG" 2>&1 &
  BENCH_SERVER_PID=$!
}

# bench_server_stop: SIGTERM, then SIGKILL for whatever of the server's
# process tree is still there after 10 s.
bench_server_stop() {
  [[ -n $BENCH_SERVER_PID ]] || return 0
  local pid=$BENCH_SERVER_PID tree i p
  BENCH_SERVER_PID=
  tree=$(bench_tree "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  for p in $tree; do kill -KILL "$p" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
}

bench_server_tail() {
  tail -n 3 "$BENCH_SERVER_LOG" 2>/dev/null | tr '\n' ' ' | cut -c1-200
}

# bench_wait_ready CONFIG PORT LIMIT: until the server accepts connections
# on PORT. A percore-memif server cannot be reached from the kernel: it is
# ready when its memif socket listens (its stack has started, which it does
# only after its listener was made).
bench_wait_ready() {
  local config=$1 port=$2 limit=$3 addr deadline=$((SECONDS + $3))
  addr=$(bench_addr "$config")
  while :; do
    if ! kill -0 "$BENCH_SERVER_PID" 2>/dev/null; then
      BENCH_WHY="the server exited before it was ready: $(bench_server_tail)"
      return 1
    fi
    case $config in
    linux-lo)
      timeout 2 bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null && return 0
      ;;
    linux-veth | percore-afxdp)
      ip netns exec "$PERCORE_NETNS" timeout 2 bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null && return 0
      ;;
    percore-memif)
      # DPDK's memif listens in the abstract namespace of percore-peer.
      if ip netns exec "$PERCORE_NETNS" ss -xlH 2>/dev/null | grep -qF "@$BENCH_MEMIF_SOCK "; then
        sleep 0.3
        return 0
      fi
      ;;
    esac
    if ((SECONDS >= deadline)); then
      BENCH_WHY="the server did not accept connections on port $port within ${limit}s: $(bench_server_tail)"
      return 1
    fi
    sleep 0.2
  done
}

# bench_client CONFIG LIMIT OUT CMD...: CMD as the client of CONFIG on the
# client core, killed after LIMIT seconds; its output in OUT.
bench_client() {
  local config=$1 limit=$2 out=$3 rc=0
  shift 3
  bench_prefix client "$config"
  timeout --kill-after=5 "$limit" "${BENCH_PREFIX[@]}" \
    taskset -c "$BENCH_CLIENT_CORE" "$@" </dev/null >"$out" 2>&1 &
  BENCH_CLIENT_PID=$!
  wait "$BENCH_CLIENT_PID" 2>/dev/null || rc=$?
  BENCH_CLIENT_PID=
  return "$rc"
}

# bench_measure ROUND CONFIG WORKLOAD PARSER CMD...: one client run against
# the running server; records what tools/bench/parse.py PARSER reads from
# its output, the server's CPU time per request, and how busy the client
# kept its core (a client near 100% is what limits the cell).
bench_measure() {
  local round=$1 config=$2 workload=$3 parser=$4
  shift 4
  local out=$BENCH_LOGS/r$round.$config.$workload.client rc=0 limit=$((BENCH_SECONDS * 2 + 15))
  local cpu0 cpu1 figures client0 client1 wall0 wall1
  cpu0=$(bench_cpu_ticks "$BENCH_SERVER_PID")
  bench_children_us
  client0=$BENCH_CHILDREN_US
  wall0=$EPOCHREALTIME
  bench_client "$config" "$limit" "$out" "$@" || rc=$?
  wall1=$EPOCHREALTIME
  bench_children_us
  client1=$BENCH_CHILDREN_US
  cpu1=$(bench_cpu_ticks "$BENCH_SERVER_PID")
  if ((rc != 0)); then
    local why="client exit status $rc"
    ((rc == 124 || rc == 137)) && why="client did not finish within ${limit}s"
    why="$why: $(tail -n 2 "$out" | tr '\n' ' ' | cut -c1-160)"
    kill -0 "$BENCH_SERVER_PID" 2>/dev/null || why="$why; the server exited: $(bench_server_tail)"
    bench_fail "$round" "$config" "$workload" "$why"
    return 0
  fi
  if ! figures=$("$BENCH_PY" "$PERCORE_ROOT/tools/bench/parse.py" "$parser" "$out" 2>"$out.why"); then
    bench_fail "$round" "$config" "$workload" "$(head -c 200 "$out.why")"
    return 0
  fi
  local kv requests=0
  for kv in $figures; do
    if [[ ${kv%%=*} == requests ]]; then
      requests=${kv#*=}
    else
      bench_record "$round" "$workload" "${kv%%=*}" "$config" "${kv#*=}"
    fi
  done
  bench_record "$round" "$workload" cpu_us "$config" \
    "$(awk -v t=$((cpu1 - cpu0)) -v hz="$BENCH_CLK_TCK" -v n="$requests" \
      'BEGIN { printf "%.4g", (n > 0 ? t / hz * 1e6 / n : 0) }')"
  bench_record "$round" "$workload" client_cpu_pct "$config" \
    "$(awk -v c=$((client1 - client0)) -v a="$wall0" -v b="$wall1" \
      'BEGIN { printf "%.3g", (b > a ? c / ((b - a) * 1e6) * 100 : 0) }')"
  printf '  %-14s %-22s %s\n' "$config" "$workload" "$figures" >&2
}

# bench_serve ROUND CONFIG NAME PORT WORKLOADS CMD...: starts the server,
# waits until it is ready, runs bench_cell_NAME, stops the server. When the
# server does not come up, every workload in WORKLOADS is n/a.
bench_serve() {
  local round=$1 config=$2 name=$3 port=$4 workloads=$5
  shift 5
  local start=$SECONDS
  bench_enter "$config"
  bench_server_start "$config" "r$round.$config.$name" "$@"
  if bench_wait_ready "$config" "$port" 60; then
    printf '  %-14s %-22s ready after %ds\n' "$config" "$name server" $((SECONDS - start)) >&2
    "bench_cell_$name" "$round" "$config"
  else
    local w
    for w in $workloads; do bench_fail "$round" "$config" "$w" "$BENCH_WHY"; done
  fi
  bench_server_stop
  bench_leave "$config"
  printf '  %-14s %-22s %ds in all\n' "$config" "$name" $((SECONDS - start)) >&2
}

bench_cell_sockperf() {
  local round=$1 config=$2 addr size
  addr=$(bench_addr "$config")
  for size in 64 1024; do
    local w=sockperf-64B
    ((size == 64)) || w=sockperf-1KiB
    bench_measure "$round" "$config" "$w" sockperf \
      sockperf ping-pong --tcp -i "$addr" -p "$BENCH_PORT_SOCKPERF" -m "$size" -t "$BENCH_SECONDS" --full-rtt
  done
}

bench_cell_memcached() {
  local round=$1 config=$2 addr conns
  addr=$(bench_addr "$config")
  for conns in 16 64; do
    bench_measure "$round" "$config" "memcached-${conns}c" memcaslap \
      memcaslap -s "$addr:$BENCH_PORT_MEMCACHED" -T 1 -c "$conns" -t "${BENCH_SECONDS}s" -S "${BENCH_SECONDS}s"
  done
}

bench_cell_nginx() {
  local round=$1 config=$2 addr
  addr=$(bench_addr "$config")
  bench_measure "$round" "$config" nginx-wrk wrk \
    wrk -t1 -c32 -d"${BENCH_SECONDS}s" --latency "http://$addr:$BENCH_PORT_NGINX/1k"
  # -r: a failed receive is counted (and reported by parse.py), not fatal.
  # -n after -t: -t sets the count to 50,000, which ends a fast run early;
  # ab keeps 40 bytes per request of -n.
  bench_measure "$round" "$config" nginx-ab ab \
    ab -r -q -c 32 -t "$BENCH_SECONDS" -n 1000000 "http://$addr:$BENCH_PORT_NGINX/1k"
}

bench_cell_iperf3() {
  local round=$1 config=$2 addr
  addr=$(bench_addr "$config")
  bench_measure "$round" "$config" iperf3 iperf3 \
    iperf3 -4 -c "$addr" -p "$BENCH_PORT_IPERF" -t "$BENCH_SECONDS" -J
}

# bench_nginx_conf WWW: nginx.conf for the bench, serving WWW (made here).
# The web root is not under --out: www-data must reach it, and --out may
# lie under a directory only root can enter (mktemp's 0700, /root).
bench_nginx_conf() {
  local dir=$BENCH_LOGS/nginx www=$1
  mkdir -p "$dir"
  head -c 1024 /dev/urandom >"$www/1k"
  chmod -R a+rX "$www"
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
# As Debian's nginx.conf: the worker drops to www-data, and percore opens
# its device just before (docs/ARCHITECTURE.md, "Privileges").
user www-data;
error_log $dir/error.log;
pid $dir/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000000;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server { listen $BENCH_PORT_NGINX; root $www; }
}
CONF
  echo "$dir/nginx.conf"
}

# bench_round ROUND: every workload on every configuration, the
# configurations rotated by two each round (Linux and percore still
# alternate).
bench_round() {
  local round=$1 i n=${#BENCH_CONFIGS[@]}
  BENCH_ORDER=()
  for ((i = 0; i < n; i++)); do BENCH_ORDER+=("${BENCH_CONFIGS[(i + 2 * round) % n]}"); done
  echo "-- round $((round + 1)) of $BENCH_ROUNDS: ${BENCH_ORDER[*]}" >&2
  bench_each "$round" sockperf "$BENCH_PORT_SOCKPERF" "sockperf-64B sockperf-1KiB" \
    sockperf server --tcp -i 0.0.0.0 -p "$BENCH_PORT_SOCKPERF"
  bench_each "$round" memcached "$BENCH_PORT_MEMCACHED" "memcached-16c memcached-64c" \
    memcached -u memcache -t 1 -p "$BENCH_PORT_MEMCACHED" -U 0 -m 1024 -c 1024
  bench_each "$round" nginx "$BENCH_PORT_NGINX" "nginx-wrk nginx-ab" nginx -c "$BENCH_NGINX_CONF"
  bench_each "$round" iperf3 "$BENCH_PORT_IPERF" iperf3 iperf3 -4 -s -p "$BENCH_PORT_IPERF"
}

# bench_each ROUND NAME PORT WORKLOADS CMD...: bench_serve on every
# configuration in this round's order, when the run measures NAME (--only).
bench_each() {
  local round=$1 name=$2 port=$3 workloads=$4 config
  shift 4
  bench_wants "$name" || return 0
  for config in "${BENCH_ORDER[@]}"; do
    bench_serve "$round" "$config" "$name" "$port" "$workloads" "$@"
  done
}

# bench_wants WORKLOAD: whether this run measures WORKLOAD (--only).
bench_wants() {
  local w
  for w in "${BENCH_WORKLOADS[@]}"; do [[ $w == "$1" ]] && return 0; done
  return 1
}

# bench_pick KIND LIST ALLOWED...: BENCH_PICKED = LIST (comma-separated),
# each item checked against ALLOWED.
bench_pick() {
  local kind=$1 list=$2 item a ok
  shift 2
  BENCH_PICKED=()
  for item in ${list//,/ }; do
    ok=0
    for a in "$@"; do [[ $a == "$item" ]] && ok=1; done
    ((ok)) || die "bench: --$kind: no $item (one of: $*)"
    BENCH_PICKED+=("$item")
  done
  ((${#BENCH_PICKED[@]})) || die "bench: --$kind needs a list"
}

# bench_idle: memcached with no client for BENCH_IDLE_SECONDS on every
# configuration: the CPU it uses (percent of one core).
bench_idle() {
  local config
  for config in "${BENCH_CONFIGS[@]}"; do
    bench_enter "$config"
    bench_server_start "$config" "idle.$config" \
      memcached -u memcache -t 1 -p "$BENCH_PORT_MEMCACHED" -U 0 -m 1024 -c 1024
    if bench_wait_ready "$config" "$BENCH_PORT_MEMCACHED" 60; then
      # The readiness probe's connection is gone by now; the stack settles.
      sleep 1
      local t0 t1 s0 s1
      t0=$(bench_cpu_ticks "$BENCH_SERVER_PID")
      s0=$(date +%s.%N)
      sleep "$BENCH_IDLE_SECONDS"
      t1=$(bench_cpu_ticks "$BENCH_SERVER_PID")
      s1=$(date +%s.%N)
      if kill -0 "$BENCH_SERVER_PID" 2>/dev/null; then
        local pct
        pct=$(awk -v t=$((t1 - t0)) -v hz="$BENCH_CLK_TCK" -v a="$s0" -v b="$s1" \
          'BEGIN { printf "%.3g", t / hz / (b - a) * 100 }')
        bench_record 0 idle cpu_pct "$config" "$pct"
        printf '  %-14s %-22s cpu_pct=%s\n' "$config" idle "$pct" >&2
      else
        bench_fail 0 "$config" idle "the server exited while idle: $(bench_server_tail)"
      fi
    else
      bench_fail 0 "$config" idle "$BENCH_WHY"
    fi
    bench_server_stop
    bench_leave "$config"
  done
}

# bench_callgrind WORKLOAD: the percore-memif server under callgrind
# (instrumentation off while it starts), driven by its usual client; the
# instructions of BENCH_CG_SECONDS in the middle of the client's run, per
# request. Requests are counted on the server's side, in the same dump: its
# calls to libpercore.so's send entry points (one reply per request).
bench_callgrind() {
  local workload=$1 config=percore-memif name="callgrind.$1"
  local dir=$BENCH_LOGS/$name port client=() server=() limit=()
  mkdir -p "$dir"
  local addr
  addr=$(bench_addr "$config")
  local warm=$BENCH_CG_WARM total=$((BENCH_CG_WARM + BENCH_CG_SECONDS + 5))
  case $workload in
  callgrind-sockperf-64B)
    port=$BENCH_PORT_SOCKPERF
    server=(sockperf server --tcp -i 0.0.0.0 -p "$port")
    client=(sockperf ping-pong --tcp -i "$addr" -p "$port" -m 64 -t "$total" --full-rtt)
    ;;
  callgrind-memcached-16c)
    port=$BENCH_PORT_MEMCACHED
    # memcached sets RLIMIT_NOFILE to -c, soft and hard; valgrind keeps the
    # top descriptors for itself and refuses any other hard limit than the
    # one it shows: -c is that one, under a known limit.
    local fds
    fds=$(prlimit --nofile=1100:1100 valgrind -q --tool=none bash -c 'ulimit -Hn' 2>/dev/null || echo 1024)
    limit=(prlimit --nofile=1100:1100)
    # As root: callgrind_control finds valgrind's vgdb pipes by the
    # process's user, and cannot once memcached dropped to memcache.
    server=(memcached -u root -t 1 -p "$port" -U 0 -m 1024 -c "$fds")
    client=(memcaslap -s "$addr:$port" -T 1 -c 16 -t "${total}s" -S "${total}s")
    ;;
  esac
  bench_enter "$config"
  bench_server_start "$config" "$name" "${limit[@]}" \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$dir/callgrind.out" "${server[@]}"
  local vg= start=$SECONDS
  if bench_wait_ready "$config" "$port" 180; then
    printf '  %-14s %-22s valgrind server ready after %ds\n' "$config" "$workload" $((SECONDS - start)) >&2
    vg=$(pgrep -P "$BENCH_SERVER_PID" | head -n1)
    [[ -n $vg ]] || BENCH_WHY="no valgrind process under the server's timeout"
  fi
  if [[ -z $vg ]]; then
    bench_fail 0 "$config" "$workload" "$BENCH_WHY"
    bench_server_stop
    bench_leave "$config"
    return 0
  fi
  # The client in the background; the window opens once it is past its
  # start (DPDK, memif link, connection, warm-up) and closes well before its
  # end.
  local out=$dir/client rc=0 cg=(timeout --kill-after=5 60 callgrind_control)
  bench_prefix client "$config"
  # The server under callgrind answers ~50x slower than natively: a client
  # that parked after its usual 100 us of spinning would wake on its 1 ms
  # tick and the server would count its own polls meanwhile as the cost of
  # a request. The client (not what is measured) spins instead.
  BENCH_PREFIX+=(PERCORE_SPIN_US=1000000)
  timeout --kill-after=5 $((total + 60)) "${BENCH_PREFIX[@]}" \
    taskset -c "$BENCH_CLIENT_CORE" "${client[@]}" </dev/null >"$out" 2>&1 &
  BENCH_CLIENT_PID=$!
  sleep "$warm"
  local why=
  if ! kill -0 "$BENCH_CLIENT_PID" 2>/dev/null; then
    why="the client exited during its start: $(tail -n 2 "$out" | tr '\n' ' ' | cut -c1-160)"
  elif ! "${cg[@]}" -z "$vg" >>"$dir/control.log" 2>&1 || ! "${cg[@]}" -i on "$vg" >>"$dir/control.log" 2>&1; then
    why="callgrind_control -i on failed: $(tail -n 1 "$dir/control.log")"
  else
    sleep "$BENCH_CG_SECONDS"
    "${cg[@]}" -i off "$vg" >>"$dir/control.log" 2>&1 || why="callgrind_control -i off failed"
    "${cg[@]}" -d "$vg" >>"$dir/control.log" 2>&1 || why="callgrind_control -d failed"
  fi
  wait "$BENCH_CLIENT_PID" 2>/dev/null || rc=$?
  BENCH_CLIENT_PID=
  [[ -n $why ]] || ((rc == 0)) || why="client exit status $rc: $(tail -n 2 "$out" | tr '\n' ' ' | cut -c1-160)"
  bench_server_stop
  bench_leave "$config"
  if [[ -n $why ]]; then
    bench_fail 0 "$config" "$workload" "$why"
    return 0
  fi
  # callgrind_control -d writes callgrind.out.1; callgrind.out is the dump
  # at exit, with nothing instrumented.
  local dump='' f figures
  for f in "$dir"/callgrind.out.*; do [[ -f $f ]] && dump=$f; done
  if [[ -z $dump ]] ||
    ! figures=$("$BENCH_PY" "$PERCORE_ROOT/tools/bench/callgrind_requests.py" "$dump" 10 \
      2>"$dir/why" >"$BENCH_OUT/$workload.txt"); then
    bench_fail 0 "$config" "$workload" "${dump:+$(head -c 200 "$dir/why")}${dump:-callgrind wrote no dump}"
    return 0
  fi
  figures=$(sed -n 's/^ir_per_request=\([0-9.]*\).*/\1/p' "$BENCH_OUT/$workload.txt")
  if [[ -z $figures ]]; then
    bench_fail 0 "$config" "$workload" "no figure in $workload.txt"
    return 0
  fi
  bench_record 0 "$workload" ir_per_req "$config" "$figures"
  printf '  %-14s %-22s ir_per_req=%s\n' "$config" "$workload" "$figures" >&2
}

bench_cleanup() {
  local rc=$?
  if [[ -n $BENCH_CLIENT_PID ]]; then
    local p
    for p in $(bench_tree "$BENCH_CLIENT_PID"); do kill -KILL "$p" 2>/dev/null || true; done
    wait "$BENCH_CLIENT_PID" 2>/dev/null || true
    BENCH_CLIENT_PID=
  fi
  bench_server_stop
  if ((BENCH_VETH_ADDR)); then
    ip addr del "$PERCORE_STACK_IP/24" dev "$PERCORE_DUT_IF" 2>/dev/null || true
  fi
  ((BENCH_NET == 0)) || net_down >/dev/null 2>&1 || true
  [[ -z $BENCH_WWW ]] || rm -rf "$BENCH_WWW"
  return "$rc"
}

bench_header() {
  local cpu cores rev dpdk
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
  cores=$(nproc --all)
  dpdk=$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)
  rev=$(git -C "$PERCORE_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$PERCORE_ROOT" diff --quiet HEAD -- stack preload tools 2>/dev/null || rev="$rev+dirty"
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: ${cpu:-unknown}"
    echo "cores: $cores"
    echo "kernel: Linux $(uname -r)"
    echo "dpdk: $dpdk"
    echo "commit: $rev"
    echo "rounds: $BENCH_ROUNDS"
    if [[ ${BENCH_WORKLOADS[*]} != "${BENCH_ALL_WORKLOADS[*]}" || ${BENCH_CONFIGS[*]} != "${BENCH_ALL_CONFIGS[*]}" ]]; then
      echo "partial run: workloads ${BENCH_WORKLOADS[*]}; configurations ${BENCH_CONFIGS[*]}"
    fi
    ((${#BENCH_PERCORE_ENV[@]} == 0)) || echo "percore settings (--env): ${BENCH_PERCORE_ENV[*]}"
    echo "seconds: $BENCH_SECONDS per client run; idle $BENCH_IDLE_SECONDS; callgrind window $BENCH_CG_SECONDS"
    echo "pinning: server on core $BENCH_SERVER_CORE, client on core $BENCH_CLIENT_CORE (taskset)"
  } >"$BENCH_OUT/meta.txt"
}

cmd_bench() {
  local quick=0 out='' rounds='' seconds=''
  local usage="usage: tools/percore bench [--quick] [--out DIR] [--rounds N] [--seconds S] [--only W,W] [--configs C,C] [--env VAR=VALUE]..."
  while (($#)); do
    case $1 in
    --quick) quick=1 ;;
    --out | --rounds | --seconds)
      (($# >= 2)) || die "bench: $1 needs a value ($usage)"
      local opt=${1#--}
      printf -v "$opt" '%s' "$2"
      shift
      ;;
    --only)
      (($# >= 2)) || die "bench: $1 needs a value ($usage)"
      bench_pick only "$2" "${BENCH_ALL_WORKLOADS[@]}"
      BENCH_WORKLOADS=("${BENCH_PICKED[@]}")
      shift
      ;;
    --configs)
      (($# >= 2)) || die "bench: $1 needs a value ($usage)"
      bench_pick configs "$2" "${BENCH_ALL_CONFIGS[@]}"
      BENCH_CONFIGS=("${BENCH_PICKED[@]}")
      shift
      ;;
    --env)
      (($# >= 2)) || die "bench: $1 needs a value ($usage)"
      [[ $2 =~ ^PERCORE_[A-Z0-9_]+=[^[:space:]]*$ ]] || die "bench: --env takes PERCORE_NAME=VALUE, not '$2'"
      BENCH_PERCORE_ENV+=("$2")
      shift
      ;;
    -h | --help)
      echo "$usage"
      sed -n '1,32p' "$PERCORE_ROOT/tools/lib/bench.sh" | sed 's/^# \{0,1\}//'
      return 0
      ;;
    *) die "bench: unknown argument $1 ($usage)" ;;
    esac
    shift
  done
  BENCH_ROUNDS=3
  if ((quick)); then
    BENCH_ROUNDS=1 BENCH_SECONDS=2 BENCH_IDLE_SECONDS=2 BENCH_CG_SECONDS=2 BENCH_CG_WARM=3
  fi
  [[ -z $rounds ]] || BENCH_ROUNDS=$rounds
  [[ -z $seconds ]] || BENCH_SECONDS=$seconds
  # --rounds 0 measures only the cost cells (callgrind, idle): the loop of
  # profiling a change.
  [[ $BENCH_ROUNDS =~ ^[0-9]+$ && $BENCH_SECONDS =~ ^[1-9][0-9]*$ ]] ||
    die "bench: --rounds takes a number, --seconds a positive integer"
  BENCH_SERVER_LIMIT=$((BENCH_SECONDS * 4 + 300))
  need_root "bench (network namespaces, AF_XDP, memif)"
  local tool
  for tool in sockperf memcached memcaslap nginx wrk ab iperf3 valgrind callgrind_control taskset; do
    command -v "$tool" >/dev/null || cmd_setup
  done
  [[ -x $BENCH_PY ]] || die "bench: $BENCH_PY is missing (tools/percore setup)"
  ensure_built
  [[ -f $PERCORE_PRELOAD_LIB ]] || die "bench: ${PERCORE_PRELOAD_LIB#"$PERCORE_ROOT"/} is not built"

  # Defaults only: nothing PERCORE_* or preloaded leaks in from the caller.
  local var
  while read -r var; do unset "$var"; done < <(compgen -e PERCORE_ || true)
  unset LD_PRELOAD

  BENCH_OUT=${out:-$PERCORE_ROOT/out/bench-$(date +%Y%m%d-%H%M%S)}
  mkdir -p "$BENCH_OUT"
  BENCH_OUT=$(cd "$BENCH_OUT" && pwd)
  BENCH_LOGS=$BENCH_OUT/logs
  rm -rf "$BENCH_LOGS"
  mkdir -p "$BENCH_LOGS"
  BENCH_RESULTS=$BENCH_OUT/results.tsv
  printf 'round\tworkload\tmetric\tconfig\tvalue\tnote\n' >"$BENCH_RESULTS"
  BENCH_CLK_TCK=$(getconf CLK_TCK)
  trap bench_cleanup EXIT
  BENCH_WWW=$(mktemp -d /tmp/percore-bench-www.XXXXXX)
  BENCH_NGINX_CONF=$(bench_nginx_conf "$BENCH_WWW")
  trap 'exit 130' INT
  trap 'exit 143' TERM
  hold_network_lock
  BENCH_NET=1
  net_up
  bench_header
  sed 's/^/# /' "$BENCH_OUT/meta.txt" >&2

  local round start=$SECONDS
  for ((round = 0; round < BENCH_ROUNDS; round++)); do
    bench_round "$round"
  done
  if bench_wants callgrind; then
    echo "-- callgrind (percore-memif server)" >&2
    bench_callgrind callgrind-sockperf-64B
    bench_callgrind callgrind-memcached-16c
  fi
  if bench_wants idle; then
    echo "-- idle (memcached, no client, ${BENCH_IDLE_SECONDS}s)" >&2
    bench_idle
  fi
  net_down
  BENCH_NET=0
  echo "-- $((SECONDS - start))s" >&2

  "$BENCH_PY" "$PERCORE_ROOT/tools/bench/report.py" "$BENCH_OUT" | tee "$BENCH_OUT/table.txt"
}
