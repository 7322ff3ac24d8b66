"""SARIF written by `embargo lint`, `test` and `diff` is accepted by GitHub code scanning
(tests/schemas/sarif_check.py): every result has a location, also the findings about no
file in particular (coverage below --min-coverage, a test file that does not parse, a
decision no rule makes). No copy of the SARIF 2.1.0 JSON Schema is kept in the
repository, so the shape is checked here, not the whole schema.
"""
import json
import os
import pathlib
import subprocess

import pytest

from sarif_check import sarif_problems

ROOT = pathlib.Path(__file__).resolve().parents[2]
LINT = ROOT / "tests" / "lint"


def sarif(args, tmp_path):
    cli = os.environ.get("EMBARGO_CLI")
    if not cli:
        pytest.skip("EMBARGO_CLI is not set")
    r = subprocess.run([cli, *args, "--format", "sarif"], cwd=ROOT, capture_output=True,
                       text=True)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout), r.returncode


def codes(doc):
    return [res["ruleId"] for run in doc["runs"] for res in run["results"]]


def test_test_below_coverage_has_locations(tmp_path):
    doc, rc = sarif(["test", "--min-coverage", "100", "tests/lint/coverage"], tmp_path)
    assert rc == 1
    assert "T-COVERAGE" in codes(doc)
    assert sarif_problems(doc) == []
    cov = [res for res in doc["runs"][0]["results"] if res["ruleId"] == "T-COVERAGE"][0]
    loc = cov["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "tests/lint/coverage/rules.yaml"
    assert loc["region"]["startLine"] >= 1


def test_test_broken_suite_has_a_location(tmp_path):
    cli = os.environ.get("EMBARGO_CLI")
    if not cli:
        pytest.skip("EMBARGO_CLI is not set")
    broken = tmp_path / "broken.tests.yaml"
    broken.write_text("cases: [unclosed\n")
    r = subprocess.run([cli, "test", "--format", "sarif", "--rules", "rules", str(broken)],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2
    doc = json.loads(r.stdout)
    assert "T-SUITE" in codes(doc)
    assert sarif_problems(doc) == []


def test_lint_has_locations(tmp_path):
    doc, rc = sarif(["lint", "--level", "note", "--as-of", "2025-01-01", "rules"], tmp_path)
    assert codes(doc)
    assert sarif_problems(doc) == []


def test_diff_has_locations(tmp_path):
    d = "tests/lint/diff"
    doc, rc = sarif(["diff", "--corpus", f"{d}/corpus.jsonl", f"{d}/base",
                     f"{d}/head"], tmp_path)
    assert rc == 1
    assert "D-DECISION-GATE" in codes(doc)
    assert sarif_problems(doc) == []
