#!/usr/bin/env bash
# bench/run.sh: generates the export-control workload, converts its rules, builds
# bench-eval in Release and runs it for 50, 1,000 and 10,000 rules, then prints a
# summary table. See docs/performance.md.
#
#   bench/run.sh [EXTRA BENCH-EVAL ARGS...]      e.g. bench/run.sh --limit 20000
#
# Environment:
#   WORKLOAD_ROOT  where the workloads go (default /tmp/embargo-workload; N50, N1000, N10000
#                  below it). Existing workloads are kept (delete a directory to regenerate).
#   SIZES          rule counts to run (default "50 1000 10000")
#   TXNS           transactions per workload (default 100000, the standard files)
#   THREADS        also measure with this many threads sharing the rule set (default 2;
#                  0 for none)
#   SECONDS_MIN    minimum seconds per timed phase (default 1)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GEN=${GEN:-$REPO/../shared/bench/workload/gen.js}
WORKLOAD_ROOT=${WORKLOAD_ROOT:-/tmp/embargo-workload}
SIZES=${SIZES:-"50 1000 10000"}
TXNS=${TXNS:-100000}
THREADS=${THREADS:-2}
SECONDS_MIN=${SECONDS_MIN:-1}
BUILD=$REPO/build-bench

if [ ! -f "$GEN" ]; then
  echo "run.sh: workload generator not found: $GEN" >&2
  exit 2
fi

# 1. workloads ---------------------------------------------------------------------
for n in $SIZES; do
  dir=$WORKLOAD_ROOT/N$n
  if [ -s "$dir/rules.json" ] && [ -s "$dir/txns.jsonl" ] && [ -s "$dir/expected.jsonl" ]; then
    echo "== workload N=$n: $dir (exists, kept)"
  else
    echo "== workload N=$n: generating into $dir"
    node "$GEN" --n "$n" --m "$TXNS" --out "$dir" >/dev/null
  fi
  echo "== converting $dir/rules.json -> $dir/rules-yaml"
  "$REPO/bench/convert-workload" "$dir/rules.json" "$dir/rules-yaml"
done

# 2. build (Release: -O2, no sanitizers) -------------------------------------------------
echo "== building bench-eval in $BUILD"
gen=()
if [ ! -f "$BUILD/CMakeCache.txt" ] && command -v ninja >/dev/null; then gen=(-G Ninja); fi
cmake -S "$REPO" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DBUILD_TESTING=OFF \
      -DEMBARGO_SANITIZE=OFF -DEMBARGO_TSAN=OFF >/dev/null
cmake --build "$BUILD" --target bench-eval

# 3. runs ----------------------------------------------------------------------------
results=()
status=0
for n in $SIZES; do
  dir=$WORKLOAD_ROOT/N$n
  echo
  echo "== bench-eval N=$n"
  args=("$dir" "$dir/rules-yaml" --seconds "$SECONDS_MIN")
  if [ "$THREADS" -gt 0 ]; then args+=(--threads "$THREADS"); fi
  log=$(mktemp)
  rc=0
  "$BUILD/bench/bench-eval" "${args[@]}" "$@" | tee "$log" || rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then status=1; fi
  line=$(grep '^RESULT ' "$log" || true)
  results+=("$n|$rc|$line")
  rm -f "$log"
done

# 4. summary ------------------------------------------------------------------------------
field() { # field KEY "RESULT k=v ..."
  local kv
  for kv in $2; do
    case $kv in "$1="*) echo "${kv#*=}"; return;; esac
  done
  echo "-"
}
echo
echo "== summary ($(nproc) CPUs; $(uname -m); rates per second, memory in MB)"
printf '%7s %6s %9s %10s %12s %10s %10s %10s %10s %10s %8s %9s %8s %10s\n' \
  rules txns load_ms parse/s parse+free/s eval/s eval/s:all eval/s:hot e2e/s "eval/s:T" rss_load rules_mb peak_mb mismatches
for r in "${results[@]}"; do
  n=${r%%|*}; rest=${r#*|}; rc=${rest%%|*}; line=${rest#*|}
  if [ -z "$line" ]; then
    printf '%7s  failed (exit %s), no result\n' "$n" "$rc"
    continue
  fi
  printf '%7s %6s %9s %10s %12s %10s %10s %10s %10s %10s %8s %9s %8s %10s\n' \
    "$(field rules "$line")" "$(field txns "$line")" "$(field load_ms "$line")" \
    "$(field parse_per_s "$line")" "$(field parse_free_per_s "$line")" "$(field eval_per_s "$line")" \
    "$(field eval_all_per_s "$line")" "$(field eval_hot_per_s "$line")" "$(field e2e_per_s "$line")" \
    "$(field mt_eval_per_s "$line")" "$(field rss_load_mb "$line")" "$(field rules_mb "$line")" \
    "$(field peak_mb "$line")" "$(field mismatches "$line")"
done
echo "(parse/s: parsing all transactions and keeping them; parse+free/s: parsing each and"
echo " freeing it at once; eval/s: embargo_evaluate + embargo_decision_free on parsed"
echo " transactions, 1 thread; eval/s:all: the same through embargo_evaluate_all, 1,024"
echo " a call; eval/s:hot: the loop over the first 1,000 transactions"
echo " only (cache-resident); e2e/s: parse + evaluate + to_json + free, 1 thread;"
[ "$THREADS" -gt 0 ] && echo " eval/s:T: evaluations per second with $THREADS threads sharing the rule set;"
echo " rss_load: RSS after loading the rules; rules_mb: what loading added; peak_mb: VmHWM,"
echo " including every parsed transaction held at once)"
exit $status
