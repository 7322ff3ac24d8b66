/* test-lint.c: lint, the report formats, test coverage and diff.
 *
 * Lint fixtures live in tests/lint/, two per diagnostic code:
 *   CODE.bad.yaml    must give CODE (a loader error for E- codes, a lint finding else)
 *   CODE.good.yaml   the same mistake fixed: must not give CODE
 * Each is loaded alone and linted as of 2025-01-01. test_every_code_has_fixtures checks
 * that the table below, every code the library documents, has both files.
 *
 * The report formats are checked structurally on a report built here: JUnit XML parsed
 * with GMarkupParser (testsuites > testsuite > testcase > failure), SARIF and JSON with
 * yajl_tree (the keys code scanning requires). Coverage and diff run the embargo
 * program on the fixtures in tests/lint/coverage and tests/lint/diff and check exact
 * counts in its JSON.
 */
#include "tests.h"

#include "../tools/embargo/report.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <yajl/yajl_tree.h>

#define LINT_DIR EMBARGO_SOURCE_DIR "/tests/lint"
#define AS_OF "2025-01-01"

static const char *const all_codes[] = {
  "E-SYNTAX", "E-ENCODING", "E-LIMIT", "E-UNKNOWN-KEY", "E-TYPE", "E-VALUE", "E-REQUIRED",
  "E-DATE", "E-DATE-WINDOW", "E-PATH", "E-CONDITION", "E-COUNTRY", "E-IDENTIFIER",
  "E-DUPLICATE-ID",
  "E-UNKNOWN-LIST", "E-UNKNOWN-RULE", "E-CROSS-REGIME", "E-LIFTS", "E-EMPTY", "W-SHADOWED",
  "W-NEVER-HOLDS", "W-LIFTS-UNMATCHED", "W-LIFTS-DISJOINT", "W-EXPIRED",
  "W-CITATION-PLACEHOLDER", "W-SOURCE-URL-PLACEHOLDER", "W-UNUSED-LIST", "W-FIELD-TYPO",
  "W-YAML11-BOOLEAN", "W-OPERAND-TYPE", "W-MESSAGE-FALLBACK", "W-ALLOW-NO-LIFTS", "N-IF-MISSING-FALSE",
  "N-EXPIRED-SUPERSEDED", "N-EXPIRED", "N-SOURCE-URL-HTTP", "N-UNUSED-LIST", "N-UNVERIFIED",
  "N-EXCEPTION-NAME-ONLY", NULL,
};

/* D's code is in the register (engine/diagnostic-codes.h) with D's severity. */
static void
check_registered (const EmbargoDiagnostic *d)
{
  EmbargoSeverity sev = (EmbargoSeverity) -1;
  gboolean known = embargo_diagnostic_code_get_severity (d->code, &sev);
  g_autofree char *msg = g_strdup_printf ("%s:%u: %s given as severity %d, registered %s %d",
                                          d->source, d->line, d->code, (int) d->severity,
                                          known ? "as" : "not at all", (int) sev);
  CU_assertImplementation (known && sev == d->severity, __LINE__, msg, __FILE__, "", CU_FALSE);
}

/* Every code that loading and linting PATH gives, space-separated with spaces around;
 * each checked against the register. */
static char *
codes_of (const char *path)
{
  GString *out = g_string_new (" ");
  EmbargoLoader *ld = embargo_loader_new (NULL);
  embargo_loader_add_path (ld, path, NULL);
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  const EmbargoDiagnostics *load = embargo_loader_get_diagnostics (ld);
  for (gsize i = 0; i < embargo_diagnostics_get_count (load); i++)
    {
      check_registered (embargo_diagnostics_get (load, i));
      g_string_append_printf (out, "%s ", embargo_diagnostics_get (load, i)->code);
    }
  if (rs)
    {
      EmbargoLintOptions opts = EMBARGO_LINT_OPTIONS_INIT;
      opts.as_of = AS_OF;
      EmbargoDiagnostics *found = embargo_lint (rs, &opts, NULL);
      CU_ASSERT_PTR_NOT_NULL_FATAL (found);
      for (gsize i = 0; i < embargo_diagnostics_get_count (found); i++)
        {
          check_registered (embargo_diagnostics_get (found, i));
          g_string_append_printf (out, "%s ", embargo_diagnostics_get (found, i)->code);
        }
      embargo_diagnostics_free (found);
    }
  embargo_ruleset_unref (rs);
  embargo_loader_free (ld);
  return g_string_free (out, FALSE);
}

static void
test_fixtures (void)
{
  GDir *d = g_dir_open (LINT_DIR, 0, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  const char *name;
  guint n = 0;
  while ((name = g_dir_read_name (d)))
    {
      gboolean bad = g_str_has_suffix (name, ".bad.yaml");
      if (!bad && !g_str_has_suffix (name, ".good.yaml"))
        continue;
      g_autofree char *code = g_strndup (name, strstr (name, bad ? ".bad" : ".good") - name);
      g_autofree char *path = g_build_filename (LINT_DIR, name, NULL);
      g_autofree char *got = codes_of (path);
      g_autofree char *want = g_strdup_printf (" %s ", code);
      gboolean has = strstr (got, want) != NULL;
      g_autofree char *msg = g_strdup_printf ("%s: %s %s, got:%s", name,
                                              bad ? "must give" : "must not give", code, got);
      CU_assertImplementation (has == bad, __LINE__, msg, __FILE__, "", CU_FALSE);
      n++;
    }
  g_dir_close (d);
  CU_ASSERT (n >= 2 * (G_N_ELEMENTS (all_codes) - 1));
}

static void
test_every_code_has_fixtures (void)
{
  for (const char *const *c = all_codes; *c; c++)
    {
      CU_ASSERT_PTR_NOT_NULL (embargo_diagnostic_code_describe (*c));
      for (int good = 0; good < 2; good++)
        {
          g_autofree char *path = g_strdup_printf ("%s/%s.%s.yaml", LINT_DIR, *c,
                                                   good ? "good" : "bad");
          g_autofree char *msg = g_strdup_printf ("no fixture %s", path);
          CU_assertImplementation (g_file_test (path, G_FILE_TEST_EXISTS), __LINE__, msg,
                                   __FILE__, "", CU_FALSE);
        }
    }
  /* Codes about files, pins and the tests beside the rules, not one rule file's text:
   * tests/test-rulesets.c and tests/cli/rulesets.sh give each. */
  static const char *const file_codes[] = { "E-TRANSACTION", "E-IO", "E-LOCK", "E-DIGEST",
                                            "E-RULES-IN-TESTS", "W-FIELD-UNKNOWN" };
  for (gsize i = 0; i < G_N_ELEMENTS (file_codes); i++)
    CU_ASSERT_PTR_NOT_NULL (embargo_diagnostic_code_describe (file_codes[i]));
  CU_ASSERT_PTR_NULL (embargo_diagnostic_code_describe ("W-NO-SUCH-CODE"));
  /* The register gives each code's severity; an unknown code leaves it alone. */
  EmbargoSeverity sev = EMBARGO_SEVERITY_NOTE;
  CU_ASSERT_TRUE (embargo_diagnostic_code_get_severity ("E-IO", &sev));
  CU_ASSERT_EQUAL (sev, EMBARGO_SEVERITY_ERROR);
  CU_ASSERT_TRUE (embargo_diagnostic_code_get_severity ("T-RULE-UNCOVERED", &sev));
  CU_ASSERT_EQUAL (sev, EMBARGO_SEVERITY_WARNING);
  CU_ASSERT_TRUE (embargo_diagnostic_code_get_severity ("N-EXPIRED", &sev));
  CU_ASSERT_EQUAL (sev, EMBARGO_SEVERITY_NOTE);
  sev = EMBARGO_SEVERITY_WARNING;
  CU_ASSERT_FALSE (embargo_diagnostic_code_get_severity ("W-NO-SUCH-CODE", &sev));
  CU_ASSERT_EQUAL (sev, EMBARGO_SEVERITY_WARNING);
  CU_ASSERT_PTR_NOT_NULL (embargo_diagnostic_code_describe ("E-VERSION"));
  CU_ASSERT_PTR_NOT_NULL (embargo_diagnostic_code_describe ("T-COVERAGE"));
}

/* Every comparison whose operand can never match the contract type of its field (or
 * matches only one spelling of it) is W-OPERAND-TYPE, at the operator, and no other. */
static void
test_operand_types (void)
{
  static const char rules[] =
    "defaults: {regime: T, authority: A, citation: \"15 CFR 744\","
    " source_url: https://www.ecfr.gov/x, effective_from: 2020-01-01}\n"
    "rules:\n"
    "  - {id: a, title: t, effect: deny, when: {field: item.attributes.tpp, equals: \"4,992\"}}\n"
    "  - {id: b, title: t, effect: deny, when: {field: item.quantity, in: [\"10\", 5]}}\n"
    "  - {id: c, title: t, effect: deny, when: {field: buyer.ciio, equals: maybe}}\n"
    "  - {id: d, title: t, effect: deny, when: {party: buyer, when: {field: party.ciio, equals: 1}}}\n"
    "  - {id: e, title: t, effect: deny, when: {field: item.manufacturer, gt: 5}}\n"
    "  - {id: f, title: t, effect: deny, when: {field: date, equals: tomorrow}}\n"
    "  - {id: g, title: t, effect: deny, when: {field: buyer.ciio, equals: \"true\"}}\n"
    "  - {id: h, title: t, effect: deny, when: {field: item.us_content_pct, prefix: \"25\"}}\n"
    "  - {id: i, title: t, effect: deny, when: {field: item.eccn, lt: 5}}\n"
    /* as meant: none of these */
    "  - {id: ok1, title: t, effect: deny, when: {field: item.attributes.tpp, gte: 4800}}\n"
    "  - {id: ok2, title: t, effect: deny, when: {field: buyer.ciio, equals: true}}\n"
    "  - {id: ok3, title: t, effect: deny, when: {field: item.part_number, in: [1234]}}\n"
    "  - {id: ok4, title: t, effect: deny, when: {field: item.hs_code, in: [854232]}}\n"
    "  - {id: ok5, title: t, effect: deny, when: {field: contract.flag, equals: \"x\"}}\n"
    "  - {id: ok6, title: t, effect: deny, when: {field: date, lt: 2024-01-01}}\n";
  EmbargoLoader *ld = embargo_loader_new (NULL);
  CU_ASSERT_FATAL (embargo_loader_add_data (ld, rules, strlen (rules), "r.yaml", NULL));
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  embargo_loader_free (ld);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoDiagnostics *d = embargo_lint (rs, NULL, NULL);
  GString *got = g_string_new (NULL);
  for (gsize i = 0; i < embargo_diagnostics_get_count (d); i++)
    {
      const EmbargoDiagnostic *x = embargo_diagnostics_get (d, i);
      if (strcmp (x->code, "W-OPERAND-TYPE") == 0)
        g_string_append_printf (got, "%u:%u ", x->line, x->column);
    }
  CU_ASSERT_STRING_EQUAL (got->str, "3:72 4:66 5:63 6:84 7:70 8:57 9:63 10:72 11:62 ");
  g_string_free (got, TRUE);
  embargo_diagnostics_free (d);
  embargo_ruleset_unref (rs);
}

/* The shadowing message names the winner; positions point at the rule shadowed, the
 * context at the winner. */
static void
test_shadow_details (void)
{
  g_autofree char *path = g_build_filename (LINT_DIR, "W-SHADOWED.bad.yaml", NULL);
  const char *paths[] = { path, NULL };
  EmbargoRuleset *rs = embargo_ruleset_new_from_paths (paths, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoDiagnostics *d = embargo_lint (rs, NULL, NULL);
  gboolean seen = FALSE;
  for (gsize i = 0; i < embargo_diagnostics_get_count (d); i++)
    {
      const EmbargoDiagnostic *x = embargo_diagnostics_get (d, i);
      if (strcmp (x->code, "W-SHADOWED") == 0)
        {
          seen = TRUE;
          CU_ASSERT_EQUAL (x->line, 11);
          CU_ASSERT_EQUAL (x->severity, EMBARGO_SEVERITY_WARNING);
          CU_ASSERT_STRING_EQUAL (x->message, "rule 'narrow' can never decide: 'broad' applies "
                                  "whenever it does, is in force whenever it is, and wins "
                                  "(deny, more severe)");
          /* Where the winner is defined is a second position, not part of the message. */
          CU_ASSERT_STRING_EQUAL (x->context, "rule 'broad' is defined here");
          CU_ASSERT_STRING_EQUAL (x->context_source, path);
          CU_ASSERT_EQUAL (x->context_line, 2);
          CU_ASSERT_EQUAL (x->context_column, 5);
          g_autofree char *note = embargo_diagnostic_format_context (x);
          g_autofree char *want = g_strdup_printf ("%s:2:5: note: rule 'broad' is defined here",
                                                   path);
          CU_ASSERT_STRING_EQUAL (note, want);
        }
    }
  CU_ASSERT (seen);
  embargo_diagnostics_free (d);
  GError *e = NULL;
  EmbargoLintOptions bad = EMBARGO_LINT_OPTIONS_INIT;
  bad.as_of = "2025-13-01";
  CU_ASSERT_PTR_NULL (embargo_lint (rs, &bad, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_BAD_DATE));
  g_clear_error (&e);
  embargo_ruleset_unref (rs);
}

static void
test_fingerprint (void)
{
  g_autofree char *b = g_build_filename (LINT_DIR, "diff", "base", NULL);
  g_autofree char *h = g_build_filename (LINT_DIR, "diff", "head", NULL);
  const char *pb[] = { b, NULL }, *ph[] = { h, NULL };
  EmbargoRuleset *base = embargo_ruleset_new_from_paths (pb, NULL);
  EmbargoRuleset *head = embargo_ruleset_new_from_paths (ph, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (base);
  CU_ASSERT_PTR_NOT_NULL_FATAL (head);
  const char *fa = embargo_rule_get_fingerprint (embargo_ruleset_lookup_rule (base, "a"));
  CU_ASSERT (g_str_has_prefix (fa, "sha256:") && strlen (fa) == 7 + 64);
  /* Re-indented, re-commented, flow to block style: the same rule. */
  CU_ASSERT_STRING_EQUAL (fa, embargo_rule_get_fingerprint (embargo_ruleset_lookup_rule (head, "a")));
  CU_ASSERT_STRING_NOT_EQUAL (
    embargo_rule_get_fingerprint (embargo_ruleset_lookup_rule (base, "b")),
    embargo_rule_get_fingerprint (embargo_ruleset_lookup_rule (head, "b")));
  embargo_ruleset_unref (base);
  embargo_ruleset_unref (head);
}

/* ---- report formats ---- */

static Report *
sample_report (void)
{
  Report *r = report_new ("lint");
  report_add_finding (r, EMBARGO_SEVERITY_ERROR, "E-COUNTRY", "rules/a & b.yaml", 3, 7,
                      "unknown country '<XK1>'");
  report_add_finding (r, EMBARGO_SEVERITY_WARNING, "W-SHADOWED", "rules/b.yaml", 10, 5,
                      "rule 'x' can never decide, \"quoted\"\nsecond line: 100%%");
  report_add_finding (r, EMBARGO_SEVERITY_NOTE, "N-UNVERIFIED", NULL, 0, 0, "no file");
  report_add_case (r, "rules/a & b.yaml", "E-COUNTRY at 3:7", "rules/a & b.yaml", 3,
                   "unknown country '<XK1>'");
  report_add_case (r, "rules/b.yaml", "lint", "rules/b.yaml", 0, NULL);
  return r;
}

static char *
render (const Report *r, ReportFormat format)
{
  FILE *f = tmpfile ();
  CU_ASSERT_FATAL (f != NULL);
  CU_ASSERT (report_write (f, r, format, EMBARGO_SEVERITY_NOTE, NULL, NULL));
  long n = ftell (f);
  rewind (f);
  char *buf = g_malloc0 (n + 1);
  CU_ASSERT (fread (buf, 1, n, f) == (size_t) n);
  fclose (f);
  return buf;
}

typedef struct {
  GString *path; /* "/testsuites/testsuite/..." */
  int suites, cases, failures;
  gboolean bad_nesting;
} JUnitWalk;

static void
junit_start (GMarkupParseContext *ctx, const char *name, const char **an, const char **av,
             gpointer data, GError **error)
{
  JUnitWalk *w = data;
  const char *parent = strrchr (w->path->str, '/');
  parent = parent ? parent + 1 : "";
  const char *want = strcmp (name, "testsuites") == 0 ? ""
                     : strcmp (name, "testsuite") == 0 ? "testsuites"
                     : strcmp (name, "testcase") == 0  ? "testsuite"
                     : strcmp (name, "failure") == 0   ? "testcase"
                                                       : NULL;
  if (want == NULL || strcmp (parent, want) != 0)
    w->bad_nesting = TRUE;
  w->suites += strcmp (name, "testsuite") == 0;
  w->cases += strcmp (name, "testcase") == 0;
  w->failures += strcmp (name, "failure") == 0;
  g_string_append_printf (w->path, "/%s", name);
}

static void
junit_end (GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
  JUnitWalk *w = data;
  g_string_truncate (w->path, strrchr (w->path->str, '/') - w->path->str);
}

static void
test_junit (void)
{
  g_autoptr (Report) r = sample_report ();
  g_autofree char *xml = render (r, REPORT_JUNIT);
  const char *body = strstr (xml, "?>"); /* GMarkup does not take the declaration */
  CU_ASSERT_PTR_NOT_NULL_FATAL (body);
  JUnitWalk w = { g_string_new (NULL), 0, 0, 0, FALSE };
  GMarkupParser p = { junit_start, junit_end, NULL, NULL, NULL };
  GMarkupParseContext *ctx = g_markup_parse_context_new (&p, 0, &w, NULL);
  GError *e = NULL;
  gboolean ok = g_markup_parse_context_parse (ctx, body + 2, -1, &e)
                && g_markup_parse_context_end_parse (ctx, &e);
  if (!ok)
    fprintf (stderr, "JUnit: %s\n%s\n", e->message, xml);
  CU_ASSERT (ok);
  g_clear_error (&e);
  g_markup_parse_context_free (ctx);
  CU_ASSERT (!w.bad_nesting);
  CU_ASSERT_EQUAL (w.suites, 2);
  CU_ASSERT_EQUAL (w.cases, 2);
  CU_ASSERT_EQUAL (w.failures, 1);
  CU_ASSERT_PTR_NOT_NULL (strstr (xml, "a &amp; b.yaml"));
  CU_ASSERT_PTR_NOT_NULL (strstr (xml, "&lt;XK1&gt;"));
  g_string_free (w.path, TRUE);
}

static yajl_val
get (yajl_val v, const char *a, const char *b)
{
  const char *path[] = { a, b, NULL };
  return yajl_tree_get (v, b ? path : (const char *[]) { a, NULL }, yajl_t_any);
}

static void
test_sarif (void)
{
  g_autoptr (Report) r = sample_report ();
  g_autofree char *json = render (r, REPORT_SARIF);
  char err[256];
  yajl_val root = yajl_tree_parse (json, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL (root);
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (get (root, "version", NULL)), "2.1.0");
  CU_ASSERT (g_str_has_prefix (YAJL_GET_STRING (get (root, "$schema", NULL)), "https://"));
  yajl_val runs = get (root, "runs", NULL);
  CU_ASSERT_FATAL (YAJL_IS_ARRAY (runs) && YAJL_GET_ARRAY (runs)->len == 1);
  yajl_val run = YAJL_GET_ARRAY (runs)->values[0];
  const char *driver_name[] = { "tool", "driver", "name", NULL };
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (yajl_tree_get (run, driver_name, yajl_t_string)),
                          "embargo");
  const char *rules_path[] = { "tool", "driver", "rules", NULL };
  yajl_val rules = yajl_tree_get (run, rules_path, yajl_t_array);
  CU_ASSERT_FATAL (rules != NULL);
  CU_ASSERT_EQUAL (YAJL_GET_ARRAY (rules)->len, 3);
  yajl_val results = get (run, "results", NULL);
  CU_ASSERT_FATAL (YAJL_IS_ARRAY (results));
  CU_ASSERT_EQUAL (YAJL_GET_ARRAY (results)->len, 3);
  const char *levels[] = { "error", "warning", "note" };
  for (size_t i = 0; i < YAJL_GET_ARRAY (results)->len; i++)
    {
      yajl_val res = YAJL_GET_ARRAY (results)->values[i];
      CU_ASSERT (YAJL_IS_STRING (get (res, "ruleId", NULL)));
      CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (get (res, "level", NULL)), levels[i]);
      CU_ASSERT (YAJL_IS_STRING (get (res, "message", "text")));
      CU_ASSERT (YAJL_IS_ARRAY (get (res, "locations", NULL)));
    }
  yajl_val first = YAJL_GET_ARRAY (results)->values[0];
  yajl_val loc = YAJL_GET_ARRAY (get (first, "locations", NULL))->values[0];
  const char *uri[] = { "physicalLocation", "artifactLocation", "uri", NULL };
  const char *line[] = { "physicalLocation", "region", "startLine", NULL };
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (yajl_tree_get (loc, uri, yajl_t_string)),
                          "rules/a%20%26%20b.yaml");
  CU_ASSERT_EQUAL (YAJL_GET_INTEGER (yajl_tree_get (loc, line, yajl_t_number)), 3);
  yajl_tree_free (root);
}

static void
test_json_and_github (void)
{
  g_autoptr (Report) r = sample_report ();
  g_autofree char *json = render (r, REPORT_JSON);
  char err[256];
  yajl_val root = yajl_tree_parse (json, err, sizeof err);
  CU_ASSERT_PTR_NOT_NULL_FATAL (root);
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (get (root, "command", NULL)), "lint");
  CU_ASSERT_EQUAL (YAJL_GET_ARRAY (get (root, "findings", NULL))->len, 3);
  yajl_tree_free (root);

  g_autofree char *gh = render (r, REPORT_GITHUB);
  CU_ASSERT_PTR_NOT_NULL (strstr (gh, "::error file=rules/a & b.yaml,line=3,col=7,title=E-COUNTRY::"
                                      "unknown country '<XK1>' [E-COUNTRY]\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (gh, "::warning file=rules/b.yaml,line=10,col=5,title=W-SHADOWED::"
                                      "rule 'x' can never decide, \"quoted\"%0Asecond line: 100%25"));
  CU_ASSERT_PTR_NOT_NULL (strstr (gh, "::notice title=N-UNVERIFIED::no file"));
  g_auto (GStrv) lines = g_strsplit (gh, "\n", -1);
  CU_ASSERT_EQUAL (g_strv_length (lines), 4); /* three commands and the final newline */
}

/* ---- the program: coverage and diff ---- */

static yajl_val
run_json (const char *const *argv, int want_status)
{
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;
  GError *e = NULL;
  CU_ASSERT_FATAL (g_spawn_sync (EMBARGO_SOURCE_DIR, (char **) argv, NULL, 0, NULL, NULL, &out,
                                 &err, &status, &e));
  CU_ASSERT (g_spawn_check_wait_status (status, NULL) == (want_status == 0));
  CU_ASSERT (WIFEXITED (status) && WEXITSTATUS (status) == want_status);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != want_status)
    fprintf (stderr, "%s: exit %d\n%s%s", argv[1], WEXITSTATUS (status), out, err);
  char msg[256];
  yajl_val v = yajl_tree_parse (out, msg, sizeof msg);
  CU_ASSERT_PTR_NOT_NULL (v);
  return v;
}

static long long
num (yajl_val v, const char *a, const char *b)
{
  yajl_val n = get (v, a, b);
  CU_ASSERT (YAJL_IS_INTEGER (n));
  return n && YAJL_IS_INTEGER (n) ? YAJL_GET_INTEGER (n) : -1;
}

static void
test_coverage (void)
{
  const char *argv[] = { EMBARGO_CLI, "test", "--format", "json", "tests/lint/coverage", NULL };
  yajl_val v = run_json (argv, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  CU_ASSERT_EQUAL (num (v, "passed", NULL), 2);
  CU_ASSERT_EQUAL (num (v, "failed", NULL), 0);
  CU_ASSERT_EQUAL (num (v, "coverage", "rules"), 4);
  CU_ASSERT_EQUAL (num (v, "coverage", "covered"), 2); /* r-cn and x1 */
  yajl_val unc = get (v, "coverage", "uncovered");
  CU_ASSERT_FATAL (YAJL_IS_ARRAY (unc) && YAJL_GET_ARRAY (unc)->len == 2);
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (YAJL_GET_ARRAY (unc)->values[0]), "r-ru");
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (YAJL_GET_ARRAY (unc)->values[1]), "x2");
  yajl_val ex = get (v, "coverage", "exceptions");
  CU_ASSERT_FATAL (YAJL_IS_ARRAY (ex) && YAJL_GET_ARRAY (ex)->len == 2);
  yajl_val x1 = YAJL_GET_ARRAY (ex)->values[0], x2 = YAJL_GET_ARRAY (ex)->values[1];
  CU_ASSERT (YAJL_IS_TRUE (get (x1, "applied", NULL)) && YAJL_IS_TRUE (get (x1, "not_applied", NULL)));
  CU_ASSERT (YAJL_IS_FALSE (get (x2, "applied", NULL)) && YAJL_IS_TRUE (get (x2, "not_applied", NULL)));
  yajl_tree_free (v);

  const char *gate[] = { EMBARGO_CLI, "test", "--format", "json", "--min-coverage", "60",
                         "tests/lint/coverage", NULL };
  v = run_json (gate, 1);
  yajl_tree_free (v);
}

static void
test_diff (void)
{
  const char *argv[] = { EMBARGO_CLI, "diff", "--format", "json", "--corpus",
                         "tests/lint/diff/corpus.jsonl", "tests/lint/diff/base",
                         "tests/lint/diff/head", NULL };
  yajl_val v = run_json (argv, 1); /* b loosened: the default gate fails */
  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  CU_ASSERT_EQUAL (num (v, "transactions", NULL), 7);
  CU_ASSERT_EQUAL (num (v, "changed", NULL), 3);
  CU_ASSERT_EQUAL (num (v, "failing", NULL), 2);
  const char *added[] = { "rules", "added", NULL }, *changed[] = { "rules", "changed", NULL },
             *removed[] = { "rules", "removed", NULL };
  CU_ASSERT_EQUAL (YAJL_GET_ARRAY (yajl_tree_get (v, added, yajl_t_array))->len, 1);
  CU_ASSERT_EQUAL (YAJL_GET_ARRAY (yajl_tree_get (v, changed, yajl_t_array))->len, 1);
  CU_ASSERT_EQUAL (YAJL_GET_ARRAY (yajl_tree_get (v, removed, yajl_t_array))->len, 0);
  yajl_val groups = get (v, "groups", NULL);
  CU_ASSERT_FATAL (YAJL_IS_ARRAY (groups) && YAJL_GET_ARRAY (groups)->len == 2);
  yajl_val g0 = YAJL_GET_ARRAY (groups)->values[0], g1 = YAJL_GET_ARRAY (groups)->values[1];
  CU_ASSERT_EQUAL (num (g0, "count", NULL), 2);
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (get (g0, "before", "outcome")), "license_required");
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (get (g0, "after", "outcome")), "review");
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (get (g0, "after", "rule")), "b");
  CU_ASSERT (YAJL_IS_TRUE (get (g0, "fails", NULL)));
  CU_ASSERT_EQUAL (num (g1, "count", NULL), 1);
  CU_ASSERT (YAJL_IS_NULL (get (g1, "before", "rule")));
  CU_ASSERT_STRING_EQUAL (YAJL_GET_STRING (get (g1, "after", "rule")), "c");
  CU_ASSERT (YAJL_IS_FALSE (get (g1, "fails", NULL)));
  yajl_tree_free (v);

  const char *tight[] = { EMBARGO_CLI, "diff", "--format", "json", "--fail-on", "tightened",
                          "--threads", "3", "--corpus", "tests/lint/diff/corpus.jsonl",
                          "tests/lint/diff/base", "tests/lint/diff/head", NULL };
  v = run_json (tight, 1);
  CU_ASSERT_EQUAL (num (v, "failing", NULL), 1);
  yajl_tree_free (v);
  const char *none[] = { EMBARGO_CLI, "diff", "--format", "json", "--fail-on", "deny-to-allow",
                         "--corpus", "tests/lint/diff/corpus.jsonl", "tests/lint/diff/base",
                         "tests/lint/diff/head", NULL };
  v = run_json (none, 0);
  CU_ASSERT_EQUAL (num (v, "failing", NULL), 0);
  yajl_tree_free (v);
}

void
register_lint_tests (void)
{
  static const TestDef tests[] = {
    { "every code has a fixture that gives it and one that does not", test_fixtures },
    { "every documented code has both fixtures", test_every_code_has_fixtures },
    { "W-OPERAND-TYPE: every operand that cannot match its field's type", test_operand_types },
    { "a shadowed rule is reported at its position, naming the winner", test_shadow_details },
    { "fingerprints ignore layout and see changes", test_fingerprint },
    { "JUnit XML is well-formed, with suites, cases and failures", test_junit },
    { "SARIF 2.1.0 has the keys code scanning needs", test_sarif },
    { "JSON parses; GitHub commands are escaped", test_json_and_github },
    { "embargo test counts rule and exception coverage", test_coverage },
    { "embargo diff counts the decisions that flip", test_diff },
    { NULL, NULL },
  };
  add_suite ("lint", tests);
}
