/* normalize.c: names to a canonical form for exact and fuzzy matching.
 *
 * Pipeline: NFKD (GLib) -> drop combining marks (diacritics to their base letter)
 * -> case fold -> dots and apostrophes dropped -> every run of other non-alphanumerics
 * becomes one space -> drop legal-form
 * tokens (Co, Ltd, LLC, GmbH, OOO, ...) -> tokens sorted, so that word order does not
 * matter. "Huawei Technologies Co., Ltd." and "LTD HUAWEI TECHNOLOGIES" both become
 * "huawei technologies".
 *
 * Legal forms are dropped only when something else is left: "Company Limited" alone
 * stays as it is rather than normalizing to the empty string, which would match
 * every other empty name.
 */
#include "embargo-private.h"

#include <string.h>

/* Lower-case, punctuation-free forms: "S.A." has already become "s a" by the time
 * tokens are compared, so multi-token forms are listed as token sequences. */
static const char *const legal_forms[] = {
  "co", "corp", "corporation", "company", "inc", "incorporated", "llc", "ltd",
  "limited", "plc", "gmbh", "ag", "kg", "ooo", "oao", "zao", "pao", "jsc", "ojsc",
  "cjsc", "pjsc", "llp", "lp", "bv", "nv", "srl", "spa", "sarl", "sas", "sa",
  "ab", "as", "oy", "kk", "pte", "pty", "bhd", "sdn", "tbk", "the", "and", "of",
  NULL,
};

static gboolean
is_legal_form (const char *tok)
{
  for (const char *const *f = legal_forms; *f; f++)
    if (strcmp (*f, tok) == 0)
      return TRUE;
  return FALSE;
}

char *
embargo_name_normalize (const char *name, gssize len)
{
  g_return_val_if_fail (name != NULL, NULL);

  if (!g_utf8_validate (name, len, NULL))
    return g_strdup ("");

  /* NFKD leaves ASCII as it is: most names skip it (and its allocation). */
  gsize n_bytes = len < 0 ? strlen (name) : (gsize) len;
  gboolean ascii = TRUE;
  for (gsize i = 0; i < n_bytes && ascii; i++)
    ascii = (guchar) name[i] < 0x80 && name[i] != '\0';
  g_autofree char *nfkd = ascii ? g_strndup (name, n_bytes)
                                : g_utf8_normalize (name, len, G_NORMALIZE_NFKD);
  if (nfkd == NULL)
    return g_strdup ("");

  /* Base letters only, folded, everything else a separator. */
  GString *flat = g_string_sized_new (strlen (nfkd));
  for (const char *p = nfkd; *p; p = g_utf8_next_char (p))
    {
      if ((guchar) *p < 0x80)
        {
          /* ASCII: folding is lower-casing, and there are no marks. */
          if (*p == '.' || *p == '\'')
            continue;
          if (g_ascii_isalnum (*p))
            g_string_append_c (flat, g_ascii_tolower (*p));
          else if (flat->len > 0 && flat->str[flat->len - 1] != ' ')
            g_string_append_c (flat, ' ');
          continue;
        }
      gunichar c = g_utf8_get_char (p);
      GUnicodeType t = g_unichar_type (c);
      if (t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_SPACING_MARK
          || t == G_UNICODE_ENCLOSING_MARK)
        continue;
      /* Dots and apostrophes join rather than separate: "S.A." is "sa", "O'Neil" is
       * "oneil". */
      if (c == '.' || c == '\'' || c == 0x2019)
        continue;
      if (g_unichar_isalnum (c))
        {
          char buf[6];
          gint n = g_unichar_to_utf8 (c, buf);
          g_autofree char *folded = g_utf8_casefold (buf, n);
          g_string_append (flat, folded);
        }
      else if (flat->len > 0 && flat->str[flat->len - 1] != ' ')
        g_string_append_c (flat, ' ');
    }

  g_auto (GStrv) toks = g_strsplit (flat->str, " ", -1);
  g_string_free (flat, TRUE);

  guint n = 0, kept = 0;
  for (guint i = 0; toks[i]; i++)
    if (toks[i][0] != '\0')
      {
        n++;
        if (!is_legal_form (toks[i]))
          kept++;
      }

  g_autofree const char **out = g_new (const char *, n + 1);
  guint k = 0;
  for (guint i = 0; toks[i]; i++)
    if (toks[i][0] != '\0' && (kept == 0 || !is_legal_form (toks[i])))
      out[k++] = toks[i];
  out[k] = NULL;
  qsort (out, k, sizeof *out, cmp_strp);
  return g_strjoinv (" ", (char **) out);
}
