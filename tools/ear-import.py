#!/usr/bin/env python3
"""US export licence determination as data: the Commerce Control List (CCL) and the
Commerce Country Chart, from an eCFR snapshot to reviewable tables to rule files.

Usage:
    tools/ear-import.py table SNAPSHOT_DIR [OUT_DIR]      (default OUT_DIR: rules/us/data)
    tools/ear-import.py generate [DATA_DIR] [RULES_DIR]    (defaults: rules/us/data, rules)
    tools/ear-import.py generate --check [DATA_DIR] [RULES_DIR]

The data flow, in three steps:

1. SNAPSHOT_DIR is an extraction of the eCFR XML of Title 15 (for the bundled rules,
   ../shared/data/ear-2026-07-23/): country-chart.csv (Supplement No. 1 to Part 738: one
   row per destination, an X per column CB1..AT2), country-chart-notes.md (footnotes;
   destinations governed by another row, e.g. Hong Kong by China; entries that need a
   licence everywhere) and ccl-controls.csv (Supplement No. 1 to Part 774: per ECCN, each
   "License Requirements" line as printed).

2. `table` turns the snapshot into two reviewable CSV tables in the rules tree:
     OUT_DIR/country-chart.csv   one row per destination, the X marks, and `governed_by`
                                 for destinations with no row of their own (their marks are
                                 copied from the governing row);
     OUT_DIR/ccl-licence.csv     one row per licence-requirement line of the ECCNs of
                                 Categories 3, 4 and 5: eccn, reason, `applies_to` (`entire`,
                                 or the paragraphs, space-separated, e.g. `3B001.a.1 3B001.a.2`,
                                 or `described` when the line describes its scope in words,
                                 e.g. "software for equipment controlled by 3B001.q"),
                                 `except` (paragraphs taken out), `destination` (a chart
                                 column such as NS2, or a destination rule: see DESTINATIONS
                                 below), and the line's text as printed (`control`,
                                 `country_chart`) so a reviewer can check each parse.
   The tables are committed and reviewed like code. A reviewer may correct a row by hand
   (e.g. turn a `described` scope into paragraphs after reading the ECCN).

3. `generate` turns the tables into rule files (committed too; never edit them by hand):
     RULES_DIR/lists/ear-country-chart.yaml   one countries list per chart column;
     RULES_DIR/us/ccl-licence.yaml            the licence-determination rules.
   `--check` writes nothing and exits 1 if either committed file differs from what the
   tables give (tools/test.sh runs it, like the catalogue check). Both forms also check the
   hand-written, dated rules/lists/ear-country-groups.yaml against OUT_DIR/country-groups.csv
   (a copy of the snapshot's Country Groups, Supplement No. 1 to Part 740): the members in
   force on the snapshot date must be exactly the snapshot's, or the command fails and says
   which group differs. A new snapshot that moves a country therefore fails the check until
   the move is written into the groups file with its effective date.

How a BIS amendment becomes a data change: extract the new eCFR issue into a snapshot
folder, run `table` on it, review the diff of the two CSV tables (git diff shows each
changed X mark and control line), fix any `described` row worth fixing, run `generate`,
update SNAPSHOT_DATE below to the issue date, and commit tables and rule files together
with the test cases of rules/us/ccl-licence.tests.yaml the change needs.

What the rules decide (see the header of the generated ccl-licence.yaml): for an item
whose ECCN falls under a line of the table, `license_required` when the line's
destination rule holds for the destination (for a column: the destination's chart row
has an X there); `review` where the scope cannot be decided from the ECCN (the item's
ECCN is given above the paragraph level the line needs, or the line's scope is in words,
or the destination rule is unclear). Licence exceptions are named, never decided.

Python 3 standard library only.
"""

import argparse
import csv
import io
import os
import re
import sys

SNAPSHOT_DATE = "2026-07-23"
SNAPSHOT_NAME = "ear-2026-07-23"
CATEGORIES = ("3", "4", "5")
COLUMNS = ["CB1", "CB2", "CB3", "NP1", "NP2", "NS1", "NS2", "MT1", "RS1", "RS2", "FC1",
           "CC1", "CC2", "CC3", "AT1", "AT2"]
CHART_URL = ("https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/"
             "part-738/appendix-Supplement%20No.%201%20to%20Part%20738")
CCL_URL = ("https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/"
           "part-774/appendix-Supplement%20No.%201%20to%20Part%20774")
TABLE_FIELDS = ["eccn", "reason", "applies_to", "except", "destination", "control",
                "country_chart"]

# Destination rules that are not a chart column. Each: (effect, title, condition YAML
# (flow style), citation, explanation for the message, unverified note or "").
NOT_US = "{not: {field: destination.country, equals: US}}"
DESTINATIONS = {
    "worldwide": (
        "license_required", "every destination",
        NOT_US,
        "15 CFR 742.4(a)(5), 742.6(a)(10), 742.13",
        "the CCL line requires a licence for every destination (\"worldwide control\" / "
        "\"a license is required for all destinations\")",
        "Read from the CCL line's text only; the sections it points to (742.4(a)(5), "
        "742.6(a)(10), 742.13) were not read and may carve out destinations or parties."),
    "worldwide-unclear": (
        "review", "any destination (scope set by the section the line points to)",
        NOT_US,
        "15 CFR 742.6(a)(6)(iii)(A), 742.6(a)(13)",
        "the CCL line reads \"to or within any destination worldwide\" and points to "
        "15 CFR 742.6(a)(6)(iii)(A) or (a)(13), which set who and what it reaches "
        "(for (a)(6)(iii)(A), parties headquartered in Country Group D:5 or Macau, per "
        "secondary sources)",
        "The sections the line points to were not read: whether the requirement reaches "
        "every destination or only some parties (headquarters in D:5/Macau) is not verified, "
        "so the rule decides review, never allow."),
    "ae-d1-d4-d5": (
        "license_required", "the UAE or Country Groups D:1, D:4, D:5 (except A:5, A:6)",
        "{any: [{field: destination.country, equals: AE}, "
        "{all: [{any: [{field: destination.country, in_list: ear-d1}, "
        "{field: destination.country, in_list: ear-d4}, "
        "{field: destination.country, in_list: ear-d5}]}, "
        "{not: {field: destination.country, in_list: ear-a5}}, "
        "{not: {field: destination.country, in_list: ear-a6}}]}]}",
        "15 CFR 742.6(a)(6)(iii)(B)",
        "the CCL line requires a licence to or within the United Arab Emirates or a "
        "destination in Country Groups D:1, D:4 or D:5, excluding destinations also in A:5 "
        "or A:6",
        "The UAE is named outright although it is in A:5 on the snapshot date: the "
        "exclusion is read as applying to the D:1/D:4/D:5 destinations only, so the UAE "
        "always needs the licence (the stricter reading; not checked against "
        "742.6(a)(6)(iii)(B))."),
    "macau-d5": (
        "license_required", "Macau or Country Group D:5",
        "{any: [{field: destination.country, equals: MO}, "
        "{field: destination.country, in_list: ear-d5}]}",
        "15 CFR 742.4(a)(4), 742.6(a)(6), 742.6(a)(12), 742.6(a)(13)",
        "the CCL line requires a licence to or within Macau or a destination in Country "
        "Group D:5",
        "The sections the line points to were not read; conditions they may add are not "
        "encoded."),
    "cn-ru-ve": (
        "license_required", "China, Russia or Venezuela",
        "{field: destination.country, in: [CN, HK, RU, VE]}",
        "15 CFR 742.6(a)(7)",
        "the CCL line requires a licence to China, Russia or Venezuela (Hong Kong is "
        "governed by China's entry)",
        "Hong Kong counted as China (the chart notes: governed by China's row since "
        "2020-12-23, 85 FR 83788); 742.6(a)(7) itself was not read."),
    "pk": (
        "license_required", "Pakistan",
        "{field: destination.country, equals: PK}",
        "15 CFR 742.6(a)(12)",
        "the CCL line requires a licence to or within Pakistan for regional stability "
        "reasons",
        ""),
    "iq-pk": (
        "license_required", "Iraq or Pakistan",
        "{field: destination.country, in: [IQ, PK]}",
        "15 CFR 742.6; 15 CFR 746.3",
        "the CCL line requires a licence to or within Iraq or Pakistan for regional "
        "stability reasons",
        ""),
    "kp": (
        "license_required", "North Korea",
        "{field: destination.country, equals: KP}",
        "15 CFR 742.19",
        "the CCL line requires a licence to North Korea for anti-terrorism reasons",
        ""),
    "ru-by": (
        "license_required", "Russia or Belarus",
        "{field: destination.country, in: [RU, BY]}",
        "15 CFR 746.8",
        "the CCL line points to 15 CFR 746.8 (sanctions against Russia and Belarus: a "
        "licence for every item on the CCL)",
        ""),
    "ei": (
        "license_required", "every destination except Canada",
        "{not: {field: destination.country, in: [US, CA]}}",
        "15 CFR 742.15",
        "encryption items (EI) need a licence to every destination except Canada "
        "(15 CFR 742.15(a))",
        "That EI reaches every destination except Canada is from background knowledge of "
        "742.15(a), not read in the snapshot; License Exception ENC (740.17) covers most "
        "mass-market and many other encryption items."),
    "un": (
        "review", "destinations under UN arms embargoes (15 CFR 746.1(b))",
        NOT_US,
        "15 CFR 746.1(b)",
        "the CCL line points to the United Nations controls of 15 CFR 746.1(b), whose "
        "destinations are not encoded",
        "The destinations of 746.1(b) are not encoded: every destination is review."),
    "unclear": (
        "review", "destinations the CCL line does not give",
        NOT_US,
        "15 CFR 774, Supplement No. 1",
        "the CCL line gives no chart column and no destination this table could read "
        "(e.g. \"See 742.6(a)(11)\", \"N/A\", or no licence-requirement line in the snapshot)",
        "The licence requirement of this line is not encoded: review."),
}

# Destinations per rule, to order the rules narrowest first (columns count their X marks).
DEST_SIZE = {"pk": 1, "kp": 1, "iq-pk": 2, "ru-by": 2, "cn-ru-ve": 4, "macau-d5": 23,
             "ae-d1-d4-d5": 40, "ei": 240, "worldwide": 250, "worldwide-unclear": 250,
             "un": 250, "unclear": 250}
# Destinations another pack decides outright (a deny outweighs any licence rule here).
DECIDED_ELSEWHERE = {"kp": "the OFAC embargo on North Korea (rules/us/ofac-embargoes.yaml) denies first"}

EXCEPTIONS_HINT = {
    "NS": "LVS, GBS, TSR (if the ECCN's list-based exceptions allow them), STA, TMP, RPL",
    "RS": "STA, TMP, RPL (where 740.2 allows them); NAC/ACA for advanced-computing items",
    "MT": "few apply to MT items (740.2(a)): TMP, RPL, GOV at most",
    "NP": "LVS, TMP, RPL where the ECCN allows them",
    "CC": "TMP, GOV where 740.2 allows them",
    "AT": "TMP, RPL, GOV, TSU, BAG where 740.2 allows them",
    "EI": "ENC (15 CFR 740.17)",
    "SL": "none (15 CFR 742.13)",
    "FP": "the 746.8 exceptions (e.g. GOV, TSU, CCD)",
    "UN": "few (740.2(a)(6))",
}


def iso_codes():
    """ISO 3166-1 alpha-2 codes (Debian's iso-codes), or None when not installed."""
    import json
    try:
        with open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8") as f:
            return {c["alpha_2"] for c in json.load(f)["3166-1"]}
    except (OSError, ValueError, KeyError):
        return None


def die(msg):
    sys.exit("ear-import: error: " + msg)


# ---------------------------------------------------------------------------- table

def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def governed_rows(notes_path, chart):
    """Destinations with no row of their own: 'hong kong: governed by the row for China.'"""
    names = {r["country"].lower(): r for r in chart}
    out = []
    with open(notes_path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^- ([a-z ]+): governed by the row for ([A-Za-z ,]+)\.", line.strip())
            if m:
                parent = names.get(m.group(2).lower())
                if parent is None:
                    die("%s: unknown governing row %r" % (notes_path, m.group(2)))
                out.append((m.group(1), parent))
    return out


ISO_BY_NAME = {"hong kong": ("HK", "Hong Kong"), "liechtenstein": ("LI", "Liechtenstein"),
               "cayman islands": ("KY", "Cayman Islands")}


def everywhere_eccns(notes_path):
    with open(notes_path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("Entries that need a licence for every destination"):
                return set(re.findall(r"\b(\d[A-E]\d{3})\b", line))
    return set()


PARA = r"[a-z0-9]+(?:\.[a-z0-9]+)*"


def rel_para(eccn, tok):
    """'3B001.a.1' / 'a.1' / '.a.1' -> 'a.1'; None when it is not a paragraph of eccn."""
    tok = tok.strip().rstrip(";")
    tok = re.sub(r"\s+", "", tok) if re.fullmatch(r"[a-z0-9. ]+", tok) else tok
    if tok.startswith(eccn):
        tok = tok[len(eccn):]
    elif re.match(r"\d[A-E]\d{3}", tok):
        return None
    tok = tok.lstrip(".")
    return tok if re.fullmatch(PARA, tok) else None


def expand_range(a, b):
    pa, pb = a.split("."), b.split(".")
    if len(pa) != len(pb) or pa[:-1] != pb[:-1]:
        return None
    x, y = pa[-1], pb[-1]
    if x.isdigit() and y.isdigit() and int(x) <= int(y):
        vals = [str(i) for i in range(int(x), int(y) + 1)]
    elif len(x) == 1 and len(y) == 1 and x.isalpha() and y.isalpha() and x <= y:
        vals = [chr(c) for c in range(ord(x), ord(y) + 1)]
    else:
        return None
    return [".".join(pa[:-1] + [v]) for v in vals]


def parse_scope(eccn, control):
    """-> (applies_to, excepts): applies_to 'entire', 'described' or a list of paragraphs."""
    text = re.sub(r"\s+", " ", control).strip()
    m = re.match(r"^(?:[A-Z]{2}|Russian industry sector sanctions) appl(?:y|ies)(?: to)? (.*)$", text)
    if not m:
        return "described", []
    rest = m.group(1).strip().rstrip(".")
    rest = re.sub(r"^the ", "", rest)
    rest = re.sub(r"\s*\(refer to [^)]*\)$", "", rest)
    if rest == "entire entry":
        return "entire", []
    m = re.fullmatch(r"entire entry except (\S+)", rest)
    if m:
        p = rel_para(eccn, m.group(1))
        return ("entire", [p]) if p else ("described", [])
    rest = re.sub(r"^(?:items|“software”) controlled by (?=%s)" % re.escape(eccn), "", rest)
    if re.search(r"“|”|\bwhen\b|\bthat\b|\bfor\b|\bentire\b", rest):
        return "described", []
    includes, excepts = [], []
    rest = rest.replace(", and ", ", ").replace(" and ", ", ")
    for tok in [t.strip() for t in rest.split(",") if t.strip()]:
        m = re.fullmatch(r"(.*?)\s*\(except ([^)]*)\)", tok)
        if m:
            tok = m.group(1)
            for e in m.group(2).split(","):
                p = rel_para(eccn, e)
                if p is None:
                    return "described", []
                excepts.append(p)
        m = re.fullmatch(r"(.+?) to (.+)", tok)
        if m:
            a, b = rel_para(eccn, m.group(1)), rel_para(eccn, m.group(2))
            rng = expand_range(a, b) if a and b else None
            if rng is None:
                return "described", []
            includes.extend(rng)
            continue
        p = rel_para(eccn, tok)
        if p is None:
            return "described", []
        includes.append(p)
    if not includes:
        return "described", []
    return includes, excepts


def parse_destination(reason, text):
    t = re.sub(r"\s+", " ", text).strip()
    m = re.fullmatch(r"([A-Z]{2}) Column (\d)\.?", t)
    if m:
        col = m.group(1) + m.group(2)
        if col not in COLUMNS:
            die("unknown chart column in %r" % text)
        return col
    if t.startswith("Worldwide control") or t.startswith("A license is required for all destinations"):
        return "worldwide"
    if t.startswith("To or within any destination worldwide"):
        return "worldwide-unclear"
    if t.startswith("To or within the United Arab Emirates or destinations specified in Country Groups D:1, D:4, and D:5"):
        return "ae-d1-d4-d5"
    if t.startswith("To or within Macau or a destination specified in Country Group D:5"):
        return "macau-d5"
    if t.startswith("China, Russia, or Venezuela"):
        return "cn-ru-ve"
    if re.match(r"A license is required .* to Iraq or Pakistan", t):
        return "iq-pk"
    if re.match(r"A license is required .* to Pakistan", t):
        return "pk"
    if re.match(r"A license is required .* to North Korea", t):
        return "kp"
    if t.startswith("See § 746.8"):
        return "ru-by"
    if t.startswith("Refer to § 742.15"):
        return "ei"
    if t.startswith("See § 746.1(b)"):
        return "un"
    return "unclear"


def cmd_table(args):
    snap = args.snapshot
    chart = read_csv(os.path.join(snap, "country-chart.csv"))
    notes = os.path.join(snap, "country-chart-notes.md")
    ccl = read_csv(os.path.join(snap, "ccl-controls.csv"))
    os.makedirs(args.out, exist_ok=True)

    with open(os.path.join(args.out, "country-chart.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["iso2", "country"] + COLUMNS + ["governed_by", "footnotes", "see"])
        for r in chart:
            w.writerow([r["iso2"], r["country"]] + [r[c].strip() for c in COLUMNS]
                       + ["", r["footnotes"], r["see"]])
        for name, parent in governed_rows(notes, chart):
            code, label = ISO_BY_NAME.get(name, (None, None))
            if code is None:
                die("%s: no ISO code known for %r: add it to ISO_BY_NAME" % (notes, name))
            w.writerow([code, label] + [parent[c].strip() for c in COLUMNS]
                       + [parent["iso2"], parent["footnotes"], parent["see"]])

    groups = read_csv(os.path.join(snap, "country-groups.csv"))
    with open(os.path.join(args.out, "country-groups.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["group", "label", "country", "iso2"])
        for r in groups:
            w.writerow([r["group"], r["label"], r["country"], r["iso2"]])

    everywhere = everywhere_eccns(notes)
    with open(os.path.join(args.out, "ccl-licence.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(TABLE_FIELDS)
        for r in ccl:
            eccn = r["eccn"].strip()
            if eccn[:1] not in CATEGORIES:
                continue
            control, chart_text = r["control"].strip(), r["country_chart"].strip()
            reasons = [x.strip() for x in r["reasons"].split(",") if x.strip()]
            if not control and not chart_text:
                # No licence-requirement line in the snapshot.
                if eccn in everywhere:
                    w.writerow([eccn, "SL", "entire", "", "worldwide",
                                "(no line in ccl-controls.csv)",
                                "country-chart-notes.md: needs a licence for every destination (15 CFR 738.3(a)(1))"])
                else:
                    w.writerow([eccn, reasons[0] if reasons else "--", "entire", "", "unclear",
                                "(no line in ccl-controls.csv)", ""])
                continue
            m = re.match(r"^([A-Z]{2}) ", control)
            reason = m.group(1) if m else ("FP" if control.startswith("Russian industry") else "--")
            applies, excepts = parse_scope(eccn, control)
            if isinstance(applies, list):
                applies = " ".join(eccn + "." + p for p in applies)
            w.writerow([eccn, reason, applies, " ".join(eccn + "." + p for p in excepts),
                        parse_destination(reason, chart_text), control, chart_text])
    return 0


# ------------------------------------------------------------------------- generate

def yq(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def message_q(text):
    """A message, quoted: every placeholder for a fact a transaction may leave out gets a
    fallback ({item.eccn|not stated}), so a message never prints '?' (W-MESSAGE-FALLBACK).
    {item.id} and {destination.country} are required by the contract and need none."""
    return yq(re.sub(r"\{((?!item\.id\}|destination\.country\})[a-z_]+\.[a-z_.]+)\}", r"{\1|not stated}", text))


def flow_list(items):
    return "[" + ", ".join(yq(i) for i in items) + "]"


def ancestors(p):
    parts = p.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def matches(eccn_value, exact, prefixes):
    return eccn_value in exact or any(eccn_value.startswith(x) for x in prefixes)


class Group:
    """The table rows of one (reason, destination): one to three rules."""

    def __init__(self, reason, dest):
        self.reason, self.dest = reason, dest
        self.entire, self.paras, self.excepts, self.described = [], [], [], []
        self.rows = []

    def add(self, row):
        self.rows.append(row)
        eccn, applies = row["eccn"], row["applies_to"].strip()
        if applies == "entire":
            if eccn not in self.entire:
                self.entire.append(eccn)
        elif applies == "described":
            if eccn not in self.described:
                self.described.append(eccn)
        else:
            for p in applies.split():
                if not p.startswith(eccn + "."):
                    die("ccl-licence.csv: %s: paragraph %r is not under the ECCN" % (eccn, p))
                if p not in self.paras:
                    self.paras.append(p)
        for p in row["except"].split():
            if p not in self.excepts:
                self.excepts.append(p)

    def exact_and_prefixes(self):
        exact = list(self.paras)
        prefixes = list(self.entire) + [p + "." for p in self.paras]
        return exact, prefixes

    def ambiguous(self):
        """ECCNs given above the paragraph level the group needs: review."""
        exact, prefixes = self.exact_and_prefixes()
        out = []
        for p in self.paras + self.excepts:
            for a in ancestors(p):
                hit = matches(a, exact, prefixes) and a not in self.except_ancestors()
                if not hit and a not in out:
                    out.append(a)
        for a in self.except_ancestors():
            if a not in out and matches(a, exact, prefixes):
                out.append(a)
        return out

    def except_ancestors(self):
        out = []
        for p in self.excepts:
            for a in ancestors(p):
                if a not in out:
                    out.append(a)
        return out


def dest_condition(dest):
    if dest in COLUMNS:
        return "{field: destination.country, in_list: ear-chart-%s}" % dest.lower()
    return DESTINATIONS[dest][2]


def dest_words(dest):
    if dest in COLUMNS:
        return "%s Column %s" % (dest[:2], dest[2])
    return DESTINATIONS[dest][1]


def entries_of(group):
    out = []
    for e in group.entire + [p.split(".")[0] for p in group.paras] + group.described:
        if e not in out:
            out.append(e)
    return sorted(out)


def emit_rule(rid, title, effect, dest, group, scope_lines, message, unverified, citation, comment=""):
    out = io.StringIO()
    w = out.write
    if comment:
        w(comment)
    w("  - id: %s\n" % rid)
    w("    title: %s\n" % yq(title))
    w("    effect: %s\n" % effect)
    w("    citation: %s\n" % yq(citation))
    if unverified:
        w("    unverified: %s\n" % yq(unverified))
    w("    message: %s\n" % message_q(message))
    w("    when:\n")
    w("      all:\n")
    w("        - %s\n" % dest_condition(dest))
    for line in scope_lines:
        w("        - %s\n" % line)
    w("\n")
    return out.getvalue()


def generate(data_dir):
    rows = read_csv(os.path.join(data_dir, "ccl-licence.csv"))
    chart = read_csv(os.path.join(data_dir, "country-chart.csv"))
    iso = iso_codes()
    skipped = sorted({r["iso2"] for r in chart if iso is not None and r["iso2"] not in iso})
    chart = [r for r in chart if iso is None or r["iso2"] in iso]
    groups = {}
    for r in rows:
        if r["eccn"][:1] not in CATEGORIES:
            die("ccl-licence.csv: %s: not in categories 3-5" % r["eccn"])
        dest = r["destination"].strip()
        if dest not in COLUMNS and dest not in DESTINATIONS:
            die("ccl-licence.csv: %s: unknown destination %r" % (r["eccn"], dest))
        key = (r["reason"].strip(), dest)
        groups.setdefault(key, Group(*key)).add(r)
    all_entries = sorted({r["eccn"] for r in rows})
    # Reasons with the same destination rule and the same scope make one rule (two would
    # shadow each other): e.g. NS and RS "worldwide control" of 3A901, 3B903, ...
    merged = {}
    for (reason, dest), g in groups.items():
        sig = (dest, tuple(sorted(g.entire)), tuple(sorted(g.paras)), tuple(sorted(g.excepts)),
               tuple(sorted(g.described)))
        if sig in merged:
            m = merged[sig]
            m.reason += "/" + reason
            m.rows += g.rows
        else:
            merged[sig] = g
    groups = {(g.reason, g.dest): g for g in merged.values()}

    # ---- lists/ear-country-chart.yaml
    lo = io.StringIO()
    w = lo.write
    w("# GENERATED by tools/ear-import.py generate from rules/us/data/country-chart.csv:\n")
    w("# do not edit; change the table and regenerate (tools/ear-import.py explains the flow).\n")
    w("#\n")
    w("# The Commerce Country Chart (15 CFR Part 738, Supplement No. 1) as of the eCFR issue of\n")
    w("# %s (snapshot %s): one countries list per column, the destinations with an X.\n" % (SNAPSHOT_DATE, SNAPSHOT_NAME))
    w("# Destinations with no row of their own take the row that governs them (Hong Kong: China;\n")
    w("# Liechtenstein: Switzerland; the Cayman Islands: the United Kingdom). Cuba, Iran, North\n")
    w("# Korea and Syria have no X marks: the chart sends them to Part 746. Membership is the\n")
    w("# snapshot's; earlier changes to the chart are not modelled (the lists carry no dates).\n")
    if skipped:
        w("# Rows left out, their codes not being ISO 3166-1 (a transaction cannot name them either): %s.\n"
          % ", ".join(skipped))
    w("lists:\n")
    for col in COLUMNS:
        members = [r["iso2"] for r in chart if r[col].strip() == "X"]
        w("  - id: ear-chart-%s\n" % col.lower())
        w("    kind: countries\n")
        w("    title: %s\n" % yq("Commerce Country Chart, %s Column %s: destinations with an X (eCFR %s)" % (col[:2], col[2], SNAPSHOT_DATE)))
        w("    citation: %s\n" % yq("15 CFR Part 738, Supplement No. 1 (eCFR issue of %s)" % SNAPSHOT_DATE))
        w("    source_url: %s\n" % yq(CHART_URL))
        if members:
            w("    members: [%s]\n" % ", ".join(members))
        else:
            w("    members: []\n")
    w("  - id: ear-chart-destinations\n")
    w("    kind: countries\n")
    w("    title: %s\n" % yq("Destinations with a row in the Commerce Country Chart, or governed by one (eCFR %s)" % SNAPSHOT_DATE))
    w("    citation: %s\n" % yq("15 CFR Part 738, Supplement No. 1; 15 CFR 738.3(b)"))
    w("    source_url: %s\n" % yq(CHART_URL))
    w("    members: [%s]\n" % ", ".join(r["iso2"] for r in chart))
    lists_yaml = lo.getvalue()

    # ---- us/ccl-licence.yaml
    ro = io.StringIO()
    w = ro.write
    w("# GENERATED by tools/ear-import.py generate from rules/us/data/ccl-licence.csv and\n")
    w("# rules/us/data/country-chart.csv: do not edit; change the tables and regenerate.\n")
    w("#\n")
    w("# US-EAR licence determination from the Commerce Control List (15 CFR Part 774, Supp.\n")
    w("# No. 1) and the Commerce Country Chart (15 CFR Part 738, Supp. No. 1), for the ECCNs of\n")
    w("# Categories 3, 4 and 5 (Parts 1 and 2), as of the eCFR issue of %s.\n" % SNAPSHOT_DATE)
    w("#\n")
    w("# One rule per reason for control and destination rule (a chart column such as NS2, or a\n")
    w("# line such as \"To or within Macau or a destination specified in Country Group D:5\"):\n")
    w("#   <id>             license_required: the item's ECCN is in the line's scope (the entire\n")
    w("#                    entry, or the listed paragraphs and their sub-paragraphs, minus the\n")
    w("#                    excepted ones) and the destination has an X in the column / meets\n")
    w("#                    the destination rule;\n")
    w("#   <id>-paragraph   review: the item's ECCN is given above the paragraph level the line\n")
    w("#                    needs (3B001 where NS2 covers 3B001.a.1 to a.3, b, ...);\n")
    w("#   <id>-described   review: the line describes its scope in words (\"software for\n")
    w("#                    equipment controlled by 3B001.q\"), so the ECCN alone cannot tell.\n")
    w("# Destination rules whose scope is unclear decide review, never allow. Two fail-closed\n")
    w("# rules close the table: a Category 3-5 ECCN not in the table, and a destination with no\n")
    w("# row in the chart, are review. Cuba, Iran, North Korea and Syria have no chart marks: the\n")
    w("# chart sends them to Part 746 (us-ear-ccl-part-746-*).\n")
    w("#\n")
    w("# Dates: every rule starts on the snapshot date, %s: the chart and the CCL lines are\n" % SNAPSHOT_DATE)
    w("# known as of that eCFR issue only. Decisions dated earlier get nothing from this pack\n")
    w("# (earlier versions of the chart are not modelled). Country Groups (D:1, D:4, D:5, A:5,\n")
    w("# A:6) are the dated lists of rules/lists/ear-country-groups.yaml, as of the transaction date.\n")
    w("#\n")
    w("# Tags: `ear-subject` (a de minimis \"not subject\" determination lifts these: a foreign-made\n")
    w("# item at or below the de minimis level is outside the EAR) and `ccl-country-chart` (for\n")
    w("# exceptions and authorizations such as VEUs that lift Country Chart licence requirements).\n")
    w("# Licence exceptions (15 CFR 740) are named in the messages, never decided.\n")
    w("defaults:\n")
    w("  regime: US-EAR\n")
    w("  authority: \"US Department of Commerce, Bureau of Industry and Security (BIS)\"\n")
    w("  source_url: %s\n" % yq(CCL_URL))
    w("  effective_from: %s\n" % SNAPSHOT_DATE)
    w("  tags: [ear-subject, ccl-country-chart]\n")
    w("  unverified: %s\n" % yq(
        "Generated from an eCFR extraction (%s, a third-party MIT-licensed snapshot whose builders check it "
        "against the regulation), not read in the eCFR itself; in force from the snapshot date only "
        "(earlier chart versions are not modelled); licence exceptions are not decided." % SNAPSHOT_NAME))
    w("\nrules:\n")

    base_cite = "15 CFR 738.4; 15 CFR Part 774, Supplement No. 1; 15 CFR Part 738, Supplement No. 1 (eCFR %s)" % SNAPSHOT_DATE
    # Rules of the same effect: the one loaded first decides. The narrowest rules (fewest
    # destinations, then fewest ECCN values) come first, so that the most specific line
    # decides and every rule decides some case.
    chunks, skipped_notes, para_by_dest = [], [], {}
    for (reason, dest) in sorted(groups, key=lambda k: (k[0], COLUMNS.index(k[1]) if k[1] in COLUMNS else 100, k[1])):
        g = groups[(reason, dest)]
        if dest in COLUMNS:
            ndest = sum(1 for r in chart if r[dest].strip() == "X")
            if not ndest:
                skipped_notes.append("%s under %s: no destination has an X in %s (ECCNs %s)"
                                     % (reason, dest, dest, ", ".join(entries_of(g))))
                continue
            effect, extra_unv = "license_required", ""
            cite = "%s, %s Column %s" % (base_cite, dest[:2], dest[2])
            why = "the Commerce Country Chart has an X in %s Column %s for {destination.country}" % (dest[:2], dest[2])
        else:
            ndest = DEST_SIZE[dest]
            if dest in DECIDED_ELSEWHERE:
                skipped_notes.append("%s to %s (ECCNs %s): %s" % (reason, dest_words(dest), ", ".join(entries_of(g)),
                                                                DECIDED_ELSEWHERE[dest]))
                continue
            effect, _, _, dcite, why, extra_unv = DESTINATIONS[dest]
            cite = "%s; %s" % (base_cite, dcite)
        rid = "us-ear-ccl-%s-%s" % (reason.lower().replace("--", "none").replace("/", "-"), dest.lower())
        hint = "; ".join("%s: %s" % (r, EXCEPTIONS_HINT.get(r, "see 15 CFR 740.2 and the ECCN's list-based exceptions"))
                         for r in reason.split("/"))
        unv = (
            "Generated from %s (ccl-controls.csv, country-chart.csv), not read in the eCFR itself; in force "
            "from the snapshot date only; licence exceptions not decided." % SNAPSHOT_NAME)
        if extra_unv:
            unv += " " + extra_unv
        entries = entries_of(g)
        exact, prefixes = g.exact_and_prefixes()
        if g.entire or g.paras:
            scope = ["{field: item.eccn, prefix: %s}" % flow_list(sorted(set(g.entire + [p.split(".")[0] for p in g.paras])))]
            if g.paras:
                scope.append("{any: [{field: item.eccn, in: %s}, {field: item.eccn, prefix: %s}]}"
                             % (flow_list(exact), flow_list(prefixes)))
            if g.excepts:
                scope.append("{not: {any: [{field: item.eccn, in: %s}, {field: item.eccn, prefix: %s}]}}"
                             % (flow_list(g.excepts + g.except_ancestors()), flow_list([p + "." for p in g.excepts])))
            covered = sorted(set(g.entire + [p.split(".")[0] for p in g.paras]))
            if effect == "license_required":
                msg = ("Item {item.id} ({item.eccn}) is controlled for %s reasons and %s: a BIS licence is required "
                       "(15 CFR 738.4; Commerce Control List and Country Chart as of %s). Licence exceptions worth "
                       "checking, not decided here: %s." % (reason, why, SNAPSHOT_DATE, hint))
                title = "Licence required: %s-controlled ECCN to %s" % (reason, dest_words(dest))
            else:
                msg = ("Item {item.id} ({item.eccn}) is controlled for %s reasons and %s: whether a licence is "
                       "required for {destination.country} must be checked by a person (CCL as of %s). Licence "
                       "exceptions worth checking: %s." % (reason, why, SNAPSHOT_DATE, hint))
                title = "Review: %s-controlled ECCN, destination rule not encoded (%s)" % (reason, dest_words(dest))
            chunks.append(((ndest, len(g.entire) + len(g.paras), rid), emit_rule(
                rid, title, effect, dest, g, scope, msg, unv, cite,
                "  # %s; %s: %s\n" % (reason, dest_words(dest), ", ".join(covered)))))
            amb = g.ambiguous()
            if amb:
                pd = para_by_dest.setdefault(dest, {"reasons": [], "amb": [], "exact": [], "ndest": ndest,
                                                    "cite": cite, "unv": unv})
                for r in reason.split("/"):
                    if r not in pd["reasons"]:
                        pd["reasons"].append(r)
                pd["amb"] += [a for a in amb if a not in pd["amb"]]
                pd["exact"] += [e for e in exact if e not in pd["exact"]]
        if g.described:
            texts = sorted({r["control"] for r in g.rows if r["applies_to"].strip() == "described"})
            msg = ("Item {item.id} ({item.eccn}): a %s control of its ECCN applies to items described in words "
                   "(\"%s\"%s) and %s: check whether the item is one of them; if so a BIS licence is required "
                   "(CCL as of %s). Licence exceptions worth checking: %s." % (
                       reason, texts[0][:160], "; ..." if len(texts) > 1 or len(texts[0]) > 160 else "",
                       why, SNAPSHOT_DATE, hint))
            chunks.append(((ndest, len(g.described), rid + "-described"), emit_rule(
                rid + "-described",
                "Review: %s control described in words (%s)" % (reason, dest_words(dest)),
                "review", dest, g, ["{field: item.eccn, prefix: %s}" % flow_list(sorted(g.described))],
                msg, unv, cite,
                "  # %s; %s, scope in words: %s\n" % (reason, dest_words(dest), ", ".join(g.described)))))
    # One review rule per destination rule for ECCNs given above the paragraph level the
    # lines need (whatever the reason: one of them at least may apply).
    for dest, pd in para_by_dest.items():
        reasons = "/".join(pd["reasons"])
        rid = "us-ear-ccl-%s-%s-paragraph" % (reasons.lower().replace("/", "-"), dest.lower())
        exact = pd["exact"]
        msg = ("Item {item.id} is classified as {item.eccn}, but %s controls under %s apply only to some of its "
               "paragraphs (%s%s): give the paragraph to decide; until then a licence may be required for "
               "{destination.country} (CCL as of %s)." % (
                   reasons, dest_words(dest), ", ".join(exact[:8]), ", ..." if len(exact) > 8 else "",
                   SNAPSHOT_DATE))
        chunks.append(((pd["ndest"], len(pd["amb"]), rid), emit_rule(
            rid, "Review: ECCN given above the paragraph level of a %s line (%s)" % (reasons, dest_words(dest)),
            "review", dest, None, ["{field: item.eccn, in: %s}" % flow_list(sorted(pd["amb"]))],
            msg, pd["unv"], pd["cite"])))
    for _, text in sorted(chunks):
        w(text)
    for note in skipped_notes:
        w("  # No rule: %s.\n" % note)
    w("\n")

    # Fail-closed rules and the Part 746 rows.
    known = flow_list(all_entries)
    cats = flow_list(["%s%s" % (c, l) for c in CATEGORIES for l in "ABCDE"])
    unv = "Generated from %s; in force from the snapshot date only." % SNAPSHOT_NAME
    w("  # Fail closed: a Category 3-5 ECCN the table does not know.\n")
    w("  - id: us-ear-ccl-unknown-eccn\n")
    w("    title: \"Review: Category 3-5 ECCN not in the Commerce Control List snapshot\"\n")
    w("    effect: review\n")
    w("    citation: %s\n" % yq(base_cite))
    w("    unverified: %s\n" % yq(unv))
    w("    message: %s\n" % message_q("Item {item.id} is classified as {item.eccn}, which is not an ECCN of Categories 3 to 5 in the Commerce Control List as of %s: check the classification." % SNAPSHOT_DATE))
    w("    when:\n      all:\n")
    w("        - {field: item.eccn, prefix: %s}\n" % cats)
    w("        - {not: {field: item.eccn, prefix: %s}}\n" % known)
    w("        - %s\n\n" % NOT_US)
    w("  # Fail closed: a destination with no row in the chart (738.3(b): a dependent territory\n")
    w("  # is governed by its parent's row; only the rows the chart notes name are encoded).\n")
    w("  - id: us-ear-ccl-destination-not-in-chart\n")
    w("    title: \"Review: destination with no row of its own in the Commerce Country Chart\"\n")
    w("    effect: review\n")
    w("    citation: %s\n" % yq(base_cite + "; 15 CFR 738.3(b)"))
    w("    unverified: %s\n" % yq(unv + " Which row governs each dependent territory (738.3(b)) is not encoded beyond Hong Kong, Liechtenstein and the Cayman Islands."))
    w("    message: %s\n" % message_q("Item {item.id} ({item.eccn}) goes to {destination.country}, which has no row of its own in the Commerce Country Chart as of %s: find the row that governs it (15 CFR 738.3(b)) and check the ECCN's reasons for control against it." % SNAPSHOT_DATE))
    w("    when:\n      all:\n")
    w("        - {not: {field: destination.country, in_list: ear-chart-destinations}}\n")
    w("        - %s\n" % NOT_US)
    w("        - {field: item.eccn, prefix: %s}\n\n" % known)
    w("  # No rule for Cuba, Iran and North Korea (Part 746: 746.2, 746.7, 746.4): the OFAC embargoes\n")
    w("  # of rules/us/ofac-embargoes.yaml deny every export there, so an EAR licence rule could\n")
    w("  # never decide; 746.x is left to a pack of its own.\n")
    part746 = [
        ("cu", "CU", "license_required", "Cuba", "15 CFR 746.2",
         "a licence is required for every item subject to the EAR to Cuba (15 CFR 746.2)",
         "746.2 was not read: from background knowledge."),
        ("kp", "KP", "license_required", "North Korea", "15 CFR 746.4; 15 CFR 742.19",
         "a licence is required for every item subject to the EAR to North Korea except EAR99 food and medicine (15 CFR 746.4)",
         "746.4 was not read: from background knowledge."),
        ("sy", "SY", "license_required", "Syria", "15 CFR 746.9",
         "a licence is required for every item on the CCL to Syria (15 CFR 746.9)",
         "746.9 as amended in 2025 was not read: CCL items are taken to stay licensed."),
        ("ir", "IR", "review", "Iran", "15 CFR 746.7",
         "15 CFR 746.7 requires a licence for many CCL items to Iran (and OFAC's ITSR prohibits most exports): check which applies",
         "Which CCL items 746.7 reaches is not encoded: review."),
    ]
    for sfx, code, effect, name, cite746, why, extra in part746:
        if code in ("CU", "KP", "IR"):
            continue
        w("  # The chart's %s row has no marks: \"see Part 746\".\n" % name)
        w("  - id: us-ear-ccl-part-746-%s\n" % sfx)
        w("    title: %s\n" % yq("%s: Category 3-5 ECCN to %s (the chart sends %s to Part 746)" % ("Licence required" if effect == "license_required" else "Review", name, name)))
        w("    effect: %s\n" % effect)
        w("    citation: %s\n" % yq("%s; %s" % (base_cite, cite746)))
        w("    unverified: %s\n" % yq(unv + " " + extra))
        w("    message: %s\n" % message_q("Item {item.id} ({item.eccn}) to %s: the Commerce Country Chart has no marks for %s and points to Part 746: %s." % (name, name, why)))
        w("    when:\n      all:\n")
        w("        - {field: destination.country, equals: %s}\n" % code)
        w("        - {field: item.eccn, prefix: %s}\n\n" % known)
    return lists_yaml, ro.getvalue().rstrip("\n") + "\n"


GROUP_LIST = re.compile(r"^  - id: ear-([a-z])(\d?)\s*$")
MEMBER = re.compile(r"\{code: ([A-Z]{2})((?:, (?:from|until): \d{4}-\d{2}-\d{2})*)\}|\b([A-Z]{2})\b")


def check_groups(data_dir, groups_yaml, on=SNAPSHOT_DATE):
    """Compare the dated group lists, as of `on`, with the snapshot's country-groups.csv.
    A line-based reader for the layout of rules/lists/ear-country-groups.yaml: members are
    bare codes or {code: XX, from: D, until: D}, inline or one per line. -> problems."""
    snap = {}
    for r in read_csv(os.path.join(data_dir, "country-groups.csv")):
        snap.setdefault(r["group"], set()).add(r["iso2"])
    have, cur, in_members = {}, None, False
    with open(groups_yaml, encoding="utf-8") as f:
        for line in f:
            m = GROUP_LIST.match(line)
            if m:
                cur = "%s:%s" % (m.group(1).upper(), m.group(2)) if m.group(2) else m.group(1).upper()
                have[cur], in_members = set(), False
                continue
            body = line.split("#", 1)[0]
            if cur is None:
                continue
            if re.match(r"^    [a-z_]+:", body):
                in_members = body.strip().startswith("members:")
                body = body.split(":", 1)[1] if in_members else ""
            if not in_members:
                continue
            for mm in MEMBER.finditer(body):
                code = mm.group(1) or mm.group(3)
                dates = dict(re.findall(r"(from|until): (\S+)", mm.group(2) or ""))
                if dates.get("from", "0000") <= on and on < dates.get("until", "9999"):
                    have[cur].add(code)
    problems = []
    for g, members in sorted(have.items()):
        if g not in snap:
            problems.append("%s: group %s is not in the snapshot" % (groups_yaml, g))
            continue
        extra, missing = sorted(members - snap[g]), sorted(snap[g] - members)
        if extra or missing:
            problems.append("%s: Country Group %s on %s differs from %s: %s%s" % (
                groups_yaml, g, on, os.path.join(data_dir, "country-groups.csv"),
                "extra " + " ".join(extra) if extra else "", (" " if extra else "") + "missing " + " ".join(missing) if missing else ""))
    return problems


def cmd_generate(args):
    problems = check_groups(args.data, os.path.join(args.rules, "lists", "ear-country-groups.yaml"))
    for p in problems:
        print(p, file=sys.stderr)
    lists_yaml, rules_yaml = generate(args.data)
    targets = [(os.path.join(args.rules, "lists", "ear-country-chart.yaml"), lists_yaml),
               (os.path.join(args.rules, "us", "ccl-licence.yaml"), rules_yaml)]
    if args.check:
        stale = []
        for path, text in targets:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except OSError:
                stale.append(path)
        for p in stale:
            print("%s is stale: run tools/ear-import.py generate" % p, file=sys.stderr)
        return 1 if stale or problems else 0
    for path, text in targets:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return 1 if problems else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table", help="snapshot -> reviewable tables")
    t.add_argument("snapshot")
    t.add_argument("out", nargs="?", default="rules/us/data")
    g = sub.add_parser("generate", help="tables -> rule files")
    g.add_argument("--check", action="store_true", help="exit 1 if the committed files are stale")
    g.add_argument("data", nargs="?", default="rules/us/data")
    g.add_argument("rules", nargs="?", default="rules")
    args = ap.parse_args(argv)
    return cmd_table(args) if args.cmd == "table" else cmd_generate(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
