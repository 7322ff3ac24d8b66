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

void
register_work_tests (void)
{
  static const TestDef tests[] = {
    { "explanations gathered once per rule, past 256 items", test_explained_once_per_rule },
    { NULL, NULL },
  };
  add_suite ("work", tests);
}
