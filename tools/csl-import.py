#!/usr/bin/env python3
"""Convert a trade.gov Consolidated Screening List (CSL) CSV into an embargo names list.

Usage:
    tools/csl-import.py CSV --id us-entity-list [--source S] [--members-only] > out.yaml
    tools/csl-import.py CSV --id us-entity-list --entity-list \
        [--dates rules/us/data/entity-list-dates.csv] > rules/lists/us-entity-list.yaml

--entity-list writes the bundled Entity List pack's lists (rules/lists/us-entity-list.yaml)
from the Entity List rows of the CSV: `us-entity-list` (every entry: name, aliases, the
address country when there is one, `from`, FR citations, review policy, and in `notes` the
licence requirement), the sub-lists of the entries whose licence requirement cites a
foreign direct product paragraph of 15 CFR 734.9 (FDP_LISTS below; footnote 1 = 734.9(e)(1),
Huawei) and SMIC with its ten affiliates of 2020-12-18. The CSL of 2026 has no start
dates: --dates maps FR citations to effective dates (a reviewable CSV), and other entries
get a lower bound from their first FR citation (see entity_list()). A new CSL is a data
change: rerun the command, review the diff, add the effective dates of new rules to the
dates table. The rules that use the lists are in rules/us/entity-list.yaml.

The CSV is the CSL bulk export (https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv)
with a header row: source, entity_number, type, programs, name, title, addresses,
federal_register_notice, start_date, end_date, standard_order, license_requirement,
license_policy, ..., alt_names, ...  The 2023 exports have an extra leading `_id` column;
columns are read by header name, so both variants work.

Only rows whose `source` equals --source are kept (default: the BIS Entity List,
"Entity List (EL) - Bureau of Industry and Security").

For each kept row the list member gets:
    name            the `name` column
    aliases         `alt_names` split on "; " (a leading "and " on the last alias, as in the
                    Federal Register's "A; B; and C." style, and a trailing "." are dropped)
    country         the ISO 3166-1 alpha-2 code ending each address in `addresses`
                    (addresses are separated by "; "), only when all addresses agree
    from            `start_date`
    until           `end_date`
    citation        `federal_register_notice`
    license_policy  `license_policy`
The licence requirement and the address countries are kept as YAML comments.

Rows with the same name (the CSL repeats an entity once per address) are merged into one
member: the earliest start date, the union of aliases and citations, the country only if
every address of every row agrees, `until` only if every row has one (the latest).

Text repair: some CSL rows carry Windows-1252 punctuation mis-decoded as C1 control
characters (U+0080..U+009F, e.g. U+0092 for a right single quote); these are mapped back
through cp1252. Every string is written double-quoted, with YAML escapes.

Python 3 standard library only.
"""

import argparse
import csv
import json
import os
import re
import sys

DEFAULT_SOURCE = "Entity List (EL) - Bureau of Industry and Security"
ISO_3166_1 = "/usr/share/iso-codes/json/iso_3166-1.json"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_iso_codes():
    try:
        with open(ISO_3166_1, encoding="utf-8") as f:
            return {c["alpha_2"] for c in json.load(f)["3166-1"]}
    except (OSError, ValueError, KeyError):
        return None  # fall back to the shape check only


def repair(text):
    """Map C1 control characters (cp1252 bytes decoded as Latin-1) back to cp1252."""
    out = []
    for ch in text:
        o = ord(ch)
        if 0x80 <= o <= 0x9F:
            try:
                out.append(bytes([o]).decode("cp1252"))
            except UnicodeDecodeError:
                out.append(" ")
        else:
            out.append(ch)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def yq(text):
    """A YAML double-quoted scalar."""
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif o < 0x20 or o == 0x7F or 0x80 <= o <= 0x9F:
            out.append("\\x%02x" % o)
        elif o in (0x2028, 0x2029, 0xFEFF):
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def split_aliases(alt):
    alt = repair(alt)
    if not alt:
        return []
    parts = [p.strip() for p in alt.split("; ")]
    parts = [p.rstrip(";").strip() for p in parts]
    if len(parts) > 1 and parts[-1].lower().startswith("and "):
        # Federal Register style "A; B; and C.": drop the "and " and the closing period,
        # unless the period ends an abbreviation (Co., Ltd., Inc., ...).
        last = parts[-1][4:].strip()
        if last.endswith(".") and not re.search(r"\b[A-Za-z]{1,4}\.$", last):
            last = last[:-1].rstrip()
        parts[-1] = last
    cleaned = []
    for p in parts:
        if p and p not in cleaned:
            cleaned.append(p)
    return cleaned


def address_countries(addresses, iso):
    countries = []
    for addr in repair(addresses).split("; "):
        addr = addr.strip()
        if not addr:
            continue
        code = addr.rsplit(",", 1)[-1].strip()
        if re.fullmatch(r"[A-Z]{2}", code) and (iso is None or code in iso):
            countries.append(code)
        else:
            countries.append(None)  # an address whose country we cannot read
    return countries


def split_citations(text):
    text = repair(text)
    return [c.strip() for c in text.split(", ") if c.strip()] if text else []

# ------------------------------------------------------------------ --entity-list mode

FR_CITE = re.compile(r"\b(\d{2,3}) FR (\d+)")
# The licence requirement's foreign-direct-product paragraph -> the sub-list it puts the
# entry on. Footnote 1 of Supplement No. 4 to Part 744 is 734.9(e)(1) (Huawei).
FDP_LISTS = [
    ("us-entity-list-fdp-footnote-1", re.compile(r"734\.9\(e\)\s*(?:\(1\)|1\b)"),
     "Entity List entries whose licence requirement cites 15 CFR 734.9(e)(1) (footnote 1, Huawei foreign direct product rule)"),
    ("us-entity-list-fdp-734-9-e-2", re.compile(r"734\.9\(e\)\s*\(2\)|734\.9\(e\) and 744\.11[^0-9]*\)\s*4"),
     "Entity List entries whose licence requirement cites 15 CFR 734.9(e)(2) (Entity List foreign direct product rule, footnote 4)"),
    ("us-entity-list-fdp-734-9-e-3", re.compile(r"734\.9\(e\)\s*\(3\)"),
     "Entity List entries whose licence requirement cites 15 CFR 734.9(e)(3) (semiconductor foreign direct product rule, footnote 5)"),
    ("us-entity-list-fdp-734-9-g", re.compile(r"734\.9\(g\)"),
     "Entity List entries whose licence requirement cites 15 CFR 734.9(g) (Russia/Belarus military end user foreign direct product rule)"),
]
SMIC_2020_CITE = "85 FR 83420"
SMIC_2020_NAME = re.compile(r"SMIC|Semiconductor Manufacturing|SJ Semiconductor|Ningbo Semiconductor International")
SMIC_2020_COUNT = 11  # SMIC and its ten affiliates


def load_dates(path):
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[r["citation"].strip()] = (r["effective"].strip(), r["verified"].strip() == "yes")
    return out


def first_citation(cites):
    """The earliest FR citation (volume, page) of an entry: its listing, as a rule."""
    found = sorted((int(v), int(pg)) for c in cites for v, pg in FR_CITE.findall(c))
    return found[0] if found else None


def derived_aliases(name):
    """BIS entry names carry their short name in parentheses ("... Corporation (SMIC)") and
    affiliates as "Parent (P). Affiliated Entity: X": both give names the entry goes by."""
    out = []
    m = re.match(r"^.*?\. Affiliated Entity: (.+)$", name)
    if m:
        out.append(m.group(1).strip().rstrip("."))
        return out
    m = re.match(r"^(.*\S)\s*\(([^()]{2,40})\)\.?$", name)
    if m:
        # Both the name without its short name and the short name itself (SMIC, Huawei):
        # the entity trades under it. Short acronyms make possible matches with other
        # short names (YMTC and MTC score 0.82): review, which a person clears.
        out += [m.group(1).rstrip(","), m.group(2).strip()]
    return out


def entity_list(args):
    dates = load_dates(args.dates)
    iso = load_iso_codes()
    with open(args.csv, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("source") or "").strip() == DEFAULT_SOURCE]
    members = {}
    for row in rows:
        name = repair(row.get("name") or "")
        if not name:
            continue
        m = members.setdefault(name, {"name": name, "aliases": [], "countries": [], "citations": [],
                                      "policies": [], "requirements": [], "rows": 0})
        m["rows"] += 1
        for a in split_aliases(row.get("alt_names") or "") + derived_aliases(name):
            if a != name and a not in m["aliases"]:
                m["aliases"].append(a)
        # The 2026 CSL gives bare ISO codes ("CN; HK"), older ones full addresses.
        for part in repair(row.get("addresses") or "").split(";"):
            code = part.strip().rsplit(",", 1)[-1].strip()
            if code:
                m["countries"].append(code if re.fullmatch(r"[A-Z]{2}", code) and (iso is None or code in iso) else None)
        for c in re.split(r"[;,]\s*", repair(row.get("federal_register_notice") or "")):
            c = c.strip()
            if c and c not in m["citations"]:
                m["citations"].append(c)
        pol = repair(row.get("license_policy") or "")
        if pol and pol.rstrip(".").lower() not in [p.rstrip(".").lower() for p in m["policies"]]:
            m["policies"].append(pol)
        req = repair(row.get("license_requirement") or "")
        if req and req not in m["requirements"]:
            m["requirements"].append(req)

    # Known dates by (volume, page); FR pages grow through the year, so an entry first cited
    # at a later page of the same volume was published after that rule took effect.
    known = sorted((int(v), int(pg), d) for c, (d, _) in dates.items() for v, pg in FR_CITE.findall(c))
    unverified_years = 0
    for m in members.values():
        first = first_citation(m["citations"])
        m["from"], m["from_note"] = None, ""
        if first:
            key = "%d FR %d" % first
            if key in dates:
                m["from"] = dates[key][0]
                m["from_note"] = "effective date of %s (rules/us/data/entity-list-dates.csv)" % key
            else:
                before = [d for v, pg, d in known if v == first[0] and pg <= first[1]]
                m["from"] = max(before) if before else "%d-01-01" % (1935 + first[0])
                m["from_note"] = "estimated from %s: a lower bound, not the listing date" % key
                unverified_years += 1

    out = sys.stdout
    w = out.write
    w("# GENERATED by tools/csl-import.py --entity-list from the Consolidated Screening List\n")
    w("# (%s, source \"%s\"): do not edit; regenerate:\n" % (os.path.basename(args.csv), DEFAULT_SOURCE))
    w("#   tools/csl-import.py ../shared/data/csl-2026-07-31/csl.csv --id us-entity-list --entity-list \\\n")
    w("#     --dates rules/us/data/entity-list-dates.csv > rules/lists/us-entity-list.yaml\n")
    w("#\n")
    w("# %d CSL rows, %d entries (rows with the same name merged: aliases, address countries,\n" % (len(rows), len(members)))
    w("# FR citations, review policies and licence requirements united; `country` only where\n")
    w("# every address is in one country). Aliases: the CSL's alt_names, plus the short name BIS\n")
    w("# gives in parentheses (\"... Corporation (SMIC)\") and the affiliate of an \"Affiliated\n")
    w("# Entity:\" entry. `notes` keeps each entry's licence requirement (and its address countries\n")
    w("# when several); the sub-lists repeat only what matching and dating need.\n")
    w("#\n")
    w("# `from`: this CSL snapshot has no start dates. Where the entry's earliest FR citation is\n")
    w("# in rules/us/data/entity-list-dates.csv, `from` is that rule's effective date; otherwise\n")
    w("# it is a LOWER BOUND (%d entries): the effective date of the latest rule in the table\n" % unverified_years)
    w("# printed earlier in the same FR volume (pages grow through the year), or else 1 January\n")
    w("# of the volume's year (volume + 1935). Decisions dated between that day and the real\n")
    w("# listing date need a licence (or review) they should not: add the rule to the table.\n")
    w("# Removals are not modelled (an entry removed from the list is simply absent).\n")
    w("#\n")
    w("# Sub-lists, by the licence requirement's foreign-direct-product paragraph (every entry\n")
    w("# that cites it; footnote 1 = 734.9(e)(1), Huawei) and the SMIC group of 2020-12-18.\n")
    w("lists:\n")

    def member(m, ind="      ", when=None, full=True):
        w("%s- name: %s\n" % (ind, yq(m["name"])))
        sub = ind + "  "
        if m["aliases"]:
            w("%saliases: [%s]\n" % (sub, ", ".join(yq(a) for a in m["aliases"])))
        countries = set(m["countries"])
        if len(countries) == 1 and None not in countries:
            w("%scountry: %s\n" % (sub, next(iter(countries))))
        frm = when or m["from"]
        if frm:
            w("%sfrom: %s\n" % (sub, frm))
        if m["citations"]:
            w("%scitation: %s\n" % (sub, yq(", ".join(m["citations"]))))
        if not full:
            return
        if m["policies"]:
            w("%slicense_policy: %s\n" % (sub, yq(" / ".join(m["policies"]))))
        note = []
        if m["requirements"]:
            note.append("Licence requirement: " + " / ".join(m["requirements"]))
        known = [c for c in dict.fromkeys(m["countries"]) if c]
        if len(known) > 1:
            note.append("Address countries: " + ", ".join(known))
        if m["from_note"] and "lower bound" not in m["from_note"]:
            note.append("from: " + m["from_note"])
        if note:
            w("%snotes: %s\n" % (sub, yq("; ".join(note))))

    def header(lid, title, unverified, sub=False):
        w("  - id: %s\n" % lid)
        w("    kind: names\n")
        if sub:
            # A sub-list's members are all in the main list: a possible (not certain) match
            # is already review through us-entity-list, so here only matches count.
            w("    screening: {match: 0.92, possible: 0.92}\n")
        w("    title: %s\n" % yq(title))
        w("    unverified: %s\n" % yq(unverified))
        w("    citation: %s\n" % yq("15 CFR Part 744, Supplement No. 4 (Entity List), as in the Consolidated Screening List of %s" % args.snapshot_date))
        w("    source_url: %s\n" % yq("https://www.bis.gov/regulations/ear/744#supplement-4-744"))
        w("    members:\n")

    base_unv = ("Listing dates: %d entries carry a lower bound estimated from their first FR citation "
                "(the CSL snapshot has no start dates); the dates in rules/us/data/entity-list-dates.csv are "
                "marked there. Names and policies are as the CSL prints them, not read in the Federal Register."
                % unverified_years)
    header(args.id, "US Entity List (EAR Part 744, Supplement No. 4): every entry of the CSL of %s" % args.snapshot_date, base_unv)
    for m in members.values():
        member(m)
    for lid, rx, title in FDP_LISTS:
        sel = [m for m in members.values() if any(rx.search(r) for r in m["requirements"])]
        header(lid, title, base_unv + " The FDP paragraph is read from the CSL's licence requirement text.", sub=True)
        for m in sel:
            member(m, full=False)
        if not sel:
            w("      []\n")
    smic = [m for m in members.values() if SMIC_2020_CITE in m["citations"] and SMIC_2020_NAME.search(m["name"])]
    if len(smic) != SMIC_2020_COUNT:
        sys.exit("csl-import: error: %d SMIC entries citing %s, expected %d: check the CSL and SMIC_2020_NAME"
                 % (len(smic), SMIC_2020_CITE, SMIC_2020_COUNT))
    header("us-entity-list-smic-2020",
           "SMIC and the ten affiliates listed with it effective 2020-12-18 (entries citing 85 FR 83420)",
           "The effective date 2020-12-18 is from secondary sources (regimes.md 2(b)); the group is the entries "
           "citing 85 FR 83420 whose names are SMIC's (tools/csl-import.py SMIC_2020_NAME).", sub=True)
    for m in smic:
        member(m, full=False, when=dates.get(SMIC_2020_CITE, ("2020-12-18", False))[0])
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", help="CSL CSV file ('-' for standard input)")
    ap.add_argument("--id", required=True, help="id of the list to write, e.g. us-entity-list")
    ap.add_argument("--source", default=DEFAULT_SOURCE, help="CSL `source` to keep (default: %(default)s)")
    ap.add_argument("--title", default=None, help="list title (default: the source)")
    ap.add_argument("--members-only", action="store_true",
                    help="write only the member entries (indented for a `members:` key), to append to a hand-written list")
    ap.add_argument("--entity-list", action="store_true",
                    help="write the whole Entity List pack lists (us-entity-list and its FDP and SMIC sub-lists)")
    ap.add_argument("--dates", default="rules/us/data/entity-list-dates.csv",
                    help="with --entity-list: FR citation -> effective date table (default: %(default)s)")
    ap.add_argument("--snapshot-date", default="2026-07-31",
                    help="with --entity-list: the CSL's date, for the lists' citation (default: %(default)s)")
    args = ap.parse_args(argv)

    if args.entity_list:
        return entity_list(args)
    if not re.fullmatch(r"[a-z0-9._-]+", args.id):
        ap.error("--id must match [a-z0-9._-]+")

    iso = load_iso_codes()
    f = sys.stdin if args.csv == "-" else open(args.csv, newline="", encoding="utf-8")
    with f:
        reader = csv.DictReader(f)
        missing = {"source", "name"} - set(reader.fieldnames or [])
        if missing:
            sys.exit("%s: error: not a CSL CSV: no column %s" % (args.csv, ", ".join(sorted(missing))))
        members = {}   # name -> merged record, in first-seen order
        for lineno, row in enumerate(reader, start=2):
            if (row.get("source") or "").strip() != args.source:
                continue
            name = repair(row.get("name") or "")
            if not name:
                print("%s:%d: warning: row without a name skipped" % (args.csv, lineno), file=sys.stderr)
                continue
            start = (row.get("start_date") or "").strip()
            end = (row.get("end_date") or "").strip()
            for label, d in (("start_date", start), ("end_date", end)):
                if d and not DATE_RE.match(d):
                    print("%s:%d: warning: %s %r is not YYYY-MM-DD, ignored" % (args.csv, lineno, label, d), file=sys.stderr)
            start = start if DATE_RE.match(start) else ""
            end = end if DATE_RE.match(end) else ""
            m = members.setdefault(name, {
                "name": name, "aliases": [], "countries": [], "from": [], "until": [],
                "citations": [], "policies": [], "requirements": [], "rows": 0,
            })
            m["rows"] += 1
            for a in split_aliases(row.get("alt_names") or ""):
                if a not in m["aliases"] and a != name:
                    m["aliases"].append(a)
            m["countries"].extend(address_countries(row.get("addresses") or "", iso))
            m["from"].append(start)
            m["until"].append(end)
            for c in split_citations(row.get("federal_register_notice") or ""):
                if c not in m["citations"]:
                    m["citations"].append(c)
            for key, col in (("policies", "license_policy"), ("requirements", "license_requirement")):
                v = repair(row.get(col) or "")
                if v and v not in m[key]:
                    m[key].append(v)

    out = sys.stdout
    ind = "      "  # members sit under `    members:` of a list entry
    if not args.members_only:
        out.write("# Generated by tools/csl-import.py from %s (source: %s). Do not edit by hand.\n"
                  % (os.path.basename(args.csv), args.source))
        out.write("lists:\n")
        out.write("  - id: %s\n" % args.id)
        out.write("    kind: names\n")
        out.write("    title: %s\n" % yq(args.title or args.source))
        out.write("    citation: %s\n" % yq("Consolidated Screening List, source: " + args.source))
        out.write("    source_url: %s\n" % yq("https://www.trade.gov/consolidated-screening-list"))
        out.write("    members:\n")
    for m in members.values():
        out.write("%s# CSL rows: %d" % (ind, m["rows"]))
        known = [c for c in m["countries"] if c]
        if known:
            out.write("; address countries: %s" % ", ".join(dict.fromkeys(known)))
        out.write("\n")
        for r in m["requirements"]:
            out.write("%s# licence requirement: %s\n" % (ind, r.replace("\n", " ")))
        out.write("%s- name: %s\n" % (ind, yq(m["name"])))
        sub = ind + "  "
        if m["aliases"]:
            out.write("%saliases: [%s]\n" % (sub, ", ".join(yq(a) for a in m["aliases"])))
        countries = set(m["countries"])
        if len(countries) == 1 and None not in countries:
            out.write("%scountry: %s\n" % (sub, countries.pop()))
        starts = [d for d in m["from"] if d]
        if starts:
            out.write("%sfrom: %s\n" % (sub, min(starts)))
        if m["until"] and all(m["until"]):
            out.write("%suntil: %s\n" % (sub, max(m["until"])))
        if m["citations"]:
            out.write("%scitation: %s\n" % (sub, yq(", ".join(m["citations"]))))
        if m["policies"]:
            out.write("%slicense_policy: %s\n" % (sub, yq(" / ".join(m["policies"]))))
    if not members:
        print("%s: warning: no rows with source %r" % (args.csv, args.source), file=sys.stderr)
        if not args.members_only:
            out.write("      []\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
