/* sdn-dir.c: see sdn-dir.h. */
#include "sdn-dir.h"

gboolean
screen_list_load_sdn_dir (ScreenList *list, const char *dir, GError **error)
{
  static const char *const names[4] = { "sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv" };
  GBytes *f[4] = { NULL };
  gboolean ok = TRUE;
  for (guint i = 0; i < 4 && ok; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      char *data;
      gsize len;
      g_autoptr (GError) local = NULL;
      if (i > 0 && !g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      if (g_file_get_contents (path, &data, &len, &local))
        f[i] = g_bytes_new_take (data, len);
      else
        {
          g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_IO, "%s", local->message);
          ok = FALSE;
        }
    }
  ok = ok && screen_list_load_sdn (list, f[0], f[1], f[2], f[3], error);
  for (guint i = 0; i < 4; i++)
    g_clear_pointer (&f[i], g_bytes_unref);
  return ok;
}
