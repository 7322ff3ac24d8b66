#!/usr/bin/env bash
# The embargo command line, end to end: exit codes, where errors point, output formats.
# Usage: run.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# expect NAME STATUS PATTERN-IN-OUTPUT -- COMMAND...
expect() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local out
  out=$("$@" 2>&1)
  local got=$?
  if [[ $got -eq $want ]] && grep -qE -- "$pattern" <<<"$out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit $got (want $want), output lacks /$pattern/:"
    sed 's/^/    /' <<<"$out"
  fi
}

cd "$src" || exit 2
r=(--rules rules)

expect "deny exits 1" 1 '^DENY  PO-2023-0415' -- "$bin" check "${r[@]}" examples/micron-ciio.yaml
expect "allow exits 0" 0 '^ALLOW' -- "$bin" check "${r[@]}" examples/micron-non-ciio.yaml
expect "review exits 1 and names the missing fact" 1 "missing: 'buyer.ciio'" -- \
  "$bin" check "${r[@]}" examples/micron-unknown-ciio.yaml
expect "default rules are the bundled ones" 1 'cn-cac-micron-ciio' -- \
  "$bin" check examples/micron-ciio.yaml
expect "json output" 1 '^\{"transaction":"PO-2023-0415","decision":"deny","rule":\{"id":"cn-cac-micron-ciio"' -- \
  "$bin" check "${r[@]}" --format json examples/micron-ciio.yaml
expect "standard input" 0 '"decision":"allow"' -- \
  bash -c "\"$bin\" check --rules rules --format json - < examples/micron-non-ciio.yaml"
expect "as-of before the rule" 0 '^ALLOW  PO-2023-0415  \(as of 2023-05-20\)' -- \
  "$bin" check "${r[@]}" --as-of 2023-05-20 examples/micron-ciio.yaml
expect "no colour when not a terminal" 1 '^DENY' -- "$bin" check "${r[@]}" examples/micron-ciio.yaml
expect "colour when asked" 1 $'^\e\\[1;31mDENY' -- \
  "$bin" check "${r[@]}" --color always examples/micron-ciio.yaml

# No decision: exit 2, never 0, with the position.
printf 'id: X\ndate: 2023-02-30\ndestination: {country: CN}\nbuyer: {name: B}\nitems: [{id: "1"}]\n' >"$tmp/bad-date.yaml"
expect "bad date exits 2 with position" 2 "bad-date.yaml:2:7: error: 'date': '2023-02-30' is not a valid date" -- \
  "$bin" check "${r[@]}" "$tmp/bad-date.yaml"
printf '{"id": "X", "date": ' >"$tmp/truncated.json"
expect "truncated JSON exits 2" 2 'truncated.json:1:2[01]: error: malformed JSON' -- \
  "$bin" check "${r[@]}" "$tmp/truncated.json"
mkdir -p "$tmp/rules"
printf 'rules:\n  - id: a\n    title: t\n    regime: US-EAR\n    authority: A\n    citation: c\n    source_url: https://x.org\n    effective_from: 2020-01-01\n    effect: deny\n    when: {field: destination.country, equals: XK1}\n' >"$tmp/rules/ear.yaml"
expect "bad rules exit 2 with position" 2 "ear.yaml:10:48: error: unknown country 'XK1'" -- \
  "$bin" check --rules "$tmp/rules" examples/micron-ciio.yaml
expect "bad rules never allow" 2 'the rules were not loaded' -- \
  "$bin" check --rules "$tmp/rules" examples/micron-non-ciio.yaml
expect "missing file exits 2" 2 'No such file' -- "$bin" check "${r[@]}" "$tmp/nope.yaml"
expect "missing rules dir exits 2" 2 'no such file or directory' -- \
  "$bin" check --rules "$tmp/none" examples/micron-ciio.yaml
expect "unknown option exits 2" 2 'Unknown option' -- "$bin" check --frobnicate x
expect "unknown format exits 2" 2 "unknown format 'xml'" -- \
  "$bin" check "${r[@]}" --format xml examples/micron-ciio.yaml
expect "no file exits 2" 2 'give one transaction file' -- "$bin" check "${r[@]}"
expect "unknown command exits 2" 2 "unknown command 'frob'" -- "$bin" frob
expect "help lists commands" 0 'check +decide one transaction' -- "$bin" --help
expect "check help lists options and examples" 0 '--as-of=YYYY-MM-DD' -- "$bin" check --help
expect "check help has examples" 0 'embargo check examples/micron-ciio.yaml' -- "$bin" check --help
expect "version" 0 '^embargo [0-9]+\.[0-9]+\.[0-9]+$' -- "$bin" --version
expect "test command passes the CAC pack" 0 '^[0-9]+ passed, 0 failed' -- \
  "$bin" test rules/cn/cac-micron.yaml rules/cn/cac-micron.tests.yaml

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
