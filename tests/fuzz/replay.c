/* replay.c: main() for the fuzz targets when libFuzzer is not available (gcc builds).
 *
 * Runs LLVMFuzzerTestOneInput() once on every file named on the command line, walking
 * directories recursively in sorted order, and fails when there is none: a replay that
 * silently found no corpus would pass without testing anything. A crash, an assertion
 * or a sanitizer report in the target ends the program, as it would under libFuzzer.
 */
#include "fuzz.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static gint
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Appends PATH, or the files below it, to OUT. FALSE when PATH cannot be read. */
static gboolean
collect (const char *path, GPtrArray *out)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (out, g_strdup (path));
      return TRUE;
    }
  g_autoptr (GError) e = NULL;
  GDir *d = g_dir_open (path, 0, &e);
  if (d == NULL)
    {
      fprintf (stderr, "replay: %s\n", e->message);
      return FALSE;
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)))
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_dir_close (d);
  g_ptr_array_sort (names, cmp_str);
  gboolean ok = TRUE;
  for (guint i = 0; i < names->len; i++)
    ok = collect (g_ptr_array_index (names, i), out) && ok;
  return ok;
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;
  for (int i = 1; i < argc; i++)
    ok = collect (argv[i], files) && ok;
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *data = NULL;
      gsize len;
      g_autoptr (GError) e = NULL;
      if (!g_file_get_contents (path, &data, &len, &e))
        {
          fprintf (stderr, "replay: %s\n", e->message);
          ok = FALSE;
          continue;
        }
      LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
    }
  printf ("replay: %u inputs\n", files->len);
  return ok && files->len > 0 ? 0 : 1;
}
