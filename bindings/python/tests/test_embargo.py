import os
import threading

import pytest

import embargo

SRC = os.environ.get("EMBARGO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RULES = os.path.join(SRC, "rules")


def example(name):
    with open(os.path.join(SRC, "examples", name)) as f:
        return f.read()


@pytest.fixture(scope="module")
def rs():
    return embargo.RuleSet([RULES])


def test_check_yaml_text_denies(rs):
    d = rs.check(example("micron-ciio.yaml"))
    assert d["decision"] == "deny"
    assert d["rule"]["id"] == "cn-cac-micron-ciio"
    assert d["ruleset"]["digest"] == rs.digest


def test_check_dict_and_as_of(rs):
    t = {"id": "T1", "date": "2024-01-01", "destination": {"country": "IR"},
         "buyer": {"name": "B"}, "seller": {"name": "S", "country": "US"},
         "items": [{"id": "1"}]}
    assert rs.check(t)["decision"] == "deny"
    assert rs.check(t, as_of="2024-01-02")["as_of"] == "2024-01-02"


def test_strict_refuses_an_unread_key(rs):
    t = {"id": "T2", "date": "2024-01-01", "destination": {"country": "IR"},
         "buyer": {"name": "B"}, "seller": {"name": "S", "country": "US"},
         "items": [{"id": "1"}], "contract": {"sigend": "2024-01-01"}}
    assert rs.check(t)["decision"] == "deny"
    with pytest.raises(embargo.TransactionError) as e:
        rs.check(t, strict=True)
    assert "unknown key 'contract.sigend'" in str(e.value)


def test_error_carries_positioned_diagnostics(rs):
    with pytest.raises(embargo.TransactionError) as e:
        rs.check('{"id": "x", "date": "2023-13-01"}')
    d = e.value.diagnostics[0]
    assert (d.line, d.column, d.code) == (1, 21, "E-TRANSACTION")
    assert "2023-13-01" in d.message


def test_check_many_in_order(rs):
    ids = [d["transaction"] for d in rs.check_many([example("micron-ciio.yaml"),
                                                    example("micron-non-ciio.yaml")])]
    assert ids == ["PO-2023-0415", "PO-2023-0416"]


def test_screen(rs):
    r = rs.screen("Huawei Technologies Co")
    assert r["decision"] == "license_required" and r["candidates"] >= 1
    assert rs.screen("Alpha Beta Gamma GmbH") == {"decision": "allow", "candidates": 0}
    with pytest.raises(embargo.EmbargoError):
        rs.screen(country="CN")


def test_bad_rules_raise_load_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("rules:\n  - id: [\n")
    with pytest.raises(embargo.LoadError) as e:
        embargo.RuleSet([str(tmp_path)])
    assert e.value.diagnostics[0].line == 3


def test_load_error_carries_its_context(tmp_path):
    # A second position, apart from the message: where the id was first defined.
    rule = ("  - {id: r1, title: T, regime: US-EAR, authority: BIS, citation: '15 CFR 744',\n"
            "     source_url: 'https://www.ecfr.gov/', effective_from: 2020-01-01,\n"
            "     effect: deny, when: {field: destination.country, equals: CN}}\n")
    (tmp_path / "a.yaml").write_text("rules:\n" + rule)
    (tmp_path / "b.yaml").write_text("rules:\n" + rule)
    with pytest.raises(embargo.LoadError) as e:
        embargo.RuleSet([str(tmp_path)])
    d = e.value.diagnostics[0]
    assert (d.code, d.message) == ("E-DUPLICATE-ID", "rule id 'r1' is already defined")
    assert (os.path.basename(d.source), d.line, d.column) == ("b.yaml", 2, 5)
    source, line, column, message = d.context
    assert (os.path.basename(source), line, column) == ("a.yaml", 2, 5)
    assert message == "rule 'r1' is first defined here"


def test_reload_keeps_old_rules_on_error(tmp_path):
    r = embargo.RuleSet([RULES])
    before = r.digest
    (tmp_path / "bad.yaml").write_text("rules:\n  - id: [\n")
    with pytest.raises(embargo.LoadError):
        r.reload([str(tmp_path)])
    assert r.digest == before
    assert r.check(example("micron-ciio.yaml"))["decision"] == "deny"


def test_threads(rs):
    text = example("micron-ciio.yaml")
    out = []

    def work():
        for _ in range(50):
            out.append(rs.check(text)["decision"])

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert out == ["deny"] * 200
