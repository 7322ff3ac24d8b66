/* bench-screen.c: how fast screening is against the full OFAC SDN snapshot.
 *
 *   bench-screen [DATA_DIR [LABELS_TSV]]
 *
 * Loads DATA_DIR/ofac-sdn-2021 (default: the shared data directory this was built
 * with), times the index build, then screens two sets of names on one thread,
 * each repeatedly for at least a second:
 *   - listed: every SDN primary name as printed (exact hits, the common case of a
 *     re-screened customer who is on the list);
 *   - variants: the first column of tests/screen/labelled.tsv (transliterations,
 *     typos, reordered names and near misses: fuzzy work, unknown tokens).
 * Prints names per second for each, the index build time and the peak resident
 * memory (VmHWM from /proc/self/status). Exits 1 if the data cannot be loaded.
 */
#include "screen.h"
#include "sdn-dir.h"

#include <stdio.h>
#include <string.h>

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* Screens @names round after round for at least a second; returns names/second. */
static double
screen_rate (const ScreenIndex *index, GPtrArray *names, guint *n_hits)
{
  guint screened = 0;
  *n_hits = 0;
  gint64 start = g_get_monotonic_time ();
  do
    {
      for (guint i = 0; i < names->len; i++)
        {
          ScreenQuery query = { .name = g_ptr_array_index (names, i) };
          g_autoptr (GArray) hits = screen_index_screen (index, &query, NULL, NULL);
          *n_hits += hits->len;
        }
      screened += names->len;
    }
  while (seconds_since (start) < 1.0);
  return screened / seconds_since (start);
}

static long
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  const char *line = strstr (status, "VmHWM:");
  return line != NULL ? strtol (line + strlen ("VmHWM:"), NULL, 10) : -1;
}

int
main (int argc, char **argv)
{
  const char *data_dir = argc > 1 ? argv[1] : EMBARGO_SHARED_DATA;
  const char *labels = argc > 2 ? argv[2] : EMBARGO_SCREEN_LABELS;
  g_autofree char *sdn_dir = g_build_filename (data_dir, "ofac-sdn-2021", NULL);
  g_autoptr (GError) error = NULL;

  g_autoptr (ScreenList) list = screen_list_new ();
  gint64 start = g_get_monotonic_time ();
  if (!screen_list_load_sdn_dir (list, sdn_dir, &error))
    {
      fprintf (stderr, "bench-screen: %s\n", error->message);
      return 1;
    }
  double load_s = seconds_since (start);

  start = g_get_monotonic_time ();
  g_autoptr (ScreenIndex) index = screen_index_new (list);
  double build_s = seconds_since (start);

  g_autoptr (GPtrArray) listed = g_ptr_array_new ();
  for (guint i = 0; i < screen_list_get_n_entries (list); i++)
    g_ptr_array_add (listed, (gpointer) screen_list_get_entry (list, i)->name);

  g_autoptr (GPtrArray) variants = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *tsv = NULL;
  if (g_file_get_contents (labels, &tsv, NULL, NULL))
    {
      g_auto (GStrv) lines = g_strsplit (tsv, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0' && lines[i][0] != '#')
          {
            char *tab = strchr (lines[i], '\t');
            g_ptr_array_add (variants, g_strndup (lines[i], tab != NULL ? (gsize) (tab - lines[i])
                                                                         : strlen (lines[i])));
          }
    }

  printf ("entries            %u (loaded in %.3f s)\n", screen_list_get_n_entries (list), load_s);
  printf ("index build        %.3f s\n", build_s);
  guint n_hits;
  double rate = screen_rate (index, listed, &n_hits);
  printf ("listed names       %.0f names/s (%u names)\n", rate, listed->len);
  if (variants->len > 0)
    {
      rate = screen_rate (index, variants, &n_hits);
      printf ("labelled variants  %.0f names/s (%u names)\n", rate, variants->len);
    }
  printf ("peak memory        %ld KiB (VmHWM)\n", peak_rss_kib ());
  return 0;
}
