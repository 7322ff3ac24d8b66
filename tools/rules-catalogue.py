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
      "the Commerce Country Chart, the Entity List, EU partner countries, VEU facilities) are in `lists/`. "
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
    w("Generated files are marked GENERATED in their first line: change their input and "
      "regenerate, never edit them by hand. How a new publication of the regulation becomes "
      "a data change:\n\n")
    w("- **Commerce Control List and Country Chart** (`us/ccl-licence.yaml`, "
      "`lists/ear-country-chart.yaml`): the eCFR XML of Title 15 is extracted into a snapshot "
      "folder (for the bundled rules `../shared/data/ear-2026-07-23/`: `country-chart.csv`, "
      "`country-chart-notes.md`, `ccl-controls.csv`, `country-groups.csv`). "
      "`tools/ear-import.py table SNAPSHOT` writes the reviewable tables `us/data/ccl-licence.csv` "
      "(one row per licence-requirement line of Categories 3-5: reason, paragraphs, excepted "
      "paragraphs, chart column or destination rule, and the line as printed), "
      "`us/data/country-chart.csv` (the X marks; Hong Kong, Liechtenstein and the Cayman "
      "Islands take the row that governs them) and `us/data/country-groups.csv`. Review the "
      "diff of the tables (each changed X mark or control line is one CSV line), then "
      "`tools/ear-import.py generate` writes the two rule files. `tools/test.sh` runs "
      "`tools/ear-import.py generate --check`, which fails when the committed rule files "
      "differ from the tables, or when `lists/ear-country-groups.yaml` (hand-written, with "
      "dated membership) does not give the snapshot's groups on the snapshot date: a BIS "
      "amendment that moves a country is written there with its effective date.\n")
    w("- **Entity List** (`lists/us-entity-list.yaml`): `tools/csl-import.py CSL.csv --id "
      "us-entity-list --entity-list --dates us/data/entity-list-dates.csv` on trade.gov's "
      "Consolidated Screening List (for the bundled rules `../shared/data/csl-2026-07-31/csl.csv`) "
      "writes the whole Entity List and its sub-lists (foreign direct product paragraphs of "
      "each entry's licence requirement; SMIC and its affiliates of 2020-12-18). The CSL has no "
      "listing dates: `us/data/entity-list-dates.csv` maps FR citations to effective dates; "
      "other entries get a lower bound (see the file's header). Add a row there when a new "
      "rule adds entries.\n")
    w("- `lists/ear-country-groups.yaml`: hand-written from Supplement No. 1 to Part 740, "
      "with membership dates; dates marked unverified in the file must be checked against "
      "the eCFR point-in-time versions.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
