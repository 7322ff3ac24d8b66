/* cmd-test.c: `embargo test`: run the test cases kept beside rule files, and report
 * which rules no case exercises. */
#include "cli.h"

#include <stdlib.h>

static void
collect_suites (const char *path, GPtrArray *out)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (g_str_has_suffix (path, ".tests.yaml") || g_str_has_suffix (path, ".tests.yml"))
        g_ptr_array_add (out, g_strdup (path));
      return;
    }
  GDir *d = g_dir_open (path, 0, NULL);
  if (d == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      if (name[0] == '.')
        continue;
      g_autofree char *full = g_build_filename (path, name, NULL);
      if (!g_file_test (full, G_FILE_TEST_IS_SYMLINK))
        collect_suites (full, out);
    }
  g_dir_close (d);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
cmd_test (int argc, char **argv)
{
  g_auto (GStrv) rules = NULL;
  double min_coverage = -1;
  gboolean verbose = FALSE;
  GOptionEntry entries[] = {
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &rules,
      "Rules to test against (repeatable; default: the PATHs themselves)", "PATH" },
    { "min-coverage", 0, 0, G_OPTION_ARG_DOUBLE, &min_coverage,
      "Fail when fewer than PCT % of the rules decide at least one case", "PCT" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "List every case, not only failures",
      NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("PATH... — run the rules' test cases");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (
    ctx, "Runs every *.tests.yaml file under each PATH against the rules under the same\n"
         "PATHs (or --rules), and reports each failing case with expected vs got.\n\n"
         "Examples:\n"
         "  embargo test rules/\n"
         "  embargo test --min-coverage 100 rules/\n\n"
         "Exit status: 0 every case passed, 1 a case failed or coverage is too low,\n"
         "2 the tests could not run (rules or cases that do not load).");
  GError *e = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &e))
    {
      fprintf (stderr, "embargo test: error: %s\n", e->message);
      g_error_free (e);
      return EXIT_NO_DECISION;
    }
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
  EmbargoRuleset *rs = cli_load_rules (rules ? rules : (char **) rule_paths->pdata);
  if (rs == NULL)
    return EXIT_NO_DECISION;

  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  for (int i = 1; i < argc; i++)
    collect_suites (argv[i], files);
  qsort (files->pdata, files->len, sizeof (char *), cmp_str);

  gsize nrules = embargo_ruleset_get_rule_count (rs);
  g_autofree gboolean *decided = g_new0 (gboolean, MAX (nrules, 1));
  gsize passed = 0, failed = 0;
  int status = EXIT_ALLOW;
  for (guint f = 0; f < files->len; f++)
    {
      const char *path = g_ptr_array_index (files, f);
      EmbargoSuite *suite = embargo_suite_new_from_file (path, &e);
      if (suite == NULL)
        {
          fprintf (stderr, "%s\n", e->message);
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
              fprintf (stderr, "%s:%u: error: case '%s': %s\n", path,
                       embargo_suite_get_line (suite, i), embargo_suite_get_name (suite, i),
                       e->message);
              g_clear_error (&e);
              failed++;
              continue;
            }
          for (gsize k = 0; k < embargo_decision_get_item_count (d); k++)
            {
              const EmbargoRule *r = embargo_decision_get_item_rule (d, k);
              if (r)
                decided[embargo_rule_get_index (r)] = TRUE;
            }
          if (why)
            {
              failed++;
              printf ("FAIL %s:%u: %s\n", path, embargo_suite_get_line (suite, i),
                      embargo_suite_get_name (suite, i));
              g_auto (GStrv) lines = g_strsplit (why, "\n", -1);
              for (char **l = lines; *l; l++)
                printf ("     %s\n", *l);
            }
          else
            {
              passed++;
              if (verbose)
                printf ("ok   %s:%u: %s\n", path, embargo_suite_get_line (suite, i),
                        embargo_suite_get_name (suite, i));
            }
          embargo_decision_free (d);
        }
      embargo_suite_free (suite);
    }

  gsize covered = 0;
  for (gsize i = 0; i < nrules; i++)
    covered += decided[i];
  double pct = nrules ? 100.0 * covered / nrules : 100.0;
  if (covered < nrules)
    {
      printf ("rules that decided no case:\n");
      for (gsize i = 0; i < nrules; i++)
        if (!decided[i])
          {
            const EmbargoRule *r = embargo_ruleset_get_rule (rs, i);
            printf ("  %s (%s:%u)\n", embargo_rule_get_id (r), embargo_rule_get_source_name (r),
                    embargo_rule_get_line (r));
          }
    }
  printf ("rule coverage: %zu of %zu rules (%.1f %%)\n", covered, nrules, pct);
  printf ("%zu passed, %zu failed\n", passed, failed);
  embargo_ruleset_unref (rs);
  if (status == EXIT_ALLOW && failed)
    status = EXIT_NOT_ALLOWED;
  if (status == EXIT_ALLOW && min_coverage >= 0 && pct + 1e-9 < min_coverage)
    {
      fprintf (stderr, "embargo test: rule coverage %.1f %% is below --min-coverage %.1f %%\n",
               pct, min_coverage);
      status = EXIT_NOT_ALLOWED;
    }
  return status;
}
