#!/usr/bin/env bash
# bench/serve/run.sh: `embargo serve` under wrk, keep-alive, POST /v1/check, then the same
# while the rules are reloaded once a second. Prints wrk's figures and the service's
# resident memory before and after. See docs/performance.md ("embargo serve").
#
#   bench/serve/run.sh EMBARGO_BINARY RULES_DIR TXNS.jsonl
#
# Environment: THREADS (service workers, default: the service's own, one per core),
# WRK_THREADS (default 1),
# CONNECTIONS (default 32), DURATION (default 10s).
set -euo pipefail
bin=$1 rules=$2
export TXNS=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
"$bin" serve --rules "$rules" --listen 127.0.0.1:0 ${THREADS:+--threads "$THREADS"} >"$tmp/out" 2>/dev/null &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do grep -q listening "$tmp/out" && break; sleep 0.1; done
url=$(sed -n 's/^embargo serve: listening on //p' "$tmp/out")
rss() { awk '/VmRSS/ { print $2 " kB" }' "/proc/$pid/status"; }
wrk_run() {
  wrk -t"${WRK_THREADS:-1}" -c"${CONNECTIONS:-32}" -d"${DURATION:-10s}" --latency \
    -s "$here/check.lua" "$url"
}
echo "== rules: $(curl -s "$url/readyz")"
echo "== memory at start: $(rss)"
echo "== warm-up"; DURATION=3s wrk_run >/dev/null
echo "== memory after warm-up: $(rss)"
echo "== checks, keep-alive"; wrk_run
echo "== memory: $(rss)"
echo "== checks while reloading once a second"
( while kill -0 $pid 2>/dev/null; do curl -s -X POST "$url/v1/reload" >/dev/null; sleep 1; done ) &
rpid=$!
wrk_run
kill $rpid
echo "== memory: $(rss)"
curl -s "$url/metrics" | grep -E '^embargo_reloads_total|^embargo_http_responses_total\{code="(200|400|500)"\}'
