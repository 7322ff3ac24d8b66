#!/usr/bin/env bash
# `pip install ./bindings/python` as a user does, into a fresh virtual environment, with
# no network (--no-index) and the build tools Debian ships (python3-setuptools,
# python3-wheel and python3-pip, seen through --system-site-packages): then `import embargo` from another
# directory decides the bundled example with the library built here.
# Usage: python-install.sh PYTHON3 LIBEMBARGO SOURCE_DIR
set -u
py=$1
lib=$2
src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL $*"; exit 1; }
# --without-pip: the venv runs Debian's pip (python3-pip) from the system site packages,
# which saves installing a pip of its own (most of the time otherwise).
"$py" -m venv --system-site-packages --without-pip "$tmp/venv" || fail "python3 -m venv (python3-venv)"
# From a copy: setuptools builds in the directory it is given (build/, *.egg-info), and a
# test never writes into the source tree.
cp -R "$src/bindings/python" "$tmp/binding" || fail "copy bindings/python"
rm -rf "$tmp/binding/build" "$tmp/binding/"*.egg-info
"$tmp/venv/bin/python" -m pip install -q --no-index --no-build-isolation "$tmp/binding" \
  >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log"; fail "pip install ./bindings/python"; }
cd "$tmp" || exit 2
out=$(EMBARGO_LIBRARY=$lib "$tmp/venv/bin/python" -c '
import sys, embargo
print(embargo.__file__.startswith(sys.prefix))
rs = embargo.RuleSet([sys.argv[1] + "/rules"])
d = rs.check(open(sys.argv[1] + "/examples/micron-ciio.yaml").read())
print(d["decision"], d["rule"]["id"])' "$src") || fail "import embargo from the installed package"
want=$'True\ndeny cn-cac-micron-ciio'
[[ $out == "$want" ]] || fail "installed package: got '$out', want '$want'"
echo "pip install: the installed package decides (deny cn-cac-micron-ciio)"
