/* cmd-test.c: `embargo test`: run the test cases kept beside rule files, and report
 * which rules no case exercises.
 *
 * Coverage has two parts. A rule is covered when a passing case asserts its part: it
 * decided an item and the case checks that item's (or the transaction's) decision or
 * rule, or the case lists it in `matched` (embargo_suite_asserts_rule()). An
 * exception is covered when the cases show both sides of it: a case where it applied
 * (it lifted a rule, or decided an item) and a case where it did not (it was not among
 * the rules that applied), since an exception that is never seen not applying may be
 * lifting far more than intended. --min-coverage gates on rule coverage; exception
 * coverage is reported (and is a finding in the machine formats).
 *
 * Text output is for people; --format json|junit|sarif|github goes through report.c.
 */
#include "cli.h"
#include "report.h"

#include <stdlib.h>

/* A test file and the rules tree it may read in (the PATH it was found under). */
typedef struct {
  char *path;
  char *root;
} SuiteFile;

static void
suite_file_free (gpointer p)
{
  SuiteFile *f = p;
  g_free (f->path);
  g_free (f->root);
  g_free (f);
}

static int
cmp_suite (const void *a, const void *b)
{
  return strcmp ((*(SuiteFile *const *) a)->path, (*(SuiteFile *const *) b)->path);
}

/* A case as a JUnit test case; a failing one also as a finding at its line. */
static void
report_case (Report *r, const EmbargoSuite *suite, gsize i, const char *failure)
{
  const char *path = embargo_suite_get_source (suite);
  unsigned line = embargo_suite_get_line (suite, i);
  const char *name = embargo_suite_get_name (suite, i);
  report_add_case (r, path, name, path, line, failure);
  if (failure)
    report_add_finding (r, EMBARGO_SEVERITY_ERROR, "T-CASE-FAILED", path, line, 1,
                        "case '%s' failed: %s", name, failure);
}

/* Which exceptions applied in decision D (lifted a rule or decided an item), and which
 * did not apply at all. */
static void
exception_coverage (const EmbargoRuleset *rs, const EmbargoDecision *d, gboolean *applied,
                    gboolean *not_applied)
{
  gsize n = embargo_ruleset_get_rule_count (rs);
  g_autofree gboolean *matched = g_new0 (gboolean, MAX (n, 1));
  for (gsize k = 0; k < embargo_decision_get_match_count (d); k++)
    {
      const EmbargoMatch *m = embargo_decision_get_match (d, k);
      matched[embargo_rule_get_index (m->rule)] = TRUE;
      if (m->lifted_by)
        applied[embargo_rule_get_index (m->lifted_by)] = TRUE;
    }
  for (gsize k = 0; k < embargo_decision_get_item_count (d); k++)
    {
      const EmbargoRule *r = embargo_decision_get_item_rule (d, k);
      if (r && embargo_rule_is_exception (r))
        applied[embargo_rule_get_index (r)] = TRUE;
    }
  for (gsize i = 0; i < n; i++)
    if (!matched[i])
      not_applied[i] = TRUE;
}

typedef struct {
  EmbargoRuleset *rs;
  const gboolean *decided, *applied, *not_applied;
  gsize covered, nrules;
  double pct;
  gsize passed, failed;
} Coverage;

static gboolean
is_exception_at (const Coverage *c, gsize i)
{
  return embargo_rule_is_exception (embargo_ruleset_get_rule (c->rs, i));
}

static void
coverage_findings (Report *r, const Coverage *c)
{
  for (gsize i = 0; i < c->nrules; i++)
    {
      const EmbargoRule *rule = embargo_ruleset_get_rule (c->rs, i);
      const char *id = embargo_rule_get_id (rule), *src = embargo_rule_get_source_name (rule);
      unsigned line = embargo_rule_get_line (rule);
      if (!c->decided[i])
        report_add_finding (r, EMBARGO_SEVERITY_WARNING, "T-RULE-UNCOVERED", src, line, 1,
                            "rule '%s' decided no case that asserts it", id);
      if (is_exception_at (c, i) && !c->applied[i])
        report_add_finding (r, EMBARGO_SEVERITY_NOTE, "T-EXCEPTION-UNCOVERED", src, line, 1,
                            "exception '%s' never applied in a case (lifted nothing, decided "
                            "nothing)", id);
      if (is_exception_at (c, i) && !c->not_applied[i])
        report_add_finding (r, EMBARGO_SEVERITY_NOTE, "T-EXCEPTION-UNCOVERED", src, line, 1,
                            "exception '%s' applied in every case: no case shows where it "
                            "stops", id);
    }
}

static void
print_coverage (const Coverage *c)
{
  if (c->covered < c->nrules)
    {
      printf ("rules that decided no case that asserts it:\n");
      for (gsize i = 0; i < c->nrules; i++)
        if (!c->decided[i])
          {
            const EmbargoRule *r = embargo_ruleset_get_rule (c->rs, i);
            printf ("  %s (%s:%u)\n", cli_safe (embargo_rule_get_id (r)),
                    cli_safe (embargo_rule_get_source_name (r)), embargo_rule_get_line (r));
          }
    }
  gsize nx = 0, both = 0;
  for (gsize i = 0; i < c->nrules; i++)
    if (is_exception_at (c, i))
      {
        nx++;
        if (c->applied[i] && c->not_applied[i])
          {
            both++;
            continue;
          }
        const EmbargoRule *r = embargo_ruleset_get_rule (c->rs, i);
        printf ("exception %s (%s:%u) never seen %s\n", cli_safe (embargo_rule_get_id (r)),
                cli_safe (embargo_rule_get_source_name (r)), embargo_rule_get_line (r),
                !c->applied[i] && !c->not_applied[i] ? "applying or not applying"
                : !c->applied[i]                     ? "applying"
                                                     : "not applying");
      }
  printf ("rule coverage: %zu of %zu rules (%.1f %%)\n", c->covered, c->nrules, c->pct);
  printf ("exception coverage: %zu of %zu exceptions seen both applying and not applying\n",
          both, nx);
  printf ("%zu passed, %zu failed\n", c->passed, c->failed);
}

static void
coverage_json (yajl_gen g, gpointer data)
{
  const Coverage *c = data;
  report_json_kv_int (g, "passed", c->passed);
  report_json_kv_int (g, "failed", c->failed);
  report_json_key (g, "coverage");
  yajl_gen_map_open (g);
  report_json_kv_int (g, "rules", c->nrules);
  report_json_kv_int (g, "covered", c->covered);
  report_json_kv_double (g, "percent", c->pct);
  report_json_key (g, "uncovered");
  yajl_gen_array_open (g);
  for (gsize i = 0; i < c->nrules; i++)
    if (!c->decided[i])
      report_json_str (g, embargo_rule_get_id (embargo_ruleset_get_rule (c->rs, i)));
  yajl_gen_array_close (g);
  report_json_key (g, "exceptions");
  yajl_gen_array_open (g);
  for (gsize i = 0; i < c->nrules; i++)
    if (is_exception_at (c, i))
      {
        yajl_gen_map_open (g);
        report_json_kv_str (g, "id", embargo_rule_get_id (embargo_ruleset_get_rule (c->rs, i)));
        report_json_key (g, "applied");
        yajl_gen_bool (g, c->applied[i]);
        report_json_key (g, "not_applied");
        yajl_gen_bool (g, c->not_applied[i]);
        yajl_gen_map_close (g);
      }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
}

/* The counts as a Markdown table, for a CI job summary. NOT_RUN: test files that could
 * not run (missing, not parsed, schema broken). */
static char *
markdown_summary (const Coverage *c, gsize not_run, double min_coverage)
{
  gsize nx = 0, both = 0;
  for (gsize i = 0; i < c->nrules; i++)
    if (is_exception_at (c, i))
      nx++, both += c->applied[i] && c->not_applied[i];
  GString *s = g_string_new ("| passed | failed | test files not run | rule coverage | exceptions "
                             "seen both applying and not |\n| ---: | ---: | ---: | --- | --- |\n");
  g_string_append_printf (s, "| %zu | %zu | %zu | %zu of %zu rules (%.1f %%)%s | %zu of %zu |",
                          c->passed, c->failed, not_run, c->covered, c->nrules, c->pct,
                          min_coverage >= 0 && c->pct + 1e-9 < min_coverage
                            ? ", **below --min-coverage**" : "", both, nx);
  return g_string_free (s, FALSE);
}

int
cmd_test (int argc, char **argv)
{
  g_auto (GStrv) rules = NULL;
  double min_coverage = -1;
  gboolean verbose = FALSE;
  g_autofree char *format_name = NULL;
  GOptionEntry entries[] = {
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &rules,
      "Rules to test against (repeatable; default: the PATHs themselves)", "PATH" },
    { "min-coverage", 0, 0, G_OPTION_ARG_DOUBLE, &min_coverage,
      "Fail when fewer than PCT % of the rules decide at least one case", "PCT" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "List every case, not only failures",
      NULL },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "Output: text (default), json, junit, sarif, github or markdown", "FORMAT" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PATH... — run the rules' test cases");
  g_option_context_add_main_entries (ctx, entries, NULL);
  CliLimits limit_opts;
  cli_add_limit_options (ctx, &limit_opts);
  g_option_context_set_description (
    ctx, "Runs every *.tests.yaml file under each PATH against the rules under the same\n"
         "PATHs (or --rules), and reports each failing case with expected vs got.\n\n"
         "Examples:\n"
         "  embargo test rules/\n"
         "  embargo test --min-coverage 100 rules/\n\n"
         "Exit status: 0 every case passed, 1 a case failed or coverage is too low,\n"
         "2 the tests could not run (rules or cases that do not load).");
  GError *e = NULL;
  EmbargoLimits limits;
  if (!cli_parse_options (ctx, &argc, &argv, "test", &limit_opts, &limits))
    return EXIT_NO_DECISION;
  ReportFormat format = REPORT_TEXT;
  if (format_name && !report_format_parse ("test", format_name, REPORT_ALL_FORMATS, &format))
    return EXIT_NO_DECISION;
  gboolean text = format == REPORT_TEXT;
  cli_errors_as_json (format == REPORT_JSON);
  if (argc < 2)
    {
      fprintf (stderr, "embargo test: error: give at least one PATH; see embargo test --help\n");
      return EXIT_NO_DECISION;
    }
  /* By default the rules are the PATHs themselves, less the test files among them. */
  g_autoptr (GPtrArray) rule_paths = g_ptr_array_new ();
  for (int i = 1; i < argc && rules == NULL; i++)
    if (!g_str_has_suffix (argv[i], ".tests.yaml") && !g_str_has_suffix (argv[i], ".tests.yml"))
      g_ptr_array_add (rule_paths, argv[i]);
  g_ptr_array_add (rule_paths, NULL);
  if (rules == NULL && rule_paths->len == 1)
    {
      fprintf (stderr, "embargo test: error: no rules to test: give a rule PATH or --rules\n");
      return EXIT_NO_DECISION;
    }
  EmbargoRuleset *rs = cli_load_rules_limited (rules ? rules : (char **) rule_paths->pdata,
                                               &limits);
  /* Rules that do not load still leave a JUnit report (every test file, not run) and a
   * Markdown summary that says so. */
  gboolean report_not_run = format == REPORT_JUNIT || format == REPORT_MARKDOWN;
  if (rs == NULL && !report_not_run)
    return EXIT_NO_DECISION;

  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (suite_file_free);
  for (int i = 1; i < argc; i++)
    {
      /* A test reads files only inside the tree it was found in: the directory given,
       * or the directory of a test file given by name. */
      g_autofree char *root = g_file_test (argv[i], G_FILE_TEST_IS_DIR)
                                ? g_strdup (argv[i]) : g_path_get_dirname (argv[i]);
      g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
      cli_collect_files (argv[i], TRUE, found);
      for (guint k = 0; k < found->len; k++)
        {
          SuiteFile *sf = g_new0 (SuiteFile, 1);
          sf->path = g_strdup (g_ptr_array_index (found, k));
          sf->root = g_strdup (root);
          g_ptr_array_add (files, sf);
        }
    }
  g_ptr_array_sort (files, cmp_suite);
  g_autoptr (Report) report = report_new ("test");
  report_set_anchor (report, argv[1]);
  if (files->len == 0 || rs == NULL)
    {
      /* Nothing tested is not a pass. */
      if (files->len == 0)
        {
          fprintf (stderr, "embargo test: error: no test files (*.tests.yaml) under the PATHs "
                   "given: nothing was tested\n");
          report_add_error_case (report, "embargo test", "test files", NULL, 0,
                                 "no test files (*.tests.yaml) under the PATHs given: nothing "
                                 "was tested");
        }
      for (guint f = 0; f < files->len; f++)
        {
          const char *path = ((const SuiteFile *) g_ptr_array_index (files, f))->path;
          report_add_error_case (report, path, "not run", path, 0,
                                 "not run: the rules did not load (the errors are on standard "
                                 "error)");
        }
      report_set_summary (report, files->len == 0 ? "**Nothing was tested**: no test files "
                                                    "(\\*.tests.yaml) under the PATHs given."
                                                  : "**Not run**: the rules did not load (the "
                                                    "errors are in the job's log).");
      if (report_not_run)
        report_write (stdout, report, format, EMBARGO_SEVERITY_NOTE, NULL, NULL);
      fflush (stdout);
      if (rs)
        embargo_ruleset_unref (rs);
      return EXIT_NO_DECISION;
    }

  gsize nrules = embargo_ruleset_get_rule_count (rs);
  g_autofree gboolean *decided = g_new0 (gboolean, MAX (nrules, 1));
  g_autofree gboolean *applied = g_new0 (gboolean, MAX (nrules, 1));
  g_autofree gboolean *not_applied = g_new0 (gboolean, MAX (nrules, 1));
  gsize passed = 0, failed = 0, not_run = 0;
  int status = EXIT_ALLOW;
  for (guint f = 0; f < files->len; f++)
    {
      const SuiteFile *sf = g_ptr_array_index (files, f);
      const char *path = sf->path;
      EmbargoSuite *suite = embargo_suite_new_from_file_within (path, sf->root, &e);
      if (suite == NULL)
        {
          if (!cli_errors_are_json ()) /* else the report has it */
            fprintf (stderr, "%s\n", cli_safe_lines (e->message));
          report_add_finding (report, EMBARGO_SEVERITY_ERROR, "T-SUITE", path, 0, 0, "%s",
                              e->message);
          /* A suite that could not run is an error in JUnit, never left out. */
          report_add_error_case (report, path, "could not run", path, 0, e->message);
          not_run++;
          g_clear_error (&e);
          status = EXIT_NO_DECISION;
          continue;
        }
      for (gsize i = 0; i < embargo_suite_get_count (suite); i++)
        {
          g_autofree char *why = NULL;
          EmbargoDecision *d = embargo_suite_run (suite, i, rs, &why, &e);
          if (d == NULL)
            {
              fprintf (stderr, "%s:%u: error: case '%s': %s\n", cli_safe (path),
                       embargo_suite_get_line (suite, i),
                       cli_safe (embargo_suite_get_name (suite, i)), cli_safe_lines (e->message));
              report_add_error_case (report, path, embargo_suite_get_name (suite, i), path,
                                     embargo_suite_get_line (suite, i), e->message);
              report_add_finding (report, EMBARGO_SEVERITY_ERROR, "T-CASE-FAILED", path,
                                  embargo_suite_get_line (suite, i), 1, "case '%s' could not run: %s",
                                  embargo_suite_get_name (suite, i), e->message);
              g_clear_error (&e);
              failed++;
              continue;
            }
          /* Coverage counts only what a passing case asserts: the rule that decided
           * (its decision or id is checked) or its place in `matched`. */
          for (gsize k = 0; k < embargo_decision_get_item_count (d) && !why; k++)
            {
              const EmbargoRule *r = embargo_decision_get_item_rule (d, k);
              if (r && embargo_suite_asserts_rule (suite, i, d, r))
                decided[embargo_rule_get_index (r)] = TRUE;
            }
          for (gsize k = 0; k < embargo_decision_get_match_count (d) && !why; k++)
            {
              const EmbargoRule *r = embargo_decision_get_match (d, k)->rule;
              if (embargo_suite_asserts_rule (suite, i, d, r))
                decided[embargo_rule_get_index (r)] = TRUE;
            }
          exception_coverage (rs, d, applied, not_applied);
          report_case (report, suite, i, why);
          if (why && !text)
            failed++;
          else if (why)
            {
              failed++;
              printf ("FAIL %s:%u: %s\n", cli_safe (path), embargo_suite_get_line (suite, i),
                      cli_safe (embargo_suite_get_name (suite, i)));
              g_auto (GStrv) lines = g_strsplit (why, "\n", -1);
              for (char **l = lines; *l; l++)
                printf ("     %s\n", cli_safe (*l));
            }
          else
            {
              passed++;
              if (verbose && text)
                printf ("ok   %s:%u: %s\n", cli_safe (path), embargo_suite_get_line (suite, i),
                        cli_safe (embargo_suite_get_name (suite, i)));
            }
          embargo_decision_free (d);
        }
      embargo_suite_free (suite);
    }

  gsize covered = 0;
  for (gsize i = 0; i < nrules; i++)
    covered += decided[i];
  double pct = nrules ? 100.0 * covered / nrules : 100.0;
  Coverage cov = { rs, decided, applied, not_applied, covered, nrules, pct, passed, failed };
  coverage_findings (report, &cov);
  if (text)
    print_coverage (&cov);
  if (status == EXIT_ALLOW && failed)
    status = EXIT_NOT_ALLOWED;
  if (min_coverage >= 0 && pct + 1e-9 < min_coverage)
    {
      fprintf (stderr, "embargo test: rule coverage %.1f %% is below --min-coverage %.1f %%\n",
               pct, min_coverage);
      /* At the first rule no case asserts: where coverage is missing (a result with no
       * place is refused by code scanning). */
      const EmbargoRule *first = NULL;
      for (gsize i = 0; i < nrules && first == NULL; i++)
        if (!decided[i])
          first = embargo_ruleset_get_rule (rs, i);
      report_add_finding (report, EMBARGO_SEVERITY_ERROR, "T-COVERAGE",
                          first ? embargo_rule_get_source_name (first) : NULL,
                          first ? embargo_rule_get_line (first) : 0, first ? 1 : 0,
                          "rule coverage %.1f %% is below --min-coverage %.1f %%%s%s%s", pct,
                          min_coverage, first ? " (first rule that no case asserts: '" : "",
                          first ? embargo_rule_get_id (first) : "", first ? "')" : "");
      if (status == EXIT_ALLOW)
        status = EXIT_NOT_ALLOWED;
    }
  if (format == REPORT_MARKDOWN)
    {
      g_autofree char *summary = markdown_summary (&cov, not_run, min_coverage);
      report_set_summary (report, summary);
    }
  if (!text && !report_write (stdout, report, format, EMBARGO_SEVERITY_NOTE, coverage_json, &cov))
    status = EXIT_NO_DECISION;
  if (fflush (stdout) != 0)
    status = EXIT_NO_DECISION;
  embargo_ruleset_unref (rs);
  return status;
}
