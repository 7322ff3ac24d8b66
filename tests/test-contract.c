/* test-contract.c: the public contract's fences: options structs of another version are
 * refused, getters on NULL fail closed, the public types have g_autoptr cleanups. */
#include "tests.h"

#include <glib.h>
#include <string.h>

#define RULES EMBARGO_SOURCE_DIR "/rules"
#define ORDER EMBARGO_SOURCE_DIR "/examples/micron-ciio.yaml"

static EmbargoTransaction *
order (void)
{
  char *text = NULL;
  gsize len = 0;
  CU_ASSERT_FATAL (g_file_get_contents (ORDER, &text, &len, NULL));
  EmbargoTransaction *t = embargo_transaction_new_from_data (text, len, "order.yaml", NULL, NULL);
  g_free (text);
  CU_ASSERT_PTR_NOT_NULL_FATAL (t);
  return t;
}

static gboolean
message_names (const GError *e, const char *type)
{
  return e != NULL && strstr (e->message, type) != NULL && strstr (e->message, "version 7") != NULL;
}

static void
test_versions_refused (void)
{
  const char *paths[] = { RULES, NULL };
  g_autoptr (EmbargoRuleset) rs = embargo_ruleset_new_from_paths (paths, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  g_autoptr (EmbargoTransaction) t = order ();
  g_autoptr (GError) e = NULL;

  EmbargoEvalOptions eo = EMBARGO_EVAL_OPTIONS_INIT;
  eo.version = 7;
  CU_ASSERT_PTR_NULL (embargo_evaluate (rs, t, &eo, &e));
  CU_ASSERT_TRUE (message_names (e, "EmbargoEvalOptions"));
  g_clear_error (&e);
  const EmbargoTransaction *txns[] = { t };
  EmbargoDecision *out[1] = { NULL };
  CU_ASSERT_EQUAL (embargo_evaluate_all (rs, txns, 1, &eo, out, &e), 0);
  CU_ASSERT_PTR_NULL (out[0]);
  CU_ASSERT_TRUE (message_names (e, "EmbargoEvalOptions"));
  g_clear_error (&e);

  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.version = 7;
  CU_ASSERT_PTR_NULL (embargo_transaction_new_from_data ("id: x", 5, "x.yaml", &lim, &e));
  CU_ASSERT_TRUE (message_names (e, "EmbargoLimits"));
  g_clear_error (&e);

  /* A loader with limits of another version never finishes. */
  g_autoptr (EmbargoLoader) ld = embargo_loader_new (&lim);
  embargo_loader_add_path (ld, RULES, NULL);
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, &e));
  CU_ASSERT_PTR_NOT_NULL (e);
  g_clear_error (&e);
  const EmbargoDiagnostics *diags = embargo_loader_get_diagnostics (ld);
  gboolean found = FALSE;
  for (gsize i = 0; i < embargo_diagnostics_get_count (diags); i++)
    found = found || strcmp (embargo_diagnostics_get (diags, i)->code, "E-VERSION") == 0;
  CU_ASSERT_TRUE (found);

  EmbargoBatchOptions bo = EMBARGO_BATCH_OPTIONS_INIT;
  bo.version = 7;
  CU_ASSERT_PTR_NULL (embargo_batch_new (rs, &bo, &e));
  CU_ASSERT_TRUE (message_names (e, "EmbargoBatchOptions"));
  g_clear_error (&e);

  EmbargoLintOptions lo = EMBARGO_LINT_OPTIONS_INIT;
  lo.version = 7;
  CU_ASSERT_PTR_NULL (embargo_lint (rs, &lo, &e));
  CU_ASSERT_TRUE (message_names (e, "EmbargoLintOptions"));
  g_clear_error (&e);

  g_autoptr (EmbargoScreener) s = embargo_screener_new ();
  EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
  q.name = "Huawei";
  q.version = 7;
  CU_ASSERT_PTR_NULL (embargo_screener_screen (s, &q, &e));
  CU_ASSERT_TRUE (message_names (e, "EmbargoScreenQuery"));
  g_clear_error (&e);

  /* The same calls with the _INIT versions work. */
  eo.version = EMBARGO_EVAL_OPTIONS_VERSION;
  g_autoptr (EmbargoDecision) d = embargo_evaluate (rs, t, &eo, &e);
  CU_ASSERT_PTR_NOT_NULL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_DENY);
}

static void
test_batch_counts_version (void)
{
  const char *paths[] = { RULES, NULL };
  g_autoptr (EmbargoRuleset) rs = embargo_ruleset_new_from_paths (paths, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  g_autoptr (EmbargoBatch) b = embargo_batch_new (rs, NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (b);
  static const char line[] = "{\"id\": \"A\", \"date\": \"2024-01-01\", \"destination\": "
                             "{\"country\": \"FR\"}, \"buyer\": {\"name\": \"X\", \"country\": \"FR\"}, "
                             "\"seller\": {\"name\": \"Y\", \"country\": \"FR\"}, "
                             "\"items\": [{\"id\": \"1\", \"eccn\": \"EAR99\", \"origin\": \"FR\"}]}\n";
  embargo_batch_push (b, line, strlen (line), 1);
  gsize len;
  g_free (embargo_batch_pop (b, &len));
  EmbargoBatchCounts c = EMBARGO_BATCH_COUNTS_INIT;
  CU_ASSERT_TRUE (embargo_batch_get_counts (b, &c));
  CU_ASSERT_EQUAL (c.version, EMBARGO_BATCH_COUNTS_VERSION);
  CU_ASSERT_EQUAL (c.lines, 1);
  EmbargoBatchCounts old = { .version = 7, .lines = 99 };
  CU_ASSERT_FALSE (embargo_batch_get_counts (b, &old));
  CU_ASSERT_EQUAL (old.lines, 99);
}

static guint criticals;

static void
count_criticals (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
  if (level & G_LOG_LEVEL_CRITICAL)
    criticals++;
}

/* Outcome getters on NULL: a critical, and DENY (never ALLOW, the enum's zero). */
static void
test_null_getters_deny (void)
{
  GLogFunc old = g_log_set_default_handler (count_criticals, NULL);
  GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  criticals = 0;
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (NULL), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_EQUAL (embargo_decision_get_regime_outcome (NULL, "US-EAR"), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_EQUAL (embargo_screen_result_get_outcome (NULL), EMBARGO_OUTCOME_DENY);
  g_log_set_always_fatal (fatal);
  g_log_set_default_handler (old, NULL);
  CU_ASSERT_EQUAL (criticals, 3);
}

void
register_contract_tests (void)
{
  static const TestDef tests[] = {
    { "options structs of another version are refused", test_versions_refused },
    { "batch counts carry a version", test_batch_counts_version },
    { "outcome getters on NULL give DENY", test_null_getters_deny },
    { NULL, NULL },
  };
  add_suite ("contract", tests);
}
