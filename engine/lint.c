/* lint.c: what a rule set that loads says and probably does not mean.
 *
 * The loader rejects what is malformed; lint looks at what is well-formed and still
 * wrong, from the compiled conditions, without a transaction. Each check is a small
 * pass over the rules:
 *
 *   W-SHADOWED        rule R can never decide: a rule W of its regime applies whenever R
 *                     does (W's conditions are implied by R's), is at least as severe,
 *                     ranks better, is in force whenever R is, and is lifted by no
 *                     exception that does not lift R too;
 *   W-NEVER-HOLDS     two conditions of one rule that no single fact can meet;
 *   W-LIFTS-UNMATCHED an exception's `tag:` names no rule of its regime;
 *   W-LIFTS-DISJOINT  an exception can never apply together with what an entry lifts;
 *   W-ALLOW-NO-LIFTS  an allow rule without `lifts`: it can never decide;
 *   W-MESSAGE-FALLBACK a message placeholder, with no `|fallback`, on a fact that can be
 *                     absent when the rule decides;
 *   N-EXCEPTION-NAME-ONLY an exception screens a party against a names list whose
 *                     entries lack identifiers: it applies on exact names only;
 *   W-EXPIRED, W-CITATION-PLACEHOLDER, W-SOURCE-URL-PLACEHOLDER, W-UNUSED-LIST and
 *   their notes (N-):
 *                     one rule or list at a time.
 *
 * Soundness first. Everything here reasons over top-level conjuncts (the conditions of
 * `when`, nested `all` flattened); an `any`, `not` or `party` conjunct is only ever
 * matched to one written identically. "A implies B" is claimed only when every
 * transaction that makes A true makes B true, and when A is unknown (a fact missing)
 * B is not false: the same path, the same if_missing, and a value test on B that is
 * wider than A's. "A and B exclude each other" is claimed only for facts that hold one
 * value: the schema's list-valued fields (end_use, tags, aliases, owners) are left
 * out, and so are fields the schema does not know when they are given a list; that is
 * the one assumption, documented in docs/diagnostics.md.
 *
 * The rule set is immutable and the analysis allocates only its result: lint may run
 * from any thread, on a rule set that is evaluating elsewhere.
 */
#include "doc.h"
#include "diag.h"
#include "rules.h"
#include "eval.h"
#include "suite.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const EmbargoRuleset *rs;
  EmbargoDiagnostics *out;
  gint32 as_of; /* 0: the expiry check is off */
  GHashTable *seen; /* paths in the tests' transactions ("buyer.x", "item.y", "party.z");
                       NULL: no tests given, the W-FIELD-UNKNOWN check is off */
} Lint;

#define FINDING(l, sev, code, src, line, col, ...)                                               \
  diags_add ((l)->out, EMBARGO_SEVERITY_##sev, (code), (src), (line), (col), __VA_ARGS__)

/* ---- conjuncts ---- */

/* Appends the top-level conjuncts of C to OUT, flattening nested `all`. */
static void
conjuncts (const Cond *c, GPtrArray *out)
{
  if (c == NULL)
    return;
  if (c->kind == C_ALL)
    for (guint32 i = 0; i < c->nkids; i++)
      conjuncts (c->kids[i], out);
  else
    g_ptr_array_add (out, (gpointer) c);
}

static GPtrArray *
rule_conjuncts (const EmbargoRule *r)
{
  GPtrArray *v = g_ptr_array_new ();
  conjuncts (r->when, v);
  return v;
}

/* ---- values ---- */

static gboolean
same_text (const Str *a, const Str *b)
{
  return a->len == b->len && memcmp (a->s, b->s, a->len) == 0;
}

/* The number an operand can stand for: a number, or text that reads as one (a string
 * operand compares with the fact's text, and a number fact keeps its spelling). */
static gboolean
num_of (const Operand *o, double *out)
{
  if (o->type == V_NUM)
    {
      *out = o->num;
      return TRUE;
    }
  if (o->type != V_STR || o->str.len == 0)
    return FALSE;
  char *end;
  *out = g_ascii_strtod (o->str.s, &end);
  return *end == '\0';
}

/* Can one fact equal both A and B? Conservative: TRUE unless certainly not. */
static gboolean
may_equal (const Operand *a, const Operand *b)
{
  if (same_text (&a->str, &b->str))
    return TRUE;
  if (a->type == V_BOOL || b->type == V_BOOL)
    return a->type != b->type || a->b == b->b; /* "True" as text against true */
  double x, y;
  if (num_of (a, &x) && num_of (b, &y))
    return x == y;
  return FALSE;
}

/* Does every fact equal to A equal B? Certain only within one type. */
static gboolean
must_equal (const Operand *a, const Operand *b)
{
  if (a->type != b->type)
    return FALSE;
  switch (a->type)
    {
    case V_NUM: return a->num == b->num;
    case V_BOOL: return a->b == b->b;
    case V_DATE: return a->date == b->date;
    case V_STR: return same_text (&a->str, &b->str);
    }
  return FALSE;
}

/* The value of a fact equal to O, on the scale of comparison operand CMP; FALSE when
 * such a fact can never be compared so (a string against a number). */
static gboolean
scale_of (const Operand *o, const Operand *cmp, double *out)
{
  if (cmp->type == V_DATE)
    {
      *out = o->date;
      return o->type == V_DATE;
    }
  return num_of (o, out);
}

static double
bound (const Operand *o)
{
  return o->type == V_DATE ? (double) o->date : o->num;
}

static gboolean
is_cmp (OpKind k)
{
  return k == OP_GT || k == OP_GTE || k == OP_LT || k == OP_LTE;
}

static gboolean
is_finite (OpKind k)
{
  return k == OP_EQ || k == OP_IN;
}

/* The values of an equals/in operator, as an array. */
static const Operand *
finite_values (const Op *op, guint32 *n)
{
  if (op->kind == OP_EQ)
    {
      *n = 1;
      return &op->val;
    }
  *n = op->nset;
  return op->set;
}

static gboolean
text_has_prefix (const Str *s, const Str *p)
{
  return s->len >= p->len && memcmp (s->s, p->s, p->len) == 0;
}

/* ---- implication: every fact that passes R passes W ---- */

static gboolean
value_implies (const Operand *v, const Op *w)
{
  switch (w->kind)
    {
    case OP_EQ:
      return must_equal (v, &w->val);
    case OP_IN:
      for (guint32 i = 0; i < w->nset; i++)
        if (must_equal (v, &w->set[i]))
          return TRUE;
      return FALSE;
    case OP_PREFIX:
      /* A string operand matches a fact by its text; a date's text is canonical. */
      if (v->type != V_STR && v->type != V_DATE)
        return FALSE;
      for (guint32 i = 0; i < w->nset; i++)
        if (text_has_prefix (&v->str, &w->set[i].str))
          return TRUE;
      return FALSE;
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
      {
        if (v->type != w->val.type)
          return FALSE;
        return op_compare (w->kind, bound (v), bound (&w->val));
      }
    default:
      return FALSE;
    }
}

static gboolean
op_implies (const Op *r, const Op *w)
{
  if (is_finite (r->kind))
    {
      guint32 n;
      const Operand *v = finite_values (r, &n);
      for (guint32 i = 0; i < n; i++)
        if (!value_implies (&v[i], w))
          return FALSE;
      return TRUE;
    }
  if (r->kind == OP_PREFIX && w->kind == OP_PREFIX)
    {
      for (guint32 i = 0; i < r->nset; i++)
        {
          gboolean ok = FALSE;
          for (guint32 j = 0; j < w->nset && !ok; j++)
            ok = text_has_prefix (&r->set[i].str, &w->set[j].str);
          if (!ok)
            return FALSE;
        }
      return TRUE;
    }
  if (is_cmp (r->kind) && is_cmp (w->kind) && r->val.type == w->val.type)
    {
      gboolean r_up = r->kind == OP_GT || r->kind == OP_GTE;
      gboolean w_up = w->kind == OP_GT || w->kind == OP_GTE;
      if (r_up != w_up)
        return FALSE;
      double rb = bound (&r->val), wb = bound (&w->val);
      gboolean r_strict = r->kind == OP_GT || r->kind == OP_LT;
      gboolean w_strict = w->kind == OP_GT || w->kind == OP_LT;
      if (r_up)
        return rb > wb || (rb == wb && (r_strict || !w_strict));
      return rb < wb || (rb == wb && (r_strict || !w_strict));
    }
  return FALSE;
}

static gboolean ops_equal (const Op *a, const Op *b);

static gboolean
operands_equal (const Operand *a, const Operand *b)
{
  return a->type == b->type && same_text (&a->str, &b->str);
}

static gboolean
ops_equal (const Op *a, const Op *b)
{
  if (a->kind != b->kind || a->nset != b->nset || a->present != b->present || a->owned != b->owned)
    return FALSE;
  if ((a->list_id || b->list_id) && g_strcmp0 (a->list_id, b->list_id) != 0)
    return FALSE;
  if ((is_cmp (a->kind) || a->kind == OP_EQ) && !operands_equal (&a->val, &b->val))
    return FALSE;
  for (guint32 i = 0; i < a->nset; i++)
    if (!operands_equal (&a->set[i], &b->set[i]))
      return FALSE;
  return TRUE;
}

/* Written identically (positions aside). */
static gboolean
cond_equal (const Cond *a, const Cond *b)
{
  if (a->kind != b->kind || a->if_missing != b->if_missing || a->roles != b->roles
      || a->nops != b->nops || a->nkids != b->nkids)
    return FALSE;
  if (a->kind == C_TEST && strcmp (a->path.text, b->path.text) != 0)
    return FALSE;
  for (guint32 i = 0; i < a->nops; i++)
    if (!ops_equal (&a->ops[i], &b->ops[i]))
      return FALSE;
  for (guint32 i = 0; i < a->nkids; i++)
    if (!cond_equal (a->kids[i], b->kids[i]))
      return FALSE;
  return TRUE;
}

static gboolean
has_op (const Cond *c, OpKind k)
{
  for (guint32 i = 0; i < c->nops; i++)
    if (c->ops[i].kind == k)
      return TRUE;
  return FALSE;
}

/* Is test W implied by the conjuncts of R on the same path? Each of W's operators
 * must follow from one operator of an R test with W's path and W's if_missing: then
 * R true makes W true, and R unknown (the fact absent) makes W unknown or true.
 * `present` and `in_list` (whose alias rule looks beyond the path) follow only from
 * a test written identically. */
static gboolean
test_implied (const Cond *w, const GPtrArray *r)
{
  for (guint i = 0; i < r->len; i++)
    if (cond_equal (w, g_ptr_array_index (r, i)))
      return TRUE;
  if (has_op (w, OP_PRESENT) || has_op (w, OP_IN_LIST))
    return FALSE;
  for (guint32 k = 0; k < w->nops; k++)
    {
      gboolean ok = FALSE;
      for (guint i = 0; i < r->len && !ok; i++)
        {
          const Cond *rc = g_ptr_array_index (r, i);
          if (rc->kind != C_TEST || rc->if_missing != w->if_missing
              || strcmp (rc->path.text, w->path.text) != 0 || has_op (rc, OP_PRESENT))
            continue;
          for (guint32 j = 0; j < rc->nops && !ok; j++)
            ok = op_implies (&rc->ops[j], &w->ops[k]);
        }
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static gboolean
cond_implied (const Cond *w, const GPtrArray *r)
{
  switch (w->kind)
    {
    case C_TEST:
      return test_implied (w, r);
    case C_ALL:
      for (guint32 i = 0; i < w->nkids; i++)
        if (!cond_implied (w->kids[i], r))
          return FALSE;
      return TRUE;
    case C_ANY:
      /* One alternative implied is enough: true when it is, never false when it is
       * unknown. */
      for (guint32 i = 0; i < w->nkids; i++)
        if (cond_implied (w->kids[i], r))
          return TRUE;
      G_GNUC_FALLTHROUGH;
    default:
      for (guint i = 0; i < r->len; i++)
        if (cond_equal (w, g_ptr_array_index (r, i)))
          return TRUE;
      return FALSE;
    }
}

/* ---- exclusion: no fact passes both ---- */

/* Fields the transaction schema defines as lists: a test holds when it holds for any
 * element, so two tests on them can both hold. */
static gboolean
multi_valued (const Cond *c)
{
  static const char *const lists[] = { "end_use", "tags", "aliases", "owners", NULL };
  const char *last = c->path.seg[c->path.n - 1].s;
  for (const char *const *l = lists; *l; l++)
    if (strcmp (*l, last) == 0)
      return TRUE;
  return FALSE;
}

/* Can test C be true when its fact is absent? */
static gboolean
may_hold_when_missing (const Cond *c)
{
  gboolean needs_value = FALSE;
  for (guint32 i = 0; i < c->nops; i++)
    {
      if (c->ops[i].kind == OP_PRESENT && c->ops[i].present)
        return FALSE;
      if (c->ops[i].kind != OP_PRESENT)
        needs_value = TRUE;
    }
  if (!needs_value)
    return TRUE;
  if (c->nops == 1 && c->ops[0].kind == OP_IN_LIST)
    return TRUE; /* a party's aliases can match when its name is absent */
  return c->if_missing == MISS_TRUE;
}

static gboolean
prefixes_disjoint (const Op *a, const Op *b)
{
  for (guint32 i = 0; i < a->nset; i++)
    for (guint32 j = 0; j < b->nset; j++)
      if (text_has_prefix (&a->set[i].str, &b->set[j].str)
          || text_has_prefix (&b->set[j].str, &a->set[i].str))
        return FALSE;
  return TRUE;
}

/* Can no single present value pass both A and B? Writes why into WHY. */
static gboolean
ops_disjoint (const Op *a, const Op *b, gboolean scalar)
{
  if (a->kind == OP_PRESENT || b->kind == OP_PRESENT)
    {
      /* present: false fails on every present fact. */
      return (a->kind == OP_PRESENT && !a->present) || (b->kind == OP_PRESENT && !b->present);
    }
  if (!scalar || a->kind == OP_IN_LIST || b->kind == OP_IN_LIST)
    return FALSE;
  if (is_finite (b->kind) && !is_finite (a->kind))
    {
      const Op *t = a;
      a = b, b = t;
    }
  if (is_finite (a->kind))
    {
      guint32 n;
      const Operand *v = finite_values (a, &n);
      for (guint32 i = 0; i < n; i++)
        {
          if (is_finite (b->kind))
            {
              guint32 m;
              const Operand *u = finite_values (b, &m);
              for (guint32 j = 0; j < m; j++)
                if (may_equal (&v[i], &u[j]))
                  return FALSE;
            }
          else if (b->kind == OP_PREFIX)
            {
              if (v[i].type != V_STR && v[i].type != V_DATE)
                return FALSE; /* a number's spelling is not known */
              for (guint32 j = 0; j < b->nset; j++)
                if (text_has_prefix (&v[i].str, &b->set[j].str))
                  return FALSE;
            }
          else if (is_cmp (b->kind))
            {
              double x;
              if (scale_of (&v[i], &b->val, &x) && op_compare (b->kind, x, bound (&b->val)))
                return FALSE;
            }
          else
            return FALSE;
        }
      return TRUE;
    }
  if (a->kind == OP_PREFIX && b->kind == OP_PREFIX)
    return prefixes_disjoint (a, b);
  if (is_cmp (a->kind) && is_cmp (b->kind))
    {
      if (a->val.type != b->val.type)
        return TRUE; /* a fact is a number or a date, not both */
      gboolean a_up = a->kind == OP_GT || a->kind == OP_GTE;
      gboolean b_up = b->kind == OP_GT || b->kind == OP_GTE;
      if (a_up == b_up)
        return FALSE;
      const Op *lo = a_up ? a : b, *hi = a_up ? b : a;
      double l = bound (&lo->val), h = bound (&hi->val);
      gboolean strict = lo->kind == OP_GT || hi->kind == OP_LT;
      return l > h || (l == h && strict);
    }
  return FALSE;
}

/* Two tests that can never both be true: on the same path, with operators that no one
 * present value passes together, and not both true when the fact is absent. */
static gboolean
tests_exclude (const Cond *a, const Cond *b, const Op **oa, const Op **ob)
{
  if (a->kind != C_TEST || b->kind != C_TEST || strcmp (a->path.text, b->path.text) != 0)
    return FALSE;
  if (a->path.scope == SCOPE_PARTY)
    return FALSE; /* party tests are about the party at hand: compared elsewhere */
  if (may_hold_when_missing (a) && may_hold_when_missing (b))
    return FALSE;
  gboolean scalar = !multi_valued (a);
  for (guint32 i = 0; i < a->nops; i++)
    for (guint32 j = (a == b ? i + 1 : 0); j < b->nops; j++)
      if (ops_disjoint (&a->ops[i], &b->ops[j], scalar))
        {
          *oa = &a->ops[i];
          *ob = &b->ops[j];
          return TRUE;
        }
  return FALSE;
}

static const char *const op_words[] = { "equals", "in", "in_list", "prefix", "gt", "gte",
                                        "lt", "lte", "present" };

/* "equals CN", "in [CN, RU]", "gt 5": an operator for a message. */
static char *
describe_op (const Op *op)
{
  GString *s = g_string_new (op->owned ? "owned_by_list" : op_words[op->kind]);
  if (op->kind == OP_PRESENT)
    g_string_append (s, op->present ? " true" : " false");
  else if (op->kind == OP_IN_LIST)
    g_string_append_printf (s, " %s", op->list_id);
  else if (op->kind == OP_IN || op->kind == OP_PREFIX)
    {
      g_string_append (s, " [");
      for (guint32 i = 0; i < op->nset && i < 4; i++)
        g_string_append_printf (s, "%s%s", i ? ", " : "", op->set[i].str.s);
      g_string_append (s, op->nset > 4 ? ", ...]" : "]");
    }
  else
    g_string_append_printf (s, " %s", op->val.str.s);
  return g_string_free (s, FALSE);
}

/* ---- the checks ---- */

static void
check_never_holds (Lint *l, const EmbargoRule *r, const GPtrArray *cj)
{
  for (guint i = 0; i < cj->len; i++)
    for (guint j = i; j < cj->len; j++)
      {
        const Cond *a = g_ptr_array_index (cj, i), *b = g_ptr_array_index (cj, j);
        const Op *oa, *ob;
        if (!tests_exclude (a, b, &oa, &ob))
          continue;
        g_autofree char *da = describe_op (oa), *db = describe_op (ob);
        FINDING (l, WARNING, "W-NEVER-HOLDS", r->source_name, ob->line, ob->col,
                 "rule '%s' can never apply: '%s' cannot be both %s and %s",
                 r->id, a->path.text, da, db);
        if (oa != ob)
          diags_set_context (l->out, r->source_name, oa->line, oa->col,
                             "'%s' is tested for %s here", a->path.text, da);
        return; /* one contradiction is enough to make the point */
      }
}

/* Is R in force whenever... W's window holds R's? */
static gboolean
window_covers (const EmbargoRule *w, const EmbargoRule *r)
{
  return w->from <= r->from && (w->until == 0 || (r->until != 0 && r->until <= w->until));
}

static gboolean
windows_meet (const EmbargoRule *a, const EmbargoRule *b)
{
  return (b->until == 0 || a->from < b->until) && (a->until == 0 || b->from < a->until);
}

/* Exceptions lifting each rule, as a sorted array per rule (an index into LIFTERS). */
typedef struct {
  GArray **by_rule; /* guint32 exception indexes, ascending */
} Lifters;

static gboolean
lifters_subset (const Lifters *lf, guint32 w, guint32 r)
{
  const GArray *a = lf->by_rule[w], *b = lf->by_rule[r];
  if (a == NULL)
    return TRUE;
  if (b == NULL)
    return FALSE;
  guint j = 0;
  for (guint i = 0; i < a->len; i++)
    {
      guint32 x = g_array_index (a, guint32, i);
      while (j < b->len && g_array_index (b, guint32, j) < x)
        j++;
      if (j == b->len || g_array_index (b, guint32, j) != x)
        return FALSE;
    }
  return TRUE;
}

static void
check_shadowed (Lint *l, GPtrArray **cj, const Lifters *lf)
{
  const EmbargoRuleset *rs = l->rs;
  for (guint32 i = 0; i < rs->nrules; i++)
    {
      const EmbargoRule *r = rs->rules[i];
      if (r->is_exception)
        continue;
      const EmbargoRule *best = NULL;
      for (guint32 k = 0; k < rs->nrules; k++)
        {
          const EmbargoRule *w = rs->rules[k];
          if (w == r || w->is_exception || w->regime_index != r->regime_index
              || w->effect < r->effect || w->rank > r->rank || !window_covers (w, r)
              || !lifters_subset (lf, w->index, r->index))
            continue;
          gboolean implied = TRUE;
          for (guint c = 0; c < cj[k]->len && implied; c++)
            implied = cond_implied (g_ptr_array_index (cj[k], c), cj[i]);
          if (implied && (best == NULL || w->rank < best->rank))
            best = w;
        }
      if (best)
        {
          FINDING (l, WARNING, "W-SHADOWED", r->source_name, r->line, r->col,
                   "rule '%s' can never decide: '%s' applies whenever it does, is in force "
                   "whenever it is, and wins (%s, %s)",
                   r->id, best->id, embargo_outcome_to_string (best->effect),
                   best->effect > r->effect ? "more severe" : "ranked first");
          diags_set_context (l->out, best->source_name, best->line, best->col,
                             "rule '%s' is defined here", best->id);
        }
    }
}

/* Can exception X and rule T apply to one item at once? No when their windows never
 * meet, or a test of one excludes a test of the other. */
static gboolean
can_meet (const EmbargoRule *x, const GPtrArray *xc, const EmbargoRule *t, const GPtrArray *tc)
{
  if (!windows_meet (x, t))
    return FALSE;
  for (guint i = 0; i < xc->len; i++)
    for (guint j = 0; j < tc->len; j++)
      {
        const Op *oa, *ob;
        if (tests_exclude (g_ptr_array_index (xc, i), g_ptr_array_index (tc, j), &oa, &ob))
          return FALSE;
      }
  return TRUE;
}

static gboolean
has_tag (const EmbargoRule *r, const char *tag)
{
  for (const char **g = r->tags; g && *g; g++)
    if (strcmp (*g, tag) == 0)
      return TRUE;
  return FALSE;
}

static void
check_lifts (Lint *l, const EmbargoRule *x, GPtrArray **cj)
{
  const EmbargoRuleset *rs = l->rs;
  for (guint32 e = 0; e < x->nlifts_raw; e++)
    {
      const char *name = x->lifts_raw[e];
      gboolean tag = g_str_has_prefix (name, "tag:");
      guint32 named = 0, meet = 0;
      const EmbargoRule *first = NULL;
      for (guint32 k = 0; k < rs->nrules; k++)
        {
          const EmbargoRule *t = rs->rules[k];
          gboolean hit = tag ? t != x && t->effect != EMBARGO_OUTCOME_ALLOW
                                   && t->regime_index == x->regime_index && has_tag (t, name + 4)
                             : strcmp (t->id, name) == 0;
          if (!hit)
            continue;
          named++;
          first = first ? first : t;
          if (can_meet (x, cj[x->index], t, cj[k]))
            meet++;
        }
      if (named == 0 && tag)
        FINDING (l, WARNING, "W-LIFTS-UNMATCHED", x->source_name, x->lifts_line[e],
                 x->lifts_col[e], "exception '%s' lifts '%s', but no %s rule has tag '%s'",
                 x->id, name, x->regime, name + 4);
      else if (named && meet == 0 && named == 1)
        {
          FINDING (l, WARNING, "W-LIFTS-DISJOINT", x->source_name, x->lifts_line[e],
                   x->lifts_col[e],
                   "exception '%s' can never lift '%s': they are never in force on the same "
                   "day, or their conditions exclude each other", x->id, first->id);
          diags_set_context (l->out, first->source_name, first->line, first->col,
                             "rule '%s' is defined here", first->id);
        }
      else if (named && meet == 0)
        FINDING (l, WARNING, "W-LIFTS-DISJOINT", x->source_name, x->lifts_line[e],
                 x->lifts_col[e],
                 "exception '%s' can never lift any of the %u rules '%s' names: none is in "
                 "force on a day it is with conditions that do not exclude its own",
                 x->id, named, name);
    }
}

static gboolean
placeholder_word (const char *s)
{
  static const char *const words[] = { "todo", "tbd", "tba", "fixme", "xxx", "n/a", "na",
                                       "none", "unknown", "placeholder", "citation", "?",
                                       "-", NULL };
  g_autofree char *t = g_ascii_strdown (s, -1);
  g_strstrip (t);
  for (const char *const *w = words; *w; w++)
    if (strcmp (t, *w) == 0 || g_str_has_prefix (t, "todo") || g_str_has_prefix (t, "tbd")
        || g_str_has_prefix (t, "fixme"))
      return TRUE;
  return FALSE;
}

/* A rule still in force as of the lint date that names R in its `lifts` or its
 * `superseded_by`; NULL when there is none. */
static const EmbargoRule *
referrer_in_force (Lint *l, const EmbargoRule *r)
{
  for (guint32 i = 0; i < l->rs->nrules; i++)
    {
      const EmbargoRule *o = l->rs->rules[i];
      if (o == r || (o->until && o->until <= l->as_of))
        continue;
      if (o->superseded_by && strcmp (o->superseded_by, r->id) == 0)
        return o;
      for (guint32 k = 0; k < o->nlifts_raw; k++)
        if (strcmp (o->lifts_raw[k], r->id) == 0)
          return o;
    }
  return NULL;
}

static void
check_metadata (Lint *l, const EmbargoRule *r)
{
  if (l->as_of && r->until && r->until <= l->as_of)
    {
      char day[11];
      date_format (l->as_of, day);
      if (r->superseded_by)
        FINDING (l, NOTE, "N-EXPIRED-SUPERSEDED", r->source_name, r->line, r->col,
                 "rule '%s' ended on %s and is superseded by '%s': kept for decisions as of "
                 "earlier dates",
                 r->id, r->until_text, r->superseded_by);
      else
        {
          /* A rule that ended is history, kept for decisions as of earlier dates: a note.
           * It is a mistake only while a rule still in force refers to it by name (lifts
           * it, or names it as a successor): that rule now refers to nothing in force. */
          const EmbargoRule *by = referrer_in_force (l, r);
          if (by)
            {
              FINDING (l, WARNING, "W-EXPIRED", r->source_name, r->line, r->col,
                       "rule '%s' is no longer in force: it ended on %s (as of %s), with no "
                       "successor, and rule '%s' still refers to it; name its successor "
                       "with superseded_by, or update '%s'",
                       r->id, r->until_text, day, by->id, by->id);
              diags_set_context (l->out, by->source_name, by->line, by->col,
                                 "rule '%s', in force, is defined here", by->id);
            }
          else
            FINDING (l, NOTE, "N-EXPIRED", r->source_name, r->line, r->col,
                     "rule '%s' ended on %s (as of %s): kept as history for decisions as of "
                     "earlier dates; no rule in force refers to it",
                     r->id, r->until_text, day);
        }
    }
  g_autofree char *cit = g_strstrip (g_strdup (r->citation));
  if (g_utf8_strlen (cit, -1) < 5 || placeholder_word (cit))
    FINDING (l, WARNING, "W-CITATION-PLACEHOLDER", r->source_name, r->line, r->col,
             "rule '%s' cites '%s': that does not look like a citation of the legal text",
             r->id, r->citation);
  const char *url = r->source_url;
  if (g_str_has_prefix (url, "http://"))
    FINDING (l, NOTE, "N-SOURCE-URL-HTTP", r->source_name, r->line, r->col,
             "rule '%s': source_url '%s' is not https", r->id, url);
  const char *host = strstr (url, "://");
  host = host ? host + 3 : url;
  gsize hlen = strcspn (host, "/:?#");
  g_autofree char *h = g_ascii_strdown (host, (gssize) hlen);
  if (hlen == 0 || strchr (h, '.') == NULL || strcmp (h, "localhost") == 0
      || g_str_has_suffix (h, ".invalid") || g_str_has_suffix (h, ".example")
      || g_str_has_suffix (h, ".test") || strcmp (h, "example.com") == 0
      || strcmp (h, "example.org") == 0 || strcmp (h, "example.net") == 0
      || g_str_has_suffix (h, ".example.com") || placeholder_word (h))
    FINDING (l, WARNING, "W-SOURCE-URL-PLACEHOLDER", r->source_name, r->line, r->col,
             "rule '%s': source_url '%s' does not point at a real publication", r->id, url);
  if (r->unverified)
    FINDING (l, NOTE, "N-UNVERIFIED", r->source_name, r->line, r->col,
             "rule '%s' is not fully verified: %s", r->id, r->unverified);
}

/* ---- exceptions on names ---- */

/* Notes each names list that C screens a party name against and whose entries (some of
 * them) carry no identifier: there, exception X's identity rests on the name alone. */
static void
check_name_identity (Lint *l, const EmbargoRule *x, const Cond *c)
{
  for (guint32 i = 0; i < c->nkids; i++)
    check_name_identity (l, x, c->kids[i]);
  if (c->kind != C_TEST || c->path.scope != SCOPE_PARTY)
    return;
  for (guint32 i = 0; i < c->nops; i++)
    {
      const Op *op = &c->ops[i];
      if (op->kind != OP_IN_LIST || op->owned || op->list->kind != LIST_NAMES
          || op->list->screen_list == NULL)
        continue;
      guint n = screen_list_get_n_entries (op->list->screen_list), bare = 0;
      for (guint k = 0; k < n; k++)
        {
          const ScreenEntry *e = screen_list_get_entry (op->list->screen_list, k);
          bare += e->identifiers == NULL || e->identifiers->len == 0;
        }
      if (bare)
        FINDING (l, NOTE, "N-EXCEPTION-NAME-ONLY", x->source_name, op->line, op->col,
                 "exception '%s' identifies a party by name on list '%s' (%u of %u entries "
                 "have no identifier): it applies only on an exact name or alias, never on "
                 "a fuzzy match; give the entries `ids` to match by identifier",
                 x->id, op->list->id, bare, n);
    }
}

/* ---- messages ---- */

/* Is the fact at PATH present whenever rule R decides, so that a placeholder on it needs
 * no fallback? The contract's required fields are; so is a fact a top-level conjunct
 * of R needs present for R to apply (or, for an allow rule, to be anything but unknown,
 * which does not apply). */
static gboolean
message_fact_certain (const EmbargoRule *r, const GPtrArray *cj, const char *path)
{
  static const char *const required[] = { "id", "date", "destination.country", "item.id",
                                          NULL };
  for (const char *const *q = required; *q; q++)
    if (strcmp (*q, path) == 0)
      return TRUE;
  for (guint i = 0; i < cj->len; i++)
    {
      const Cond *c = g_ptr_array_index (cj, i);
      if (c->kind != C_TEST || c->path.scope == SCOPE_PARTY
          || strcmp (c->path.text, path) != 0 || may_hold_when_missing (c))
        continue;
      if (has_op (c, OP_PRESENT) || c->if_missing == MISS_FALSE
          || (c->if_missing == MISS_UNKNOWN && r->effect == EMBARGO_OUTCOME_ALLOW))
        return TRUE;
    }
  return FALSE;
}

static void
check_message (Lint *l, const EmbargoRule *r, const GPtrArray *cj)
{
  const char *brace, *close, *bar;
  for (const char *p = r->message; message_next_placeholder (p, &brace, &close, &bar);
       p = close + 1)
    {
      if (bar)
        continue;
      g_autofree char *path = g_strndup (brace + 1, (gsize) (close - brace - 1));
      if (!message_fact_certain (r, cj, path))
        FINDING (l, WARNING, "W-MESSAGE-FALLBACK", r->source_name, r->line, r->col,
                 "rule '%s': message placeholder {%s} names a fact that can be absent; give "
                 "it a fallback, such as {%s|not stated}",
                 r->id, path, path);
    }
}

static void
check_lists (Lint *l)
{
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, l->rs->lists);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      const EList *list = v;
      if (list->used)
        continue;
      /* A file of lists alone is a catalogue for others to use (a country-group
       * table); a list defined beside rules and used by none is a mistake. */
      gboolean beside_rules = FALSE;
      for (guint32 i = 0; i < l->rs->nrules && !beside_rules; i++)
        beside_rules = strcmp (l->rs->rules[i]->source_name, list->source_name) == 0;
      if (beside_rules)
        FINDING (l, WARNING, "W-UNUSED-LIST", list->source_name, list->line, list->col,
                 "list '%s' is used by no rule", list->id);
      else
        FINDING (l, NOTE, "N-UNUSED-LIST", list->source_name, list->line, list->col,
                 "list '%s' is used by no rule (a catalogue file: kept for others to use)",
                 list->id);
    }
}

/* ---- conditions as written: field paths, if_missing, YAML 1.1 booleans ---- */

/* Edit distance between A and B (ASCII case folded, '-' read as '_'), stopping early
 * past MAX. */
static guint
distance (const char *a, const char *b, guint max)
{
  gsize la = strlen (a), lb = strlen (b);
  if ((la > lb ? la - lb : lb - la) > max || la > 64 || lb > 64)
    return max + 1;
  guint row[65];
  for (gsize j = 0; j <= lb; j++)
    row[j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diag = row[0], best = row[0] = (guint) i;
      for (gsize j = 1; j <= lb; j++)
        {
          char x = g_ascii_tolower (a[i - 1] == '-' ? '_' : a[i - 1]);
          char y = g_ascii_tolower (b[j - 1] == '-' ? '_' : b[j - 1]);
          guint v = MIN (MIN (row[j] + 1, row[j - 1] + 1), diag + (x != y));
          diag = row[j];
          row[j] = v;
          best = MIN (best, v);
        }
      if (best > max)
        return max + 1;
    }
  return row[lb];
}

/* The contract key that SEG is a near miss of (another case, '-' for '_', a letter or
 * two off), or NULL. */
static const char *
near_key (const char *seg)
{
  gsize n = strlen (seg);
  guint max = n <= 4 ? 1 : 2, best = max + 1;
  const char *found = NULL;
  for (guint32 id = 1; key_name (id); id++)
    {
      guint d = distance (seg, key_name (id), max);
      if (d < best)
        best = d, found = key_name (id);
    }
  return found;
}

/* The path as written with its first misspelt segment replaced by the key it is a near
 * miss of ("destination.contry" -> "destination.country"); NULL when every segment is a
 * contract key or no segment is a near miss of one. */
static char *
path_suggestion (const Path *p)
{
  g_auto (GStrv) segs = g_strsplit (p->text, ".", -1);
  guint skip = p->scope == SCOPE_TXN ? 0 : 1;
  for (guint i = 0; i < p->n; i++)
    {
      if (p->seg[i].kid)
        continue;
      const char *k = near_key (p->seg[i].s);
      if (k == NULL)
        continue;
      g_free (segs[i + skip]);
      segs[i + skip] = g_strdup (k);
      return g_strjoinv (".", segs);
    }
  return NULL;
}

/* Adds PREFIX.KEY for every key below N (lists are looked through) to SEEN. */
static void
seen_add (GHashTable *seen, const char *prefix, const DocNode *n)
{
  if (n->kind == DOC_LIST)
    for (guint32 i = 0; i < n->u.list.n; i++)
      seen_add (seen, prefix, n->u.list.v[i]);
  if (n->kind != DOC_MAP)
    return;
  for (guint32 i = 0; i < n->u.map.n; i++)
    {
      char *path = g_strdup_printf ("%s.%s", prefix, n->u.map.v[i].key);
      seen_add (seen, path, n->u.map.v[i].val);
      g_hash_table_add (seen, path);
    }
}

/* Every field path the transactions of SUITES have, as rules write them: from the root,
 * and under "item." for each item and "party." for each party. */
static GHashTable *
seen_paths (const EmbargoSuite *const *suites)
{
  static const char *const roles[] = { "buyer", "seller", "consignee", "end_user",
                                       "intermediaries", NULL };
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (const EmbargoSuite *const *s = suites; *s; s++)
    for (gsize i = 0; i < embargo_suite_get_count (*s); i++)
      {
        const EmbargoTransaction *t = suite_get_transaction (*s, i);
        const DocNode *root = t ? t->doc.root : NULL;
        if (root == NULL || root->kind != DOC_MAP)
          continue;
        for (guint32 k = 0; k < root->u.map.n; k++)
          {
            const DocPair *p = &root->u.map.v[k];
            g_hash_table_add (seen, g_strdup (p->key));
            seen_add (seen, p->key, p->val);
            if (strcmp (p->key, "items") == 0)
              seen_add (seen, "item", p->val);
            for (const char *const *r = roles; *r; r++)
              if (strcmp (p->key, *r) == 0)
                seen_add (seen, "party", p->val);
          }
      }
  return seen;
}

/* TRUE when every segment of P is a key of the contract. */
static gboolean
in_contract (const Path *p)
{
  for (guint32 i = 0; i < p->n; i++)
    if (!p->seg[i].kid)
      return FALSE;
  return TRUE;
}

static gboolean
yaml11_bool (const char *s)
{
  static const char *const words[] = { "yes", "no", "on", "off", "y", "n", NULL };
  for (const char *const *w = words; *w; w++)
    if (g_ascii_strcasecmp (s, *w) == 0)
      return TRUE;
  return FALSE;
}

static void
check_operand_text (Lint *l, const EmbargoRule *r, const Op *op, const Operand *v)
{
  if (v->type == V_STR && yaml11_bool (v->str.s))
    FINDING (l, WARNING, "W-YAML11-BOOLEAN", r->source_name, op->line, op->col,
             "rule '%s' compares with the text '%s', which YAML 1.1 read as a boolean and "
             "YAML 1.2 reads as text: a field holding true or false never equals it; write "
             "%s where a boolean is meant",
             r->id, v->str.s,
             g_ascii_tolower (v->str.s[0]) == 'y'
                 || g_ascii_strcasecmp (v->str.s, "on") == 0 ? "true" : "false");
}

static void
check_cond (Lint *l, const EmbargoRule *r, const Cond *c)
{
  if (c == NULL)
    return;
  for (guint32 i = 0; i < c->nkids; i++)
    check_cond (l, r, c->kids[i]);
  if (c->kind != C_TEST)
    return;
  g_autofree char *fix = path_suggestion (&c->path);
  if (fix)
    FINDING (l, WARNING, "W-FIELD-TYPO", r->source_name, c->line, c->col,
             "rule '%s' tests '%s', which is not a field of the contract%s: did you mean "
             "'%s'?", r->id, c->path.text,
             c->if_missing == MISS_FALSE ? " (and if_missing: false makes the condition false "
                                           "for every transaction)"
                                         : " (every transaction lacks it)",
             fix);
  else if (l->seen && !in_contract (&c->path)
           && !g_hash_table_contains (l->seen, c->path.text))
    FINDING (l, WARNING, "W-FIELD-UNKNOWN", r->source_name, c->line, c->col,
             "rule '%s' tests '%s', which is neither a field of the contract nor in any "
             "transaction of the tests: a misspelling, or a user-added fact no test "
             "shows%s; add a test case whose transaction has it", r->id, c->path.text,
             c->if_missing == MISS_FALSE ? " (with if_missing: false, the rule never applies "
                                           "to a transaction that lacks it)"
                                         : "");
  if (c->if_missing == MISS_FALSE)
    FINDING (l, NOTE, "N-IF-MISSING-FALSE", r->source_name, c->line, c->col,
             "rule '%s': a transaction without '%s' makes this condition false "
             "(if_missing: false), so the rule cannot apply to it: keep it only where the "
             "absence of the fact really means that", r->id, c->path.text);
  for (guint32 i = 0; i < c->nops; i++)
    {
      const Op *op = &c->ops[i];
      if (op->kind == OP_EQ)
        check_operand_text (l, r, op, &op->val);
      else if (op->kind == OP_IN)
        for (guint32 k = 0; k < op->nset; k++)
          check_operand_text (l, r, op, &op->set[k]);
    }
}

static int
cmp_diag (const void *pa, const void *pb)
{
  const EmbargoDiagnostic *a = pa, *b = pb;
  int c = strcmp (a->source, b->source);
  if (c)
    return c;
  if (a->line != b->line)
    return a->line < b->line ? -1 : 1;
  if (a->column != b->column)
    return a->column < b->column ? -1 : 1;
  return strcmp (a->code, b->code);
}

EmbargoDiagnostics *
embargo_lint (EmbargoRuleset *rs, const EmbargoLintOptions *options, GError **error)
{
  g_return_val_if_fail (rs != NULL, NULL);
  if (!OPTIONS_VERSION_OK (options, EMBARGO_LINT_OPTIONS_VERSION, "EmbargoLintOptions",
                          EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_FAILED, error))
    return NULL;
  Lint l = { rs, NULL, 0, NULL };
  if (options && options->as_of)
    {
      l.as_of = date_parse (options->as_of, strlen (options->as_of));
      if (l.as_of == 0)
        {
          g_set_error (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_BAD_DATE,
                       "as-of date '%s' is not a valid date (YYYY-MM-DD)", options->as_of);
          return NULL;
        }
    }
  l.out = diags_new ();
  if (options && options->suites)
    l.seen = seen_paths (options->suites);

  GPtrArray **cj = g_new0 (GPtrArray *, MAX (rs->nrules, 1));
  Lifters lf = { g_new0 (GArray *, MAX (rs->nrules, 1)) };
  for (guint32 i = 0; i < rs->nrules; i++)
    {
      const EmbargoRule *r = rs->rules[i];
      cj[i] = rule_conjuncts (r);
      for (guint32 j = 0; j < r->nlifts; j++)
        {
          GArray **a = &lf.by_rule[r->lifts[j]];
          if (*a == NULL)
            *a = g_array_new (FALSE, FALSE, sizeof (guint32));
          g_array_append_val (*a, i); /* i ascends: each array stays sorted */
        }
    }

  for (guint32 i = 0; i < rs->nrules; i++)
    {
      check_metadata (&l, rs->rules[i]);
      check_cond (&l, rs->rules[i], rs->rules[i]->when);
      check_never_holds (&l, rs->rules[i], cj[i]);
      if (rs->rules[i]->message)
        check_message (&l, rs->rules[i], cj[i]);
      if (rs->rules[i]->effect == EMBARGO_OUTCOME_ALLOW && !rs->rules[i]->is_exception)
        FINDING (&l, WARNING, "W-ALLOW-NO-LIFTS", rs->rules[i]->source_name,
                 rs->rules[i]->line, rs->rules[i]->col,
                 "rule '%s' is allow and lifts nothing: it can never decide (an exception "
                 "decides only where it lifted a restriction); name what it lifts",
                 rs->rules[i]->id);
      if (rs->rules[i]->is_exception)
        check_lifts (&l, rs->rules[i], cj);
      if (rs->rules[i]->is_exception && rs->rules[i]->when)
        check_name_identity (&l, rs->rules[i], rs->rules[i]->when);
    }
  check_shadowed (&l, cj, &lf);
  check_lists (&l);

  for (guint32 i = 0; i < rs->nrules; i++)
    {
      g_ptr_array_free (cj[i], TRUE);
      if (lf.by_rule[i])
        g_array_free (lf.by_rule[i], TRUE);
    }
  g_free (cj);
  g_free (lf.by_rule);
  if (l.seen)
    g_hash_table_destroy (l.seen);
  if (l.out->items)
    g_array_sort (l.out->items, cmp_diag);
  return l.out;
}

void
embargo_diagnostics_free (EmbargoDiagnostics *diags)
{
  diags_free (diags);
}
