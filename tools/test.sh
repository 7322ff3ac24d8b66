#!/usr/bin/env bash
# Builds and runs every test three ways: a plain build (ctest), the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the unit tests under valgrind.
# Usage: tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
jobs=$(nproc)

echo "== plain build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

echo "== ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEMBARGO_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure

echo "== valgrind"
vg=(valgrind --quiet --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite,indirect)
"${vg[@]}" build/tests/embargo-tests >/dev/null
"${vg[@]}" build/tools/embargo/embargo test --min-coverage 100 rules >/dev/null
echo "valgrind: no errors, no leaks"
