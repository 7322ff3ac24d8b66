#!/usr/bin/env python3
"""Write the catalogue of the bundled rule packs (rules/README.md) to standard output.

Usage:
    tools/rules-catalogue.py [RULES_DIR] > rules/README.md        (default RULES_DIR: rules)

Python 3 standard library only. There is no YAML parser here: the script reads the rule
files with a minimal LINE-BASED reader that understands exactly the layout the bundled
packs use, and nothing more:

  * a top-level `defaults:` block whose keys are indented by two spaces;
  * a top-level `lists:` block whose entries start with `  - id: ...` (kind/title read
    from the following four-space-indented keys);
  * a top-level `rules:` block whose entries start with `  - id: ...` and whose own keys
    (`regime:`, `effect:`, `effective_from:`, `effective_until:`, `citation:`,
    `unverified:`, `lifts:`) are indented by four spaces, each on ONE line.

Values may be plain or double-quoted (with \\" and \\\\ escapes); single-quoted and block
scalars (| or >) are reported as unsupported on standard error and shown as "?".
A key missing from a rule falls back to the file's `defaults:` value. Files ending in
`.tests.yaml` are skipped, as the loader skips them. The authoritative reading of the
rules is the engine's: run `embargo test rules` to check them; this script only lists.
"""

import os
import re
import sys

RULE_KEYS = ("regime", "effect", "effective_from", "effective_until", "citation",
             "unverified", "lifts", "title")
TOP = re.compile(r"^([a-z_]+):\s*(.*)$")
ENTRY = re.compile(r"^  - id:\s*(.*)$")
KEY2 = re.compile(r"^  ([a-z_]+):\s*(.*)$")
KEY4 = re.compile(r"^    ([a-z_]+):\s*(.*)$")


def scalar(raw, where):
    raw = raw.strip()
    if raw.startswith('"'):
        out, i = [], 1
        while i < len(raw):
            ch = raw[i]
            if ch == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
                i += 2
                continue
            if ch == '"':
                return "".join(out)
            out.append(ch)
            i += 1
        print("%s: warning: unterminated double-quoted value" % where, file=sys.stderr)
        return "".join(out)
    if raw.startswith("'") or raw in ("|", ">") or raw.startswith(("|-", ">-")):
        print("%s: warning: unsupported scalar style: %s" % (where, raw[:20]), file=sys.stderr)
        return "?"
    # plain scalar: drop a trailing comment
    raw = re.sub(r"\s+#.*$", "", raw)
    return raw


def read_file(path, rel):
    defaults, rules, lists = {}, [], []
    section, cur = None, None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            line = line.rstrip("\n")
            where = "%s:%d" % (rel, lineno)
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = TOP.match(line)
            if m:
                section, cur = m.group(1), None
                continue
            if section == "defaults":
                m = KEY2.match(line)
                if m and m.group(1) in RULE_KEYS:
                    defaults[m.group(1)] = scalar(m.group(2), where)
                continue
            if section in ("rules", "lists"):
                m = ENTRY.match(line)
                if m:
                    cur = {"id": scalar(m.group(1), where), "line": lineno}
                    (rules if section == "rules" else lists).append(cur)
                    continue
                m = KEY4.match(line)
                if m and cur is not None:
                    cur.setdefault(m.group(1), scalar(m.group(2), where))
    for r in rules:
        for k, v in defaults.items():
            r.setdefault(k, v)
    return rules, lists


def cell(text):
    return (text or "").replace("|", "\\|").replace("\n", " ")


def main(argv):
    root = argv[1] if len(argv) > 1 else "rules"
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            if name.endswith(".yaml") and not name.endswith(".tests.yaml"):
                full = os.path.join(dirpath, name)
                files.append((os.path.relpath(full, root), full))
    files.sort()  # the loader's order: byte order of relative paths

    all_rules, all_lists = [], []
    for rel, full in files:
        rules, lists = read_file(full, os.path.join(root, rel))
        for r in rules:
            r["file"] = rel
        for l in lists:
            l["file"] = rel
        all_rules += rules
        all_lists += lists

    w = sys.stdout.write
    w("# Bundled rule packs\n\n")
    w("**The bundled rules are examples of how to encode regulation in embargo's rule "
      "language. They are not legal advice**, they are not complete, and they are not kept "
      "up to date with the law: every rule cites its source, and rules whose facts could "
      "not be verified say so in `unverified`. Check the primary texts, and your own "
      "counsel, before relying on any decision they make.\n\n")
    w("One folder per authority: `cn/` (CAC, MOFCOM), `us/` (BIS EAR, OFAC), `eu/` "
      "(Council Regulation 833/2014), `jp/` (METI); shared lists (EAR country groups, "
      "the Entity List sample, EU partner countries, VEU facilities) are in `lists/`. "
      "Test cases sit beside each pack in `*.tests.yaml`; run them with "
      "`embargo test rules`. The rule format is described in `docs/rule-format.md`.\n\n")
    w("This file is generated by `tools/rules-catalogue.py rules > rules/README.md` "
      "(a line-based reader, see the script); do not edit the tables by hand.\n\n")

    w("## Rules (%d)\n\n" % len(all_rules))
    w("In force: from the first day to the first day it no longer applies (exclusive); "
      "'unverified: yes' marks a rule with a fact that could not be verified (the rule's `unverified` text says which). "
      "Effect `allow` with lifts = an exception or authorization.\n\n")
    w("| id | regime | effect | in force | citation | unverified | file |\n")
    w("| --- | --- | --- | --- | --- | --- | --- |\n")
    for r in all_rules:
        effect = r.get("effect", "?")
        if effect == "allow" and "lifts" in r:
            effect = "allow (lifts %s)" % r["lifts"].strip("[]")
        if r.get("effective_until"):
            span = "%s – %s" % (r.get("effective_from", "?"), r["effective_until"])
        else:
            span = "from %s" % r.get("effective_from", "?")
        flag = "yes" if r.get("unverified") else ""
        w("| `%s` | %s | %s | %s | %s | %s | %s:%d |\n" % (
            cell(r["id"]), cell(r.get("regime")), cell(effect), cell(span),
            cell(r.get("citation")), flag, cell(r["file"]), r["line"]))

    w("\n## Lists (%d)\n\n" % len(all_lists))
    w("| id | kind | title | file |\n| --- | --- | --- | --- |\n")
    for l in all_lists:
        w("| `%s` | %s | %s | %s:%d |\n" % (cell(l["id"]), cell(l.get("kind")),
                                          cell(l.get("title")), cell(l["file"]), l["line"]))

    w("\n## Regenerating the data\n\n")
    w("- `lists/us-entity-list.yaml`: the hand-written Huawei/SMIC/YMTC entries plus the "
      "output of `tools/csl-import.py CSL.csv --id us-entity-list --members-only` on a "
      "trade.gov Consolidated Screening List CSV. The bundled part comes from an old CSL "
      "sample and is NOT the current Entity List.\n")
    w("- `lists/ear-country-groups.yaml`: from the eCFR Supplement No. 1 to Part 740; "
      "membership dates marked unverified in the file must be checked against the eCFR "
      "point-in-time versions.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
