/* file.c: rule files and directories from the file system. Built on the public API
 * only (embargo_loader_add_data), the way lauxlib sits on Lua's core: the rest of the
 * engine never opens a file. */
#define EMBARGO_IO_ALLOWED /* a file helper: see no-io.h */
#include "embargo-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>

static gboolean
is_rule_file (const char *name)
{
  return (g_str_has_suffix (name, ".yaml") || g_str_has_suffix (name, ".yml"))
         && !g_str_has_suffix (name, ".tests.yaml") && !g_str_has_suffix (name, ".tests.yml")
         && name[0] != '.';
}

/* Collects the rule files below DIR (relative paths, under REL), recursively. Hidden
 * entries are skipped; symbolic links to directories are not followed (no cycles). */
static gboolean
collect (const char *dir, const char *rel, GPtrArray *out, guint depth, GError **error)
{
  if (depth > 32)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO,
                   "%s: directories nested deeper than 32 levels", dir);
      return FALSE;
    }
  GDir *d = g_dir_open (dir, 0, error);
  if (d == NULL)
    {
      if (error && *error)
        (*error)->domain = EMBARGO_LOAD_ERROR, (*error)->code = EMBARGO_LOAD_ERROR_IO;
      return FALSE;
    }
  const char *name;
  gboolean ok = TRUE;
  while (ok && (name = g_dir_read_name (d)))
    {
      if (name[0] == '.')
        continue;
      g_autofree char *full = g_build_filename (dir, name, NULL);
      g_autofree char *r = rel ? g_build_filename (rel, name, NULL) : g_strdup (name);
      if (g_file_test (full, G_FILE_TEST_IS_DIR) && !g_file_test (full, G_FILE_TEST_IS_SYMLINK))
        ok = collect (full, r, out, depth + 1, error);
      else if (is_rule_file (name) && g_file_test (full, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (out, g_steal_pointer (&r));
    }
  g_dir_close (d);
  return ok;
}

/* Every failure here is also recorded in the loader (loader_report), so that
 * embargo_loader_finish() fails even for a caller that ignores this error. */
static gboolean
add_file (EmbargoLoader *ld, const char *path, GError **error)
{
  /* Refuse an oversized regular file before reading it, not after. */
  const EmbargoLimits *lim = loader_get_limits (ld);
  GStatBuf st;
  if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode)
      && (guint64) st.st_size > (guint64) lim->max_input_bytes)
    {
      g_autofree char *msg = g_strdup_printf ("input of %" G_GUINT64_FORMAT
                                              " bytes exceeds the limit of %zu",
                                              (guint64) st.st_size, lim->max_input_bytes);
      loader_report (ld, "E-LIMIT", path, msg);
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT, "%s: error: %s", path,
                   msg);
      return FALSE;
    }
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GError) e = NULL;
  if (!g_file_get_contents (path, &data, &len, &e))
    {
      loader_report (ld, "E-IO", path, e->message);
      g_set_error_literal (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO, e->message);
      return FALSE;
    }
  return embargo_loader_add_data (ld, data, len, path, error);
}

gboolean
embargo_loader_add_path (EmbargoLoader *loader, const char *path, GError **error)
{
  g_return_val_if_fail (loader != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      loader_report (loader, "E-IO", path, "no such file or directory");
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO,
                   "%s: no such file or directory", path);
      return FALSE;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return add_file (loader, path, error);

  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  GError *e = NULL;
  if (!collect (path, NULL, files, 0, &e))
    {
      loader_report (loader, "E-IO", path, e->message);
      g_propagate_error (error, e);
      return FALSE;
    }
  g_ptr_array_sort (files, (GCompareFunc) cmp_strp);
  gboolean ok = TRUE;
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *full = g_build_filename (path, g_ptr_array_index (files, i), NULL);
      e = NULL;
      if (!add_file (loader, full, &e))
        {
          /* Keep going so that every file's problems are reported; the first error is
           * the one returned. */
          if (ok)
            g_propagate_error (error, e);
          else
            g_error_free (e);
          ok = FALSE;
        }
    }
  return ok;
}
