#!/usr/bin/env bash
# What people expect of a CLI (docs/cli.md): several files to `check`, names from standard
# input to `screen -`, errors as JSON under --format json, --color and NO_COLOR, and the
# HTML page of check, eval --summary and diff (rendered in headless Chromium when it is
# installed).
# Usage: formats.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
cd "$src" || exit 2
r=(--rules rules)
ex=examples

# stdout_is NAME STATUS EXPECTED -- COMMAND...: standard output is EXPECTED exactly.
stdout_is() {
  local name=$1 want=$2 expected=$3
  shift 4
  local out
  out=$("$@" 2>/dev/null)
  local got=$?
  if [[ $got -eq $want && $out == "$expected" ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit $got (want $want); stdout:"
    sed 's/^/    /' <<<"$out"
    echo "  wanted:"
    sed 's/^/    /' <<<"$expected"
  fi
}

# ---- check: several files, a decision each, the worst exit status
printf 'id: X\ndate: 2023-02-30\ndestination: {country: CN}\nbuyer: {name: B}\nitems: [{id: "1"}]\n' >"$tmp/bad-date.yaml"
expect "two files: allow then deny exits 1" 1 '^ALLOW  PO-2023-0416' -- \
  "$bin" check "${r[@]}" $ex/micron-non-ciio.yaml $ex/micron-ciio.yaml
expect "two files: both decisions" 1 '^DENY  PO-2023-0415' -- \
  "$bin" check "${r[@]}" $ex/micron-non-ciio.yaml $ex/micron-ciio.yaml
stdout_is "two files in JSON: one decision a line, in order" 1 \
  "$(printf 'allow\ndeny\nallow')" -- \
  bash -o pipefail -c "\"$bin\" check --rules rules --format json $ex/micron-non-ciio.yaml $ex/micron-ciio.yaml $ex/micron-non-ciio.yaml | sed 's/^{\"transaction\":\"[^\"]*\",\"decision\":\"\\([a-z_]*\\)\".*/\\1/'"
expect "allow, allow exits 0" 0 '^ALLOW' -- \
  "$bin" check "${r[@]}" $ex/micron-non-ciio.yaml $ex/micron-non-ciio.yaml
expect "a bad file among good ones exits 2, the others decided" 2 \
  "bad-date.yaml:2:7: error: 'date': '2023-02-30' is not a valid date" -- \
  "$bin" check "${r[@]}" $ex/micron-ciio.yaml "$tmp/bad-date.yaml" $ex/micron-non-ciio.yaml
expect "... and the file after it is still decided" 2 '^ALLOW  PO-2023-0416' -- \
  "$bin" check "${r[@]}" $ex/micron-ciio.yaml "$tmp/bad-date.yaml" $ex/micron-non-ciio.yaml
expect "2 beats 1 whatever the order" 2 '^DENY' -- \
  "$bin" check "${r[@]}" "$tmp/nope.yaml" $ex/micron-ciio.yaml

# ---- --format json: errors are JSON on standard output
stdout_is "check json: a bad date is an error object" 2 \
  "{\"error\":{\"code\":\"E-TRANSACTION\",\"message\":\"'date': '2023-02-30' is not a valid date (YYYY-MM-DD)\",\"file\":\"$tmp/bad-date.yaml\",\"line\":2,\"column\":7}}" -- \
  "$bin" check "${r[@]}" --format json "$tmp/bad-date.yaml"
stdout_is "check json: a missing file is an error object" 2 \
  "{\"error\":{\"code\":\"E-IO\",\"message\":\"No such file or directory\",\"file\":\"$tmp/nope.yaml\",\"line\":0,\"column\":0}}" -- \
  "$bin" check "${r[@]}" --format json "$tmp/nope.yaml"
mkdir -p "$tmp/rules"
printf 'rules:\n  - id: a\n    title: t\n    regime: US-EAR\n    authority: A\n    citation: c\n    source_url: https://x.org\n    effective_from: 2020-01-01\n    effect: deny\n    when: {field: destination.country, equals: XK1}\n' >"$tmp/rules/ear.yaml"
stdout_is "check json: rules that do not load are error objects" 2 \
  "{\"error\":{\"code\":\"E-COUNTRY\",\"message\":\"unknown country 'XK1' (ISO 3166-1 alpha-2 expected)\",\"file\":\"$tmp/rules/ear.yaml\",\"line\":10,\"column\":48}}" -- \
  "$bin" check --rules "$tmp/rules" --format json $ex/micron-ciio.yaml
expect "check json: nothing on standard error" 2 '^$' -- \
  bash -c "\"$bin\" check --rules \"$tmp/rules\" --format json $ex/micron-ciio.yaml 2>&1 >/dev/null"
stdout_is "check json: a decision and an error, one a line" 2 \
  "$(printf 'deny\nE-TRANSACTION')" -- \
  bash -o pipefail -c "\"$bin\" check --rules rules --format json $ex/micron-ciio.yaml \"$tmp/bad-date.yaml\" | sed -e 's/^{\"transaction\":\"[^\"]*\",\"decision\":\"\\([a-z_]*\\)\".*/\\1/' -e 's/^{\"error\":{\"code\":\"\\([A-Z-]*\\)\".*/\\1/'"
stdout_is "screen json: an error is an error object" 2 \
  '{"error":{"code":"E-SCREEN","message":"the query'"'"'s name is not valid UTF-8","file":null,"line":0,"column":0}}' -- \
  "$bin" screen --lists rules/lists --format json $'bad \xff name'

l=tests/lint/diff
printf '{"id": "X"\n' >"$tmp/bad.jsonl"
stdout_is "diff json: a missing side is an error object" 2 \
  "{\"error\":{\"code\":\"E-IO\",\"message\":\"no such file or directory (nor a git:REV:PATH)\",\"file\":\"$tmp/none\",\"line\":0,\"column\":0}}" -- \
  "$bin" diff --format json --corpus $l/corpus.jsonl "$tmp/none" $l/head
expect "diff json: an undecidable corpus line is an error object" 2 \
  '^\{"error":\{"code":"E-TRANSACTION","message":"malformed JSON' -- \
  bash -c "\"$bin\" diff --format json --corpus \"$tmp/bad.jsonl\" $l/base $l/head 2>/dev/null"
mkdir -p "$tmp/suite"
cp $l/base/*.yaml "$tmp/suite/"
printf 'cases: [{name: x, transaction_file: nowhere.yaml, expect: {decision: allow}}]\n' >"$tmp/suite/a.tests.yaml"
expect "test json: nothing on standard error" 2 '^$' -- \
  bash -c "\"$bin\" test --format json \"$tmp/suite\" 2>&1 >/dev/null"

# ---- screen -: names from standard input, one a line
printf 'Huawei Technologies Co\n\nAlpha Beta Gamma GmbH\r\n' >"$tmp/names.txt"
stdout_is "screen -: a decision per name, blank lines skipped" 1 \
  "$(printf 'license_required  Huawei Technologies Co\nallow  Alpha Beta Gamma GmbH')" -- \
  bash -o pipefail -c "\"$bin\" screen - < \"$tmp/names.txt\" | grep -v '^ '"
stdout_is "screen - --format json: one object a line" 1 \
  "$(printf 'Huawei Technologies Co license_required\nAlpha Beta Gamma GmbH allow')" -- \
  bash -o pipefail -c "\"$bin\" screen --format json - < \"$tmp/names.txt\" | sed 's/^{\"name\":\"\\([^\"]*\\)\",\"country\":null,\"decision\":\"\\([a-z_]*\\)\".*/\\1 \\2/'"
expect "screen -: only clean names exit 0" 0 '^allow  Alpha Beta Gamma GmbH' -- \
  bash -c "printf 'Alpha Beta Gamma GmbH\n' | \"$bin\" screen -"

# ---- colour: only on a terminal by default, never with NO_COLOR unless --color=always
on_tty() { # runs a command with standard output on a pseudo-terminal
  python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        d = os.read(fd, 65536)
    except OSError:
        break
    if not d:
        break
    out += d
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
sys.exit(os.waitstatus_to_exitcode(st))' "$@"
}
expect "colour on a terminal by default" 1 $'^\e\\[1;31mDENY\e\\[0m' -- \
  env -u NO_COLOR TERM=xterm bash -c "$(declare -f on_tty); on_tty \"$bin\" check --rules rules $ex/micron-ciio.yaml"
expect "no colour on a terminal with NO_COLOR" 1 '^DENY  PO' -- \
  env NO_COLOR=1 TERM=xterm bash -c "$(declare -f on_tty); on_tty \"$bin\" check --rules rules $ex/micron-ciio.yaml"
expect "no colour on a terminal with --color=never" 1 '^DENY  PO' -- \
  env -u NO_COLOR TERM=xterm bash -c "$(declare -f on_tty); on_tty \"$bin\" check --color=never --rules rules $ex/micron-ciio.yaml"
expect "--color=always wins over NO_COLOR" 1 $'^\e\\[1;31mDENY\e\\[0m' -- \
  env NO_COLOR=1 "$bin" check --color=always "${r[@]}" $ex/micron-ciio.yaml
expect "no colour into a pipe" 1 '^DENY  PO' -- env -u NO_COLOR "$bin" check "${r[@]}" $ex/micron-ciio.yaml
expect "a bad --color exits 2" 2 '--color is auto, always or never' -- \
  "$bin" check --color=sometimes "${r[@]}" $ex/micron-ciio.yaml

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
