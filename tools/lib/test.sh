# tools/percore test [--unit|--compat|--integration] [NAME...]
#
# Every test binary, fuzz run and script counts; each prints one PASS/FAIL
# line (and its output when it fails), and the last line of the output is
# always "N passed, N failed". Sourced by tools/percore.

TEST_PASSED=0
TEST_FAILED=0
TEST_TMP=
TEST_CHILD=

# record NAME PASSED FAILED SECONDS [DETAIL]
record() {
  local name=$1 p=$2 f=$3 secs=$4 detail=${5:-}
  TEST_PASSED=$((TEST_PASSED + p))
  TEST_FAILED=$((TEST_FAILED + f))
  local verdict=PASS
  ((f == 0)) || verdict=FAIL
  echo "$verdict $name (${secs}s${detail:+, $detail})"
}

# run_logged LOG CMD...: runs CMD from the repository root with its output
# in LOG, as a background job so that a signal to tools/percore can stop it
# (see test_cleanup). Returns CMD's exit status.
run_logged() {
  local log=$1 rc=0
  shift
  (cd "$PERCORE_ROOT" && exec "$@") </dev/null >"$log" 2>&1 &
  TEST_CHILD=$!
  # (wait's stderr: bash would report a crashed child there, out of order)
  wait "$TEST_CHILD" 2>/dev/null || rc=$?
  TEST_CHILD=
  return "$rc"
}

# A build that fails is one failed test; what it would have built is skipped.
test_build() {
  local kind=$1 label=$2
  shift 2
  local log=$TEST_TMP/build-$kind.log start=$SECONDS
  if build_dir "$kind" "$@" >"$log" 2>&1; then
    return 0
  fi
  record "$label" 0 1 $((SECONDS - start)) "build failed"
  tail -n 60 "$log" | sed 's/^/    /'
  return 1
}

run_gtest() {
  local bin=$1 rel=${1#"$PERCORE_ROOT"/}
  local log=$TEST_TMP/gtest.log start=$SECONDS rc=0
  run_logged "$log" "$bin" --gtest_brief=1 || rc=$?
  # --gtest_brief=1 omits the "[  FAILED  ] N tests, listed below" summary
  # in some GoogleTest versions: failures are what ran and neither passed
  # nor was skipped, else the per-test "[  FAILED  ] Suite.Name" lines.
  local p f ran skipped
  p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n1)
  ran=$(sed -n 's/^\[==========\] \([0-9][0-9]*\) tests\{0,1\} from .* ran\..*/\1/p' "$log" | tail -n1)
  skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n1)
  p=${p:-0}
  if [[ -z $f ]]; then
    if [[ -n $ran ]]; then
      f=$((ran - p - ${skipped:-0}))
    else
      f=$( (grep -E '^\[  FAILED  \] [^ ]+ \(' "$log" || true) | sort -u | wc -l)
    fi
  fi
  local detail="$p passed, $f failed"
  # A crash, a sanitizer report or a non-zero exit with no failed test is
  # one failure of the binary itself.
  if ((rc != 0 && f == 0)); then
    f=1
    detail="$p passed, then exit status $rc"
    if ((rc > 128)); then
      detail="$p passed, then killed by signal $((rc - 128))"
    fi
  fi
  record "$rel" "$p" "$f" $((SECONDS - start)) "$detail"
  ((f == 0)) || sed 's/^/    /' "$log"
}

run_fuzz() {
  local bin=$1 name rel=${1#"$PERCORE_ROOT"/}
  name=$(basename "$bin")
  local secs=${PERCORE_FUZZ_SECONDS:-30}
  local corpus=$TEST_TMP/corpus-$name
  mkdir -p "$corpus"
  # Seed from the committed corpus, in a copy: libFuzzer writes to its corpus.
  if [[ -d $PERCORE_ROOT/tests/fuzz/corpus/$name ]]; then
    cp -a "$PERCORE_ROOT/tests/fuzz/corpus/$name/." "$corpus/"
  fi
  local artifacts=$PERCORE_ROOT/build-fuzz/fuzz-artifacts
  mkdir -p "$artifacts"
  local log=$TEST_TMP/fuzz-$name.log start=$SECONDS rc=0
  run_logged "$log" "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts/$name-" "$corpus" || rc=$?
  local runs
  runs=$(sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' "$log" | tail -n1)
  if ((rc == 0)); then
    record "$rel" 1 0 $((SECONDS - start)) "${runs:-?} runs in ${secs}s"
  else
    record "$rel" 0 1 $((SECONDS - start)) "exit status $rc; inputs that failed are in build-fuzz/fuzz-artifacts/"
    tail -n 80 "$log" | sed 's/^/    /'
  fi
}

# executables FILE...: those that are regular executable files, sorted.
executables() {
  local f
  for f in "$@"; do
    [[ -f $f && -x $f ]] && echo "$f"
  done | sort
}

# The fuzzers (tests/fuzz/fuzz_*) in a configured build-fuzz.
fuzz_targets() { targets_under build-fuzz tests/fuzz/fuzz_; }

test_unit() {
  echo "== unit"
  # Only the test binaries: the interposer, the node and the compat cases
  # are built (optimised) in build/ by the parts that run them.
  local unit_targets=() log=$TEST_TMP/configure-asan.log
  if configure_dir asan >"$log" 2>&1; then
    mapfile -t unit_targets < <(targets_under build-asan tests/ | grep -v '/sim_tests$')
  fi
  if test_build asan "build-asan (unit tests)" "${unit_targets[@]}"; then
    local bins b t
    for t in "${unit_targets[@]}"; do
      [[ -x $PERCORE_ROOT/build-asan/$t ]] || record "build-asan/$t" 0 1 0 "not built"
    done
    mapfile -t bins < <(executables "$PERCORE_ROOT"/build-asan/tests/*/*_tests)
    ((${#bins[@]})) || echo "no unit test binaries in build-asan/tests/*/"
    for b in "${bins[@]}"; do
      # The two-stack simulation moves 32 MiB each way for every seed: it
      # runs optimised from build/ (below), not under the sanitizers.
      [[ $(basename "$b") == sim_tests ]] && continue
      run_gtest "$b"
    done
  fi
  if [[ -f $PERCORE_ROOT/tests/tcp/simulation_test.cc ]] &&
    test_build default "build (simulation)" tests/tcp/sim_tests; then
    run_gtest "$PERCORE_ROOT/build/tests/tcp/sim_tests"
  fi

  # build-fuzz builds only its fuzz targets; the unit tests ran above.
  local start=$SECONDS log=$TEST_TMP/configure-fuzz.log
  if ! configure_dir fuzz >"$log" 2>&1; then
    record "build-fuzz (fuzz targets)" 0 1 $((SECONDS - start)) "meson setup failed"
    tail -n 40 "$log" | sed 's/^/    /'
    return 0
  fi
  local targets
  mapfile -t targets < <(fuzz_targets)
  if ((${#targets[@]} == 0)); then
    echo "no fuzz targets (tests/fuzz/fuzz_*) in build-fuzz"
    return 0
  fi
  test_build fuzz "build-fuzz (fuzz targets)" "${targets[@]}" || return 0
  local fz
  mapfile -t fz < <(executables "${targets[@]/#/$PERCORE_ROOT/build-fuzz/}")
  for b in "${fz[@]}"; do
    run_fuzz "$b"
  done
}

test_integration() {
  echo "== integration"
  if [[ $(id -u) -ne 0 ]]; then
    record "integration" 0 1 0 "needs root (network namespaces, TAP, AF_XDP)"
    return 0
  fi
  # What the scripts run: the node (tools/) and the interposer (preload/),
  # not the unit tests, which the unit part builds in build-asan.
  local start=$SECONDS targets log=$TEST_TMP/configure-default.log
  if ! configure_dir default >"$log" 2>&1; then
    record "build (integration)" 0 1 $((SECONDS - start)) "meson setup failed"
    tail -n 40 "$log" | sed 's/^/    /'
    return 0
  fi
  mapfile -t targets < <(targets_under build tools/ preload/)
  test_build default "build (integration)" "${targets[@]}" || return 0
  hold_network_lock
  local scripts filters=("$@")
  mapfile -t scripts < <(executables "$PERCORE_ROOT"/integration/*.sh)
  local s name ran=0 limit=${PERCORE_SCRIPT_TIMEOUT:-600}
  for s in "${scripts[@]}"; do
    name=${s#"$PERCORE_ROOT"/}
    if ((${#filters[@]})); then
      local want=0 pat
      for pat in "${filters[@]}"; do
        [[ $name == *"$pat"* ]] && want=1
      done
      ((want)) || continue
    fi
    ran=1
    local log=$TEST_TMP/integration.log start=$SECONDS rc=0
    run_logged "$log" timeout --kill-after=15 "$limit" "$s" || rc=$?
    # The figures a passing script printed are otherwise not shown.
    if [[ -n ${PERCORE_TEST_LOGS:-} ]]; then
      mkdir -p "$PERCORE_TEST_LOGS" && cp "$log" "$PERCORE_TEST_LOGS/${name##*/}.log" ||
        echo "could not keep the log of $name in $PERCORE_TEST_LOGS"
    fi
    # A script that died before its own clean-up must not hand its
    # topology to the next one.
    net_down >/dev/null 2>&1 || true
    if ((rc == 0)); then
      record "$name" 1 0 $((SECONDS - start))
    else
      local why="exit status $rc"
      ((rc == 124 || rc == 137)) && why="timed out after ${limit}s"
      record "$name" 0 1 $((SECONDS - start)) "$why"
      sed 's/^/    /' "$log"
    fi
  done
  local want_bench=$((${#filters[@]} == 0)) pat
  for pat in "${filters[@]}"; do
    [[ bench == *"$pat"* ]] && want_bench=1
  done
  if ((want_bench)); then
    ran=1
    test_bench
  fi
  ((ran)) || echo "no integration scripts${filters[*]:+ matching ${filters[*]}}"
}

# tools/percore bench --quick as one item: it passes when every cell of the
# table was measured (the figures themselves are not judged). It runs under
# this suite's test-network lock.
test_bench() {
  local log=$TEST_TMP/bench.log start=$SECONDS rc=0 limit=${PERCORE_BENCH_TIMEOUT:-420}
  run_logged "$log" env TEST_NET_LOCK="$TEST_NET_LOCK" timeout --kill-after=15 "$limit" \
    "$PERCORE_ROOT/tools/percore" bench --quick --out "$TEST_TMP/bench" || rc=$?
  net_down >/dev/null 2>&1 || true
  local cells measured=0 missing=-1
  cells=$(grep -E '^cells: [0-9]+ measured, [0-9]+ n/a$' "$log" | tail -n1 || true)
  if [[ -n $cells ]]; then
    measured=${cells#cells: }
    measured=${measured%% *}
    missing=${cells#*, }
    missing=${missing%% *}
  fi
  if ((rc == 0 && missing == 0 && measured > 0)); then
    record "tools/percore bench --quick" 1 0 $((SECONDS - start)) "$measured cells measured"
  else
    local why="exit status $rc"
    ((rc == 124 || rc == 137)) && why="timed out after ${limit}s"
    ((rc != 0)) || why="$missing of $((measured + missing)) cells n/a"
    ((missing >= 0)) || why="$why, no table"
    record "tools/percore bench --quick" 0 1 $((SECONDS - start)) "$why"
    sed 's/^/    /' "$log"
  fi
}

test_compat() {
  echo "== compat"
  local runner=$PERCORE_ROOT/compat/run
  if [[ ! -x $runner ]]; then
    echo "no compat suite (compat/run) yet"
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    record "compat" 0 1 0 "needs root"
    return 0
  fi
  local compat_targets
  mapfile -t compat_targets < <(targets_under build compat/ preload/)
  test_build default "build (compat)" "${compat_targets[@]}" || return 0
  hold_network_lock
  local log=$TEST_TMP/compat.log start=$SECONDS rc=0
  run_logged "$log" "$runner" "$@" || rc=$?
  net_down >/dev/null 2>&1 || true
  # compat/run counts its own cases in a last line "N passed, N failed";
  # without one it is a single test.
  local last p f
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1 || true)
  if [[ -n $last ]]; then
    p=${last%% passed*}
    f=${last#*, }
    f=${f%% failed}
    ((rc == 0 || f > 0)) || f=$((f + 1))
    record "compat/run" "$p" "$f" $((SECONDS - start)) "cases: $p passed, $f failed"
  elif ((rc == 0)); then
    record "compat/run" 1 0 $((SECONDS - start))
  else
    record "compat/run" 0 1 $((SECONDS - start)) "exit status $rc"
  fi
  ((rc == 0)) || grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$log" | sed 's/^/    /'
}

test_cleanup() {
  # Stop what is running and never leave network state behind.
  if [[ -n $TEST_CHILD ]]; then
    kill -TERM "$TEST_CHILD" 2>/dev/null || true
    wait "$TEST_CHILD" 2>/dev/null || true
  fi
  if [[ $(id -u) -eq 0 ]]; then
    net_down >/dev/null 2>&1 || true
  fi
  [[ -z $TEST_TMP ]] || rm -rf "$TEST_TMP"
}

# The test network (percore-peer, pc-dut, the TAP device) is one per
# machine: parts that use it hold this lock, so two suites run side by side
# (a developer's and CI's, or two work trees) wait for each other instead of
# tearing down each other's topology.
hold_network_lock() {
  [[ -z ${TEST_NET_LOCK:-} ]] || return 0
  exec {TEST_NET_LOCK}>/run/lock/percore-test-net.lock
  if ! flock -n "$TEST_NET_LOCK"; then
    echo "waiting for another percore test run to release the test network"
    flock "$TEST_NET_LOCK"
  fi
}

cmd_test() {
  local parts=() filters=()
  while (($#)); do
    case $1 in
    --unit) parts+=(unit) ;;
    --compat) parts+=(compat) ;;
    --integration) parts+=(integration) ;;
    -h | --help)
      echo "usage: tools/percore test [--unit|--compat|--integration] [NAME...]"
      echo "  with no part, all parts; NAME runs only the integration scripts"
      echo "  (and compat cases) whose name contains it"
      echo "  PERCORE_FUZZ_SECONDS  seconds per fuzz target (default 30)"
      echo "  PERCORE_SCRIPT_TIMEOUT  seconds per integration script (default 600)"
      echo "  PERCORE_TEST_LOGS  keep every integration script's output in this directory"
      return 0
      ;;
    -*) die "test: unknown option $1 (usage: test [--unit|--compat|--integration] [NAME...])" ;;
    *) filters+=("$1") ;;
    esac
    shift
  done
  ((${#parts[@]})) || parts=(unit integration compat)
  trap test_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  TEST_TMP=$(mktemp -d /tmp/percore-test.XXXXXX)
  # UBSan only reports and carries on by default: make undefined behaviour
  # fail the test binary or fuzzer it happens in.
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
  cmd_setup
  local part
  for part in "${parts[@]}"; do
    case $part in
    unit) test_unit ;;
    integration) test_integration "${filters[@]}" ;;
    compat) test_compat "${filters[@]}" ;;
    esac
  done
  echo "$TEST_PASSED passed, $TEST_FAILED failed"
  ((TEST_FAILED == 0))
}
