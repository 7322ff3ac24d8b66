/* cond.c: conditions, evaluated in three-valued logic against one transaction.
 *
 * cond_eval() is the whole of a rule's `when`: field tests (path_resolve/path_value read
 * the fact, scalar_holds compares it with the compiled operand, list_has looks values up
 * in a rule set's list), names-list screening (through screening.c), and `party:`
 * quantifiers over the roles and their owners. An absent fact is TRI_UNKNOWN unless the
 * condition says otherwise with `if_missing`; the missing path is recorded for the
 * decision. Programs (program.c) and the index (index.c) use the helpers here; eval.c
 * drives them.
 */
#include "doc.h"
#include "rules.h"
#include "txn.h"
#include "eval.h"
#include "screening.h"

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
      /* An absent consignee or end user: the role that stands in for it. */
      if (i == 0 && n == ctx->root && (next == NULL || next->kind == DOC_NULL)
          && (seg->kid == KEY_CONSIGNEE || seg->kid == KEY_END_USER))
        next = role_party (n, (KeyId) seg->kid);
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

/* Kleene "any": TRUE wins, then UNKNOWN, then FALSE. */
static inline Tri
tri_any (Tri acc, Tri t)
{
  return t == TRI_TRUE || (t == TRI_UNKNOWN && acc == TRI_FALSE) ? t : acc;
}

/* Does the scalar V equal operand O? UNKNOWN when V has the wrong type for O: a
 * number, boolean or date operand against text or another kind (text operands compare
 * with any scalar's text, and numbers keep theirs). */
static Tri
operand_eq (const Operand *o, const DocNode *v)
{
  switch (o->type)
    {
    case V_STR:
      return v->u.sc.len == o->str.len && v->u.sc.hash == o->str.hash
             && memcmp (v->u.sc.s, o->str.s, o->str.len) == 0;
    case V_NUM:
      return v->kind != DOC_NUMBER ? TRI_UNKNOWN : v->u.sc.num == o->num;
    case V_BOOL:
      return v->kind != DOC_BOOL ? TRI_UNKNOWN : v->boolean == o->b;
    case V_DATE:
      return !v->is_date ? TRI_UNKNOWN : v->u.sc.date == o->date;
    }
  return TRI_FALSE;
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

/* Does OP hold on V, an element of a fact (a scalar, or a mapping or list where a
 * scalar was expected)? UNKNOWN where V has the wrong type for the comparison: a
 * mapping or a nested list for any operator, text (or a malformed date) where a number
 * or a date is compared, a boolean operand against anything but a boolean. A null is
 * no value. */
static Tri
scalar_holds (const Op *op, const DocNode *v, gint32 date)
{
  if (v->kind == DOC_NULL)
    return TRI_FALSE;
  if (v->kind == DOC_MAP || v->kind == DOC_LIST)
    return TRI_UNKNOWN;
  switch (op->kind)
    {
    case OP_EQ:
      return operand_eq (&op->val, v);
    case OP_IN:
      {
        if (op->set_ht)
          return g_hash_table_contains (op->set_ht, v->u.sc.s);
        Tri res = TRI_FALSE;
        for (guint32 i = 0; i < op->nset && res != TRI_TRUE; i++)
          res = tri_any (res, operand_eq (&op->set[i], v));
        return res;
      }
    case OP_IN_LIST:
      return list_has (op->list, v->u.sc.s, v->u.sc.len, date);
    case OP_PREFIX:
      for (guint32 i = 0; i < op->nset; i++)
        if (v->u.sc.len >= op->set[i].str.len
            && memcmp (v->u.sc.s, op->set[i].str.s, op->set[i].str.len) == 0)
          return TRI_TRUE;
      return TRI_FALSE;
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
      if (op->val.type == V_DATE)
        return !v->is_date ? TRI_UNKNOWN
                           : op_compare (op->kind, v->u.sc.date, op->val.date);
      return v->kind != DOC_NUMBER ? TRI_UNKNOWN
                                   : op_compare (op->kind, v->u.sc.num, op->val.num);
    case OP_PRESENT:
      return op->present;
    }
  return TRI_FALSE;
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

/* OP on the fact V: on a list, TRUE when it holds for any element, else UNKNOWN when
 * it is unknown for one. A names list also matches through the party's aliases. */
static Tri
op_holds (const Op *op, const Cond *c, const DocNode *v, const EvalCtx *ctx)
{
  if (op->kind == OP_PRESENT)
    return op->present;
  Tri res = TRI_FALSE;
  if (v->kind == DOC_LIST)
    {
      for (guint32 i = 0; i < v->u.list.n && res != TRI_TRUE; i++)
        res = tri_any (res, scalar_holds (op, v->u.list.v[i], ctx->date));
    }
  else
    res = scalar_holds (op, v, ctx->date);
  if (res != TRI_TRUE && op->kind == OP_IN_LIST && alias_holds (op, c, ctx))
    res = TRI_TRUE;
  return res;
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
      else if ((t = op_holds (op, c, v, ctx)) == TRI_UNKNOWN)
        record_missing (c, ctx);
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
  /* A fact of the wrong type for a comparison is unknown, like an absent one, whatever
   * if_missing says: it can never make a restriction false. */
  Tri res = TRI_TRUE;
  for (guint32 i = 0; i < c->nops; i++)
    {
      Tri t = op_holds (&c->ops[i], c, v, ctx);
      if (t == TRI_FALSE)
        return TRI_FALSE;
      if (t == TRI_UNKNOWN)
        res = TRI_UNKNOWN;
    }
  if (res == TRI_UNKNOWN)
    record_missing (c, ctx);
  return res;
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
      guint rr = r;
      if (p == NULL || p->kind == DOC_NULL)
        {
          /* A stand-in (the buyer for an absent consignee...) is screened under its own
           * role, and only once: not when that role is asked for too. */
          p = role_party (ctx->root, role_keys[r]);
          if (p == NULL)
            continue;
          rr = p == doc_key (ctx->root, KEY_BUYER) ? 0 : 2; /* role_names[] */
          if (roles & (1u << rr))
            continue;
        }
      guint32 n = p->kind == DOC_LIST ? p->u.list.n : 1;
      for (guint32 i = 0; i < n && (res != TRI_TRUE || all); i++)
        {
          const DocNode *party = p->kind == DOC_LIST ? p->u.list.v[i] : p;
          if (party->kind != DOC_MAP)
            continue;
          if (p->kind == DOC_LIST)
            g_snprintf (role, sizeof role, "%s.%u", role_names[rr], i);
          else
            g_strlcpy (role, role_names[rr], sizeof role);
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
party_eval_all (const Cond *c, EvalCtx *ctx)
{
  Tri res = any_party (c, c->roles, party_when, ctx);
  if ((c->roles & ROLE_OWNERS) && (res != TRI_TRUE || ctx->screening != NULL))
    res = tri_any (res, any_party (c, (1u << ROLE_COUNT) - 1, party_owners, ctx));
  ctx->party = NULL;
  ctx->party_role = NULL;
  return res;
}

/* An item-free `party:` condition's answer, kept for the evaluation (and, while missing
 * facts are named, the facts it named). */
typedef struct {
  Tri tri;
  GPtrArray *names; /* missing field names (g_free), or NULL */
} PartyMemo;

static void
party_memo_free (gpointer p)
{
  PartyMemo *m = p;
  if (m->names)
    g_ptr_array_unref (m->names);
  g_free (m);
}

static void
add_missing_name (GPtrArray *missing, const char *name)
{
  for (guint i = 0; i < missing->len; i++)
    if (strcmp (g_ptr_array_index (missing, i), name) == 0)
      return;
  g_ptr_array_add (missing, g_strdup (name));
}

/* A `party:` condition over every party of its roles. One that tests no `item.` path
 * answers the same for every item: it is evaluated once per evaluation (a transaction
 * of 10,000 items and 1,000 intermediaries costs items + parties, not their product).
 * Not while screening hits are gathered: each pass wants its own. */
static Tri
party_eval (const Cond *c, EvalCtx *ctx)
{
  if (!c->item_free || ctx->screening)
    return party_eval_all (c, ctx);
  if (ctx->missing == NULL)
    for (guint32 i = 0; i < MIN (ctx->n_party_memo, G_N_ELEMENTS (ctx->party_memo)); i++)
      if (ctx->party_memo[i].c == c)
        return (Tri) ctx->party_memo[i].tri;
  PartyMemo *m = ctx->memo_big ? g_hash_table_lookup (ctx->memo_big, c) : NULL;
  if (m && (ctx->missing == NULL || m->names))
    {
      if (ctx->missing)
        for (guint i = 0; i < m->names->len; i++)
          add_missing_name (ctx->missing, g_ptr_array_index (m->names, i));
      return m->tri;
    }
  GPtrArray *outer = ctx->missing;
  if (outer)
    ctx->missing = g_ptr_array_new_with_free_func (g_free);
  Tri res = party_eval_all (c, ctx);
  if (outer == NULL && ctx->n_party_memo < G_N_ELEMENTS (ctx->party_memo))
    {
      ctx->party_memo[ctx->n_party_memo].c = c;
      ctx->party_memo[ctx->n_party_memo++].tri = (guint8) res;
      return res;
    }
  if (ctx->memo_big == NULL)
    ctx->memo_big = g_hash_table_new_full (NULL, NULL, NULL, party_memo_free);
  m = g_new0 (PartyMemo, 1);
  m->tri = res;
  if (outer)
    {
      m->names = ctx->missing;
      ctx->missing = outer;
      for (guint i = 0; i < m->names->len; i++)
        add_missing_name (outer, g_ptr_array_index (m->names, i));
    }
  g_hash_table_replace (ctx->memo_big, (gpointer) c, m);
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
