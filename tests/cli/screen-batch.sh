#!/usr/bin/env bash
# `embargo screen --batch`: many parties, lists loaded once, results in input order.
# Usage: screen-batch.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
cd "$src" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lists=(--lists rules/lists/us-entity-list.yaml --lists tests/screen/lists/uk.xml)

printf '%s\n' 'Huawei Technologies Co' '' 'Alpha Beta Gamma GmbH' \
  '{"name": "SMIC", "country": "CN"}' '{"name": "Unknown Tanker", "ids": {"imo": "9262089"}}' \
  >"$tmp/names"
"$bin" screen --batch "$tmp/names" "${lists[@]}" >"$tmp/out" 2>"$tmp/err"
expect "batch: a listed party makes the exit 1" 1 '' -- "$bin" screen --batch "$tmp/names" "${lists[@]}"
expect "batch: one result per party, blank line skipped" 0 '^4$' -- bash -c "wc -l <'$tmp/out'"
expect "batch: line 1 denied" 0 '^\{"line":1,"name":"Huawei Technologies Co",.*"decision":"deny"' -- head -n 1 "$tmp/out"
expect "batch: line 3 allowed" 0 '^\{"line":3,"name":"Alpha Beta Gamma GmbH",.*"decision":"allow","candidates":\[\]\}$' -- sed -n 2p "$tmp/out"
expect "batch: JSON line with country" 0 '^\{"line":4,"name":"SMIC","country":"CN","decision":"deny"' -- sed -n 3p "$tmp/out"
expect "batch: identifier object" 0 '^\{"line":5,.*"ref":"RUS2041".*"by_identifier":true' -- sed -n 4p "$tmp/out"

# A line that cannot be screened is an error object, and the exit status is 2, never 0.
printf '%s\n' 'Alpha Beta Gamma GmbH' '{"name": 5}' '{"name": "Ok Co"' >"$tmp/bad"
expect "batch: bad lines are errors, exit 2" 2 '^\{"line":2,"error":\{"code":"E-BATCH"' -- \
  "$bin" screen --batch "$tmp/bad" "${lists[@]}"
expect "batch: a truncated JSON line" 2 '"line":3,"error":\{"code":"E-BATCH","message":"not a JSON object' -- \
  "$bin" screen --batch "$tmp/bad" "${lists[@]}"
printf '\n\n' >"$tmp/empty"
expect "batch: no names is no decision" 2 'has no names' -- "$bin" screen --batch "$tmp/empty" "${lists[@]}"
expect "batch: not with a NAME" 2 'takes its names from FILE' -- "$bin" screen --batch "$tmp/names" X
expect "batch: from standard input" 0 '"line":1,"name":"Alpha Beta Gamma GmbH"' -- \
  bash -c "echo 'Alpha Beta Gamma GmbH' | '$bin' screen --batch - ${lists[*]}"

# Order is kept across blocks and threads: 10,000 names, every line number in order.
for i in $(seq 1 10000); do
  if ((i % 1000 == 0)); then echo "Huawei Technologies Co"; else echo "Company Number $i Ltd"; fi
done >"$tmp/many"
"$bin" screen --batch "$tmp/many" --threads 4 "${lists[@]}" >"$tmp/many.out"
expect "batch: 10,000 results in input order" 0 '^ok$' -- bash -c \
  "grep -o '^{\"line\":[0-9]*' '$tmp/many.out' | cut -d: -f2 | awk '{ if (\$1 != NR) bad=1 } END { print (NR == 10000 && !bad) ? \"ok\" : \"bad \" NR }'"
expect "batch: the ten listed ones found" 0 '^10$' -- bash -c "grep -c '\"decision\":\"deny\"' '$tmp/many.out'"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
