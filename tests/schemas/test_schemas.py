"""The JSON Schemas in schemas/ against every bundled file, decisions the program writes,
and files that must be refused (tests/schemas/bad/KIND-*.yaml|json, KIND one of rules,
tests, transaction, decision).

Run: python3 -m pytest tests/schemas  (EMBARGO_CLI names the embargo program; without it
the decision tests are skipped). Uses Debian's python3-jsonschema and python3-yaml.
"""
import json
import os
import pathlib
import subprocess

import jsonschema
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
BAD = pathlib.Path(__file__).resolve().parent / "bad"


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1 (`NO` is false, dates become objects); embargo reads the
    YAML 1.2 core schema. This loader resolves only the 1.2 core forms, so a country
    code NO stays text and a date stays the text the schema checks."""


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+0123456789."),
]:
    import re
    Yaml12Loader.add_implicit_resolver(tag, re.compile(pattern), list(first))
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


def load(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=Yaml12Loader)


def validator(kind):
    store = {}
    for p in SCHEMAS.glob("*.schema.json"):
        s = json.loads(p.read_text())
        store[s["$id"]] = s
        store[p.name] = s
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    resolver = jsonschema.RefResolver(schema["$id"], schema, store=store)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def errors(kind, doc):
    return sorted(validator(kind).iter_errors(doc), key=lambda e: list(e.absolute_path))


def describe(errs):
    return "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errs)


RULE_FILES = sorted(p for p in (ROOT / "rules").rglob("*.yaml") if not p.name.endswith(".tests.yaml"))
TEST_FILES = sorted((ROOT / "rules").rglob("*.tests.yaml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def test_every_schema_is_valid_draft_2020_12():
    names = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
    assert names == ["decision.schema.json", "rules.schema.json",
                     "tests.schema.json", "transaction.schema.json"]
    for n in names:
        jsonschema.Draft202012Validator.check_schema(json.loads((SCHEMAS / n).read_text()))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_rule_file(path):
    errs = errors("rules", load(path))
    assert not errs, describe(errs)


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_test_file(path):
    doc = load(path)
    errs = errors("tests", doc)
    assert not errs, describe(errs)
    for case in doc["cases"]:
        if "transaction_file" in case:
            txn = load((path.parent / case["transaction_file"]).resolve())
            errs = errors("transaction", txn)
            assert not errs, f"{case['name']}: {describe(errs)}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_transaction(path):
    errs = errors("transaction", load(path))
    assert not errs, describe(errs)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_decision_written_by_check(path):
    cli = os.environ.get("EMBARGO_CLI")
    if not cli:
        pytest.skip("EMBARGO_CLI is not set")
    out = subprocess.run([cli, "check", "--format", "json", str(path)],
                         capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    errs = errors("decision", json.loads(out.stdout))
    assert not errs, describe(errs)


BAD_FILES = sorted(BAD.glob("*"))


def test_there_are_bad_files_of_every_kind():
    kinds = {p.name.split("-", 1)[0] for p in BAD_FILES}
    assert kinds == {"rules", "tests", "transaction", "decision"}


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.name)
def test_bad_file_is_refused(path):
    kind = path.name.split("-", 1)[0]
    assert errors(kind, load(path)), f"{path.name} passed the {kind} schema"
