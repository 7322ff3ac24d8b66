/* cmd-lists.c: `embargo lists`: sanctions lists in their publishers' formats.
 *
 *   embargo lists convert [--format F] --id ID [--title T] FILE... > rules/lists/x.yaml
 *       turns one or more list files (EU FSF XML, UN SC XML, UK Sanctions List XML,
 *       OpenSanctions JSON Lines or targets.simple.csv, CSL CSV, an OFAC SDN directory)
 *       into one `kind: names` list of a rule file, so rules can screen against it;
 *   embargo lists detect FILE...
 *       prints each file's format, as `embargo screen --lists` would read it.
 *
 * Exit status: 0 done, 2 a file could not be read or is not a list.
 */
#include "cli.h"

static gboolean
parse_format (const char *name, EmbargoListFormat *format)
{
  if (name == NULL)
    {
      *format = EMBARGO_LIST_FORMAT_AUTO;
      return TRUE;
    }
  if (embargo_list_format_from_string (name, format))
    return TRUE;
  fprintf (stderr, "embargo lists: error: unknown --format '%s' (auto, csl, eu-fsf, un-sc, "
                   "uk, ftm, os-simple)\n", name);
  return FALSE;
}

/* Adds PATH to S: an OFAC SDN directory, or a file in FORMAT. */
static gboolean
add_path (EmbargoScreener *s, const char *path, EmbargoListFormat format)
{
  g_autoptr (GError) e = NULL;
  gboolean ok = g_file_test (path, G_FILE_TEST_IS_DIR)
                  ? embargo_screener_add_sdn_dir (s, path, &e)
                  : embargo_screener_add_list_file (s, path, format, &e);
  if (!ok)
    fprintf (stderr, "embargo lists: error: %s: %s\n", path, e->message);
  return ok;
}

static int
lists_convert (int argc, char **argv)
{
  g_autofree char *format_name = NULL, *id = NULL, *title = NULL;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "the files' format: auto (default), csl, eu-fsf, un-sc, uk, ftm, os-simple", "F" },
    { "id", 0, 0, G_OPTION_ARG_STRING, &id, "the list's id in the rule file (required)", "ID" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, "the list's title", "TEXT" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE... - write a names list of a rule file");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (
    ctx, "Example:\n  embargo lists convert --id eu-fsf --title 'EU consolidated list' "
         "eu-fsf.xml > rules/lists/eu-fsf.yaml\n");
  EmbargoListFormat format;
  if (!cli_parse_options (ctx, &argc, &argv, "lists convert", NULL, NULL)
      || !parse_format (format_name, &format))
    return EXIT_NO_DECISION;
  if (argc < 2 || id == NULL)
    {
      fprintf (stderr, "embargo lists convert: error: give --id and at least one FILE\n");
      return EXIT_NO_DECISION;
    }
  EmbargoScreener *s = embargo_screener_new ();
  g_autofree char *yaml = NULL;
  g_autoptr (GError) e = NULL;
  gboolean ok = TRUE;
  for (int i = 1; ok && i < argc; i++)
    ok = add_path (s, argv[i], format);
  if (ok && (yaml = embargo_screener_to_names_list (s, id, title, &e)) == NULL)
    {
      fprintf (stderr, "embargo lists convert: error: %s\n", e->message);
      ok = FALSE;
    }
  if (ok)
    {
      fputs (yaml, stdout);
      fprintf (stderr, "embargo lists convert: %" G_GSIZE_FORMAT " entries written as list '%s'\n",
               embargo_screener_get_entry_count (s), id);
    }
  embargo_screener_unref (s);
  return ok ? 0 : EXIT_NO_DECISION;
}

static int
lists_detect (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE... - name each list file's format");
  if (!cli_parse_options (ctx, &argc, &argv, "lists detect", NULL, NULL))
    return EXIT_NO_DECISION;
  int status = 0;
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          printf ("%s\tsdn\n", argv[i]);
          continue;
        }
      g_autofree char *data = NULL;
      gsize len;
      if (!cli_read_input (argv[i], &data, &len))
        return EXIT_NO_DECISION;
      EmbargoListFormat f = embargo_list_format_detect (data, len);
      if (f == EMBARGO_LIST_FORMAT_AUTO)
        {
          fprintf (stderr, "embargo lists: error: %s: not a list format embargo reads\n", argv[i]);
          status = EXIT_NO_DECISION;
          continue;
        }
      printf ("%s\t%s\n", argv[i], embargo_list_format_to_string (f));
    }
  return status;
}

int
cmd_lists (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "convert") == 0)
    return lists_convert (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "detect") == 0)
    return lists_detect (argc - 1, argv + 1);
  FILE *f = argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
              ? stdout : stderr;
  fprintf (f, "Usage: embargo lists convert [--format F] --id ID [--title T] FILE...\n"
              "       embargo lists detect FILE...\n\n"
              "Sanctions lists in their publishers' formats (EU FSF XML, UN SC XML, UK\n"
              "Sanctions List XML, OpenSanctions JSON Lines and targets.simple.csv, CSL CSV,\n"
              "an OFAC SDN directory): convert them into a names list of a rule file, or\n"
              "name their format.\n");
  return f == stdout ? 0 : EXIT_NO_DECISION;
}
