#!/usr/bin/env bash
# Checks what a packager or a user building on the library relies on, from a build tree:
#  1. `cmake --install` into a prefix that is then moved: pkg-config still answers the
#     moved prefix (embargo.pc is relocatable) and examples/check.c compiles and runs
#     with `pkg-config --cflags --libs embargo`;
#  2. find_package(embargo) links the shared library with no libyaml or yajl development
#     files visible to pkg-config; the `static` component links the static library;
#  3. `cpack -G DEB` builds a package whose Depends name the run-time libraries; as root
#     (CI), the package is installed, `embargo check` runs from it on the installed rules,
#     and the package is removed again.
# Usage: tools/package-test.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=$(cd "${1:?usage: tools/package-test.sh BUILD_DIR}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
order=$src/examples/micron-ciio.yaml

# 1. A relocated install and pkg-config.
cmake --install "$build" --prefix "$tmp/staged" >/dev/null
mv "$tmp/staged" "$tmp/moved"
pc_dir=$(dirname "$(find "$tmp/moved" -name embargo.pc | head -n 1)")
[[ -n $pc_dir ]] || fail "no embargo.pc installed"
prefix=$(PKG_CONFIG_PATH=$pc_dir pkg-config --variable=prefix embargo)
[[ $(readlink -f "$prefix") == "$tmp/moved" ]] || fail "pkg-config prefix is '$prefix', not the moved install"
# shellcheck disable=SC2046
cc "$src/examples/check.c" -o "$tmp/check" $(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs embargo)
libdir=$(PKG_CONFIG_PATH=$pc_dir pkg-config --variable=libdir embargo)
out=$(LD_LIBRARY_PATH=$libdir "$tmp/check" "$tmp/moved/share/embargo/rules" "$order" || true)
[[ $out == *"deny by cn-cac-micron-ciio"* ]] || fail "examples/check.c built with pkg-config said: $out"
# The installed program finds the installed rules and the installed library.
set +e
"$tmp/moved/bin/embargo" check "$order" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[[ $rc -eq 1 ]] || fail "installed embargo check exited $rc: $(cat "$tmp/err")"
echo "package-test: relocated install: pkg-config prefix follows the files; check.c decides deny"

# 2. find_package without libyaml/yajl .pc files in sight.
mkdir -p "$tmp/pc" "$tmp/proj"
for f in /usr/lib/*/pkgconfig/*.pc /usr/lib/pkgconfig/*.pc /usr/share/pkgconfig/*.pc; do
  [[ -e $f ]] || continue
  case $(basename "$f") in yaml-0.1.pc|yajl.pc) continue ;; esac
  ln -sf "$f" "$tmp/pc/$(basename "$f")"
done
cat >"$tmp/proj/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.22)
project(uses_embargo C)
find_package(embargo REQUIRED)
add_executable(check check.c)
target_link_libraries(check PRIVATE embargo::embargo)
EOF
cp "$src/examples/check.c" "$tmp/proj/"
PKG_CONFIG_LIBDIR=$tmp/pc cmake -S "$tmp/proj" -B "$tmp/proj/build" \
  -DCMAKE_PREFIX_PATH="$tmp/moved" >"$tmp/cmake.log" 2>&1 \
  || { cat "$tmp/cmake.log" >&2; fail "find_package(embargo) needs more than GLib"; }
cmake --build "$tmp/proj/build" >/dev/null
out=$(LD_LIBRARY_PATH=$libdir "$tmp/proj/build/check" "$tmp/moved/share/embargo/rules" "$order" || true)
[[ $out == *"deny by cn-cac-micron-ciio"* ]] || fail "find_package(embargo) program said: $out"
sed -i 's/find_package(embargo REQUIRED)/find_package(embargo REQUIRED COMPONENTS static)/;
        s/embargo::embargo)/embargo::embargo_static)/' "$tmp/proj/CMakeLists.txt"
cmake -S "$tmp/proj" -B "$tmp/proj/build-static" -DCMAKE_PREFIX_PATH="$tmp/moved" >/dev/null
cmake --build "$tmp/proj/build-static" >/dev/null
out=$("$tmp/proj/build-static/check" "$tmp/moved/share/embargo/rules" "$order" || true)
[[ $out == *"deny by cn-cac-micron-ciio"* ]] || fail "the static component said: $out"
echo "package-test: find_package(embargo) links the shared library without libyaml/yajl dev files; COMPONENTS static links"

# 3. The Debian package.
(cd "$build" && cpack -G DEB >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
deb=$(ls -t "$build"/embargo_*.deb | head -n 1)
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libglib2.0-0 libyaml-0-2 libyajl2 libcsv3 libc6; do
  [[ $depends == *"$lib"* ]] || fail "Depends of $(basename "$deb") lacks $lib: $depends"
done
dpkg-deb -c "$deb" >"$tmp/contents"
grep -q './usr/share/embargo/rules/cn/cac-micron.yaml' "$tmp/contents" || fail "the package lacks the bundled rules"
grep -q './usr/share/embargo/schemas/rules.schema.json' "$tmp/contents" || fail "the package lacks the schemas"
echo "package-test: $(basename "$deb"): Depends: $depends"
if [[ $(id -u) -eq 0 && ${CI:-} == true ]] && ! dpkg-query -W -f='${Status}' embargo 2>/dev/null | grep -q 'install ok installed'; then
  dpkg -i "$deb" >/dev/null
  set +e
  /usr/bin/embargo check "$order" >"$tmp/out" 2>&1; rc=$?
  set -e
  dpkg -P embargo >/dev/null
  [[ $rc -eq 1 ]] && grep -q 'cn-cac-micron-ciio' "$tmp/out" \
    || fail "embargo check from the installed package exited $rc: $(cat "$tmp/out")"
  echo "package-test: installed the package, /usr/bin/embargo check decided deny, removed it"
else
  echo "package-test: package install step skipped (runs as root under CI=true)"
fi
