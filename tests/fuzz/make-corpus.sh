#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/ from the project's own files:
#   rules/  every rule file (rules/**/*.yaml but *.tests.yaml) and every `%% rules`
#           section of tests/cases/*.case
#   txn/    examples/*.yaml and every `%% transaction` section of tests/cases/*.case
#   suite/  every rules/**/*.tests.yaml
#   csv/    hand-written (a CSL export and an SDN snapshot); this script leaves it alone
# Seeds are named after where they came from. Run it after adding rule packs or cases;
# tools/fuzz.sh leaves these directories alone (new inputs go to build-fuzz/corpus/).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus
rm -rf "$out/rules" "$out/txn" "$out/suite"
mkdir -p "$out/rules" "$out/txn" "$out/suite"

flat() { sed 's|/|-|g' <<<"$1"; }

find rules -name '*.yaml' ! -name '*.tests.yaml' | sort | while read -r f; do
  cp "$f" "$out/rules/$(flat "$f")"
done
find rules -name '*.tests.yaml' | sort | while read -r f; do
  cp "$f" "$out/suite/$(flat "$f")"
done
for f in examples/*.yaml; do cp "$f" "$out/txn/$(flat "$f")"; done

# Case files: one seed per section, the body exactly as tests/test-cases.c reads it.
for f in tests/cases/*.case; do
  base=$(basename "$f" .case)
  awk -v dir="$out" -v base="$base" '
    /^%% / { kind = $2; n[kind]++; file = "";
             if (kind == "rules") file = dir "/rules/case-" base "-" n[kind] ".yaml";
             else if (kind == "transaction") file = dir "/txn/case-" base ".txt";
             if ($3 == "hex") file = "";   # binary sections are written as regressions
             next }
    file != "" { print > file }
  ' "$f"
done
echo "seeds: $(ls "$out/rules" | wc -l) rules, $(ls "$out/txn" | wc -l) txn, $(ls "$out/suite" | wc -l) suite"
