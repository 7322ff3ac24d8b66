/* program.c: each rule compiled into the flat form the evaluation loop reads.
 *
 * The condition tree (Cond, Op, Operand) is what the loader builds and what lint,
 * explanations and the rare paths walk. Evaluating it for a candidate rule chases a
 * pointer per level: the rule, its `all`, the kids array, each test, its operator, the
 * operand's text. At 10,000 rules the tree does not stay in cache, and each of those
 * is a miss. A program is the same rule in one contiguous block: the dates it is in
 * force, its effect, and its top-level conjuncts as fixed-size tests whose operands are
 * inline (strings by length and hash, short prefixes by their bytes). A candidate that
 * fails costs one or two cache lines, and the evaluation loop prefetches every
 * candidate's program before it evaluates the first.
 *
 * A conjunct becomes a flat test when it tests a transaction or item field with a path
 * slot and its operators are equality, set membership, a country or value list, prefix,
 * comparison or presence. Anything else (`any`, `not`, `party`, a names list, whose
 * aliases and screening need the tree) stays a pointer to its Cond, evaluated by
 * cond_eval() after the flat tests. Three-valued AND does not depend on the order of
 * its operands, so the result is cond_eval()'s on the whole `when`, whatever order the
 * tests are in: the conjuncts the index filed the rule under go last (a candidate found
 * through them nearly always passes them). tests/test-program.c holds the two to the
 * same answers on every bundled rule and on every operator over values of every type.
 */
#include "doc.h"
#include "rules.h"
#include "index.h"
#include "eval.h"

#include <string.h>

/* A string operand: its text by length and hash, so that a value of another length or
 * hash is rejected without reading the text. Prefixes of up to 8 bytes keep the bytes
 * themselves. */
typedef struct {
  union {
    const char *s;
    char bytes[8];
  } u;
  guint32 len, hash;
} Key;

typedef enum {
  T_EQ_STR, T_EQ_NUM, T_EQ_BOOL, T_EQ_DATE,
  T_IN,      /* any of keys[] */
  T_IN_HASH, /* a string set of more than SCAN_MAX: the operator's hash table */
  T_IN_LIST, /* a country or value list, by date */
  T_PREFIX,  /* any of keys[] as a prefix; inline bytes when len <= 8 */
  T_CMP_NUM, T_CMP_DATE, /* with cmp: OP_GT, OP_GTE, OP_LT, OP_LTE */
  T_PRESENT, /* holds when `present: true` */
} TestKind;

#define SCAN_MAX 32

typedef struct {
  guint8 kind;    /* TestKind */
  guint8 scope;   /* SCOPE_TXN or SCOPE_ITEM */
  guint8 missing; /* Tri: the result when the field is absent */
  guint8 cmp;     /* OpKind, for T_CMP_*; 1 for a T_PRESENT that holds */
  guint16 slot;
  guint16 nkeys;  /* T_IN, T_PREFIX */
  union {
    Key key;                /* T_EQ_STR */
    double num;             /* T_EQ_NUM, T_CMP_NUM */
    gint32 date;            /* T_EQ_DATE, T_CMP_DATE */
    gboolean b;             /* T_EQ_BOOL */
    const Key *keys;        /* T_IN, T_PREFIX */
    GHashTable *set;        /* T_IN_HASH */
    const EList *list;      /* T_IN_LIST */
  } u;
  const Path *path;         /* for the first lookup of the slot */
} Test;

/* A program is its header (eval.h), its tests, the conjuncts that stay
 * trees, and the keys of its tests, back to back. */
#define TESTS(p) ((Test *) ((Program *) (p) + 1))

G_STATIC_ASSERT (PATH_SLOTS <= G_MAXUINT16);
G_STATIC_ASSERT (sizeof (Program) % 8 == 0);

/* ---- compiling ---- */

/* Can operator OP of a test be flat? */
static gboolean
op_is_flat (const Op *op)
{
  switch (op->kind)
    {
    case OP_EQ:
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
    case OP_PRESENT:
      return TRUE;
    case OP_IN:
    case OP_PREFIX:
      for (guint32 i = 0; i < op->nset; i++)
        if (op->set[i].type != V_STR)
          return FALSE;
      return TRUE;
    case OP_IN_LIST:
      return op->list->kind != LIST_NAMES;
    }
  return FALSE;
}

static gboolean
cond_is_flat (const Cond *c)
{
  if (c->kind != C_TEST || c->path.scope == SCOPE_PARTY || c->path.slot == PATH_NO_SLOT)
    return FALSE;
  for (guint32 i = 0; i < c->nops; i++)
    if (!op_is_flat (&c->ops[i]))
      return FALSE;
  return TRUE;
}

/* The keys a test of OP stores after the program (T_IN, T_PREFIX). */
static guint32
op_nkeys (const Op *op)
{
  if (op->kind == OP_PREFIX || (op->kind == OP_IN && op->nset <= SCAN_MAX))
    return op->nset;
  return 0;
}

static Key
key_of (const Str *s, gboolean inline_bytes)
{
  Key k = { .len = s->len, .hash = s->hash };
  if (inline_bytes && s->len <= sizeof k.u.bytes)
    memcpy (k.u.bytes, s->s, s->len);
  else
    k.u.s = s->s;
  return k;
}

/* Fills T from operator OP of the flat test C; its keys go to *KEYS. */
static void
compile_test (Test *t, const Cond *c, const Op *op, Key **keys)
{
  memset (t, 0, sizeof *t);
  t->scope = (guint8) c->path.scope;
  t->slot = (guint16) c->path.slot;
  t->path = &c->path;
  t->missing = c->if_missing == MISS_FALSE ? TRI_FALSE
               : c->if_missing == MISS_TRUE ? TRI_TRUE
                                            : TRI_UNKNOWN;
  switch (op->kind)
    {
    case OP_EQ:
      switch (op->val.type)
        {
        case V_STR: t->kind = T_EQ_STR, t->u.key = key_of (&op->val.str, FALSE); break;
        case V_NUM: t->kind = T_EQ_NUM, t->u.num = op->val.num; break;
        case V_BOOL: t->kind = T_EQ_BOOL, t->u.b = op->val.b; break;
        case V_DATE: t->kind = T_EQ_DATE, t->u.date = op->val.date; break;
        }
      break;
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
      t->cmp = (guint8) op->kind;
      if (op->val.type == V_DATE)
        t->kind = T_CMP_DATE, t->u.date = op->val.date;
      else
        t->kind = T_CMP_NUM, t->u.num = op->val.num;
      break;
    case OP_PRESENT:
      /* `present: false` holds on an absent field and fails on a present one. */
      t->kind = T_PRESENT;
      t->cmp = op->present != 0;
      t->missing = op->present ? TRI_FALSE : TRI_TRUE;
      break;
    case OP_IN_LIST:
      t->kind = T_IN_LIST;
      t->u.list = op->list;
      break;
    case OP_IN:
    case OP_PREFIX:
      if (op_nkeys (op) == 0)
        {
          t->kind = T_IN_HASH;
          t->u.set = op->set_ht;
          break;
        }
      t->kind = op->kind == OP_IN ? T_IN : T_PREFIX;
      t->nkeys = (guint16) op->nset;
      t->u.keys = *keys;
      for (guint32 i = 0; i < op->nset; i++)
        (*keys)[i] = key_of (&op->set[i].str, op->kind == OP_PREFIX);
      *keys += op->nset;
      break;
    }
}

static Program *
compile_rule (EmbargoRuleset *rs, const EmbargoRule *r)
{
  const Cond *one, *const *v;
  guint32 n, ntests = 0, ncomplex = 0, nkeys = 0;
  cond_conjuncts (r->when, &one, &v, &n);
  for (guint32 i = 0; i < n; i++)
    {
      if (!cond_is_flat (v[i]) || ntests + v[i]->nops > G_MAXUINT16)
        {
          ncomplex++;
          continue;
        }
      ntests += v[i]->nops;
      for (guint32 k = 0; k < v[i]->nops; k++)
        nkeys += op_nkeys (&v[i]->ops[k]);
    }
  g_return_val_if_fail (ncomplex <= G_MAXUINT16, NULL);

  gsize size = sizeof (Program) + ntests * sizeof (Test) + ncomplex * sizeof (Cond *)
               + nkeys * sizeof (Key);
  Program *p = arena_alloc (&rs->arena, size);
  p->rule = r;
  p->from = r->from;
  p->until = r->until;
  p->rank = r->rank;
  p->regime = r->regime_index;
  p->effect = (guint8) r->effect;
  p->exception = r->is_exception != 0;
  p->screens = r->when && cond_screens (r->when);
  Test *tests = TESTS (p);
  const Cond **complex = (const Cond **) (tests + ntests);
  Key *keys = (Key *) (complex + ncomplex);
  /* The conjuncts the index files the rule under come last: a candidate found through
   * them nearly always passes them, and fails, if it fails, on another. */
  for (int filed = 0; filed <= 1; filed++)
    for (guint32 i = 0; i < n; i++)
      {
        if (index_is_filed_under (rs->index, r->index, v[i]) != filed)
          continue;
        if (!cond_is_flat (v[i]) || p->ntests + v[i]->nops > G_MAXUINT16)
          {
            complex[p->ncomplex++] = v[i];
            continue;
          }
        for (guint32 k = 0; k < v[i]->nops; k++)
          compile_test (&tests[p->ntests++], v[i], &v[i]->ops[k], &keys);
      }
  return p;
}

/* Sets item_free on C and everything below it; TRUE when C tests no `item.` path. */
static gboolean
mark_item_free (Cond *c)
{
  gboolean free_ = !(c->kind == C_TEST && c->path.scope == SCOPE_ITEM);
  for (guint32 i = 0; i < c->nkids; i++)
    free_ = mark_item_free (c->kids[i]) && free_;
  c->item_free = free_;
  return free_;
}

void
programs_build (EmbargoRuleset *rs)
{
  for (guint32 i = 0; i < rs->nrules; i++)
    if (rs->rules[i]->when)
      mark_item_free (rs->rules[i]->when);
  rs->programs = arena_alloc (&rs->arena, MAX (rs->nrules, 1) * sizeof *rs->programs);
  /* In rule order, from one arena: the programs of neighbouring rules are neighbours. */
  for (guint32 i = 0; i < rs->nrules; i++)
    rs->programs[i] = compile_rule (rs, rs->rules[i]);
}

/* ---- evaluating ---- */

static inline gboolean
key_is (const Key *k, const DocNode *v)
{
  return v->u.sc.len == k->len && v->u.sc.hash == k->hash
         && memcmp (v->u.sc.s, k->u.s, k->len) == 0;
}

/* Does test T hold on V, an element of the fact? The same answers as scalar_holds()
 * (eval.c): UNKNOWN for a mapping or nested list, and for a value of the wrong type for
 * a number, boolean or date. */
static Tri
test_scalar (const Test *t, const DocNode *v, gint32 date)
{
  if (v->kind == DOC_NULL)
    return TRI_FALSE;
  if (v->kind == DOC_MAP || v->kind == DOC_LIST)
    return TRI_UNKNOWN;
  switch ((TestKind) t->kind)
    {
    case T_EQ_STR:
      return key_is (&t->u.key, v);
    case T_EQ_NUM:
      return v->kind != DOC_NUMBER ? TRI_UNKNOWN : v->u.sc.num == t->u.num;
    case T_EQ_BOOL:
      return v->kind != DOC_BOOL ? TRI_UNKNOWN : v->boolean == t->u.b;
    case T_EQ_DATE:
      return !v->is_date ? TRI_UNKNOWN : v->u.sc.date == t->u.date;
    case T_IN:
      for (guint32 i = 0; i < t->nkeys; i++)
        if (key_is (&t->u.keys[i], v))
          return TRI_TRUE;
      return TRI_FALSE;
    case T_IN_HASH:
      return g_hash_table_contains (t->u.set, v->u.sc.s);
    case T_IN_LIST:
      return list_has (t->u.list, v->u.sc.s, v->u.sc.len, date);
    case T_PREFIX:
      for (guint32 i = 0; i < t->nkeys; i++)
        {
          const Key *k = &t->u.keys[i];
          if (v->u.sc.len >= k->len
              && memcmp (v->u.sc.s, k->len <= sizeof k->u.bytes ? k->u.bytes : k->u.s, k->len)
                     == 0)
            return TRI_TRUE;
        }
      return TRI_FALSE;
    case T_CMP_NUM:
      return v->kind != DOC_NUMBER ? TRI_UNKNOWN
                                   : op_compare ((OpKind) t->cmp, v->u.sc.num, t->u.num);
    case T_CMP_DATE:
      return !v->is_date ? TRI_UNKNOWN
                         : op_compare ((OpKind) t->cmp, v->u.sc.date, t->u.date);
    case T_PRESENT:
      return t->cmp; /* program_eval() answers it before looking at the value */
    }
  return TRI_FALSE;
}

static inline const DocNode *
test_value (const Test *t, EvalCtx *ctx)
{
  const DocNode **vals = t->scope == SCOPE_ITEM ? ctx->item_vals : ctx->txn_vals;
  guint8 *seen = t->scope == SCOPE_ITEM ? ctx->item_seen : ctx->txn_seen;
  if (!seen[t->slot])
    {
      vals[t->slot] = path_resolve (t->path, ctx);
      seen[t->slot] = 1;
    }
  return vals[t->slot];
}

Tri
program_eval (const Program *p, EvalCtx *ctx)
{
  Tri res = TRI_TRUE;
  const Test *tests = TESTS (p);
  for (guint32 i = 0; i < p->ntests; i++)
    {
      const Test *t = &tests[i];
      const DocNode *v = test_value (t, ctx);
      Tri r;
      if (v == NULL)
        r = (Tri) t->missing;
      else if (t->kind == T_PRESENT)
        r = t->cmp ? TRI_TRUE : TRI_FALSE;
      else if (v->kind == DOC_LIST)
        {
          /* TRUE on any element, else UNKNOWN on any, else FALSE. */
          r = TRI_FALSE;
          for (guint32 k = 0; k < v->u.list.n && r != TRI_TRUE; k++)
            {
              Tri e = test_scalar (t, v->u.list.v[k], ctx->date);
              if (e != TRI_FALSE)
                r = e;
            }
        }
      else
        r = test_scalar (t, v, ctx->date);
      if (r == TRI_FALSE)
        return TRI_FALSE;
      if (r == TRI_UNKNOWN)
        res = TRI_UNKNOWN;
    }
  const Cond *const *complex = (const Cond *const *) (tests + p->ntests);
  for (guint32 i = 0; i < p->ncomplex; i++)
    {
      Tri r = cond_eval (complex[i], ctx);
      if (r == TRI_FALSE)
        return TRI_FALSE;
      if (r == TRI_UNKNOWN)
        res = TRI_UNKNOWN;
    }
  return res;
}
