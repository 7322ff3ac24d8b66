/* fuzz-csv.c: libFuzzer target for the sanctions-list importers (engine/screen/):
 * the OFAC SDN legacy CSV files and the Consolidated Screening List export.
 *
 * The first byte picks the importer; the rest is split on form feeds into up to four
 * files (SDN: sdn.csv, alt.csv, add.csv, sdn_comments.csv, so that cross-references
 * between them are exercised; CSL: one file). A list that loads is indexed and
 * screened against its own first entry's name, the path a real query takes.
 */
#include "fuzz.h"

#include "screen.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_setup ();
  if (size == 0)
    return 0;
  gboolean csl = data[0] & 1;
  GBytes *part[4] = { NULL, NULL, NULL, NULL };
  const char *p = (const char *) data + 1, *end = (const char *) data + size;
  for (int i = 0; i < 4 && p <= end; i++)
    {
      const char *ff = memchr (p, '\f', (gsize) (end - p));
      const char *stop = ff ? ff : end;
      part[i] = g_bytes_new (p, (gsize) (stop - p));
      p = stop + 1;
      if (ff == NULL)
        break;
    }
  g_autoptr (ScreenList) list = screen_list_new ();
  GError *e = NULL;
  gboolean ok = csl ? screen_list_load_csl (list, part[0], "csl.csv", &e)
                    : screen_list_load_sdn (list, part[0], part[1], part[2], part[3], &e);
  g_assert (ok == (e == NULL));
  g_clear_error (&e);
  if (ok && screen_list_get_n_entries (list) > 0)
    {
      g_autoptr (ScreenIndex) ix = screen_index_new (list);
      ScreenOptions opts;
      screen_options_init (&opts);
      ScreenQuery q = { 0 };
      q.name = screen_list_get_entry (list, 0)->name;
      GArray *hits = screen_index_screen (ix, &q, &opts, &e);
      g_assert ((hits == NULL) == (e != NULL));
      g_clear_error (&e);
      if (hits)
        g_array_unref (hits);
    }
  for (int i = 0; i < 4; i++)
    if (part[i])
      g_bytes_unref (part[i]);
  return 0;
}
