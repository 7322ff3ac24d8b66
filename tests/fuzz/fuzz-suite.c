/* fuzz-suite.c: libFuzzer target for the test-suite parser (rule packs' *.tests.yaml).
 *
 * The input is one test-case file. Cases that parse are run against a one-rule set,
 * so the comparison of expectations (rules, items, regimes, missing facts) runs on
 * whatever shapes the input gives them.
 */
#include "fuzz.h"

#include <embargo/embargo.h>
#include <string.h>

static const char rules_yaml[] =
  "rules:\n"
  "  - id: r1\n"
  "    title: T\n"
  "    regime: CN-CAC\n"
  "    authority: CAC\n"
  "    citation: C\n"
  "    source_url: https://example.org\n"
  "    effective_from: 2023-05-21\n"
  "    effect: deny\n"
  "    when: [{field: buyer.ciio, equals: true}, {field: item.manufacturer, in: [Micron]}]\n";

static EmbargoRuleset *
rules (void)
{
  static EmbargoRuleset *rs;
  if (rs == NULL)
    {
      rs = embargo_ruleset_new_from_data (rules_yaml, strlen (rules_yaml), "r.yaml", NULL);
      g_assert (rs != NULL);
    }
  return rs;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_setup ();
  GError *e = NULL;
  EmbargoSuite *s = embargo_suite_new_from_data ((const char *) data, size, "s.tests.yaml", &e);
  g_assert ((s == NULL) == (e != NULL));
  g_clear_error (&e);
  if (s == NULL)
    return 0;
  for (gsize i = 0; i < embargo_suite_get_count (s); i++)
    {
      (void) embargo_suite_get_name (s, i);
      (void) embargo_suite_get_line (s, i);
      char *why = NULL;
      EmbargoDecision *d = embargo_suite_run (s, i, rules (), &why, &e);
      g_assert ((d == NULL) == (e != NULL));
      g_clear_error (&e);
      g_free (why);
      embargo_decision_free (d);
    }
  embargo_suite_free (s);
  return 0;
}
