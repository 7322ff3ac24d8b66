/* normalize.c: names to a canonical form for exact and fuzzy matching.
 *
 * screen_fold() (engine/screen/fold.c) does the work: invisible characters removed,
 * NFKC, look-alike letters to their UTS #39 skeleton, case folding, Traditional
 * Chinese to Simplified, diacritics dropped, every run of other non-alphanumerics one
 * space, legal forms (Co, Ltd, LLC, GmbH, OOO, 有限公司, ...) dropped unless nothing
 * else is left. Here the words are sorted, so that word order does not matter:
 * "Huawei Technologies Co., Ltd." and "LTD HUAWEI TECHNOLOGIES" both become
 * "huawei technologies".
 */
#include "doc.h"
#include "screen/screen.h"

#include <string.h>

char *
embargo_name_normalize (const char *name, gssize len)
{
  g_return_val_if_fail (name != NULL, NULL);

  g_autofree char *words = screen_fold (name, len, NULL);
  g_auto (GStrv) toks = g_strsplit (words, " ", -1);
  guint n = g_strv_length (toks);
  if (n == 1 && toks[0][0] == '\0')
    n = 0;
  qsort (toks, n, sizeof *toks, cmp_strp);
  return n > 0 ? g_strjoinv (" ", toks) : g_strdup ("");
}
