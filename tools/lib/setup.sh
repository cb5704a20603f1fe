# tools/percore setup and build. Sourced by tools/percore.

# Every Debian 12 package the project needs: build, fuzz (clang 19: clang 14
# cannot compile libstdc++'s <expected>), the test network, the real servers
# and clients of the integration tests, and the plot scripts.
PERCORE_PACKAGES=(
  build-essential g++ meson ninja-build pkg-config
  libdpdk-dev libabsl-dev libgtest-dev libunwind-dev
  clang-19 libclang-rt-19-dev
  iproute2 iputils-ping tcpdump ethtool procps psmisc curl netcat-openbsd
  memcached libmemcached-tools nginx redis-server redis-tools sudo sockperf iperf3 wrk apache2-utils
  valgrind python3 python3-matplotlib
)

missing_packages() {
  local status
  status=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PERCORE_PACKAGES[@]}" 2>/dev/null || true)
  local p
  for p in "${PERCORE_PACKAGES[@]}"; do
    grep -qx "$p installed" <<<"$status" || echo "$p"
  done
}

cmd_setup() {
  local missing
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) && return 0
  need_root "installing ${missing[*]}"
  note "installing ${missing[*]}"
  # Packages such as memcached and nginx start a system service when
  # installed; percore only needs their binaries, and a stray memcached on
  # port 11211 would distort the comparisons. policy-rc.d (Debian's hook for
  # exactly this) stops services from starting during this install only.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get -q update &&
      DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${missing[@]}"
  } >&2 || rc=$?
  ((made_policy)) && rm -f "$policy"
  ((rc == 0)) || die "apt-get failed (exit $rc) installing ${missing[*]}"
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) || die "still missing after apt-get: ${missing[*]}"
}

# build_kind_dir KIND: the build directory of KIND (default, asan, fuzz).
build_kind_dir() {
  case $1 in
  default) echo build ;;
  asan) echo build-asan ;;
  fuzz) echo build-fuzz ;;
  *) die "unknown build kind $1" ;;
  esac
}

# configure_dir KIND: meson setup, only when the directory is not configured.
# shellcheck disable=SC2054  # meson takes a comma-separated list as one value
configure_dir() {
  local kind=$1 dir args=() env=()
  dir=$(build_kind_dir "$kind")
  case $kind in
  # The sanitizer builds at -O1 (what ASan's documentation suggests): they
  # compile in about two thirds of -O2's time, which is most of the suite's.
  asan) args=(-Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1) ;;
  fuzz)
    args=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1)
    env=(CXX=clang++-19 CC=clang-19)
    ;;
  esac
  [[ -f $PERCORE_ROOT/$dir/build.ninja ]] && return 0
  local wipe=()
  # A configure that failed half-way leaves coredata but no build.ninja.
  [[ -f $PERCORE_ROOT/$dir/meson-private/coredata.dat ]] && wipe=(--wipe)
  (cd "$PERCORE_ROOT" && env "${env[@]}" meson setup "${wipe[@]}" "${args[@]}" "$dir") >&2 ||
    { note "meson setup $dir failed"; return 1; }
}

# build_dir KIND [TARGET...]: configure once, then ninja (all, or TARGETs).
# Build output goes to stderr so callers' stdout stays theirs.
build_dir() {
  local kind=$1 dir
  shift
  dir=$(build_kind_dir "$kind")
  configure_dir "$kind" || return 1
  ninja -C "$PERCORE_ROOT/$dir" -j"$(nproc)" "$@" >&2 || { note "ninja -C $dir failed"; return 1; }
}

# targets_under DIR PREFIX...: the ninja targets (paths relative to the
# configured build directory DIR) of the outputs under any PREFIX.
targets_under() {
  local dir=$1
  shift
  (cd "$PERCORE_ROOT" && meson introspect --targets "$dir") 2>/dev/null |
    python3 -c '
import json, os, sys
dir, prefixes = sys.argv[1], tuple(sys.argv[2:])
for t in json.load(sys.stdin):
    for f in t.get("filename", []):
        rel = os.path.relpath(f, os.path.abspath(dir))
        if rel.startswith(prefixes):
            print(rel)
' "$PERCORE_ROOT/$dir" "$@" 2>/dev/null || true
}

cmd_build() {
  local kinds=()
  while (($#)); do
    case $1 in
    --asan) kinds+=(asan) ;;
    --fuzz) kinds+=(fuzz) ;;
    -h | --help)
      echo "usage: tools/percore build [--asan] [--fuzz]"
      return 0
      ;;
    *) die "build: unknown option $1 (usage: build [--asan] [--fuzz])" ;;
    esac
    shift
  done
  ((${#kinds[@]})) || kinds=(default)
  cmd_setup
  local k
  for k in "${kinds[@]}"; do
    build_dir "$k" || exit 1
  done
}
