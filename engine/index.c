/* index.c: which rules could apply to this item, without looking at every rule.
 *
 * Each rule is filed under ONE of its top-level conditions (a conjunct of `when`):
 * one that must hold for the rule to apply and that names the values it accepts
 * (equals, in, in_list of countries or values, prefix) on a transaction or item
 * field. Looking up the transaction's value at that field then yields a superset of
 * the rules that can apply; each candidate is still evaluated in full, so the index
 * only has to be complete, never exact. Rules with no such conjunct are always
 * candidates.
 *
 * Which conjunct: the one whose values are rarest among all rules' indexable
 * conditions (fewest rules share its bucket), so that cost grows with the rules that
 * could apply rather than with the rule set. Country fields get a 4x bonus: sanctions
 * rules cluster on a few high-risk countries while most trade is with others, so a
 * country bucket is usually empty for the transaction at hand. Prefixes are charged
 * more the shorter they are, since a short prefix matches many items.
 *
 * A fact that is absent can still make a rule apply (if_missing: true) or leave it
 * unknown (the default: review). Each indexed field therefore also keeps the rules
 * to add when the transaction lacks it.
 */
#include "embargo-private.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PREFIX 32 /* longer prefixes are not indexed (the rule is always a candidate) */

/* A bucket's key: its text with the same FNV-1a hash (str_hash) that documents keep for
 * every scalar, so a lookup hashes nothing: the value's hash is already there, and a
 * prefix's hash is the running hash of the value's first bytes. */
typedef struct {
  const char *s;
  guint32 len;
  guint32 hash;
} Key;

typedef struct {
  guint32 *v;
  guint32 n, cap;
  Key key;
} Bucket;

static guint
key_hash (gconstpointer k)
{
  return ((const Key *) k)->hash;
}

static gboolean
key_equal (gconstpointer a, gconstpointer b)
{
  const Key *x = a, *y = b;
  return x->len == y->len && memcmp (x->s, y->s, x->len) == 0;
}

typedef struct {
  const Path *path;
  GHashTable *eq;     /* value text -> Bucket* */
  GHashTable *prefix; /* prefix text -> Bucket* */
  guint64 prefix_lens; /* bit L set: some prefix of length L is indexed */
  Bucket missing;
} IndexField;

struct Index {
  GPtrArray *txn_fields;  /* IndexField*, transaction scope */
  GPtrArray *item_fields; /* IndexField*, item scope */
  Bucket always;
  guint32 nrules;
};

static void
bucket_add (Bucket *b, guint32 v)
{
  if (b->n && b->v[b->n - 1] == v)
    return; /* the same rule twice in a row (a set with repeated values) */
  if (b->n == b->cap)
    {
      b->cap = b->cap ? b->cap * 2 : 4;
      b->v = g_renew (guint32, b->v, b->cap);
    }
  b->v[b->n++] = v;
}

static void
bucket_free (gpointer p)
{
  Bucket *b = p;
  g_free (b->v);
  g_free (b);
}

static gboolean
same_path (const Path *a, const Path *b)
{
  return a->scope == b->scope && strcmp (a->text, b->text) == 0;
}

/* The keys of an indexable test, or FALSE when it has no indexable operator. */
typedef struct {
  const Op *op;         /* the operator indexed */
  gboolean is_prefix;
} Indexable;

static gboolean
indexable (const Cond *c, Indexable *out)
{
  if (c->kind != C_TEST || c->path.scope == SCOPE_PARTY)
    return FALSE;
  for (guint32 i = 0; i < c->nops; i++)
    {
      const Op *op = &c->ops[i];
      switch (op->kind)
        {
        case OP_EQ:
          if (op->val.type != V_STR)
            continue;
          break;
        case OP_IN:
          {
            gboolean all_str = TRUE;
            for (guint32 k = 0; k < op->nset; k++)
              all_str = all_str && op->set[k].type == V_STR;
            if (!all_str)
              continue;
            break;
          }
        case OP_IN_LIST:
          if (op->list->kind == LIST_NAMES)
            continue;
          break;
        case OP_PREFIX:
          {
            gboolean ok = TRUE;
            for (guint32 k = 0; k < op->nset; k++)
              ok = ok && op->set[k].str.len >= 1 && op->set[k].str.len <= MAX_PREFIX;
            if (!ok)
              continue;
            break;
          }
        default:
          continue;
        }
      out->op = op;
      out->is_prefix = op->kind == OP_PREFIX;
      return TRUE;
    }
  return FALSE;
}

/* Calls FN for every key of an indexable operator. */
static void
for_each_key (const Op *op, void (*fn) (const char *key, guint32 len, gpointer data),
              gpointer data)
{
  switch (op->kind)
    {
    case OP_EQ:
      fn (op->val.str.s, op->val.str.len, data);
      break;
    case OP_IN:
    case OP_PREFIX:
      for (guint32 k = 0; k < op->nset; k++)
        fn (op->set[k].str.s, op->set[k].str.len, data);
      break;
    case OP_IN_LIST:
      {
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init (&it, op->list->members);
        while (g_hash_table_iter_next (&it, &key, NULL))
          fn (key, (guint32) strlen (key), data);
        break;
      }
    default:
      break;
    }
}

/* ---- pass 1: how many rules share each key ---- */

typedef struct {
  GHashTable *freq; /* "scope|path|p|key" -> count */
  const Cond *cond;
  gboolean is_prefix;
  double cost;
} Counting;

static char *
freq_key (const Cond *c, gboolean is_prefix, const char *key)
{
  return g_strdup_printf ("%d|%s|%c|%s", c->path.scope, c->path.text, is_prefix ? 'p' : 'e', key);
}

static void
count_key (const char *key, guint32 len, gpointer data)
{
  Counting *k = data;
  char *fk = freq_key (k->cond, k->is_prefix, key);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (k->freq, fk));
  g_hash_table_replace (k->freq, fk, GUINT_TO_POINTER (n + 1));
}

static void
cost_key (const char *key, guint32 len, gpointer data)
{
  Counting *k = data;
  g_autofree char *fk = freq_key (k->cond, k->is_prefix, key);
  double n = GPOINTER_TO_UINT (g_hash_table_lookup (k->freq, fk));
  if (k->is_prefix)
    n *= 4.0 / MIN (len, 4); /* a 1-character prefix matches far more items than a 4 */
  k->cost += n;
}

/* The top-level conjuncts of WHEN: its kids for `all`, else WHEN itself (in *ONE). */
static void
conjuncts (const Cond *when, const Cond **one, const Cond *const **v, guint32 *n)
{
  if (when->kind == C_ALL)
    {
      *v = (const Cond *const *) when->kids;
      *n = when->nkids;
    }
  else
    {
      *one = when;
      *v = one;
      *n = 1;
    }
}

/* ---- pass 2: filing ---- */

typedef struct {
  IndexField *f;
  guint32 rule;
  gboolean is_prefix;
} Filing;

static void
file_key (const char *key, guint32 len, gpointer data)
{
  Filing *fl = data;
  GHashTable *ht = fl->is_prefix ? fl->f->prefix : fl->f->eq;
  Key k = { key, len, str_hash (key, len) };
  Bucket *b = g_hash_table_lookup (ht, &k);
  if (b == NULL)
    {
      b = g_new0 (Bucket, 1);
      b->key = k;
      g_hash_table_insert (ht, &b->key, b);
    }
  bucket_add (b, fl->rule);
  if (fl->is_prefix)
    fl->f->prefix_lens |= G_GUINT64_CONSTANT (1) << len;
}

static IndexField *
field_for (Index *ix, const Path *p)
{
  GPtrArray *arr = p->scope == SCOPE_ITEM ? ix->item_fields : ix->txn_fields;
  for (guint i = 0; i < arr->len; i++)
    {
      IndexField *f = g_ptr_array_index (arr, i);
      if (same_path (f->path, p))
        return f;
    }
  IndexField *f = g_new0 (IndexField, 1);
  f->path = p;
  f->eq = g_hash_table_new_full (key_hash, key_equal, NULL, bucket_free);
  f->prefix = g_hash_table_new_full (key_hash, key_equal, NULL, bucket_free);
  g_ptr_array_add (arr, f);
  return f;
}

static gboolean
is_country_path (const Path *p)
{
  const char *last = p->seg[p->n - 1].s;
  return strcmp (last, "country") == 0 || strcmp (last, "region") == 0;
}

Index *
index_build (EmbargoRuleset *rs)
{
  Index *ix = g_new0 (Index, 1);
  ix->txn_fields = g_ptr_array_new ();
  ix->item_fields = g_ptr_array_new ();
  ix->nrules = rs->nrules;

  Counting k = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), NULL, FALSE, 0 };
  for (guint32 r = 0; r < rs->nrules; r++)
    {
      const Cond *when = rs->rules[r]->when;
      if (when == NULL)
        continue;
      const Cond *one, *const *v;
      guint32 n;
      conjuncts (when, &one, &v, &n);
      for (guint32 i = 0; i < n; i++)
        {
          Indexable ia;
          if (!indexable (v[i], &ia))
            continue;
          k.cond = v[i];
          k.is_prefix = ia.is_prefix;
          for_each_key (ia.op, count_key, &k);
        }
    }

  for (guint32 r = 0; r < rs->nrules; r++)
    {
      const Cond *when = rs->rules[r]->when;
      const Cond *best = NULL;
      Indexable best_ia = { 0 };
      double best_cost = 0;
      if (when)
        {
          const Cond *one, *const *v;
          guint32 n;
          conjuncts (when, &one, &v, &n);
          for (guint32 i = 0; i < n; i++)
            {
              Indexable ia;
              if (!indexable (v[i], &ia))
                continue;
              k.cond = v[i];
              k.is_prefix = ia.is_prefix;
              k.cost = 0;
              for_each_key (ia.op, cost_key, &k);
              if (is_country_path (&v[i]->path))
                k.cost /= 4;
              if (best == NULL || k.cost < best_cost)
                best = v[i], best_ia = ia, best_cost = k.cost;
            }
        }
      if (best == NULL)
        {
          bucket_add (&ix->always, r);
          continue;
        }
      IndexField *f = field_for (ix, &best->path);
      Filing fl = { f, r, best_ia.is_prefix };
      for_each_key (best_ia.op, file_key, &fl);
      if (best->if_missing != MISS_FALSE)
        bucket_add (&f->missing, r);
    }
  g_hash_table_destroy (k.freq);
  return ix;
}

static void
field_free (gpointer p)
{
  IndexField *f = p;
  g_hash_table_destroy (f->eq);
  g_hash_table_destroy (f->prefix);
  g_free (f->missing.v);
  g_free (f);
}

void
index_free (Index *ix)
{
  if (ix == NULL)
    return;
  g_ptr_array_set_free_func (ix->txn_fields, field_free);
  g_ptr_array_set_free_func (ix->item_fields, field_free);
  g_ptr_array_free (ix->txn_fields, TRUE);
  g_ptr_array_free (ix->item_fields, TRUE);
  g_free (ix->always.v);
  g_free (ix);
}

void
vec32_append (Vec32 *b, const guint32 *v, guint32 n)
{
  if (b->n + n > b->cap)
    {
      guint32 cap = MAX (b->cap * 2, b->n + n);
      guint32 *nv = g_new (guint32, cap);
      memcpy (nv, b->v, b->n * sizeof *nv);
      if (b->heap)
        g_free (b->v);
      b->v = nv;
      b->cap = cap;
      b->heap = TRUE;
    }
  memcpy (b->v + b->n, v, n * sizeof *v);
  b->n += n;
}

static inline void
append_bucket (Vec32 *out, const Bucket *b)
{
  if (b && b->n)
    vec32_append (out, b->v, b->n);
}

static void
lookup_value (const IndexField *f, const DocNode *v, Vec32 *out)
{
  if (v->kind == DOC_LIST || v->kind == DOC_MAP || v->kind == DOC_NULL)
    return;
  Key k = { v->u.sc.s, v->u.sc.len, v->u.sc.hash };
  if (g_hash_table_size (f->eq))
    append_bucket (out, g_hash_table_lookup (f->eq, &k));
  guint64 lens = f->prefix_lens;
  if (lens == 0)
    return;
  /* FNV-1a, one byte at a time: after LEN bytes, h is str_hash (s, LEN). */
  guint32 h = 2166136261u;
  for (guint32 len = 1; len <= MIN (v->u.sc.len, MAX_PREFIX); len++)
    {
      h = (h ^ (guint8) v->u.sc.s[len - 1]) * 16777619u;
      if (lens & (G_GUINT64_CONSTANT (1) << len))
        {
          Key p = { v->u.sc.s, len, h };
          append_bucket (out, g_hash_table_lookup (f->prefix, &p));
        }
    }
}

static void
lookup_fields (const GPtrArray *fields, EvalCtx *ctx, Vec32 *out)
{
  for (guint i = 0; i < fields->len; i++)
    {
      const IndexField *f = g_ptr_array_index (fields, i);
      const DocNode *v = path_value (f->path, ctx);
      if (v == NULL)
        append_bucket (out, &f->missing);
      else if (v->kind == DOC_LIST)
        for (guint32 k = 0; k < v->u.list.n; k++)
          lookup_value (f, v->u.list.v[k], out);
      else
        lookup_value (f, v, out);
    }
}

void
index_txn_candidates (const Index *ix, EvalCtx *ctx, Vec32 *out)
{
  append_bucket (out, &ix->always);
  lookup_fields (ix->txn_fields, ctx, out);
}

void
index_item_candidates (const Index *ix, EvalCtx *ctx, Vec32 *out)
{
  lookup_fields (ix->item_fields, ctx, out);
}

void
index_describe (const Index *ix, GString *out)
{
  g_string_append_printf (out, "%u rules, %u always evaluated\n", ix->nrules, ix->always.n);
  for (int s = 0; s < 2; s++)
    {
      const GPtrArray *arr = s ? ix->item_fields : ix->txn_fields;
      for (guint i = 0; i < arr->len; i++)
        {
          const IndexField *f = g_ptr_array_index (arr, i);
          g_string_append_printf (out, "%s: %u values, %u prefixes, %u if missing\n",
                                  f->path->text, g_hash_table_size (f->eq),
                                  g_hash_table_size (f->prefix), f->missing.n);
        }
    }
}
