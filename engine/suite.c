/* suite.c: test cases kept beside the rules, and the check of a decision against them.
 *
 * A case file is read into the same document tree as rule files; an inline
 * transaction is copied out of it into a transaction of its own and checked like any
 * other. Only the expectations a case gives are compared, so a case can pin just the
 * outcome, or every item, regime and missing fact.
 */
#include "doc.h"
#include "rules.h"
#include "txn.h"
#include "suite.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *name;
  unsigned line;
  const char *txn_file;       /* as written, or NULL */
  unsigned txn_line, txn_col; /* of txn_file's value */
  EmbargoTransaction *txn;    /* owned; NULL until supplied */
  const char *as_of;          /* NULL: the transaction's date */
  const DocNode *expect;      /* in the suite's document */
} Case;

struct _EmbargoSuite {
  Doc *doc;
  char *source;
  GArray *cases; /* Case */
};

static DocNode *
copy_node (Doc *dst, const DocNode *n)
{
  DocNode *c = doc_new_node (dst, n->kind, n->line, n->col);
  switch (n->kind)
    {
    case DOC_LIST:
      for (guint32 i = 0; i < n->u.list.n; i++)
        doc_list_append (dst, c, copy_node (dst, n->u.list.v[i]));
      break;
    case DOC_MAP:
      for (guint32 i = 0; i < n->u.map.n; i++)
        {
          const DocPair *p = &n->u.map.v[i];
          doc_map_add (dst, c, p->key, strlen (p->key), p->line, p->col, copy_node (dst, p->val));
        }
      break;
    default:
      *c = *n;
      c->u.sc.s = arena_strndup (&dst->arena, n->u.sc.s, n->u.sc.len);
      break;
    }
  return c;
}

static EmbargoTransaction *
txn_from_node (const DocNode *n, const char *source, GError **error)
{
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  Doc *doc = doc_new ();
  doc->root = copy_node (doc, n);
  return txn_from_doc (doc, source, &lim, error);
}

static void
problem (GString *errs, const char *source, const DocNode *at, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static void
problem (GString *errs, const char *source, const DocNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_string_append_printf (errs, "%s%s:%u:%u: error: %s", errs->len ? "\n" : "", source,
                          at->line, at->col, msg);
}

static void
check_keys (GString *errs, const char *source, const DocNode *map, const char *what,
            const char *const *allowed)
{
  for (guint32 i = 0; i < map->u.map.n; i++)
    {
      gboolean ok = FALSE;
      for (const char *const *a = allowed; *a && !ok; a++)
        ok = strcmp (*a, map->u.map.v[i].key) == 0;
      if (!ok)
        {
          DocNode at = { .line = map->u.map.v[i].line, .col = map->u.map.v[i].col };
          problem (errs, source, &at, "unknown key '%s' in %s", map->u.map.v[i].key, what);
        }
    }
}

static gboolean
is_outcome (const DocNode *v)
{
  EmbargoOutcome o;
  return v->kind == DOC_STRING && embargo_outcome_from_string (v->u.sc.s, &o);
}

static void
want_outcome (GString *errs, const char *source, const DocNode *v, const char *what)
{
  if (v && !is_outcome (v))
    problem (errs, source, v, "%s must be allow, review, license_required or deny", what);
}

static void
want_rule (GString *errs, const char *source, const DocNode *v, const char *what)
{
  if (v && v->kind != DOC_STRING && v->kind != DOC_NULL)
    problem (errs, source, v, "%s must be a rule id, or null for none", what);
}

/* A list of mappings with KEYS only, each giving REQUIRED (NULL-terminated). */
static void
want_records (GString *errs, const char *source, const DocNode *list, const char *what,
              const char *const *keys, const char *const *required)
{
  if (list == NULL)
    return;
  if (list->kind != DOC_LIST)
    {
      problem (errs, source, list, "'%s' must be a list of mappings", what);
      return;
    }
  for (guint32 i = 0; i < list->u.list.n; i++)
    {
      const DocNode *m = list->u.list.v[i];
      if (m->kind != DOC_MAP)
        {
          problem (errs, source, m, "each entry of '%s' must be a mapping", what);
          continue;
        }
      g_autofree char *in = g_strdup_printf ("an entry of '%s'", what);
      check_keys (errs, source, m, in, keys);
      for (const char *const *r = required; *r; r++)
        {
          const DocNode *v = doc_get (m, *r);
          if (v == NULL || !doc_is_scalar (v) || v->kind == DOC_NULL)
            problem (errs, source, m, "an entry of '%s' needs '%s'", what, *r);
        }
    }
}

/* The schema of `expect:`: a case must assert something, and every assertion must be
 * of a shape the runner compares; anything else would pass without testing. */
static void
check_expect (GString *errs, const char *source, const DocNode *e)
{
  static const char *const keys[] = { "decision", "rule", "items", "regimes", "missing",
                                      "matched", "screening", "message", NULL };
  static const char *const item_keys[] = { "decision", "rule", NULL };
  static const char *const missing_keys[] = { "rule", "field", NULL };
  static const char *const matched_keys[] = { "rule", "item", "effect", "status", "by",
                                              "unknown", NULL };
  static const char *const matched_required[] = { "rule", "item", "effect", "status", NULL };
  static const char *const screening_keys[] = { "rule", "item", "party", "entry", "matched",
                                                "verdict", NULL };
  if (e->u.map.n == 0)
    problem (errs, source, e, "'expect' is empty: the case would assert nothing");
  check_keys (errs, source, e, "'expect'", keys);
  want_outcome (errs, source, doc_get (e, "decision"), "expected decision");
  want_rule (errs, source, doc_get (e, "rule"), "expected rule");
  const DocNode *v = doc_get (e, "message");
  if (v && v->kind != DOC_STRING)
    problem (errs, source, v, "'message' must be text the message contains");
  if ((v = doc_get (e, "items")))
    {
      if (v->kind != DOC_MAP || v->u.map.n == 0)
        problem (errs, source, v, "'items' must be a mapping of item id to a decision or "
                 "{decision, rule}");
      else
        for (guint32 i = 0; i < v->u.map.n; i++)
          {
            const DocNode *it = v->u.map.v[i].val;
            if (it->kind == DOC_MAP)
              {
                check_keys (errs, source, it, "an item's expectation", item_keys);
                if (it->u.map.n == 0)
                  problem (errs, source, it, "item '%s': an empty expectation asserts nothing",
                           v->u.map.v[i].key);
                want_outcome (errs, source, doc_get (it, "decision"), "an item's decision");
                want_rule (errs, source, doc_get (it, "rule"), "an item's rule");
              }
            else
              want_outcome (errs, source, it, "an item's decision");
          }
    }
  if ((v = doc_get (e, "regimes")))
    {
      if (v->kind != DOC_MAP || v->u.map.n == 0)
        problem (errs, source, v, "'regimes' must be a mapping of regime to decision");
      else
        for (guint32 i = 0; i < v->u.map.n; i++)
          want_outcome (errs, source, v->u.map.v[i].val, "a regime's decision");
    }
  want_records (errs, source, doc_get (e, "missing"), "missing", missing_keys, missing_keys);
  want_records (errs, source, doc_get (e, "matched"), "matched", matched_keys, matched_required);
  want_records (errs, source, doc_get (e, "screening"), "screening", screening_keys,
                screening_keys);
}

static void
case_clear (gpointer p)
{
  embargo_transaction_free (((Case *) p)->txn);
}

EmbargoSuite *
embargo_suite_new_from_data (const char *data, gsize len, const char *source_name,
                             GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  Doc *doc = doc_parse_yaml (data ? data : "", len, source_name, 1, &lim, error);
  if (doc == NULL)
    return NULL;
  EmbargoSuite *s = g_new0 (EmbargoSuite, 1);
  s->doc = doc;
  s->source = g_strdup (source_name);
  s->cases = g_array_new (FALSE, TRUE, sizeof (Case));
  g_array_set_clear_func (s->cases, case_clear);

  GString *errs = g_string_new (NULL);
  const DocNode *root = doc->root;
  const DocNode *cases = doc_get (root, "cases");
  static const char *const top_keys[] = { "cases", NULL };
  static const char *const case_keys[] = { "name", "transaction", "transaction_file", "as_of",
                                           "expect", NULL };
  if (root->kind != DOC_MAP || cases == NULL || cases->kind != DOC_LIST)
    problem (errs, source_name, root, "a test file is a mapping with 'cases', a list");
  else if (cases->u.list.n == 0)
    problem (errs, source_name, cases, "'cases' is empty: the file would test nothing");
  else
    {
      check_keys (errs, source_name, root, "a test file", top_keys);
      for (guint32 i = 0; i < cases->u.list.n; i++)
        {
          const DocNode *c = cases->u.list.v[i];
          if (c->kind != DOC_MAP)
            {
              problem (errs, source_name, c, "a case must be a mapping");
              continue;
            }
          check_keys (errs, source_name, c, "a case", case_keys);
          Case k = { .line = c->line };
          const DocNode *v = doc_get (c, "name");
          k.name = v && v->kind == DOC_STRING ? v->u.sc.s : NULL;
          if (k.name == NULL)
            problem (errs, source_name, c, "a case needs a 'name'");
          if ((v = doc_get (c, "as_of")))
            {
              if (!v->is_date)
                problem (errs, source_name, v, "'as_of' must be a date (YYYY-MM-DD)");
              k.as_of = v->u.sc.s;
            }
          const DocNode *inl = doc_get (c, "transaction"), *file = doc_get (c, "transaction_file");
          if ((inl == NULL) == (file == NULL))
            problem (errs, source_name, c, "a case needs one of 'transaction' or "
                     "'transaction_file'");
          else if (file)
            {
              if (file->kind != DOC_STRING)
                problem (errs, source_name, file, "'transaction_file' must be a path");
              k.txn_file = file->u.sc.s;
              k.txn_line = file->line;
              k.txn_col = file->col;
            }
          else
            {
              GError *e = NULL;
              k.txn = txn_from_node (inl, source_name, &e);
              if (k.txn == NULL)
                {
                  g_string_append_printf (errs, "%s%s", errs->len ? "\n" : "", e->message);
                  g_error_free (e);
                }
            }
          k.expect = doc_get (c, "expect");
          if (k.expect == NULL || k.expect->kind != DOC_MAP)
            problem (errs, source_name, k.expect ? k.expect : c,
                     "a case needs 'expect', a mapping (decision, rule, items, regimes, missing)");
          else
            check_expect (errs, source_name, k.expect);
          g_array_append_val (s->cases, k);
        }
    }
  if (errs->len)
    {
      g_set_error_literal (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID, errs->str);
      g_string_free (errs, TRUE);
      embargo_suite_free (s);
      return NULL;
    }
  g_string_free (errs, TRUE);
  return s;
}

void
embargo_suite_free (EmbargoSuite *suite)
{
  if (suite == NULL)
    return;
  g_array_free (suite->cases, TRUE);
  doc_free (suite->doc);
  g_free (suite->source);
  g_free (suite);
}

gsize
embargo_suite_get_count (const EmbargoSuite *suite)
{
  g_return_val_if_fail (suite != NULL, 0);
  return suite->cases->len;
}

#define CASE(s, i) (&g_array_index ((s)->cases, Case, (i)))

const char *
embargo_suite_get_name (const EmbargoSuite *suite, gsize index)
{
  g_return_val_if_fail (suite != NULL && index < suite->cases->len, NULL);
  return CASE (suite, index)->name;
}

unsigned
embargo_suite_get_line (const EmbargoSuite *suite, gsize index)
{
  g_return_val_if_fail (suite != NULL && index < suite->cases->len, 0);
  return CASE (suite, index)->line;
}

const char *
embargo_suite_get_source (const EmbargoSuite *suite)
{
  g_return_val_if_fail (suite != NULL, NULL);
  return suite->source;
}

const char *
embargo_suite_get_transaction_file (const EmbargoSuite *suite, gsize index)
{
  g_return_val_if_fail (suite != NULL && index < suite->cases->len, NULL);
  return CASE (suite, index)->txn_file;
}

const EmbargoTransaction *
suite_get_transaction (const EmbargoSuite *suite, gsize index)
{
  g_return_val_if_fail (suite != NULL && index < suite->cases->len, NULL);
  return CASE (suite, index)->txn;
}

gboolean
embargo_suite_get_transaction_file_position (const EmbargoSuite *suite, gsize index,
                                             unsigned *line, unsigned *col)
{
  g_return_val_if_fail (suite != NULL, FALSE);
  if (index >= suite->cases->len || CASE (suite, index)->txn_file == NULL)
    return FALSE;
  if (line)
    *line = CASE (suite, index)->txn_line;
  if (col)
    *col = CASE (suite, index)->txn_col;
  return TRUE;
}

gboolean
embargo_suite_set_transaction_data (EmbargoSuite *suite, gsize index, const char *data,
                                    gsize len, const char *source_name, GError **error)
{
  g_return_val_if_fail (suite != NULL && index < suite->cases->len, FALSE);
  EmbargoTransaction *txn = embargo_transaction_new_from_data (data, len, source_name, NULL,
                                                               error);
  if (txn == NULL)
    return FALSE;
  Case *k = CASE (suite, index);
  embargo_transaction_free (k->txn);
  k->txn = txn;
  return TRUE;
}

/* ---- running ---- */

static const char *
rule_id (const EmbargoRule *r)
{
  return r ? embargo_rule_get_id (r) : "null";
}

static void
expect_rule (GString *f, const char *what, const DocNode *want, const EmbargoRule *got)
{
  if (want == NULL)
    return;
  const char *w = want->kind == DOC_NULL ? "null" : want->u.sc.s;
  if (strcmp (w, rule_id (got)) != 0)
    g_string_append_printf (f, "%s%s: expected %s, got %s", f->len ? "\n" : "", what, w,
                            rule_id (got));
}

static void
expect_outcome (GString *f, const char *what, const DocNode *want, EmbargoOutcome got)
{
  if (want == NULL)
    return;
  if (!doc_is_scalar (want) || strcmp (want->u.sc.s, embargo_outcome_to_string (got)) != 0)
    g_string_append_printf (f, "%s%s: expected %s, got %s", f->len ? "\n" : "", what,
                            doc_is_scalar (want) ? want->u.sc.s : "?",
                            embargo_outcome_to_string (got));
}

static const char *
scalar_text (const DocNode *n)
{
  return doc_is_scalar (n) && n->kind != DOC_NULL ? n->u.sc.s : "?";
}

/* Compares two sets of strings (duplicates ignored); reports both when they differ. */
static void
expect_set (GString *f, const char *what, GPtrArray *want, GPtrArray *got)
{
  GString *sets[2] = { g_string_new (NULL), g_string_new (NULL) };
  GPtrArray *arrs[2] = { want, got };
  for (int k = 0; k < 2; k++)
    {
      g_ptr_array_sort (arrs[k], cmp_strp);
      for (guint q = 0; q < arrs[k]->len; q++)
        {
          const char *v = g_ptr_array_index (arrs[k], q);
          if (q && strcmp (v, g_ptr_array_index (arrs[k], q - 1)) == 0)
            continue;
          g_string_append_printf (sets[k], "%s%s", sets[k]->len ? ", " : "", v);
        }
    }
  if (strcmp (sets[0]->str, sets[1]->str) != 0)
    g_string_append_printf (f, "%s%s: expected [%s], got [%s]", f->len ? "\n" : "", what,
                            sets[0]->str, sets[1]->str);
  g_string_free (sets[0], TRUE);
  g_string_free (sets[1], TRUE);
}

EmbargoDecision *
embargo_suite_run (const EmbargoSuite *suite, gsize index, EmbargoRuleset *rs, char **failures,
                   GError **error)
{
  g_return_val_if_fail (suite != NULL && index < suite->cases->len, NULL);
  g_return_val_if_fail (rs != NULL, NULL);
  const Case *k = CASE (suite, index);
  if (failures)
    *failures = NULL;
  if (k->txn == NULL)
    {
      g_set_error (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID,
                   "case '%s' has no transaction (transaction_file '%s' was not read)", k->name,
                   k->txn_file ? k->txn_file : "?");
      return NULL;
    }
  EmbargoEvalOptions opts = EMBARGO_EVAL_OPTIONS_INIT;
  opts.as_of = k->as_of;
  EmbargoDecision *d = embargo_evaluate (rs, k->txn, &opts, error);
  if (d == NULL)
    return NULL;

  GString *f = g_string_new (NULL);
  const DocNode *e = k->expect;
  expect_outcome (f, "decision", doc_get (e, "decision"), embargo_decision_get_outcome (d));
  expect_rule (f, "rule", doc_get (e, "rule"), embargo_decision_get_rule (d));
  const DocNode *msg = doc_get (e, "message");
  if (msg && doc_is_scalar (msg))
    {
      /* the text given must appear in the rendered message */
      const char *got = embargo_decision_get_message (d);
      if (got == NULL || strstr (got, msg->u.sc.s) == NULL)
        g_string_append_printf (f, "%smessage: expected to contain \"%s\", got %s%s%s",
                                f->len ? "\n" : "", msg->u.sc.s, got ? "\"" : "",
                                got ? got : "none", got ? "\"" : "");
    }
  const DocNode *items = doc_get (e, "items");
  if (items && items->kind == DOC_MAP)
    for (guint32 i = 0; i < items->u.map.n; i++)
      {
        const DocPair *p = &items->u.map.v[i];
        gsize at = G_MAXSIZE;
        for (gsize j = 0; j < embargo_decision_get_item_count (d); j++)
          if (strcmp (embargo_decision_get_item_id (d, j), p->key) == 0)
            at = j;
        g_autofree char *what = g_strdup_printf ("item %s", p->key);
        if (at == G_MAXSIZE)
          {
            g_string_append_printf (f, "%s%s: no such item in the transaction",
                                    f->len ? "\n" : "", what);
            continue;
          }
        g_autofree char *wd = g_strdup_printf ("%s decision", what);
        g_autofree char *wr = g_strdup_printf ("%s rule", what);
        if (p->val->kind == DOC_MAP)
          {
            expect_outcome (f, wd, doc_get (p->val, "decision"),
                            embargo_decision_get_item_outcome (d, at));
            expect_rule (f, wr, doc_get (p->val, "rule"), embargo_decision_get_item_rule (d, at));
          }
        else
          expect_outcome (f, wd, p->val, embargo_decision_get_item_outcome (d, at));
      }
  const DocNode *regimes = doc_get (e, "regimes");
  if (regimes && regimes->kind == DOC_MAP)
    for (guint32 i = 0; i < regimes->u.map.n; i++)
      {
        g_autofree char *what = g_strdup_printf ("regime %s", regimes->u.map.v[i].key);
        EmbargoOutcome ro;
        g_autoptr (GError) unknown = NULL;
        if (embargo_decision_lookup_regime_outcome (d, regimes->u.map.v[i].key, &ro, &unknown))
          expect_outcome (f, what, regimes->u.map.v[i].val, ro);
        else
          g_string_append_printf (f, "%s%s", f->len ? "\n" : "", unknown->message);
      }
  const DocNode *missing = doc_get (e, "missing");
  if (missing && missing->kind == DOC_LIST)
    {
      g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
      for (gsize j = 0; j < embargo_decision_get_missing_count (d); j++)
        {
          const EmbargoMissing *m = embargo_decision_get_missing (d, j);
          g_ptr_array_add (got, g_strdup_printf ("%s:%s", embargo_rule_get_id (m->rule),
                                                 m->field));
        }
      for (guint32 j = 0; j < missing->u.list.n; j++)
        {
          const DocNode *m = missing->u.list.v[j];
          g_ptr_array_add (want, g_strdup_printf ("%s:%s", scalar_text (doc_get (m, "rule")),
                                                  scalar_text (doc_get (m, "field"))));
        }
      expect_set (f, "missing", want, got);
    }
  const DocNode *matched = doc_get (e, "matched");
  if (matched && matched->kind == DOC_LIST)
    {
      /* `unknown` (a match that holds only because a fact is missing or uncertain) is
       * compared when any entry gives it, and then an entry without it means false. */
      gboolean with_unknown = FALSE;
      for (guint32 j = 0; j < matched->u.list.n; j++)
        with_unknown |= doc_get (matched->u.list.v[j], "unknown") != NULL;
      g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
      for (gsize j = 0; j < embargo_decision_get_match_count (d); j++)
        {
          const EmbargoMatch *m = embargo_decision_get_match (d, j);
          g_ptr_array_add (got, g_strdup_printf (
                                  "%s@%s:%s:%s%s%s%s", embargo_rule_get_id (m->rule),
                                  embargo_decision_get_item_id (d, m->item),
                                  embargo_outcome_to_string (m->effect),
                                  embargo_match_status_to_string (m->status),
                                  m->lifted_by ? ":" : "",
                                  m->lifted_by ? embargo_rule_get_id (m->lifted_by) : "",
                                  with_unknown && m->unknown ? ":unknown" : ""));
        }
      for (guint32 j = 0; j < matched->u.list.n; j++)
        {
          const DocNode *m = matched->u.list.v[j];
          const DocNode *by = doc_get (m, "by"), *unknown = doc_get (m, "unknown");
          g_ptr_array_add (want, g_strdup_printf (
                                   "%s@%s:%s:%s%s%s%s", scalar_text (doc_get (m, "rule")),
                                   scalar_text (doc_get (m, "item")),
                                   scalar_text (doc_get (m, "effect")),
                                   scalar_text (doc_get (m, "status")), by ? ":" : "",
                                   by ? scalar_text (by) : "",
                                   unknown && unknown->kind == DOC_BOOL && unknown->boolean
                                     ? ":unknown" : ""));
        }
      expect_set (f, "matched", want, got);
    }
  /* screening: [{rule, item, party, entry, matched, verdict}], the decision's hits. */
  const DocNode *screening = doc_get (e, "screening");
  if (screening && screening->kind == DOC_LIST)
    {
      g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) want = g_ptr_array_new_with_free_func (g_free);
      for (gsize j = 0; j < embargo_decision_get_screening_count (d); j++)
        {
          const EmbargoScreeningHit *h = embargo_decision_get_screening (d, j);
          g_ptr_array_add (got, g_strdup_printf (
                                  "%s@%s:%s:%s:%s:%s", embargo_rule_get_id (h->rule),
                                  embargo_decision_get_item_id (d, h->item), h->party, h->entry,
                                  h->matched, embargo_screen_verdict_to_string (h->verdict)));
        }
      for (guint32 j = 0; j < screening->u.list.n; j++)
        {
          const DocNode *h = screening->u.list.v[j];
          g_ptr_array_add (want, g_strdup_printf (
                                   "%s@%s:%s:%s:%s:%s", scalar_text (doc_get (h, "rule")),
                                   scalar_text (doc_get (h, "item")),
                                   scalar_text (doc_get (h, "party")),
                                   scalar_text (doc_get (h, "entry")),
                                   scalar_text (doc_get (h, "matched")),
                                   scalar_text (doc_get (h, "verdict"))));
        }
      expect_set (f, "screening", want, got);
    }
  if (failures && f->len)
    *failures = g_string_free (f, FALSE);
  else
    g_string_free (f, TRUE);
  return d;
}

gboolean
embargo_suite_asserts_rule (const EmbargoSuite *suite, gsize index,
                            const EmbargoDecision *decision, const EmbargoRule *rule)
{
  g_return_val_if_fail (suite != NULL && index < suite->cases->len, FALSE);
  g_return_val_if_fail (decision != NULL && rule != NULL, FALSE);
  const DocNode *e = CASE (suite, index)->expect;
  if (e == NULL || e->kind != DOC_MAP)
    return FALSE;
  /* The transaction's decision or deciding rule, when RULE made it. */
  if ((doc_get (e, "decision") || doc_get (e, "rule"))
      && embargo_decision_get_rule (decision) == rule)
    return TRUE;
  /* An item's decision or rule, when RULE decided that item. */
  const DocNode *items = doc_get (e, "items");
  for (guint32 i = 0; items && items->kind == DOC_MAP && i < items->u.map.n; i++)
    for (gsize j = 0; j < embargo_decision_get_item_count (decision); j++)
      if (strcmp (embargo_decision_get_item_id (decision, j), items->u.map.v[i].key) == 0
          && embargo_decision_get_item_rule (decision, j) == rule)
        return TRUE;
  /* Its place in `matched`. */
  const DocNode *matched = doc_get (e, "matched");
  for (guint32 i = 0; matched && matched->kind == DOC_LIST && i < matched->u.list.n; i++)
    {
      const DocNode *r = doc_get (matched->u.list.v[i], "rule");
      if (r && r->kind == DOC_STRING && strcmp (r->u.sc.s, embargo_rule_get_id (rule)) == 0)
        return TRUE;
    }
  return FALSE;
}
