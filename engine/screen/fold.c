/* fold.c: a name to the tokens it is matched on, whatever script, case, look-alike or
 * invisible character it is written with (ICU does the Unicode work).
 *
 * Pipeline (screen_fold()):
 *  1. Invisible characters go: default-ignorable code points (soft hyphen, zero-width
 *     space and joiners, bidi marks and overrides, variation selectors, tags, the
 *     Hangul fillers U+115F, U+1160, U+3164, U+FFA0) and control characters other
 *     than white space. "Ma<SHY>han" is "Mahan".
 *  2. NFKC: fullwidth, mathematical and other compatibility letters become the plain
 *     ones.
 *  3. Split into words at everything that is neither a letter, a digit, a mark, a
 *     dot nor an apostrophe (dots and apostrophes join: "S.A." is "sa").
 *  4. Look-alikes (UTS #39): in a word that mixes ASCII with other characters, each
 *     other character whose confusable skeleton (ICU uspoof_getSkeleton) is ASCII
 *     letters or digits becomes that skeleton: the Cyrillic a of "Huаwei", the Greek
 *     capital eta of "Ηuawei" (taken before case folding, since a folded eta looks
 *     like n). A word made only of such characters ("ВАНК") is replaced whole. ASCII
 *     is never touched: the skeleton of "m" is "rn".
 *  5. Case folding, Traditional Chinese to Simplified (ICU "Traditional-Simplified"),
 *     canonical decomposition with the combining marks dropped (diacritics to their
 *     base letter), except Hangul syllables and kana, whose decompositions are
 *     letters and sound marks.
 *  6. Legal forms dropped: Latin and Cyrillic words (Co, Ltd, GmbH, OOO, ООО, ...),
 *     and Chinese, Japanese and Korean affixes of a word (有限公司, 有限责任公司,
 *     股份有限公司, 集团, 株式会社, 주식회사, ...), unless nothing else would be left.
 *
 * screen_fold_latin() gives the same for the name transliterated to Latin ASCII (ICU
 * "Russian-Latin/BGN; Any-Latin; Latin-ASCII": Cyrillic as BGN/PCGN romanizes it,
 * the way OFAC spells Russian names; Greek, Arabic, Hebrew, Han in pinyin, Hangul,
 * kana by ICU's defaults), when the name has letters of another script.
 *
 * ICU objects: one spoof checker for the process (its skeleton function is thread
 * safe), and per thread a clone of each transliterator (they are not).
 */
#include "screen-private.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

/* Lower-case, punctuation-free forms: "S.A." has already become "sa" by the time
 * words are compared. */
static const char *const legal_forms[] = {
  "co", "corp", "corporation", "company", "inc", "incorporated", "llc", "ltd",
  "limited", "plc", "gmbh", "ag", "kg", "ooo", "oao", "zao", "pao", "jsc", "ojsc",
  "cjsc", "pjsc", "llp", "lp", "bv", "nv", "srl", "spa", "sarl", "sas", "sa",
  "ab", "as", "oy", "kk", "pte", "pty", "bhd", "sdn", "tbk", "the", "and", "of",
  "ltda", "cia", "sro", "sae", "sal", "fze", "fzco", "fzc", "fzllc", "wll", "kft",
  "zrt", "doo", "ead", "uab", "sia", "aps", "asa", "oyj", "spolka",
  /* Mexican and Latin American: S.A. de C.V., S.A.B. de C.V., S.A.P.I. de C.V.,
   * S. de R.L. de C.V., S.C.S., E.I.R.L. ("de" between two of these goes too) */
  "cv", "sab", "sapi", "scs", "eirl",
  /* Cyrillic: ООО, ОАО, ЗАО, ПАО, АО, ТОО, ЧП, ИП */
  "\xd0\xbe\xd0\xbe\xd0\xbe", "\xd0\xbe\xd0\xb0\xd0\xbe", "\xd0\xb7\xd0\xb0\xd0\xbe",
  "\xd0\xbf\xd0\xb0\xd0\xbe", "\xd0\xb0\xd0\xbe", "\xd1\x82\xd0\xbe\xd0\xbe",
  /* Arabic and Persian "company" (sharika, sherkat), Hebrew "ltd" (בע"מ is bעמ) */
  "\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa9", "\xd8\xb4\xd8\xb1\xda\xa9\xd8\xaa",
  "\xd7\x91\xd7\xa2\xd7\x9e",
  NULL,
};

/* Chinese (Simplified: Traditional has been folded), Japanese and Korean legal
 * forms, longest first; removed from either end of a word, repeatedly. */
static const char *const cjk_legal_affixes[] = {
  "集团股份有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "控股有限公司",
  "有限公司", "株式会社", "有限会社", "合同会社", "주식회사", "유한회사",
  "集团", "公司",
  NULL,
};

/* Both lists in one set, made once for the process (every word of every name and
 * query is looked up: a pass over the lists cost a fifth of indexing a large list). */
static gboolean
is_legal_form (const char *tok)
{
  static gsize forms;
  if (g_once_init_enter (&forms))
    {
      GHashTable *set = g_hash_table_new (g_str_hash, g_str_equal);
      for (const char *const *f = legal_forms; *f; f++)
        g_hash_table_add (set, (gpointer) *f);
      for (const char *const *f = cjk_legal_affixes; *f; f++)
        g_hash_table_add (set, (gpointer) *f);
      g_once_init_leave (&forms, (gsize) set);
    }
  return g_hash_table_contains ((GHashTable *) forms, tok);
}

/* ------------------------------------------------------------------------------
 * ICU objects
 */

static const USpoofChecker *
spoof_checker (void)
{
  static gsize once = 0;
  static USpoofChecker *checker;
  if (g_once_init_enter (&once))
    {
      UErrorCode status = U_ZERO_ERROR;
      checker = uspoof_open (&status);
      if (U_FAILURE (status))
        checker = NULL;
      g_once_init_leave (&once, 1);
    }
  return checker;
}

enum { TRANS_SIMPLIFIED, TRANS_LATIN, N_TRANS };
static const char *const trans_ids[N_TRANS] = {
  "Traditional-Simplified", "Russian-Latin/BGN; Any-Latin; Latin-ASCII",
};

static void
trans_close (gpointer p)
{
  utrans_close (p);
}

static GPrivate trans_private[N_TRANS] = {
  G_PRIVATE_INIT (trans_close), G_PRIVATE_INIT (trans_close),
};

/* This thread's transliterator @which, or NULL when ICU lacks it. */
static UTransliterator *
transliterator (guint which)
{
  static gsize once = 0;
  static UTransliterator *proto[N_TRANS];
  if (g_once_init_enter (&once))
    {
      for (guint i = 0; i < N_TRANS; i++)
        {
          UErrorCode status = U_ZERO_ERROR;
          UChar id[64];
          u_uastrcpy (id, trans_ids[i]);
          proto[i] = utrans_openU (id, -1, UTRANS_FORWARD, NULL, 0, NULL, &status);
          if (U_FAILURE (status))
            proto[i] = NULL;
        }
      g_once_init_leave (&once, 1);
    }
  if (proto[which] == NULL)
    return NULL;
  UTransliterator *t = g_private_get (&trans_private[which]);
  if (t == NULL)
    {
      UErrorCode status = U_ZERO_ERROR;
      t = utrans_clone (proto[which], &status);
      if (U_FAILURE (status))
        return NULL;
      g_private_set (&trans_private[which], t);
    }
  return t;
}

/* @s transliterated by @which, or NULL when it cannot be. */
static char *
transliterate (const char *s, guint which)
{
  UTransliterator *t = transliterator (which);
  if (t == NULL)
    return NULL;
  UErrorCode status = U_ZERO_ERROR;
  int32_t len = 0;
  u_strFromUTF8 (NULL, 0, &len, s, -1, &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE (status))
    return NULL;
  /* Transliteration may lengthen the text: pinyin of one Han character is several
   * letters. Retry with room for what ICU says it needs. */
  int32_t cap = 4 * len + 16;
  for (int attempt = 0; attempt < 3; attempt++)
    {
      g_autofree UChar *buf = g_new (UChar, cap);
      status = U_ZERO_ERROR;
      u_strFromUTF8 (buf, cap, &len, s, -1, &status);
      if (U_FAILURE (status))
        return NULL;
      int32_t limit = len;
      utrans_transUChars (t, buf, &len, cap, 0, &limit, &status);
      if (status == U_BUFFER_OVERFLOW_ERROR)
        {
          cap = MAX (cap * 2, len + 16);
          continue;
        }
      if (U_FAILURE (status))
        return NULL;
      int32_t out_len = 0;
      status = U_ZERO_ERROR;
      u_strToUTF8 (NULL, 0, &out_len, buf, len, &status);
      char *out = g_malloc (out_len + 1);
      status = U_ZERO_ERROR;
      u_strToUTF8 (out, out_len + 1, NULL, buf, len, &status);
      if (U_FAILURE (status))
        {
          g_free (out);
          return NULL;
        }
      return out;
    }
  return NULL;
}

/* The lower-case ASCII letters and digits that @c looks like (its UTS #39 skeleton),
 * into @out (room for 8 bytes); FALSE when the skeleton is anything else. */
static gboolean
ascii_skeleton (gunichar c, char *out)
{
  const USpoofChecker *sc = spoof_checker ();
  if (sc == NULL)
    return FALSE;
  char in[8], skel[32];
  in[g_unichar_to_utf8 (c, in)] = '\0';
  UErrorCode status = U_ZERO_ERROR;
  int32_t n = uspoof_getSkeletonUTF8 (sc, 0, in, -1, skel, sizeof skel, &status);
  if (U_FAILURE (status) || n <= 0 || n > 7)
    return FALSE;
  for (int32_t i = 0; i < n; i++)
    {
      if (!g_ascii_isalnum (skel[i]))
        return FALSE;
      out[i] = g_ascii_tolower (skel[i]);
    }
  out[n] = '\0';
  /* The prototype of I, l, 1 and their look-alikes is "l": an upper-case one (Greek
   * Iota, Ukrainian I) looks like I, and folds with "IBM" to "i". */
  if (n == 1 && out[0] == 'l' && g_unichar_isupper (c))
    out[0] = 'i';
  return TRUE;
}

/* ------------------------------------------------------------------------------
 * Folding
 */

static gboolean
is_invisible (gunichar c)
{
  if (u_hasBinaryProperty ((UChar32) c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
    return TRUE;
  /* Controls other than white space, which separates words. */
  return g_unichar_iscntrl (c) && !g_unichar_isspace (c) && c != 0x85;
}

static gboolean
keeps_decomposition (gunichar c)
{
  return (c >= 0xAC00 && c <= 0xD7A3)   /* Hangul syllables */
         || (c >= 0x3040 && c <= 0x30FF); /* hiragana, katakana */
}

static gboolean
is_mark (gunichar c)
{
  GUnicodeType t = g_unichar_type (c);
  return t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_SPACING_MARK
         || t == G_UNICODE_ENCLOSING_MARK;
}

/* Step 4 on one word (NFKC, original case): replaces look-alikes in place. */
static void
fold_confusables (GString *word, guint *flags)
{
  gboolean has_ascii = FALSE, all_map = TRUE, any_other = FALSE;
  for (const char *p = word->str; *p; p = g_utf8_next_char (p))
    {
      if ((guchar) *p < 0x80)
        {
          has_ascii = TRUE;
          continue;
        }
      char skel[8];
      any_other = TRUE;
      if (!is_mark (g_utf8_get_char (p)) && !ascii_skeleton (g_utf8_get_char (p), skel))
        all_map = FALSE;
    }
  if (!any_other || (!has_ascii && !all_map))
    return;
  GString *out = g_string_sized_new (word->len);
  gboolean changed = FALSE;
  for (const char *p = word->str; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      char skel[8];
      if ((guchar) *p >= 0x80 && !is_mark (c) && ascii_skeleton (c, skel))
        {
          g_string_append (out, skel);
          changed = TRUE;
        }
      else
        g_string_append_unichar (out, c);
    }
  if (changed)
    {
      *flags |= SCREEN_FOLD_CONFUSABLE;
      g_string_assign (word, out->str);
    }
  g_string_free (out, TRUE);
}

static gboolean
has_han (const char *s)
{
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    if ((guchar) *p >= 0xE0 && g_unichar_get_script (g_utf8_get_char (p)) == G_UNICODE_SCRIPT_HAN)
      return TRUE;
  return FALSE;
}

/* Removes CJK legal forms from both ends of @w (a folded word), keeping something. */
static void
strip_cjk_affixes (GString *w)
{
  for (gboolean again = TRUE; again;)
    {
      again = FALSE;
      for (const char *const *a = cjk_legal_affixes; *a && !again; a++)
        {
          gsize n = strlen (*a);
          if (w->len <= n)
            continue;
          if (g_str_has_suffix (w->str, *a))
            g_string_truncate (w, w->len - n), again = TRUE;
          else if (g_str_has_prefix (w->str, *a))
            g_string_erase (w, 0, (gssize) n), again = TRUE;
        }
    }
}

/* Step 5 on one word, appended to @out without marks, and to @composed (nullable)
 * with them (the text transliteration reads: the breve of й says it is not и). */
static void
fold_letters (const char *word, GString *out, GString *composed, guint *flags)
{
  g_autofree char *folded = g_utf8_casefold (word, -1);
  g_autofree char *simplified = NULL;
  if (has_han (folded))
    {
      simplified = transliterate (folded, TRANS_SIMPLIFIED);
      if (simplified != NULL && strcmp (simplified, folded) != 0)
        *flags |= SCREEN_FOLD_SIMPLIFIED;
    }
  GString *w = g_string_new (NULL);
  for (const char *p = simplified ? simplified : folded; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '.' || c == '\'' || c == 0x2019)
        continue;
      if (keeps_decomposition (c) || c < 0x80)
        {
          if (!is_mark (c))
            g_string_append_unichar (w, c);
          continue;
        }
      gunichar d[G_UNICHAR_MAX_DECOMPOSITION_LENGTH];
      gsize n = g_unichar_fully_decompose (c, FALSE, d, G_N_ELEMENTS (d));
      for (gsize i = 0; i < n; i++)
        if (!is_mark (d[i]) && g_unichar_isalnum (d[i]))
          g_string_append_unichar (w, d[i]);
    }
  strip_cjk_affixes (w);
  g_string_append (out, w->str);
  g_string_free (w, TRUE);
  if (composed != NULL)
    {
      g_autofree char *nfc = g_utf8_normalize (simplified ? simplified : folded, -1,
                                               G_NORMALIZE_NFC);
      GString *c = g_string_new (NULL);
      for (const char *p = nfc; p != NULL && *p; p = g_utf8_next_char (p))
        if (*p != '.' && *p != '\'' && g_utf8_get_char (p) != 0x2019)
          g_string_append_unichar (c, g_utf8_get_char (p));
      strip_cjk_affixes (c);
      if (composed->len > 0)
        g_string_append_c (composed, ' ');
      g_string_append (composed, c->str);
      g_string_free (c, TRUE);
    }
}

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || is_mark (c) || c == '.' || c == '\'' || c == 0x2019;
}

/* Drops legal-form words from the space-separated @words unless that leaves none;
 * returns a new string. The words are found in place (every space ends one; an empty
 * word between two spaces is no word of the result) and only the result is copied:
 * this runs for every name indexed and every query. */
#define MAX_LEGAL_FORM_BYTES 32 /* longer words are no legal form */
typedef struct {
  guint32  start, len;
  gboolean legal;
} Word;

static char *
drop_legal_forms (const char *words)
{
  gsize total = strlen (words);
  guint n = 1;
  for (gsize i = 0; i < total; i++)
    n += words[i] == ' ';
  Word stack[32];
  Word *w = n <= G_N_ELEMENTS (stack) ? stack : g_new (Word, n);
  guint k = 0;
  for (gsize start = 0, i = 0; i <= total; i++)
    if (i == total || words[i] == ' ')
      {
        w[k].start = (guint32) start;
        w[k].len = (guint32) (i - start);
        char buf[MAX_LEGAL_FORM_BYTES];
        w[k].legal = w[k].len > 0 && w[k].len < sizeof buf;
        if (w[k].legal)
          {
            memcpy (buf, words + start, w[k].len);
            buf[w[k].len] = '\0';
            w[k].legal = is_legal_form (buf);
          }
        k++;
        start = i + 1;
      }
  /* "sa de cv", "srl de cv": a "de" joining two legal forms is part of them. */
  for (guint i = 1; i + 1 < n; i++)
    w[i].legal = w[i].legal || (w[i].len == 2 && memcmp (words + w[i].start, "de", 2) == 0
                                && w[i - 1].legal && w[i + 1].legal);
  guint kept = 0;
  for (guint i = 0; i < n; i++)
    kept += w[i].len > 0 && !w[i].legal;
  GString *out = g_string_sized_new (total);
  for (guint i = 0; i < n; i++)
    if (w[i].len > 0 && (kept == 0 || !w[i].legal))
      {
        if (out->len > 0)
          g_string_append_c (out, ' ');
        g_string_append_len (out, words + w[i].start, w[i].len);
      }
  if (w != stack)
    g_free (w);
  return g_string_free (out, FALSE);
}

/* Folds a valid UTF-8 name; @latin (nullable) receives the words before step 6 when
 * they have letters outside the Latin script, else NULL. */
static char *
fold (const char *name, gsize n_bytes, guint *flags, char **latin)
{
  gboolean ascii = TRUE;
  for (gsize i = 0; i < n_bytes && ascii; i++)
    ascii = (guchar) name[i] < 0x80 && name[i] != '\0';
  if (ascii)
    {
      /* The common case, without ICU: no marks, no invisibles, no look-alikes. */
      GString *flat = g_string_sized_new (n_bytes);
      for (gsize i = 0; i < n_bytes; i++)
        {
          char c = name[i];
          if (c == '.' || c == '\'' || (g_ascii_iscntrl (c) && !g_ascii_isspace (c)))
            continue;
          if (g_ascii_isalnum (c))
            g_string_append_c (flat, g_ascii_tolower (c));
          else if (flat->len > 0 && flat->str[flat->len - 1] != ' ')
            g_string_append_c (flat, ' ');
        }
      char *out = drop_legal_forms (flat->str);
      g_string_free (flat, TRUE);
      return out;
    }

  /* 1. Invisible characters. */
  GString *visible = g_string_sized_new (n_bytes);
  for (const char *p = name; p < name + n_bytes && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (is_invisible (c))
        *flags |= SCREEN_FOLD_INVISIBLE;
      else
        g_string_append_unichar (visible, c);
    }
  /* 2. NFKC. */
  g_autofree char *nfkc = g_utf8_normalize (visible->str, -1, G_NORMALIZE_NFKC);
  g_string_free (visible, TRUE);
  if (nfkc == NULL)
    return g_strdup ("");

  /* 3-5, word by word. */
  GString *flat = g_string_sized_new (strlen (nfkc));
  GString *composed = latin != NULL ? g_string_new (NULL) : NULL;
  GString *word = g_string_new (NULL);
  gboolean other_script = FALSE;
  for (const char *p = nfkc;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (*p != '\0' && is_word_char (c))
        {
          g_string_append_unichar (word, c);
          continue;
        }
      if (word->len > 0)
        {
          fold_confusables (word, flags);
          gsize start = flat->len;
          if (start > 0)
            g_string_append_c (flat, ' ');
          fold_letters (word->str, flat, composed, flags);
          if (flat->len == start + (start > 0))
            g_string_truncate (flat, start); /* only marks or dots */
          g_string_truncate (word, 0);
        }
      if (*p == '\0')
        break;
    }
  g_string_free (word, TRUE);
  for (const char *p = flat->str; *p && !other_script; p = g_utf8_next_char (p))
    if ((guchar) *p >= 0x80)
      {
        GUnicodeScript s = g_unichar_get_script (g_utf8_get_char (p));
        other_script = s != G_UNICODE_SCRIPT_LATIN && s != G_UNICODE_SCRIPT_COMMON
                       && s != G_UNICODE_SCRIPT_INHERITED;
      }
  if (other_script)
    *flags |= SCREEN_FOLD_OTHER_SCRIPT;
  if (latin != NULL && other_script)
    *latin = drop_legal_forms (composed->str);
  if (composed != NULL)
    g_string_free (composed, TRUE);
  char *out = drop_legal_forms (flat->str);
  g_string_free (flat, TRUE);
  return out;
}

/* fold() of @name when it is valid UTF-8 (else NULL), flags optional. */
static char *
fold_checked (const char *name, gssize len, guint *flags, char **latin)
{
  guint dummy = 0;
  *(flags != NULL ? flags : &dummy) = 0;
  if (!g_utf8_validate (name, len, NULL))
    return NULL;
  return fold (name, len < 0 ? strlen (name) : (gsize) len, flags != NULL ? flags : &dummy,
               latin);
}

char *
screen_fold (const char *name, gssize len, guint *flags)
{
  g_return_val_if_fail (name != NULL, NULL);
  char *words = fold_checked (name, len, flags, NULL);
  return words != NULL ? words : g_strdup ("");
}

char *
screen_fold_latin (const char *name, gssize len, guint *flags)
{
  g_return_val_if_fail (name != NULL, NULL);
  char *words = NULL;
  g_free (fold_checked (name, len, flags, &words));
  if (words == NULL)
    return NULL;
  g_autofree char *latin = transliterate (words, TRANS_LATIN);
  g_free (words);
  if (latin == NULL)
    return NULL;
  guint latin_flags = 0;
  char *out = fold (latin, strlen (latin), &latin_flags, NULL);
  if (out[0] == '\0')
    {
      g_free (out);
      return NULL;
    }
  return out;
}
