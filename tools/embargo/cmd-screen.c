/* cmd-screen.c: `embargo screen NAME`: one party name against sanctions lists.
 *
 * Lists come from --lists PATH (repeatable): a directory holding OFAC's sdn.csv (with
 * alt.csv, add.csv, sdn_comments.csv when present), a Consolidated Screening List
 * *.csv export, or embargo rule files and directories, whose `kind: names` lists are
 * screened. Without --lists, the names lists of the bundled rules. The decision is
 * embargo_screen_result_get_outcome(): allow without candidates, review for possible
 * matches only, else the effect of the matches (for a rule-file list the most severe
 * effect of the rules that use it, for SDN and CSL entries deny). Exit status as for
 * `embargo check`: 0 allow, 1 anything else, 2 no decision (bad input or lists).
 */
#include "cli.h"

#include <string.h>
#include <yajl/yajl_gen.h>

static gboolean
is_sdn_dir (const char *path)
{
  g_autofree char *sdn = g_build_filename (path, "sdn.csv", NULL);
  return g_file_test (path, G_FILE_TEST_IS_DIR) && g_file_test (sdn, G_FILE_TEST_IS_REGULAR);
}

/* A list in a publisher's format (CSV, XML, JSON Lines), as opposed to a rule file:
 * by its name, else by its first bytes. */
static gboolean
is_list_file (const char *path)
{
  static const char *const suffixes[] = { ".csv", ".xml", ".json", ".jsonl", ".ndjson" };
  g_autofree char *lower = g_ascii_strdown (path, -1);
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (lower, suffixes[i]))
      return TRUE;
  return FALSE;
}

/* Adds every --lists PATH to S; rule files and directories are loaded together as one
 * rule set. Prints why and returns FALSE on the first problem. */
static gboolean
add_lists (EmbargoScreener *s, char **paths)
{
  g_autoptr (GPtrArray) rule_paths = g_ptr_array_new_with_free_func (g_free);
  GError *e = NULL;
  for (char **p = paths; p && *p; p++)
    {
      gboolean ok = TRUE;
      if (is_sdn_dir (*p))
        ok = embargo_screener_add_sdn_dir (s, *p, &e);
      else if (is_list_file (*p))
        ok = embargo_screener_add_list_file (s, *p, EMBARGO_LIST_FORMAT_AUTO, &e);
      else
        g_ptr_array_add (rule_paths, g_strdup (*p));
      if (!ok)
        {
          fprintf (stderr, "embargo screen: error: %s: %s\n", *p, e->message);
          g_error_free (e);
          return FALSE;
        }
    }
  if (rule_paths->len == 0 && paths && *paths)
    return TRUE;
  /* NULL-terminated: cli_load_rules() loads the bundled rules for an empty list. */
  g_ptr_array_add (rule_paths, NULL);
  EmbargoRuleset *rs = cli_load_rules ((char **) rule_paths->pdata);
  if (rs == NULL)
    return FALSE;
  gboolean ok = embargo_screener_add_ruleset (s, rs, NULL, &e);
  if (!ok)
    {
      fprintf (stderr, "embargo screen: error: %s\n", e->message);
      g_error_free (e);
    }
  embargo_ruleset_unref (rs);
  return ok;
}

static void
print_text (const char *name, const EmbargoScreenResult *r)
{
  EmbargoOutcome o = embargo_screen_result_get_outcome (r);
  gsize n = embargo_screen_result_get_count (r);
  printf ("%s  %s\n", embargo_outcome_to_string (o), name);
  if (n == 0)
    {
      printf ("  no candidates\n");
      return;
    }
  printf ("  %-5s  %-8s  %-24s  %s\n", "score", "verdict", "list", "entry / matched");
  for (gsize i = 0; i < n; i++)
    {
      const EmbargoScreenCandidate *c = embargo_screen_result_get (r, i);
      printf ("  %.3f  %-8s  %-24.24s  %s", c->score,
              embargo_screen_verdict_to_string (c->verdict), c->list, c->entry);
      if (c->ref)
        printf (" [%s]", c->ref);
      if (c->alias)
        printf ("  (alias: %s)", c->matched);
      if (c->by_identifier)
        printf ("  (identifier)");
      if (c->country_mismatch)
        printf ("  (other country)");
      printf ("\n");
    }
}

static void
print_json (const char *name, const char *country, const EmbargoScreenResult *r)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  cli_screen_result_to_json (g, name, country, r);
  yajl_gen_map_close (g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  fwrite (buf, 1, len, stdout);
  fputc ('\n', stdout);
  yajl_gen_free (g);
}

int
cmd_screen (int argc, char **argv)
{
  g_auto (GStrv) lists = NULL, ids = NULL;
  g_autofree char *country = NULL, *type = NULL, *format = NULL, *batch = NULL;
  gint threads = 0;
  double match = 0, possible = 0;
  gint max = 0;
  GOptionEntry entries[] = {
    { "lists", 'l', 0, G_OPTION_ARG_FILENAME_ARRAY, &lists,
      "OFAC SDN directory, CSL .csv file, or rule file/directory (repeatable; default: "
      "the names lists of the bundled rules)", "PATH" },
    { "country", 'c', 0, G_OPTION_ARG_STRING, &country,
      "The party's country (code or name): a mismatch lowers the score", "CC" },
    { "type", 't', 0, G_OPTION_ARG_STRING, &type,
      "individual, entity, vessel or aircraft: other types are not candidates", "TYPE" },
    { "id", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ids,
      "An identifier, decisive both ways (repeatable)", "KIND:VALUE" },
    { "match", 0, 0, G_OPTION_ARG_DOUBLE, &match, "Match threshold (default: each list's)",
      "0..1" },
    { "possible", 0, 0, G_OPTION_ARG_DOUBLE, &possible,
      "Possible-match threshold (default: each list's)", "0..1" },
    { "max", 'n', 0, G_OPTION_ARG_INT, &max, "Candidates shown (default 10)", "N" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "Output: text (default) or json",
      "text|json" },
    { "batch", 'b', 0, G_OPTION_ARG_FILENAME, &batch,
      "Screen every line of FILE ('-': standard input), a name or a JSON object, on all "
      "cores; JSON Lines out, in input order", "FILE" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads, "Worker threads for --batch (default: "
      "one per core)", "N" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME — screen a party name");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (
    ctx, "Examples:\n"
         "  embargo screen 'Huawei Technologies'\n"
         "  embargo screen --lists ../shared/data/ofac-sdn-2021 --country CU "
         "'Banco Nacional de Cuba'\n"
         "  embargo screen --lists csl.csv --format json 'Rosoboronexport'\n\n"
         "Decision: allow (no candidate), review (possible matches only), else the effect\n"
         "of the matches: the rules using a rule-file list decide it, SDN and CSL entries\n"
         "deny. Exit status: 0 allow, 1 review or worse, 2 no decision.");
  GError *e = NULL;
  if (!cli_parse_options (ctx, &argc, &argv, "screen", NULL, NULL))
    return EXIT_NO_DECISION;
  if (batch ? argc != 1 : argc != 2)
    {
      fprintf (stderr, batch ? "embargo screen: error: --batch takes its names from FILE, "
                               "not from the command line\n"
                             : "embargo screen: error: give one NAME (quote names with spaces)\n");
      return EXIT_NO_DECISION;
    }
  if (threads < 0 || threads > 1024)
    {
      fprintf (stderr, "embargo screen: error: --threads is from 1 to 1024\n");
      return EXIT_NO_DECISION;
    }
  gboolean json = format && strcmp (format, "json") == 0;
  if (format && !json && strcmp (format, "text") != 0)
    {
      fprintf (stderr, "embargo screen: error: --format is text or json, not '%s'\n", format);
      return EXIT_NO_DECISION;
    }
  if (max < 0)
    {
      fprintf (stderr, "embargo screen: error: --max must be positive\n");
      return EXIT_NO_DECISION;
    }

  EmbargoScreener *s = embargo_screener_new ();
  if (!add_lists (s, lists))
    {
      embargo_screener_unref (s);
      return EXIT_NO_DECISION;
    }
  EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
  q.match_threshold = match;
  q.possible_threshold = possible;
  q.max_results = (unsigned) max;
  if (batch)
    {
      int status = cli_screen_batch (s, &q, batch, (guint) threads);
      embargo_screener_unref (s);
      return status;
    }
  q.name = argv[1];
  q.country = country;
  q.type = type;
  q.ids = (const char *const *) ids;
  EmbargoScreenResult *r = embargo_screener_screen (s, &q, &e);
  embargo_screener_unref (s);
  if (r == NULL)
    {
      fprintf (stderr, "embargo screen: error: %s\n", e->message);
      g_error_free (e);
      return EXIT_NO_DECISION;
    }
  if (json)
    print_json (argv[1], country, r);
  else
    print_text (argv[1], r);
  int status = embargo_screen_result_get_outcome (r) == EMBARGO_OUTCOME_ALLOW ? EXIT_ALLOW
                                                                              : EXIT_NOT_ALLOWED;
  embargo_screen_result_free (r);
  return status;
}
