/* test-api.c: the library API beyond what case files reach: building transactions by
 * hand, the JSON form, digests, loading from paths, many threads on one rule set. */
#include "tests.h"

#include <string.h>

void
add_suite (const char *name, const TestDef *tests)
{
  CU_pSuite s = CU_add_suite (name, NULL, NULL);
  for (const TestDef *t = tests; t->name; t++)
    CU_add_test (s, t->name, t->fn);
}

static const char rules_yaml[] =
  "defaults: {regime: CN-CAC, authority: CAC, citation: CAC 2023-05-21, "
  "source_url: https://example.org/cac, effective_from: 2023-05-21}\n"
  "lists:\n"
  "  - {id: micron, kind: names, members: [{name: Micron Technology, aliases: [Crucial]}]}\n"
  "rules:\n"
  "  - id: cac-micron\n"
  "    title: CIIOs must not buy Micron\n"
  "    effect: deny\n"
  "    message: \"{buyer.name} is a CIIO: do not buy {item.manufacturer} \\\"{item.part_number}\\\"\"\n"
  "    when:\n"
  "      - {field: buyer.country, equals: CN}\n"
  "      - {field: buyer.ciio, equals: true}\n"
  "      - {field: item.manufacturer, in_list: micron}\n";

static EmbargoRuleset *
load_rules (void)
{
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rules_yaml, strlen (rules_yaml),
                                                      "cac.yaml", &e);
  if (rs == NULL)
    fprintf (stderr, "%s\n", e->message);
  g_clear_error (&e);
  return rs;
}

static EmbargoTransaction *
build_txn (gboolean ciio)
{
  EmbargoTransaction *t = embargo_transaction_new ("PO-1", "2023-06-15");
  embargo_transaction_set_string (t, "destination.country", "CN", NULL);
  embargo_transaction_set_string (t, "buyer.name", "Grid \"Dispatch\"", NULL);
  embargo_transaction_set_string (t, "buyer.country", "CN", NULL);
  embargo_transaction_set_bool (t, "buyer.ciio", ciio, NULL);
  gsize i = embargo_transaction_add_item (t, "1");
  CU_ASSERT_EQUAL (i, 0);
  embargo_transaction_set_string (t, "items.0.manufacturer", "CRUCIAL", NULL);
  embargo_transaction_set_string (t, "items.0.part_number", "CT8G", NULL);
  embargo_transaction_set_number (t, "items.0.us_content_pct", 100, NULL);
  embargo_transaction_append_string (t, "end_use", "civil", NULL);
  return t;
}

static void
test_builder_decides (void)
{
  EmbargoRuleset *rs = load_rules ();
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoTransaction *t = build_txn (TRUE);
  GError *e = NULL;
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_STRING_EQUAL (embargo_rule_get_id (embargo_decision_get_rule (d)), "cac-micron");
  CU_ASSERT_STRING_EQUAL (embargo_decision_get_message (d),
                          "Grid \"Dispatch\" is a CIIO: do not buy CRUCIAL \"CT8G\"");
  CU_ASSERT_EQUAL (embargo_decision_get_item_count (d), 1);
  CU_ASSERT_STRING_EQUAL (embargo_decision_get_item_id (d, 0), "1");
  CU_ASSERT_EQUAL (embargo_decision_get_regime_outcome (d, "CN-CAC"), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_EQUAL (embargo_decision_get_regime_outcome (d, "EU"), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_EQUAL (embargo_decision_get_match_count (d), 1);
  CU_ASSERT_EQUAL (embargo_decision_get_match (d, 0)->status, EMBARGO_MATCH_DECISIVE);
  CU_ASSERT_PTR_NULL (embargo_decision_get_match (d, 1));
  /* The decision keeps the rule set alive. */
  embargo_ruleset_unref (rs);
  CU_ASSERT_STRING_EQUAL (embargo_rule_get_citation (embargo_decision_get_rule (d)),
                          "CAC 2023-05-21");
  embargo_decision_free (d);
  embargo_transaction_free (t);
}

static void
test_builder_invalid (void)
{
  EmbargoRuleset *rs = load_rules ();
  EmbargoTransaction *t = embargo_transaction_new ("PO-2", "2023-13-01");
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_evaluate (rs, t, NULL, &e));
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID));
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "'date': '2023-13-01' is not a valid date"));
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "'destination' is required"));
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "'items' is required"));
  g_clear_error (&e);
  /* A path through a value that is not a mapping is refused. */
  embargo_transaction_set_string (t, "buyer", "just a name", NULL);
  CU_ASSERT_FALSE (embargo_transaction_set_string (t, "buyer.country", "CN", &e));
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
  g_clear_error (&e);
  CU_ASSERT_FALSE (embargo_transaction_set_string (t, "items.5.id", "x", &e));
  g_clear_error (&e);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
}

static void
test_as_of_bad (void)
{
  EmbargoRuleset *rs = load_rules ();
  EmbargoTransaction *t = build_txn (TRUE);
  EmbargoEvalOptions o = EMBARGO_EVAL_OPTIONS_INIT;
  o.as_of = "2023-02-29";
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_evaluate (rs, t, &o, &e));
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_BAD_DATE));
  g_clear_error (&e);
  o.as_of = "2023-05-20"; /* the day before: not in force */
  EmbargoDecision *d = embargo_evaluate (rs, t, &o, &e);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_ALLOW);
  CU_ASSERT_PTR_NULL (embargo_decision_get_rule (d));
  CU_ASSERT_STRING_EQUAL (embargo_decision_get_as_of (d), "2023-05-20");
  embargo_decision_free (d);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
}

static void
test_json_output (void)
{
  EmbargoRuleset *rs = load_rules ();
  EmbargoTransaction *t = build_txn (TRUE);
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, NULL);
  g_autofree char *json = embargo_decision_to_json (d);
  g_autofree char *expected = g_strdup_printf (
    "{\"transaction\":\"PO-1\",\"decision\":\"deny\",\"rule\":{\"id\":\"cac-micron\","
    "\"title\":\"CIIOs must not buy Micron\",\"regime\":\"CN-CAC\",\"authority\":\"CAC\","
    "\"citation\":\"CAC 2023-05-21\",\"source_url\":\"https://example.org/cac\","
    "\"source\":\"cac.yaml:5\",\"effect\":\"deny\",\"effective_from\":\"2023-05-21\"},"
    "\"message\":\"Grid \\\"Dispatch\\\" is a CIIO: do not buy CRUCIAL \\\"CT8G\\\"\","
    "\"items\":[{\"id\":\"1\",\"decision\":\"deny\",\"rule\":{\"id\":\"cac-micron\"}}],"
    "\"regimes\":{\"CN-CAC\":\"deny\"},"
    "\"matched\":[{\"rule\":\"cac-micron\",\"item\":\"1\",\"effect\":\"deny\","
    "\"status\":\"decisive\"}],\"missing\":[],"
    "\"stand_ins\":[{\"role\":\"consignee\",\"by\":\"buyer\"},"
    "{\"role\":\"end_user\",\"by\":\"buyer\"}],\"as_of\":\"2023-06-15\","
    "\"ruleset\":{\"digest\":\"%s\",\"rules\":1}}",
    embargo_ruleset_get_digest (rs));
  CU_ASSERT_STRING_EQUAL (json, expected);
  if (strcmp (json, expected) != 0)
    fprintf (stderr, "\ngot      %s\nexpected %s\n", json, expected);
  embargo_decision_free (d);
  embargo_transaction_free (t);

  /* Unknown ciio: review, with the missing fact and "unknown" in matched. */
  t = build_txn (TRUE);
  embargo_transaction_free (t);
  const char *doc = "{\"id\":\"PO-3\",\"date\":\"2023-06-15\",\"destination\":{\"country\":\"CN\"},"
                    "\"buyer\":{\"name\":\"B\",\"country\":\"CN\"},"
                    "\"items\":[{\"id\":\"7\",\"manufacturer\":\"Micron Technology, Inc.\"}]}";
  t = embargo_transaction_new_from_data (doc, strlen (doc), "po3.json", NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (t);
  d = embargo_evaluate (rs, t, NULL, NULL);
  g_autofree char *j2 = embargo_decision_to_json (d);
  CU_ASSERT_PTR_NOT_NULL (strstr (j2, "\"decision\":\"review\""));
  CU_ASSERT_PTR_NOT_NULL (strstr (
    j2, "\"matched\":[{\"rule\":\"cac-micron\",\"item\":\"7\",\"effect\":\"review\","
        "\"status\":\"decisive\",\"unknown\":true}]"));
  CU_ASSERT_PTR_NOT_NULL (strstr (
    j2, "\"missing\":[{\"rule\":\"cac-micron\",\"field\":\"buyer.ciio\",\"item\":\"7\"}]"));
  embargo_decision_free (d);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
}

static void
test_digest (void)
{
  EmbargoRuleset *a = load_rules (), *b = load_rules ();
  const char *da = embargo_ruleset_get_digest (a);
  CU_ASSERT_EQUAL (strlen (da), 7 + 64);
  CU_ASSERT_TRUE (g_str_has_prefix (da, "sha256:"));
  CU_ASSERT_STRING_EQUAL (da, embargo_ruleset_get_digest (b));
  /* One byte more is another rule set. */
  g_autofree char *more = g_strconcat (rules_yaml, "\n", NULL);
  EmbargoRuleset *c = embargo_ruleset_new_from_data (more, strlen (more), "cac.yaml", NULL);
  CU_ASSERT_STRING_NOT_EQUAL (da, embargo_ruleset_get_digest (c));
  /* sha256 of: 8-byte little-endian length, then the bytes */
  GChecksum *ck = g_checksum_new (G_CHECKSUM_SHA256);
  guint64 n = GUINT64_TO_LE ((guint64) strlen (rules_yaml));
  g_checksum_update (ck, (const guchar *) &n, 8);
  g_checksum_update (ck, (const guchar *) rules_yaml, strlen (rules_yaml));
  CU_ASSERT_STRING_EQUAL (da + 7, g_checksum_get_string (ck));
  g_checksum_free (ck);
  embargo_ruleset_unref (a);
  embargo_ruleset_unref (b);
  embargo_ruleset_unref (c);
}

static void
test_load_paths (void)
{
  const char *paths[] = { EMBARGO_SOURCE_DIR "/rules", NULL };
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_paths (paths, &e);
  if (rs == NULL)
    fprintf (stderr, "\n%s\n", e->message);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  CU_ASSERT_PTR_NOT_NULL (embargo_ruleset_lookup_rule (rs, "cn-cac-micron-ciio"));
  CU_ASSERT_PTR_NULL (embargo_ruleset_lookup_rule (rs, "no-such-rule"));
  CU_ASSERT_TRUE (embargo_ruleset_get_rule_count (rs) >= 3);
  embargo_ruleset_unref (rs);

  const char *missing[] = { "/nonexistent/rules", NULL };
  CU_ASSERT_PTR_NULL (embargo_ruleset_new_from_paths (missing, &e));
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO));
  g_clear_error (&e);
}

static void
test_loader_diagnostics_api (void)
{
  EmbargoLoader *ld = embargo_loader_new (NULL);
  const char *bad = "rules:\n  - {id: a, title: a, regime: T, authority: A, citation: c,\n"
                    "     source_url: https://x.org, effective_from: 2020-01-01, effect: nope}\n";
  GError *e = NULL;
  CU_ASSERT_FALSE (embargo_loader_add_data (ld, bad, strlen (bad), "bad.yaml", &e));
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
  g_clear_error (&e);
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, &e));
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "bad.yaml:3:69: error: effect must be deny"));
  g_clear_error (&e);
  const EmbargoDiagnostics *d = embargo_loader_get_diagnostics (ld);
  CU_ASSERT_EQUAL (embargo_diagnostics_get_count (d), 1);
  const EmbargoDiagnostic *x = embargo_diagnostics_get (d, 0);
  CU_ASSERT_STRING_EQUAL (x->code, "E-VALUE");
  CU_ASSERT_EQUAL (x->line, 3);
  CU_ASSERT_EQUAL (x->column, 69);
  g_autofree char *line = embargo_diagnostic_format (x);
  CU_ASSERT_STRING_EQUAL (line, "bad.yaml:3:69: error: effect must be deny, license_required, "
                                "review or allow, not 'nope' [E-VALUE]");
  CU_ASSERT_PTR_NULL (embargo_diagnostics_get (d, 1));
  embargo_loader_free (ld);
  embargo_loader_free (NULL);
  embargo_ruleset_unref (NULL);
  embargo_decision_free (NULL);
  embargo_transaction_free (NULL);
}

/* A program that reads rule files itself reports what it could not read through the
 * loader, and the load then fails: an unread file is never skipped. */
static void
test_loader_add_error (void)
{
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.max_input_bytes = 4096;
  EmbargoLoader *ld = embargo_loader_new (&lim);
  CU_ASSERT_EQUAL (embargo_loader_get_limits (ld)->max_input_bytes, 4096);
  CU_ASSERT_TRUE (embargo_loader_add_data (ld, rules_yaml, strlen (rules_yaml), "cac.yaml", NULL));
  embargo_loader_add_error (ld, "E-IO", "db://rules/7", 0, 0, "connection reset");
  embargo_loader_add_error (ld, "E-LOCK", "embargo.lock", 3, 1, "bad digest");
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, &e));
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
  g_clear_error (&e);
  const EmbargoDiagnostics *d = embargo_loader_get_diagnostics (ld);
  CU_ASSERT_EQUAL (embargo_diagnostics_get_count (d), 2);
  g_autofree char *first = embargo_diagnostic_format (embargo_diagnostics_get (d, 0));
  g_autofree char *second = embargo_diagnostic_format (embargo_diagnostics_get (d, 1));
  CU_ASSERT_STRING_EQUAL (first, "db://rules/7: error: connection reset [E-IO]");
  CU_ASSERT_STRING_EQUAL (second, "embargo.lock:3:1: error: bad digest [E-LOCK]");
  embargo_loader_free (ld);
}

/* The position of a case's transaction_file, for a reader that reports a file it could not
 * read where the case names it. */
static void
test_suite_transaction_file_position (void)
{
  const char *suite = "cases:\n"
                      "  - name: inline\n"
                      "    transaction: {id: T, date: 2024-01-01, destination: {country: CN}, "
                      "buyer: {name: B, country: CN}, seller: {name: S, country: US}, "
                      "end_use: [civil], items: [{id: '1'}]}\n"
                      "    expect: {decision: allow}\n"
                      "  - name: from a file\n"
                      "    transaction_file:   orders/po-7.yaml\n"
                      "    expect: {decision: deny}\n";
  GError *e = NULL;
  EmbargoSuite *s = embargo_suite_new_from_data (suite, strlen (suite), "t.tests.yaml", &e);
  if (s == NULL)
    fprintf (stderr, "%s\n", e->message);
  CU_ASSERT_PTR_NOT_NULL_FATAL (s);
  unsigned line = 99, col = 99;
  CU_ASSERT_FALSE (embargo_suite_get_transaction_file_position (s, 0, &line, &col));
  CU_ASSERT_EQUAL (line, 99);
  CU_ASSERT_TRUE (embargo_suite_get_transaction_file_position (s, 1, &line, &col));
  CU_ASSERT_EQUAL (line, 6);
  CU_ASSERT_EQUAL (col, 25);
  CU_ASSERT_FALSE (embargo_suite_get_transaction_file_position (s, 2, &line, NULL));
  embargo_suite_free (s);
}

static void
test_version_and_names (void)
{
  CU_ASSERT_EQUAL (embargo_version_number (), EMBARGO_VERSION_NUMBER);
  CU_ASSERT_STRING_EQUAL (embargo_version_string (), EMBARGO_VERSION_STRING);
  EmbargoOutcome o;
  CU_ASSERT_TRUE (embargo_outcome_from_string ("license_required", &o));
  CU_ASSERT_EQUAL (o, EMBARGO_OUTCOME_LICENSE_REQUIRED);
  CU_ASSERT_FALSE (embargo_outcome_from_string ("permit", &o));
  CU_ASSERT_STRING_EQUAL (embargo_outcome_to_string (EMBARGO_OUTCOME_REVIEW), "review");
  CU_ASSERT_STRING_EQUAL (embargo_outcome_to_string ((EmbargoOutcome) 9), "unknown");
  static const struct { const char *in, *out; } names[] = {
    { "Huawei Technologies Co., Ltd.", "huawei technologies" },
    { "LTD HUAWEI TECHNOLOGIES", "huawei technologies" },
    { "Société Générale S.A.", "generale societe" },
    { "Company Limited", "company limited" },
    { "  ", "" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *n = embargo_name_normalize (names[i].in, -1);
      CU_ASSERT_STRING_EQUAL (n, names[i].out);
    }
  g_autofree char *bad = embargo_name_normalize ("\xff\xfe", 2);
  CU_ASSERT_STRING_EQUAL (bad, "");
}

/* ---- threads ---- */

typedef struct {
  EmbargoRuleset *rs;
  EmbargoTransaction *deny, *allow;
  int mismatches;
} ThreadWork;

static gpointer
worker (gpointer p)
{
  ThreadWork *w = p;
  int bad = 0;
  for (int i = 0; i < 2000; i++)
    {
      EmbargoDecision *d = embargo_evaluate (w->rs, (i & 1) ? w->allow : w->deny, NULL, NULL);
      EmbargoOutcome want = (i & 1) ? EMBARGO_OUTCOME_ALLOW : EMBARGO_OUTCOME_DENY;
      if (d == NULL || embargo_decision_get_outcome (d) != want)
        bad++;
      embargo_decision_free (d);
    }
  return GINT_TO_POINTER (bad);
}

static void
test_threads_share_ruleset (void)
{
  ThreadWork w = { load_rules (), build_txn (TRUE), build_txn (FALSE), 0 };
  /* Parsed transactions are checked once; built ones at each evaluation: use both. */
  GThread *th[8];
  for (int i = 0; i < 8; i++)
    th[i] = g_thread_new ("eval", worker, &w);
  int bad = 0;
  for (int i = 0; i < 8; i++)
    bad += GPOINTER_TO_INT (g_thread_join (th[i]));
  CU_ASSERT_EQUAL (bad, 0);
  embargo_ruleset_unref (w.rs);
  embargo_transaction_free (w.deny);
  embargo_transaction_free (w.allow);
}

/* An item with hundreds of candidate rules from several index buckets, some found
 * twice: they are evaluated once each, in load order (the long-list sort), and the
 * first loaded of the most severe decides. */
static void
test_many_candidates (void)
{
  GString *y = g_string_new ("defaults: {regime: T, authority: T, citation: t, "
                             "source_url: https://example.org, effective_from: 2020-01-01}\n"
                             "rules:\n");
  for (int k = 0; k < 300; k++)
    g_string_append_printf (y, "  - {id: r%03d, title: r, effect: %s, when: %s}\n", k,
                            k % 7 == 3 ? "deny" : "review",
                            k % 3 == 0   ? "{field: buyer.country, equals: RU}"
                            : k % 3 == 1 ? "{field: item.eccn, equals: 3A001}"
                                         : "{field: item.eccn, prefix: [\"3\", \"3A\"]}");
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (y->str, y->len, "many.yaml", &e);
  g_string_free (y, TRUE);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  static const char txn[] = "{\"id\": \"T\", \"date\": \"2024-01-01\", "
                            "\"destination\": {\"country\": \"RU\"}, "
                            "\"buyer\": {\"name\": \"B\", \"country\": \"RU\"}, "
                            "\"items\": [{\"id\": \"1\", \"eccn\": \"3A001\"}]}";
  EmbargoTransaction *t = embargo_transaction_new_from_data (txn, strlen (txn), "t.json", NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (t);
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_STRING_EQUAL (embargo_rule_get_id (embargo_decision_get_rule (d)), "r003");
  CU_ASSERT_EQUAL (embargo_decision_get_match_count (d), 300);
  gsize in_order = 0;
  for (gsize i = 0; i < embargo_decision_get_match_count (d); i++)
    in_order += embargo_rule_get_index (embargo_decision_get_match (d, i)->rule) == i;
  CU_ASSERT_EQUAL (in_order, 300);
  embargo_decision_free (d);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
}

/* embargo_evaluate_all decides as a loop of embargo_evaluate does, entry for entry:
 * the same JSON for each transaction, parsed and built, with and without as_of; NULL
 * for the one that breaks the schema, with its error; nothing at all for a bad as_of. */
static void
test_evaluate_all (void)
{
  EmbargoRuleset *rs = load_rules ();
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoTransaction *txns[12];
  for (int i = 0; i < 12; i++)
    {
      if (i == 7)
        txns[i] = embargo_transaction_new ("PO-bad", "2023-13-01"); /* breaks the schema */
      else if (i % 3 == 0)
        txns[i] = build_txn (i % 2 == 0);
      else
        {
          g_autofree char *text = g_strdup_printf (
              "{\"id\": \"P%d\", \"date\": \"2023-0%d-01\", \"destination\": {\"country\": \"CN\"},"
              " \"buyer\": {\"name\": \"B\", \"country\": \"CN\"%s},"
              " \"items\": [{\"id\": \"1\", \"manufacturer\": \"%s\"}]}",
              i, 1 + i % 9, i % 2 ? ", \"ciio\": true" : "", i % 4 ? "Micron Technology" : "Acme");
          txns[i] = embargo_transaction_new_from_data (text, strlen (text), "t.json", NULL, NULL);
        }
      CU_ASSERT_PTR_NOT_NULL_FATAL (txns[i]);
    }
  const char *as_ofs[] = { NULL, "2023-05-20", "2024-01-01" };
  for (guint a = 0; a < G_N_ELEMENTS (as_ofs); a++)
    {
      EmbargoEvalOptions opts = EMBARGO_EVAL_OPTIONS_INIT;
      opts.as_of = as_ofs[a];
      EmbargoDecision *all[12];
      GError *e = NULL;
      gsize decided = embargo_evaluate_all (rs, (const EmbargoTransaction *const *) txns, 12,
                                            &opts, all, &e);
      CU_ASSERT_EQUAL (decided, 11);
      CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID));
      g_clear_error (&e);
      gsize denied = 0;
      for (int i = 0; i < 12; i++)
        {
          EmbargoDecision *one = embargo_evaluate (rs, txns[i], &opts, NULL);
          CU_ASSERT_EQUAL (all[i] == NULL, i == 7);
          if (one && all[i])
            {
              g_autofree char *j1 = embargo_decision_to_json (one);
              g_autofree char *j2 = embargo_decision_to_json (all[i]);
              CU_ASSERT_STRING_EQUAL (j1, j2);
              denied += embargo_decision_get_outcome (all[i]) == EMBARGO_OUTCOME_DENY;
            }
          embargo_decision_free (one);
          embargo_decision_free (all[i]);
        }
      /* CIIOs buying Micron are denied from the rule's day, 2023-05-21: three on their
       * own dates (PO-1 twice, P5), none as of the day before, five as of 2024. */
      CU_ASSERT_EQUAL (denied, a == 0 ? 3 : a == 1 ? 0 : 5);
    }
  EmbargoEvalOptions bad = EMBARGO_EVAL_OPTIONS_INIT;
  bad.as_of = "2023-02-30";
  EmbargoDecision *none[12];
  GError *e = NULL;
  CU_ASSERT_EQUAL (embargo_evaluate_all (rs, (const EmbargoTransaction *const *) txns, 12, &bad,
                                         none, &e),
                   0);
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_BAD_DATE));
  g_clear_error (&e);
  for (int i = 0; i < 12; i++)
    CU_ASSERT_PTR_NULL (none[i]);
  CU_ASSERT_EQUAL (embargo_evaluate_all (rs, NULL, 0, NULL, NULL, NULL), 0);
  for (int i = 0; i < 12; i++)
    embargo_transaction_free (txns[i]);
  embargo_ruleset_unref (rs);
}

/* Stand-in roles in the decision: none when every role is named; the consignee for an
 * absent end user; the buyer for both when neither is named. */
static void
test_stand_ins (void)
{
  EmbargoRuleset *rs = load_rules ();
  static const struct {
    const char *parties;
    gsize n;
    const char *role0, *by0, *role1, *by1;
  } cases[] = {
    { "\"consignee\":{\"name\":\"C\"},\"end_user\":{\"name\":\"E\"}", 0, NULL, NULL, NULL, NULL },
    { "\"consignee\":{\"name\":\"C\"}", 1, "end_user", "consignee", NULL, NULL },
    { "\"consignee\":null,\"end_user\":{\"name\":\"E\"}", 1, "consignee", "buyer", NULL, NULL },
    { "\"seller\":{\"name\":\"S\"}", 2, "consignee", "buyer", "end_user", "buyer" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *doc = g_strdup_printf (
        "{\"id\":\"S\",\"date\":\"2023-06-15\",\"destination\":{\"country\":\"CN\"},"
        "\"buyer\":{\"name\":\"B\"},%s,\"items\":[{\"id\":\"1\"}]}", cases[i].parties);
      EmbargoTransaction *t = embargo_transaction_new_from_data (doc, strlen (doc), "s.json",
                                                                 NULL, NULL);
      CU_ASSERT_PTR_NOT_NULL_FATAL (t);
      EmbargoDecision *d = embargo_evaluate (rs, t, NULL, NULL);
      CU_ASSERT_EQUAL (embargo_decision_get_stand_in_count (d), cases[i].n);
      const EmbargoStandIn *a = embargo_decision_get_stand_in (d, 0);
      const EmbargoStandIn *b = embargo_decision_get_stand_in (d, 1);
      if (cases[i].n >= 1 && a)
        {
          CU_ASSERT_STRING_EQUAL (a->role, cases[i].role0);
          CU_ASSERT_STRING_EQUAL (a->by, cases[i].by0);
        }
      if (cases[i].n == 2 && b)
        {
          CU_ASSERT_STRING_EQUAL (b->role, cases[i].role1);
          CU_ASSERT_STRING_EQUAL (b->by, cases[i].by1);
        }
      CU_ASSERT_PTR_NULL (embargo_decision_get_stand_in (d, cases[i].n));
      g_autofree char *json = embargo_decision_to_json (d);
      CU_ASSERT_EQUAL (strstr (json, "\"stand_ins\":") != NULL, cases[i].n != 0);
      embargo_decision_free (d);
      embargo_transaction_free (t);
    }
  embargo_ruleset_unref (rs);
}

/* A regime looked up by a name the rule set does not have is never ALLOW: DENY from
 * the plain accessor, an error from the lookup; known regimes answer as before. */
static void
test_regime_lookup_fails_closed (void)
{
  static const char rules[] =
    "defaults: {authority: A, citation: test, source_url: https://example.org, "
    "effective_from: 2020-01-01}\n"
    "rules:\n"
    "  - {id: cuba, title: t, regime: US-OFAC, effect: deny, when: "
    "{field: destination.country, equals: CU}}\n"
    "  - {id: ear, title: t, regime: US-EAR, effect: review, when: "
    "{field: destination.country, equals: CU}}\n";
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rules, strlen (rules), "r.yaml", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  const char *doc = "{\"id\":\"R\",\"date\":\"2024-01-01\",\"destination\":{\"country\":"
                    "\"DE\"},\"buyer\":{\"name\":\"B\"},\"items\":[{\"id\":\"1\"}]}";
  EmbargoTransaction *t = embargo_transaction_new_from_data (doc, strlen (doc), "r.json", NULL,
                                                             NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (t);
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_ALLOW);
  CU_ASSERT_EQUAL (embargo_decision_get_regime_outcome (d, "US-OFAC"), EMBARGO_OUTCOME_ALLOW);
  CU_ASSERT_EQUAL (embargo_decision_get_regime_outcome (d, "US-OFAK"), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_EQUAL (embargo_decision_get_regime_outcome (d, "us-ofac"), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_EQUAL (embargo_decision_get_regime_outcome (d, ""), EMBARGO_OUTCOME_DENY);
  EmbargoOutcome o = EMBARGO_OUTCOME_REVIEW;
  GError *e = NULL;
  CU_ASSERT_TRUE (embargo_decision_lookup_regime_outcome (d, "US-EAR", &o, &e));
  CU_ASSERT_EQUAL (o, EMBARGO_OUTCOME_ALLOW);
  CU_ASSERT_PTR_NULL (e);
  CU_ASSERT_FALSE (embargo_decision_lookup_regime_outcome (d, "US-OFAK", &o, &e));
  CU_ASSERT_EQUAL (o, EMBARGO_OUTCOME_DENY);
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  CU_ASSERT_TRUE (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_UNKNOWN_NAME));
  CU_ASSERT_STRING_EQUAL (e->message, "unknown regime 'US-OFAK': the rule set has US-EAR, US-OFAC");
  g_clear_error (&e);
  CU_ASSERT_FALSE (embargo_decision_lookup_regime_outcome (d, "US-OFAK", NULL, NULL));
  embargo_decision_free (d);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
}

/* An exception needs certain identity: a consignee that only resembles the VEU entry
 * leaves it unknown, with a note saying why; an exact alias, or an identifier of the
 * entry whatever the name, lets it apply, with no note. */
static void
test_exception_certain_identity (void)
{
  static const char rules[] =
    "defaults: {regime: US-EAR, authority: BIS, citation: test, source_url: "
    "https://example.org, effective_from: 2020-01-01}\n"
    "lists:\n"
    "  - id: veu\n"
    "    kind: names\n"
    "    members:\n"
    "      - {name: \"Samsung China Semiconductor Co., Ltd.\", aliases: [SCS Xian], "
    "country: CN, ids: {registration: \"9161\"}}\n"
    "rules:\n"
    "  - {id: fab, title: fab, effect: license_required, when: {field: destination.country, "
    "equals: CN}}\n"
    "  - {id: veu-x, title: VEU, effect: allow, lifts: [fab], when: {party: [consignee], "
    "when: {field: party.name, in_list: veu}}}\n";
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rules, strlen (rules), "r.yaml", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  static const struct {
    const char *consignee;
    EmbargoOutcome outcome;
    const char *note;
  } cases[] = {
    { "{\"name\":\"Samsung China Semiconductors\",\"country\":\"CN\"}",
      EMBARGO_OUTCOME_LICENSE_REQUIRED,
      "exception 'veu-x' not applied: the consignee 'Samsung China Semiconductors' only "
      "resembles 'Samsung China Semiconductor Co., Ltd.' on list 'veu' (a fuzzy match, score "
      "0.9" },
    { "{\"name\":\"scs xian\",\"country\":\"CN\"}", EMBARGO_OUTCOME_ALLOW, NULL },
    { "{\"name\":\"SCS Xi'an Fab\",\"country\":\"CN\",\"ids\":{\"registration\":\"9161\"}}",
      EMBARGO_OUTCOME_ALLOW, NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *doc = g_strdup_printf (
        "{\"id\":\"V\",\"date\":\"2024-05-01\",\"destination\":{\"country\":\"CN\"},"
        "\"buyer\":{\"name\":\"B\"},\"consignee\":%s,\"items\":[{\"id\":\"1\"},"
        "{\"id\":\"2\"}]}", cases[i].consignee);
      EmbargoTransaction *t = embargo_transaction_new_from_data (doc, strlen (doc), "v.json",
                                                                 NULL, NULL);
      CU_ASSERT_PTR_NOT_NULL_FATAL (t);
      EmbargoDecision *d = embargo_evaluate (rs, t, NULL, NULL);
      CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), cases[i].outcome);
      /* One note per exception, on the first item, however many items there are. */
      CU_ASSERT_EQUAL (embargo_decision_get_note_count (d), cases[i].note ? 1u : 0u);
      const EmbargoNote *n = embargo_decision_get_note (d, 0);
      g_autofree char *json = embargo_decision_to_json (d);
      if (cases[i].note && n)
        {
          CU_ASSERT_STRING_EQUAL (embargo_rule_get_id (n->rule), "veu-x");
          CU_ASSERT_EQUAL (n->item, 0);
          if (!g_str_has_prefix (n->text, cases[i].note))
            fprintf (stderr, "\nnote: %s\n", n->text);
          CU_ASSERT_TRUE (g_str_has_prefix (n->text, cases[i].note));
          CU_ASSERT_PTR_NOT_NULL (strstr (json, "\"notes\":[{\"rule\":\"veu-x\",\"item\":\"1\","
                                                "\"note\":\"exception 'veu-x' not applied"));
        }
      else
        CU_ASSERT_PTR_NULL (strstr (json, "\"notes\""));
      CU_ASSERT_PTR_NULL (embargo_decision_get_note (d, 1));
      embargo_decision_free (d);
      embargo_transaction_free (t);
    }
  embargo_ruleset_unref (rs);
}

/* A made-up two-word name for member @i of a long list: distinct for every i below
 * 248,832 (five syllables of twelve). */
static void
append_long_list_name (GString *out, guint i)
{
  static const char *const syllables[] = { "ka", "ri", "mo", "sen", "ta", "vo",
                                           "lin", "de", "ur", "bas", "ne", "zu" };
  for (guint k = 0, x = i; k < 5; k++, x /= 12)
    g_string_append (out, syllables[x % 12]);
  g_string_append_c (out, ' ');
  g_string_append (out, syllables[(i * 7) % 12]);
  g_string_append (out, syllables[(i / 12 + 5) % 12]);
}

/* The outcome of @rs for an order of one item to Germany bought by @buyer. */
static EmbargoOutcome
outcome_for_buyer (EmbargoRuleset *rs, const char *buyer)
{
  g_autofree char *doc = g_strdup_printf (
    "{\"id\":\"L\",\"date\":\"2024-05-01\",\"destination\":{\"country\":\"DE\"},"
    "\"buyer\":{\"name\":\"%s\"},\"items\":[{\"id\":\"1\"}]}", buyer);
  EmbargoTransaction *t = embargo_transaction_new_from_data (doc, strlen (doc), "l.json",
                                                             NULL, NULL);
  g_assert (t != NULL);
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, NULL);
  EmbargoOutcome outcome = embargo_decision_get_outcome (d);
  embargo_decision_free (d);
  embargo_transaction_free (t);
  return outcome;
}

/* A names list of 12,000 members (more than BUILD_WHILE_LOADING, screening.c) has its
 * words indexed while it loads, on another thread (ScreenIndexBuilder): its last
 * member and a misspelling of a middle one are denied, an unlisted name is not; a bad
 * member near its end fails the load and leaks nothing (valgrind, the sanitizers'
 * leak check), and ThreadSanitizer runs this suite. */
static void
test_long_names_list (void)
{
  const guint n = 12000;
  GString *yaml = g_string_new (
    "defaults: {regime: TEST, authority: test, citation: test, source_url: "
    "https://example.org, effective_from: 2020-01-01}\n"
    "rules:\n"
    "  - {id: listed, title: listed, effect: deny, when: {party: [buyer], when: "
    "{field: party.name, in_list: long}}}\n"
    "lists:\n"
    "  - id: long\n"
    "    kind: names\n"
    "    members:\n");
  for (guint i = 0; i < n; i++)
    {
      g_string_append (yaml, "      - \"");
      append_long_list_name (yaml, i);
      g_string_append (yaml, "\"\n");
    }
  g_autoptr (GString) last = g_string_new (NULL);
  append_long_list_name (last, n - 1);
  g_autoptr (GString) middle = g_string_new (NULL);
  append_long_list_name (middle, n / 2);
  middle->str[3] = middle->str[3] == 'x' ? 'y' : 'x'; /* a typo in the first word */
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (yaml->str, yaml->len, "long.yaml", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  CU_ASSERT_EQUAL (outcome_for_buyer (rs, last->str), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_EQUAL (outcome_for_buyer (rs, middle->str), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_EQUAL (outcome_for_buyer (rs, "Quorvex Plimbatt"), EMBARGO_OUTCOME_ALLOW);
  embargo_ruleset_unref (rs);

  /* A member that is not a name, near the end: the whole load fails. */
  g_string_append (yaml, "      - {name: [not, a, name]}\n");
  g_autoptr (GError) error = NULL;
  rs = embargo_ruleset_new_from_data (yaml->str, yaml->len, "long.yaml", &error);
  CU_ASSERT_PTR_NULL (rs);
  CU_ASSERT_PTR_NOT_NULL (error);
  g_string_free (yaml, TRUE);
}

void
register_api_tests (void)
{
  static const TestDef tests[] = {
    { "building a transaction by hand", test_builder_decides },
    { "a hand-built transaction that breaks the schema", test_builder_invalid },
    { "as-of dates", test_as_of_bad },
    { "decision JSON", test_json_output },
    { "rule-set digest", test_digest },
    { "loading from paths", test_load_paths },
    { "loader diagnostics API", test_loader_diagnostics_api },
    { "loader errors from outside", test_loader_add_error },
    { "a names list of 12,000 members", test_long_names_list },
    { "suite transaction_file position", test_suite_transaction_file_position },
    { "versions, outcomes, names", test_version_and_names },
    { "8 threads on one rule set", test_threads_share_ruleset },
    { "hundreds of candidates for one item", test_many_candidates },
    { "embargo_evaluate_all decides as embargo_evaluate", test_evaluate_all },
    { "stand-in roles in the decision", test_stand_ins },
    { "a regime looked up by an unknown name is never allow", test_regime_lookup_fails_closed },
    { "an exception needs certain identity", test_exception_certain_identity },
    { NULL, NULL },
  };
  add_suite ("api", tests);
}
