#!/usr/bin/env bash
# Installs the Debian packages embargo needs to build and test, when they are missing.
# Usage: tools/install-deps.sh [--test]   (--test adds valgrind, clang, chromium to render
# the HTML pages in tests/cli/html.sh, man-db, groff and zsh for tests/cli/man.sh, and
# curl, openssl, wrk and sqlite3 for tests/serve and bench/serve)
set -euo pipefail
pkgs=(cmake make gcc pkgconf libglib2.0-dev libyaml-dev libyajl-dev libcsv-dev libxml2-dev libicu-dev
      libmicrohttpd-dev libsqlite3-dev python3)
if [[ ${1:-} == --test ]]; then
  pkgs+=(libcunit1-dev valgrind clang python3 dpkg-dev file
         python3-pytest python3-jsonschema python3-yaml python3-venv python3-setuptools
         python3-wheel python3-pip chromium man-db groff zsh
         curl openssl wrk sqlite3)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "embargo: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
