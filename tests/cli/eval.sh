#!/usr/bin/env bash
# `embargo eval`, end to end: one output line per input line, in order, whatever the
# number of threads; error objects for bad lines; exit status; a corpus split in parts
# gives, concatenated, exactly the output of one whole run (the Hadoop/Spark contract).
# Usage: eval.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" || exit 2
pass=0
fail=0
check() { # NAME CONDITION-EXIT-STATUS
  if [[ $2 -eq 0 ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1"; fi
}

# A corpus of 3,000 lines: a CIIO (deny), a non-CIIO (allow) and an unknown buyer (review)
# buying Micron, 1,000 times each with distinct ids, with
# a bad line (1500, was R500) and a blank line (2000, was A667).
mk() { # ID CIIO(true|false|none)
  local ciio=""
  [[ $2 != none ]] && ciio=", \"ciio\": $2"
  printf '{"id": "%s", "date": "2023-06-15", "destination": {"country": "CN"}, "buyer": {"name": "B", "country": "CN"%s}, "items": [{"id": "1", "manufacturer": "Micron Technology", "eccn": "EAR99"}]}\n' "$1" "$ciio"
}
for i in $(seq 1 1000); do
  mk "D$i" true
  mk "A$i" false
  mk "R$i" none
done >"$tmp/corpus.jsonl"
sed -i '1500s/.*/{"id": "broken", "date": /' "$tmp/corpus.jsonl"
sed -i '2000s/.*//' "$tmp/corpus.jsonl"

"$bin" eval --rules rules/cn --threads 1 "$tmp/corpus.jsonl" >"$tmp/t1.out" 2>"$tmp/t1.err"
st1=$?
"$bin" eval --rules rules/cn --threads 2 "$tmp/corpus.jsonl" >"$tmp/t2.out" 2>"$tmp/t2.err"
st2=$?
"$bin" eval --rules rules/cn --threads 2 --summary - <"$tmp/corpus.jsonl" >"$tmp/stdin.out" 2>"$tmp/stdin.err"
check "exit status 2 when a line failed" $([[ $st1 -eq 2 && $st2 -eq 2 ]]; echo $?)
check "one output line per input line" $([[ $(wc -l <"$tmp/t1.out") -eq 3000 ]]; echo $?)
check "same output whatever the threads" $(cmp -s "$tmp/t1.out" "$tmp/t2.out"; echo $?)
check "input order kept" $([[ $(sed -n '1p;2p;3p;2999p' "$tmp/t1.out" | cut -d'"' -f4 | tr '\n' ' ') == "D1 A1 R1 A1000 " ]]; echo $?)
check "decisions" $([[ $(sed -n '1p' "$tmp/t1.out" | cut -d'"' -f8) == deny && $(sed -n '2p' "$tmp/t1.out" | cut -d'"' -f8) == allow && $(sed -n '3p' "$tmp/t1.out" | cut -d'"' -f8) == review ]]; echo $?)
check "error object for a bad line, with its line number" \
  $(sed -n '1500p' "$tmp/t1.out" | grep -q '^{"line":1500,"error":".*corpus.jsonl:1500:[0-9]*: error: malformed JSON'; echo $?)
check "error object for a blank line" \
  $(sed -n '2000p' "$tmp/stdin.out" | grep -q '^{"line":2000,"error":"<stdin>:2000:1: error: empty line'; echo $?)
check "summary counts" $(grep -q '^3000 transactions: 1000 deny, 0 license_required, 999 review, 999 allow, 2 failed$' "$tmp/stdin.err"; echo $?)
check "summary per deciding rule" $(grep -qE '^ +1999  deny +cn-cac-micron-ciio$' "$tmp/stdin.err"; echo $?)

# Split in three parts (as Hadoop or Spark would), run each, concatenate: the same bytes,
# but for the source name and line numbers inside the two error objects.
split -l 1100 "$tmp/corpus.jsonl" "$tmp/part."
for p in "$tmp"/part.*; do "$bin" eval --rules rules/cn - <"$p"; done >"$tmp/parts.out" 2>/dev/null
check "parts concatenated equal one run (decisions)" \
  $(cmp -s <(grep -v '^{"line"' "$tmp/parts.out") <(grep -v '^{"line"' "$tmp/stdin.out"); echo $?)
check "parts concatenated: same line count" $([[ $(wc -l <"$tmp/parts.out") -eq 3000 ]]; echo $?)

# Clean input: exit 1 when something is not allowed, 0 when all is allowed.
grep '"A' "$tmp/corpus.jsonl" >"$tmp/allow.jsonl"
"$bin" eval --rules rules/cn "$tmp/allow.jsonl" >/dev/null
check "exit 0 when every transaction is allowed" $?
head -3 "$tmp/corpus.jsonl" | "$bin" eval --rules rules/cn - >/dev/null
check "exit 1 when one is not allowed" $([[ $? -eq 1 ]]; echo $?)

# A YAML stream.
{ cat examples/micron-ciio.yaml; echo '---'; cat examples/micron-non-ciio.yaml; echo '---'; cat examples/micron-unknown-ciio.yaml; } >"$tmp/stream.yaml"
"$bin" eval --rules rules/cn --yaml "$tmp/stream.yaml" >"$tmp/y.out"
check "YAML stream: three decisions in order" \
  $([[ $(cut -d'"' -f8 "$tmp/y.out" | tr '\n' ' ') == "deny allow review " ]]; echo $?)

# Bad options and rules: no decisions, exit 2.
"$bin" eval --rules rules/cn --as-of 2023-02-30 "$tmp/allow.jsonl" >/dev/null 2>&1
check "bad --as-of exits 2" $([[ $? -eq 2 ]]; echo $?)
"$bin" eval --rules "$tmp/nope" "$tmp/allow.jsonl" >/dev/null 2>&1
check "missing rules exit 2" $([[ $? -eq 2 ]]; echo $?)

# Limits apply to every line, with the line's own position.
printf '{"id":"a","date":"2024-01-01","destination":{"country":"DE"},"buyer":{"name":"B"},"items":[{"id":"1"},{"id":"2"},{"id":"3"}]}\n' >"$tmp/three.jsonl"
"$bin" eval --rules rules/cn --max-items 2 "$tmp/three.jsonl" >"$tmp/lim.out" 2>/dev/null
check "--max-items: an error object with the position, exit 2" \
  $([[ $? -eq 2 ]] && grep -q '^{"line":1,"error":".*three.jsonl:1:91: error: 3 items exceed the limit of 2' "$tmp/lim.out"; echo $?)

# Invalid UTF-8 and lone surrogate escapes: an error object for that line, exit 2; the
# output stays valid UTF-8 even when the input's own name is not (byte FF).
good='{"id":"g","date":"2024-01-01","destination":{"country":"DE"},"buyer":{"name":"B"},"items":[{"id":"1"}]}'
{
  echo "$good"
  printf '{"id":"o","date":"2024-01-01","destination":{"country":"DE"},"buyer":{"name":"B\xc0\x80"},"items":[{"id":"1"}]}\n'
  printf '{"id":"s","date":"2024-01-01","destination":{"country":"DE"},"buyer":{"name":"B\\ud800"},"items":[{"id":"1"}]}\n'
} >"$tmp/utf8"$'\xff'".jsonl"
"$bin" eval --rules rules/cn "$tmp/utf8"$'\xff'".jsonl" >"$tmp/utf8.out" 2>/dev/null
st=$?
check "invalid UTF-8 lines: exit 2" $([[ $st -eq 2 ]]; echo $?)
check "invalid UTF-8: an error object at the bad byte" \
  $(sed -n 2p "$tmp/utf8.out" | grep -q '^{"line":2,"error":".*jsonl:2:80: error: invalid UTF-8'; echo $?)
check "lone surrogate escape: an error object at the escape" \
  $(sed -n 3p "$tmp/utf8.out" | grep -q '^{"line":3,"error":".*jsonl:3:80: error: the escape \\\\ud800 is a lone high surrogate'; echo $?)
check "eval output is valid UTF-8 whatever the input's name" \
  $(python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$tmp/utf8.out" 2>/dev/null; echo $?)
"$bin" check --rules rules/cn - <<<"$(sed -n 2p "$tmp/utf8"$'\xff'".jsonl")" >/dev/null 2>&1
check "check: invalid UTF-8 in JSON exits 2" $([[ $? -eq 2 ]]; echo $?)

# --strict applies to every line.
printf '%s\n' "$good" '{"id":"x","date":"2024-01-01","destination":{"country":"DE"},"buyer":{"name":"B","rating":1},"items":[{"id":"1"}]}' >"$tmp/strict.jsonl"
"$bin" eval --rules rules/cn --strict "$tmp/strict.jsonl" >"$tmp/strict.out" 2>/dev/null
st=$?
check "--strict: exit 2, the good line decided" \
  $([[ $st -eq 2 ]] && sed -n 1p "$tmp/strict.out" | grep -q '"decision":"allow"'; echo $?)
check "--strict: an error object names the unread key" \
  $(sed -n 2p "$tmp/strict.out" | grep -q "^{\"line\":2,\"error\":\".*unknown key 'buyer.rating'"; echo $?)

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
