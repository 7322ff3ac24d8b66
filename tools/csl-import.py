#!/usr/bin/env python3
"""Convert a trade.gov Consolidated Screening List (CSL) CSV into an embargo names list.

Usage:
    tools/csl-import.py CSV --id us-entity-list [--source S] [--members-only] > out.yaml

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


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv", help="CSL CSV file ('-' for standard input)")
    ap.add_argument("--id", required=True, help="id of the list to write, e.g. us-entity-list")
    ap.add_argument("--source", default=DEFAULT_SOURCE, help="CSL `source` to keep (default: %(default)s)")
    ap.add_argument("--title", default=None, help="list title (default: the source)")
    ap.add_argument("--members-only", action="store_true",
                    help="write only the member entries (indented for a `members:` key), to append to a hand-written list")
    args = ap.parse_args(argv)

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
