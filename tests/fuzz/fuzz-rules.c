/* fuzz-rules.c: libFuzzer target for the rule loader.
 *
 * The input is one rule file. It is added twice under two names, so the whole-set
 * checks of embargo_loader_finish() (duplicate ids, lifts across files, list
 * references) run on whatever the first pass compiled. A rule set that loads is walked
 * through every public accessor, so a rule with a field left half-built shows up here
 * rather than in a decision.
 */
#include "fuzz.h"

#include <embargo/embargo.h>

static void
walk (const EmbargoRuleset *rs)
{
  gsize n = embargo_ruleset_get_rule_count (rs);
  for (gsize i = 0; i < n; i++)
    {
      const EmbargoRule *r = embargo_ruleset_get_rule (rs, i);
      g_assert (r != NULL);
      g_assert (embargo_ruleset_lookup_rule (rs, embargo_rule_get_id (r)) != NULL);
      g_assert (embargo_rule_get_title (r) && embargo_rule_get_regime (r));
      g_assert (embargo_rule_get_effective_from (r) != NULL);
      (void) embargo_outcome_to_string (embargo_rule_get_effect (r));
    }
  for (const char *const *g = embargo_ruleset_get_regimes (rs); *g; g++)
    g_assert (**g != '\0');
  g_assert (g_str_has_prefix (embargo_ruleset_get_digest (rs), "sha256:"));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_setup ();
  EmbargoLoader *ld = embargo_loader_new (NULL);
  gboolean ok = embargo_loader_add_data (ld, (const char *) data, size, "a.yaml", NULL);
  if (ok)
    embargo_loader_add_data (ld, (const char *) data, size, "b.yaml", NULL);
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_loader_finish (ld, &e);
  const EmbargoDiagnostics *d = embargo_loader_get_diagnostics (ld);
  /* Fail closed: a rule set comes back exactly when no error was diagnosed. */
  g_assert ((rs != NULL) == (embargo_diagnostics_count_at_least (d, EMBARGO_SEVERITY_ERROR) == 0));
  g_assert ((rs == NULL) == (e != NULL));
  for (gsize i = 0; i < embargo_diagnostics_get_count (d); i++)
    g_free (embargo_diagnostic_format (embargo_diagnostics_get (d, i)));
  if (rs)
    walk (rs);
  g_clear_error (&e);
  embargo_ruleset_unref (rs);
  embargo_loader_free (ld);
  return 0;
}
