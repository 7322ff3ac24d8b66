#!/usr/bin/env bash
# bench/nesting/run.sh: the cost of reading deeply nested input, near the depth limit (64).
# Writes YAML and JSON documents of growing size made of flow lists 62 levels deep, and a
# flat one of the same size for comparison, and times `embargo check` on each (it reads
# the whole document, then refuses it: the key is not in the contract). Reading must be
# linear in the size: the same bytes cost about the same nested or flat.
#
#   bench/nesting/run.sh EMBARGO_BINARY [RULES]
set -euo pipefail
bin=$1 rules=${2:-rules}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen() { # FORMAT KIND MB
  python3 - "$@" <<'PY'
import sys
fmt, kind, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
depth = 62 if kind == "nested" else 1
unit = "[" * (depth - 1) + "1" + "]" * (depth - 1)
n = int(mb * 1e6 / (len(unit) + 2))
body = "[" + ", ".join([unit] * n) + "]"
if fmt == "json":
    sys.stdout.write('{"id": "N", "date": "2024-01-01", "x": %s}\n' % body)
else:
    sys.stdout.write("id: N\ndate: 2024-01-01\nx: %s\n" % body)
PY
}
printf '%-6s %-7s %8s %10s %10s\n' format kind MB "user s" "max RSS"
for fmt in yaml json; do
  for kind in nested flat; do
    for mb in 2 8 32; do
      f="$tmp/doc.$fmt"
      gen "$fmt" "$kind" "$mb" >"$f"
      size=$(stat -c %s "$f")
      python3 - "$bin" "$rules" "$f" "$fmt" "$kind" "$size" <<'PY'
import resource, subprocess, sys
bin, rules, f, fmt, kind, size = sys.argv[1:]
subprocess.run([bin, "check", "--rules", rules, f], stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%-6s %-7s %8.1f %10.2f %8d MB" % (fmt, kind, int(size) / 1e6, ru.ru_utime, ru.ru_maxrss // 1024))
PY
    done
  done
done
