/* txn.c: transactions: parsed from text or built by hand, and checked against the
 * contract's schema (docs/transaction-format.md).
 *
 * The check knows the documented fields (id, date, destination, parties, items and
 * their well-known keys) and leaves every other key alone: users add facts such as
 * contract.no_russia_clause without a new release. Every violation is reported with
 * the field's path and its position, not just the first.
 */
#include "embargo-private.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  EmbargoDiagnostics *diags;
  const char *source;
  const EmbargoLimits *lim;
  const Doc *doc; /* for positions of nodes parsed from JSON */
} Check;

static void
bad (Check *c, const DocNode *at, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
bad (Check *c, const DocNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  guint32 line = 0, col = 0;
  if (at)
    json_position (c->doc->text, c->doc->text_len, c->doc->first_line, at, &line, &col);
  diags_add (c->diags, EMBARGO_SEVERITY_ERROR, "E-TRANSACTION", c->source, line, col, "%s",
             msg);
}

static gboolean
is_text (const DocNode *n)
{
  return n && (n->kind == DOC_STRING || n->kind == DOC_NUMBER) && n->u.sc.len > 0;
}

/* Field names are built only when a problem is reported: PREFIX.KEY, or KEY alone. */
#define FIELD "%s%s%s"
#define FIELD_ARGS(prefix, key) (prefix) ? (prefix) : "", (prefix) ? "." : "", (key)

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
  if (region ? !iso3166_region_valid (n->u.sc.s, n->u.sc.len)
             : !iso3166_alpha2_valid (n->u.sc.s, n->u.sc.len))
    bad (c, n, "'" FIELD "': unknown %s '%s' (%s)", FIELD_ARGS (prefix, key),
         region ? "region" : "country", n->u.sc.s,
         region ? "ISO 3166-2, such as UA-43" : "ISO 3166-1 alpha-2, such as CN");
}

static void
check_string_list (Check *c, const DocNode *n, const char *prefix, const char *key)
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
}

static void
check_number (Check *c, const DocNode *n, const char *prefix, const char *key, double lo,
              double hi)
{
  if (n == NULL || n->kind == DOC_NULL)
    return;
  if (n->kind != DOC_NUMBER)
    bad (c, n, "'" FIELD "' must be a number, not %s", FIELD_ARGS (prefix, key),
         doc_kind_name (n));
  else if (n->u.sc.num < lo || n->u.sc.num > hi)
    bad (c, n, "'" FIELD "' is %s: it must be between %g and %g", FIELD_ARGS (prefix, key),
         n->u.sc.s, lo, hi);
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
  if ((v = doc_key (p, KEY_NAME)) && v->kind != DOC_NULL && !is_text (v))
    bad (c, v, "'%s' must be text, not %s", F ("name"), doc_kind_name (v));
  check_country (c, doc_key (p, KEY_COUNTRY), role, "country", FALSE);
  check_country (c, doc_key (p, KEY_REGION), role, "region", TRUE);
  check_country (c, doc_key (p, KEY_HEADQUARTERS_COUNTRY), role, "headquarters_country", FALSE);
  check_string_list (c, doc_key (p, KEY_ALIASES), role, "aliases");
  check_string_list (c, doc_key (p, KEY_TAGS), role, "tags");
  if ((v = doc_key (p, KEY_CIIO)) && v->kind != DOC_NULL && v->kind != DOC_BOOL)
    bad (c, v, "'%s' must be true or false (or absent when unknown), not %s", F ("ciio"),
         doc_kind_name (v));
  if ((v = doc_key (p, KEY_OWNERS)) && v->kind != DOC_NULL)
    {
      if (v->kind != DOC_LIST)
        bad (c, v, "'%s' must be a list, not %s", F ("owners"), doc_kind_name (v));
      else
        for (guint32 i = 0; i < v->u.list.n; i++)
          {
            const DocNode *o = v->u.list.v[i];
            g_snprintf (f, sizeof f, "%s.owners[%u]", role, i);
            if (o->kind != DOC_MAP)
              bad (c, o, "'%s' must be a mapping (name, share_pct)", f);
            else
              {
                check_number (c, doc_key (o, KEY_SHARE_PCT), f, "share_pct", 0, 100);
              }
          }
    }
  if ((v = doc_key (p, KEY_FACILITY)) && v->kind != DOC_NULL && v->kind != DOC_MAP)
    bad (c, v, "'%s' must be a mapping, not %s", F ("facility"), doc_kind_name (v));
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
  if ((v = doc_key (it, KEY_ECCN)) && v->kind != DOC_NULL && !is_text (v))
    bad (c, v, "'%s' must be text, not %s", G ("eccn"), doc_kind_name (v));
  if ((v = doc_key (it, KEY_HS_CODE)) && v->kind != DOC_NULL)
    {
      gboolean ok = is_text (v) && v->u.sc.len >= 6 && v->u.sc.len <= 10;
      for (guint32 k = 0; ok && k < v->u.sc.len; k++)
        ok = g_ascii_isdigit (v->u.sc.s[k]);
      if (!ok)
        bad (c, v, "'%s' must be 6 to 10 digits, not '%s'", G ("hs_code"),
             doc_is_scalar (v) ? v->u.sc.s : doc_kind_name (v));
    }
  check_country (c, doc_key (it, KEY_ORIGIN), f, "origin", FALSE);
  check_number (c, doc_key (it, KEY_US_CONTENT_PCT), f, "us_content_pct", 0, 100);
  check_number (c, doc_key (it, KEY_QUANTITY), f, "quantity", 0, 1e15);
  check_number (c, doc_key (it, KEY_UNIT_VALUE), f, "unit_value", 0, 1e15);
  if ((v = doc_key (it, KEY_ATTRIBUTES)) && v->kind != DOC_NULL && v->kind != DOC_MAP)
    bad (c, v, "'%s' must be a mapping, not %s", G ("attributes"), doc_kind_name (v));
#undef G
}

gboolean
txn_validate_doc (const Doc *doc, const char *source, const EmbargoLimits *lim,
                  EmbargoDiagnostics *diags)
{
  const DocNode *root = doc->root;
  Check c = { diags, source, lim, doc };
  gsize before = embargo_diagnostics_get_count (diags);
  if (root == NULL || root->kind != DOC_MAP)
    {
      bad (&c, root, "a transaction must be a mapping (id, date, destination, buyer, items), "
           "not %s", doc_kind_name (root));
      return FALSE;
    }
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
      check_country (&c, doc_key (v, KEY_COUNTRY), "destination", "country", FALSE);
      check_country (&c, doc_key (v, KEY_REGION), "destination", "region", TRUE);
    }
  check_string_list (&c, doc_key (root, KEY_END_USE), NULL, "end_use");
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
  /* JSON strings are checked by the JSON parser as it goes, and bytes outside strings
   * must be JSON syntax; YAML text is checked here, whole. */
  gboolean json = FALSE;
  for (gsize i = 0; i < len && !json; i++)
    {
      if (data[i] == '{')
        json = TRUE;
      else if (!g_ascii_isspace (data[i]))
        break;
    }
  const char *bad;
  /* A NUL stops g_utf8_validate() too: leave it to the reader, which names it. */
  if (!json && !g_utf8_validate (data, len, &bad) && *bad != '\0')
    {
      const char *end;
      g_utf8_validate (data, len, &end);
      unsigned line = first_line, col = 1;
      for (const char *p = data; p < end; p++)
        if (*p == '\n')
          line++, col = 1;
        else if ((*p & 0xC0) != 0x80)
          col++;
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                   "%s:%u:%u: error: invalid UTF-8 (transactions are UTF-8 text)", source, line,
                   col);
      return NULL;
    }
  Doc *doc = doc_parse_auto (data, len, source, first_line, lim, error);
  return doc ? txn_from_doc (doc, source, lim, error) : NULL;
}

EmbargoTransaction *
txn_from_doc (Doc *doc, const char *source, const EmbargoLimits *lim, GError **error)
{
  EmbargoDiagnostics *diags = diags_new ();
  gboolean valid = txn_validate_doc (doc, source, lim, diags);
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
  gboolean ok = txn_validate_doc (&txn->doc, "<transaction>", &lim, diags);
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
