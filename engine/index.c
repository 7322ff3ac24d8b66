/* index.c: which rules could apply to this item, without looking at every rule.
 *
 * Each rule is filed under one or two of its top-level conditions (conjuncts of
 * `when`): conditions that must hold for the rule to apply and that name the values
 * they accept (equals, in, in_list of countries or values, prefix) on a transaction or
 * item field. Looking up the transaction's values then yields a superset of the rules
 * that can apply; each candidate is still evaluated in full, so the index only has to
 * be complete, never exact. Rules with no such conjunct are always candidates.
 *
 * One key or two. A rule filed under one conjunct (buyer.country in {CN, RU}) is a
 * candidate for every transaction with that value. A rule filed under two (buyer.country
 * in {CN, RU} and item.eccn prefix "3A") is a candidate only when both match: its
 * bucket is keyed by the pair of values, and each item looks up the pairs it has. At
 * 10,000 rules this is the difference between ~90 candidates per item, nearly all
 * failing on the buyer's country, and a handful.
 *
 * Which conjuncts: the choice that leaves the rule in the smallest buckets, estimated
 * from how many rules share each value (a conjunct's cost is the number of rules filed
 * under its values; a pair's is the product over the rule count, as if independent).
 * Country fields get a 4x bonus: sanctions rules cluster on a few high-risk countries
 * while most trade is with others, so a country bucket is usually empty for the
 * transaction at hand. Prefixes are charged more the shorter they are, since a short
 * prefix matches many items.
 *
 * A fact that is absent can still make a rule apply (if_missing: true) or leave it
 * unknown (the default: review). Each index entry therefore also keeps the rules to add
 * when the transaction lacks one of its fields.
 *
 * Lookups hash nothing: documents keep each scalar's FNV-1a hash, the hash of a prefix
 * is the running hash of the value's first bytes, and a pair's hash combines the two.
 */
#include "doc.h"
#include "rules.h"
#include "index.h"
#include "eval.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PREFIX 32 /* longer prefixes are not indexed (the rule is always a candidate) */

/* A bucket's key: one value, or a pair of values (b == NULL for one). */
typedef struct {
  const char *a, *b;
  guint32 alen, blen;
  guint32 hash;
} Key;

typedef struct {
  guint32 *v;
  guint32 n, cap;
  Key key;
} Bucket;

static guint32
pair_hash (guint32 ha, guint32 hb)
{
  return (ha * 0x9E3779B1u) ^ hb;
}

static gboolean
key_equal (gconstpointer x, gconstpointer y)
{
  const Key *p = x, *q = y;
  return p->alen == q->alen && p->blen == q->blen && memcmp (p->a, q->a, p->alen) == 0
         && (p->blen == 0 || memcmp (p->b, q->b, p->blen) == 0);
}

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
bucket_free (Bucket *b)
{
  g_free (b->v);
  g_free (b);
}

/* Buckets by key while the index is built: open addressing with linear probing over
 * (hash, bucket) slots, kept at most half full. */
typedef struct {
  guint32 hash;
  Bucket *b;
} Slot;

typedef struct {
  Slot *slots;
  guint32 mask; /* capacity - 1, a power of two minus one */
  guint32 n;
} Table;

static Bucket *
table_lookup (const Table *t, const Key *k)
{
  if (t->n == 0)
    return NULL;
  for (guint32 i = k->hash & t->mask;; i = (i + 1) & t->mask)
    {
      const Slot *s = &t->slots[i];
      if (s->b == NULL)
        return NULL;
      if (s->hash == k->hash && key_equal (&s->b->key, k))
        return s->b;
    }
}

static void
table_put (Table *t, Bucket *b)
{
  if (2 * (t->n + 1) > t->mask + 1)
    {
      guint32 cap = t->slots ? 2 * (t->mask + 1) : 16;
      Slot *old = t->slots;
      guint32 old_cap = t->slots ? t->mask + 1 : 0;
      t->slots = g_new0 (Slot, cap);
      t->mask = cap - 1;
      t->n = 0;
      for (guint32 i = 0; i < old_cap; i++)
        if (old[i].b)
          table_put (t, old[i].b);
      g_free (old);
    }
  guint32 i = b->key.hash & t->mask;
  while (t->slots[i].b)
    i = (i + 1) & t->mask;
  t->slots[i] = (Slot) { b->key.hash, b };
  t->n++;
}

static void
table_clear (Table *t)
{
  for (guint32 i = 0; t->slots && i <= t->mask; i++)
    if (t->slots[i].b)
      bucket_free (t->slots[i].b);
  g_free (t->slots);
  memset (t, 0, sizeof *t);
}

/* The same buckets as evaluation reads them: by hash alone. Keys whose hashes collide
 * share one slot holding the rules of both, which is still a superset of the rules
 * that can apply (every candidate is evaluated in full), so a lookup compares no text
 * and reads one slot, plus the rule list when it holds more than two rules. */
typedef struct {
  guint32 hash;
  guint32 n; /* rules; 0: an empty slot */
  union {
    guint32 inl[2];  /* n <= 2 */
    guint32 *v;      /* n > 2 */
  } u;
} HSlot;

/* Most lookups find nothing (a transaction's values are mostly not the ones rules
 * name), so each table has a Bloom filter in front: one 64-bit word per lookup, two
 * bits of it set per key, about 8 bits per key in all. The filters of a whole index
 * take a few kilobytes and stay in the first-level cache, where the slots of a large
 * rule set do not; about 95 % of the lookups that would find nothing stop there. */
typedef struct {
  HSlot *slots;
  guint32 mask;
  guint32 n;
  guint64 *bloom;
  guint32 bloom_mask; /* words - 1 */
} HTable;

static inline guint64
bloom_bits (guint32 hash)
{
  return (G_GUINT64_CONSTANT (1) << (hash & 63)) | (G_GUINT64_CONSTANT (1) << ((hash >> 6) & 63));
}

static inline guint32
bloom_word (const HTable *t, guint32 hash)
{
  return ((hash * 0x9E3779B1u) >> 12) & t->bloom_mask;
}

static inline const guint32 *
hslot_rules (const HSlot *s)
{
  return s->n <= G_N_ELEMENTS (s->u.inl) ? s->u.inl : s->u.v;
}

static const HSlot *
htable_lookup (const HTable *t, guint32 hash)
{
  if (t->n == 0)
    return NULL;
  guint64 bits = bloom_bits (hash);
  if ((t->bloom[bloom_word (t, hash)] & bits) != bits)
    return NULL;
  for (guint32 i = hash & t->mask;; i = (i + 1) & t->mask)
    {
      const HSlot *s = &t->slots[i];
      if (s->n == 0)
        return NULL;
      if (s->hash == hash)
        return s;
    }
}

/* Adds the rules of B to slot S, keeping them ascending and distinct. */
static void
hslot_merge (HSlot *s, const Bucket *b)
{
  const guint32 *a = s->n ? hslot_rules (s) : NULL;
  guint32 *out = g_new (guint32, s->n + b->n), n = 0, i = 0, j = 0;
  while (i < s->n || j < b->n)
    {
      guint32 x = j == b->n || (i < s->n && a[i] < b->v[j]) ? a[i++] : b->v[j++];
      if (n == 0 || out[n - 1] != x)
        out[n++] = x;
    }
  if (s->n > G_N_ELEMENTS (s->u.inl))
    g_free (s->u.v);
  if (n <= G_N_ELEMENTS (s->u.inl))
    {
      memcpy (s->u.inl, out, n * sizeof *out);
      g_free (out);
    }
  else
    s->u.v = out;
  s->n = n;
}

/* Freezes T into H and frees T. */
static void
htable_from (HTable *h, Table *t)
{
  memset (h, 0, sizeof *h);
  if (t->n)
    {
      h->mask = t->mask;
      h->slots = g_new0 (HSlot, t->mask + 1);
      for (guint32 k = 0; k <= t->mask; k++)
        {
          const Bucket *b = t->slots[k].b;
          if (b == NULL)
            continue;
          guint32 i = b->key.hash & h->mask;
          while (h->slots[i].n && h->slots[i].hash != b->key.hash)
            i = (i + 1) & h->mask;
          if (h->slots[i].n == 0)
            h->n++;
          h->slots[i].hash = b->key.hash;
          hslot_merge (&h->slots[i], b);
        }
      guint32 words = 1;
      while (words * 64 < 8 * h->n)
        words *= 2;
      h->bloom = g_new0 (guint64, words);
      h->bloom_mask = words - 1;
      for (guint32 i = 0; i <= h->mask; i++)
        if (h->slots[i].n)
          h->bloom[bloom_word (h, h->slots[i].hash)] |= bloom_bits (h->slots[i].hash);
    }
  table_clear (t);
}

static void
htable_clear (HTable *h)
{
  for (guint32 i = 0; h->slots && i <= h->mask; i++)
    if (h->slots[i].n > G_N_ELEMENTS (h->slots[i].u.inl))
      g_free (h->slots[i].u.v);
  g_free (h->slots);
  g_free (h->bloom);
}

/* One entry of the index: rules filed under the values of A, or of the pair (A, B). */
typedef struct {
  const Path *a, *b;   /* b is NULL for a single field */
  Table eq;            /* the last field's value in full (while building) */
  Table prefix;        /* a prefix of the last field's value (while building) */
  HTable heq, hprefix; /* the same, by hash (index_build() freezes them) */
  guint64 prefix_lens; /* bit L set: some prefix of length L is indexed */
  Bucket missing;      /* rules to add when a field is absent */
  Bucket all;          /* every rule filed here: added when a field holds a mapping or
                          list where a value was expected (unknown, never false) */
} Entry;

struct Index {
  GPtrArray *txn_entries;  /* Entry*: only transaction-level fields */
  GPtrArray *item_entries; /* Entry*: at least one item-level field */
  Bucket always;
  const Cond **filed;      /* per rule, the conjuncts it is filed under: 2 each, or NULL */
};

static gboolean
same_path (const Path *a, const Path *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return a->scope == b->scope && strcmp (a->text, b->text) == 0;
}

/* An indexable conjunct: its test, the operator whose values it is filed under, and
 * its estimated cost. */
typedef struct {
  const Cond *c;
  const Op *op;
  gboolean is_prefix;
  double cost;
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
      out->c = c;
      out->op = op;
      out->is_prefix = op->kind == OP_PREFIX;
      out->cost = 0;
      return TRUE;
    }
  return FALSE;
}

typedef void (*KeyFn) (const char *key, guint32 len, gpointer data);

/* Calls FN for every value an indexable operator accepts. */
static void
for_each_key (const Op *op, KeyFn fn, gpointer data)
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

/* ---- pass 1: how many rules share each value ---- */

typedef struct {
  GHashTable *freq; /* "scope|path|p|value" -> count */
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

static gboolean
is_country_path (const Path *p)
{
  const char *last = p->seg[p->n - 1].s;
  return strcmp (last, "country") == 0 || strcmp (last, "region") == 0;
}

/* ---- pass 2: filing ---- */

static Entry *
entry_for (Index *ix, const Path *a, const Path *b)
{
  gboolean item = a->scope == SCOPE_ITEM || (b && b->scope == SCOPE_ITEM);
  GPtrArray *arr = item ? ix->item_entries : ix->txn_entries;
  for (guint i = 0; i < arr->len; i++)
    {
      Entry *e = g_ptr_array_index (arr, i);
      if (same_path (e->a, a) && same_path (e->b, b))
        return e;
    }
  Entry *e = g_new0 (Entry, 1);
  e->a = a;
  e->b = b;
  g_ptr_array_add (arr, e);
  return e;
}

typedef struct {
  Entry *e;
  guint32 rule;
  gboolean last_prefix;      /* the last field's values are prefixes */
  const Op *second;          /* pairs: the second field's operator */
  const char *first;         /* pairs: the first field's value, while filing the second */
  guint32 first_len;
} Filing;

static void
file_bucket (Filing *fl, const char *a, guint32 alen, const char *b, guint32 blen)
{
  Table *ht = fl->last_prefix ? &fl->e->prefix : &fl->e->eq;
  Key k = { a, b, alen, blen, 0 };
  k.hash = b ? pair_hash (str_hash (a, alen), str_hash (b, blen)) : str_hash (a, alen);
  Bucket *bk = table_lookup (ht, &k);
  if (bk == NULL)
    {
      bk = g_new0 (Bucket, 1);
      bk->key = k;
      table_put (ht, bk);
    }
  bucket_add (bk, fl->rule);
  if (fl->last_prefix)
    fl->e->prefix_lens |= G_GUINT64_CONSTANT (1) << (b ? blen : alen);
}

static void
file_second (const char *key, guint32 len, gpointer data)
{
  Filing *fl = data;
  file_bucket (fl, fl->first, fl->first_len, key, len);
}

static void
file_first (const char *key, guint32 len, gpointer data)
{
  Filing *fl = data;
  if (fl->second == NULL)
    {
      file_bucket (fl, key, len, NULL, 0);
      return;
    }
  fl->first = key;
  fl->first_len = len;
  for_each_key (fl->second, file_second, fl);
}

/* The indexable conjuncts of a rule, with their costs. At most 16 are considered. */
static guint32
rule_indexables (const Cond *when, Counting *k, Indexable *out)
{
  const Cond *one, *const *v;
  guint32 n, m = 0;
  cond_conjuncts (when, &one, &v, &n);
  for (guint32 i = 0; i < n && m < 16; i++)
    {
      if (!indexable (v[i], &out[m]))
        continue;
      k->cond = v[i];
      k->is_prefix = out[m].is_prefix;
      k->cost = 0;
      for_each_key (out[m].op, cost_key, k);
      out[m].cost = k->cost * (is_country_path (&v[i]->path) ? 0.25 : 1.0);
      m++;
    }
  return m;
}

Index *
index_build (EmbargoRuleset *rs)
{
  Index *ix = g_new0 (Index, 1);
  ix->txn_entries = g_ptr_array_new ();
  ix->item_entries = g_ptr_array_new ();
  ix->filed = g_new0 (const Cond *, 2 * MAX (rs->nrules, 1));

  Counting k = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), NULL, FALSE, 0 };
  for (guint32 r = 0; r < rs->nrules; r++)
    {
      const Cond *when = rs->rules[r]->when;
      if (when == NULL)
        continue;
      const Cond *one, *const *v;
      guint32 n;
      cond_conjuncts (when, &one, &v, &n);
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

  double nr = MAX (rs->nrules, 1);
  for (guint32 r = 0; r < rs->nrules; r++)
    {
      const Cond *when = rs->rules[r]->when;
      Indexable cand[16];
      guint32 m = when ? rule_indexables (when, &k, cand) : 0;
      if (m == 0)
        {
          bucket_add (&ix->always, r);
          continue;
        }
      /* The best single conjunct... */
      const Indexable *a = &cand[0], *b = NULL;
      for (guint32 i = 1; i < m; i++)
        if (cand[i].cost < a->cost)
          a = &cand[i];
      double best = a->cost;
      /* ...or the best pair: the first field exact values, the second exact or prefix;
       * a pair costs a second lookup, hence the +1. */
      for (guint32 i = 0; i < m; i++)
        for (guint32 j = 0; j < m; j++)
          {
            if (i == j || cand[i].is_prefix || same_path (&cand[i].c->path, &cand[j].c->path))
              continue;
            if (!cand[j].is_prefix && j < i)
              continue; /* two exact fields: consider each pair once */
            double cost = cand[i].cost * cand[j].cost / nr + 1;
            if (cost < best)
              best = cost, a = &cand[i], b = &cand[j];
          }
      ix->filed[2 * r] = a->c;
      ix->filed[2 * r + 1] = b ? b->c : NULL;
      Entry *e = entry_for (ix, &a->c->path, b ? &b->c->path : NULL);
      Filing fl = { e, r, b ? b->is_prefix : a->is_prefix, b ? b->op : NULL, NULL, 0 };
      for_each_key (a->op, file_first, &fl);
      if (a->c->if_missing != MISS_FALSE || (b && b->c->if_missing != MISS_FALSE))
        bucket_add (&e->missing, r);
      bucket_add (&e->all, r);
    }
  g_hash_table_destroy (k.freq);
  GPtrArray *all[] = { ix->txn_entries, ix->item_entries };
  for (guint a = 0; a < G_N_ELEMENTS (all); a++)
    for (guint i = 0; i < all[a]->len; i++)
      {
        Entry *e = g_ptr_array_index (all[a], i);
        htable_from (&e->heq, &e->eq);
        htable_from (&e->hprefix, &e->prefix);
      }
  return ix;
}

static void
entry_free (gpointer p)
{
  Entry *e = p;
  table_clear (&e->eq);
  table_clear (&e->prefix);
  htable_clear (&e->heq);
  htable_clear (&e->hprefix);
  g_free (e->missing.v);
  g_free (e->all.v);
  g_free (e);
}

void
index_free (Index *ix)
{
  if (ix == NULL)
    return;
  g_ptr_array_set_free_func (ix->txn_entries, entry_free);
  g_ptr_array_set_free_func (ix->item_entries, entry_free);
  g_ptr_array_free (ix->txn_entries, TRUE);
  g_ptr_array_free (ix->item_entries, TRUE);
  g_free (ix->always.v);
  g_free (ix->filed);
  g_free (ix);
}

/* ---- lookups ---- */

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
  if (b->n)
    vec32_append (out, b->v, b->n);
}

static inline void
append_slot (Vec32 *out, const HSlot *s)
{
  if (s)
    vec32_append (out, hslot_rules (s), s->n);
}

static inline gboolean
is_value (const DocNode *v)
{
  return v->kind != DOC_LIST && v->kind != DOC_MAP && v->kind != DOC_NULL;
}

/* Looks up the last field's value V, with FIRST the first field's value for a pair. */
static void
lookup_last (const Entry *e, const DocNode *first, const DocNode *v, Vec32 *out)
{
  if (!is_value (v))
    {
      if (v->kind != DOC_NULL)
        append_bucket (out, &e->all);
      return;
    }
  guint32 ha = first ? first->u.sc.hash : 0;
  if (e->heq.n)
    append_slot (out, htable_lookup (&e->heq, first ? pair_hash (ha, v->u.sc.hash)
                                                    : v->u.sc.hash));
  guint64 lens = e->prefix_lens;
  if (lens == 0)
    return;
  /* FNV-1a, one byte at a time: after LEN bytes, h is str_hash (s, LEN). */
  guint32 h = 2166136261u;
  for (guint32 len = 1; len <= MIN (v->u.sc.len, MAX_PREFIX); len++)
    {
      h = (h ^ (guint8) v->u.sc.s[len - 1]) * 16777619u;
      if (lens & (G_GUINT64_CONSTANT (1) << len))
        append_slot (out, htable_lookup (&e->hprefix, first ? pair_hash (ha, h) : h));
    }
}

/* Calls lookup_last for every value of B (a list is each of its elements). */
static void
lookup_b (const Entry *e, const DocNode *first, const DocNode *bv, Vec32 *out)
{
  if (bv->kind == DOC_LIST)
    for (guint32 k = 0; k < bv->u.list.n; k++)
      lookup_last (e, first, bv->u.list.v[k], out);
  else
    lookup_last (e, first, bv, out);
}

static void
lookup_entries (const GPtrArray *entries, EvalCtx *ctx, Vec32 *out)
{
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *e = g_ptr_array_index (entries, i);
      const DocNode *av = path_value (e->a, ctx);
      const DocNode *bv = e->b ? path_value (e->b, ctx) : NULL;
      if (av == NULL || (e->b && bv == NULL))
        {
          append_bucket (out, &e->missing);
          continue;
        }
      if (e->b == NULL)
        {
          lookup_b (e, NULL, av, out);
          continue;
        }
      if (av->kind == DOC_LIST)
        {
          for (guint32 k = 0; k < av->u.list.n; k++)
            if (is_value (av->u.list.v[k]))
              lookup_b (e, av->u.list.v[k], bv, out);
            else if (av->u.list.v[k]->kind != DOC_NULL)
              append_bucket (out, &e->all);
        }
      else if (is_value (av))
        lookup_b (e, av, bv, out);
      else
        append_bucket (out, &e->all);
    }
}

gboolean
index_is_filed_under (const Index *ix, guint32 rule, const Cond *c)
{
  return c != NULL && (ix->filed[2 * rule] == c || ix->filed[2 * rule + 1] == c);
}

void
index_txn_candidates (const Index *ix, EvalCtx *ctx, Vec32 *out)
{
  append_bucket (out, &ix->always);
  lookup_entries (ix->txn_entries, ctx, out);
}

void
index_item_candidates (const Index *ix, EvalCtx *ctx, Vec32 *out)
{
  lookup_entries (ix->item_entries, ctx, out);
}
