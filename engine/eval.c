/* eval.c: (rule set, transaction) -> decision. Pure: no I/O, no shared state.
 *
 * For each item:
 *   1. candidates: the index's transaction-level candidates (computed once) plus the
 *      item's, sorted and deduplicated, so rules come in load order;
 *   2. each candidate in force on the date is evaluated in three-valued logic, through
 *      its program (program.c; all candidates' programs are prefetched first): TRUE
 *      applies; UNKNOWN (a needed fact is absent) counts as `review` for a restriction
 *      and as not applying for an allow rule (fail closed);
 *   3. every exception that applies lifts the rules it names that also apply to this
 *      item; when two exceptions lift the same rule the better-ranked one is named;
 *   4. the item's outcome is the most severe remaining entry, ties to the best rank
 *      (priority, then load order).
 * The transaction's outcome is the most severe item outcome; its rule, the best-ranked
 * deciding rule among those items. Per-regime outcomes fall out of the same entries.
 * Scratch space lives on the stack and spills to the heap only for unusual sizes, so a
 * typical evaluation allocates only the decision it returns. The condition tree itself
 * (cond_eval) serves the conjuncts programs leave to it and the rare second passes:
 * naming missing facts, gathering screening hits.
 */
#include "embargo-private.h"

#include <stdlib.h>
#include <string.h>

const DocNode *
path_resolve (const Path *p, const EvalCtx *ctx)
{
  const DocNode *n = p->scope == SCOPE_ITEM ? ctx->item
                     : p->scope == SCOPE_PARTY ? ctx->party
                                               : ctx->root;
  for (guint32 i = 0; i < p->n && n; i++)
    {
      if (n->kind != DOC_MAP)
        return NULL;
      const DocNode *next = NULL;
      const Str *seg = &p->seg[i];
      for (guint32 k = 0; k < n->u.map.n; k++)
        {
          const DocPair *pr = &n->u.map.v[k];
          if (pr->kid == seg->kid
              && (seg->kid || strcmp (pr->key, seg->s) == 0))
            {
              next = pr->val;
              break;
            }
        }
      n = next;
    }
  return n && n->kind != DOC_NULL ? n : NULL;
}

const DocNode *
path_value (const Path *p, EvalCtx *ctx)
{
  if (p->slot == PATH_NO_SLOT || ctx->txn_vals == NULL || p->scope == SCOPE_PARTY)
    return path_resolve (p, ctx);
  const DocNode **vals = p->scope == SCOPE_ITEM ? ctx->item_vals : ctx->txn_vals;
  guint8 *seen = p->scope == SCOPE_ITEM ? ctx->item_seen : ctx->txn_seen;
  if (!seen[p->slot])
    {
      vals[p->slot] = path_resolve (p, ctx);
      seen[p->slot] = 1;
    }
  return vals[p->slot];
}

static gboolean
operand_eq (const Operand *o, const DocNode *v)
{
  switch (o->type)
    {
    case V_STR:
      return v->u.sc.len == o->str.len && v->u.sc.hash == o->str.hash
             && memcmp (v->u.sc.s, o->str.s, o->str.len) == 0;
    case V_NUM:
      return v->kind == DOC_NUMBER && v->u.sc.num == o->num;
    case V_BOOL:
      return v->kind == DOC_BOOL && v->boolean == o->b;
    case V_DATE:
      return v->is_date && v->u.sc.date == o->date;
    }
  return FALSE;
}

static gboolean
in_force (const Interval *w, gint32 date)
{
  return (w->from == 0 || w->from <= date) && (w->until == 0 || date < w->until);
}

gboolean
list_has (const EList *l, const char *text, gsize len, gint32 date)
{
  g_autofree char *norm = NULL;
  const char *key = text;
  if (l->kind == LIST_NAMES)
    key = norm = embargo_name_normalize (text, (gssize) len);
  for (const ListMember *m = g_hash_table_lookup (l->members, key); m; m = m->next)
    if (in_force (&m->when, date))
      return TRUE;
  return FALSE;
}

static gboolean
scalar_holds (const Op *op, const DocNode *v, gint32 date)
{
  if (v->kind == DOC_MAP || v->kind == DOC_LIST || v->kind == DOC_NULL)
    return FALSE;
  switch (op->kind)
    {
    case OP_EQ:
      return operand_eq (&op->val, v);
    case OP_IN:
      if (op->set_ht)
        return g_hash_table_contains (op->set_ht, v->u.sc.s);
      for (guint32 i = 0; i < op->nset; i++)
        if (operand_eq (&op->set[i], v))
          return TRUE;
      return FALSE;
    case OP_IN_LIST:
      return list_has (op->list, v->u.sc.s, v->u.sc.len, date);
    case OP_PREFIX:
      for (guint32 i = 0; i < op->nset; i++)
        if (v->u.sc.len >= op->set[i].str.len
            && memcmp (v->u.sc.s, op->set[i].str.s, op->set[i].str.len) == 0)
          return TRUE;
      return FALSE;
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
      {
        double a, b;
        if (op->val.type == V_DATE)
          {
            if (!v->is_date)
              return FALSE;
            a = v->u.sc.date, b = op->val.date;
          }
        else
          {
            if (v->kind != DOC_NUMBER)
              return FALSE;
            a = v->u.sc.num, b = op->val.num;
          }
        return op_compare (op->kind, a, b);
      }
    case OP_PRESENT:
      return op->present;
    }
  return FALSE;
}

/* A party's name matches a names list through its aliases too. */
static gboolean
alias_holds (const Op *op, const Cond *c, const EvalCtx *ctx)
{
  if (op->list->kind != LIST_NAMES || strcmp (c->path.seg[c->path.n - 1].s, "name") != 0)
    return FALSE;
  Path parent = c->path;
  parent.n--;
  const DocNode *owner = parent.n ? path_resolve (&parent, ctx)
                         : c->path.scope == SCOPE_PARTY ? ctx->party
                         : c->path.scope == SCOPE_ITEM  ? ctx->item
                                                        : ctx->root;
  const DocNode *aliases = doc_key (owner, KEY_ALIASES);
  if (aliases == NULL || aliases->kind != DOC_LIST)
    return FALSE;
  for (guint32 i = 0; i < aliases->u.list.n; i++)
    {
      const DocNode *a = aliases->u.list.v[i];
      if (doc_is_scalar (a) && a->kind != DOC_NULL
          && list_has (op->list, a->u.sc.s, a->u.sc.len, ctx->date))
        return TRUE;
    }
  return FALSE;
}

static gboolean
op_holds (const Op *op, const Cond *c, const DocNode *v, const EvalCtx *ctx)
{
  if (op->kind == OP_PRESENT)
    return op->present;
  gboolean ok = FALSE;
  if (v->kind == DOC_LIST)
    {
      for (guint32 i = 0; i < v->u.list.n && !ok; i++)
        ok = scalar_holds (op, v->u.list.v[i], ctx->date);
    }
  else
    ok = scalar_holds (op, v, ctx->date);
  if (!ok && op->kind == OP_IN_LIST)
    ok = alias_holds (op, c, ctx);
  return ok;
}

static void
record_missing (const Cond *c, EvalCtx *ctx)
{
  if (ctx->missing == NULL)
    return;
  char *name;
  if (c->path.scope == SCOPE_PARTY)
    name = g_strdup_printf ("%s.%s", ctx->party_role, c->path.text + strlen ("party."));
  else
    name = g_strdup (c->path.text);
  for (guint i = 0; i < ctx->missing->len; i++)
    if (strcmp (g_ptr_array_index (ctx->missing, i), name) == 0)
      {
        g_free (name);
        return;
      }
  g_ptr_array_add (ctx->missing, name);
}

/* Is C a test of a party's name against a names list? Those are screened, fuzzy
 * (screening.c); the operators besides them hold as usual. */
static gboolean
screens_party (const Cond *c)
{
  if (c->path.scope != SCOPE_PARTY || c->path.n != 1 || strcmp (c->path.seg[0].s, "name") != 0)
    return FALSE;
  for (guint32 i = 0; i < c->nops; i++)
    if (c->ops[i].kind == OP_IN_LIST && c->ops[i].list->kind == LIST_NAMES)
      return TRUE;
  return FALSE;
}

static Tri
screen_test_eval (const Cond *c, const DocNode *v, EvalCtx *ctx)
{
  Tri res = TRI_TRUE;
  for (guint32 i = 0; i < c->nops && res != TRI_FALSE; i++)
    {
      const Op *op = &c->ops[i];
      Tri t;
      if (op->kind == OP_IN_LIST && op->list->kind == LIST_NAMES)
        t = op->owned ? screen_party_owned_by (op->list, ctx->party, ctx)
                      : screen_party_in_list (op->list, ctx->party, ctx);
      else if (v == NULL)
        t = op->kind == OP_PRESENT && !op->present ? TRI_TRUE : TRI_FALSE;
      else
        t = op_holds (op, c, v, ctx) ? TRI_TRUE : TRI_FALSE;
      if (t != TRI_TRUE)
        res = t;
    }
  return res;
}

static Tri
test_eval (const Cond *c, EvalCtx *ctx)
{
  const DocNode *v = path_value (&c->path, ctx);
  if (screens_party (c))
    {
      /* Without a name, aliases or owners there is nothing to screen: a missing fact. */
      const DocNode *aliases = doc_key (ctx->party, KEY_ALIASES);
      const DocNode *owners = doc_key (ctx->party, KEY_OWNERS);
      if (v || (aliases && aliases->kind == DOC_LIST && aliases->u.list.n)
          || (owners && owners->kind == DOC_LIST && owners->u.list.n))
        return screen_test_eval (c, v, ctx);
    }
  if (v == NULL)
    {
      /* `present` needs no value; any other operator needs the fact. */
      gboolean needs_value = FALSE;
      for (guint32 i = 0; i < c->nops; i++)
        {
          if (c->ops[i].kind == OP_PRESENT)
            {
              if (c->ops[i].present)
                return TRI_FALSE;
            }
          else
            needs_value = TRUE;
        }
      if (!needs_value)
        return TRI_TRUE;
      /* An alias can still match a names list when the name itself is absent. */
      for (guint32 i = 0; i < c->nops; i++)
        if (c->ops[i].kind == OP_IN_LIST && alias_holds (&c->ops[i], c, ctx) && c->nops == 1)
          return TRI_TRUE;
      switch (c->if_missing)
        {
        case MISS_FALSE: return TRI_FALSE;
        case MISS_TRUE: return TRI_TRUE;
        case MISS_UNKNOWN: break;
        }
      record_missing (c, ctx);
      return TRI_UNKNOWN;
    }
  for (guint32 i = 0; i < c->nops; i++)
    if (!op_holds (&c->ops[i], c, v, ctx))
      return TRI_FALSE;
  return TRI_TRUE;
}

/* Kleene "any": TRUE wins, then UNKNOWN, then FALSE. */
static inline Tri
tri_any (Tri acc, Tri t)
{
  return t == TRI_TRUE || (t == TRI_UNKNOWN && acc == TRI_FALSE) ? t : acc;
}

/* `party: owners`: C's condition on every owner named under PARTY (at ROLE), and
 * under those owners, depth first. */
static Tri
owners_of_eval (const Cond *c, const DocNode *party, const char *role, guint depth,
                EvalCtx *ctx)
{
  const DocNode *owners = doc_key (party, KEY_OWNERS);
  if (owners == NULL || owners->kind != DOC_LIST || depth > 16)
    return TRI_FALSE;
  Tri res = TRI_FALSE;
  for (guint32 i = 0; i < owners->u.list.n && (res != TRI_TRUE || ctx->screening); i++)
    {
      const DocNode *o = owners->u.list.v[i];
      if (o->kind != DOC_MAP)
        continue;
      char orole[160];
      g_snprintf (orole, sizeof orole, "%s.owners.%u", role, i);
      ctx->party = o;
      ctx->party_role = orole;
      Tri t = cond_eval (c->kids[0], ctx);
      if (t != TRI_TRUE)
        {
          Tri deeper = owners_of_eval (c, o, orole, depth + 1, ctx);
          t = deeper == TRI_TRUE || t == TRI_FALSE ? deeper : t;
        }
      res = tri_any (res, t);
    }
  return res;
}

typedef Tri (*PartyFn) (const Cond *c, const DocNode *party, const char *role, EvalCtx *ctx);

/* FN over every party of the roles in ROLES ("buyer", "intermediaries.1", ...), combined
 * with tri_any. It stops at the first TRUE, unless the decision gathers screening
 * explanations: then every party is visited, not just the first hit. */
static Tri
any_party (const Cond *c, guint32 roles, PartyFn fn, EvalCtx *ctx)
{
  Tri res = TRI_FALSE;
  char role[48];
  gboolean all = ctx->screening != NULL;
  for (guint r = 0; r < ROLE_COUNT && (res != TRI_TRUE || all); r++)
    {
      if (!(roles & (1u << r)))
        continue;
      static const KeyId role_keys[ROLE_COUNT] = ROLE_KEYS;
      const DocNode *p = doc_key (ctx->root, role_keys[r]);
      if (p == NULL)
        continue;
      guint32 n = p->kind == DOC_LIST ? p->u.list.n : 1;
      for (guint32 i = 0; i < n && (res != TRI_TRUE || all); i++)
        {
          const DocNode *party = p->kind == DOC_LIST ? p->u.list.v[i] : p;
          if (party->kind != DOC_MAP)
            continue;
          if (p->kind == DOC_LIST)
            g_snprintf (role, sizeof role, "%s.%u", role_names[r], i);
          else
            g_strlcpy (role, role_names[r], sizeof role);
          res = tri_any (res, fn (c, party, role, ctx));
        }
    }
  return res;
}

static Tri
party_owners (const Cond *c, const DocNode *party, const char *role, EvalCtx *ctx)
{
  return owners_of_eval (c, party, role, 0, ctx);
}

static Tri
party_when (const Cond *c, const DocNode *party, const char *role, EvalCtx *ctx)
{
  ctx->party = party;
  ctx->party_role = role;
  return cond_eval (c->kids[0], ctx);
}

static Tri
party_eval (const Cond *c, EvalCtx *ctx)
{
  Tri res = any_party (c, c->roles, party_when, ctx);
  if ((c->roles & ROLE_OWNERS) && (res != TRI_TRUE || ctx->screening != NULL))
    res = tri_any (res, any_party (c, (1u << ROLE_COUNT) - 1, party_owners, ctx));
  ctx->party = NULL;
  ctx->party_role = NULL;
  return res;
}

void
cond_conjuncts (const Cond *when, const Cond **one, const Cond *const **v, guint32 *n)
{
  if (when == NULL)
    *v = NULL, *n = 0;
  else if (when->kind == C_ALL)
    *v = (const Cond *const *) when->kids, *n = when->nkids;
  else
    *one = when, *v = one, *n = 1;
}

gboolean
cond_screens (const Cond *c)
{
  if (c->kind == C_TEST)
    return screens_party (c);
  for (guint32 i = 0; i < c->nkids; i++)
    if (cond_screens (c->kids[i]))
      return TRUE;
  return FALSE;
}

Tri
cond_eval (const Cond *c, EvalCtx *ctx)
{
  switch (c->kind)
    {
    case C_TEST:
      return test_eval (c, ctx);
    case C_ALL:
      {
        Tri res = TRI_TRUE;
        for (guint32 i = 0; i < c->nkids; i++)
          {
            Tri t = cond_eval (c->kids[i], ctx);
            if (t == TRI_FALSE)
              return TRI_FALSE;
            if (t == TRI_UNKNOWN)
              res = TRI_UNKNOWN;
          }
        return res;
      }
    case C_ANY:
      {
        Tri res = TRI_FALSE;
        for (guint32 i = 0; i < c->nkids; i++)
          {
            Tri t = cond_eval (c->kids[i], ctx);
            if (t == TRI_TRUE)
              return TRI_TRUE;
            if (t == TRI_UNKNOWN)
              res = TRI_UNKNOWN;
          }
        return res;
      }
    case C_NOT:
      {
        Tri t = cond_eval (c->kids[0], ctx);
        return t == TRI_UNKNOWN ? TRI_UNKNOWN : t == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
      }
    case C_PARTY:
      return party_eval (c, ctx);
    }
  return TRI_UNKNOWN;
}

/* ---- messages ---- */

/* The value of {match.FIELD}, or NULL. */
static char *
match_field (const ScreenRec *m, const char *field)
{
  if (m == NULL)
    return NULL;
  if (strcmp (field, "entry") == 0)
    return g_strdup (m->entry);
  if (strcmp (field, "list") == 0)
    return g_strdup (m->list);
  if (strcmp (field, "party") == 0)
    return g_strdup (m->party);
  if (strcmp (field, "matched") == 0)
    return g_strdup (m->matched);
  if (strcmp (field, "score") == 0)
    return g_strdup_printf ("%.2f", m->score);
  if (strcmp (field, "license_policy") == 0 && m->member)
    return g_strdup (m->member->license_policy);
  if (strcmp (field, "citation") == 0 && m->member)
    return g_strdup (m->member->citation);
  return NULL;
}

char *
render_message (const char *tmpl, const DocNode *root, const DocNode *item,
                const ScreenRec *match)
{
  GString *out = g_string_sized_new (strlen (tmpl) + 32);
  for (const char *p = tmpl; *p;)
    {
      const char *close;
      if (*p == '{' && (close = strchr (p, '}')) && close - p > 1 && close - p < 128)
        {
          g_autofree char *path = g_strndup (p + 1, close - p - 1);
          if (g_str_has_prefix (path, "match."))
            {
              g_autofree char *v = match_field (match, path + 6);
              g_string_append (out, v ? v : "?");
              p = close + 1;
              continue;
            }
          const DocNode *n = g_str_has_prefix (path, "item.") ? item : root;
          const char *rest = g_str_has_prefix (path, "item.") ? path + 5 : path;
          g_auto (GStrv) segs = g_strsplit (rest, ".", -1);
          for (guint i = 0; segs[i] && n; i++)
            n = doc_get (n, segs[i]);
          if (n && doc_is_scalar (n) && n->kind != DOC_NULL)
            g_string_append (out, n->u.sc.s);
          else if (n && n->kind == DOC_LIST)
            for (guint32 i = 0; i < n->u.list.n; i++)
              {
                const DocNode *e = n->u.list.v[i];
                g_string_append_printf (out, "%s%s", i ? ", " : "",
                                        doc_is_scalar (e) ? e->u.sc.s : "?");
              }
          else
            g_string_append_c (out, '?');
          p = close + 1;
          continue;
        }
      g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

/* ---- evaluation ---- */

/* Candidates are few (a handful to a few dozen): insertion sort beats qsort's calls
 * through a function pointer. Longer lists are a handful of runs already in order,
 * one per index bucket (an item can have a hundred candidates from a bucket that a
 * country and an ECCN prefix share): they are merged, runs pairwise, O(n log runs). */
static void
sort_u32 (guint32 *v, guint32 n)
{
  if (n <= 48)
    {
      for (guint32 i = 1; i < n; i++)
        {
          guint32 x = v[i], j = i;
          for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
          v[j] = x;
        }
      return;
    }
  guint32 tmp_store[512];
  guint32 *tmp = n <= G_N_ELEMENTS (tmp_store) ? tmp_store : g_new (guint32, n);
  guint32 *src = v, *dst = tmp;
  for (;;)
    {
      /* One pass: merge each pair of neighbouring runs of SRC into DST. */
      guint32 runs = 0, i = 0;
      while (i < n)
        {
          guint32 a = i, am = i + 1;
          while (am < n && src[am - 1] <= src[am])
            am++;
          guint32 b = am, bm = am < n ? am + 1 : am;
          while (bm < n && src[bm - 1] <= src[bm])
            bm++;
          guint32 o = a;
          while (a < am && b < bm)
            dst[o++] = src[a] <= src[b] ? src[a++] : src[b++];
          while (a < am)
            dst[o++] = src[a++];
          while (b < bm)
            dst[o++] = src[b++];
          i = bm;
          runs++;
        }
      guint32 *t = src;
      src = dst, dst = t;
      if (runs == 1)
        break;
    }
  if (src != v)
    memcpy (v, src, n * sizeof *v);
  if (tmp != tmp_store)
    g_free (tmp);
}

typedef struct {
  MatchRec *v;
  guint32 n, cap;
  gboolean heap;
} MatchVec;

static MatchRec *
match_push (MatchVec *m)
{
  if (m->n == m->cap)
    {
      guint32 cap = m->cap * 2;
      MatchRec *nv = g_new (MatchRec, cap);
      memcpy (nv, m->v, m->n * sizeof *nv);
      if (m->heap)
        g_free (m->v);
      m->v = nv;
      m->cap = cap;
      m->heap = TRUE;
    }
  MatchRec *r = &m->v[m->n++];
  memset (r, 0, sizeof *r);
  return r;
}

/* Is A more decisive than B: more severe, or as severe and better ranked? */
static gboolean
better (const MatchRec *a, const MatchRec *b)
{
  if (a->effect != b->effect)
    return a->effect > b->effect;
  return a->prog->rank < b->prog->rank;
}

/* The date OPTIONS decide as of: 0 for each transaction's own, -1 (ERROR set) when
 * as_of is not a date or OPTIONS are of another version. */
static gint32
as_of_date (const EmbargoEvalOptions *options, GError **error)
{
  if (!OPTIONS_VERSION_OK (options, EMBARGO_EVAL_OPTIONS_VERSION, "EmbargoEvalOptions",
                          EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_FAILED, error))
    return -1;
  if (options == NULL || options->as_of == NULL)
    return 0;
  gint32 date = date_parse (options->as_of, strlen (options->as_of));
  if (date == 0)
    {
      g_set_error (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_BAD_DATE,
                   "as-of date '%s' is not a valid date (YYYY-MM-DD)", options->as_of);
      return -1;
    }
  return date;
}

static EmbargoDecision *evaluate (EmbargoRuleset *rs, const EmbargoTransaction *txn,
                                  gint32 as_of, GError **error);

EmbargoDecision *
embargo_evaluate (EmbargoRuleset *rs, const EmbargoTransaction *txn,
                  const EmbargoEvalOptions *options, GError **error)
{
  g_return_val_if_fail (rs != NULL, NULL);
  g_return_val_if_fail (txn != NULL, NULL);
  if (!txn->doc.validated && !embargo_transaction_validate (txn, error))
    return NULL;
  gint32 as_of = as_of_date (options, error);
  if (as_of < 0)
    return NULL;
  arena_prefetch (&txn->doc.arena);
  return evaluate (rs, txn, as_of, error);
}

/* Asks the CPU to start fetching what evaluating TXNS[I] will read, in three steps
 * taken on successive transactions: each step needs a pointer the previous step
 * fetched. By the time a transaction is evaluated its document is in cache. */
static void
prefetch_ahead (const EmbargoTransaction *const *txns, gsize n, gsize i)
{
  if (i + 4 < n)
    __builtin_prefetch (txns[i + 4]);
  if (i + 2 < n)
    __builtin_prefetch (txns[i + 2]);
  if (i + 1 < n)
    arena_prefetch (&txns[i + 1]->doc.arena);
}

gsize
embargo_evaluate_all (EmbargoRuleset *rs, const EmbargoTransaction *const *txns, gsize n,
                      const EmbargoEvalOptions *options, EmbargoDecision **decisions,
                      GError **error)
{
  g_return_val_if_fail (rs != NULL, 0);
  g_return_val_if_fail (txns != NULL || n == 0, 0);
  g_return_val_if_fail (decisions != NULL || n == 0, 0);
  for (gsize i = 0; i < n; i++)
    g_return_val_if_fail (txns[i] != NULL, 0);
  GError *first = NULL;
  gint32 as_of = as_of_date (options, &first);
  gsize decided = 0;
  if (n)
    arena_prefetch (&txns[0]->doc.arena);
  for (gsize i = 0; i < n; i++)
    {
      decisions[i] = NULL;
      if (as_of < 0)
        continue;
      prefetch_ahead (txns, n, i);
      const EmbargoTransaction *txn = txns[i];
      GError *e = NULL;
      if (txn->doc.validated || embargo_transaction_validate (txn, &e))
        decisions[i] = evaluate (rs, txn, as_of, &e);
      if (decisions[i])
        decided++;
      else if (first == NULL)
        first = e;
      else
        g_clear_error (&e);
    }
  if (first)
    g_propagate_error (error, first);
  return decided;
}

static EmbargoDecision *
evaluate (EmbargoRuleset *rs, const EmbargoTransaction *txn, gint32 as_of, GError **error)
{
  const DocNode *root = txn->doc.root;
  gint32 date = as_of ? as_of : doc_key (root, KEY_DATE)->u.sc.date;
  const DocNode *items = doc_key (root, KEY_ITEMS);
  guint32 nitems = items->u.list.n;

  guint32 txn_store[64], cand_store[256];
  Vec32 txn_cands, cands;
  vec32_init (&txn_cands, txn_store, G_N_ELEMENTS (txn_store));
  vec32_init (&cands, cand_store, G_N_ELEMENTS (cand_store));
  const DocNode *txn_vals[PATH_SLOTS], *item_vals[PATH_SLOTS];
  guint8 txn_seen[PATH_SLOTS], item_seen[PATH_SLOTS];
  memset (txn_seen, 0, rs->npath_slots);
  EvalCtx ctx;
  eval_ctx_init (&ctx, root, date);
  ctx.txn_vals = txn_vals, ctx.item_vals = item_vals;
  ctx.txn_seen = txn_seen, ctx.item_seen = item_seen;
  index_txn_candidates (rs->index, &ctx, &txn_cands);

  MatchRec match_store[64];
  MatchVec m = { match_store, 0, G_N_ELEMENTS (match_store), FALSE };
  ItemRec item_store[16];
  ItemRec *irec = nitems <= G_N_ELEMENTS (item_store) ? item_store : g_new (ItemRec, nitems);
  guint8 regime_store[64];
  guint8 *regime_sev = rs->nregimes <= sizeof regime_store ? regime_store
                                                           : g_new (guint8, rs->nregimes);
  memset (regime_sev, 0, rs->nregimes);

  EmbargoOutcome outcome = EMBARGO_OUTCOME_ALLOW;
  const EmbargoRule *deciding = NULL;
  guint32 deciding_item = 0, deciding_rank = 0;

  for (guint32 it = 0; it < nitems; it++)
    {
      const DocNode *item = items->u.list.v[it];
      ctx.item = item;
      memset (item_seen, 0, rs->npath_slots);
      cands.n = 0;
      vec32_append (&cands, txn_cands.v, txn_cands.n);
      index_item_candidates (rs->index, &ctx, &cands);
      sort_u32 (cands.v, cands.n);

      /* Every candidate's program is fetched at once, before the first is needed. */
      for (guint32 k = 0; k < cands.n; k++)
        {
          const char *p = (const char *) rs->programs[cands.v[k]];
          __builtin_prefetch (p);
          __builtin_prefetch (p + 64);
        }

      guint32 first = m.n;
      guint32 prev = G_MAXUINT32;
      for (guint32 k = 0; k < cands.n; k++)
        {
          guint32 ri = cands.v[k];
          if (ri == prev)
            continue;
          prev = ri;
          const Program *p = rs->programs[ri];
          if (p->from > date || (p->until && date >= p->until))
            continue;
          Tri t = program_eval (p, &ctx);
          if (t == TRI_FALSE || (t == TRI_UNKNOWN && p->effect == EMBARGO_OUTCOME_ALLOW))
            continue;
          MatchRec *mr = match_push (&m);
          mr->rule = p->rule;
          mr->prog = p;
          mr->item = it;
          mr->unknown = t == TRI_UNKNOWN;
          mr->effect = mr->unknown ? EMBARGO_OUTCOME_REVIEW : p->effect;
        }
      guint32 last = m.n;

      /* Exceptions lift what they name, among this item's entries (in rule order). */
      for (guint32 k = first; k < last; k++)
        {
          if (!m.v[k].prog->exception)
            continue;
          const EmbargoRule *x = m.v[k].rule;
          for (guint32 j = 0; j < x->nlifts; j++)
            {
              guint32 lo = first, hi = last;
              while (lo < hi)
                {
                  guint32 mid = (lo + hi) / 2;
                  if (m.v[mid].rule->index < x->lifts[j])
                    lo = mid + 1;
                  else
                    hi = mid;
                }
              if (lo < last && m.v[lo].rule->index == x->lifts[j]
                  && (m.v[lo].lifted_by == NULL || x->rank < m.v[lo].lifted_by->rank))
                m.v[lo].lifted_by = x;
            }
        }

      MatchRec *best = NULL;
      for (guint32 k = first; k < last; k++)
        {
          MatchRec *e = &m.v[k];
          if (e->lifted_by)
            {
              e->status = EMBARGO_MATCH_LIFTED;
              continue;
            }
          e->status = EMBARGO_MATCH_OUTWEIGHED;
          if (best == NULL || better (e, best))
            best = e;
          guint8 *rsev = &regime_sev[e->prog->regime];
          if (e->effect > *rsev)
            *rsev = e->effect;
        }
      if (best)
        best->status = EMBARGO_MATCH_DECISIVE;

      ItemRec *ir = &irec[it];
      const DocNode *idn = doc_key (item, KEY_ID);
      ir->id = idn->u.sc.s;
      ir->id_len = idn->u.sc.len;
      ir->outcome = best ? best->effect : EMBARGO_OUTCOME_ALLOW;
      ir->rule = best ? best->rule : NULL;
      if (best && (ir->outcome > outcome
                   || (ir->outcome == outcome
                       && (deciding == NULL || best->prog->rank < deciding_rank))))
        deciding = ir->rule, deciding_rank = best->prog->rank, deciding_item = it;
      if (ir->outcome > outcome)
        outcome = ir->outcome;
    }

  screen_ctx_clear (&ctx);
  EmbargoDecision *d = decision_build (rs, doc_key (root, KEY_ID)->u.sc.s, date, irec, nitems,
                                       m.v, m.n, regime_sev, outcome, deciding);

  /* Rare paths: facts that were missing, and the message. */
  for (guint32 k = 0; k < m.n; k++)
    {
      const MatchRec *e = &m.v[k];
      if (!e->unknown || e->lifted_by)
        continue;
      GPtrArray *missing = g_ptr_array_new ();
      EvalCtx mctx = { .root = root, .item = items->u.list.v[e->item], .date = date,
                       .missing = missing };
      cond_eval (e->rule->when, &mctx);
      screen_ctx_clear (&mctx);
      for (guint i = 0; i < missing->len; i++)
        decision_add_missing (d, e->rule, e->item, g_ptr_array_index (missing, i));
      g_ptr_array_free (missing, TRUE);
    }
  /* Rare path: the screening hits behind the rules that applied, for the explanation;
   * the deciding rule's best match on its deciding item fills {match.*} in its message. */
  ScreenRec best_match = { 0 };
  g_autofree char *best_party = NULL;
  for (guint32 k = 0; k < m.n; k++)
    {
      const MatchRec *e = &m.v[k];
      if (e->lifted_by || !e->prog->screens)
        continue;
      g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (ScreenRec));
      EvalCtx sctx = { .root = root, .item = items->u.list.v[e->item], .date = date,
                       .screening = hits };
      cond_eval (e->rule->when, &sctx);
      screen_ctx_clear (&sctx);
      for (guint i = 0; i < hits->len; i++)
        {
          ScreenRec *r = &g_array_index (hits, ScreenRec, i);
          r->rule = e->rule;
          r->item = e->item;
          if (r->rule == deciding && r->item == deciding_item
              && (best_party == NULL || (r->match && !best_match.match)
                  || (r->match == best_match.match && r->score > best_match.score)))
            {
              g_free (best_party);
              best_party = g_strdup (r->party);
              best_match = *r;
              best_match.party = best_party;
              best_match.name = NULL;
            }
          decision_add_screening (d, r);
        }
    }
  if (deciding && deciding->message)
    decision_set_message (d, render_message (deciding->message, root,
                                             items->u.list.v[deciding_item],
                                             best_party ? &best_match : NULL));

  if (m.heap)
    g_free (m.v);
  if (irec != item_store)
    g_free (irec);
  if (regime_sev != regime_store)
    g_free (regime_sev);
  vec32_clear (&txn_cands);
  vec32_clear (&cands);
  return d;
}
