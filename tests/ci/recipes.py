#!/usr/bin/python3
"""The recipes of docs/ci.md, run as written in a clean copy of a rules repository.

Usage: recipes.py EMBARGO_BINARY SOURCE_DIR [CMAKE BUILD_DIR]

Each code block of docs/ci.md that follows a marker `<!-- ci-recipe: NAME -->` is read
from the document (never copied here), and its steps are run in a fresh git repository
that holds a copy of the bundled rules/ and a corpus/orders.jsonl, cloned from a bare
"origin" as a CI runner would clone it:

  github      the workflow's steps in order, with GitHub's shell (bash -eo pipefail),
              its `if:` conditions and $GITHUB_STEP_SUMMARY; `actions/checkout` is the
              clone, upload-sarif checks the file as GitHub does (every result has a
              location), and "Install embargo" is the one step replaced: the binary under
              test is put on PATH as `embargo`.
  gitlab      the job's script (before_script installs embargo, replaced the same way),
              then the JUnit reports it names.
  hook        the pre-commit hook, installed and run by `git commit`.
  pre-commit  each hook's entry, as the pre-commit framework runs a `system` hook.
  lock        the pinning commands.
  self        this project's own gate, on a copy of the rules.
  installed   (with CMAKE and BUILD_DIR) the rules as `cmake --install` lays them out
              pass their own tests: a rules tree that is copied or installed is whole.

Scenarios: a clean change, a change that loosens a decision (the gate fails, the job
summary is still written), a test file that does not parse (its suite is an error in
JUnit). Prints one line per failed check and exits 1 when any failed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas"))
from sarif_check import sarif_problems  # noqa: E402

EMBARGO, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
CMAKE, BUILD = (sys.argv[3], os.path.abspath(sys.argv[4])) if len(sys.argv) > 4 else (None, None)
failed = []
passed = 0


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failed.append(name)
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


def recipes():
    """NAME -> the text of the code block after `<!-- ci-recipe: NAME -->`."""
    text = open(os.path.join(SRC, "docs", "ci.md"), encoding="utf-8").read()
    found = {}
    for m in re.finditer(r"<!-- ci-recipe: ([a-z-]+) -->\s*\n```[a-z]*\n(.*?)\n```", text, re.S):
        found[m.group(1)] = m.group(2) + "\n"
    return found


RECIPES = recipes()
for need in ("github", "gitlab", "hook", "pre-commit", "lock", "self"):
    check(f"docs/ci.md has the recipe '{need}'", need in RECIPES)

TMP = tempfile.mkdtemp(prefix="embargo-recipes-")
BIN = os.path.join(TMP, "bin")
os.makedirs(BIN)
os.symlink(EMBARGO, os.path.join(BIN, "embargo"))
ENV = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
           GIT_AUTHOR_NAME="ci", GIT_AUTHOR_EMAIL="ci@example.invalid",
           GIT_COMMITTER_NAME="ci", GIT_COMMITTER_EMAIL="ci@example.invalid",
           GIT_CONFIG_NOSYSTEM="1", HOME=TMP, NO_COLOR="1")
ENV.pop("GITHUB_STEP_SUMMARY", None)


def git(cwd, *args, check_rc=True):
    r = subprocess.run(["git", *args], cwd=cwd, env=ENV, capture_output=True, text=True)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {r.stderr}")
    return r


def corpus_lines():
    """One transaction a line: the fixtures kept with the rules and the examples."""
    lines = []
    fixtures = os.path.join(SRC, "rules", "cn", "fixtures")
    for name in sorted(os.listdir(fixtures)):
        with open(os.path.join(fixtures, name), encoding="utf-8") as f:
            lines.append(json.dumps(json.load(f), ensure_ascii=False))
    return "\n".join(lines) + "\n"


def origin():
    """A bare repository holding the rules and a corpus on main; returns its path."""
    seed = os.path.join(TMP, "seed")
    os.makedirs(os.path.join(seed, "corpus"))
    shutil.copytree(os.path.join(SRC, "rules"), os.path.join(seed, "rules"))
    with open(os.path.join(seed, "corpus", "orders.jsonl"), "w", encoding="utf-8") as f:
        f.write(corpus_lines())
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "rules")
    bare = os.path.join(TMP, "origin.git")
    git(TMP, "clone", "-q", "--bare", seed, bare)
    return bare


ORIGIN = origin()
clones = 0


def clone(change=None):
    """A fresh clone of origin on a branch holding CHANGE (a function of the work tree),
    committed: what a runner checks out for a pull request."""
    global clones
    clones += 1
    work = os.path.join(TMP, f"work{clones}")
    git(TMP, "clone", "-q", ORIGIN, work)
    git(work, "checkout", "-q", "-b", "change")
    if change:
        change(work)
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "change")
    return work


def edit(path, old, new):
    def apply(work):
        p = os.path.join(work, path)
        with open(p, encoding="utf-8") as f:
            text = f.read()
        assert old in text, f"{old!r} not in {path}"
        with open(p, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))
    return apply


# A change that decides nothing differently; one that loosens deny to review (the CAC
# rule's effect); a test file that does not parse.
BENIGN = edit("rules/README.md", "examples", "examples (edited)")
LOOSEN = edit("rules/cn/cac-micron.yaml", "    effect: deny\n", "    effect: review\n")
PLACEHOLDER = edit("rules/cn/cac-micron.yaml", "  citation: \"CAC Cybersecurity Review Office,",
                   "  citation: TODO\n  # \"CAC Cybersecurity Review Office,")
BROKEN_TESTS = edit("rules/cn/cac-micron.tests.yaml", "cases:\n", "cases: [unclosed\n")


def run_sh(script, cwd, env, shell=("bash", "--noprofile", "--norc", "-eo", "pipefail")):
    path = os.path.join(TMP, "step.sh")
    with open(path, "w", encoding="utf-8") as f:
        f.write(script)
    return subprocess.run([*shell, path], cwd=cwd, env=env, capture_output=True, text=True)


def sarif_file_problems(path):
    """What makes GitHub's upload-sarif reject a file (or part of it)."""
    try:
        with open(path, encoding="utf-8") as f:
            return sarif_problems(json.load(f))
    except (OSError, ValueError) as e:
        return [f"not SARIF JSON: {e}"]


def junit(path):
    """The parsed report, or None when it is missing or not well formed."""
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None


def gh_condition(expr, event, failed_before):
    """GitHub's `if:` for the expressions the recipe uses."""
    if expr is None:
        return not failed_before
    e = str(expr).strip()
    if e.startswith("${{") and e.endswith("}}"):
        e = e[3:-2].strip()
    status_fn = re.search(r"\b(always|success|failure|cancelled)\(\)", e)
    py = (e.replace("&&", " and ").replace("||", " or ")
          .replace("always()", "True").replace("success()", repr(not failed_before))
          .replace("failure()", repr(failed_before)).replace("cancelled()", "False")
          .replace("github.event_name", repr(event)))
    py = re.sub(r"!(?!=)", " not ", py)
    value = bool(eval(py, {"__builtins__": {}}))  # the recipe's own, fixed expressions
    return value if status_fn else value and not failed_before


def run_github(name, change, event):
    """Runs the workflow's job for EVENT on a clone holding CHANGE. Returns (job
    succeeded, {step name: exit status or 'skipped'}, summary text, work tree)."""
    wf = yaml.safe_load(RECIPES["github"])
    job = wf["jobs"]["gate"]
    work = clone(change)
    summary = os.path.join(TMP, f"summary-{name}.md")
    open(summary, "w").close()
    env = dict(ENV, GITHUB_STEP_SUMMARY=summary, GITHUB_EVENT_NAME=event, CI="true",
               GITHUB_ACTIONS="true")
    env.update({k: str(v) for k, v in (wf.get("env") or {}).items()})
    bad = False
    steps = {}
    for i, step in enumerate(job["steps"]):
        label = step.get("name") or step.get("uses") or f"step {i}"
        if not gh_condition(step.get("if"), event, bad):
            steps[label] = "skipped"
            continue
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout"):
            steps[label] = 0
            continue
        if uses.startswith("actions/upload-artifact"):
            missing = [p for p in step["with"]["path"].split()
                       if not os.path.exists(os.path.join(work, p))]
            check(f"github/{name}: the reports to upload exist", not missing, str(missing))
            steps[label] = 1 if missing else 0
            bad |= bool(missing)
            continue
        if label == "Install embargo":
            steps[label] = 0 if shutil.which("embargo", path=env["PATH"]) else 127
            continue
        if uses.startswith("github/codeql-action/upload-sarif"):
            sarif = os.path.join(work, step["with"]["sarif_file"])
            problems = sarif_file_problems(sarif)
            check(f"github/{name}: upload-sarif accepts {step['with']['sarif_file']}",
                  not problems, "; ".join(problems[:5]))
            steps[label] = 1 if problems else 0
            bad |= bool(problems)
            continue
        script = step["run"].replace("${{ github.base_ref }}", "main")
        script = script.replace("${{ github.event_name }}", event)
        assert "${{" not in script, f"an expression the test does not know: {script}"
        r = run_sh(script, work, env)
        steps[label] = r.returncode
        if r.returncode != 0:
            bad = True
    with open(summary, encoding="utf-8") as f:
        return not bad, steps, f.read(), work


def markdown_tables(text):
    """The rows of every Markdown table in TEXT (a header line, then a --- line), in
    order."""
    lines, rows = text.splitlines(), []
    for i in range(len(lines) - 1):
        if lines[i].startswith("|") and re.match(r"^\|(\s*:?-+:?\s*\|)+\s*$", lines[i + 1]):
            rows.append(lines[i])
            for line in lines[i + 2:]:
                if not line.startswith("|"):
                    break
                rows.append(line)
    return rows


def test_github():
    if "github" not in RECIPES:
        return
    ok, steps, summary, work = run_github("clean", BENIGN, "pull_request")
    check("github/clean: the job succeeds", ok, str(steps))
    check("github/clean: lint.sarif was written", os.path.exists(os.path.join(work, "lint.sarif")))
    report = junit(os.path.join(work, "test-report.xml"))
    check("github/clean: test-report.xml is JUnit XML", report is not None and
          report.tag == "testsuites")
    rows = markdown_tables(summary)
    # The counts the rules give in the source tree, so that new cases keep this true.
    own = json.loads(subprocess.run([EMBARGO, "test", "--format", "json",
                                     os.path.join(SRC, "rules")], env=ENV,
                                    capture_output=True, text=True).stdout)
    cov = own["coverage"]
    counts = f"| {own['passed']} | 0 | 0 | {cov['covered']} of {cov['rules']} rules (100.0 %) |"
    check("github/clean: the job summary holds the lint, test and diff tables",
          any(r.startswith("| 0 | 0 |") for r in rows) and any(r.startswith(counts) for r in rows)
          and f"0 of {len(corpus_lines().splitlines())} transactions changed" in summary,
          repr(summary[:600]))

    ok, steps, summary, work = run_github("loosened", LOOSEN, "pull_request")
    check("github/loosened: the job fails", not ok, str(steps))
    gate = [k for k in steps if "ecision" in k and steps[k] not in ("skipped", 0)]
    check("github/loosened: the diff gate step fails with exit 1",
          any(steps[k] == 1 for k in gate), str(steps))
    check("github/loosened: the job summary is still written, the change in a table row",
          any(re.search(r"\*\*deny\*\* cn-cac-micron-ciio.*\| \*\*review\*\* cn-cac-micron-ciio", row)
              for row in markdown_tables(summary)), repr(summary[:800]))
    check("github/loosened: the SARIF upload still runs",
          all(v != "skipped" for k, v in steps.items() if "upload-sarif" in k), str(steps))

    ok, steps, summary, work = run_github("broken-tests", BROKEN_TESTS, "pull_request")
    check("github/broken-tests: the job fails", not ok, str(steps))
    report = junit(os.path.join(work, "test-report.xml"))
    errors = [] if report is None else report.findall(".//testcase/error")
    check("github/broken-tests: the suite that could not run is a JUnit <error>",
          report is not None and any("cac-micron.tests.yaml" in (e.get("message", "") + (e.text or ""))
                                     for e in errors), "no <error> names the file")
    check("github/broken-tests: <testsuites errors=...> counts it",
          report is not None and int(report.get("errors", "0")) >= 1)

    ok, steps, summary, work = run_github("push", None, "push")
    check("github/push: the job succeeds", ok, str(steps))
    check("github/push: the diff steps are skipped",
          all(v == "skipped" for k, v in steps.items() if "ecision" in k), str(steps))
    check("github/push: the summary has no diff", "embargo diff" not in summary and
          "embargo test" in summary)


def run_gitlab(name, change, mr):
    ci = yaml.safe_load(RECIPES["gitlab"])
    job = ci["rules-gate"]
    work = clone(change)
    env = dict(ENV, CI="true", GITLAB_CI="true")
    env.update({k: str(v) for k, v in (job.get("variables") or {}).items()})
    if mr:
        env["CI_MERGE_REQUEST_TARGET_BRANCH_NAME"] = "main"
    # The runner runs the script lines in one shell, stopping at the first failure.
    r = run_sh("\n".join(job["script"]) + "\n", work, env)
    reports = job["artifacts"]["reports"]["junit"]
    return r.returncode, work, reports, r


def test_gitlab():
    if "gitlab" not in RECIPES:
        return
    rc, work, reports, r = run_gitlab("clean", BENIGN, True)
    check("gitlab/clean: the job succeeds", rc == 0, r.stderr[-500:])
    for rep in reports:
        x = junit(os.path.join(work, rep))
        check(f"gitlab/clean: {rep} is JUnit XML", x is not None and x.tag == "testsuites")
    rc, work, reports, r = run_gitlab("loosened", LOOSEN, True)
    check("gitlab/loosened: the job fails", rc != 0)
    rc, work, reports, r = run_gitlab("lint-warning", PLACEHOLDER, True)
    check("gitlab/lint-warning: the job fails", rc != 0)
    x = junit(os.path.join(work, "lint-report.xml"))
    check("gitlab/lint-warning: lint-report.xml has the finding",
          x is not None and x.find(".//testcase/failure") is not None)
    x = junit(os.path.join(work, "test-report.xml"))
    check("gitlab/lint-warning: test-report.xml is still written, every case passing",
          x is not None and x.get("failures") == "0" and x.get("errors") == "0"
          and int(x.get("tests", "0")) > 300)
    rc, work, reports, r = run_gitlab("broken-tests", BROKEN_TESTS, True)
    check("gitlab/broken-tests: the job fails", rc != 0)
    x = junit(os.path.join(work, "test-report.xml"))
    check("gitlab/broken-tests: test-report.xml has the suite as an <error>",
          x is not None and x.find(".//testcase/error") is not None)


def test_hook():
    if "hook" not in RECIPES:
        return
    for name, change, want_ok in (("clean", BENIGN, True), ("loosened", LOOSEN, False),
                                  ("broken-tests", BROKEN_TESTS, False)):
        work = clone()
        hook = os.path.join(work, ".git", "hooks", "pre-commit")
        with open(hook, "w", encoding="utf-8") as f:
            f.write(RECIPES["hook"])
        os.chmod(hook, 0o755)
        head = git(work, "rev-parse", "HEAD").stdout
        # The hook looks at staged rule files: the README-only change stages one too.
        change(work)
        git(work, "add", "-A")
        if name == "clean":
            edit("rules/cn/cac-micron.yaml", "# CN-CAC:", "# CN-CAC (edited):")(work)
            git(work, "add", "-A")
        r = git(work, "commit", "-q", "-m", name, check_rc=False)
        moved = git(work, "rev-parse", "HEAD").stdout != head
        check(f"hook/{name}: the commit is {'made' if want_ok else 'refused'}",
              (r.returncode == 0 and moved) == want_ok, (r.stdout + r.stderr)[-600:])
    # What is checked is the index: a loosening staged and then undone in the work tree
    # is still refused.
    work = clone()
    hook = os.path.join(work, ".git", "hooks", "pre-commit")
    with open(hook, "w", encoding="utf-8") as f:
        f.write(RECIPES["hook"])
    os.chmod(hook, 0o755)
    LOOSEN(work)
    git(work, "add", "-A")
    git(work, "checkout", "--", "rules")
    r = git(work, "commit", "-q", "-m", "staged", check_rc=False)
    check("hook/staged: the staged loosening is refused though the work tree is clean",
          r.returncode != 0)


def test_pre_commit():
    if "pre-commit" not in RECIPES:
        return
    cfg = yaml.safe_load(RECIPES["pre-commit"])
    hooks = [h for repo in cfg["repos"] for h in repo["hooks"]]
    check("pre-commit: two hooks", len(hooks) == 2)
    for name, change, want in (("clean", BENIGN, 0), ("loosened", LOOSEN, 1)):
        work = clone(change)
        results = []
        for h in hooks:
            check(f"pre-commit: {h['id']} runs on rule files",
                  re.search(h["files"], "rules/cn/cac-micron.yaml") is not None)
            # A `system` hook runs its entry, split as a shell would, in the repository.
            r = subprocess.run(["sh", "-c", h["entry"]], cwd=work, env=ENV,
                               capture_output=True, text=True)
            results.append(r.returncode)
        check(f"pre-commit/{name}: {'every hook passes' if want == 0 else 'a hook fails'}",
              (max(results) == 0) == (want == 0), str(results))


def test_lock():
    if "lock" not in RECIPES:
        return
    work = clone()
    lines = [l.split("#")[0].strip() for l in RECIPES["lock"].splitlines()]
    check_cmd, lock_cmd = [l for l in lines if l]
    rc = lambda cmd: subprocess.run(["sh", "-c", cmd], cwd=work, env=ENV,
                                    capture_output=True).returncode
    check("lock: --check without a lock fails", rc(check_cmd) != 0)
    check("lock: writing the lock succeeds", rc(lock_cmd) == 0)
    check("lock: --check after writing it passes", rc(check_cmd) == 0)
    LOOSEN(work)
    check("lock: --check after a change exits 1", rc(check_cmd) == 1)


def test_self():
    if "self" not in RECIPES:
        return
    work = os.path.join(TMP, "self")
    os.makedirs(os.path.join(work, "build", "tools", "embargo"))
    shutil.copytree(os.path.join(SRC, "rules"), os.path.join(work, "rules"))
    os.symlink(EMBARGO, os.path.join(work, "build", "tools", "embargo", "embargo"))
    r = run_sh(RECIPES["self"], work, ENV, shell=("sh", "-e"))
    check("self: the project's gate passes on a copy of its rules", r.returncode == 0,
          (r.stdout + r.stderr)[-600:])


def test_installed():
    """The rules as `cmake --install` lays them out pass their own tests."""
    if CMAKE is None:
        return
    prefix = os.path.join(TMP, "prefix")
    r = subprocess.run([CMAKE, "--install", BUILD, "--prefix", prefix], env=ENV,
                       capture_output=True, text=True)
    check("installed: cmake --install succeeds", r.returncode == 0, r.stderr[-400:])
    rules = os.path.join(prefix, "share", "embargo", "rules")
    r = subprocess.run([EMBARGO, "test", "--min-coverage", "100", rules], env=ENV,
                       capture_output=True, text=True)
    check("installed: embargo test --min-coverage 100 on the installed rules passes",
          r.returncode == 0, (r.stdout + r.stderr)[-600:])


try:
    for t in (test_github, test_gitlab, test_hook, test_pre_commit, test_lock, test_self,
              test_installed):
        t()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
print(f"{passed} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
