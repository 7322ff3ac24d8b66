"""What GitHub code scanning requires of a SARIF 2.1.0 file beyond its JSON Schema, and
what embargo promises of its own (tests/schemas/test_sarif.py, tests/ci/recipes.py).

GitHub refuses a whole upload when one result has no location, so every result must
have at least one physical location with a URI; ruleIndex must point at the rule of the
same id; every rule used has a description (not its bare id) and a default level, from
the register of codes (engine/diagnostic-codes.h).
"""


def sarif_problems(doc):
    """The problems of the parsed SARIF document DOC, as strings (empty: none)."""
    problems = []
    if doc.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    runs = doc.get("runs")
    if not isinstance(runs, list) or not runs:
        return problems + ["no runs"]
    for run in runs:
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        if not run.get("tool", {}).get("driver", {}).get("name"):
            problems.append("tool.driver.name is missing")
        for rule in rules:
            text = rule.get("shortDescription", {}).get("text")
            if not text or text == rule.get("id"):
                problems.append(f"rule {rule.get('id')}: no shortDescription")
            level = rule.get("defaultConfiguration", {}).get("level")
            if level not in ("error", "warning", "note"):
                problems.append(f"rule {rule.get('id')}: no defaultConfiguration.level")
        for res in run.get("results", []):
            rid = res.get("ruleId")
            if not res.get("message", {}).get("text"):
                problems.append(f"{rid}: a result without a message")
            locs = res.get("locations") or []
            if not locs:
                problems.append(f"{rid}: a result without a location")
            for loc in locs + (res.get("relatedLocations") or []):
                phys = loc.get("physicalLocation", {})
                if not phys.get("artifactLocation", {}).get("uri"):
                    problems.append(f"{rid}: a location without a uri")
                region = phys.get("region")
                if region is not None and region.get("startLine", 1) < 1:
                    problems.append(f"{rid}: a region before line 1")
            i = res.get("ruleIndex")
            if i is not None and (i >= len(rules) or rules[i].get("id") != rid):
                problems.append(f"{rid}: ruleIndex {i} names another rule")
    return problems
