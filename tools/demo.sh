#!/usr/bin/env bash
# Builds embargo and decides one transaction with the bundled rules.
# Usage: tools/demo.sh [TRANSACTION_FILE] [embargo check options...]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" --target embargo-cli >/dev/null
file=${1:-examples/micron-ciio.yaml}
shift || true
exec build/tools/embargo/embargo check "$@" "$file"
