/* common.c: rule loading, input reading, resource limits and terminal handling for every
 * command. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

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

/* --expect-digest: the digests a loaded rule set may have (NULL: any). Set by
 * cli_limits_apply(), read by cli_load_rules*(): one process, one command. */
static char **expected_digests;

static gboolean
is_test_file (const char *name)
{
  return g_str_has_suffix (name, ".tests.yaml") || g_str_has_suffix (name, ".tests.yml");
}

static void
collect_files (const char *path, gboolean tests, GPtrArray *out, guint depth)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (!tests || is_test_file (path))
        g_ptr_array_add (out, g_strdup (path));
      return;
    }
  GDir *d = depth < 32 ? g_dir_open (path, 0, NULL) : NULL;
  if (d == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      if (name[0] == '.')
        continue;
      g_autofree char *full = g_build_filename (path, name, NULL);
      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        collect_files (full, tests, out, depth + 1);
      else if (tests ? is_test_file (name)
                     : (g_str_has_suffix (name, ".yaml") || g_str_has_suffix (name, ".yml"))
                         && !is_test_file (name))
        g_ptr_array_add (out, g_steal_pointer (&full));
    }
  g_dir_close (d);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

void
cli_collect_files (const char *path, gboolean tests, GPtrArray *out)
{
  guint from = out->len;
  collect_files (path, tests, out, 0);
  /* Sorted like the loader's order, each PATH's files together. */
  if (out->len > from)
    qsort (out->pdata + from, out->len - from, sizeof (gpointer), cmp_str);
}

EmbargoSuite **
cli_load_test_suites (char **paths)
{
  GPtrArray *suites = g_ptr_array_new ();
  for (char **p = paths; p && *p; p++)
    {
      g_autofree char *root = g_file_test (*p, G_FILE_TEST_IS_DIR) ? g_strdup (*p)
                                                                   : g_path_get_dirname (*p);
      g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
      cli_collect_files (*p, TRUE, found);
      for (guint i = 0; i < found->len; i++)
        {
          EmbargoSuite *s = embargo_suite_new_from_file_within (g_ptr_array_index (found, i),
                                                                root, NULL);
          if (s)
            g_ptr_array_add (suites, s);
        }
    }
  if (suites->len == 0)
    {
      g_ptr_array_free (suites, TRUE);
      return NULL;
    }
  g_ptr_array_add (suites, NULL);
  return (EmbargoSuite **) g_ptr_array_free (suites, FALSE);
}

void
cli_free_test_suites (EmbargoSuite **suites)
{
  for (EmbargoSuite **s = suites; s && *s; s++)
    embargo_suite_free (*s);
  g_free (suites);
}

gboolean
cli_set_expected_digests (char **digests)
{
  /* Kept (and so reachable) even when refused: the command exits at once. */
  expected_digests = digests;
  for (char **d = digests; d && *d; d++)
    {
      EmbargoLoader *probe = embargo_loader_new (NULL);
      g_autoptr (GError) e = NULL;
      gboolean ok = embargo_loader_set_expected_digest (probe, *d, &e);
      embargo_loader_free (probe);
      if (!ok)
        {
          fprintf (stderr, "embargo: error: --expect-digest: %s\n", e->message);
          return FALSE;
        }
    }
  expected_digests = digests;
  return TRUE;
}

gboolean
cli_digest_expected (const char *digest, const char *where)
{
  if (expected_digests == NULL
      || g_strv_contains ((const char *const *) expected_digests, digest))
    return TRUE;
  g_autofree char *want = g_strjoinv (", ", expected_digests);
  cli_error ("E-DIGEST", where, 0, 0, "the rule set's digest is %s, expected %s: these are "
             "not the pinned rules", digest, want);
  return FALSE;
}

EmbargoRuleset *
cli_load_rules (char **paths)
{
  return cli_load_rules_limited (paths, NULL);
}

static EmbargoRuleset *
load_rules (char **paths, const EmbargoLimits *limits, gboolean lists_only)
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
  EmbargoLoader *ld = embargo_loader_new (limits);
  if (lists_only)
    embargo_loader_set_lists_only (ld);
  /* Every problem, I/O included, is in the diagnostics, and any of them makes
   * finish() fail: nothing is decided against part of the rules. */
  for (const char *const *p = list; *p; p++)
    embargo_loader_add_path (ld, *p, NULL);
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_loader_finish (ld, &e);
  const EmbargoDiagnostics *diags = embargo_loader_get_diagnostics (ld);
  for (gsize i = 0; i < embargo_diagnostics_get_count (diags); i++)
    cli_diagnostic (embargo_diagnostics_get (diags, i));
  /* --expect-digest: the set must be one of the pinned ones. */
  if (rs && !cli_digest_expected (embargo_ruleset_get_digest (rs), list[0]))
    {
      g_clear_pointer (&rs, embargo_ruleset_unref);
      if (!cli_errors_are_json ())
        fprintf (stderr, "embargo: 1 error: the rules were not loaded, nothing was decided\n");
    }
  else if (rs == NULL && !cli_errors_are_json ())
    {
      gsize n = embargo_diagnostics_count_at_least (diags, EMBARGO_SEVERITY_ERROR);
      fprintf (stderr, "embargo: %zu error%s: the rules were not loaded, nothing was decided\n",
               n, n == 1 ? "" : "s");
    }
  g_clear_error (&e);
  embargo_loader_free (ld);
  return rs;
}

EmbargoRuleset *
cli_load_rules_limited (char **paths, const EmbargoLimits *limits)
{
  return load_rules (paths, limits, FALSE);
}

EmbargoRuleset *
cli_load_lists (char **paths)
{
  return load_rules (paths, NULL, TRUE);
}

gboolean
cli_read_input (const char *path, char **data, gsize *len)
{
  EmbargoLimits def = EMBARGO_LIMITS_INIT;
  return cli_read_input_limited (path, def.max_input_bytes, data, len);
}

gboolean
cli_read_input_limited (const char *path, gsize max, char **data, gsize *len)
{
  gboolean in = strcmp (path, "-") == 0;
  const char *name = in ? "<stdin>" : path;
  FILE *f = in ? stdin : fopen (path, "rb");
  if (f == NULL)
    {
      cli_error ("E-IO", path, 0, 0, "%s", g_strerror (errno));
      return FALSE;
    }
  /* A regular file is refused before it is read; anything else (standard input, a FIFO,
   * a device such as /dev/zero) as soon as it passes the limit: at most MAX + 1 bytes
   * are ever read. */
  GStatBuf st;
  if (fstat (fileno (f), &st) == 0 && S_ISREG (st.st_mode) && (guint64) st.st_size > max)
    {
      cli_error ("E-LIMIT", name, 0, 0, "input of %" G_GUINT64_FORMAT " bytes exceeds the "
                 "limit of %zu (--max-input-bytes)", (guint64) st.st_size, max);
      if (!in)
        fclose (f);
      return FALSE;
    }
  GString *buf = g_string_new (NULL);
  char chunk[65536];
  size_t n;
  while ((n = fread (chunk, 1, MIN (sizeof chunk, max - MIN (buf->len, max) + 1), f)) > 0)
    {
      g_string_append_len (buf, chunk, n);
      if (buf->len > max)
        break;
    }
  gboolean bad = ferror (f);
  if (!in)
    fclose (f);
  if (buf->len > max)
    {
      cli_error ("E-LIMIT", name, 0, 0, "input exceeds the limit of %zu bytes "
                 "(--max-input-bytes)", max);
      g_string_free (buf, TRUE);
      return FALSE;
    }
  if (bad)
    {
      cli_error ("E-IO", name, 0, 0, "cannot read %s", in ? "standard input" : path);
      g_string_free (buf, TRUE);
      return FALSE;
    }
  *len = buf->len;
  *data = g_string_free (buf, FALSE);
  return TRUE;
}

void
cli_add_limit_options (GOptionContext *ctx, CliLimits *opts)
{
  *opts = (CliLimits) { -1, -1, -1, -1, -1, -1, -1, -1, NULL };
  /* GLib copies the entries; only the variables they point to must outlive parsing. */
  GOptionEntry entries[] = {
    { "max-input-bytes", 0, 0, G_OPTION_ARG_INT64, &opts->input_bytes,
      "Refuse a rule file or transaction larger than N bytes (default 67108864)", "N" },
    { "max-depth", 0, 0, G_OPTION_ARG_INT64, &opts->depth,
      "Refuse mappings and lists nested deeper than N (default 64)", "N" },
    { "max-string-bytes", 0, 0, G_OPTION_ARG_INT64, &opts->string_bytes,
      "Refuse a value longer than N bytes (default 65536)", "N" },
    { "max-rules", 0, 0, G_OPTION_ARG_INT64, &opts->rules,
      "Refuse a rule set of more than N rules (default 1000000)", "N" },
    { "max-items", 0, 0, G_OPTION_ARG_INT64, &opts->items,
      "Refuse a transaction of more than N items (default 10000)", "N" },
    { "max-parties", 0, 0, G_OPTION_ARG_INT64, &opts->parties,
      "Refuse a transaction of more than N intermediaries (default 1000)", "N" },
    { "max-list-members", 0, 0, G_OPTION_ARG_INT64, &opts->list_members,
      "Refuse a names list of more than N members (default 5000000)", "N" },
    { "max-work", 0, 0, G_OPTION_ARG_INT64, &opts->work,
      "Refuse a transaction whose evaluation takes more than N units of work (default "
      "50000000)", "N" },
    { "expect-digest", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->expect_digest,
      "Refuse rules whose digest is not DIGEST (repeatable: one of them)", "sha256:HEX" },
    G_OPTION_ENTRY_NULL,
  };
  g_option_context_add_main_entries (ctx, entries, NULL);
}

gboolean
cli_limits_apply (const CliLimits *opts, EmbargoLimits *out)
{
  *out = (EmbargoLimits) EMBARGO_LIMITS_INIT;
  const struct {
    const char *name;
    gint64 value;
  } given[] = {
    { "max-input-bytes", opts->input_bytes }, { "max-depth", opts->depth },
    { "max-string-bytes", opts->string_bytes }, { "max-rules", opts->rules },
    { "max-items", opts->items }, { "max-parties", opts->parties },
    { "max-list-members", opts->list_members }, { "max-work", opts->work },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (given); i++)
    if (given[i].value != -1 && (given[i].value <= 0 || (i == 1 && given[i].value > G_MAXUINT)))
      {
        fprintf (stderr, "embargo: error: --%s must be a positive number\n", given[i].name);
        return FALSE;
      }
  if (!cli_set_expected_digests (opts->expect_digest))
    return FALSE;
  if (opts->input_bytes != -1)
    out->max_input_bytes = (gsize) opts->input_bytes;
  if (opts->depth != -1)
    out->max_depth = (unsigned) opts->depth;
  if (opts->string_bytes != -1)
    out->max_string_bytes = (gsize) opts->string_bytes;
  if (opts->rules != -1)
    out->max_rules = (gsize) opts->rules;
  if (opts->items != -1)
    out->max_items = (gsize) opts->items;
  if (opts->parties != -1)
    out->max_parties = (gsize) opts->parties;
  if (opts->list_members != -1)
    out->max_list_members = (gsize) opts->list_members;
  if (opts->work != -1)
    out->max_work = (gsize) opts->work;
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

gboolean
cli_parse_options (GOptionContext *ctx, int *argc, char ***argv, const char *command,
                   const CliLimits *limit_opts, EmbargoLimits *limits)
{
  GError *e = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &e))
    {
      fprintf (stderr, "embargo %s: error: %s\n", command, cli_safe_lines (e->message));
      g_error_free (e);
      return FALSE;
    }
  return limit_opts == NULL || cli_limits_apply (limit_opts, limits);
}

/* Escaped copies live until exit: printing is the last thing done with them, and a
 * command prints little enough that freeing them one by one is not worth the noise. */
static GPtrArray *safe_copies;

static void
safe_copies_free (void)
{
  g_clear_pointer (&safe_copies, g_ptr_array_unref);
}

static const char *
keep (const char *s, char *escaped)
{
  if (strcmp (s, escaped) == 0)
    {
      g_free (escaped);
      return s;
    }
  if (safe_copies == NULL)
    {
      safe_copies = g_ptr_array_new_with_free_func (g_free);
      atexit (safe_copies_free);
    }
  g_ptr_array_add (safe_copies, escaped);
  return escaped;
}

const char *
cli_safe (const char *s)
{
  return s ? keep (s, embargo_text_escape (s, -1, EMBARGO_ESCAPE_TEXT)) : NULL;
}

const char *
cli_safe_lines (const char *s)
{
  return s ? keep (s, embargo_text_escape (s, -1, EMBARGO_ESCAPE_LINES)) : NULL;
}

gboolean
cli_write_json (FILE *f, const char *json, gsize len)
{
  g_autofree char *safe = embargo_text_escape (json, (gssize) len, EMBARGO_ESCAPE_JSON);
  gsize n = strlen (safe);
  return fwrite (safe, 1, n, f) == n && fputc ('\n', f) != EOF;
}

static gboolean json_errors;

void
cli_errors_as_json (gboolean on)
{
  json_errors = on;
}

gboolean
cli_errors_are_json (void)
{
  return json_errors;
}

static void
error_json (const char *code, const char *file, unsigned line, unsigned column,
            const char *message, const EmbargoDiagnostic *ctx)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_config (g, yajl_gen_validate_utf8, 0);
  const struct {
    const char *key, *value;
  } strs[] = { { "code", code }, { "message", message }, { "file", file } };
  yajl_gen_map_open (g);
  yajl_gen_string (g, (const unsigned char *) "error", 5);
  yajl_gen_map_open (g);
  for (gsize i = 0; i < G_N_ELEMENTS (strs); i++)
    {
      yajl_gen_string (g, (const unsigned char *) strs[i].key, strlen (strs[i].key));
      if (strs[i].value)
        yajl_gen_string (g, (const unsigned char *) strs[i].value, strlen (strs[i].value));
      else
        yajl_gen_null (g);
    }
  yajl_gen_string (g, (const unsigned char *) "line", 4);
  yajl_gen_integer (g, line);
  yajl_gen_string (g, (const unsigned char *) "column", 6);
  yajl_gen_integer (g, column);
  if (ctx && ctx->context)
    {
      /* The second position: {"message", "file", "line", "column"}. */
      g_autofree char *m = g_utf8_make_valid (ctx->context, -1);
      g_autofree char *f = g_utf8_make_valid (ctx->context_source, -1);
      yajl_gen_string (g, (const unsigned char *) "context", 7);
      yajl_gen_map_open (g);
      yajl_gen_string (g, (const unsigned char *) "message", 7);
      yajl_gen_string (g, (const unsigned char *) m, strlen (m));
      yajl_gen_string (g, (const unsigned char *) "file", 4);
      yajl_gen_string (g, (const unsigned char *) f, strlen (f));
      yajl_gen_string (g, (const unsigned char *) "line", 4);
      yajl_gen_integer (g, ctx->context_line);
      yajl_gen_string (g, (const unsigned char *) "column", 6);
      yajl_gen_integer (g, ctx->context_column);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  cli_write_json (stdout, (const char *) buf, len);
  yajl_gen_free (g);
}

void
cli_error (const char *code, const char *file, unsigned line, unsigned column,
           const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (json_errors)
    {
      /* Not UTF-8 (a file name, say) cannot go into JSON as it is. */
      g_autofree char *m = g_utf8_make_valid (message, -1);
      g_autofree char *f = file ? g_utf8_make_valid (file, -1) : NULL;
      error_json (code, f, line, column, m, NULL);
    }
  else if (file && line)
    fprintf (stderr, "%s:%u:%u: error: %s [%s]\n", cli_safe (file), line, column,
             cli_safe (message), code);
  else if (file)
    fprintf (stderr, "%s: error: %s [%s]\n", cli_safe (file), cli_safe (message), code);
  else
    fprintf (stderr, "embargo: error: %s\n", cli_safe (message));
}

void
cli_diagnostic (const EmbargoDiagnostic *d)
{
  if (json_errors && d->severity == EMBARGO_SEVERITY_ERROR)
    {
      g_autofree char *m = g_utf8_make_valid (d->message, -1);
      g_autofree char *f = d->source ? g_utf8_make_valid (d->source, -1) : NULL;
      error_json (d->code, f, d->line, d->column, m, d);
      return;
    }
  g_autofree char *line = embargo_diagnostic_format (d);
  g_autofree char *note = embargo_diagnostic_format_context (d);
  fprintf (stderr, "%s\n", line);
  if (note)
    fprintf (stderr, "%s\n", note);
}

void
cli_error_lines (const char *message, const char *fallback_code)
{
  if (!json_errors)
    {
      fprintf (stderr, "%s\n", cli_safe_lines (message));
      return;
    }
  static GRegex *shape;
  if (shape == NULL)
    shape = g_regex_new ("^(.+?):(\\d+):(\\d+): error: (.*?)(?: \\[([A-Z][A-Z0-9-]*)\\])?$",
                         G_REGEX_OPTIMIZE, 0, NULL);
  g_auto (GStrv) lines = g_strsplit (message, "\n", -1);
  gboolean any = FALSE;
  for (char **l = lines; *l; l++)
    {
      g_autoptr (GMatchInfo) m = NULL;
      if (!g_regex_match (shape, *l, 0, &m))
        continue;
      g_autofree char *file = g_match_info_fetch (m, 1), *line = g_match_info_fetch (m, 2),
                      *col = g_match_info_fetch (m, 3), *msg = g_match_info_fetch (m, 4),
                      *code = g_match_info_fetch (m, 5);
      cli_error (code && *code ? code : fallback_code, file, (unsigned) atoi (line),
                 (unsigned) atoi (col), "%s", msg);
      any = TRUE;
    }
  if (!any)
    cli_error (fallback_code, NULL, 0, 0, "%s", message);
}
