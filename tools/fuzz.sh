#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined) in
# build-fuzz/ and runs each for SECONDS (default 60) on its seed corpus and regression
# inputs. New interesting inputs go to build-fuzz/corpus/TARGET (the seeds in
# tests/fuzz/corpus are never written); a crash, leak, hang or sanitizer report is saved
# under build-fuzz/artifacts/TARGET/ and fails the run: copy it to
# tests/fuzz/regressions/TARGET/ with the fix (docs/reliability.md).
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]     TARGET: rules txn suite (default: all)
# FUZZ_SEED=N and FUZZ_RUNS=N make a run repeatable (the test command sets them, so that
# a red CI means a real finding that reproduces, not the luck of a random seed).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(rules txn suite)
[[ -f engine/screen/screen.h && -f tests/fuzz/fuzz-csv.c && $# -eq 0 ]] && targets+=(csv)

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags+=" -fno-omit-frame-pointer -gline-tables-only"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/#/fuzz-}" >/dev/null

status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t"
  log=build-fuzz/fuzz-$t.log
  dict=()
  [[ $t == csv ]] || dict=(-dict=tests/fuzz/yaml.dict)
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "build-fuzz/tests/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
       -seed="${FUZZ_SEED:-0}" -runs="${FUZZ_RUNS:--1}" \
       -print_final_stats=1 "${dict[@]}" -artifact_prefix="build-fuzz/artifacts/$t/" \
       "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" >"$log" 2>&1
  then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    echo "fuzz-$t: ${secs}s, ${execs:-?} executions, ${cov:-cov: ?}, no crash"
  else
    status=1
    echo "fuzz-$t: FAILED after $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") executions; see $log"
    grep -E '^==[0-9]+==|SUMMARY|Test unit written|ERROR' "$log" | head -8 | sed 's/^/    /'
  fi
done
exit $status
