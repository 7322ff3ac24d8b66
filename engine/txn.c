/* txn.c: transactions: parsed from text or built by hand, and checked against the
 * contract's schema (docs/transaction-format.md).
 *
 * The check knows the documented fields (id, date, destination, parties, items and
 * their well-known keys) and leaves every other key alone: users add facts such as
 * contract.no_russia_clause without a new release. Every violation is reported with
 * the field's path and its position, not just the first.
 */
#include "doc.h"
#include "iso3166.h"
#include "diag.h"
#include "rules.h"
#include "txn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  EmbargoDiagnostics *diags;
  const char *source;
  const EmbargoLimits *lim;
  const Doc *doc; /* for positions of nodes parsed from JSON */
  Doc *fix;       /* the same document when identifiers may be rewritten in their
                     canonical form (parsed text); NULL when they are only checked */
} Check;

static void bad_code (Check *c, const char *code, const DocNode *at, const char *fmt,
                      va_list ap) G_GNUC_PRINTF (4, 0);

static void
bad_code (Check *c, const char *code, const DocNode *at, const char *fmt, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  guint32 line = 0, col = 0;
  if (at)
    json_position (c->doc->text, c->doc->text_len, c->doc->first_line, at, &line, &col);
  diags_add (c->diags, EMBARGO_SEVERITY_ERROR, code, c->source, line, col, "%s", msg);
}

static void
bad (Check *c, const DocNode *at, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
bad (Check *c, const DocNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  bad_code (c, "E-TRANSACTION", at, fmt, ap);
  va_end (ap);
}

static void
bad_identifier (Check *c, const DocNode *at, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
bad_identifier (Check *c, const DocNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  bad_code (c, "E-IDENTIFIER", at, fmt, ap);
  va_end (ap);
}

static gboolean
is_text (const DocNode *n)
{
  return n && (n->kind == DOC_STRING || n->kind == DOC_NUMBER) && n->u.sc.len > 0;
}

/* Field names are built only when a problem is reported: PREFIX.KEY, or KEY alone. */
#define FIELD "%s%s%s"
#define FIELD_ARGS(prefix, key) (prefix) ? (prefix) : "", (prefix) ? "." : "", (key)

/* The identifier N of a KIND field (canon.c) in its canonical form: rewritten in place
 * when the document is being parsed, an error when it has none (or, in a document built
 * by hand, whose setters write the canonical form, when it is not in it). Other kinds of
 * node are left to the type checks. FALSE after an error. */
static gboolean
canon_node (Check *c, const DocNode *n, CanonKind kind, const char *prefix, const char *key)
{
  if (!is_text (n))
    return TRUE;
  g_autofree char *out = NULL, *why = NULL;
  switch (canon_value (kind, FALSE, n->u.sc.s, n->u.sc.len, &out, &why))
    {
    case CANON_SAME:
      return TRUE;
    case CANON_CHANGED:
      if (c->fix)
        {
          doc_set_scalar (c->fix, (DocNode *) n, out, strlen (out), TRUE);
          return TRUE;
        }
      bad_identifier (c, n, "'" FIELD "': '%s' is not written in its canonical form '%s'",
                      FIELD_ARGS (prefix, key), n->u.sc.s, out);
      return FALSE;
    case CANON_BAD:
      break;
    }
  bad_identifier (c, n, "'" FIELD "': '%s' %s", FIELD_ARGS (prefix, key), n->u.sc.s, why);
  return FALSE;
}

static void
check_country (Check *c, const DocNode *n, const char *prefix, const char *key, gboolean region)
{
  if (n == NULL || n->kind == DOC_NULL)
    return;
  if (n->kind != DOC_STRING)
    {
      bad (c, n, "'" FIELD "' must be a country code, not %s", FIELD_ARGS (prefix, key),
           doc_kind_name (n));
      return;
    }
  if (!canon_node (c, n, region ? CANON_REGION : CANON_COUNTRY, prefix, key))
    return;
  if (region ? !iso3166_region_valid (n->u.sc.s, n->u.sc.len)
             : !iso3166_alpha2_valid (n->u.sc.s, n->u.sc.len))
    bad (c, n, "'" FIELD "': unknown %s '%s' (%s)", FIELD_ARGS (prefix, key),
         region ? "region" : "country", n->u.sc.s,
         region ? "ISO 3166-2, such as UA-43" : "ISO 3166-1 alpha-2, such as CN");
}

/* A list of text; with KIND not CANON_NONE, of identifiers of that kind (tags). */
static void
check_string_list (Check *c, const DocNode *n, const char *prefix, const char *key,
                   CanonKind kind)
{
  if (n == NULL || n->kind == DOC_NULL)
    return;
  if (n->kind != DOC_LIST)
    {
      bad (c, n, "'" FIELD "' must be a list, not %s", FIELD_ARGS (prefix, key),
           doc_kind_name (n));
      return;
    }
  for (guint32 i = 0; i < n->u.list.n; i++)
    if (!is_text (n->u.list.v[i]))
      bad (c, n->u.list.v[i], "'" FIELD "[%u]' must be text, not %s", FIELD_ARGS (prefix, key),
           i, doc_kind_name (n->u.list.v[i]));
    else if (kind != CANON_NONE)
      {
        char k[64];
        g_snprintf (k, sizeof k, "%s[%u]", key, i);
        canon_node (c, n->u.list.v[i], kind, prefix, k);
      }
}

static void
check_number (Check *c, const DocNode *n, const char *prefix, const char *key, double lo,
              double hi)
{
  if (n == NULL || n->kind == DOC_NULL)
    return;
  if (n->kind != DOC_NUMBER)
    bad (c, n, "'" FIELD "' must be a number, not %s%s%s%s", FIELD_ARGS (prefix, key),
         doc_kind_name (n), n->kind == DOC_STRING ? " ('" : "",
         n->kind == DOC_STRING ? n->u.sc.s : "", n->kind == DOC_STRING ? "')" : "");
  else if (!isfinite (n->u.sc.num))
    bad (c, n, "'" FIELD "' is %s: it must be a finite number", FIELD_ARGS (prefix, key),
         n->u.sc.s);
  else if (n->u.sc.num < lo || n->u.sc.num > hi)
    bad (c, n, "'" FIELD "' is %s: it must be between %g and %g", FIELD_ARGS (prefix, key),
         n->u.sc.s, lo, hi);
}

/* A field the contract says is text: a string, or a number read as its text (an id or
 * a part number written without quotes). */
static void
check_text (Check *c, const DocNode *n, const char *prefix, const char *key)
{
  if (n != NULL && n->kind != DOC_NULL && !is_text (n))
    bad (c, n, "'" FIELD "' must be text, not %s", FIELD_ARGS (prefix, key),
         n->kind == DOC_STRING ? "empty text" : doc_kind_name (n));
}

/* The numbers of the contract under MAP (a facility, an item's attributes): KEYS, each
 * from 0 to HI. */
static void
check_numbers (Check *c, const DocNode *map, const char *prefix, const KeyId *keys, guint nkeys,
               double hi)
{
  for (guint i = 0; i < nkeys; i++)
    {
      const DocNode *v = doc_key (map, keys[i]);
      if (v)
        check_number (c, v, prefix, key_name (keys[i]), 0, hi);
    }
}

/* ---- keys: near misses of the contract's (docs/transactions.md, "Keys") ---- */

/* The contract's keys at each level of the document, NULL-terminated. */
/* The party roles, in the order of ROLE_KEYS (doc.h). */
const char *const role_names[ROLE_COUNT] = { "buyer", "seller", "consignee", "end_user",
                                             "intermediaries" };

/* The party in role ROLE of transaction ROOT, stand-ins included: no consignee means the
 * buyer receives the goods; no end user means the consignee uses them. */
const DocNode *
role_party (const DocNode *root, KeyId role)
{
  const DocNode *v = doc_key (root, role);
  if (v && v->kind != DOC_NULL)
    return v;
  if (role == KEY_CONSIGNEE)
    return doc_key (root, KEY_BUYER);
  if (role == KEY_END_USER)
    return role_party (root, KEY_CONSIGNEE);
  return v;
}

/* JSON if the text starts with "{" (after a byte-order mark and white space), else YAML. */
static Doc *
doc_parse_auto (const char *data, gsize len, const char *source, guint32 first_line,
                const EmbargoLimits *lim, GError **error)
{
  gsize i = 0;
  /* A UTF-8 byte-order mark is allowed before either. */
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i < len && data[i] == '{')
    return doc_parse_json (data, len, source, first_line, lim, error);
  return doc_parse_yaml (data, len, source, first_line, lim, error);
}

static const char *const top_keys[] = { "id", "date", "destination", "end_use", "buyer", "seller",
                                        "consignee", "end_user", "intermediaries", "items", NULL };
static const char *const destination_keys[] = { "country", "region", "city", NULL };
static const char *const party_keys[] = { "name", "country", "region", "aliases", "ciio",
                                          "sector", "headquarters_country", "owners", "ids",
                                          "tags", "facility", "type", "share_pct", NULL };
static const char *const facility_keys[] = { "kind", "logic_node_nm", "nand_layers",
                                             "dram_half_pitch_nm", NULL };
static const char *const item_keys[] = { "id", "part_number", "description", "manufacturer",
                                         "eccn", "hs_code", "origin", "us_content_pct",
                                         "quantity", "unit_value", "currency", "attributes",
                                         NULL };
static const char *const attribute_keys[] = { "tpp", "performance_density", "io_bandwidth_gbps",
                                              NULL };
/* Top-level keys that say a role with a qualifier ("ultimate_consignee"). */
static const char *const role_words[] = { "consignee", "enduser", "buyer", "seller", NULL };

/* KEY folded for comparison: lower case, '-' and ' ' read as '_'; with SQUASH, no '_'
 * at all. Into BUF of SIZE bytes; FALSE when it does not fit (no contract key is that
 * long). */
static gboolean
fold_key (const char *key, gboolean squash, char *buf, gsize size)
{
  gsize n = 0;
  for (const char *p = key; *p; p++)
    {
      char ch = g_ascii_tolower (*p);
      if (ch == '-' || ch == ' ')
        ch = '_';
      if (squash && ch == '_')
        continue;
      if (n + 1 >= size)
        return FALSE;
      buf[n++] = ch;
    }
  buf[n] = '\0';
  return TRUE;
}

/* The optimal string alignment distance between A and B, or MAX + 1 when it is more
 * than MAX. Both are short (they fit fold_key()'s buffer). */
static guint
edit_distance (const char *a, const char *b, guint max)
{
  gsize la = strlen (a), lb = strlen (b);
  if ((la > lb ? la - lb : lb - la) > max)
    return max + 1;
  guint d[33][33];
  for (gsize i = 0; i <= la; i++)
    d[i][0] = (guint) i;
  for (gsize j = 0; j <= lb; j++)
    d[0][j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = a[i - 1] != b[j - 1];
        guint v = MIN (MIN (d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          v = MIN (v, d[i - 2][j - 2] + 1);
        d[i][j] = v;
      }
  return MIN (d[la][lb], max + 1);
}

/* TRUE when A is B with a plural (or singular) ending: -s, -es, -y/-ies. */
static gboolean
plural_of (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  if (la < lb)
    {
      const char *t = a;
      a = b, b = t;
      gsize tl = la;
      la = lb, lb = tl;
    }
  if (strncmp (a, b, lb) == 0)
    return (la == lb + 1 && a[lb] == 's') || (la == lb + 2 && strcmp (a + lb, "es") == 0);
  return lb >= 2 && b[lb - 1] == 'y' && la == lb + 2 && strncmp (a, b, lb - 1) == 0
         && strcmp (a + lb - 1, "ies") == 0;
}

static const char *
txn_key_near_miss (const char *key, const char *const *keys, gboolean top)
{
  char folded[32], squashed[32];
  if (!fold_key (key, FALSE, folded, sizeof folded) || !fold_key (key, TRUE, squashed, sizeof squashed))
    return NULL;
  for (guint i = 0; keys[i]; i++)
    if (strcmp (key, keys[i]) == 0)
      return NULL; /* the key itself */
  /* The closest kind of miss first: case and separators, then spelling. */
  for (guint i = 0; keys[i]; i++)
    {
      char ks[32];
      fold_key (keys[i], TRUE, ks, sizeof ks);
      if (strcmp (folded, keys[i]) == 0 || strcmp (squashed, ks) == 0)
        return keys[i]; /* End_User, end-user, enduser */
    }
  for (guint i = 0; keys[i]; i++)
    {
      const char *k = keys[i];
      char ks[32];
      fold_key (k, TRUE, ks, sizeof ks);
      gsize kl = strlen (k);
      guint max = kl >= 8 ? 2 : 1;
      if (kl < 4)
        continue; /* "ids" is not a misspelt "id" */
      if (plural_of (squashed, ks) || edit_distance (folded, k, max) <= max)
        return k;
    }
  if (top)
    for (guint i = 0; role_words[i]; i++)
      if (g_str_has_suffix (squashed, role_words[i]))
        return strcmp (role_words[i], "enduser") == 0 ? "end_user" : role_words[i];
  return NULL;
}

G_STATIC_ASSERT (KEY_COUNT <= 64);

/* Every key of MAP that is not one of KEYS but is a near miss of one is an error:
 * "unknown key 'enduser'; did you mean 'end_user'?". */
static void
check_keys (Check *c, const DocNode *map, const char *prefix, const char *const *keys)
{
  if (map == NULL || map->kind != DOC_MAP)
    return;
  /* The contract's keys are all well known: a bit per key id says which belong to this
   * level, so that a valid transaction's keys cost a shift each (this runs for every
   * key of every transaction). */
  static const char *const *const levels[] = { top_keys, destination_keys, party_keys,
                                               facility_keys, item_keys, attribute_keys };
  static guint64 masks[G_N_ELEMENTS (levels)];
  static gsize masks_ready;
  if (g_once_init_enter (&masks_ready))
    {
      for (guint l = 0; l < G_N_ELEMENTS (levels); l++)
        for (guint k = 0; levels[l][k]; k++)
          masks[l] |= G_GUINT64_CONSTANT (1) << key_id (levels[l][k], strlen (levels[l][k]));
      g_once_init_leave (&masks_ready, 1);
    }
  guint64 mask = 0;
  for (guint l = 0; l < G_N_ELEMENTS (levels); l++)
    if (levels[l] == keys)
      mask = masks[l];
  for (guint32 i = 0; i < map->u.map.n; i++)
    {
      const DocPair *p = &map->u.map.v[i];
      if (p->kid && (mask >> p->kid) & 1)
        continue;
      const char *near = txn_key_near_miss (p->key, keys, keys == top_keys);
      if (near)
        {
          /* A JSON key's position is a byte offset, as a string node's is. */
          DocNode k = { .kind = DOC_STRING, .quoted = TRUE, .line = p->line, .col = p->col };
          guint32 line, col;
          json_position (c->doc->text, c->doc->text_len, c->doc->first_line, &k, &line, &col);
          diags_add (c->diags, EMBARGO_SEVERITY_ERROR, "E-TRANSACTION", c->source, line, col,
                     "unknown key '%s%s%s'; did you mean '%s'?", prefix ? prefix : "",
                     prefix ? "." : "", p->key, near);
        }
    }
}

static void
check_party (Check *c, const DocNode *p, const char *role)
{
  if (p->kind != DOC_MAP)
    {
      bad (c, p, "'%s' must be a mapping (name, country, ...), not %s", role, doc_kind_name (p));
      return;
    }
  char f[96];
#define F(key) (g_snprintf (f, sizeof f, "%s.%s", role, key), f)
  const DocNode *v;
  check_keys (c, p, role, party_keys);
  check_text (c, doc_key (p, KEY_NAME), role, "name");
  if ((v = doc_key (p, KEY_NAME)) && v->kind == DOC_STRING && name_is_blank (v->u.sc.s, v->u.sc.len))
    bad (c, v, "'%s' has no letter or digit: a blank name cannot be screened (leave it out "
         "when unknown)", F ("name"));
  /* Aliases are screened like the name: a blank one is as wrong. */
  if ((v = doc_key (p, KEY_ALIASES)) && v->kind == DOC_LIST)
    for (guint32 i = 0; i < v->u.list.n; i++)
      {
        const DocNode *a = v->u.list.v[i];
        if (a->kind == DOC_STRING && a->u.sc.len && name_is_blank (a->u.sc.s, a->u.sc.len))
          bad (c, a, "'%s[%u]' has no letter or digit: a blank alias cannot be screened "
               "(leave it out)", F ("aliases"), i);
      }
  check_text (c, doc_key (p, KEY_SECTOR), role, "sector");
  check_text (c, doc_key (p, KEY_TYPE), role, "type");
  check_country (c, doc_key (p, KEY_COUNTRY), role, "country", FALSE);
  check_country (c, doc_key (p, KEY_REGION), role, "region", TRUE);
  check_country (c, doc_key (p, KEY_HEADQUARTERS_COUNTRY), role, "headquarters_country", FALSE);
  check_string_list (c, doc_key (p, KEY_ALIASES), role, "aliases", CANON_NONE);
  check_string_list (c, doc_key (p, KEY_TAGS), role, "tags", CANON_TAG);
  if ((v = doc_key (p, KEY_CIIO)) && v->kind != DOC_NULL && v->kind != DOC_BOOL)
    bad (c, v, "'%s' must be true or false (or absent when unknown), not %s", F ("ciio"),
         doc_kind_name (v));
  if ((v = doc_key (p, KEY_IDS)) && v->kind != DOC_NULL)
    {
      if (v->kind != DOC_MAP)
        bad (c, v, "'%s' must be a mapping (kind: number), not %s", F ("ids"), doc_kind_name (v));
      else
        for (guint32 i = 0; i < v->u.map.n; i++)
          check_text (c, v->u.map.v[i].val, F ("ids"), v->u.map.v[i].key);
    }
  if ((v = doc_key (p, KEY_OWNERS)) && v->kind != DOC_NULL)
    {
      if (v->kind != DOC_LIST)
        bad (c, v, "'%s' must be a list, not %s", F ("owners"), doc_kind_name (v));
      else
        for (guint32 i = 0; i < v->u.list.n; i++)
          {
            /* An owner is a party with a share, and may name its own owners. */
            const DocNode *o = v->u.list.v[i];
            g_snprintf (f, sizeof f, "%s.owners[%u]", role, i);
            if (o->kind != DOC_MAP)
              bad (c, o, "'%s' must be a mapping (name, share_pct)", f);
            else
              {
                check_number (c, doc_key (o, KEY_SHARE_PCT), f, "share_pct", 0, 100);
                check_party (c, o, f);
              }
          }
    }
  if ((v = doc_key (p, KEY_FACILITY)) && v->kind != DOC_NULL)
    {
      if (v->kind != DOC_MAP)
        bad (c, v, "'%s' must be a mapping, not %s", F ("facility"), doc_kind_name (v));
      else
        {
          static const KeyId numbers[] = { KEY_LOGIC_NODE_NM, KEY_NAND_LAYERS,
                                           KEY_DRAM_HALF_PITCH_NM };
          check_keys (c, v, F ("facility"), facility_keys);
          check_text (c, doc_key (v, KEY_KIND), f, "kind");
          canon_node (c, doc_key (v, KEY_KIND), CANON_TAG, f, "kind");
          check_numbers (c, v, f, numbers, G_N_ELEMENTS (numbers), 1e6);
        }
    }
#undef F
}

/* Few items (the common case): compare with the ids before, no table to build. */
#define FEW_ITEMS 16

static gboolean
id_seen_before (const DocNode *items, guint32 i, const DocNode *id)
{
  for (guint32 k = 0; k < i; k++)
    {
      const DocNode *other = doc_key (items->u.list.v[k], KEY_ID);
      if (other && doc_is_scalar (other) && other->u.sc.len == id->u.sc.len
          && memcmp (other->u.sc.s, id->u.sc.s, id->u.sc.len) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
check_item (Check *c, const DocNode *it, guint32 i, const DocNode *items, GHashTable *ids)
{
  /* "items[i]", without printf's machinery: this runs for every item of every
   * transaction, and the name is needed only when something is wrong. */
  char f[32] = "items[", digits[12];
  int nd = 0;
  guint32 rest = i;
  do
    digits[nd++] = (char) ('0' + rest % 10);
  while ((rest /= 10) && nd < 11);
  int at = 6;
  while (nd)
    f[at++] = digits[--nd];
  f[at++] = ']';
  f[at] = '\0';
  if (it->kind != DOC_MAP)
    {
      bad (c, it, "'%s' must be a mapping (id, eccn, ...), not %s", f, doc_kind_name (it));
      return;
    }
  const DocNode *v = doc_key (it, KEY_ID);
  if (!is_text (v))
    bad (c, v ? v : it, "'%s.id' is required: a string unique within the transaction", f);
  else if (ids ? !g_hash_table_add (ids, (gpointer) v->u.sc.s) : id_seen_before (items, i, v))
    bad (c, v, "'%s.id': item id '%s' is used twice", f, v->u.sc.s);
  char g[96];
#define G(key) (g_snprintf (g, sizeof g, "%s.%s", f, key), g)
  check_keys (c, it, f, item_keys);
  check_text (c, doc_key (it, KEY_ECCN), f, "eccn");
  canon_node (c, doc_key (it, KEY_ECCN), CANON_ECCN, f, "eccn");
  check_text (c, doc_key (it, KEY_PART_NUMBER), f, "part_number");
  check_text (c, doc_key (it, KEY_DESCRIPTION), f, "description");
  check_text (c, doc_key (it, KEY_MANUFACTURER), f, "manufacturer");
  check_text (c, doc_key (it, KEY_CURRENCY), f, "currency");
  if ((v = doc_key (it, KEY_HS_CODE)) && v->kind != DOC_NULL)
    {
      if (!is_text (v))
        bad (c, v, "'%s' must be 6 to 10 digits, not %s", G ("hs_code"), doc_kind_name (v));
      else
        canon_node (c, v, CANON_HS, f, "hs_code");
    }
  /* A fact the contract does not name, but an identifier the bundled packs compare
   * (item.substance, CN-MOFCOM): text, one spelling. */
  if ((v = doc_get (it, "substance")) && v->kind != DOC_NULL)
    {
      check_text (c, v, f, "substance");
      canon_node (c, v, CANON_TAG, f, "substance");
    }
  check_country (c, doc_key (it, KEY_ORIGIN), f, "origin", FALSE);
  check_number (c, doc_key (it, KEY_US_CONTENT_PCT), f, "us_content_pct", 0, 100);
  check_number (c, doc_key (it, KEY_QUANTITY), f, "quantity", 0, 1e15);
  check_number (c, doc_key (it, KEY_UNIT_VALUE), f, "unit_value", 0, 1e15);
  if ((v = doc_key (it, KEY_ATTRIBUTES)) && v->kind != DOC_NULL)
    {
      if (v->kind != DOC_MAP)
        bad (c, v, "'%s' must be a mapping, not %s", G ("attributes"), doc_kind_name (v));
      else
        {
          static const KeyId numbers[] = { KEY_TPP, KEY_PERFORMANCE_DENSITY,
                                           KEY_IO_BANDWIDTH_GBPS };
          check_keys (c, v, G ("attributes"), attribute_keys);
          check_numbers (c, v, g, numbers, G_N_ELEMENTS (numbers), 1e15);
        }
    }
#undef G
}

gboolean
txn_validate_doc (const Doc *doc, Doc *fix, const char *source, const EmbargoLimits *lim,
                  EmbargoDiagnostics *diags)
{
  const DocNode *root = doc->root;
  Check c = { diags, source, lim, doc, fix };
  gsize before = embargo_diagnostics_get_count (diags);
  if (root == NULL || root->kind != DOC_MAP)
    {
      bad (&c, root, "a transaction must be a mapping (id, date, destination, buyer, items), "
           "not %s", doc_kind_name (root));
      return FALSE;
    }
  check_keys (&c, root, NULL, top_keys);
  const DocNode *v = doc_key (root, KEY_ID);
  if (!is_text (v))
    bad (&c, v ? v : root, "'id' is required: the transaction's identifier, as text");
  v = doc_key (root, KEY_DATE);
  if (v == NULL)
    bad (&c, root, "'date' is required: when the transaction takes place (YYYY-MM-DD)");
  else if (!v->is_date)
    bad (&c, v, "'date': '%s' is not a valid date (YYYY-MM-DD)",
         doc_is_scalar (v) ? v->u.sc.s : doc_kind_name (v));
  v = doc_key (root, KEY_DESTINATION);
  if (v == NULL)
    bad (&c, root, "'destination' is required, with at least 'country'");
  else if (v->kind != DOC_MAP)
    bad (&c, v, "'destination' must be a mapping (country, region, city), not %s",
         doc_kind_name (v));
  else if (doc_key (v, KEY_COUNTRY) == NULL)
    bad (&c, v, "'destination.country' is required (ISO 3166-1 alpha-2)");
  else
    {
      check_keys (&c, v, "destination", destination_keys);
      check_country (&c, doc_key (v, KEY_COUNTRY), "destination", "country", FALSE);
      check_country (&c, doc_key (v, KEY_REGION), "destination", "region", TRUE);
      check_text (&c, doc_key (v, KEY_CITY), "destination", "city");
    }
  check_string_list (&c, doc_key (root, KEY_END_USE), NULL, "end_use", CANON_TAG);
  if (doc_key (root, KEY_BUYER) == NULL)
    bad (&c, root, "'buyer' is required");
  for (guint r = 0; r < ROLE_COUNT; r++)
    {
      static const KeyId role_keys[ROLE_COUNT] = ROLE_KEYS;
      const DocNode *p = doc_key (root, role_keys[r]);
      if (p == NULL || p->kind == DOC_NULL)
        continue;
      if (r == 4) /* intermediaries: a list of parties */
        {
          if (p->kind != DOC_LIST)
            bad (&c, p, "'intermediaries' must be a list of parties, not %s", doc_kind_name (p));
          else if (p->u.list.n > lim->max_parties)
            bad (&c, p, "%u intermediaries exceed the limit of %zu", p->u.list.n,
                 lim->max_parties);
          else
            for (guint32 i = 0; i < p->u.list.n; i++)
              {
                char role[48];
                g_snprintf (role, sizeof role, "intermediaries[%u]", i);
                check_party (&c, p->u.list.v[i], role);
              }
        }
      else
        check_party (&c, p, role_names[r]);
    }
  v = doc_key (root, KEY_ITEMS);
  if (v == NULL)
    bad (&c, root, "'items' is required: a list of at least one item");
  else if (v->kind != DOC_LIST || v->u.list.n == 0)
    bad (&c, v, "'items' must be a list of at least one item");
  else if (v->u.list.n > lim->max_items)
    bad (&c, v, "%u items exceed the limit of %zu", v->u.list.n, lim->max_items);
  else
    {
      GHashTable *ids = v->u.list.n > FEW_ITEMS ? g_hash_table_new (g_str_hash, g_str_equal)
                                                : NULL;
      for (guint32 i = 0; i < v->u.list.n; i++)
        check_item (&c, v->u.list.v[i], i, v, ids);
      if (ids)
        g_hash_table_destroy (ids);
    }
  return embargo_diagnostics_get_count (diags) == before;
}

EmbargoTransaction *
txn_parse (const char *data, gsize len, const char *source, guint32 first_line,
           const EmbargoLimits *lim, GError **error)
{
  /* JSON and YAML alike: the whole text, strictly, before either reader sees it
   * (yajl's own check lets overlong forms and encoded surrogates through). */
  if (!text_utf8_check (data, len, source, first_line, "transactions", NULL, NULL, error))
    return NULL;
  Doc *doc = doc_parse_auto (data, len, source, first_line, lim, error);
  return doc ? txn_from_doc (doc, source, lim, error) : NULL;
}

EmbargoTransaction *
txn_from_doc (Doc *doc, const char *source, const EmbargoLimits *lim, GError **error)
{
  EmbargoDiagnostics *diags = diags_new ();
  gboolean valid = txn_validate_doc (doc, doc, source, lim, diags);
  doc->text = NULL; /* the caller's text: no longer needed, soon no longer there */
  if (!valid)
    {
      g_autofree char *all = diags_join (diags, EMBARGO_SEVERITY_ERROR);
      g_set_error_literal (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID, all);
      diags_free (diags);
      doc_free (doc);
      return NULL;
    }
  diags_free (diags);
  doc->validated = TRUE;
  return (EmbargoTransaction *) doc;
}

EmbargoTransaction *
embargo_transaction_new_from_data (const char *data, gsize len, const char *source_name,
                                   const EmbargoLimits *limits, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  if (!OPTIONS_VERSION_OK (limits, EMBARGO_LIMITS_VERSION, "EmbargoLimits", EMBARGO_LOAD_ERROR,
                           EMBARGO_LOAD_ERROR_FAILED, error))
    return NULL;
  EmbargoLimits def = EMBARGO_LIMITS_INIT;
  return txn_parse (data ? data : "", len, source_name ? source_name : "<transaction>", 1,
                    limits ? limits : &def, error);
}

void
embargo_transaction_free (EmbargoTransaction *txn)
{
  if (txn == NULL)
    return;
  doc_free (&txn->doc);
}

gboolean
embargo_transaction_validate (const EmbargoTransaction *txn, GError **error)
{
  g_return_val_if_fail (txn != NULL, FALSE);
  if (txn->doc.validated)
    return TRUE;
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  EmbargoDiagnostics *diags = diags_new ();
  gboolean ok = txn_validate_doc (&txn->doc, NULL, "<transaction>", &lim, diags);
  if (!ok)
    {
      /* Built by hand: positions mean nothing, so only the messages are given. */
      GString *s = g_string_new (NULL);
      for (gsize i = 0; i < embargo_diagnostics_get_count (diags); i++)
        g_string_append_printf (s, "%s%s", i ? "\n" : "",
                                embargo_diagnostics_get (diags, i)->message);
      g_set_error_literal (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID, s->str);
      g_string_free (s, TRUE);
    }
  diags_free (diags);
  return ok;
}

const char *
embargo_transaction_get_id (const EmbargoTransaction *txn)
{
  g_return_val_if_fail (txn != NULL, NULL);
  const DocNode *v = doc_key (txn->doc.root, KEY_ID);
  return is_text (v) ? v->u.sc.s : NULL;
}

const char *
embargo_transaction_get_date (const EmbargoTransaction *txn)
{
  g_return_val_if_fail (txn != NULL, NULL);
  const DocNode *v = doc_key (txn->doc.root, KEY_DATE);
  return doc_is_scalar (v) && v->kind != DOC_NULL ? v->u.sc.s : NULL;
}

/* ---- building by hand ---- */

EmbargoTransaction *
embargo_transaction_new (const char *id, const char *date)
{
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (date != NULL, NULL);
  EmbargoTransaction *txn = (EmbargoTransaction *) doc_new ();
  txn->doc.root = doc_new_node (&txn->doc, DOC_MAP, 0, 0);
  embargo_transaction_set_string (txn, "id", id, NULL);
  embargo_transaction_set_string (txn, "date", date, NULL);
  return txn;
}

static gboolean
is_index (const char *seg, guint32 *out)
{
  if (!*seg)
    return FALSE;
  for (const char *p = seg; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  guint64 v = g_ascii_strtoull (seg, NULL, 10);
  if (v > G_MAXUINT32)
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

/* Finds or creates the node at PATH; the last one is created as a fresh node of KIND
 * (or reused when it is already a list and KIND is DOC_LIST). */
static DocNode *
make_path (EmbargoTransaction *txn, const char *path, DocKind kind, GError **error)
{
  Doc *doc = &txn->doc;
  g_auto (GStrv) segs = g_strsplit (path, ".", -1);
  DocNode *n = doc->root;
  for (guint i = 0; segs[i]; i++)
    {
      gboolean last = segs[i + 1] == NULL;
      guint32 idx;
      const char *seg = segs[i];
      if (*seg == '\0')
        {
          g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                       "'%s' is not a field path", path);
          return NULL;
        }
      DocNode *next;
      if (n->kind == DOC_LIST)
        {
          if (!is_index (seg, &idx) || idx > n->u.list.n)
            {
              g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                           "'%s': '%s' is not an index of the list (0 to %u)", path, seg,
                           n->u.list.n);
              return NULL;
            }
          if (idx == n->u.list.n)
            {
              next = doc_new_node (doc, last ? kind : DOC_MAP, 0, 0);
              doc_list_append (doc, n, next);
            }
          else if (last)
            next = n->u.list.v[idx] = doc_new_node (doc, kind, 0, 0);
          else
            next = n->u.list.v[idx];
        }
      else if (n->kind == DOC_MAP)
        {
          DocPair *found = NULL;
          for (guint32 k = 0; k < n->u.map.n && !found; k++)
            if (strcmp (n->u.map.v[k].key, seg) == 0)
              found = &n->u.map.v[k];
          if (found && !last)
            next = found->val;
          else if (found && kind == DOC_LIST && found->val->kind == DOC_LIST)
            next = found->val; /* appending to an existing list */
          else if (found)
            next = found->val = doc_new_node (doc, kind, 0, 0);
          else
            {
              gboolean list_next = !last && is_index (segs[i + 1], &idx);
              next = doc_new_node (doc, last ? kind : list_next ? DOC_LIST : DOC_MAP, 0, 0);
              doc_map_add (doc, n, seg, strlen (seg), 0, 0, next);
            }
        }
      else
        {
          g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                       "'%s': '%s' is inside a value that is not a mapping or list", path, seg);
          return NULL;
        }
      n = next;
    }
  return n;
}

/* The identifier kind of the value at PATH as the setters write it ("items.0.eccn",
 * "buyer.owners.0.country", "end_use" for an element appended to it). */
static CanonKind
txn_path_kind (const char *path)
{
  g_auto (GStrv) segs = g_strsplit (path, ".", -1);
  guint n = g_strv_length (segs), i = 1;
  guint32 idx;
  if (n == 0)
    return CANON_NONE;
  if (strcmp (segs[0], "items") == 0)
    {
      if (n != 3 || !is_index (segs[1], &idx))
        return CANON_NONE;
      return strcmp (segs[2], "eccn") == 0        ? CANON_ECCN
             : strcmp (segs[2], "hs_code") == 0   ? CANON_HS
             : strcmp (segs[2], "origin") == 0    ? CANON_COUNTRY
             : strcmp (segs[2], "substance") == 0 ? CANON_TAG
                                                  : CANON_NONE;
    }
  if (strcmp (segs[0], "destination") == 0)
    return n != 2                               ? CANON_NONE
           : strcmp (segs[1], "country") == 0 ? CANON_COUNTRY
           : strcmp (segs[1], "region") == 0  ? CANON_REGION
                                              : CANON_NONE;
  if (strcmp (segs[0], "end_use") == 0)
    return n == 1 || (n == 2 && is_index (segs[1], &idx)) ? CANON_TAG : CANON_NONE;
  guint r;
  for (r = 0; r < ROLE_COUNT && strcmp (segs[0], role_names[r]) != 0; r++)
    ;
  if (r == ROLE_COUNT)
    return CANON_NONE;
  if (r == 4 && !(n > 1 && is_index (segs[i++], &idx))) /* intermediaries.N */
    return CANON_NONE;
  while (i + 1 < n && strcmp (segs[i], "owners") == 0 && is_index (segs[i + 1], &idx))
    i += 2;
  if (i >= n)
    return CANON_NONE;
  const char *k = segs[i];
  if (n == i + 1 && (strcmp (k, "country") == 0 || strcmp (k, "headquarters_country") == 0))
    return CANON_COUNTRY;
  if (n == i + 1 && strcmp (k, "region") == 0)
    return CANON_REGION;
  if (strcmp (k, "tags") == 0 && (n == i + 1 || (n == i + 2 && is_index (segs[i + 1], &idx))))
    return CANON_TAG;
  if (n == i + 2 && strcmp (k, "facility") == 0 && strcmp (segs[i + 1], "kind") == 0)
    return CANON_TAG;
  return CANON_NONE;
}

/* TEXT in the canonical form of the identifier at PATH, when it is one and has one (a
 * new string), else NULL: validation then reports what is wrong with it. */
static char *
txn_canon_text (const char *path, const char *text)
{
  CanonKind kind = txn_path_kind (path);
  char *out = NULL;
  g_autofree char *why = NULL;
  if (kind != CANON_NONE)
    canon_value (kind, FALSE, text, strlen (text), &out, &why);
  return out;
}

static gboolean
set_scalar (EmbargoTransaction *txn, const char *path, const char *text, gboolean quoted,
            DocKind kind, GError **error)
{
  g_return_val_if_fail (txn != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  DocNode *n = make_path (txn, path, DOC_STRING, error);
  if (n == NULL)
    return FALSE;
  g_autofree char *canon = quoted ? txn_canon_text (path, text) : NULL;
  if (canon)
    text = canon;
  doc_set_scalar (&txn->doc, n, text, strlen (text), quoted);
  if (!quoted)
    n->kind = kind;
  txn->doc.validated = FALSE;
  return TRUE;
}

gboolean
embargo_transaction_set_string (EmbargoTransaction *txn, const char *path, const char *value,
                                GError **error)
{
  return set_scalar (txn, path, value, TRUE, DOC_STRING, error);
}

gboolean
embargo_transaction_set_number (EmbargoTransaction *txn, const char *path, double value,
                                GError **error)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_dtostr (buf, sizeof buf, value);
  if (!set_scalar (txn, path, buf, FALSE, DOC_NUMBER, error))
    return FALSE;
  return TRUE;
}

gboolean
embargo_transaction_set_bool (EmbargoTransaction *txn, const char *path, gboolean value,
                              GError **error)
{
  return set_scalar (txn, path, value ? "true" : "false", FALSE, DOC_BOOL, error);
}

gboolean
embargo_transaction_append_string (EmbargoTransaction *txn, const char *path, const char *value,
                                   GError **error)
{
  g_return_val_if_fail (txn != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  DocNode *list = make_path (txn, path, DOC_LIST, error);
  if (list == NULL)
    return FALSE;
  DocNode *n = doc_new_node (&txn->doc, DOC_STRING, 0, 0);
  g_autofree char *canon = txn_canon_text (path, value);
  if (canon)
    value = canon;
  doc_set_scalar (&txn->doc, n, value, strlen (value), TRUE);
  doc_list_append (&txn->doc, list, n);
  txn->doc.validated = FALSE;
  return TRUE;
}

gsize
embargo_transaction_add_item (EmbargoTransaction *txn, const char *item_id)
{
  g_return_val_if_fail (txn != NULL, 0);
  g_return_val_if_fail (item_id != NULL, 0);
  const DocNode *items = doc_key (txn->doc.root, KEY_ITEMS);
  guint32 n = items && items->kind == DOC_LIST ? items->u.list.n : 0;
  g_autofree char *path = g_strdup_printf ("items.%u.id", n);
  embargo_transaction_set_string (txn, path, item_id, NULL);
  return n;
}

/* ---- --strict: no key that nothing reads ---- */

typedef struct {
  const EmbargoRuleset *rs;
  GString *errors;
  guint count;
} Strict;

/* TRUE when a rule reads SCOPE:PATH or something below it. */
static gboolean
strict_read (const Strict *s, char scope, const char *path)
{
  g_autofree char *k = g_strdup_printf ("%c:%s", scope, path);
  return g_hash_table_contains (s->rs->read_paths, k);
}

static void
strict_fail (Strict *s, const char *shown)
{
  if (s->count++ < 20)
    g_string_append_printf (s->errors, "%sunknown key '%s': it is not in the transaction "
                            "contract and no loaded rule reads it (--strict)",
                            s->errors->len ? "\n" : "", shown);
}

/* The keys of a map no contract key leads to (a user fact such as `contract`): each must
 * be read, at SCOPE:PATH.KEY, or be above something read. SHOWN is PATH as the user
 * would write it. */
static void
strict_user_map (Strict *s, const DocNode *map, char scope, const char *path, const char *shown)
{
  for (guint32 i = 0; map && map->kind == DOC_MAP && i < map->u.map.n; i++)
    {
      const DocPair *p = &map->u.map.v[i];
      g_autofree char *sub = g_strdup_printf ("%s.%s", path, p->key);
      g_autofree char *sub_shown = g_strdup_printf ("%s.%s", shown, p->key);
      if (!strict_read (s, scope, sub))
        strict_fail (s, sub_shown);
      else
        strict_user_map (s, p->val, scope, sub, sub_shown);
    }
}

/* The keys of MAP, where the contract's are KEYS: any other must be read at SCOPE:BASE.KEY
 * (BASE NULL: at the top of SCOPE), or at T:ALT.KEY when ALT is not NULL (a party's key
 * read through its role, "buyer.rating"). */
static void
strict_map (Strict *s, const DocNode *map, const char *const *keys, char scope, const char *base,
            const char *alt, const char *shown)
{
  for (guint32 i = 0; map && map->kind == DOC_MAP && i < map->u.map.n; i++)
    {
      const DocPair *p = &map->u.map.v[i];
      gboolean known = FALSE;
      for (guint k = 0; keys[k] && !known; k++)
        known = strcmp (keys[k], p->key) == 0;
      if (known)
        continue;
      g_autofree char *path = base ? g_strdup_printf ("%s.%s", base, p->key) : g_strdup (p->key);
      g_autofree char *alt_path = alt ? g_strdup_printf ("%s.%s", alt, p->key) : NULL;
      g_autofree char *sub_shown = shown ? g_strdup_printf ("%s.%s", shown, p->key)
                                         : g_strdup (p->key);
      if (strict_read (s, scope, path))
        strict_user_map (s, p->val, scope, path, sub_shown);
      else if (alt_path && strict_read (s, 'T', alt_path))
        strict_user_map (s, p->val, 'T', alt_path, sub_shown);
      else
        strict_fail (s, sub_shown);
    }
}

/* A party (or an owner) at SHOWN, under role ROLE (NULL for owners and intermediaries). */
static void
strict_party (Strict *s, const DocNode *p, const char *role, const char *shown)
{
  if (p == NULL || p->kind != DOC_MAP)
    return;
  strict_map (s, p, party_keys, 'P', NULL, role, shown);
  g_autofree char *fshown = g_strdup_printf ("%s.facility", shown);
  g_autofree char *falt = role ? g_strdup_printf ("%s.facility", role) : NULL;
  strict_map (s, doc_key (p, KEY_FACILITY), facility_keys, 'P', "facility", falt, fshown);
  const DocNode *owners = doc_key (p, KEY_OWNERS);
  for (guint32 i = 0; owners && owners->kind == DOC_LIST && i < owners->u.list.n; i++)
    {
      g_autofree char *oshown = g_strdup_printf ("%s.owners[%u]", shown, i);
      strict_party (s, owners->u.list.v[i], NULL, oshown);
    }
}

gboolean
txn_check_strict (const EmbargoRuleset *rs, const EmbargoTransaction *txn, GError **error)
{
  const DocNode *root = txn->doc.root;
  Strict s = { rs, g_string_new (NULL), 0 };
  strict_map (&s, root, top_keys, 'T', NULL, NULL, NULL);
  strict_map (&s, doc_key (root, KEY_DESTINATION), destination_keys, 'T', "destination", NULL,
              "destination");
  static const KeyId role_keys[ROLE_COUNT] = ROLE_KEYS;
  for (guint r = 0; r < ROLE_COUNT; r++)
    {
      const DocNode *p = doc_key (root, role_keys[r]);
      if (p && p->kind == DOC_LIST) /* intermediaries */
        for (guint32 i = 0; i < p->u.list.n; i++)
          {
            g_autofree char *shown = g_strdup_printf ("%s[%u]", role_names[r], i);
            strict_party (&s, p->u.list.v[i], NULL, shown);
          }
      else
        strict_party (&s, p, role_names[r], role_names[r]);
    }
  const DocNode *items = doc_key (root, KEY_ITEMS);
  for (guint32 i = 0; items && items->kind == DOC_LIST && i < items->u.list.n; i++)
    {
      const DocNode *it = items->u.list.v[i];
      g_autofree char *shown = g_strdup_printf ("items[%u]", i);
      g_autofree char *ashown = g_strdup_printf ("items[%u].attributes", i);
      strict_map (&s, it, item_keys, 'I', NULL, NULL, shown);
      strict_map (&s, doc_key (it, KEY_ATTRIBUTES), attribute_keys, 'I', "attributes", NULL,
                  ashown);
    }
  gboolean ok = s.count == 0;
  if (!ok)
    {
      if (s.count > 20)
        g_string_append_printf (s.errors, "\n... and %u more", s.count - 20);
      g_set_error_literal (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID, s.errors->str);
    }
  g_string_free (s.errors, TRUE);
  return ok;
}
