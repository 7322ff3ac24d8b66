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
#include "doc.h"
#include "diag.h"
#include "rules.h"
#include "index.h"
#include "txn.h"
#include "eval.h"
#include "screening.h"
#include "decision.h"

#include <stdlib.h>
#include <string.h>

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
  if (strcmp (field, "verdict") == 0)
    return g_strdup (m->match ? "match" : "possible match");
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
      /* A value that ends a sentence ("Presumption of denial.") where the template ends
       * one too: one full stop, not two. */
      if (*p == '.' && out->len > 0 && out->str[out->len - 1] == '.')
        p++;
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
