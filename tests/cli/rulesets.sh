#!/usr/bin/env bash
# Loading rule sets and inputs, fail closed, end to end: empty sets, symbolic links, lock
# files and --expect-digest, reads bounded whatever the kind of file, test suites confined
# to the rules tree (docs/reliability.md).
# Usage: rulesets.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

cd "$src" || exit 2
order=examples/micron-ciio.yaml
allow_order=examples/micron-non-ciio.yaml
# A transaction to Huawei that every empty or partial rule set used to allow.
printf 'id: H\ndate: 2024-01-10\ndestination: {country: CN}\nbuyer: {name: Huawei Technologies Co., Ltd., country: CN}\nitems: [{id: "1", eccn: 5A992.c, origin: US, us_content_pct: 100}]\n' >"$tmp/huawei.yaml"

# ---- empty rule sets: an error everywhere ----
mkdir "$tmp/empty"
for cmd in "check $tmp/huawei.yaml" "eval $tmp/huawei.yaml"; do
  expect "$cmd with an empty rules directory exits 2" 2 "no rule files .*\[E-EMPTY\]" -- \
    "$bin" ${cmd%% *} --rules "$tmp/empty" ${cmd#* }
done
expect "diff with an empty side exits 2" 2 '\[E-EMPTY\]' -- \
  "$bin" diff --corpus tests/lint/diff/corpus.jsonl rules "$tmp/empty"
expect "test of an empty directory exits 2" 2 '\[E-EMPTY\]' -- "$bin" test "$tmp/empty"
expect "lint of an empty directory fails" 2 '\[E-EMPTY\]' -- "$bin" lint "$tmp/empty"
expect "EMBARGO_RULES_DIR empty exits 2" 2 '\[E-EMPTY\]' -- \
  env EMBARGO_RULES_DIR="$tmp/empty" "$bin" check "$tmp/huawei.yaml"
: >"$tmp/zero.yaml"
expect "a 0-byte rule file exits 2" 2 'zero.yaml:1:1: error: a rule file with neither .*\[E-EMPTY\]' -- \
  "$bin" check --rules "$tmp/zero.yaml" "$tmp/huawei.yaml"
printf 'rules: []\n' >"$tmp/none.yaml"
expect "rules: [] exits 2" 2 'none.yaml:1:8: error: a rule file with neither rules nor lists \[E-EMPTY\]' -- \
  "$bin" check --rules "$tmp/none.yaml" "$tmp/huawei.yaml"
mkdir -p "$tmp/trunc"
cp -r rules/. "$tmp/trunc/"
: >"$tmp/trunc/us/entity-list.yaml"
expect "a pack truncated to 0 bytes exits 2" 2 'entity-list.yaml:1:1: error: .*\[E-EMPTY\]' -- \
  "$bin" check --rules "$tmp/trunc" "$tmp/huawei.yaml"

# ---- symbolic links: followed, loops and dangling links refused ----
mkdir -p "$tmp/linked"
ln -s "$src/rules/us" "$tmp/linked/us"
ln -s "$src/rules/lists" "$tmp/linked/lists"
expect "a symlinked sub-directory is followed" 1 'us-entity-list' -- \
  "$bin" check --rules "$tmp/linked" "$tmp/huawei.yaml"
ln -s "$tmp/nowhere.yaml" "$tmp/linked/gone.yaml"
expect "a dangling *.yaml symlink exits 2" 2 'gone.yaml: error: dangling symbolic link: .*\[E-IO\]' -- \
  "$bin" check --rules "$tmp/linked" "$tmp/huawei.yaml"
rm "$tmp/linked/gone.yaml"
ln -s "$tmp/linked" "$tmp/linked/loop"
expect "a symlink loop exits 2" 2 "symbolic link loop.*\[E-IO\]" -- \
  "$bin" check --rules "$tmp/linked" "$tmp/huawei.yaml"
rm "$tmp/linked/loop"

# ---- pinning: embargo lock and --expect-digest ----
mkdir -p "$tmp/pinned"
cp -r rules/. "$tmp/pinned/"
expect "lock writes the lock and prints the digest" 0 '^sha256:[0-9a-f]{64}$' -- "$bin" lock "$tmp/pinned"
digest=$("$bin" lock "$tmp/pinned" 2>/dev/null)
expect "a locked set decides" 1 '^DENY' -- "$bin" check --rules "$tmp/pinned" "$order"
expect "the lock's digest is the decision's" 1 "\"digest\":\"$digest\"" -- \
  "$bin" check --rules "$tmp/pinned" --format json "$order"
expect "lock --check passes when up to date" 0 "$digest" -- "$bin" lock --check "$tmp/pinned"
printf '# a comment changes the bytes\n' >>"$tmp/pinned/cn/cac-micron.yaml"
expect "an altered file refuses to decide" 2 "embargo.lock:[0-9]+:1: error: 'cn/cac-micron.yaml' was altered since the lock was written.*\[E-LOCK\]" -- \
  "$bin" check --rules "$tmp/pinned" "$allow_order"
expect "lock --check fails when out of date" 1 'out of date' -- "$bin" lock --check "$tmp/pinned"
expect "test refuses an altered locked set" 2 '\[E-LOCK\]' -- "$bin" test "$tmp/pinned"
expect "lint refuses an altered locked set" 1 '\[E-LOCK\]' -- "$bin" lint "$tmp/pinned"
cp rules/cn/cac-micron.yaml "$tmp/pinned/cn/cac-micron.yaml"
cp rules/jp/meti-sme.yaml "$tmp/pinned/jp/extra.yaml"
expect "an extra file refuses to decide" 2 "'jp/extra.yaml' is not in embargo.lock.*\[E-LOCK\]" -- \
  "$bin" eval --rules "$tmp/pinned" "$allow_order"
rm "$tmp/pinned/jp/extra.yaml" "$tmp/pinned/jp/meti-sme.yaml"
expect "a missing file refuses to decide" 2 "embargo.lock:[0-9]+:1: error: 'jp/meti-sme.yaml' is in the lock but not in .*\[E-LOCK\]" -- \
  "$bin" check --rules "$tmp/pinned" "$allow_order"
cp rules/jp/meti-sme.yaml "$tmp/pinned/jp/meti-sme.yaml"
expect "restored, the locked set decides again" 0 '^ALLOW' -- "$bin" check --rules "$tmp/pinned" "$allow_order"
expect "lock of a directory that does not load exits 2" 2 'not locked' -- "$bin" lock "$tmp/empty"

expect "check --expect-digest matching" 1 '^DENY' -- \
  "$bin" check --rules "$tmp/pinned" --expect-digest "$digest" "$order"
other=sha256:0000000000000000000000000000000000000000000000000000000000000000
for cmd in check eval; do
  expect "$cmd --expect-digest other exits 2" 2 "the rule set's digest is $digest, expected $other.*\[E-DIGEST\]" -- \
    "$bin" $cmd --rules "$tmp/pinned" --expect-digest $other "$allow_order"
done
expect "test --expect-digest other exits 2" 2 '\[E-DIGEST\]' -- \
  "$bin" test --expect-digest $other "$tmp/pinned"
expect "lint --expect-digest other exits 2" 2 '\[E-DIGEST\]' -- \
  "$bin" lint --expect-digest $other "$tmp/pinned"
expect "diff --expect-digest other exits 2" 2 '\[E-DIGEST\]' -- \
  "$bin" diff --expect-digest $other --corpus tests/lint/diff/corpus.jsonl "$tmp/pinned" "$tmp/pinned"
expect "diff --expect-digest for both sides" 0 '0 of 7 transactions changed' -- \
  "$bin" diff --expect-digest "$digest" --corpus tests/lint/diff/corpus.jsonl "$tmp/pinned" "$tmp/pinned"
expect "screen --expect-digest other exits 2" 2 '\[E-DIGEST\]' -- \
  "$bin" screen --lists "$tmp/pinned" --expect-digest $other Huawei
expect "screen --expect-digest matching" 1 'us-entity-list' -- \
  "$bin" screen --lists "$tmp/pinned" --expect-digest "$digest" "Huawei Technologies"
expect "lock --expect-digest other exits 2" 2 '\[E-DIGEST\]' -- \
  "$bin" lock --expect-digest $other "$tmp/pinned"
expect "a malformed digest exits 2" 2 'expect-digest: expected digest .sha256:ABC. is not' -- \
  "$bin" check --expect-digest sha256:ABC "$order"

# ---- reads bounded whatever the kind of file ----
# (A small rule set where rules are loaded first: the bundled Entity List alone is larger
# than this limit.)
lim=(--max-input-bytes 100000)
expect "check /dev/zero exits 2 at the limit" 2 '/dev/zero: error: input exceeds the limit of 100000 bytes' -- \
  "$bin" check "${lim[@]}" /dev/zero
expect "check - from /dev/zero exits 2 at the limit" 2 '<stdin>: error: input exceeds the limit of 100000 bytes' -- \
  bash -c "\"$bin\" check --max-input-bytes 100000 - < /dev/zero"
expect "--rules /dev/zero exits 2 at the limit" 2 '/dev/zero: error: input exceeds the limit of 100000 bytes \[E-LIMIT\]' -- \
  "$bin" check "${lim[@]}" --rules /dev/zero "$order"
expect "screen --lists /dev/zero exits 2" 2 '/dev/zero: error: input exceeds the limit of 67108864 bytes \[E-LIMIT\]' -- \
  "$bin" screen --lists /dev/zero Huawei
expect "diff --corpus /dev/zero exits 2 at the limit" 2 '/dev/zero: error: input exceeds the limit of 100000 bytes' -- \
  "$bin" diff "${lim[@]}" --corpus /dev/zero rules/cn rules/cn
expect "eval /dev/zero exits 2 at the limit" 2 '/dev/zero:1: error: input exceeds the limit of 100000 bytes' -- \
  "$bin" eval "${lim[@]}" --rules rules/cn /dev/zero
mkfifo "$tmp/fifo"
(head -c 300000 /dev/zero >"$tmp/fifo" 2>/dev/null &)
expect "check of a FIFO exits 2 at the limit" 2 'fifo: error: input exceeds the limit of 100000 bytes' -- \
  timeout 20 "$bin" check "${lim[@]}" "$tmp/fifo"
(head -c 300000 /dev/zero >"$tmp/fifo" 2>/dev/null &)
expect "--rules FIFO exits 2 at the limit" 2 'fifo: error: input exceeds the limit of 100000 bytes \[E-LIMIT\]' -- \
  timeout 20 "$bin" check "${lim[@]}" --rules "$tmp/fifo" "$order"

# ---- test suites read only inside the rules tree ----
mkdir -p "$tmp/suite/cn"
cp rules/cn/cac-micron.yaml "$tmp/suite/cn/"
printf 'cases:\n  - name: escapes\n    transaction_file: ../../x.yaml\n    expect: {decision: deny}\n' >"$tmp/suite/cn/a.tests.yaml"
cp "$order" "$tmp/x.yaml"
expect "a transaction_file outside the rules tree exits 2" 2 "a.tests.yaml:3:23: error: case 'escapes': transaction_file '../../x.yaml' resolves to .*, outside the rules tree" -- \
  "$bin" test "$tmp/suite"
printf 'cases:\n  - name: device\n    transaction_file: /dev/zero\n    expect: {decision: deny}\n' >"$tmp/suite/cn/a.tests.yaml"
expect "an absolute transaction_file exits 2" 2 "transaction_file '/dev/zero' is an absolute path" -- \
  "$bin" test "$tmp/suite"
ln -s "$tmp/x.yaml" "$tmp/suite/cn/x.txn"
printf 'cases:\n  - name: link\n    transaction_file: x.txn\n    expect: {decision: deny}\n' >"$tmp/suite/cn/a.tests.yaml"
expect "a symlink out of the rules tree exits 2" 2 "outside the rules tree" -- "$bin" test "$tmp/suite"
cp "$order" "$tmp/suite/x.txn"
printf 'cases:\n  - name: inside\n    transaction_file: ../x.txn\n    expect: {decision: deny}\n' >"$tmp/suite/cn/a.tests.yaml"
expect "a transaction_file inside the rules tree is read" 0 '^1 passed, 0 failed' -- "$bin" test "$tmp/suite"

# ---- rule-authoring mistakes that loaded silently ----
mkdir -p "$tmp/named"
cp rules/jp/meti-sme.yaml "$tmp/named/"
cp rules/cn/cac-micron.yaml "$tmp/named/cac.tests.yaml"
expect "a rule file named *.tests.yaml exits 2" 2 "cac.tests.yaml:[0-9]+:1: error: a file named \*.tests.yaml holds test cases and is not loaded as rules: its 'lists' would be skipped.*\[E-RULES-IN-TESTS\]" -- \
  "$bin" check --rules "$tmp/named" "$order"
printf 'defaults: {regime: EU, authority: A, citation: c, source_url: https://x.org, effective_from: 2020-01-01}\nrules:\n  - {id: a, title: t, effect: deny, when: {field: destination.country, equals: UA-43}}\n' >"$tmp/region.yaml"
expect "a region where a country is tested exits 2 with a suggestion" 2 "region.yaml:3:80: error: 'UA-43' is a region, which 'destination.country' never equals: test destination.region \[E-COUNTRY\]" -- \
  "$bin" check --rules "$tmp/region.yaml" "$order"

# ---- lint: a field path in neither the contract nor any test's transaction ----
mkdir -p "$tmp/facts"
printf 'defaults: {regime: EU, authority: A, citation: Reg 1/2020, source_url: https://x.org, effective_from: 2020-01-01}\nrules:\n  - id: a\n    title: t\n    effect: deny\n    when: {all: [{field: destination.country, equals: RU}, {field: contract.licence_ref, present: false}]}\n' >"$tmp/facts/r.yaml"
printf 'cases:\n  - name: c\n    transaction: {id: T, date: 2024-01-01, destination: {country: RU}, buyer: {name: B}, items: [{id: "1"}]}\n    expect: {decision: deny, rule: a}\n' >"$tmp/facts/r.tests.yaml"
expect "lint: a fact no test shows is a warning" 1 "r.yaml:6:60: warning: rule 'a' tests 'contract.licence_ref', which is neither a field of the contract nor in any transaction of the tests.*\[W-FIELD-UNKNOWN\]" -- \
  "$bin" lint "$tmp/facts"
printf '  - name: d\n    transaction: {id: T, date: 2024-01-01, destination: {country: RU}, buyer: {name: B}, items: [{id: "1"}], contract: {licence_ref: L-1}}\n    expect: {decision: allow}\n' >>"$tmp/facts/r.tests.yaml"
expect "lint: a fact a test shows is fine" 0 '^0 findings' -- "$bin" lint "$tmp/facts"

# ---- tests cannot pass vacuously ----
mkdir -p "$tmp/vac"
cp rules/cn/cac-micron.yaml "$tmp/vac/"
case_head='cases:\n  - name: c\n    transaction:\n      id: T\n      date: 2024-01-10\n      destination: {country: CN}\n      buyer: {name: Example Telecom Co., country: CN, ciio: true}\n      items: [{id: "1", manufacturer: Micron Technology, eccn: EAR99, origin: US}]\n'
printf "$case_head"'    expect: {}\n' >"$tmp/vac/a.tests.yaml"
expect "expect: {} exits 2" 2 "a.tests.yaml:9:13: error: 'expect' is empty: the case would assert nothing" -- \
  "$bin" test "$tmp/vac"
printf "$case_head"'    expected: {decision: allow}\n' >"$tmp/vac/a.tests.yaml"
expect "a misspelt expect exits 2" 2 "unknown key 'expected' in a case" -- "$bin" test "$tmp/vac"
printf "$case_head"'    expect: {items: [deny]}\n' >"$tmp/vac/a.tests.yaml"
expect "items in the wrong shape exits 2" 2 "'items' must be a mapping" -- "$bin" test "$tmp/vac"
printf "$case_head"'    expect: {regimes: [CN-CAC]}\n' >"$tmp/vac/a.tests.yaml"
expect "regimes in the wrong shape exits 2" 2 "'regimes' must be a mapping" -- "$bin" test "$tmp/vac"
# A case that passes but asserts nothing about the rule that decided does not cover it.
printf "$case_head"'    expect: {missing: []}\n' >"$tmp/vac/a.tests.yaml"
expect "coverage counts only asserted rules" 1 'rule coverage: 0 of 3 rules' -- \
  "$bin" test --min-coverage 1 "$tmp/vac"
printf "$case_head"'    expect: {decision: deny}\n' >"$tmp/vac/a.tests.yaml"
expect "asserting the decision covers the rule that made it" 0 'rule coverage: 1 of 3 rules' -- \
  "$bin" test --min-coverage 1 "$tmp/vac"
printf "$case_head"'    expect: {matched: [{rule: cn-cac-micron-ciio, item: "1", effect: deny, status: decisive}]}\n' >"$tmp/vac/a.tests.yaml"
expect "asserting its place in matched covers a rule" 0 'rule coverage: 1 of 3 rules' -- \
  "$bin" test --min-coverage 1 "$tmp/vac"
rm "$tmp/vac/a.tests.yaml"
expect "no test file exits 2" 2 'no test files .* nothing was tested' -- "$bin" test "$tmp/vac"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
