#!/usr/bin/env bash
# Decision records, end to end: --records on check, eval and serve; `embargo records`
# query (text, json, csv), replay and verify; tampering detected; and a kill -9 in the
# middle of a write storm (serve and eval) loses no committed record and leaves a store
# that verifies.
# Usage: records.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=../cli/expect.sh
source "$src/tests/cli/expect.sh"
cd "$src" || exit 2
db=$tmp/r.db
# Seven orders with the facts the bundled packs need (so that each is decided for what
# it is, not for a missing fact): three allowed, two Russia reviews, an Iran deny.
corpus=tests/serve/corpus.jsonl

# --- check and eval ---------------------------------------------------------------------
expect "check --records: decides as without" 1 '^DENY  PO-2023-0415' -- \
  "$bin" check --records "$db" examples/micron-ciio.yaml
"$bin" check --records "$db" --format json examples/micron-non-ciio.yaml >"$tmp/allow.json"
expect "eval --records: every line" 1 '' -- "$bin" eval --records "$db" "$corpus"
expect "eval --records refuses --yaml" 2 'JSON Lines' -- \
  "$bin" eval --records "$db" --yaml examples/micron-ciio.yaml
expect "query: text, one line per record" 0 '^1  20[0-9-]{8}T[0-9:.]+Z  PO-2023-0415  deny  cn-cac-micron-ciio  as of 2023-06-15  sha256:' -- \
  "$bin" records "$db" query
expect "query: 9 records" 0 '^9$' -- bash -c "'$bin' records '$db' query | wc -l"
expect "query: --decision" 0 '^8  .*T6  deny  us-ofac-iran' -- "$bin" records "$db" query --decision deny
expect "query: --rule" 0 '^6  .*T4  review  eu-833.*7  .*T5  review' -- \
  bash -c "'$bin' records '$db' query --rule eu-833-art2a-annex-vii-russia | tr '\n' ' '"
today=$(date -u +%F)
expect "query: --since/--until today" 0 '^9$' -- \
  bash -c "'$bin' records '$db' query --since $today --until $today | wc -l"
expect "query: --until yesterday" 0 '^0$' -- \
  bash -c "'$bin' records '$db' query --until $(date -u -d yesterday +%F) | wc -l"
expect "query: json holds the input and the decision JSON" 0 \
  "^\\{\"id\":2,\"decided_at\":\"[^\"]+\",\"engine_version\":\"[0-9.]+\",\"ruleset_digest\":\"sha256:[0-9a-f]{64}\",\"as_of\":\"2023-06-15\",\"transaction\":\"PO-2023-0416\",\"outcome\":\"allow\",\"rule\":null,\"input_sha256\":\"$(sha256sum examples/micron-non-ciio.yaml | cut -c1-64)\",\"input\":\"# A consumer-electronics OEM" -- \
  "$bin" records "$db" query --transaction PO-2023-0416 --format json
expect "query: the decision JSON as check printed it" 0 '' -- cmp "$tmp/allow.json" <(
  "$bin" records "$db" query --transaction PO-2023-0416 --format json | python3 -c '
import json, sys
print(json.dumps(json.loads(sys.stdin.read())["decision"], separators=(",", ":"), ensure_ascii=False))')
expect "query: csv" 0 '^"8","[^"]+","[0-9.]+","sha256:[0-9a-f]{64}","2024-01-01","T6","deny","us-ofac-iran","[0-9a-f]{64}"$' -- \
  bash -c "'$bin' records '$db' query --format csv --decision deny | tail -1"
expect "query: bad date" 2 'YYYY-MM-DD' -- "$bin" records "$db" query --since 2026-02-30
expect "query: no such file" 2 'no such record file' -- "$bin" records "$tmp/none.db" query
echo 'not a database' >"$tmp/junk.db"
expect "query: not a record store" 2 'error' -- "$bin" records "$tmp/junk.db" query

# --- replay -----------------------------------------------------------------------------
expect "replay under the same rules: nothing changes" 0 '^9 records replayed under sha256:[0-9a-f]+: 0 changed, 0 not decided' -- \
  "$bin" records "$db" replay --rules rules
mkdir "$tmp/rules" && cp -r rules/cn rules/lists "$tmp/rules/"
expect "replay under other rules: what changes" 1 'record 8 T6: deny \(us-ofac-iran\) -> allow \(-\).*9 records replayed under sha256:[0-9a-f]+: [0-9]+ changed' -- \
  bash -c "set -o pipefail; '$bin' records '$db' replay --rules '$tmp/rules' | tr '\n' ' '"

# --- verify -----------------------------------------------------------------------------
expect "verify: intact" 0 '9 records, intact; head [0-9a-f]{64}$' -- "$bin" records "$db" verify
cp "$db" "$tmp/t1.db"
sqlite3 "$tmp/t1.db" "UPDATE records SET input = CAST('id: X' AS BLOB) WHERE id = 3"
expect "verify: an altered input" 1 'record 3: the input does not match its SHA-256' -- "$bin" records "$tmp/t1.db" verify
cp "$db" "$tmp/t2.db"
sqlite3 "$tmp/t2.db" "UPDATE records SET outcome = 'allow', decision_json = replace(decision_json, '\"deny\"', '\"allow\"') WHERE id = 8"
expect "verify: an altered decision" 1 'record 8: its fields do not match its hash' -- "$bin" records "$tmp/t2.db" verify
cp "$db" "$tmp/t3.db"
sqlite3 "$tmp/t3.db" "DELETE FROM records WHERE id = 5"
expect "verify: a deleted record" 1 'record 6: record 5 is missing \(deleted\)' -- "$bin" records "$tmp/t3.db" verify
cp "$db" "$tmp/t4.db"
sqlite3 "$tmp/t4.db" "DELETE FROM records WHERE id = 5; UPDATE records SET id = id - 1 WHERE id > 5"
expect "verify: a deleted record, ids renumbered" 1 'record 5: the hash chain is broken' -- "$bin" records "$tmp/t4.db" verify

# --- serve --records ------------------------------------------------------------------
start() {
  "$bin" serve --listen 127.0.0.1:0 "$@" >"$tmp/serve.out" 2>"$tmp/serve.log" &
  pid=$!
  pids+=("$pid")
  url=
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^embargo serve: listening on \(.*\)$/\1/p' "$tmp/serve.out")
    [[ -n $url ]] && return 0
    sleep 0.1
  done
  echo "FAIL: the service did not start"
  exit 1
}
sdb=$tmp/serve.db
start --rules rules --records "$sdb"
expect "serve: Embargo-Record-Id" 0 'Embargo-Record-Id: 1' -- \
  curl -s -i -H 'Content-Type: application/yaml' --data-binary @examples/micron-ciio.yaml "$url/v1/check"
expect "serve: the record id in the log" 0 '"path":"/v1/check","status":200,"decision":"deny","rule":"cn-cac-micron-ciio","record":1,' -- \
  cat "$tmp/serve.log"
expect "serve: no record for input not decided" 0 'status=400' -- \
  curl -s -w 'status=%{http_code}' -H 'Content-Type: application/json' --data-binary '{"id":"x"}' "$url/v1/check"
curl -s -H 'Content-Type: application/x-ndjson' --data-binary @"$corpus" "$url/v1/eval" >/dev/null
expect "serve: eval records every decided line" 0 '^8 T7$' -- \
  bash -c "'$bin' records '$sdb' query | tail -1 | awk '{print \$1, \$3}'"

# The write storm: 16 connections at once post checks; kill -9 while they run. Every
# record id a client was given must be in the store, with its transaction.
for i in $(seq 1 1500); do printf 'url = "%s/v1/check"\noutput = "/dev/null"\n' "$url"; done >"$tmp/urls"
curl -s --parallel --parallel-max 16 -K "$tmp/urls" -H 'Content-Type: application/yaml' \
  --data-binary @examples/micron-ciio.yaml -w '%header{embargo-record-id}\n' >"$tmp/given" 2>/dev/null &
cpid=$!
until_some() { for _ in $(seq 1 100); do [[ $(grep -c . "$tmp/given") -ge 50 ]] && return 0; sleep 0.05; done; }
until_some
kill -KILL "$pid"
wait "$cpid"
wait "$pid" 2>/dev/null
grep -E '^[0-9]+$' "$tmp/given" | sort -n >"$tmp/given.ids"
expect "storm: clients were given record ids before the kill" 0 '^[1-9][0-9]+$' -- \
  bash -c "wc -l <'$tmp/given.ids'"
expect "storm: verify passes after kill -9" 0 'intact' -- "$bin" records "$sdb" verify
"$bin" records "$sdb" query --format csv | awk -F'"' 'NR > 1 && $12 == "PO-2023-0415" { print $2 }' | sort -n >"$tmp/stored.ids"
expect "storm: no record given to a client is lost" 0 '^0$' -- \
  bash -c "comm -23 '$tmp/given.ids' '$tmp/stored.ids' | wc -l"

# eval killed in the middle: the store holds a prefix of the input, each record its line.
awk '{ l[NR] = $0 } END { for (i = 0; i < 60000; i++) { s = l[(i % NR) + 1]; sub(/"id":"T[0-9]+"/, "\"id\":\"L" i + 1 "\"", s); print s } }' \
  "$corpus" >"$tmp/big.jsonl"
edb=$tmp/eval.db
"$bin" eval --records "$edb" --threads 2 "$tmp/big.jsonl" >/dev/null 2>&1 &
epid=$!
pids+=("$epid")
for _ in $(seq 1 100); do
  [[ $(sqlite3 "$edb" 'SELECT count(*) FROM records' 2>/dev/null || echo 0) -gt 1000 ]] && break
  sleep 0.2
done
kill -KILL "$epid"
wait "$epid" 2>/dev/null
expect "eval killed: verify passes" 0 'intact' -- "$bin" records "$edb" verify
expect "eval killed: records are the input's first lines, in order" 0 '^ok [1-9][0-9]+$' -- bash -c "
  n=\$(sqlite3 '$edb' 'SELECT count(*) FROM records')
  sqlite3 '$edb' 'SELECT CAST(input AS TEXT) FROM records ORDER BY id' | cmp -s - <(head -n \$n '$tmp/big.jsonl') && echo ok \$n"

echo "records: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
