/* canon.c: one spelling for every identifier of the transaction contract.
 *
 * An ECCN, an HS code, a country or region code, an end-use or party tag, a facility
 * kind and a substance are compared byte for byte, by rules and by the index. So each
 * has one canonical form (docs/transactions.md, "Identifiers"), given to a transaction's
 * values when it is parsed and to a rule's operands when it is loaded: NFKC (fullwidth
 * and other compatibility forms to their plain letters and digits), surrounding white
 * space trimmed, then the field's case and punctuation. A value that has no canonical
 * form (a Cyrillic look-alike letter in an ECCN, a letter in an HS code) is an error,
 * never a silent non-match.
 *
 * The common case, a value already canonical, costs one pass over its bytes and
 * allocates nothing.
 */
#include "doc.h"
#include "rules.h"

#include <string.h>

const char *
canon_kind_name (CanonKind kind)
{
  switch (kind)
    {
    case CANON_ECCN: return "an ECCN";
    case CANON_HS: return "an HS code";
    case CANON_COUNTRY: return "a country code";
    case CANON_REGION: return "a region code";
    case CANON_TAG: return "a tag";
    case CANON_NONE: break;
    }
  return "a value";
}

/* ECCN: digit, category letter A-E, three digits (upper case), then paragraphs of lower-case
 * letters and digits after dots ("3A090.a", "3A001.z.1.b"); or EAR99. With PREFIX, S may
 * stop anywhere (a `prefix:` operand: "3A", "3A611.y."). S is ASCII; *OUT gets the
 * canonical form (same length). */
static gboolean
canon_eccn (const char *s, gsize len, gboolean prefix, char *out)
{
  static const char ear99[] = "EAR99";
  gboolean ear = len > 0 && len <= 5;
  for (gsize i = 0; i < len && ear; i++)
    ear = g_ascii_toupper (s[i]) == ear99[i];
  if (ear && (prefix || len == 5))
    {
      memcpy (out, ear99, len);
      return TRUE;
    }
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      char ch = s[i];
      if (i == 1)
        {
          ch = g_ascii_toupper (ch);
          if (ch < 'A' || ch > 'E')
            return FALSE;
        }
      else if (i < 5)
        {
          if (!g_ascii_isdigit (ch))
            return FALSE;
        }
      else if (ch == '.')
        {
          /* a paragraph follows: no empty one ("3A090..a"), and not at the end unless
           * this is a prefix */
          if (s[i - 1] == '.' || (i + 1 == len && !prefix))
            return FALSE;
        }
      else if (i == 5 || !g_ascii_isalnum (ch))
        return FALSE; /* "3A090a": paragraphs follow a dot */
      else
        ch = g_ascii_tolower (ch);
      out[i] = ch;
    }
  return prefix || len >= 5;
}

CanonResult
canon_value (CanonKind kind, gboolean prefix, const char *s, gsize len, char **out, char **why)
{
  *out = NULL;
  *why = NULL;
  g_autofree char *nfkc = NULL;
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] >= 0x80)
      {
        nfkc = g_utf8_normalize (s, (gssize) len, G_NORMALIZE_ALL_COMPOSE);
        if (nfkc == NULL)
          {
            *why = g_strdup ("is not valid UTF-8");
            return CANON_BAD;
          }
        s = nfkc;
        len = strlen (nfkc);
        break;
      }
  /* trim: after NFKC, no-break and ideographic spaces are plain spaces */
  const char *b = s, *e = s + len;
  while (b < e && g_ascii_isspace (*b))
    b++;
  while (e > b && g_ascii_isspace (e[-1]))
    e--;
  gsize n = (gsize) (e - b);
  /* Country and region codes are checked against ISO 3166 wherever they are read, which
   * names what is wrong better ("unknown country 'СN'"): only case and space here. */
  gboolean iso = kind == CANON_COUNTRY || kind == CANON_REGION;
  if (n == 0 && !iso)
    {
      *why = g_strdup ("is blank");
      return CANON_BAD;
    }
  if (iso)
    for (const char *p = b; p < e; p++)
      if (*p <= 0x20 || *p >= 0x7f)
        return CANON_SAME; /* no code: left as written, for the ISO check to name */
  for (const char *p = b; p < e && !iso; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);
      if ((ch < 0x20 && !g_ascii_isspace ((char) ch)) || ch == 0x7f
          || (ch >= 0x80 && !g_unichar_isprint (ch)))
        {
          *why = g_strdup_printf ("holds the control or invisible character U+%04X", ch);
          return CANON_BAD;
        }
      if (ch >= 0x80)
        {
          char buf[8] = { 0 };
          g_unichar_to_utf8 (ch, buf);
          *why = g_strdup_printf ("holds '%s' (U+%04X), which is not ASCII even in its NFKC "
                                  "form: a look-alike of a Latin letter or digit?", buf, ch);
          return CANON_BAD;
        }
    }
  char small[64];
  char *c = n < sizeof small ? small : g_malloc (n + 1);
  gsize m = 0;
  gboolean ok = TRUE;
  switch (kind)
    {
    case CANON_ECCN:
      ok = canon_eccn (b, n, prefix, c);
      m = n;
      if (!ok)
        *why = g_strdup ("is not an ECCN (a digit, a letter A-E and three digits, then "
                         "paragraphs after dots such as 3A090.a; or EAR99)");
      break;
    case CANON_HS:
      for (const char *p = b; p < e && ok; p++)
        if (g_ascii_isdigit (*p))
          c[m++] = *p;
        else if (*p != '.' && *p != ' ')
          ok = FALSE;
      if (!ok || m == 0 || m > 10 || (!prefix && m < 6))
        {
          ok = FALSE;
          *why = g_strdup (prefix ? "is not the start of an HS code (up to 10 digits; dots "
                                    "and spaces are left out)"
                                  : "is not an HS code (6 to 10 digits; dots and spaces are "
                                    "left out)");
        }
      break;
    case CANON_COUNTRY:
    case CANON_REGION:
      for (const char *p = b; p < e; p++)
        c[m++] = g_ascii_toupper (*p);
      break;
    case CANON_TAG:
      /* lower case, each run of white space one space */
      for (const char *p = b; p < e; p++)
        if (g_ascii_isspace (*p))
          {
            if (c[m - 1] != ' ')
              c[m++] = ' ';
          }
        else
          c[m++] = g_ascii_tolower (*p);
      break;
    case CANON_NONE:
      memcpy (c, b, n);
      m = n;
      break;
    }
  CanonResult res = CANON_BAD;
  if (ok)
    {
      c[m] = '\0';
      res = nfkc == NULL && m == len && memcmp (c, s, m) == 0 ? CANON_SAME : CANON_CHANGED;
      if (res == CANON_CHANGED)
        *out = c == small ? g_strndup (c, m) : g_steal_pointer (&c);
    }
  if (c != small)
    g_free (c);
  return res;
}

/* The party roles of the contract (as txn.c's role_names, which this layer below the
 * transaction does not use). */
static const char *const roles[] = { "buyer", "seller", "consignee", "end_user",
                                     "intermediaries", NULL };

static gboolean
is_one_of (const char *s, const char *const *words)
{
  for (; *words; words++)
    if (strcmp (s, *words) == 0)
      return TRUE;
  return FALSE;
}

CanonKind
canon_kind_of_path (const Path *p)
{
  const char *last = p->seg[p->n - 1].s;
  const char *before = p->n >= 2 ? p->seg[p->n - 2].s : NULL;
  if (p->scope == SCOPE_ITEM && p->n == 1)
    {
      if (strcmp (last, "eccn") == 0)
        return CANON_ECCN;
      if (strcmp (last, "hs_code") == 0)
        return CANON_HS;
      if (strcmp (last, "substance") == 0)
        return CANON_TAG;
    }
  if (strcmp (last, "country") == 0 || strcmp (last, "headquarters_country") == 0
      || strcmp (last, "origin") == 0)
    return CANON_COUNTRY;
  if (strcmp (last, "region") == 0)
    return CANON_REGION;
  if (p->scope == SCOPE_TXN && p->n == 1 && strcmp (last, "end_use") == 0)
    return CANON_TAG;
  if (strcmp (last, "tags") == 0 && p->scope == SCOPE_PARTY && p->n == 1)
    return CANON_TAG;
  if (strcmp (last, "tags") == 0 && p->scope == SCOPE_TXN && p->n == 2
      && is_one_of (before, roles))
    return CANON_TAG;
  if (strcmp (last, "kind") == 0 && before && strcmp (before, "facility") == 0)
    return CANON_TAG;
  return CANON_NONE;
}

/* The segments of P below the party it is about ("party.facility.kind", or
 * "buyer.facility.kind": {facility, kind}), or -1 when P is not about a party. */
static int
party_start (const Path *p)
{
  if (p->scope == SCOPE_PARTY)
    return 0;
  if (p->scope != SCOPE_TXN || p->n < 2)
    return -1;
  return is_one_of (p->seg[0].s, roles) ? 1 : -1;
}


FieldType
contract_field_type (const Path *p)
{
  if (canon_kind_of_path (p) != CANON_NONE)
    return FIELD_IDENTIFIER;
  const char *last = p->seg[p->n - 1].s;
  if (p->scope == SCOPE_ITEM)
    {
      static const char *const text[] = { "id", "part_number", "description", "manufacturer",
                                          "currency", NULL };
      static const char *const numbers[] = { "us_content_pct", "quantity", "unit_value", NULL };
      static const char *const attributes[] = { "tpp", "performance_density",
                                                "io_bandwidth_gbps", NULL };
      if (p->n == 1)
        return is_one_of (last, text) ? FIELD_TEXT
               : is_one_of (last, numbers) ? FIELD_NUMBER
                                           : FIELD_UNKNOWN;
      if (p->n == 2 && strcmp (p->seg[0].s, "attributes") == 0 && is_one_of (last, attributes))
        return FIELD_NUMBER;
      return FIELD_UNKNOWN;
    }
  int at = party_start (p);
  if (at >= 0)
    {
      guint32 n = p->n - (guint32) at;
      const char *first = p->seg[at].s;
      static const char *const text[] = { "name", "sector", "type", "aliases", NULL };
      static const char *const facility[] = { "logic_node_nm", "nand_layers",
                                              "dram_half_pitch_nm", NULL };
      if (n == 1)
        return is_one_of (first, text)            ? FIELD_TEXT
               : strcmp (first, "ciio") == 0      ? FIELD_BOOLEAN
               : strcmp (first, "share_pct") == 0 ? FIELD_NUMBER
                                                  : FIELD_UNKNOWN;
      if (n == 2 && strcmp (first, "facility") == 0 && is_one_of (last, facility))
        return FIELD_NUMBER;
      if (n == 2 && strcmp (first, "ids") == 0)
        return FIELD_TEXT;
      return FIELD_UNKNOWN;
    }
  if (p->scope == SCOPE_TXN && p->n == 1)
    return strcmp (last, "id") == 0 ? FIELD_TEXT
           : strcmp (last, "date") == 0 ? FIELD_DATE
                                        : FIELD_UNKNOWN;
  if (p->scope == SCOPE_TXN && p->n == 2 && strcmp (p->seg[0].s, "destination") == 0
      && strcmp (last, "city") == 0)
    return FIELD_TEXT;
  return FIELD_UNKNOWN;
}

const char *
field_type_name (FieldType t)
{
  switch (t)
    {
    case FIELD_TEXT: return "text";
    case FIELD_IDENTIFIER: return "an identifier (text)";
    case FIELD_NUMBER: return "a number";
    case FIELD_BOOLEAN: return "true or false";
    case FIELD_DATE: return "a date";
    case FIELD_UNKNOWN: break;
    }
  return "a user-added fact";
}
