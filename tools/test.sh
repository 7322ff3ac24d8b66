#!/usr/bin/env bash
# Builds and runs every test three ways: a plain build (ctest), the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the unit tests under valgrind;
# then the threaded tests under ThreadSanitizer, and each fuzz target briefly.
# Usage: tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
jobs=$(nproc)

# BUILD_TESTING=ON explicitly: a build/ configured without the tests (an older
# tools/demo.sh did that) must not turn this into a run of no test; and ctest fails when
# it finds none (--no-tests=error) rather than passing.
echo "== plain build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DBUILD_TESTING=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure --no-tests=error -j"$jobs"

echo "== packaging: relocatable install, pkg-config, find_package, cpack -G DEB"
tools/package-test.sh build

echo "== the bundled rules: lint clean, every rule covered by a case"
build/tools/embargo/embargo lint rules
build/tools/embargo/embargo test --min-coverage 100 rules >/dev/null
python3 tools/ear-import.py generate --check rules/us/data rules \
  || { echo "the Control List / Country Chart rules are stale: run tools/ear-import.py generate"; exit 1; }
python3 tools/gen-iso3166.py --check
python3 tools/rules-catalogue.py rules | cmp -s - rules/README.md \
  || { echo "rules/README.md is stale: run tools/rules-catalogue.py rules > rules/README.md"; exit 1; }

echo "== ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEMBARGO_SANITIZE=ON -DBUILD_TESTING=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure --no-tests=error -j"$jobs"

# test-screen exits 77 when the tests that need ../shared/data were skipped for want of
# it (ctest reports them as skipped): that is not a failure of the run.
skippable() { local rc=0; "$@" || rc=$?; [[ $rc -eq 0 || $rc -eq 77 ]] || return "$rc"; }

echo "== valgrind"
vg=(valgrind --quiet --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite,indirect)
"${vg[@]}" build/tests/embargo-tests >/dev/null
"${vg[@]}" build/tools/embargo/embargo test --min-coverage 100 rules >/dev/null
skippable "${vg[@]}" build/tests/screen/test-screen >/dev/null
echo "valgrind: no errors, no leaks"

echo "== ThreadSanitizer: concurrent evaluation and the reload handle"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DEMBARGO_TSAN=ON -DBUILD_TESTING=ON >/dev/null
cmake --build build-tsan -j"$jobs" --target embargo-tests test-screen
# G_SLICE=always-malloc: GSlice's per-thread magazines hand memory between threads
# in ways TSan reports as races (tests/tsan.supp).
G_SLICE=always-malloc TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
  build-tsan/tests/embargo-tests api threads >/dev/null
G_SLICE=always-malloc TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
  skippable build-tsan/tests/screen/test-screen >/dev/null
echo "tsan: no data races"

echo "== fuzzing: each target for 150,000 inputs (30 s at most) from a fixed seed (tools/fuzz.sh; docs/reliability.md)"
FUZZ_SEED=20261128 FUZZ_RUNS=150000 tools/fuzz.sh 30
