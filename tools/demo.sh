#!/usr/bin/env bash
# Builds embargo and decides one transaction with the bundled rules.
# Usage: tools/demo.sh [TRANSACTION_FILE] [embargo check options...]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
# A build directory of its own: tools/test.sh configures build/ with the tests, and
# neither may change the other's cache (the README's two commands work in either order).
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build-demo -j"$(nproc)" --target embargo-cli >/dev/null
file=${1:-examples/micron-ciio.yaml}
shift || true
exec build-demo/tools/embargo/embargo check "$@" "$file"
