/* cmd-lint.c: `embargo lint PATH...`: every problem in rule files, for people and CI.
 *
 * Two sources of findings, reported alike: what the loader rejects (E- codes, with
 * their positions) and, when the rules load, what embargo_lint() finds in the compiled
 * rule set (W- and N- codes). Rules with load errors are still "linted" in the sense
 * that matters to CI: every error is a finding and the exit status says so; the
 * semantic checks need a compiled rule set and say that they were skipped.
 *
 * The engine never reads the clock: "today" for the expiry check is decided here.
 */
#include "cli.h"
#include "report.h"

#include <stdlib.h>

/* JUnit: a suite per file; a failing case per finding shown, a passing one for a file
 * with none. */
static void
add_cases (Report *r, GPtrArray *files, EmbargoSeverity level)
{
  for (guint i = 0; i < r->findings->len; i++)
    {
      const ReportFinding *x = &g_array_index (r->findings, ReportFinding, i);
      if (x->file && !g_ptr_array_find_with_equal_func (files, x->file, g_str_equal, NULL))
        g_ptr_array_add (files, g_strdup (x->file));
    }
  for (guint f = 0; f < files->len; f++)
    {
      const char *file = g_ptr_array_index (files, f);
      gboolean any = FALSE;
      for (guint i = 0; i < r->findings->len; i++)
        {
          const ReportFinding *x = &g_array_index (r->findings, ReportFinding, i);
          if (x->severity < level || g_strcmp0 (x->file, file) != 0)
            continue;
          g_autofree char *name = g_strdup_printf ("%s at %u:%u", x->code, x->line, x->column);
          g_autofree char *note = report_context_line (x);
          g_autofree char *why = g_strdup_printf ("%s:%u:%u: %s: %s [%s]%s%s", file, x->line,
                                                  x->column, report_severity_name (x->severity),
                                                  x->message, x->code, note ? "\n" : "",
                                                  note ? note : "");
          report_add_case (r, file, name, file, x->line, why);
          any = TRUE;
        }
      if (!any)
        report_add_case (r, file, "lint", file, 0, NULL);
    }
}

/* The codes of every --ignore, split at commas. Load errors cannot be ignored: a rule
 * set that does not load decides nothing. */
static GHashTable *
ignore_set (char **ignore)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (char **i = ignore; i && *i; i++)
    {
      g_auto (GStrv) codes = g_strsplit (*i, ",", -1);
      for (char **c = codes; *c; c++)
        if (**c && !g_str_has_prefix (*c, "E-"))
          g_hash_table_add (set, g_strstrip (g_strdup (*c)));
    }
  return set;
}

static void
add_diagnostics (Report *r, const EmbargoDiagnostics *diags, GHashTable *ignored)
{
  for (gsize i = 0; i < embargo_diagnostics_get_count (diags); i++)
    {
      const EmbargoDiagnostic *d = embargo_diagnostics_get (diags, i);
      if (!g_hash_table_contains (ignored, d->code))
        report_add_diagnostic (r, d);
    }
}

int
cmd_lint (int argc, char **argv)
{
  g_autofree char *as_of = NULL, *level_name = NULL, *format_name = NULL;
  g_auto (GStrv) ignore = NULL;
  GOptionEntry entries[] = {
    { "as-of", 0, 0, G_OPTION_ARG_STRING, &as_of,
      "Report rules no longer in force on this day (default: today)", "YYYY-MM-DD" },
    { "level", 'l', 0, G_OPTION_ARG_STRING, &level_name,
      "Show findings at this severity or above, and fail on them (default: warning)",
      "error|warning|note" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "Output: text (default), json, junit, sarif, github or markdown", "FORMAT" },
    { "ignore", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ignore,
      "Leave out findings with this code (repeatable, or comma-separated)", "CODE" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PATH... — find problems in rule files");
  g_option_context_add_main_entries (ctx, entries, NULL);
  CliLimits limit_opts;
  cli_add_limit_options (ctx, &limit_opts);
  g_option_context_set_description (
    ctx, "Reports what the loader rejects (E- codes) and, when the rules load, what is\n"
         "well-formed but probably wrong (W- and N- codes): shadowed rules, exceptions\n"
         "that lift nothing, conditions that never hold, expired rules, placeholder\n"
         "citations, unused lists. docs/diagnostics.md lists every code.\n\n"
         "Examples:\n"
         "  embargo lint rules/\n"
         "  embargo lint --format sarif rules/ > lint.sarif\n"
         "  embargo lint --level note --as-of 2025-01-01 rules/us\n\n"
         "Exit status: 0 no finding at --level or above, 1 findings, 2 lint could not run\n"
         "(a path that does not exist, a bad option).");
  GError *e = NULL;
  EmbargoLimits limits;
  if (!cli_parse_options (ctx, &argc, &argv, "lint", &limit_opts, &limits))
    return EXIT_NO_DECISION;
  EmbargoSeverity level = EMBARGO_SEVERITY_WARNING;
  if (level_name && !report_level_parse (level_name, &level))
    {
      fprintf (stderr, "embargo lint: error: --level is error, warning or note\n");
      return EXIT_NO_DECISION;
    }
  ReportFormat format = REPORT_TEXT;
  if (format_name && !report_format_parse ("lint", format_name, REPORT_ALL_FORMATS, &format))
    return EXIT_NO_DECISION;
  if (argc < 2)
    {
      fprintf (stderr, "embargo lint: error: give at least one rule file or directory\n");
      return EXIT_NO_DECISION;
    }
  if (as_of == NULL)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_local ();
      as_of = g_date_time_format (now, "%Y-%m-%d");
    }

  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  EmbargoLoader *ld = embargo_loader_new (&limits);
  for (int i = 1; i < argc; i++)
    {
      GError *le = NULL;
      if (!embargo_loader_add_path (ld, argv[i], &le)
          && g_error_matches (le, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO))
        {
          fprintf (stderr, "embargo lint: error: %s\n", cli_safe_lines (le->message));
          if (format == REPORT_JUNIT)
            {
              /* A path that could not be linted is an error in the report, not a gap. */
              g_autoptr (Report) failed = report_new ("lint");
              report_add_error_case (failed, argv[i], "could not run", argv[i], 0, le->message);
              report_write (stdout, failed, format, EMBARGO_SEVERITY_NOTE, NULL, NULL);
              fflush (stdout);
            }
          g_error_free (le);
          embargo_loader_free (ld);
          return EXIT_NO_DECISION;
        }
      g_clear_error (&le);
      g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
      /* Every rule file, so that a JUnit report has a suite for clean files too. */
      cli_collect_files (argv[i], FALSE, found);
      for (guint k = 0; k < found->len; k++)
        g_ptr_array_add (files, g_strdup (g_ptr_array_index (found, k)));
    }
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  if (rs && !cli_digest_expected (embargo_ruleset_get_digest (rs), argv[1]))
    {
      embargo_ruleset_unref (rs);
      embargo_loader_free (ld);
      return EXIT_NO_DECISION;
    }

  g_autoptr (Report) report = report_new ("lint");
  report_set_anchor (report, argv[1]);
  g_autoptr (GHashTable) ignored = ignore_set (ignore);
  const EmbargoDiagnostics *load = embargo_loader_get_diagnostics (ld);
  add_diagnostics (report, load, ignored);
  int status = EXIT_ALLOW;
  if (rs)
    {
      EmbargoLintOptions opts = EMBARGO_LINT_OPTIONS_INIT;
      opts.as_of = as_of;
      /* The tests kept with the rules show which user-added facts are in use. */
      EmbargoSuite **suites = cli_load_test_suites (argv + 1);
      opts.suites = (const EmbargoSuite *const *) suites;
      EmbargoDiagnostics *found = embargo_lint (rs, &opts, &e);
      cli_free_test_suites (suites);
      if (found == NULL)
        {
          fprintf (stderr, "embargo lint: error: %s\n", cli_safe_lines (e->message));
          g_error_free (e);
          status = EXIT_NO_DECISION;
        }
      add_diagnostics (report, found, ignored);
      embargo_diagnostics_free (found);
    }
  embargo_loader_free (ld);
  if (status != EXIT_ALLOW)
    {
      embargo_ruleset_unref (rs);
      return status;
    }

  if (format == REPORT_JUNIT)
    add_cases (report, files, level);
  if (format == REPORT_MARKDOWN)
    {
      gsize ne = report_count_at_least (report, EMBARGO_SEVERITY_ERROR);
      gsize nw = report_count_at_least (report, EMBARGO_SEVERITY_WARNING) - ne;
      g_autofree char *summary = g_strdup_printf (
        "| errors | warnings | notes | shown |\n| ---: | ---: | ---: | --- |\n"
        "| %zu | %zu | %zu | %s and above%s |", ne, nw, report->findings->len - ne - nw,
        report_severity_name (level), rs ? "" : "; **the rules did not load**: only load errors "
                                                "were checked");
      report_set_summary (report, summary);
    }
  if (!report_write (stdout, report, format, level, NULL, NULL))
    status = EXIT_NO_DECISION;
  gsize shown = report_count_at_least (report, level);
  if (format == REPORT_TEXT)
    {
      gsize ne = report_count_at_least (report, EMBARGO_SEVERITY_ERROR);
      gsize nw = report_count_at_least (report, EMBARGO_SEVERITY_WARNING) - ne;
      gsize nn = report->findings->len - ne - nw;
      printf ("%zu finding%s at %s or above (in all: %zu error%s, %zu warning%s, %zu note%s)\n",
              shown, shown == 1 ? "" : "s", report_severity_name (level), ne, ne == 1 ? "" : "s",
              nw, nw == 1 ? "" : "s", nn, nn == 1 ? "" : "s");
      if (rs == NULL)
        printf ("the rules did not load: fix the errors for the remaining checks (shadowing, "
                "exceptions, contradictions, expiry)\n");
    }
  else if (rs == NULL)
    fprintf (stderr, "embargo lint: the rules did not load: only load errors were checked\n");
  if (fflush (stdout) != 0)
    status = EXIT_NO_DECISION;
  if (status == EXIT_ALLOW && shown > 0)
    status = EXIT_NOT_ALLOWED;
  embargo_ruleset_unref (rs);
  return status;
}
