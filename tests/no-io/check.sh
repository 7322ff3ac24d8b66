#!/usr/bin/env bash
# The engine core does no I/O, and the compiler holds it to that: a core file that
# reads a file or prints does not compile (engine/no-io.h), while the file helpers, which
# define EMBARGO_IO_ALLOWED, do.
# Usage: check.sh CC SOURCE_DIR BINARY_DIR GLIB_CFLAGS...
set -u
cc=$1 src=$2 bin=$3
shift 3
flags=(-std=c11 -fsyntax-only -I"$src/engine" -I"$src/engine/screen" -I"$src/include" -I"$bin/include" "$@")
pass=0 fail=0
for f in reads-a-file prints; do
  out=$("$cc" "${flags[@]}" "$src/tests/no-io/$f.c" 2>&1)
  if [[ $? -ne 0 && $out == *poisoned* ]]; then pass=$((pass + 1)); else
    echo "FAIL $f.c compiled (or failed for another reason) in the core:"; echo "$out" | head -5; fail=$((fail + 1)); fi
  out=$("$cc" "${flags[@]}" -DEMBARGO_IO_ALLOWED "$src/tests/no-io/$f.c" 2>&1)
  if [[ $? -eq 0 ]]; then pass=$((pass + 1)); else
    echo "FAIL $f.c does not compile even as a file helper:"; echo "$out" | head -5; fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
