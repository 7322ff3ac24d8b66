/* cmd-lock.c: `embargo lock DIR`: pin a rule directory by writing DIR/embargo.lock, the
 * list of its rule files with their SHA-256 and the rule set's digest. While the lock is
 * there, every command (and the library) refuses a rule set with a missing, extra or
 * altered file (docs/reliability.md, "Pinning a rule set"). */
#include "cli.h"

int
cmd_lock (int argc, char **argv)
{
  gboolean check = FALSE;
  GOptionEntry entries[] = {
    { "check", 0, 0, G_OPTION_ARG_NONE, &check,
      "Do not write: exit 1 when DIR/embargo.lock is missing or out of date", NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("DIR — pin the rule files of DIR");
  g_option_context_add_main_entries (ctx, entries, NULL);
  CliLimits limit_opts;
  cli_add_limit_options (ctx, &limit_opts);
  g_option_context_set_description (
    ctx, "Loads the rules under DIR (ignoring any lock already there) and, when they load,\n"
         "writes DIR/embargo.lock: each rule file with its SHA-256, and the rule set's\n"
         "digest (printed on standard output, for --expect-digest). From then on a rule\n"
         "file that is added, removed or altered makes every command refuse the rules\n"
         "until the lock is written again.\n\n"
         "Examples:\n"
         "  embargo lock /etc/embargo/rules\n"
         "  embargo lock --check /etc/embargo/rules\n\n"
         "Exit status: 0 written (or up to date with --check), 1 out of date (--check),\n"
         "2 the rules do not load or the lock cannot be written.");
  EmbargoLimits limits;
  if (!cli_parse_options (ctx, &argc, &argv, "lock", &limit_opts, &limits))
    return EXIT_NO_DECISION;
  if (argc != 2)
    {
      fprintf (stderr, "embargo lock: error: give one rule directory; see embargo lock --help\n");
      return EXIT_NO_DECISION;
    }
  const char *dir = argv[1];
  GError *e = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *text = embargo_lock_new (dir, &limits, &digest, &e);
  if (text == NULL)
    {
      fprintf (stderr, "%s\nembargo lock: error: the rules were not locked\n", e->message);
      g_error_free (e);
      return EXIT_NO_DECISION;
    }
  if (!cli_digest_expected (digest, dir))
    return EXIT_NO_DECISION;
  g_autofree char *path = g_build_filename (dir, "embargo.lock", NULL);
  if (check)
    {
      g_autofree char *old = NULL;
      gsize len = 0;
      if (!g_file_test (path, G_FILE_TEST_EXISTS)
          || !cli_read_input_limited (path, limits.max_input_bytes, &old, &len)
          || len != strlen (text) || memcmp (old, text, len) != 0)
        {
          fprintf (stderr, "%s: error: missing or out of date; run 'embargo lock %s'\n", path,
                   dir);
          return EXIT_NOT_ALLOWED;
        }
      printf ("%s\n", digest);
      return EXIT_ALLOW;
    }
  if (!g_file_set_contents (path, text, -1, &e))
    {
      fprintf (stderr, "embargo lock: error: %s\n", e->message);
      g_error_free (e);
      return EXIT_NO_DECISION;
    }
  printf ("%s\n", digest);
  fprintf (stderr, "wrote %s\n", path);
  return EXIT_ALLOW;
}
