#!/usr/bin/env bash
# Text from input and rule files never reaches a terminal raw: every command, on stdout
# and stderr alike, shows control characters (C0, C1, DEL), the bidirectional marks,
# embeddings, overrides and isolates, and U+2028/U+2029 escaped (\x1b, \u202e), and JSON
# output carries them as \u escapes (docs/cli.md, docs/reliability.md).
# Usage: escape.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
cd "$src" || exit 2

# The bytes that must never be printed: C0 but tab and newline, DEL, C1 (as UTF-8 or
# as a raw byte), U+061C, U+200E/F, U+2028..U+202E, U+2066..U+2069.
unsafe='[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]'

# run NAME STATUS -- COMMAND...: runs COMMAND, stdout in $tmp/out and stderr in
# $tmp/err; passes when it exits with STATUS and neither stream holds an unsafe byte.
run() {
  name=$1
  local want=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    fail=$((fail + 1))
    echo "FAIL $name: exit $got (want $want)"
    sed 's/^/    /' "$tmp/out" "$tmp/err" | cat -v
  elif LC_ALL=C grep -qaP "$unsafe" "$tmp/out" "$tmp/err"; then
    fail=$((fail + 1))
    echo "FAIL $name: a raw control or bidirectional character was printed:"
    LC_ALL=C grep -naP "$unsafe" "$tmp/out" "$tmp/err" | cat -v | sed 's/^/    /'
  else
    pass=$((pass + 1))
  fi
}

# has STREAM TEXT: the last run's STREAM (out or err) holds TEXT, byte for byte.
has() {
  if grep -qaF -- "$2" "$tmp/$1"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: std$1 lacks: $2"
    sed 's/^/    /' "$tmp/$1" | cat -v
  fi
}

mkdir -p "$tmp/rules" "$tmp/head" "$tmp/suite"
# A rule whose title, authority, citation and message carry escapes; its message
# quotes the buyer's name.
cat >"$tmp/rules/r.yaml" <<'EOF'
rules:
  - id: esc-rule
    title: "T\e[32mALLOW\e[0m"
    regime: US-EAR
    authority: "A\u202eB"
    citation: "Cite\e]8;;http://x\a"
    source_url: https://x.org
    effective_from: 2020-01-01
    effect: deny
    message: "Buyer {buyer.name} is denied"
    when: {field: destination.country, equals: CN}
EOF
sed -e 's/esc-rule/other/' -e 's/equals: CN/equals: RU/' "$tmp/rules/r.yaml" >"$tmp/head/r.yaml"
# An id with SGR, an OSC title, a bidi override, a line separator and C1 CSI.
cat >"$tmp/t.yaml" <<'EOF'
id: "PO\e[1;32mALLOW\e[0m\u202e\u2028\e]0;x\a\u009b2J"
date: 2023-06-15
destination: {country: CN}
buyer: {name: "B\e[2K\u2066"}
items: [{id: "1\u2029"}]
EOF
id_text='PO\x1b[1;32mALLOW\x1b[0m\u202e\u2028\x1b]0;x\x07\u009b2J'
id_json='PO\u001B[1;32mALLOW\u001B[0m\u202e\u2028\u001B]0;x\u0007\u009b2J'

# check, text: every field from the transaction or the rule file escaped.
run "check text" 1 -- "$bin" check --rules "$tmp/rules" "$tmp/t.yaml"
has out "DENY  $id_text  (as of 2023-06-15)"
has out '  rule      esc-rule: T\x1b[32mALLOW\x1b[0m'
has out '  regime    US-EAR (A\u202eB)'
has out '  citation  Cite\x1b]8;;http://x\x07'
has out '  why       Buyer B\x1b[2K\u2066 is denied'
has out '  1\u2029 deny'
# With colour, the program's own colour codes are the only escape sequences.
"$bin" check --rules "$tmp/rules" --color always "$tmp/t.yaml" >"$tmp/out" 2>&1
name="check text with colour"
has out $'\e[1;31mDENY\e[0m  '"$id_text  (as of 2023-06-15)"
[[ $(LC_ALL=C grep -c $'\e' "$tmp/out") -eq 4 ]] && pass=$((pass + 1)) || {
  fail=$((fail + 1)); echo "FAIL $name: an escape sequence that the program did not write"; }

run "check json" 1 -- "$bin" check --rules "$tmp/rules" --format json "$tmp/t.yaml"
has out "{\"transaction\":\"$id_json\",\"decision\":\"deny\""
has out '"title":"T\u001B[32mALLOW\u001B[0m","regime":"US-EAR","authority":"A\u202eB"'
has out '"items":[{"id":"1\u2029"'

# check, standard error: a value quoted in an error message, a file name, an option.
printf 'id: X\ndate: 2023-01-01\ndestination: {country: "C\\e[31mN"}\nbuyer: {name: B}\nitems: [{id: "1"}]\n' >"$tmp/bad.yaml"
run "check error quoting a value" 2 -- "$bin" check --rules "$tmp/rules" "$tmp/bad.yaml"
has err "bad.yaml:3:24: error: 'destination.country': unknown country 'C\\x1b[31mN'"
run "check error quoting a file name" 2 -- "$bin" check --rules "$tmp/rules" "$tmp/no"$'\e[31m\u202e'"file.yaml"
has err 'no\x1b[31m\u202efile.yaml'
run "an unknown option" 2 -- "$bin" check $'--fro\e[8m'
has err 'embargo check: error: Unknown option --fro\x1b[8m'
run "an unknown command" 2 -- "$bin" $'fr\e[31mob'
has err "embargo: error: unknown command 'fr\\x1b[31mob'"

# eval: JSON Lines out, with U+2028, U+202E and ESC as \u escapes; errors on stderr.
printf '%s\n' '{"id":"J\u001b[31m\u202e\u2028","date":"2023-01-01","destination":{"country":"CN"},"buyer":{"name":"B"},"items":[{"id":"1"}]}' >"$tmp/c.jsonl"
printf '%s\n' '{"id":"K","date":"2023-01-01","destination":{"country":"C\u001bN"},"buyer":{"name":"B"},"items":[{"id":"1"}]}' >"$tmp/bad.jsonl"
run "eval" 1 -- "$bin" eval --rules "$tmp/rules" --summary "$tmp/c.jsonl"
has out '{"transaction":"J\u001B[31m\u202e\u2028","decision":"deny"'
has out '"message":"Buyer B is denied"'
run "eval: an error line" 2 -- "$bin" eval --rules "$tmp/rules" "$tmp/bad.jsonl"
has out "unknown country 'C\\\\x1bN'"
run "eval: an error quoting an option" 2 -- "$bin" eval --rules "$tmp/rules" --as-of $'2023\e[31m' "$tmp/c.jsonl"
has err "embargo eval: error: as-of date '2023\\x1b[31m' is not a valid date"

# lint: a diagnostic quoting a key, in text, GitHub and JUnit form (JUnit stays XML).
printf 'rules:\n  - id: k\n    "ti\\e[31mtle\\u202e": x\n' >"$tmp/lintme.yaml"
run "lint text" 1 -- "$bin" lint "$tmp/lintme.yaml"
has out "lintme.yaml:3:5: error: unknown key 'ti\\x1b[31mtle\\u202e' in a rule [E-UNKNOWN-KEY]"
run "lint github" 1 -- "$bin" lint --format github "$tmp/lintme.yaml"
has out "::unknown key 'ti\\x1b[31mtle\\u202e' in a rule [E-UNKNOWN-KEY]"
run "lint json" 1 -- "$bin" lint --format json "$tmp/lintme.yaml"
has out "\"message\":\"unknown key 'ti\\\\x1b[31mtle\\\\u202e' in a rule\""
run "lint junit" 1 -- "$bin" lint --format junit "$tmp/lintme.yaml"
has out "unknown key &apos;ti\\x1b[31mtle\\u202e&apos; in a rule"
if python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$tmp/out" 2>/dev/null; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL lint junit: not well-formed XML"
fi

# test: a case name from the test file, and the failure below it.
cp "$tmp/rules/r.yaml" "$tmp/suite/"
cat >"$tmp/suite/r.tests.yaml" <<'EOF'
cases:
  - name: "case \e[32mok\u202e"
    transaction: {id: "T\e[5m", date: 2023-06-15, destination: {country: CN}, buyer: {name: B}, items: [{id: "1"}]}
    expect: {decision: allow}
EOF
run "test text" 1 -- "$bin" test "$tmp/suite"
has out 'r.tests.yaml:2: case \x1b[32mok\u202e'
run "test junit" 1 -- "$bin" test --format junit "$tmp/suite"
has out 'name="case \x1b[32mok\u202e"'

# diff: transaction ids as examples on stdout, an undecidable line on stderr.
run "diff text" 1 -- "$bin" diff "$tmp/rules" "$tmp/head" --corpus "$tmp/c.jsonl"
has out 'FAIL        1  deny (esc-rule) -> allow (no rule)   e.g. J\x1b[31m\u202e\u2028'
run "diff json" 1 -- "$bin" diff --format json "$tmp/rules" "$tmp/head" --corpus "$tmp/c.jsonl"
has out '"examples":["J\u001B[31m\u202e\u2028"]'
run "diff: an undecidable line" 2 -- "$bin" diff "$tmp/rules" "$tmp/head" --corpus "$tmp/bad.jsonl"
has err "unknown country 'C\\x1bN'"
run "diff: --fail-on quoted" 2 -- "$bin" diff "$tmp/rules" "$tmp/head" --corpus "$tmp/c.jsonl" --fail-on $'x\e[2J'
has err "unknown change 'x\\x1b[2J'"

# screen: the name as given, in text and JSON; a list path in an error.
run "screen text" 0 -- "$bin" screen --lists rules/lists $'Alpha\e[32m\u202eBeta'
has out 'allow  Alpha\x1b[32m\u202eBeta'
run "screen json" 0 -- "$bin" screen --lists rules/lists --format json $'Alpha\e[32m\u2028'
has out '{"name":"Alpha\u001B[32m\u2028"'
run "screen: a list path in an error" 2 -- "$bin" screen --lists "$tmp/x"$'\e[31m'.csv X
has err 'x\x1b[31m.csv'

# lists: a file name in what detect prints and in an error.
printf 'not a list\n' >"$tmp/l"$'\e[31m'".txt"
run "lists detect: an error quoting a file name" 2 -- "$bin" lists detect "$tmp/l"$'\e[31m'".txt"
has err 'l\x1b[31m.txt: not a list format'
run "lists convert: an error quoting a path" 2 -- "$bin" lists convert --id x "$tmp/none"$'\u202e'".xml"
has err 'none\u202e.xml'

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
