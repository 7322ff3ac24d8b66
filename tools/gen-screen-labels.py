#!/usr/bin/env python3
"""Generate tests/screen/labelled.tsv: name variants of real OFAC SDN entries.

    tools/gen-screen-labels.py [SDN_DIR] > tests/screen/labelled.tsv

SDN_DIR defaults to ../shared/data/ofac-sdn-2021 beside the repository. The output
is deterministic (fixed seed, rows in file order). Columns:

    query <TAB> expected ent_num, or '-' when nothing may match <TAB> kind

Kinds: 'swapped' (given names first, or tokens reversed), 'translit' (spelling
variants such as Mohammed/Muhammad, ou/u, y/i, q/k, kh/h), 'legal' (legal form
dropped, spelled out or abbreviated), 'typo' (one deletion, insertion,
substitution or transposition in a word of five letters or more), 'nearmiss'
(a listed given name with another listed surname, or the first word of one entity
with the last word of another, neither a legal form: plausible names that are on
no list), and 'typo2' (two deletions, insertions or substitutions in one word of six
letters or more, not a legal form: slips that only a comparison within two deletions
finds, unless the skeleton absorbs them). The 'typo2' rows come last, so that adding
them left the rows before unchanged.
"""
import csv
import os
import random
import re
import sys

SEED = 20210
PER_KIND = 200

TRANSLIT = [
    ("MOHAMMED", "MUHAMMAD"), ("MOHAMMAD", "MUHAMMED"), ("MUHAMMAD", "MOHAMED"),
    ("MOHAMED", "MOHAMMAD"), ("AHMED", "AHMAD"), ("AHMAD", "AHMED"),
    ("HUSSEIN", "HUSAIN"), ("HUSAYN", "HUSSEIN"), ("HASSAN", "HASAN"), ("YUSUF", "YOUSEF"),
    ("YOUSSEF", "YUSUF"), ("OSAMA", "USAMA"), ("USAMA", "OSAMA"), ("QADHAFI", "GADDAFI"),
    ("ABDUL", "ABDOUL"), ("ABDEL", "ABDUL"), ("SERGEY", "SERGEI"), ("SERGEI", "SERGEY"),
    ("ALEKSANDR", "ALEXANDR"), ("YURIY", "YURI"), ("DMITRIY", "DMITRI"), ("ALEKSEY", "ALEXEI"),
]
RULES = [("OU", "U"), ("KH", "H"), ("Q", "K"), ("Y", "I"), ("EE", "I"), ("PH", "F"),
         ("SH", "SCH"), ("DH", "D"), ("W", "V"), ("IE", "I"), ("OV", "OFF"), ("EV", "EFF")]
LEGAL = ["CO., LTD.", "COMPANY LIMITED", "LTD.", "LIMITED", "LLC", "INC.", "GMBH", "S.A.",
         "OOO", "JSC", "CO.", "CORP.", "CORPORATION", "S.A.S.", "S.R.L.", "PJSC", "OJSC"]
# The legal forms engine/screen/fold.c drops (dots and apostrophes removed, lower case).
LEGAL_FORMS = set("""co corp corporation company inc incorporated llc ltd limited plc gmbh
    ag kg ooo oao zao pao jsc ojsc cjsc pjsc llp lp bv nv srl spa sarl sas sa ab as oy kk
    pte pty bhd sdn tbk the and of ltda cia sro sae sal fze fzco fzc fzllc wll kft zrt doo
    ead uab sia aps asa oyj spolka cv sab sapi scs eirl stock""".split())


def legal_word(w):
    return re.sub(r"[.',]", "", w).lower() in LEGAL_FORMS


def words(name):
    """The words the engine matches on, roughly: dots and apostrophes join, legal
    forms go."""
    name = re.sub(r"[.'’]", "", name.lower())
    return [w for w in re.split(r"[^0-9a-z]+", name) if w and w not in LEGAL_FORMS]


LEGAL_RE = re.compile(r"[,\s]+(" + "|".join(re.escape(f) for f in LEGAL) + r")\s*$")


def tokens(name):
    return frozenset(t for t in re.sub(r"[^0-9a-z]+", " ", name.lower()).split())


def natural(name):
    """'NORIEGA, Manuel Antonio' -> 'Manuel Antonio NORIEGA'."""
    if ", " in name:
        last, first = name.split(", ", 1)
        return f"{first} {last}"
    return name


def swapped(rng, e):
    if e["type"] == "individual" and ", " in e["name"]:
        return natural(e["name"])
    words = e["name"].replace(",", "").split()
    return " ".join(reversed(words)) if len(words) > 1 else None


def translit(rng, e):
    name = natural(e["name"]).upper()
    for a, b in TRANSLIT:
        if re.search(rf"\b{a}\b", name):
            return re.sub(rf"\b{a}\b", b, name, count=1)
    for a, b in rng.sample(RULES, len(RULES)):
        if a in name:
            return name.replace(a, b, 1)
    return None


def legal(rng, e):
    m = LEGAL_RE.search(e["name"])
    if m is None or e["type"] != "entity":
        return None
    stem = e["name"][: m.start()]
    return stem if rng.random() < 0.5 else f"{stem} {rng.choice(LEGAL)}"


def typo(rng, e):
    words = natural(e["name"]).split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long_words:
        return None
    i = rng.choice(long_words)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    op = rng.choice("dist")
    if op == "d":
        w = w[:p] + w[p + 1:]
    elif op == "i":
        w = w[:p] + rng.choice("AEIRSTN") + w[p:]
    elif op == "s":
        w = w[:p] + rng.choice([c for c in "AEIOURSTN" if c != w[p]]) + w[p + 1:]
    else:
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:] if w[p] != w[p + 1] else None
    if w is None:
        return None
    words[i] = w
    return " ".join(words)


def slip(rng, w):
    """@w with one letter deleted, inserted or replaced, neither the first nor the last."""
    p = rng.randrange(1, len(w) - 1)
    op = rng.choice("dis")
    if op == "d":
        return w[:p] + w[p + 1:]
    if op == "i":
        return w[:p] + rng.choice("AEIRSTN") + w[p:]
    return w[:p] + rng.choice([c for c in "AEIOURSTN" if c != w[p]]) + w[p + 1:]


def typo2(rng, e):
    words = natural(e["name"]).split()
    long_words = [i for i, w in enumerate(words)
                  if len(w) >= 6 and w.isalpha() and not legal_word(w)]
    if not long_words:
        return None
    i = rng.choice(long_words)
    words[i] = slip(rng, slip(rng, words[i]))
    return " ".join(words)


def variants(rng, named, known, kind, make):
    """PER_KIND variants of distinct entries, none of them a listed name."""
    seen, out = set(), []
    for e in rng.sample(named, len(named)):
        q = make(rng, e)
        if q and e["num"] not in seen and tokens(q) not in known - {tokens(e["name"])} \
                and q.upper() != e["name"].upper():
            seen.add(e["num"])
            out.append((q, e["num"], kind))
        if len(out) == PER_KIND:
            break
    return out


def contains_listed(q, listed):
    """Whether adjacent words of @q are, in some order, all the words of a listed name
    of two words or more: a contained name, which the engine reports as a possible
    match by design (docs/screening.md), so no near miss."""
    w = words(q)
    return any(tuple(sorted(w[i:i + n])) in listed
               for n in range(2, len(w)) for i in range(len(w) - n + 1))


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sdn_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "..", "shared", "data", "ofac-sdn-2021")
    entries, known, names = [], set(), []
    with open(os.path.join(sdn_dir, "sdn.csv"), encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) < 12:
                continue
            kind = row[2].strip()
            e = {"num": row[0], "name": row[1].strip(),
                 "type": "entity" if kind == "-0-" else kind}
            entries.append(e)
            known.add(tokens(e["name"]))
            names.append(e["name"])
    with open(os.path.join(sdn_dir, "alt.csv"), encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) >= 4:
                known.add(tokens(row[3]))
                names.append(row[3])
    known_tokens = set().union(*known)
    listed = {tuple(sorted(words(n))) for n in names}

    rng = random.Random(SEED)
    people = [e for e in entries if e["type"] == "individual"]
    named = [e for e in entries if e["type"] in ("individual", "entity")]
    rows = []
    for kind, make in (("swapped", swapped), ("translit", translit),
                       ("legal", legal), ("typo", typo)):
        rows += variants(rng, named, known, kind, make)

    # Near misses: the tokens of each query all occur in the list, but never
    # together in one name, and no name contains all but one of them.
    out = []
    while len(out) < PER_KIND:
        if len(out) % 2 == 0:
            a, b = rng.sample(people, 2)
            if ", " not in a["name"] or ", " not in b["name"]:
                continue
            q = f"{a['name'].split(', ', 1)[1]} {b['name'].split(', ', 1)[0]}"
        else:
            a, b = rng.sample([e for e in named if e["type"] == "entity"], 2)
            wa, wb = a["name"].replace(",", "").split(), b["name"].replace(",", "").split()
            if len(wa) < 2 or len(wb) < 2 or legal_word(wb[-1]) \
                    or legal_word(wa[0]) or len(wb[-1]) < 4:
                continue
            q = f"{wa[0]} {wb[-1]}"
        t = tokens(q)
        if len(t) < 2 or any(len(t & k) >= len(t) - 0 for k in known) \
                or any(len(t - k) <= 1 and len(k) <= len(t) + 1 for k in known) \
                or contains_listed(q, listed):
            continue
        out.append((q, "-", "nearmiss"))
    rows += out
    rows += variants(rng, named, known, "typo2", typo2)

    print("# Generated by tools/gen-screen-labels.py from ofac-sdn-2021; do not edit.")
    print("# query\texpected ent_num or -\tkind")
    for q, num, kind in rows:
        print(f"{q}\t{num}\t{kind}")


if __name__ == "__main__":
    main()
