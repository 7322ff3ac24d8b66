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
 *   4. the item's outcome is the most severe remaining restriction, ties to the best
 *      rank (priority, then load order); where every restriction was lifted, the
 *      exception that lifted the most severe one decides (allow); an exception that
 *      lifted nothing decides nothing (`not_needed`), and with no restriction at all
 *      the item is allow with no rule.
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

/* Adds field NAME to the missing facts of the rule being explained, once. */
static void
record_missing_field (EvalCtx *ctx, const char *name)
{
  if (ctx->missing == NULL)
    return;
  for (guint i = 0; i < ctx->missing->len; i++)
    if (strcmp (g_ptr_array_index (ctx->missing, i), name) == 0)
      return;
  g_ptr_array_add (ctx->missing, g_strdup (name));
}

static void
record_missing (const Cond *c, EvalCtx *ctx)
{
  if (ctx->missing == NULL)
    return;
  g_autofree char *name = c->path.scope == SCOPE_PARTY
                              ? g_strdup_printf ("%s.%s", ctx->party_role,
                                                 c->path.text + strlen ("party."))
                              : g_strdup (c->path.text);
  record_missing_field (ctx, name);
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
        {
          t = op->owned ? screen_party_owned_by (op->list, ctx->party, ctx)
                        : screen_party_in_list (op->list, ctx->party, ctx);
          /* A party without a name (screened through its aliases, or here only for its
           * owners) is not cleared by what else it has: its name is a missing fact. */
          if (v == NULL && !op->owned && t == TRI_FALSE)
            {
              t = TRI_UNKNOWN;
              record_missing (c, ctx);
            }
          if (op->owned && t == TRI_UNKNOWN && ctx->missing)
            {
              /* say which owners could not be screened for want of a name */
              const DocNode *owners = doc_key (ctx->party, KEY_OWNERS);
              for (guint32 k = 0; owners && owners->kind == DOC_LIST && k < owners->u.list.n;
                   k++)
                if (doc_key (owners->u.list.v[k], KEY_NAME) == NULL)
                  {
                    g_autofree char *f = g_strdup_printf (
                        "%s.owners[%u].name", ctx->party_role ? ctx->party_role : "party", k);
                    record_missing_field (ctx, f);
                  }
            }
        }
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

/* ---- messages ---- */

/* The value of top-level key KEY of the transaction ROOT, stand-ins included. */
static const DocNode *
role_value (const DocNode *root, const char *key)
{
  guint32 kid = key_id (key, strlen (key));
  if (kid == KEY_CONSIGNEE || kid == KEY_END_USER)
    return role_party (root, (KeyId) kid);
  return doc_get (root, key);
}

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

/* The text a placeholder whose fact is absent prints when it names no fallback. */
#define MESSAGE_NOT_STATED "(not stated)"

gboolean
message_next_placeholder (const char *p, const char **brace, const char **close,
                          const char **bar)
{
  for (; (p = strchr (p, '{')); p++)
    {
      const char *c = strchr (p, '}');
      if (c == NULL)
        return FALSE;
      if (c - p > 1 && c - p < 128)
        {
          const char *b = memchr (p, '|', (gsize) (c - p));
          *brace = p, *close = c, *bar = b;
          return TRUE;
        }
    }
  return FALSE;
}

/* Appends the transaction's value at PATH (scalars, or a list's scalars joined by
 * ", "); FALSE, appending nothing, when there is none. */
static gboolean
append_fact (GString *out, const char *path, const DocNode *root, const DocNode *item)
{
  const DocNode *n = g_str_has_prefix (path, "item.") ? item : root;
  const char *rest = g_str_has_prefix (path, "item.") ? path + 5 : path;
  g_auto (GStrv) segs = g_strsplit (rest, ".", -1);
  for (guint i = 0; segs[i] && n; i++)
    n = i == 0 && n == root ? role_value (root, segs[i]) : doc_get (n, segs[i]);
  if (n && doc_is_scalar (n) && n->kind != DOC_NULL)
    {
      g_string_append (out, n->u.sc.s);
      return TRUE;
    }
  if (n == NULL || n->kind != DOC_LIST)
    return FALSE;
  gboolean any = FALSE;
  for (guint32 i = 0; i < n->u.list.n; i++)
    {
      const DocNode *e = n->u.list.v[i];
      if (!doc_is_scalar (e) || e->kind == DOC_NULL)
        continue;
      g_string_append_printf (out, "%s%s", any ? ", " : "", e->u.sc.s);
      any = TRUE;
    }
  return any;
}

char *
render_message (const char *tmpl, const DocNode *root, const DocNode *item,
                const ScreenRec *match)
{
  GString *out = g_string_sized_new (strlen (tmpl) + 32);
  const char *p = tmpl, *brace, *close, *bar;
  while (message_next_placeholder (p, &brace, &close, &bar))
    {
      g_string_append_len (out, p, brace - p);
      const char *end = bar ? bar : close;
      g_autofree char *path = g_strndup (brace + 1, (gsize) (end - brace - 1));
      gboolean found;
      if (g_str_has_prefix (path, "match."))
        {
          g_autofree char *v = match_field (match, path + 6);
          if ((found = v != NULL && *v))
            g_string_append (out, v);
        }
      else
        found = append_fact (out, path, root, item);
      if (!found && bar)
        g_string_append_len (out, bar + 1, close - bar - 1);
      else if (!found)
        g_string_append (out, MESSAGE_NOT_STATED);
      p = close + 1;
    }
  g_string_append (out, p);
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
  if (options && options->version >= 2 && options->strict && !txn_check_strict (rs, txn, error))
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
      if ((txn->doc.validated || embargo_transaction_validate (txn, &e))
          && !(options && options->version >= 2 && options->strict
               && !txn_check_strict (rs, txn, &e)))
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

/* Rare path: exceptions left unknown while they screen a party (UNCERTAIN holds rule,
 * item pairs). Where a party only resembled a list entry, fuzzily or possibly, the
 * decision notes that an exception needs certain identity: once per exception, on the
 * first item it was considered for (screening does not depend on the item). */
static void
explain_uncertain (EmbargoRuleset *rs, EmbargoDecision *d, const DocNode *root,
                   const DocNode *items, gint32 date, const Vec32 *uncertain)
{
  if (uncertain->n == 0)
    return;
  g_autofree guint8 *seen = g_new0 (guint8, rs->nrules);
  for (guint32 k = 0; k < uncertain->n; k += 2)
    {
      guint32 ri = uncertain->v[k], item = uncertain->v[k + 1];
      if (seen[ri]++)
        continue;
      const EmbargoRule *x = rs->rules[ri];
      g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (ScreenRec));
      EvalCtx sctx = { .root = root, .item = items->u.list.v[item], .date = date,
                       .screening = hits, .certain = TRUE };
      cond_eval (x->when, &sctx);
      screen_ctx_clear (&sctx);
      for (guint i = 0; i < hits->len; i++)
        {
          ScreenRec *r = &g_array_index (hits, ScreenRec, i);
          if (!r->certain)
            decision_add_note (
              d, x, item,
              g_strdup_printf ("exception '%s' not applied: the %s '%s' only resembles '%s' "
                               "on list '%s' (%s, score %.2f); an exception needs an exact "
                               "name or alias, or a matching identifier",
                               x->id, r->party, r->name, r->entry, r->list,
                               r->match ? "a fuzzy match" : "a possible match", r->score));
          g_free (r->party);
          g_free (r->name);
        }
    }
}

static EmbargoDecision *
evaluate (EmbargoRuleset *rs, const EmbargoTransaction *txn, gint32 as_of, GError **error)
{
  const DocNode *root = txn->doc.root;
  gint32 date = as_of ? as_of : doc_key (root, KEY_DATE)->u.sc.date;
  const DocNode *items = doc_key (root, KEY_ITEMS);
  guint32 nitems = items->u.list.n;

  guint32 txn_store[64], cand_store[256], uncertain_store[16];
  Vec32 txn_cands, cands, uncertain; /* uncertain: (rule, item) of exceptions left unknown */
  vec32_init (&uncertain, uncertain_store, G_N_ELEMENTS (uncertain_store));
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
          ctx.certain = p->exception;
          Tri t = program_eval (p, &ctx);
          if (t == TRI_UNKNOWN && p->exception && p->screens)
            vec32_append (&uncertain, (guint32[]) { ri, it }, 2);
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

      /* The most severe restriction left decides. Where none is left but some were
       * lifted, the exception that lifted the most severe of them decides (allow); an
       * exception that lifted nothing, and an allow rule that lifts nothing, decide
       * nothing: they are `not_needed`. */
      MatchRec *best = NULL, *best_lifted = NULL;
      for (guint32 k = first; k < last; k++)
        {
          MatchRec *e = &m.v[k];
          if (e->lifted_by)
            {
              e->status = EMBARGO_MATCH_LIFTED;
              if (best_lifted == NULL || better (e, best_lifted))
                best_lifted = e;
              continue;
            }
          if (e->effect == EMBARGO_OUTCOME_ALLOW)
            {
              e->status = EMBARGO_MATCH_NOT_NEEDED;
              continue;
            }
          e->status = EMBARGO_MATCH_OUTWEIGHED;
          if (best == NULL || better (e, best))
            best = e;
          guint8 *rsev = &regime_sev[e->prog->regime];
          if (e->effect > *rsev)
            *rsev = e->effect;
        }
      if (best_lifted)
        for (guint32 k = first; k < last; k++)
          {
            MatchRec *e = &m.v[k];
            if (e->status != EMBARGO_MATCH_NOT_NEEDED || !e->prog->exception)
              continue;
            for (guint32 j = first; j < last; j++)
              if (m.v[j].lifted_by == e->rule)
                {
                  e->status = EMBARGO_MATCH_OUTWEIGHED;
                  break;
                }
            if (best == NULL && e->rule == best_lifted->lifted_by)
              best = e;
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
  decision_note_stand_ins (d, root);

  /* Rare paths: facts that were missing, and the message. One context for them all, so
   * that item-free party conditions name their missing facts once (party_eval()). */
  EvalCtx mctx = { .root = root, .date = date };
  for (guint32 k = 0; k < m.n; k++)
    {
      const MatchRec *e = &m.v[k];
      if (!e->unknown || e->lifted_by)
        continue;
      GPtrArray *missing = g_ptr_array_new ();
      mctx.item = items->u.list.v[e->item];
      mctx.missing = missing;
      cond_eval (e->rule->when, &mctx);
      for (guint i = 0; i < missing->len; i++)
        decision_add_missing (d, e->rule, e->item, g_ptr_array_index (missing, i));
      g_ptr_array_free (missing, TRUE);
    }
  screen_ctx_clear (&mctx);
  /* Rare path: the screening hits behind the rules that applied, for the explanation,
   * once per rule, on the first item it applied to: a party's screening does not depend
   * on the item. The deciding rule's best match fills {match.*} in its message. */
  ScreenRec best_match = { 0 };
  g_autofree char *best_party = NULL;
  g_autofree guint8 *screened_rules = NULL; /* by rule index: hits gathered */
  for (guint32 k = 0; k < m.n; k++)
    {
      const MatchRec *e = &m.v[k];
      if (e->lifted_by || !e->prog->screens)
        continue;
      if (screened_rules == NULL)
        screened_rules = g_new0 (guint8, rs->nrules);
      if (screened_rules[e->rule->index]++)
        continue;
      g_autoptr (GArray) hits = g_array_new (FALSE, FALSE, sizeof (ScreenRec));
      EvalCtx sctx = { .root = root, .item = items->u.list.v[e->item], .date = date,
                       .screening = hits, .certain = e->prog->exception };
      cond_eval (e->rule->when, &sctx);
      screen_ctx_clear (&sctx);
      for (guint i = 0; i < hits->len; i++)
        {
          ScreenRec *r = &g_array_index (hits, ScreenRec, i);
          r->rule = e->rule;
          r->item = e->item;
          if (r->rule == deciding
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
  explain_uncertain (rs, d, root, items, date, &uncertain);
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
  vec32_clear (&uncertain);
  return d;
}
