#!/usr/bin/env bash
# bench/screen/ab.sh: screening of the work tree against that of an earlier revision,
# in one process (see bench/bench-screen.c, BENCH_AGAINST_OLD).
#
#   bench/screen/ab.sh REV [ARGS...]
#   e.g. bench/screen/ab.sh HEAD~3                       (--synthetic 1000000 40)
#        bench/screen/ab.sh HEAD~3 --synthetic 300000 20  (N members, ROUNDS rounds)
#        bench/screen/ab.sh HEAD~3 --csl ../shared/data/csl-2026-07-31/csl.csv
#
# Builds engine/screen/match.c of REV on its own (with REV's headers), renames its
# functions old_*, links it into bench-screen-ab beside the work tree's engine, and runs
# `bench-screen-ab ARGS` (default: --synthetic 1000000 40). With --csl (or an SDN data
# directory) it compares the listed names and the labelled variants, 40 rounds. Exits 1
# when the two give different hits. Only match.c is taken from REV: the rest of the
# engine (the list, folding) is the work tree's, and REV's match.c must build against it.
# One run's ratio can be off by up to a tenth for the same code on both sides (seen on
# some machines; docs/performance.md, "Large lists"): take several runs before deciding.
# Build directory: $AB_BUILD (default build-ab).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rev=${1:?usage: bench/screen/ab.sh REV [BENCH-SCREEN ARGS...]}
shift
(($#)) || set -- --synthetic 1000000 40
build=${AB_BUILD:-$root/build-ab}
old=$(mktemp -d)
trap 'rm -rf "$old"' EXIT

git -C "$root" archive "$rev" engine include | tar -x -C "$old"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
  >/dev/null
cmake --build "$build" --target embargo_internal >/dev/null # generates include/embargo
cc -O2 -DNDEBUG -std=c11 -I"$old/engine/screen" -I"$old/engine" -I"$old/include" \
  -I"$build/include" $(pkg-config --cflags glib-2.0) \
  -c "$old/engine/screen/match.c" -o "$old/match.o"
nm -g --defined-only "$old/match.o" | awk '{ print $3, "old_" $3 }' > "$old/renames"
mkdir -p "$build/ab"
objcopy --redefine-syms="$old/renames" "$old/match.o" "$build/ab/match-old.o"
cmake -S "$root" -B "$build" -DEMBARGO_BENCH_OLD_OBJECT="$build/ab/match-old.o" >/dev/null
cmake --build "$build" --target bench-screen-ab >/dev/null
echo "old: match.c of $(git -C "$root" rev-parse --short "$rev"); new: the work tree"
"$build/bench/screen/bench-screen-ab" "$@"
