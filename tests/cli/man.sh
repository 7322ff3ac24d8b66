#!/usr/bin/env bash
# Man pages and shell completion (tools/gen-man.py): `cmake --install` puts a page per
# command and the completions in place; each page renders without a warning; the bash
# completion loads and completes commands, options and their values.
# Usage: man.sh EMBARGO_BINARY BUILD_DIR
set -u
bin=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || {
  ko "cmake --install"; cat "$tmp/install.log"; }
man1="$tmp/prefix/share/man/man1"
comp="$tmp/prefix/share/bash-completion/completions/embargo"
zcomp="$tmp/prefix/share/zsh/site-functions/_embargo"

# A page for embargo and one for every command the program lists.
commands=$("$bin" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
[[ -n $commands ]] && ok || ko "no commands in embargo --help"
for page in embargo $(sed 's/^/embargo-/' <<<"$commands"); do
  f="$man1/$page.1"
  if [[ ! -s $f ]]; then
    ko "$page.1 is not installed"
    continue
  fi
  # man-db's own check (groff -ww underneath), and groff directly.
  warnings=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >"$tmp/page.txt")
  [[ -z $warnings ]] && ok || ko "$page.1: man --warnings: $warnings"
  warnings=$(groff -ww -man -Tutf8 -z "$f" 2>&1)
  [[ -z $warnings ]] && ok || ko "$page.1: groff -ww: $warnings"
  grep -q '^NAME' "$tmp/page.txt" && grep -q '^SYNOPSIS' "$tmp/page.txt" \
    && grep -q '^EXIT STATUS' "$tmp/page.txt" && ok || ko "$page.1 lacks a section"
done
# The check page documents every option the program accepts, with its values.
MANWIDTH=200 man -l "$man1/embargo-check.1" 2>/dev/null >"$tmp/check.txt"
for want in '-f, --format=text|json|html' '--color=auto|always|never' '-r, --rules=PATH' \
  'embargo check orders/*.yaml' 'NO_COLOR'; do
  grep -qF -- "$want" "$tmp/check.txt" && ok || ko "embargo-check.1 lacks: $want"
done
for cmd in $commands; do
  MANWIDTH=200 man -l "$man1/embargo-$cmd.1" 2>/dev/null >"$tmp/cmd.txt"
  for opt in $("$bin" "$cmd" --help | grep -oE '^  (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
    grep -qF -- "$opt" "$tmp/cmd.txt" || ko "embargo-$cmd.1 lacks $opt"
  done
done
ok

# bash: the completion loads and completes.
complete_words() { # complete_words WORD...: what the completion offers for the last word
  bash -c '
    source "$1"; shift
    complete -p embargo >/dev/null || exit 3
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _embargo 2>/dev/null
    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$comp" "$@"
}
[[ -s $comp ]] && ok || ko "bash completion not installed"
bash -c 'source "$1" && complete -p embargo' _ "$comp" >/dev/null 2>&1 && ok || ko "bash: does not load"
expect_completion() {
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  [[ $got == "$want" ]] && ok || ko "bash completion of '$*': got '$got', want '$want'"
}
expect_completion 'check ' embargo ch
expect_completion 'diff ' embargo di
expect_completion '--format= ' embargo check --fo
expect_completion 'html json text ' embargo check --format ''
expect_completion 'json ' embargo check --format=j
expect_completion 'always auto never ' embargo check --color ''
expect_completion '--fail-on= ' embargo diff --fail
expect_completion 'error note warning ' embargo lint --level ''
if grep -qx lists <<<"$commands"; then
  expect_completion 'convert detect ' embargo lists ''
  expect_completion '--format= ' embargo lists convert --fo
fi

# zsh: installed, and valid zsh when zsh is there to say so.
[[ -s $zcomp ]] && ok || ko "zsh completion not installed"
if command -v zsh >/dev/null; then
  zsh -n "$zcomp" && ok || ko "zsh: syntax"
else
  echo "skipped: zsh syntax check (no zsh)"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
