#!/usr/bin/env bash
# The library exports its public API and nothing else, from the archive as from the
# shared object: every global symbol they define starts with embargo_, and a program that
# defines the engine's internal short names (tests/symbols/host.c) links against either.
# Usage: check.sh STATIC_LIB SHARED_LIB HOST_STATIC HOST_SHARED RULES ORDER
set -u
static=$1 shared=$2 host_static=$3 host_shared=$4 rules=$5 order=$6
fail=0
for lib in "$static" "$shared"; do
  if [[ $lib == *.so* ]]; then syms=$(nm -D --defined-only "$lib"); else syms=$(nm -g --defined-only "$lib"); fi
  count=$(awk 'NF == 3 && $2 ~ /[A-Z]/ {print $3}' <<<"$syms" | grep -c '^embargo_')
  stray=$(awk 'NF == 3 && $2 ~ /[A-Z]/ {print $3}' <<<"$syms" | grep -v '^embargo_' \
          | grep -vE '^(_init|_fini|_edata|_end|__bss_start|EMBARGO_[0-9.]+)$' || true)
  if [[ -n $stray ]]; then
    echo "FAIL $(basename "$lib") exports symbols outside embargo_*:"; echo "$stray" | head -20 | sed 's/^/    /'
    fail=$((fail + 1))
  elif [[ $count -lt 50 ]]; then
    echo "FAIL $(basename "$lib"): only $count embargo_* symbols: is this the library?"
    fail=$((fail + 1))
  fi
done
for host in "$host_static" "$host_shared"; do
  out=$("$host" "$rules" "$order" 2>&1)
  if [[ $out != "deny 40" ]]; then
    echo "FAIL $(basename "$host"): printed '$out', want 'deny 40' (the library's decision, the host's functions)"
    fail=$((fail + 1))
  fi
done
echo "$((4 - fail)) passed, $fail failed"
[[ $fail -eq 0 ]]
