/* suite-file.c: test suites from the file system.
 *
 * A file helper (engine/file.h), on the public API only: it reads a suite file and the
 * transaction files its cases name, bounded like every input, and hands the bytes to
 * embargo_suite_new_from_data() and embargo_suite_set_transaction_data(). A case may
 * read only files inside the rules tree: a transaction_file that resolves (symbolic
 * links and `..` included) outside it is an error.
 */
#define _DEFAULT_SOURCE /* realpath() */
#include "file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The real path of REL, relative to DIR, when it lies inside ROOT_REAL (a real path);
 * otherwise NULL with WHY set. */
static char *
resolve_inside (const char *dir, const char *rel, const char *root_real, char **why)
{
  if (g_path_is_absolute (rel))
    {
      *why = g_strdup ("is an absolute path: a test names its files relative to itself, "
                       "inside the rules tree");
      return NULL;
    }
  g_autofree char *full = g_build_filename (dir, rel, NULL);
  char *real = realpath (full, NULL);
  if (real == NULL)
    {
      *why = g_strdup_printf ("cannot be resolved: %s", g_strerror (errno));
      return NULL;
    }
  gsize n = strlen (root_real);
  if (strncmp (real, root_real, n) != 0 || (real[n] != '/' && !(n == 1 && root_real[0] == '/')))
    {
      *why = g_strdup_printf ("resolves to '%s', outside the rules tree '%s' (a test may "
                              "read only files kept with the rules)", real, root_real);
      free (real);
      return NULL;
    }
  char *out = g_strdup (real);
  free (real);
  return out;
}

EmbargoSuite *
embargo_suite_new_from_file (const char *path, GError **error)
{
  return embargo_suite_new_from_file_within (path, NULL, error);
}

EmbargoSuite *
embargo_suite_new_from_file_within (const char *path, const char *root, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  const EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  g_autofree char *data = NULL;
  gsize len;
  if (!file_read_bounded (path, lim.max_input_bytes, &data, &len, error))
    return NULL;
  EmbargoSuite *s = embargo_suite_new_from_data (data, len, path, error);
  if (s == NULL)
    return NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  char *root_real = realpath (root ? root : dir, NULL);
  if (root_real == NULL)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO, "%s: %s",
                   root ? root : dir, g_strerror (errno));
      embargo_suite_free (s);
      return NULL;
    }
  for (gsize i = 0; i < embargo_suite_get_count (s); i++)
    {
      const char *txn_file = embargo_suite_get_transaction_file (s, i);
      const char *name = embargo_suite_get_name (s, i);
      unsigned tline = 0, tcol = 0;
      if (txn_file == NULL)
        continue;
      embargo_suite_get_transaction_file_position (s, i, &tline, &tcol);
      g_autofree char *why = NULL;
      g_autofree char *full = resolve_inside (dir, txn_file, root_real, &why);
      g_autofree char *tdata = NULL;
      gsize tlen;
      GError *e = NULL;
      if (full == NULL)
        g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                     "%s:%u:%u: error: case '%s': transaction_file '%s' %s", path,
                     tline, tcol, name, txn_file, why);
      else if (!file_read_bounded (full, lim.max_input_bytes, &tdata, &tlen, &e))
        {
          g_set_error (error, EMBARGO_LOAD_ERROR, e->code, "%s:%u:%u: error: case '%s': %s",
                       path, tline, tcol, name, e->message);
          g_error_free (e);
        }
      g_autofree char *shown = full ? g_build_filename (dir, txn_file, NULL) : NULL;
      if (full == NULL || tdata == NULL
          || !embargo_suite_set_transaction_data (s, i, tdata, tlen, shown, error))
        {
          free (root_real);
          embargo_suite_free (s);
          return NULL;
        }
    }
  free (root_real);
  return s;
}
