/* test-work.c: what one evaluation costs, and the limits on that cost.
 *
 * A transaction of many items and parties must cost items + parties, not their
 * product: what does not depend on the item is done once per evaluation. These tests
 * assert what the decision says about that work (explanations gathered once per rule,
 * however many items), and that the work limits refuse what exceeds them with their
 * own error codes, never with a decision.
 */
#include "tests.h"

#include <string.h>

/* The default max_work, as EMBARGO_LIMITS_INIT sets it. */
#define EMBARGO_LIMITS_INIT_MAX_WORK (((EmbargoLimits) EMBARGO_LIMITS_INIT).max_work)

static const char work_rules[] =
  "defaults: {regime: US-EAR, authority: BIS, citation: test, source_url: "
  "https://example.org, effective_from: 2020-01-01}\n"
  "lists:\n"
  "  - id: veu\n"
  "    kind: names\n"
  "    members:\n"
  "      - {name: \"Samsung China Semiconductor Co., Ltd.\", country: CN}\n"
  "  - id: el\n"
  "    kind: names\n"
  "    members:\n"
  "      - {name: \"Acme Listed Trading Co.\", country: CN}\n"
  "rules:\n"
  "  - {id: fab, title: fab, effect: license_required, when: {field: destination.country, "
  "equals: CN}}\n"
  "  - {id: veu-x, title: VEU, effect: allow, lifts: [fab], when: {party: [consignee], "
  "when: {field: party.name, in_list: veu}}}\n"
  "  - {id: el, title: listed, effect: deny, when: {party: any, "
  "when: {field: party.name, in_list: el}}}\n";

/* A transaction for CN: a listed buyer, a consignee that only resembles the VEU, and
 * NITEMS items. */
static char *
work_txn (guint nitems)
{
  GString *s = g_string_new (
    "{\"id\":\"W\",\"date\":\"2024-05-01\",\"destination\":{\"country\":\"CN\"},"
    "\"buyer\":{\"name\":\"Acme Listed Trading Co.\",\"country\":\"CN\"},"
    "\"consignee\":{\"name\":\"Samsung China Semiconductors\",\"country\":\"CN\"},"
    "\"items\":[");
  for (guint i = 0; i < nitems; i++)
    g_string_append_printf (s, "%s{\"id\":\"%u\"}", i ? "," : "", i + 1);
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

static EmbargoTransaction *
parse (const char *text)
{
  GError *e = NULL;
  EmbargoTransaction *t = embargo_transaction_new_from_data (text, strlen (text), "w.json",
                                                             NULL, &e);
  if (t == NULL)
    fprintf (stderr, "\n%s\n", e->message);
  g_clear_error (&e);
  return t;
}

/* The screening hits and the note of an exception left unapplied are gathered once per
 * rule, on the first item it applied to, however many items follow (300 items: more
 * than a byte counts). */
static void
test_explained_once_per_rule (void)
{
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (work_rules, strlen (work_rules),
                                                      "w.yaml", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  static const guint sizes[] = { 1, 255, 256, 257, 300, 1000 };
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *text = work_txn (sizes[i]);
      EmbargoTransaction *t = parse (text);
      CU_ASSERT_PTR_NOT_NULL_FATAL (t);
      EmbargoDecision *d = embargo_evaluate (rs, t, NULL, NULL);
      CU_ASSERT_PTR_NOT_NULL_FATAL (d);
      CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_DENY);
      CU_ASSERT_EQUAL (embargo_decision_get_match_count (d), 2u * sizes[i]);
      if (embargo_decision_get_screening_count (d) != 1 || embargo_decision_get_note_count (d) != 1)
        fprintf (stderr, "\n%u items: %zu screening hits, %zu notes\n", sizes[i],
                 embargo_decision_get_screening_count (d), embargo_decision_get_note_count (d));
      CU_ASSERT_EQUAL (embargo_decision_get_screening_count (d), 1u);
      const EmbargoScreeningHit *h = embargo_decision_get_screening (d, 0);
      CU_ASSERT_PTR_NOT_NULL_FATAL (h);
      CU_ASSERT_STRING_EQUAL (h->party, "buyer");
      CU_ASSERT_STRING_EQUAL (h->entry, "Acme Listed Trading Co.");
      CU_ASSERT_EQUAL (embargo_decision_get_note_count (d), 1u);
      embargo_decision_free (d);
      embargo_transaction_free (t);
    }
  embargo_ruleset_unref (rs);
}

/* WORK_RULES loaded under max_work = MAX_WORK (other limits the defaults). */
static EmbargoRuleset *
rules_with_work (gsize max_work)
{
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.max_work = max_work;
  EmbargoLoader *ld = embargo_loader_new (&lim);
  embargo_loader_add_data (ld, work_rules, strlen (work_rules), "w.yaml", NULL);
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  embargo_loader_free (ld);
  return rs;
}

/* The decision of TEXT under max_work = MAX_WORK as JSON, or NULL with *ERROR set. */
static char *
decide_json (const char *text, gsize max_work, GError **error)
{
  EmbargoRuleset *rs = rules_with_work (max_work);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoTransaction *t = parse (text);
  CU_ASSERT_PTR_NOT_NULL_FATAL (t);
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, error);
  char *json = d ? embargo_decision_to_json (d) : NULL;
  embargo_decision_free (d);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
  return json;
}

/* A tiny max_work refuses the transaction with EMBARGO_EVAL_ERROR_LIMIT and a message
 * naming the limit and where it stopped; never a decision, from either entry point. */
static void
test_work_limit_refuses (void)
{
  g_autofree char *one = work_txn (1);
  GError *e = NULL;
  char *json = decide_json (one, 10, &e);
  CU_ASSERT_PTR_NULL (json);
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_LIMIT));
  CU_ASSERT_EQUAL (e->code, 4);
  CU_ASSERT_STRING_EQUAL (e->message,
                          "transaction 'W': deciding it takes more than the work limit of 10 "
                          "units (max_work); stopped at item 1 of 1; no decision");
  g_clear_error (&e);

  /* Many items: stopped part of the way, and embargo_evaluate_all() refuses too. */
  EmbargoRuleset *rs = rules_with_work (2000);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  g_autofree char *many = work_txn (1000);
  EmbargoTransaction *t = parse (many);
  CU_ASSERT_PTR_NOT_NULL_FATAL (t);
  CU_ASSERT_PTR_NULL (embargo_evaluate (rs, t, NULL, &e));
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_LIMIT));
  CU_ASSERT_TRUE (e && g_str_has_prefix (e->message, "transaction 'W': deciding it takes more "
                                                     "than the work limit of 2000 units"));
  CU_ASSERT_TRUE (e && strstr (e->message, " of 1000; no decision") != NULL);
  CU_ASSERT_TRUE (e && strstr (e->message, "stopped at item 1000 of") == NULL);
  g_clear_error (&e);
  const EmbargoTransaction *txns[] = { t };
  EmbargoDecision *out[1] = { NULL };
  CU_ASSERT_EQUAL (embargo_evaluate_all (rs, txns, 1, NULL, out, &e), 0);
  CU_ASSERT_PTR_NULL (out[0]);
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_LIMIT));
  g_clear_error (&e);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
}

/* Below the work a transaction needs there is no decision at all, whether the limit is
 * crossed while deciding or while explaining (screening hits, notes); from that work on
 * the decision is the one the default limit gives, byte for byte. */
static void
test_work_limit_all_or_nothing (void)
{
  g_autofree char *text = work_txn (3);
  g_autofree char *want = decide_json (text, EMBARGO_LIMITS_INIT_MAX_WORK, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (want);
  /* The least work that decides, found by bisection. */
  gsize lo = 1, hi = EMBARGO_LIMITS_INIT_MAX_WORK;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;
      g_autofree char *got = decide_json (text, mid, NULL);
      if (got)
        hi = mid;
      else
        lo = mid + 1;
    }
  /* Three names screened, at least (the consignee against both lists, the buyer against
   * 'el'): it is not trivially small. Every limit below it is tried. */
  CU_ASSERT_TRUE (lo > 3 * 100);
  CU_ASSERT_TRUE_FATAL (lo < 100000);
  for (gsize w = 1; w < lo; w++)
    {
      GError *e = NULL;
      g_autofree char *got = decide_json (text, w, &e);
      CU_ASSERT_PTR_NULL (got);
      CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_LIMIT));
      g_clear_error (&e);
    }
  g_autofree char *at = decide_json (text, lo, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (at);
  CU_ASSERT_STRING_EQUAL (at, want);
}

/* A names list of more members than max_list_members is an E-LIMIT diagnostic at the
 * first member too many, and the rule set does not load; at the limit it loads. */
static void
test_list_member_limit (void)
{
  static const char rules[] =
    "defaults: {regime: US-EAR, authority: BIS, citation: test, source_url: "
    "https://example.org, effective_from: 2020-01-01}\n"
    "lists:\n"
    "  - id: el\n"
    "    kind: names\n"
    "    members:\n"
    "      - {name: Alpha Trading}\n"
    "      - {name: Beta Trading}\n"
    "      - {name: Gamma Trading}\n"
    "rules:\n"
    "  - {id: el, title: listed, effect: deny, when: {party: any, "
    "when: {field: party.name, in_list: el}}}\n";
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.max_list_members = 2;
  EmbargoLoader *ld = embargo_loader_new (&lim);
  CU_ASSERT_FALSE (embargo_loader_add_data (ld, rules, strlen (rules), "r.yaml", NULL));
  const EmbargoDiagnostics *ds = embargo_loader_get_diagnostics (ld);
  CU_ASSERT_EQUAL_FATAL (embargo_diagnostics_get_count (ds), 1);
  const EmbargoDiagnostic *d = embargo_diagnostics_get (ds, 0);
  CU_ASSERT_STRING_EQUAL (d->code, "E-LIMIT");
  /* "      - {name: Gamma Trading}": the third member, line 8, its '{' at column 9. */
  CU_ASSERT_EQUAL (d->line, 8);
  CU_ASSERT_EQUAL (d->column, 9);
  CU_ASSERT_STRING_EQUAL (d->message,
                          "list 'el' has 3 members, more than the limit of 2 (max_list_members)");
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, &e));
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID)
                  || g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT));
  CU_ASSERT_TRUE (e && strstr (e->message, "r.yaml:8:9: error: list 'el' has 3 members") != NULL);
  g_clear_error (&e);
  embargo_loader_free (ld);

  lim.max_list_members = 3;
  ld = embargo_loader_new (&lim);
  CU_ASSERT_TRUE (embargo_loader_add_data (ld, rules, strlen (rules), "r.yaml", NULL));
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  CU_ASSERT_PTR_NOT_NULL (rs);
  embargo_ruleset_unref (rs);
  embargo_loader_free (ld);
}

void
register_work_tests (void)
{
  static const TestDef tests[] = {
    { "explanations gathered once per rule, past 256 items", test_explained_once_per_rule },
    { "max_work: a tiny limit refuses, EMBARGO_EVAL_ERROR_LIMIT", test_work_limit_refuses },
    { "max_work: no decision below the work needed, the same one from it",
      test_work_limit_all_or_nothing },
    { "max_list_members: a longer names list does not load", test_list_member_limit },
    { NULL, NULL },
  };
  add_suite ("work", tests);
}
