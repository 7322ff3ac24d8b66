#!/usr/bin/env bash
# The work limits on the command line: --max-work refuses a transaction whose evaluation
# takes more (exit 2, E-LIMIT naming the input, an error object in eval, a 400 E-LIMIT
# from serve, never a decision), --max-list-members refuses a rule set with a longer names list (exit 2, at
# the first member too many).
# Usage: work.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

cd "$src" || exit 2
r=(--rules rules)
limit="transaction 'PO-2023-0415': deciding it takes more than the work limit of 5 units \(max_work\); stopped at item 1 of 1; no decision"

expect "--max-work: refused, exit 2, E-LIMIT naming the input" 2 \
  "^examples/micron-ciio.yaml: error: $limit \[E-LIMIT\]$" -- \
  "$bin" check "${r[@]}" --max-work 5 examples/micron-ciio.yaml
expect "--max-work: an allow is refused too, never decided" 2 "work limit of 5 units" -- \
  "$bin" check "${r[@]}" --max-work 5 examples/micron-non-ciio.yaml
expect "--max-work: the JSON error has the code" 2 \
  '^\{"error":\{"code":"E-LIMIT","message":"transaction .PO-2023-0415.: deciding it takes more than the work limit of 5 units' -- \
  "$bin" check "${r[@]}" --max-work 5 --format json examples/micron-ciio.yaml
expect "the default work limit decides" 1 '^DENY  PO-2023-0415' -- \
  "$bin" check "${r[@]}" examples/micron-ciio.yaml
expect "--max-work 0 is not a limit" 2 '--max-work must be a positive number' -- \
  "$bin" check "${r[@]}" --max-work 0 examples/micron-ciio.yaml

# eval: an error object for the line, no decision line, exit 2.
printf '{"id":"A","date":"2024-01-01","destination":{"country":"DE"},"buyer":{"name":"B"},"items":[{"id":"1"}]}\n' >"$tmp/one.jsonl"
"$bin" eval "${r[@]}" --max-work 5 "$tmp/one.jsonl" >"$tmp/eval.out" 2>/dev/null
st=$?
expect "eval --max-work: exit 2" 0 '' -- test "$st" -eq 2
expect "eval --max-work: one error object for the line" 0 '' -- \
  grep -qx '{"line":1,"error":"transaction '"'"'A'"'"': deciding it takes more than the work limit of 5 units (max_work); stopped at item 1 of 1; no decision"}' "$tmp/eval.out"
expect "eval --max-work: no decision" 1 '' -- grep -q '"decision"' "$tmp/eval.out"

# A names list longer than --max-list-members: the rules do not load.
expect "--max-list-members: exit 2 at the first member too many" 2 \
  "^rules/lists/us-entity-list.yaml:93:9: error: list 'us-entity-list' has [0-9]+ members, more than the limit of 10 \(max_list_members\) \[E-LIMIT\]$" -- \
  "$bin" check "${r[@]}" --max-list-members 10 examples/micron-ciio.yaml
expect "--max-list-members: never a decision" 2 'the rules were not loaded' -- \
  "$bin" check "${r[@]}" --max-list-members 10 examples/micron-non-ciio.yaml
expect "--max-list-members: lint refuses too, nothing else reported" 1 "more than the limit of 10 \(max_list_members\)" -- \
  "$bin" lint --max-list-members 10 rules
expect "--max-list-members: what uses the list is not also an unknown list" 1 \
  '^8 findings at warning or above \(in all: 8 errors' -- "$bin" lint --max-list-members 10 rules

# serve: a 400 E-LIMIT answer, no decision.
"$bin" serve --listen 127.0.0.1:0 "${r[@]}" --max-work 5 >"$tmp/serve.out" 2>"$tmp/serve.log" &
spid=$!
trap 'kill -KILL "$spid" 2>/dev/null; rm -rf "$tmp"' EXIT
url=
for _ in $(seq 1 300); do
  url=$(sed -n 's/^embargo serve: listening on \(.*\)$/\1/p' "$tmp/serve.out")
  [[ -n $url ]] && break
  sleep 0.1
done
expect "serve --max-work: started" 0 '' -- test -n "$url"
answer=$(curl -sS --max-time 20 -X POST -H 'Content-Type: application/yaml' \
  --data-binary @examples/micron-ciio.yaml -w ' status=%{http_code}' "$url/v1/check" | tr '\n' ' ')
expect "serve --max-work: 400 E-LIMIT, the message names the limit" 0 \
  '"code":"E-LIMIT".*work limit of 5 units \(max_work\).*status=400' -- echo "$answer"
expect "serve --max-work: no decision in the answer" 1 '' -- grep -q '"decision"' <<<"$answer"
kill -TERM "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
