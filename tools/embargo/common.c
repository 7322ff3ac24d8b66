/* common.c: rule loading, input reading and terminal handling for every command. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <unistd.h>

char *
cli_default_rules_dir (void)
{
  const char *env = g_getenv ("EMBARGO_RULES_DIR");
  if (env && *env)
    return g_strdup (env);
  /* Installed: <prefix>/bin/embargo and <prefix>/share/embargo/rules. */
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe)
    {
      g_autofree char *bindir = g_path_get_dirname (exe);
      g_autofree char *prefix = g_path_get_dirname (bindir);
      char *installed = g_build_filename (prefix, EMBARGO_INSTALL_RULES_REL, NULL);
      if (g_file_test (installed, G_FILE_TEST_IS_DIR))
        return installed;
      g_free (installed);
    }
  return g_strdup (EMBARGO_SOURCE_RULES_DIR);
}

EmbargoRuleset *
cli_load_rules (char **paths)
{
  g_autofree char *def = NULL;
  const char *fallback[2] = { NULL, NULL };
  const char *const *list = (const char *const *) paths;
  if (paths == NULL || paths[0] == NULL)
    {
      def = cli_default_rules_dir ();
      fallback[0] = def;
      list = fallback;
    }
  EmbargoLoader *ld = embargo_loader_new (NULL);
  gboolean io_failed = FALSE;
  for (const char *const *p = list; *p; p++)
    {
      GError *e = NULL;
      if (!embargo_loader_add_path (ld, *p, &e))
        {
          if (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO))
            {
              fprintf (stderr, "embargo: error: %s\n", e->message);
              io_failed = TRUE;
            }
          g_error_free (e);
        }
    }
  EmbargoRuleset *rs = NULL;
  GError *e = NULL;
  if (!io_failed)
    rs = embargo_loader_finish (ld, &e);
  const EmbargoDiagnostics *diags = embargo_loader_get_diagnostics (ld);
  for (gsize i = 0; i < embargo_diagnostics_get_count (diags); i++)
    {
      g_autofree char *line = embargo_diagnostic_format (embargo_diagnostics_get (diags, i));
      fprintf (stderr, "%s\n", line);
    }
  if (rs == NULL && !io_failed)
    {
      gsize n = embargo_diagnostics_count_at_least (diags, EMBARGO_SEVERITY_ERROR);
      fprintf (stderr, "embargo: %zu error%s: the rules were not loaded, nothing was decided\n",
               n, n == 1 ? "" : "s");
    }
  g_clear_error (&e);
  embargo_loader_free (ld);
  return rs;
}

gboolean
cli_read_input (const char *path, char **data, gsize *len)
{
  GError *e = NULL;
  if (strcmp (path, "-") != 0)
    {
      if (!g_file_get_contents (path, data, len, &e))
        {
          fprintf (stderr, "embargo: error: %s\n", e->message);
          g_error_free (e);
          return FALSE;
        }
      return TRUE;
    }
  GString *buf = g_string_new (NULL);
  char chunk[65536];
  size_t n;
  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    g_string_append_len (buf, chunk, n);
  if (ferror (stdin))
    {
      fprintf (stderr, "embargo: error: cannot read standard input\n");
      g_string_free (buf, TRUE);
      return FALSE;
    }
  *len = buf->len;
  *data = g_string_free (buf, FALSE);
  return TRUE;
}

gboolean
cli_use_color (FILE *f, const char *mode)
{
  if (mode && strcmp (mode, "always") == 0)
    return TRUE;
  if (mode && strcmp (mode, "never") == 0)
    return FALSE;
  const char *no = g_getenv ("NO_COLOR");
  if (no && *no)
    return FALSE;
  const char *term = g_getenv ("TERM");
  return isatty (fileno (f)) && !(term && strcmp (term, "dumb") == 0);
}
