/* load.c: rule files -> rules and lists, checked; then the whole rule set, compiled.
 *
 * Loading is in two steps. embargo_loader_add_data() reads one file: YAML to a
 * DocNode tree, then a schema walk that compiles every rule and list it can and
 * records a diagnostic, with the node's position, for everything it cannot: unknown
 * keys, wrong types, bad dates, non-ISO country codes, unknown operators. It goes on
 * after an error so that one run shows every problem. References between files
 * (lists used by conditions, rules named by exceptions, ids that must be unique)
 * can only be checked once every file is in: embargo_loader_finish() does that, then
 * ranks the rules, collects the regimes and builds the index. Any error anywhere and
 * no rule set is returned.
 */
#include "doc.h"
#include "iso3166.h"
#include "diag.h"
#include "rules.h"
#include "index.h"
#include "txn.h"
#include "eval.h"
#include "screening.h"
#include "decision.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  Op *op;
  const char *source;
  const char *country_path; /* the path as written when it is country-valued, else NULL */
  const char *path;         /* the path as written */
  CanonKind canon;          /* the identifier kind of the field tested */
} PendingList;

struct _EmbargoLoader {
  EmbargoLimits limits;
  EmbargoDiagnostics *diags;
  EmbargoRuleset *rs;     /* under construction */
  GPtrArray *rules;       /* EmbargoRule* in load order */
  GArray *pending_lists;  /* PendingList: in_list operators to resolve */
  GHashTable *canon_lists; /* "list id\1kind" -> EList*: values lists in an identifier's
                              canonical form, one per list and kind */
  GChecksum *digest;
  gboolean failed;        /* an error was reported */
  gboolean rules_over_limit; /* E-LIMIT for max_rules was reported */
  GHashTable *lists_over_limit; /* ids of lists refused for max_list_members (g_free), or
                                   NULL: what refers to them is not unknown besides */
  gboolean finished;
  char expected_digest[72]; /* embargo_loader_set_expected_digest(); "" when not set */
  gboolean lists_only;      /* embargo_loader_set_lists_only() */
};

typedef struct {
  EmbargoLoader *ld;
  const char *source;     /* interned */
  const DocNode *defaults;
  guint depth;
} Ctx;

/* ---- diagnostics helpers ---- */

static void
error_at (Ctx *c, guint32 line, guint32 col, const char *code, const char *fmt, ...)
  G_GNUC_PRINTF (5, 6);

static void
error_at (Ctx *c, guint32 line, guint32 col, const char *code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  diags_add (c->ld->diags, EMBARGO_SEVERITY_ERROR, code, c->source, line, col, "%s", msg);
  c->ld->failed = TRUE;
}

#define ERR(c, node, code, ...) error_at ((c), (node)->line, (node)->col, (code), __VA_ARGS__)

/* Reports every key of MAP not in ALLOWED (NULL-terminated). */
static void
check_keys (Ctx *c, const DocNode *map, const char *what, const char *const *allowed)
{
  for (guint32 i = 0; i < map->u.map.n; i++)
    {
      const DocPair *p = &map->u.map.v[i];
      gboolean ok = FALSE;
      for (const char *const *a = allowed; *a && !ok; a++)
        ok = strcmp (*a, p->key) == 0;
      if (!ok)
        error_at (c, p->line, p->col, "E-UNKNOWN-KEY", "unknown key '%s' in %s", p->key, what);
    }
}

static const char *
intern (Ctx *c, const char *s)
{
  return g_string_chunk_insert_const (c->ld->rs->strings, s);
}

Str
rs_intern (EmbargoRuleset *rs, const char *s, gsize len)
{
  g_autofree char *tmp = g_strndup (s, len);
  Str r = { g_string_chunk_insert_const (rs->strings, tmp), (guint32) len, str_hash (s, len),
            len ? key_id (s, len) : 0 };
  return r;
}

/* A copy of @s in the rule set, not shared with equal strings: for the names of a
 * names list and their keys, nearly all distinct, which interning would look up in
 * (and add to) a table as large as the list: a third of compiling a million members. */
static const char *
keep (Ctx *c, const char *s)
{
  return g_string_chunk_insert (c->ld->rs->strings, s);
}

/* A scalar that reads as text (a string, or a number kept as written), interned, or
 * with @distinct kept (keep()). */
static const char *
scalar_text_of (Ctx *c, const DocNode *n, const char *what, gboolean distinct)
{
  if (n == NULL)
    return NULL;
  if (n->kind == DOC_STRING || n->kind == DOC_NUMBER)
    return distinct ? keep (c, n->u.sc.s) : intern (c, n->u.sc.s);
  ERR (c, n, "E-TYPE", "%s must be a string, not %s", what, doc_kind_name (n));
  return NULL;
}

static const char *
text_of (Ctx *c, const DocNode *n, const char *what)
{
  return scalar_text_of (c, n, what, FALSE);
}

/* Gets KEY of MAP, falling back to the file's defaults when DEFAULTED. */
static const DocNode *
field (Ctx *c, const DocNode *map, const char *key, gboolean defaulted)
{
  const DocNode *n = doc_get (map, key);
  if (n == NULL && defaulted && c->defaults)
    n = doc_get (c->defaults, key);
  return n;
}

static const char *
required_text (Ctx *c, const DocNode *map, const char *key, const char *what, gboolean defaulted)
{
  const DocNode *n = field (c, map, key, defaulted);
  if (n == NULL || n->kind == DOC_NULL)
    {
      ERR (c, map, "E-REQUIRED", "%s has no '%s'", what, key);
      return NULL;
    }
  return text_of (c, n, key);
}

/* A date: "YYYY-MM-DD" that exists. Returns yyyymmdd, or 0 after an error. */
static gint32
date_of (Ctx *c, const DocNode *n, const char *what)
{
  if (!doc_is_scalar (n) || n->kind == DOC_NULL)
    {
      ERR (c, n, "E-TYPE", "%s must be a date (YYYY-MM-DD), not %s", what, doc_kind_name (n));
      return 0;
    }
  if (!n->is_date)
    {
      ERR (c, n, "E-DATE", "%s: '%s' is not a valid date (YYYY-MM-DD)", what, n->u.sc.s);
      return 0;
    }
  return n->u.sc.date;
}

static gboolean
valid_id (const char *s)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-'))
      return FALSE;
  return TRUE;
}

/* ---- the paths rules read (for --strict) ---- */

static void
collect_paths (GHashTable *set, const Cond *c)
{
  if (c == NULL)
    return;
  if (c->kind == C_TEST)
    {
      GString *key = g_string_new (c->path.scope == SCOPE_TXN    ? "T:"
                                   : c->path.scope == SCOPE_ITEM ? "I:"
                                                                 : "P:");
      for (guint32 i = 0; i < c->path.n; i++)
        {
          if (i)
            g_string_append_c (key, '.');
          g_string_append (key, c->path.seg[i].s);
          g_hash_table_add (set, g_strdup (key->str));
        }
      g_string_free (key, TRUE);
    }
  for (guint32 i = 0; i < c->nkids; i++)
    collect_paths (set, c->kids[i]);
}

void
ruleset_collect_read_paths (EmbargoRuleset *rs)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint32 i = 0; i < rs->nrules; i++)
    collect_paths (set, rs->rules[i]->when);
  g_ptr_array_add (rs->tables, set);
  rs->read_paths = set;
}

/* ---- conditions ---- */

static gboolean
parse_path (Ctx *c, const DocNode *n, gboolean in_party, Path *out)
{
  const char *text = text_of (c, n, "field");
  if (text == NULL)
    return FALSE;
  g_auto (GStrv) segs = g_strsplit (text, ".", -1);
  guint nseg = g_strv_length (segs);
  for (guint i = 0; i < nseg; i++)
    {
      gboolean ok = segs[i][0] != '\0';
      for (const char *p = segs[i]; *p && ok; p++)
        ok = g_ascii_isalnum (*p) || *p == '_' || *p == '-';
      if (!ok)
        {
          ERR (c, n, "E-PATH", "'%s' is not a field path (keys separated by dots)", text);
          return FALSE;
        }
    }
  guint skip = 0;
  out->scope = SCOPE_TXN;
  if (strcmp (segs[0], "item") == 0)
    out->scope = SCOPE_ITEM, skip = 1;
  else if (strcmp (segs[0], "party") == 0)
    {
      if (!in_party)
        {
          ERR (c, n, "E-PATH", "'%s': 'party.' paths are only valid inside a 'party:' condition",
               text);
          return FALSE;
        }
      out->scope = SCOPE_PARTY, skip = 1;
    }
  else if (strcmp (segs[0], "items") == 0)
    {
      ERR (c, n, "E-PATH", "'%s': test the item being decided with 'item.', not 'items.'", text);
      return FALSE;
    }
  if (nseg <= skip)
    {
      ERR (c, n, "E-PATH", "'%s' names no field", text);
      return FALSE;
    }
  out->slot = PATH_NO_SLOT; /* until assign_path_slots() */
  out->n = nseg - skip;
  out->seg = arena_alloc (&c->ld->rs->arena, out->n * sizeof *out->seg);
  for (guint i = 0; i < out->n; i++)
    out->seg[i] = rs_intern (c->ld->rs, segs[i + skip], strlen (segs[i + skip]));
  out->text = text;
  return TRUE;
}

static gboolean
operand_of (Ctx *c, const DocNode *n, Operand *out, const char *op)
{
  if (!doc_is_scalar (n) || n->kind == DOC_NULL)
    {
      ERR (c, n, "E-TYPE", "'%s' needs a value, not %s", op, doc_kind_name (n));
      return FALSE;
    }
  out->str = rs_intern (c->ld->rs, n->u.sc.s, n->u.sc.len);
  if (n->kind == DOC_BOOL)
    out->type = V_BOOL, out->b = n->boolean;
  else if (n->kind == DOC_NUMBER && !isfinite (n->u.sc.num))
    {
      ERR (c, n, "E-VALUE", "'%s' needs a finite number, not %s", op, n->u.sc.s);
      return FALSE;
    }
  else if (n->kind == DOC_NUMBER)
    out->type = V_NUM, out->num = n->u.sc.num;
  else if (n->is_date)
    out->type = V_DATE, out->date = n->u.sc.date;
  else
    out->type = V_STR;
  return TRUE;
}

/* An operand of a test on an identifier field (canon.c) in the field's canonical form,
 * as the transaction's value will be: the text of a number written without quotes
 * (`in: [854232]` on item.hs_code), trimmed, NFKC, in the field's case. A boolean can
 * never equal an identifier, and a value with no canonical form never matches: both are
 * errors. PREFIX: the operand of `prefix:`. */
static gboolean
canon_operand (Ctx *c, const Path *p, const DocNode *at, Operand *v, gboolean prefix,
               const char *op)
{
  CanonKind kind = canon_kind_of_path (p);
  if (kind == CANON_NONE && contract_field_type (p) == FIELD_TEXT)
    {
      /* a text field of the contract: a number is the text it is written with (as a
       * transaction's `part_number: 1234` is), a boolean never equals it */
      if (v->type == V_BOOL)
        {
          ERR (c, at, "E-TYPE", "'%s' is text, which the boolean %s never equals; quote it "
               "if the text '%s' is meant", p->text, v->str.s, v->str.s);
          return FALSE;
        }
      if (v->type == V_NUM)
        v->type = V_STR;
      return TRUE;
    }
  if (kind == CANON_NONE)
    return TRUE;
  if (v->type == V_BOOL)
    {
      ERR (c, at, "E-TYPE", "'%s' compares %s, which is text, with the boolean %s: it never "
           "equals it; quote it if the text '%s' is meant", p->text, canon_kind_name (kind),
           v->str.s, v->str.s);
      return FALSE;
    }
  g_autofree char *out = NULL, *why = NULL;
  switch (canon_value (kind, prefix, v->str.s, v->str.len, &out, &why))
    {
    case CANON_BAD:
      ERR (c, at, "E-IDENTIFIER", "'%s' in '%s' on '%s': %s, and '%s' %s: it would never "
           "match", v->str.s, op, p->text, canon_kind_name (kind), v->str.s, why);
      return FALSE;
    case CANON_CHANGED:
      v->str = rs_intern (c->ld->rs, out, strlen (out));
      break;
    case CANON_SAME:
      break;
    }
  v->type = V_STR;
  return TRUE;
}

static gboolean
is_country_path (const Path *p)
{
  const char *last = p->seg[p->n - 1].s;
  return strcmp (last, "country") == 0 || strcmp (last, "headquarters_country") == 0
         || strcmp (last, "origin") == 0 || strcmp (last, "citizenship") == 0;
}

/* The field that holds regions beside the country-valued field PATH ("destination.region"
 * for "destination.country"); a new string. */
static char *
region_field (const char *path)
{
  const char *dot = strrchr (path, '.');
  return dot ? g_strdup_printf ("%.*s.region", (int) (dot - path), path)
             : g_strdup ("destination.region");
}

/* Country-valued fields have their operands checked against ISO 3166. A region code
 * there would never match: it is an error that says which field to test instead. */
static void
check_code (Ctx *c, const Path *p, const DocNode *at, const Operand *v)
{
  if (v->type != V_STR)
    return;
  const char *last = p->seg[p->n - 1].s;
  if (is_country_path (p))
    {
      if (iso3166_region_valid (v->str.s, v->str.len))
        {
          g_autofree char *hint = region_field (p->text);
          ERR (c, at, "E-COUNTRY", "'%s' is a region, which '%s' never equals: test %s",
               v->str.s, p->text, hint);
        }
      else if (!iso3166_alpha2_valid (v->str.s, v->str.len))
        ERR (c, at, "E-COUNTRY", "unknown country '%s' (ISO 3166-1 alpha-2 expected)", v->str.s);
    }
  else if (strcmp (last, "region") == 0 && !iso3166_region_valid (v->str.s, v->str.len))
    ERR (c, at, "E-COUNTRY", "unknown region '%s' (ISO 3166-2 expected, such as UA-43)",
         v->str.s);
}

static const char *const op_names[] = { "equals", "in", "in_list", "prefix", "gt", "gte",
                                        "lt", "lte", "present", "owned_by_list", NULL };

static gboolean
compile_op (Ctx *c, const DocPair *pair, const Path *path, Op *op)
{
  const DocNode *v = pair->val;
  op->line = pair->line;
  op->col = pair->col;
  const char *name = pair->key;
  if (strcmp (name, "equals") == 0)
    {
      op->kind = OP_EQ;
      if (!operand_of (c, v, &op->val, name) || !canon_operand (c, path, v, &op->val, FALSE, name))
        return FALSE;
      check_code (c, path, v, &op->val);
      return TRUE;
    }
  if (strcmp (name, "in") == 0 || strcmp (name, "prefix") == 0)
    {
      gboolean is_in = name[0] == 'i';
      op->kind = is_in ? OP_IN : OP_PREFIX;
      if (v->kind != DOC_LIST && !(doc_is_scalar (v) && !is_in))
        {
          ERR (c, v, "E-TYPE", "'%s' needs a list of values, not %s", name, doc_kind_name (v));
          return FALSE;
        }
      guint32 n = v->kind == DOC_LIST ? v->u.list.n : 1;
      if (n == 0)
        {
          ERR (c, v, "E-VALUE", "'%s' has an empty list: it can never hold", name);
          return FALSE;
        }
      op->set = arena_alloc (&c->ld->rs->arena, n * sizeof *op->set);
      op->nset = n;
      for (guint32 i = 0; i < n; i++)
        {
          const DocNode *e = v->kind == DOC_LIST ? v->u.list.v[i] : v;
          if (!operand_of (c, e, &op->set[i], name)
              || !canon_operand (c, path, e, &op->set[i], !is_in, name))
            return FALSE;
          if (!is_in && op->set[i].type == V_BOOL)
            {
              ERR (c, e, "E-TYPE", "'prefix' needs text, not a boolean");
              return FALSE;
            }
          if (is_in)
            check_code (c, path, e, &op->set[i]);
        }
      /* Sets larger than this are hashed; small ones are scanned (faster below ~8). */
      gboolean all_str = TRUE;
      for (guint32 i = 0; i < n; i++)
        all_str = all_str && op->set[i].type == V_STR;
      if (is_in && all_str && n > 8)
        {
          op->set_ht = g_hash_table_new (g_str_hash, g_str_equal);
          g_ptr_array_add (c->ld->rs->tables, op->set_ht);
          for (guint32 i = 0; i < n; i++)
            g_hash_table_add (op->set_ht, (gpointer) op->set[i].str.s);
        }
      return TRUE;
    }
  if (strcmp (name, "in_list") == 0 || strcmp (name, "owned_by_list") == 0)
    {
      /* owned_by_list is in_list through the owners (the 50% rule, screening.c). */
      op->kind = OP_IN_LIST;
      op->owned = name[0] == 'o';
      if (op->owned && (path->scope != SCOPE_PARTY || path->n != 1
                        || strcmp (path->seg[0].s, "name") != 0))
        {
          ERR (c, v, "E-VALUE", "'owned_by_list' tests a party: use it on 'party.name'");
          return FALSE;
        }
      op->list_id = text_of (c, v, name);
      if (op->list_id == NULL)
        return FALSE;
      PendingList pl = { op, c->source, is_country_path (path) ? path->text : NULL, path->text,
                         canon_kind_of_path (path) };
      g_array_append_val (c->ld->pending_lists, pl);
      return TRUE;
    }
  if (strcmp (name, "present") == 0)
    {
      op->kind = OP_PRESENT;
      if (v->kind != DOC_BOOL)
        {
          ERR (c, v, "E-TYPE", "'present' must be true or false, not %s", doc_kind_name (v));
          return FALSE;
        }
      op->present = v->boolean;
      return TRUE;
    }
  static const struct { const char *name; OpKind kind; } cmps[] = {
    { "gt", OP_GT }, { "gte", OP_GTE }, { "lt", OP_LT }, { "lte", OP_LTE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cmps); i++)
    if (strcmp (name, cmps[i].name) == 0)
      {
        op->kind = cmps[i].kind;
        if (!operand_of (c, v, &op->val, name))
          return FALSE;
        if (op->val.type != V_NUM && op->val.type != V_DATE)
          {
            ERR (c, v, "E-TYPE", "'%s' compares numbers or dates, not '%s'", name,
                 op->val.str.s);
            return FALSE;
          }
        return TRUE;
      }
  g_assert_not_reached ();
}

static Cond *compile_cond (Ctx *c, const DocNode *n, gboolean in_party, gboolean *item_level);

static Cond *
new_cond (Ctx *c, CondKind kind, const DocNode *at)
{
  Cond *k = arena_alloc (&c->ld->rs->arena, sizeof *k);
  k->kind = kind;
  k->line = at->line;
  k->col = at->col;
  return k;
}

static Cond *
compile_list (Ctx *c, CondKind kind, const DocNode *list, gboolean in_party, gboolean *item_level)
{
  if (list->kind != DOC_LIST || list->u.list.n == 0)
    {
      ERR (c, list, "E-TYPE", "'%s' needs a non-empty list of conditions",
           kind == C_ALL ? "all" : "any");
      return NULL;
    }
  Cond *k = new_cond (c, kind, list);
  k->nkids = list->u.list.n;
  k->kids = arena_alloc (&c->ld->rs->arena, k->nkids * sizeof *k->kids);
  gboolean ok = TRUE;
  for (guint32 i = 0; i < k->nkids; i++)
    {
      k->kids[i] = compile_cond (c, list->u.list.v[i], in_party, item_level);
      ok = ok && k->kids[i];
    }
  return ok ? k : NULL;
}

static gboolean
parse_roles (Ctx *c, const DocNode *v, guint32 *roles)
{
  guint32 n = v->kind == DOC_LIST ? v->u.list.n : 1;
  if (!(v->kind == DOC_LIST || v->kind == DOC_STRING) || n == 0)
    {
      ERR (c, v, "E-TYPE", "'party' needs a role or a list of roles");
      return FALSE;
    }
  *roles = 0;
  for (guint32 i = 0; i < n; i++)
    {
      const DocNode *e = v->kind == DOC_LIST ? v->u.list.v[i] : v;
      if (e->kind != DOC_STRING)
        {
          ERR (c, e, "E-TYPE", "a party role must be a string, not %s", doc_kind_name (e));
          return FALSE;
        }
      if (strcmp (e->u.sc.s, "any") == 0)
        {
          *roles |= ROLE_BUYER | ROLE_CONSIGNEE | ROLE_END_USER | ROLE_INTERMEDIARIES;
          continue;
        }
      if (strcmp (e->u.sc.s, "owners") == 0)
        {
          *roles |= ROLE_OWNERS;
          continue;
        }
      guint r;
      for (r = 0; r < ROLE_COUNT; r++)
        if (strcmp (e->u.sc.s, role_names[r]) == 0)
          break;
      if (r == ROLE_COUNT)
        {
          ERR (c, e, "E-VALUE",
               "unknown party role '%s' (buyer, seller, consignee, end_user, intermediaries, "
               "owners, any)",
               e->u.sc.s);
          return FALSE;
        }
      *roles |= 1u << r;
    }
  return TRUE;
}

static Cond *
compile_cond (Ctx *c, const DocNode *n, gboolean in_party, gboolean *item_level)
{
  if (++c->depth > 32)
    {
      ERR (c, n, "E-LIMIT", "conditions nested deeper than 32 levels");
      c->depth--;
      return NULL;
    }
  Cond *k = NULL;
  if (n->kind == DOC_LIST)
    {
      k = compile_list (c, C_ALL, n, in_party, item_level);
      goto out;
    }
  if (n->kind != DOC_MAP)
    {
      ERR (c, n, "E-TYPE", "a condition must be a mapping (field/all/any/not/party), not %s",
           doc_kind_name (n));
      goto out;
    }
  static const char *const forms[] = { "field", "all", "any", "not", "party", NULL };
  const char *form = NULL;
  for (const char *const *f = forms; *f; f++)
    if (doc_get (n, *f))
      {
        if (form)
          {
            ERR (c, n, "E-CONDITION", "a condition has one of field/all/any/not/party, not both "
                 "'%s' and '%s'; combine them under 'all'", form, *f);
            goto out;
          }
        form = *f;
      }
  if (form == NULL)
    {
      ERR (c, n, "E-CONDITION", "a condition needs one of: field, all, any, not, party");
      goto out;
    }
  if (strcmp (form, "all") == 0 || strcmp (form, "any") == 0)
    {
      static const char *const ka[] = { "all", NULL }, *const kn[] = { "any", NULL };
      check_keys (c, n, "a condition", form[1] == 'l' ? ka : kn);
      k = compile_list (c, form[1] == 'l' ? C_ALL : C_ANY, doc_get (n, form), in_party,
                        item_level);
    }
  else if (strcmp (form, "not") == 0)
    {
      static const char *const keys[] = { "not", NULL };
      check_keys (c, n, "a condition", keys);
      Cond *kid = compile_cond (c, doc_get (n, "not"), in_party, item_level);
      if (kid)
        {
          k = new_cond (c, C_NOT, n);
          k->kids = arena_alloc (&c->ld->rs->arena, sizeof *k->kids);
          k->kids[0] = kid;
          k->nkids = 1;
        }
    }
  else if (strcmp (form, "party") == 0)
    {
      static const char *const keys[] = { "party", "when", NULL };
      check_keys (c, n, "a party condition", keys);
      if (in_party)
        {
          ERR (c, n, "E-CONDITION", "'party' conditions cannot be nested");
          goto out;
        }
      const DocNode *when = doc_get (n, "when");
      if (when == NULL)
        {
          ERR (c, n, "E-REQUIRED", "a party condition needs 'when': the test for each party");
          goto out;
        }
      guint32 roles;
      if (!parse_roles (c, doc_get (n, "party"), &roles))
        goto out;
      Cond *kid = compile_cond (c, when, TRUE, item_level);
      if (kid)
        {
          k = new_cond (c, C_PARTY, n);
          k->roles = roles;
          k->kids = arena_alloc (&c->ld->rs->arena, sizeof *k->kids);
          k->kids[0] = kid;
          k->nkids = 1;
        }
    }
  else
    {
      static const char *const keys[] = { "field", "if_missing", "equals", "in", "in_list",
                                          "prefix", "gt", "gte", "lt", "lte", "present",
                                          "owned_by_list", NULL };
      check_keys (c, n, "a field condition", keys);
      Cond *t = new_cond (c, C_TEST, n);
      if (!parse_path (c, doc_get (n, "field"), in_party, &t->path))
        goto out;
      if (t->path.scope == SCOPE_ITEM)
        *item_level = TRUE;
      const DocNode *miss = doc_get (n, "if_missing");
      if (miss)
        {
          if (miss->kind == DOC_BOOL)
            t->if_missing = miss->boolean ? MISS_TRUE : MISS_FALSE;
          else if (miss->kind == DOC_STRING && strcmp (miss->u.sc.s, "unknown") == 0)
            t->if_missing = MISS_UNKNOWN;
          else
            {
              ERR (c, miss, "E-VALUE", "'if_missing' is unknown, false or true");
              goto out;
            }
        }
      guint32 nops = 0;
      for (guint32 i = 0; i < n->u.map.n; i++)
        for (const char *const *o = op_names; *o; o++)
          if (strcmp (*o, n->u.map.v[i].key) == 0)
            nops++;
      if (nops == 0)
        {
          ERR (c, n, "E-CONDITION", "condition on '%s' has no operator (equals, in, in_list, "
               "prefix, gt, gte, lt, lte, present)", t->path.text);
          goto out;
        }
      t->ops = arena_alloc (&c->ld->rs->arena, nops * sizeof *t->ops);
      gboolean ok = TRUE;
      for (guint32 i = 0; i < n->u.map.n; i++)
        for (const char *const *o = op_names; *o; o++)
          if (strcmp (*o, n->u.map.v[i].key) == 0)
            ok = compile_op (c, &n->u.map.v[i], &t->path, &t->ops[t->nops++]) && ok;
      if (ok)
        k = t;
    }
out:
  c->depth--;
  return k;
}

/* ---- rules ---- */

static const char *const rule_keys[] = {
  "id", "title", "regime", "authority", "citation", "source_url", "effective_from",
  "effective_until", "effect", "priority", "tags", "unverified", "superseded_by", "notes",
  "message", "when", "lifts", NULL,
};

static const char *const default_keys[] = {
  "regime", "authority", "citation", "source_url", "effective_from", "effective_until",
  "tags", "unverified", "notes", NULL,
};

static const char **
string_list (Ctx *c, const DocNode *n, const char *what, guint32 *count)
{
  if (n->kind != DOC_LIST)
    {
      ERR (c, n, "E-TYPE", "'%s' must be a list of strings, not %s", what, doc_kind_name (n));
      return NULL;
    }
  const char **v = arena_alloc (&c->ld->rs->arena, (n->u.list.n + 1) * sizeof *v);
  for (guint32 i = 0; i < n->u.list.n; i++)
    if ((v[i] = text_of (c, n->u.list.v[i], what)) == NULL)
      return NULL;
  if (count)
    *count = n->u.list.n;
  return v;
}

/* The rule's text as written plus the defaults it takes from its file: what `embargo
 * diff` compares (fingerprint.c). */
static const char *
fingerprint (Ctx *c, const DocNode *n)
{
  g_autoptr (GChecksum) ck = g_checksum_new (G_CHECKSUM_SHA256);
  doc_hash (ck, n);
  for (const char *const *k = default_keys; *k && c->defaults; k++)
    if (doc_get (n, *k) == NULL && doc_get (c->defaults, *k))
      {
        g_checksum_update (ck, (const guchar *) *k, strlen (*k) + 1);
        doc_hash (ck, doc_get (c->defaults, *k));
      }
  g_autofree char *s = g_strdup_printf ("sha256:%s", g_checksum_get_string (ck));
  return intern (c, s);
}

static void
compile_rule (Ctx *c, const DocNode *n)
{
  if (n->kind != DOC_MAP)
    {
      ERR (c, n, "E-TYPE", "a rule must be a mapping, not %s", doc_kind_name (n));
      return;
    }
  check_keys (c, n, "a rule", rule_keys);
  EmbargoRule *r = arena_alloc (&c->ld->rs->arena, sizeof *r);
  r->line = n->line;
  r->col = n->col;
  r->source_name = c->source;
  g_autofree char *ref = g_strdup_printf ("%s:%u", c->source, n->line);
  r->source_ref = intern (c, ref);
  r->fingerprint = fingerprint (c, n);
  r->id = required_text (c, n, "id", "rule", FALSE);
  const char *what = r->id ? r->id : "rule";
  if (r->id && !valid_id (r->id))
    ERR (c, doc_get (n, "id"), "E-VALUE",
         "rule id '%s' may only hold letters, digits, '.', '_' and '-'", r->id);
  g_autofree char *desc = g_strdup_printf ("rule '%s'", what);
  r->title = required_text (c, n, "title", desc, FALSE);
  r->regime = required_text (c, n, "regime", desc, TRUE);
  r->authority = required_text (c, n, "authority", desc, TRUE);
  r->citation = required_text (c, n, "citation", desc, TRUE);
  r->source_url = required_text (c, n, "source_url", desc, TRUE);
  const DocNode *v;
  if (r->regime)
    {
      gboolean ok = g_ascii_isupper (r->regime[0]);
      for (const char *p = r->regime; *p && ok; p++)
        ok = g_ascii_isupper (*p) || g_ascii_isdigit (*p) || *p == '-';
      if (!ok)
        ERR (c, field (c, n, "regime", TRUE), "E-VALUE",
             "regime '%s' must be upper-case letters, digits and '-' (US-EAR, CN-CAC, EU)",
             r->regime);
    }
  if (r->source_url && !g_str_has_prefix (r->source_url, "http://")
      && !g_str_has_prefix (r->source_url, "https://"))
    ERR (c, field (c, n, "source_url", TRUE), "E-VALUE",
         "source_url '%s' must be an http:// or https:// address", r->source_url);
  if ((v = field (c, n, "effective_from", TRUE)) == NULL)
    ERR (c, n, "E-REQUIRED", "%s has no 'effective_from'", desc);
  else if ((r->from = date_of (c, v, "effective_from")))
    r->from_text = intern (c, v->u.sc.s);
  if ((v = field (c, n, "effective_until", TRUE)) && (r->until = date_of (c, v, "effective_until")))
    {
      r->until_text = intern (c, v->u.sc.s);
      if (r->from && r->until <= r->from)
        ERR (c, v, "E-DATE-WINDOW",
             "effective_until %s is not after effective_from %s: the rule is never in force",
             r->until_text, r->from_text ? r->from_text : "?");
    }
  if ((v = doc_get (n, "effect")) == NULL)
    ERR (c, n, "E-REQUIRED", "%s has no 'effect'", desc);
  else if (v->kind != DOC_STRING || !embargo_outcome_from_string (v->u.sc.s, &r->effect))
    ERR (c, v, "E-VALUE", "effect must be deny, license_required, review or allow, not '%s'",
         doc_is_scalar (v) ? v->u.sc.s : doc_kind_name (v));
  if ((v = doc_get (n, "priority")))
    {
      if (v->kind != DOC_NUMBER || !isfinite (v->u.sc.num) || v->u.sc.num < -1000000
          || v->u.sc.num > 1000000 || v->u.sc.num != (double) (gint) v->u.sc.num)
        ERR (c, v, "E-TYPE", "priority must be a whole number");
      else
        r->priority = (gint) v->u.sc.num;
    }
  if ((v = field (c, n, "tags", TRUE)))
    r->tags = string_list (c, v, "tags", NULL);
  if ((v = field (c, n, "unverified", TRUE)))
    r->unverified = text_of (c, v, "unverified");
  if ((v = field (c, n, "notes", TRUE)))
    r->notes = text_of (c, v, "notes");
  if ((v = doc_get (n, "superseded_by")))
    r->superseded_by = text_of (c, v, "superseded_by");
  if ((v = doc_get (n, "message")))
    r->message = text_of (c, v, "message");
  if ((v = doc_get (n, "when")))
    {
      gboolean item_level = FALSE;
      r->when = compile_cond (c, v, FALSE, &item_level);
    }
  if ((v = doc_get (n, "lifts")))
    {
      if (r->effect != EMBARGO_OUTCOME_ALLOW)
        ERR (c, v, "E-LIFTS", "only an 'allow' rule can lift other rules");
      else if (v->kind != DOC_LIST || v->u.list.n == 0)
        ERR (c, v, "E-TYPE", "'lifts' must be a non-empty list of rule ids or tag:NAME");
      else if ((r->lifts_raw = string_list (c, v, "lifts", &r->nlifts_raw)))
        {
          r->is_exception = TRUE;
          r->lifts_line = arena_alloc (&c->ld->rs->arena, r->nlifts_raw * sizeof (guint32));
          r->lifts_col = arena_alloc (&c->ld->rs->arena, r->nlifts_raw * sizeof (guint32));
          for (guint32 i = 0; i < r->nlifts_raw; i++)
            {
              r->lifts_line[i] = v->u.list.v[i]->line;
              r->lifts_col[i] = v->u.list.v[i]->col;
            }
        }
    }
  if (c->ld->rules->len >= c->ld->limits.max_rules)
    {
      /* Once, at the first rule too many: not a million lines for a million more. */
      if (!c->ld->rules_over_limit)
        ERR (c, n, "E-LIMIT", "more than %zu rules", c->ld->limits.max_rules);
      c->ld->rules_over_limit = TRUE;
      c->ld->failed = TRUE;
      return;
    }
  r->index = c->ld->rules->len;
  g_ptr_array_add (c->ld->rules, r);
}

/* ---- lists ---- */

static void
add_member (EList *l, Arena *arena, const char *key, const ListMember *proto)
{
  ListMember *m = arena_alloc (arena, sizeof *m);
  *m = *proto;
  m->next = g_hash_table_lookup (l->members, key);
  g_hash_table_replace (l->members, (gpointer) key, m);
}

static gboolean
member_dates (Ctx *c, const DocNode *e, Interval *w)
{
  const DocNode *v;
  if ((v = doc_get (e, "from")) && !(w->from = date_of (c, v, "from")))
    return FALSE;
  if ((v = doc_get (e, "until")) && !(w->until = date_of (c, v, "until")))
    return FALSE;
  if (w->from && w->until && w->until <= w->from)
    {
      ERR (c, v, "E-DATE-WINDOW", "'until' is not after 'from': the membership never holds");
      return FALSE;
    }
  return TRUE;
}

static void
compile_member (Ctx *c, EList *l, const DocNode *e)
{
  EmbargoRuleset *rs = c->ld->rs;
  ListMember m = { 0 };
  const char *key = NULL;
  if (l->kind == LIST_COUNTRIES)
    {
      static const char *const keys[] = { "code", "from", "until", "notes", NULL };
      const DocNode *code = e;
      if (e->kind == DOC_MAP)
        {
          check_keys (c, e, "a country member", keys);
          if (!member_dates (c, e, &m.when))
            return;
          if ((code = doc_get (e, "code")) == NULL)
            {
              ERR (c, e, "E-REQUIRED", "a country member needs 'code'");
              return;
            }
        }
      if (code->kind != DOC_STRING)
        {
          ERR (c, code, "E-TYPE", "a country code must be a string, not %s", doc_kind_name (code));
          return;
        }
      /* one spelling, as for the fields it is tested against (canon.c) */
      g_autofree char *canon = NULL, *why = NULL;
      if (canon_value (CANON_COUNTRY, FALSE, code->u.sc.s, code->u.sc.len, &canon, &why)
          == CANON_BAD)
        {
          ERR (c, code, "E-IDENTIFIER", "country code '%s' %s", code->u.sc.s, why);
          return;
        }
      const char *text = canon ? canon : code->u.sc.s;
      gsize tlen = strlen (text);
      if (!iso3166_alpha2_valid (text, tlen) && !iso3166_region_valid (text, tlen))
        {
          ERR (c, code, "E-COUNTRY", "unknown country '%s' (ISO 3166-1 alpha-2 or 3166-2 expected)",
               code->u.sc.s);
          return;
        }
      key = intern (c, text);
      m.name = key;
      add_member (l, &rs->arena, key, &m);
      return;
    }
  if (l->kind == LIST_VALUES)
    {
      static const char *const keys[] = { "value", "from", "until", "notes", NULL };
      const DocNode *val = e;
      if (e->kind == DOC_MAP)
        {
          check_keys (c, e, "a value member", keys);
          if (!member_dates (c, e, &m.when))
            return;
          if ((val = doc_get (e, "value")) == NULL)
            {
              ERR (c, e, "E-REQUIRED", "a value member needs 'value'");
              return;
            }
        }
      if ((key = text_of (c, val, "a list value")) == NULL)
        return;
      m.name = key;
      add_member (l, &rs->arena, key, &m);
      return;
    }
  /* names */
  static const char *const keys[] = { "name", "aliases", "country", "from", "until", "citation",
                                      "license_policy", "notes", "type", "program", "ids", NULL };
  const DocNode *name = e;
  const DocNode *aliases = NULL;
  if (e->kind == DOC_MAP)
    {
      check_keys (c, e, "a name member", keys);
      if (!member_dates (c, e, &m.when))
        return;
      if ((name = doc_get (e, "name")) == NULL)
        {
          ERR (c, e, "E-REQUIRED", "a name member needs 'name'");
          return;
        }
      const DocNode *v;
      if ((v = doc_get (e, "citation")))
        m.citation = text_of (c, v, "citation");
      if ((v = doc_get (e, "license_policy")))
        m.license_policy = text_of (c, v, "license_policy");
      if ((v = doc_get (e, "country")) && v->kind == DOC_STRING
          && !iso3166_alpha2_valid (v->u.sc.s, v->u.sc.len))
        ERR (c, v, "E-COUNTRY", "unknown country '%s'", v->u.sc.s);
      aliases = doc_get (e, "aliases");
      if (aliases && aliases->kind != DOC_LIST)
        {
          ERR (c, aliases, "E-TYPE", "'aliases' must be a list of names");
          aliases = NULL;
        }
    }
  if ((m.name = scalar_text_of (c, name, "a name", TRUE)) == NULL)
    return;
  guint32 nalias = aliases ? aliases->u.list.n : 0;
  g_autofree const char **alias_texts = g_new0 (const char *, nalias + 1);
  guint32 nalias_ok = 0;
  for (guint32 i = 0; i <= nalias; i++)
    {
      const char *text = i == 0 ? m.name
                                : scalar_text_of (c, aliases->u.list.v[i - 1], "an alias", TRUE);
      if (text == NULL)
        continue;
      if (i > 0)
        alias_texts[nalias_ok++] = text;
      g_autofree char *norm = embargo_name_normalize (text, -1);
      if (norm[0] == '\0')
        {
          ERR (c, i == 0 ? name : aliases->u.list.v[i - 1], "E-VALUE",
               "name '%s' has no letters or digits to match on", text);
          continue;
        }
      add_member (l, &rs->arena, keep (c, norm), &m);
    }
  /* The fuzzy view of the same member (screening.c), with its own copy of the dates. */
  ListMember *rep = arena_alloc (&rs->arena, sizeof *rep);
  *rep = m;
  g_autofree char *why = NULL;
  if (!elist_screen_add (l, rep, e, m.name, alias_texts, &why))
    ERR (c, e, "E-VALUE", "%s", why);
}

static void
compile_list_def (Ctx *c, const DocNode *n)
{
  static const char *const keys[] = { "id", "kind", "title", "authority", "citation",
                                      "source_url", "notes", "unverified", "members",
                                      "screening", NULL };
  if (n->kind != DOC_MAP)
    {
      ERR (c, n, "E-TYPE", "a list must be a mapping, not %s", doc_kind_name (n));
      return;
    }
  check_keys (c, n, "a list", keys);
  EmbargoRuleset *rs = c->ld->rs;
  EList *l = arena_alloc (&rs->arena, sizeof *l);
  l->source_name = c->source;
  l->line = n->line;
  l->col = n->col;
  l->id = required_text (c, n, "id", "list", FALSE);
  const DocNode *kind = doc_get (n, "kind");
  if (kind == NULL)
    {
      ERR (c, n, "E-REQUIRED", "list '%s' has no 'kind' (countries, names or values)",
           l->id ? l->id : "?");
      return;
    }
  if (kind->kind == DOC_STRING && strcmp (kind->u.sc.s, "countries") == 0)
    l->kind = LIST_COUNTRIES;
  else if (kind->kind == DOC_STRING && strcmp (kind->u.sc.s, "names") == 0)
    l->kind = LIST_NAMES;
  else if (kind->kind == DOC_STRING && strcmp (kind->u.sc.s, "values") == 0)
    l->kind = LIST_VALUES;
  else
    {
      ERR (c, kind, "E-VALUE", "list kind must be countries, names or values");
      return;
    }
  const DocNode *title = doc_get (n, "title");
  if (title)
    l->title = text_of (c, title, "title");
  const DocNode *screening = doc_get (n, "screening");
  g_autofree char *why = NULL;
  if (screening && l->kind != LIST_NAMES)
    ERR (c, screening, "E-VALUE", "'screening' applies to names lists only");
  else if (!elist_screening_options (l, screening, &why))
    ERR (c, screening, "E-VALUE", "%s", why);
  const DocNode *members = doc_get (n, "members");
  if (members == NULL || members->kind != DOC_LIST)
    {
      ERR (c, members ? members : n, "E-REQUIRED", "list '%s' needs 'members', a list",
           l->id ? l->id : "?");
      return;
    }
  /* A names list longer than max_list_members is refused at the first member too many,
   * before any member is compiled: nothing of it is indexed. Only names lists: they are
   * what screening indexes and searches. */
  gsize max_members = c->ld->limits.max_list_members;
  if (l->kind == LIST_NAMES && members->u.list.n > max_members)
    {
      ERR (c, members->u.list.v[max_members], "E-LIMIT",
           "list '%s' has %u members, more than the limit of %zu (max_list_members)",
           l->id ? l->id : "?", members->u.list.n, max_members);
      if (l->id)
        {
          if (c->ld->lists_over_limit == NULL)
            c->ld->lists_over_limit = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                             NULL);
          g_hash_table_add (c->ld->lists_over_limit, g_strdup (l->id));
        }
      return;
    }
  l->members = g_hash_table_new (g_str_hash, g_str_equal);
  l->screen_expected = members->u.list.n;
  for (guint32 i = 0; i < members->u.list.n; i++)
    compile_member (c, l, members->u.list.v[i]);
  if (l->id == NULL)
    {
      g_hash_table_destroy (l->members);
      elist_screen_free (l);
      return;
    }
  EList *prev = g_hash_table_lookup (rs->lists, l->id);
  if (prev)
    {
      ERR (c, doc_get (n, "id"), "E-DUPLICATE-ID", "list '%s' is already defined", l->id);
      diags_set_context (c->ld->diags, prev->source_name, prev->line, prev->col,
                         "list '%s' is first defined here", l->id);
      g_hash_table_destroy (l->members);
      elist_screen_free (l);
      return;
    }
  g_hash_table_insert (rs->lists, (gpointer) l->id, l);
}

/* ---- files ---- */

static void
compile_file (Ctx *c, const DocNode *root)
{
  /* A file that adds neither rules nor lists is an error, never a silent no-op: a rule
   * file emptied or truncated to nothing must not quietly take its rules away. */
  if (root->kind == DOC_NULL)
    {
      ERR (c, root, "E-EMPTY", "a rule file with neither 'rules' nor 'lists' (empty file)");
      return;
    }
  if (root->kind != DOC_MAP)
    {
      ERR (c, root, "E-TYPE", "a rule file is a mapping with 'rules', 'lists' and 'defaults'");
      return;
    }
  static const char *const keys[] = { "defaults", "lists", "rules", NULL };
  check_keys (c, root, "a rule file", keys);
  const DocNode *d = doc_get (root, "defaults");
  if (d)
    {
      if (d->kind != DOC_MAP)
        ERR (c, d, "E-TYPE", "'defaults' must be a mapping");
      else
        {
          check_keys (c, d, "defaults", default_keys);
          c->defaults = d;
        }
    }
  const DocNode *lists = doc_get (root, "lists");
  if (lists)
    {
      if (lists->kind != DOC_LIST)
        ERR (c, lists, "E-TYPE", "'lists' must be a list");
      else
        for (guint32 i = 0; i < lists->u.list.n; i++)
          compile_list_def (c, lists->u.list.v[i]);
    }
  const DocNode *rules = doc_get (root, "rules");
  if (rules)
    {
      if (rules->kind != DOC_LIST)
        ERR (c, rules, "E-TYPE", "'rules' must be a list");
      else
        for (guint32 i = 0; i < rules->u.list.n; i++)
          compile_rule (c, rules->u.list.v[i]);
    }
  if ((rules == NULL || (rules->kind == DOC_LIST && rules->u.list.n == 0))
      && (lists == NULL || (lists->kind == DOC_LIST && lists->u.list.n == 0)))
    ERR (c, rules ? rules : lists ? lists : root, "E-EMPTY",
         "a rule file with neither rules nor lists");
}

static void
free_list (gpointer p)
{
  EList *l = p;
  if (l->members)
    g_hash_table_destroy (l->members);
  elist_screen_free (l);
}

EmbargoLoader *
embargo_loader_new (const EmbargoLimits *limits)
{
  EmbargoLoader *ld = g_new0 (EmbargoLoader, 1);
  EmbargoLimits def = EMBARGO_LIMITS_INIT;
  ld->limits = limits ? *limits : def;
  ld->diags = diags_new ();
  ld->rules = g_ptr_array_new ();
  ld->pending_lists = g_array_new (FALSE, FALSE, sizeof (PendingList));
  ld->canon_lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ld->digest = g_checksum_new (G_CHECKSUM_SHA256);
  EmbargoRuleset *rs = g_new0 (EmbargoRuleset, 1);
  rs->refcount = 1;
  arena_init (&rs->arena);
  rs->strings = g_string_chunk_new (4096);
  rs->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  rs->lists = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, free_list);
  rs->tables = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_destroy);
  ld->rs = rs;
  /* Limits of another header version are not read: the defaults apply, and the loader
   * never finishes (fail closed), with the reason among its diagnostics. */
  g_autoptr (GError) version = NULL;
  if (!OPTIONS_VERSION_OK (limits, EMBARGO_LIMITS_VERSION, "EmbargoLimits", EMBARGO_LOAD_ERROR,
                           EMBARGO_LOAD_ERROR_FAILED, &version))
    {
      ld->limits = def;
      diags_add (ld->diags, EMBARGO_SEVERITY_ERROR, "E-VERSION", "<options>", 0, 0, "%s",
                 version->message);
      ld->failed = TRUE;
    }
  rs->max_work = ld->limits.max_work;
  return ld;
}

void
embargo_loader_free (EmbargoLoader *loader)
{
  if (loader == NULL)
    return;
  embargo_ruleset_unref (loader->rs);
  diags_free (loader->diags);
  g_ptr_array_free (loader->rules, TRUE);
  g_array_free (loader->pending_lists, TRUE);
  g_hash_table_destroy (loader->canon_lists);
  g_checksum_free (loader->digest);
  if (loader->lists_over_limit)
    g_hash_table_destroy (loader->lists_over_limit);
  g_free (loader);
}

const EmbargoLimits *
embargo_loader_get_limits (const EmbargoLoader *loader)
{
  g_return_val_if_fail (loader != NULL, NULL);
  return &loader->limits;
}

void
embargo_loader_add_error (EmbargoLoader *loader, const char *code, const char *source,
                          unsigned line, unsigned col, const char *message)
{
  g_return_if_fail (loader != NULL && code != NULL && source != NULL && message != NULL);
  diags_add (loader->diags, EMBARGO_SEVERITY_ERROR, code, source, line, col, "%s", message);
  loader->failed = TRUE;
}

void
embargo_loader_set_lists_only (EmbargoLoader *loader)
{
  g_return_if_fail (loader != NULL);
  loader->lists_only = TRUE;
}

gboolean
embargo_loader_set_expected_digest (EmbargoLoader *loader, const char *digest, GError **error)
{
  g_return_val_if_fail (loader != NULL, FALSE);
  g_return_val_if_fail (!loader->finished, FALSE);
  if (digest == NULL)
    {
      loader->expected_digest[0] = '\0';
      return TRUE;
    }
  gboolean ok = strlen (digest) == 71 && g_str_has_prefix (digest, "sha256:");
  for (const char *p = digest + 7; ok && *p; p++)
    ok = g_ascii_isxdigit (*p) && !g_ascii_isupper (*p);
  if (!ok)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                   "expected digest '%s' is not \"sha256:\" and 64 lower-case hex digits",
                   digest);
      return FALSE;
    }
  memcpy (loader->expected_digest, digest, 72);
  return TRUE;
}

const EmbargoDiagnostics *
embargo_loader_get_diagnostics (const EmbargoLoader *loader)
{
  g_return_val_if_fail (loader != NULL, NULL);
  return loader->diags;
}

gboolean
embargo_loader_add_data (EmbargoLoader *ld, const char *data, gsize len, const char *source,
                         GError **error)
{
  g_return_val_if_fail (ld != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (source != NULL, FALSE);
  g_return_val_if_fail (!ld->finished, FALSE);
  if (data == NULL)
    data = "";
  /* The name goes into decisions' JSON ("source"), which must be valid UTF-8 whatever
   * the file system's names are. */
  g_autofree char *valid_name = g_utf8_validate (source, -1, NULL) ? NULL
                                : g_utf8_make_valid (source, -1);
  const char *src = g_string_chunk_insert_const (ld->rs->strings,
                                                 valid_name ? valid_name : source);

  /* The digest covers what decides: each file's bytes, framed by their length, in load
   * order. Names are left out so that the same rules hash alike wherever they are
   * installed. */
  guint64 n64 = GUINT64_TO_LE ((guint64) len);
  g_checksum_update (ld->digest, (const guchar *) &n64, sizeof n64);
  g_checksum_update (ld->digest, (const guchar *) data, len);

  guint32 bad_line, bad_col;
  if (!text_utf8_check (data, len, src, 1, "rule files", &bad_line, &bad_col, error))
    {
      diags_add (ld->diags, EMBARGO_SEVERITY_ERROR, "E-ENCODING", src, bad_line, bad_col,
                 "invalid UTF-8 (rule files are UTF-8 text)");
      ld->failed = TRUE;
      return FALSE;
    }

  GError *perr = NULL;
  g_autoptr (Doc) doc = doc_parse_yaml (data, len, src, 1, &ld->limits, &perr);
  if (doc == NULL)
    {
      /* The parser's message is already "source:line:col: error: text". */
      unsigned line = 0, col = 0;
      const char *msg = perr->message;
      gsize sl = strlen (src);
      if (strncmp (msg, src, sl) == 0 && sscanf (msg + sl, ":%u:%u:", &line, &col) == 2)
        {
          const char *e = strstr (msg + sl, ": error: ");
          if (e)
            msg = e + 9;
        }
      else if (strncmp (msg, src, sl) == 0 && g_str_has_prefix (msg + sl, ": error: "))
        msg += sl + 9; /* a whole-file problem (the size limit): no position */
      diags_add (ld->diags, EMBARGO_SEVERITY_ERROR,
                 perr->code == EMBARGO_LOAD_ERROR_LIMIT ? "E-LIMIT" : "E-SYNTAX", src, line, col,
                 "%s", msg);
      ld->failed = TRUE;
      g_propagate_error (error, perr);
      return FALSE;
    }

  gsize before = embargo_diagnostics_count_at_least (ld->diags, EMBARGO_SEVERITY_ERROR);
  Ctx c = { ld, src, NULL, 0 };
  compile_file (&c, doc->root);
  gsize errors = embargo_diagnostics_count_at_least (ld->diags, EMBARGO_SEVERITY_ERROR) - before;
  if (errors)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID, "%s: %zu error%s", src,
                   errors, errors == 1 ? "" : "s");
      return FALSE;
    }
  return TRUE;
}


/* ---- the whole rule set ---- */

static void
resolve_lifts (EmbargoLoader *ld, EmbargoRule *r)
{
  EmbargoRuleset *rs = ld->rs;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint32));
  Ctx c = { ld, r->source_name, NULL, 0 };
  for (guint32 i = 0; i < r->nlifts_raw; i++)
    {
      const char *name = r->lifts_raw[i];
      guint32 line = r->lifts_line[i], col = r->lifts_col[i];
      if (g_str_has_prefix (name, "tag:"))
        {
          const char *tag = name + 4;
          for (guint32 k = 0; k < rs->nrules; k++)
            {
              EmbargoRule *t = rs->rules[k];
              /* A rule whose regime failed to load has none (an error is already
               * reported): skip it rather than compare NULL (found by fuzz-rules). */
              if (t == r || t->effect == EMBARGO_OUTCOME_ALLOW || !t->tags || !t->regime
                  || strcmp (t->regime, r->regime) != 0)
                continue;
              for (const char **g = t->tags; *g; g++)
                if (strcmp (*g, tag) == 0)
                  {
                    g_array_append_val (out, t->index);
                    break;
                  }
            }
          continue;
        }
      EmbargoRule *t = g_hash_table_lookup (rs->by_id, name);
      if (t == NULL)
        error_at (&c, line, col, "E-UNKNOWN-RULE", "exception '%s' lifts unknown rule '%s'",
                  r->id, name);
      else if (t->regime == NULL)
        continue; /* its own error is already reported */
      else if (strcmp (t->regime, r->regime) != 0)
        {
          error_at (&c, line, col, "E-CROSS-REGIME",
                    "exception '%s' (%s) cannot lift '%s' of another regime (%s)", r->id,
                    r->regime, t->id, t->regime);
          diags_set_context (ld->diags, t->source_name, t->line, t->col,
                             "rule '%s' (%s) is defined here", t->id, t->regime);
        }
      else if (t->effect == EMBARGO_OUTCOME_ALLOW)
        {
          error_at (&c, line, col, "E-LIFTS", "'%s' is an allow rule: there is nothing to lift",
                    t->id);
          diags_set_context (ld->diags, t->source_name, t->line, t->col,
                             "rule '%s' is defined here", t->id);
        }
      else
        g_array_append_val (out, t->index);
    }
  g_array_sort (out, cmp_u32);
  r->lifts = arena_alloc (&rs->arena, MAX (out->len, 1) * sizeof (guint32));
  r->nlifts = 0;
  for (guint32 i = 0; i < out->len; i++)
    {
      guint32 v = g_array_index (out, guint32, i);
      if (r->nlifts == 0 || r->lifts[r->nlifts - 1] != v)
        r->lifts[r->nlifts++] = v;
    }
  g_array_free (out, TRUE);
}

/* Gives every distinct transaction- and item-level path a cache slot (the first
 * PATH_SLOTS of them; the rest are resolved each time). */
static void
slot_cond (Cond *c, GHashTable *slots, EmbargoRuleset *rs)
{
  if (c == NULL)
    return;
  if (c->kind == C_TEST)
    {
      c->path.slot = PATH_NO_SLOT;
      if (c->path.scope == SCOPE_PARTY)
        return;
      g_autofree char *key = g_strdup_printf ("%d:%s", c->path.scope, c->path.text);
      gpointer v;
      if (g_hash_table_lookup_extended (slots, key, NULL, &v))
        c->path.slot = GPOINTER_TO_UINT (v);
      else if (rs->npath_slots < PATH_SLOTS)
        {
          c->path.slot = rs->npath_slots++;
          g_hash_table_insert (slots, g_steal_pointer (&key), GUINT_TO_POINTER (c->path.slot));
        }
      return;
    }
  for (guint32 i = 0; i < c->nkids; i++)
    slot_cond (c->kids[i], slots, rs);
}

static void
assign_path_slots (EmbargoRuleset *rs)
{
  GHashTable *slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint32 i = 0; i < rs->nrules; i++)
    slot_cond (rs->rules[i]->when, slots, rs);
  g_hash_table_destroy (slots);
}

/* A values list used to test an identifier field (PL), in that field's canonical form
 * (canon.c): L itself when every member already is, else a copy keyed by the canonical
 * forms, kept for the rule set's lifetime (one per list and kind). A member with no
 * canonical form is an error at the first test that uses the list for such a field, since
 * a list may serve several fields. */
static EList *
canon_values_list (EmbargoLoader *ld, const PendingList *pl, EList *l)
{
  EmbargoRuleset *rs = ld->rs;
  g_autofree char *memo = g_strdup_printf ("%s\1%d", l->id, (int) pl->canon);
  EList *done = g_hash_table_lookup (ld->canon_lists, memo);
  if (done)
    return done; /* its errors, if any, are reported already */
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, l->members);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, cmp_strp);
  EList *copy = NULL;
  Ctx c = { ld, pl->source, NULL, 0 };
  for (guint i = 0; i < keys->len; i++)
    {
      const char *k = g_ptr_array_index (keys, i);
      g_autofree char *out = NULL, *why = NULL;
      CanonResult res = canon_value (pl->canon, FALSE, k, strlen (k), &out, &why);
      if (res == CANON_BAD)
        {
          error_at (&c, pl->op->line, pl->op->col, "E-IDENTIFIER",
                    "list '%s' holds '%s', which '%s' never equals: %s, and '%s' %s", l->id, k,
                    pl->path, canon_kind_name (pl->canon), k, why);
          continue;
        }
      if (res == CANON_SAME && copy == NULL)
        continue;
      if (copy == NULL)
        {
          /* the members so far are canonical: the copy starts with them */
          copy = arena_alloc (&rs->arena, sizeof *copy);
          *copy = *l;
          copy->members = g_hash_table_new (g_str_hash, g_str_equal);
          g_ptr_array_add (rs->tables, copy->members);
          for (guint j = 0; j < i; j++)
            g_hash_table_insert (copy->members, g_ptr_array_index (keys, j),
                                 g_hash_table_lookup (l->members, g_ptr_array_index (keys, j)));
        }
      const char *ck = res == CANON_SAME ? k : g_string_chunk_insert_const (rs->strings, out);
      /* members of two spellings of one value: both chains under the canonical key */
      for (const ListMember *m = g_hash_table_lookup (l->members, k); m; m = m->next)
        add_member (copy, &rs->arena, ck, m);
    }
  g_hash_table_insert (ld->canon_lists, g_steal_pointer (&memo), copy ? copy : l);
  return copy ? copy : l;
}

static gint
cmp_rank (gconstpointer a, gconstpointer b)
{
  const EmbargoRule *x = *(EmbargoRule *const *) a, *y = *(EmbargoRule *const *) b;
  if (x->priority != y->priority)
    return x->priority > y->priority ? -1 : 1; /* higher priority decides first */
  return x->index < y->index ? -1 : x->index > y->index;
}

EmbargoRuleset *
embargo_loader_finish (EmbargoLoader *loader, GError **error)
{
  g_return_val_if_fail (loader != NULL, NULL);
  g_return_val_if_fail (!loader->finished, NULL);
  EmbargoLoader *ld = loader;
  EmbargoRuleset *rs = ld->rs;
  ld->finished = TRUE;

  rs->nrules = ld->rules->len;
  rs->rules = arena_alloc (&rs->arena, MAX (rs->nrules, 1) * sizeof *rs->rules);
  if (rs->nrules)
    memcpy (rs->rules, ld->rules->pdata, rs->nrules * sizeof *rs->rules);

  /* Unique ids: the first definition wins, every later one is an error. */
  for (guint32 i = 0; i < rs->nrules; i++)
    {
      EmbargoRule *r = rs->rules[i];
      if (r->id == NULL)
        continue;
      EmbargoRule *prev = g_hash_table_lookup (rs->by_id, r->id);
      if (prev)
        {
          Ctx c = { ld, r->source_name, NULL, 0 };
          error_at (&c, r->line, r->col, "E-DUPLICATE-ID", "rule id '%s' is already defined",
                    r->id);
          diags_set_context (ld->diags, prev->source_name, prev->line, prev->col,
                             "rule '%s' is first defined here", r->id);
        }
      else
        g_hash_table_insert (rs->by_id, (gpointer) r->id, r);
    }

  for (guint i = 0; i < ld->pending_lists->len; i++)
    {
      PendingList *pl = &g_array_index (ld->pending_lists, PendingList, i);
      EList *l = g_hash_table_lookup (rs->lists, pl->op->list_id);
      if (l == NULL)
        {
          Ctx c = { ld, pl->source, NULL, 0 };
          if (ld->lists_over_limit == NULL
              || !g_hash_table_contains (ld->lists_over_limit, pl->op->list_id))
            error_at (&c, pl->op->line, pl->op->col, "E-UNKNOWN-LIST", "unknown list '%s'",
                      pl->op->list_id);
          continue;
        }
      pl->op->list = l;
      l->used = TRUE;
      if (l->kind == LIST_VALUES && pl->canon != CANON_NONE)
        pl->op->list = canon_values_list (ld, pl, l);
      /* A countries list may hold regions (for region fields), but a region in a list
       * that a country field is tested against never matches. */
      if (pl->country_path && l->kind == LIST_COUNTRIES)
        {
          g_autoptr (GPtrArray) regions = g_ptr_array_new ();
          GHashTableIter mit;
          gpointer mkey;
          g_hash_table_iter_init (&mit, l->members);
          while (g_hash_table_iter_next (&mit, &mkey, NULL))
            if (strchr (mkey, '-'))
              g_ptr_array_add (regions, mkey);
          if (regions->len)
            {
              g_ptr_array_sort (regions, cmp_strp);
              g_autofree char *hint = region_field (pl->country_path);
              Ctx c = { ld, pl->source, NULL, 0 };
              error_at (&c, pl->op->line, pl->op->col, "E-COUNTRY",
                        "list '%s' holds the region '%s', which '%s' never equals: '%s' is a "
                        "region: test %s (a list of its own)", l->id,
                        (const char *) g_ptr_array_index (regions, 0), pl->country_path,
                        (const char *) g_ptr_array_index (regions, 0), hint);
            }
        }
      if (pl->op->owned && l->kind != LIST_NAMES)
        {
          Ctx c = { ld, pl->source, NULL, 0 };
          error_at (&c, pl->op->line, pl->op->col, "E-VALUE",
                    "'owned_by_list' needs a names list; '%s' is not one", pl->op->list_id);
        }
    }

  for (guint32 i = 0; i < rs->nrules; i++)
    {
      EmbargoRule *r = rs->rules[i];
      if (r->is_exception && r->regime)
        resolve_lifts (ld, r);
      if (r->superseded_by && !g_hash_table_contains (rs->by_id, r->superseded_by))
        {
          Ctx c = { ld, r->source_name, NULL, 0 };
          error_at (&c, r->line, r->col, "E-UNKNOWN-RULE",
                    "rule '%s' is superseded_by unknown rule '%s'", r->id, r->superseded_by);
        }
    }

  /* A set with no rules decides nothing and would allow everything. */
  if (!ld->failed && (ld->lists_only ? g_hash_table_size (rs->lists) == 0 : rs->nrules == 0))
    embargo_loader_add_error (ld, "E-EMPTY", "<rule set>", 0, 0,
                   ld->lists_only ? "no lists: nothing could be screened"
                                  : "the rule set has no rules: nothing could be decided");

  g_snprintf (rs->digest, sizeof rs->digest, "sha256:%s", g_checksum_get_string (ld->digest));
  if (ld->expected_digest[0] && strcmp (ld->expected_digest, rs->digest) != 0)
    {
      g_autofree char *msg = g_strdup_printf ("the rule set's digest is %s, expected %s: "
                                              "these are not the pinned rules",
                                              rs->digest, ld->expected_digest);
      embargo_loader_add_error (ld, "E-DIGEST", "<rule set>", 0, 0, msg);
    }

  if (ld->failed)
    {
      gsize n = embargo_diagnostics_count_at_least (ld->diags, EMBARGO_SEVERITY_ERROR);
      g_autofree char *all = diags_join (ld->diags, EMBARGO_SEVERITY_ERROR);
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                   "%s\n%zu error%s: the rule set was not loaded", all, n, n == 1 ? "" : "s");
      return NULL;
    }

  ruleset_collect_read_paths (rs);

  /* Tie-break ranks: priority first, then load order. */
  g_autofree EmbargoRule **ranked = g_memdup2 (rs->rules, MAX (rs->nrules, 1) * sizeof *ranked);
  qsort (ranked, rs->nrules, sizeof *ranked, (int (*) (const void *, const void *)) cmp_rank);
  for (guint32 i = 0; i < rs->nrules; i++)
    ranked[i]->rank = i;

  /* Regimes, sorted; each rule knows its index for per-regime outcomes. */
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint32 i = 0; i < rs->nrules; i++)
    g_hash_table_add (seen, (gpointer) rs->rules[i]->regime);
  rs->nregimes = g_hash_table_size (seen);
  rs->regimes = arena_alloc (&rs->arena, (rs->nregimes + 1) * sizeof *rs->regimes);
  GHashTableIter it;
  gpointer key;
  guint32 k = 0;
  g_hash_table_iter_init (&it, seen);
  while (g_hash_table_iter_next (&it, &key, NULL))
    rs->regimes[k++] = key;
  qsort (rs->regimes, rs->nregimes, sizeof *rs->regimes, cmp_strp);
  g_hash_table_destroy (seen);
  for (guint32 i = 0; i < rs->nrules; i++)
    for (guint32 j = 0; j < rs->nregimes; j++)
      if (strcmp (rs->regimes[j], rs->rules[i]->regime) == 0)
        rs->rules[i]->regime_index = j;

  assign_path_slots (rs);
  decision_encode_ruleset (rs);
  rs->index = index_build (rs);
  programs_build (rs);
  /* Screening indexes of the names lists, once: evaluation only reads them. */
  GHashTableIter lit;
  gpointer lval;
  g_hash_table_iter_init (&lit, rs->lists);
  while (g_hash_table_iter_next (&lit, NULL, &lval))
    elist_screen_build (lval);

  ld->rs = NULL;
  return rs;
}

EmbargoRuleset *
embargo_ruleset_new_from_data (const char *data, gsize len, const char *source_name,
                               GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  EmbargoLoader *ld = embargo_loader_new (NULL);
  EmbargoRuleset *rs = NULL;
  /* On a file error, finish() still runs so that the error lists every problem. */
  embargo_loader_add_data (ld, data, len, source_name, NULL);
  rs = embargo_loader_finish (ld, error);
  embargo_loader_free (ld);
  return rs;
}
