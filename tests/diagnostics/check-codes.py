#!/usr/bin/python3
"""The register of diagnostic codes (engine/diagnostic-codes.h) against the sources and
docs/diagnostics.md.

Usage: check-codes.py SOURCE_DIR

Fails (exit 1, one line per problem) when
  - a code literal ("E-...", "W-...", "N-...", "T-...", "D-...") in the C sources of the
    library or the program (engine/, tools/embargo/, include/) is not registered;
  - a registered code is emitted nowhere (a code left behind);
  - a registered code is not in docs/diagnostics.md (as `CODE` or a ### CODE heading);
  - docs/diagnostics.md names a code that is not registered;
  - a severity disagrees: E- codes are errors, W- warnings, N- notes, and a table of
    the document with a severity column gives the registered one.
"""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
REGISTER = os.path.join(SRC, "engine", "diagnostic-codes.h")
DOC = os.path.join(SRC, "docs", "diagnostics.md")
CODE = r"[EWNTD]-[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*"
SEVERITY = {"ERROR": "error", "WARNING": "warning", "NOTE": "note"}
PREFIX = {"E": "error", "W": "warning", "N": "note"}

problems = []


def register():
    text = open(REGISTER, encoding="utf-8").read()
    rows = re.findall(r'X \("(' + CODE + r')", (ERROR|WARNING|NOTE), "([^"]+)"\)', text)
    codes = {}
    for code, sev, summary in rows:
        if code in codes:
            problems.append(f"{REGISTER}: {code} registered twice")
        codes[code] = SEVERITY[sev]
    if len(rows) < 40:
        problems.append(f"{REGISTER}: only {len(rows)} rows read: is the X-macro table intact?")
    return codes


def source_literals():
    """code -> the first file:line where a string literal holds it."""
    found = {}
    for top in ("engine", os.path.join("tools", "embargo"), "include"):
        for dirpath, _, files in os.walk(os.path.join(SRC, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                if os.path.samefile(path, REGISTER):
                    continue
                with open(path, encoding="utf-8") as f:
                    for n, line in enumerate(f, 1):
                        for code in re.findall(r'"(' + CODE + r')"', line):
                            found.setdefault(code, f"{os.path.relpath(path, SRC)}:{n}")
    return found


def doc_codes():
    """code -> severity the document gives it (None where it gives none), for every code
    the document names."""
    text = open(DOC, encoding="utf-8").read()
    named = {}
    for code in re.findall(r"`(" + CODE + r")`", text) + \
            re.findall(r"^###+ (" + CODE + r")\b", text, re.M):
        named.setdefault(code, None)
    # Tables with a severity column: | `CODE`[, `CODE`...] | severity | ...
    for line in text.splitlines():
        m = re.match(r"^\| ((?:`" + CODE + r"`(?:, )?)+) \| (error|warning|note) \|", line)
        if m:
            for code in re.findall(CODE, m.group(1)):
                named[code] = m.group(2)
    return named


codes = register()
literals = source_literals()
documented = doc_codes()

for code, where in sorted(literals.items()):
    if code not in codes:
        problems.append(f"{where}: {code} is emitted but not registered in "
                        "engine/diagnostic-codes.h")
for code, sev in sorted(codes.items()):
    if code not in literals:
        problems.append(f"engine/diagnostic-codes.h: {code} is registered but no source emits it")
    if code not in documented:
        problems.append(f"docs/diagnostics.md: {code} is registered but not documented")
    if code[0] in PREFIX and PREFIX[code[0]] != sev:
        problems.append(f"engine/diagnostic-codes.h: {code} is registered as {sev}, but "
                        f"{code[0]}- codes are {PREFIX[code[0]]}s")
for code, sev in sorted(documented.items()):
    if code not in codes:
        problems.append(f"docs/diagnostics.md: {code} is documented but not registered")
    elif sev is not None and sev != codes[code]:
        problems.append(f"docs/diagnostics.md: {code} is documented as {sev}, registered as "
                        f"{codes[code]}")

for p in problems:
    print(p)
print(f"{len(codes)} codes registered, {len(literals)} emitted, {len(documented)} documented; "
      f"{len(problems)} problems")
sys.exit(1 if problems else 0)
