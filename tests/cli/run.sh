#!/usr/bin/env bash
# The embargo command line, end to end: exit codes, where errors point, output formats.
# Usage: run.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

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
expect "a stand-in role is shown" 1 '^  stand-in: the buyer is the consignee \(no consignee named\)$' -- \
  "$bin" check "${r[@]}" examples/micron-ciio.yaml
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
expect "no file exits 2" 2 'give a transaction file' -- "$bin" check "${r[@]}"
expect "unknown command exits 2" 2 "unknown command 'frob'" -- "$bin" frob
expect "help lists commands" 0 'check +decide transactions' -- "$bin" --help
expect "check help lists options and examples" 0 '--as-of=YYYY-MM-DD' -- "$bin" check --help
expect "check help has examples" 0 'embargo check examples/micron-ciio.yaml' -- "$bin" check --help
expect "version" 0 '^embargo [0-9]+\.[0-9]+\.[0-9]+$' -- "$bin" --version
expect "test command passes the CAC pack" 0 '^[0-9]+ passed, 0 failed' -- \
  "$bin" test rules/cn/cac-micron.yaml rules/cn/cac-micron.tests.yaml
cp -R rules "$tmp/rules-copy"   # the bundled tests read only files inside the rules tree
expect "a copied rules tree passes its own tests" 0 '^[0-9]+ passed, 0 failed' -- \
  "$bin" test --min-coverage 100 "$tmp/rules-copy"

# lint, test --format, diff: exit 0 clean, 1 findings, 2 could not run.
l=tests/lint
expect "lint clean exits 0" 0 '^0 findings at warning' -- "$bin" lint --as-of 2025-01-01 $l/W-SHADOWED.good.yaml
expect "lint finding exits 1 with code" 1 'W-SHADOWED.bad.yaml:11:5: warning: .*\[W-SHADOWED\]' -- \
  "$bin" lint --as-of 2025-01-01 $l/W-SHADOWED.bad.yaml
expect "lint reports load errors" 1 "error: unknown country 'XK1'.*\[E-COUNTRY\]" -- "$bin" lint $l/E-COUNTRY.bad.yaml
expect "lint notes pass at the default level" 0 '^0 findings' -- "$bin" lint $l/N-UNVERIFIED.bad.yaml
expect "lint --level note fails on notes" 1 'N-UNVERIFIED' -- "$bin" lint --level note $l/N-UNVERIFIED.bad.yaml
expect "lint --level error passes warnings" 0 '' -- "$bin" lint --level error --as-of 2025-01-01 $l/W-EXPIRED.bad.yaml
expect "lint --ignore" 0 '' -- "$bin" lint --ignore W-EXPIRED --as-of 2025-01-01 $l/W-EXPIRED.bad.yaml
expect "lint missing path exits 2" 2 'no such file' -- "$bin" lint "$tmp/none"
expect "lint bad level exits 2" 2 'level' -- "$bin" lint --level loud rules
expect "lint bad as-of exits 2" 2 'not a valid date' -- "$bin" lint --as-of 2025-02-30 rules
expect "lint sarif" 1 '"version":"2.1.0"' -- "$bin" lint --format sarif --as-of 2025-01-01 $l/W-EXPIRED.bad.yaml
expect "lint github" 1 '^::warning file=tests/lint/W-EXPIRED.bad.yaml,line=2,col=5,title=W-EXPIRED::' -- \
  "$bin" lint --format github --as-of 2025-01-01 $l/W-EXPIRED.bad.yaml
expect "lint junit" 1 '<testsuite name="tests/lint/W-EXPIRED.bad.yaml" tests="1" failures="1"' -- \
  "$bin" lint --format junit --as-of 2025-01-01 $l/W-EXPIRED.bad.yaml
expect "a misspelt path is a warning with a suggestion" 1 "W-FIELD-TYPO.bad.yaml:10:11: warning: rule 'r1' tests 'destination.contry', which is not a field of the contract \(and if_missing: false makes the condition false for every transaction\): did you mean 'destination.country'\? \[W-FIELD-TYPO\]" -- \
  "$bin" lint $l/W-FIELD-TYPO.bad.yaml
expect "equals: no is a warning" 1 "W-YAML11-BOOLEAN.bad.yaml:10:.*'no', which YAML 1.1 read as a boolean.*write false where a boolean is meant \[W-YAML11-BOOLEAN\]" -- \
  "$bin" lint $l/W-YAML11-BOOLEAN.bad.yaml
expect "an operand the field's type never matches is a warning with the fix" 1 "W-OPERAND-TYPE.bad.yaml:11:40: warning: rule 'r1' compares 'item.attributes.tpp', which holds a number, with text: it can never match: the text '4,992' is not a number; write a number \\[W-OPERAND-TYPE\\]" -- \
  "$bin" lint $l/W-OPERAND-TYPE.bad.yaml
expect "if_missing: false is listed as a note" 1 "N-IF-MISSING-FALSE.bad.yaml:10:60: note: rule 'r1': a transaction without 'seller.country' makes this condition false" -- \
  "$bin" lint --level note $l/N-IF-MISSING-FALSE.bad.yaml
expect "lint of the bundled rules, as they are" 0 '^0 findings' -- "$bin" lint rules
expect "a rule that ended is a note" 1 "W-EXPIRED.good.yaml:2:5: note: rule 'r1' ended on 2024-06-01 .*kept as history.*\[N-EXPIRED\]" -- \
  "$bin" lint --level note --as-of 2025-01-01 $l/W-EXPIRED.good.yaml
expect "an ended rule still lifted by name is a warning" 1 "W-EXPIRED.bad.yaml:2:5: warning: rule 'r1' is no longer in force: .* rule 'x1' still refers to it.*\[W-EXPIRED\]" -- \
  "$bin" lint --as-of 2025-01-01 $l/W-EXPIRED.bad.yaml
expect "test junit" 0 '<testsuites name="embargo test"' -- "$bin" test --format junit rules
# A diagnostic's context, the second position, is a note line of its own (text), a
# relatedLocation (SARIF), a "context" member (JSON).
expect "lint: the message names the winner, not its place" 1 \
  "^tests/lint/W-SHADOWED.bad.yaml:11:5: warning: rule 'narrow' can never decide: 'broad' applies whenever it does, is in force whenever it is, and wins \(deny, more severe\) \[W-SHADOWED\]$" -- \
  "$bin" lint $l/W-SHADOWED.bad.yaml
expect "lint: where the winner is defined is a note line" 1 \
  "^tests/lint/W-SHADOWED.bad.yaml:2:5: note: rule 'broad' is defined here$" -- \
  "$bin" lint $l/W-SHADOWED.bad.yaml
expect "lint sarif: the context is a relatedLocation" 1 \
  '"relatedLocations":\[\{"id":1,"physicalLocation":\{"artifactLocation":\{"uri":"tests/lint/W-SHADOWED.bad.yaml"\},"region":\{"startLine":2,"startColumn":5\}\},"message":\{"text":"rule .broad. is defined here"\}\}\]' -- \
  "$bin" lint --format sarif $l/W-SHADOWED.bad.yaml
expect "lint json: the context is a member of the finding" 1 \
  '"context":\{"file":"tests/lint/W-SHADOWED.bad.yaml","line":2,"column":5,"message":"rule .broad. is defined here"\}' -- \
  "$bin" lint --format json $l/W-SHADOWED.bad.yaml
expect "check: a duplicate id names where it was first defined, on a note line" 2 \
  "^tests/lint/E-DUPLICATE-ID.bad.yaml:2:5: note: rule 'r1' is first defined here$" -- \
  "$bin" check --rules $l/E-DUPLICATE-ID.bad.yaml examples/micron-ciio.yaml
expect "lint: the rule an exception may not lift is the context" 1 \
  "^tests/lint/E-CROSS-REGIME.bad.yaml:2:5: note: rule 'r1' \(US-EAR\) is defined here$" -- \
  "$bin" lint $l/E-CROSS-REGIME.bad.yaml
expect "lint: the rule an exception can never lift is the context" 1 \
  "^tests/lint/W-LIFTS-DISJOINT.bad.yaml:2:5: note: rule 'r1' is defined here$" -- \
  "$bin" lint --as-of 2025-01-01 $l/W-LIFTS-DISJOINT.bad.yaml
# A suite that could not run is a JUnit <error>, never dropped: a missing test file, one
# that does not parse, rules that do not load.
printf 'cases: [unclosed\n' >"$tmp/broken.tests.yaml"
expect "test junit: a test file that does not parse is an <error>" 2 \
  '<testsuite name="[^"]*/broken.tests.yaml" tests="1" failures="0" errors="1" skipped="0">' -- \
  "$bin" test --format junit --rules rules "$tmp/broken.tests.yaml"
expect "test junit: a missing test file is an <error>" 2 \
  '<error message="[^"]*/nope.tests.yaml: No such file or directory" type="test">' -- \
  "$bin" test --format junit --rules rules "$tmp/nope.tests.yaml"
expect "test junit: the errors are counted" 2 \
  '<testsuites name="embargo test" tests="[0-9]+" failures="0" errors="1">' -- \
  "$bin" test --format junit rules "$tmp/broken.tests.yaml"
expect "lint junit: a path that cannot be read is an <error>" 2 \
  '<testsuite name="[^"]*/nope" tests="1" failures="0" errors="1" skipped="0">' -- \
  "$bin" lint --format junit "$tmp/nope"
expect "test junit: rules that do not load leave each suite not run" 2 \
  '<testsuite name="rules/cn/cac-micron.tests.yaml" tests="1" failures="0" errors="1" skipped="0">' -- \
  "$bin" test --format junit --rules "$tmp/nope" rules
expect "test sarif below coverage exits 1" 1 '"ruleId":"T-COVERAGE"' -- \
  "$bin" test --format sarif --min-coverage 100 $l/coverage
expect "test unknown format exits 2" 2 "unknown format 'xml'" -- "$bin" test --format xml rules
d=(--corpus $l/diff/corpus.jsonl $l/diff/base $l/diff/head)
# --format markdown (a CI job summary): tables GitHub renders, cells escaped.
expect "diff markdown: a changed decision is a table row" 1 \
  '^\| \*\*FAIL\*\* \| 2 \| \*\*license_required\*\* b<br>tests/lint/diff/base/rules.yaml:12 \| \*\*review\*\* b<br>tests/lint/diff/head/rules.yaml:15 \| T4, T5 \|$' -- \
  "$bin" diff --format markdown "${d[@]}"
expect "test markdown: the counts as a table" 1 \
  '^\| 2 \| 0 \| 0 \| 2 of 4 rules \(50\.0 %\), \*\*below --min-coverage\*\* \| 1 of 2 \|$' -- \
  "$bin" test --format markdown --min-coverage 100 $l/coverage
expect "lint markdown: a finding is a row, markup in it escaped" 1 \
  "^\| warning \| tests/lint/W-SOURCE-URL-PLACEHOLDER.bad.yaml:2:5 \| W-SOURCE-URL-PLACEHOLDER \| rule 'r1': source\\\\_url 'https://example.com/regulation' does not point" -- \
  "$bin" lint --format markdown $l/W-SOURCE-URL-PLACEHOLDER.bad.yaml
expect "diff loosened exits 1" 1 '^FAIL +2  license_required \(b\) -> review \(b\)' -- "$bin" diff "${d[@]}"
expect "diff --fail-on deny-to-allow exits 0" 0 '3 of 7 transactions changed; 0 fail' -- \
  "$bin" diff --fail-on deny-to-allow "${d[@]}"
expect "diff github" 1 '^::error file=tests/lint/diff/head/rules.yaml,line=15,col=1,title=D-DECISION-GATE::2 decisions' -- \
  "$bin" diff --format github "${d[@]}"
expect "diff bad fail-on exits 2" 2 "unknown change 'looser'" -- "$bin" diff --fail-on looser "${d[@]}"
# An unset CI variable: the gate must not pass silently on a change it would fail.
expect "diff --fail-on= (empty) exits 2" 2 '--fail-on is empty \(an unset variable\?\)' -- \
  "$bin" diff --fail-on= "${d[@]}"
expect "diff --fail-on '' exits 2" 2 '--fail-on is empty' -- "$bin" diff --fail-on '' "${d[@]}"
expect "diff --fail-on of blanks exits 2" 2 '--fail-on is empty' -- "$bin" diff --fail-on ' ' "${d[@]}"
expect "diff --fail-on with an empty element exits 2" 2 "unknown change ''" -- \
  "$bin" diff --fail-on 'loosened,' "${d[@]}"
expect "diff missing side exits 2" 2 'no such file' -- "$bin" diff --corpus $l/diff/corpus.jsonl "$tmp/none" $l/diff/head
printf '{"id": "X"\n' >"$tmp/bad.jsonl"
expect "diff bad corpus line exits 2" 2 'could not be decided' -- "$bin" diff --corpus "$tmp/bad.jsonl" $l/diff/base $l/diff/head
if git rev-parse --verify --quiet HEAD >/dev/null 2>&1 && git cat-file -e HEAD:rules 2>/dev/null; then
  expect "diff against a git revision" 0 'base  git:HEAD:rules: [0-9]+ rules' -- \
    "$bin" diff --fail-on none --corpus $l/diff/corpus.jsonl git:HEAD:rules rules
fi

# Resource limits (docs/reliability.md): refused with the position, exit 2.
printf 'id: X\ndate: 2024-01-01\ndestination: {country: DE}\nbuyer: {name: B}\nitems: [{id: a}, {id: b}]\n' >"$tmp/two-items.yaml"
expect "--max-items refuses with the position" 2 "two-items.yaml:5:8: error: 2 items exceed the limit of 1" -- \
  "$bin" check "${r[@]}" --max-items 1 "$tmp/two-items.yaml"
expect "--max-input-bytes refuses before reading" 2 "exceeds the limit of 10 \(--max-input-bytes\)" -- \
  "$bin" check "${r[@]}" --max-input-bytes 10 "$tmp/two-items.yaml"
expect "--max-string-bytes applies to the rules too" 2 "E-LIMIT" -- \
  "$bin" check "${r[@]}" --max-string-bytes 100 "$tmp/two-items.yaml"
expect "a limit must be positive" 2 "--max-depth must be a positive number" -- \
  "$bin" check "${r[@]}" --max-depth 0 "$tmp/two-items.yaml"
expect "an unreadable rule file is no decision" 2 "Input/output error \[E-IO\]" -- \
  "$bin" check --rules /proc/self/mem "$tmp/two-items.yaml"

# Limits apply to every command that loads rules.
expect "lint --max-rules" 1 'more than 3 rules \[E-LIMIT\]' -- "$bin" lint --max-rules 3 rules
expect "test --max-rules" 2 'more than 3 rules \[E-LIMIT\]' -- "$bin" test --max-rules 3 rules
expect "diff --max-rules" 2 'more than 3 rules \[E-LIMIT\]' -- \
  "$bin" diff --max-rules 3 rules rules --corpus examples/micron-ciio.yaml

# --strict: a key neither in the contract nor read by a rule is no decision; without it
# the same order is decided (contract.signed is read by the EU pack, contract.sigend by
# nothing).
{ cat examples/micron-ciio.yaml; printf 'contract: {signed: 2023-05-30, sigend: 2023-05-30}\nextra: 1\n'; } \
  >"$tmp/strict.yaml"
expect "--strict: an unread key is an error, by its path" 2 \
  "unknown key 'contract.sigend': it is not in the transaction contract and no loaded rule reads it" -- \
  "$bin" check "${r[@]}" --strict "$tmp/strict.yaml"
expect "--strict: every unread key is named" 2 "unknown key 'extra'" -- \
  "$bin" check "${r[@]}" --strict "$tmp/strict.yaml"
expect "without --strict the same order is decided" 1 '^DENY' -- \
  "$bin" check "${r[@]}" "$tmp/strict.yaml"
expect "--strict: a transaction of contract keys and read facts is decided" 1 '^DENY' -- \
  "$bin" check "${r[@]}" --strict examples/micron-ciio.yaml
expect "a near miss of a contract key is an error without --strict" 2 \
  "unknown key 'enduser'; did you mean 'end_user'\\?" -- \
  bash -c "sed 's/^seller:/enduser:/' examples/micron-ciio.yaml | \"$bin\" check --rules rules -"

# A test case's expectation on a regime the rule set does not have fails, naming it.
mkdir -p "$tmp/regime"
printf 'defaults: {regime: US-OFAC, authority: OFAC, citation: 31 CFR 515, source_url: https://www.ecfr.gov/x, effective_from: 2020-01-01}\nrules:\n  - {id: cuba, title: Cuba, effect: deny, when: {field: destination.country, equals: CU}}\n' >"$tmp/regime/r.yaml"
printf 'cases:\n  - name: misspelt regime\n    transaction: {id: U1, date: 2024-05-01, destination: {country: DE}, buyer: {name: B}, items: [{id: "1"}]}\n    expect: {decision: allow, regimes: {US-OFAK: allow}}\n' >"$tmp/regime/r.tests.yaml"
expect "a misspelt regime in a test fails" 1 "unknown regime 'US-OFAK': the rule set has US-OFAC" -- \
  "$bin" test "$tmp/regime"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
