/* screen-file.c: screening lists from the file system.
 *
 * The only file of party screening that does I/O, like file.c for rule files, and like
 * it a file helper on the public API only (engine/file.h): it reads whole files and
 * hands their bytes to the pure loaders, embargo_screener_add_*().
 */
#include "file.h"

/* Screening lists are read whole, like every input, but are far larger than a rule file
 * or a transaction (OFAC's SDN is a few megabytes, a consolidated list some tens): each
 * file is refused past this many bytes, whatever its kind (docs/reliability.md). */
#define SCREEN_FILE_MAX_BYTES ((gsize) 1 << 30)

/* Reads DIR/NAME into *OUT; a missing optional file leaves *OUT NULL. Errors are in
 * DOMAIN with code IO_CODE, so that each API keeps its own error domain. */
static gboolean
read_optional (const char *dir, const char *name, gboolean required, GBytes **out,
               GQuark domain, int io_code, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) local = NULL;
  char *data;
  gsize len;

  if (!required && !g_file_test (path, G_FILE_TEST_EXISTS)
      && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    return TRUE;
  if (!file_read_bounded (path, SCREEN_FILE_MAX_BYTES, &data, &len, &local))
    {
      g_set_error (error, domain, io_code, "%s", local->message);
      return FALSE;
    }
  *out = g_bytes_new_take (data, len);
  return TRUE;
}

static gboolean
read_sdn_dir (const char *dir, GBytes *files[4], GQuark domain, int io_code, GError **error)
{
  static const char *const names[4] = { "sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv" };
  for (guint i = 0; i < 4; i++)
    if (!read_optional (dir, names[i], i == 0, &files[i], domain, io_code, error))
      return FALSE;
  return TRUE;
}

static void
clear_files (GBytes *files[4])
{
  for (guint i = 0; i < 4; i++)
    g_clear_pointer (&files[i], g_bytes_unref);
}

static const char *
data_of (GBytes *b, gsize *len)
{
  *len = 0;
  return b ? g_bytes_get_data (b, len) : NULL;
}

gboolean
embargo_screener_add_sdn_dir (EmbargoScreener *s, const char *dir, GError **error)
{
  g_return_val_if_fail (s != NULL && dir != NULL, FALSE);

  GBytes *f[4] = { NULL };
  gboolean ok = read_sdn_dir (dir, f, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO, error);
  if (ok)
    {
      gsize len[4];
      const char *data[4];
      for (guint i = 0; i < 4; i++)
        data[i] = data_of (f[i], &len[i]);
      ok = embargo_screener_add_sdn (s, data[0], len[0], data[1], len[1], data[2], len[2],
                                     data[3], len[3], error);
    }
  clear_files (f);
  return ok;
}

gboolean
embargo_screener_add_list_file (EmbargoScreener *s, const char *path, EmbargoListFormat format,
                                GError **error)
{
  g_return_val_if_fail (s != NULL && path != NULL, FALSE);

  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GError) local = NULL;
  if (!file_read_bounded (path, SCREEN_FILE_MAX_BYTES, &data, &len, &local))
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, local->code, "%s", local->message);
      return FALSE;
    }
  g_autofree char *base = g_path_get_basename (path);
  return embargo_screener_add_list (s, format, data, len, base, error);
}

gboolean
embargo_screener_add_csl_file (EmbargoScreener *s, const char *path, GError **error)
{
  return embargo_screener_add_list_file (s, path, EMBARGO_LIST_FORMAT_CSL, error);
}
