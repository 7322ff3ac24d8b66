/* test-screen-api.c: the public screening API of embargo.h, end to end.
 *
 * Lists from all three sources (a rule set's names lists, the SDN snapshot, the CSL
 * sample), queries with filters, errors and ownership of results; and screening
 * inside decisions through the API accessors. The SDN and CSL tests are skipped, with
 * a message, when ../shared/data is absent.
 */
#include <CUnit/Basic.h>
#include <embargo/embargo.h>
#include <string.h>

void register_screen_api_tests (const char *dir);
/* test-screen.c: counts a test skipped for want of data (main() exits 77 then). */
void screen_test_skipped (void);

static const char *data_dir;

static const char rules_yaml[] =
  "defaults: {regime: T, authority: Test, citation: test, source_url: https://example.org,"
  " effective_from: 2020-01-01}\n"
  "lists:\n"
  "  - id: watch\n"
  "    kind: names\n"
  "    screening: {match: 0.95, possible: 0.85}\n"
  "    members:\n"
  "      - {name: Rosoboronexport, aliases: [Rosoboroneksport], country: RU, type: entity}\n"
  "      - {name: 'NORIEGA, Manuel Antonio', type: individual, country: PA,"
  " ids: {passport: A123456}}\n"
  "  - id: plain\n"
  "    kind: names\n"
  "    members: [Acme Widgets]\n"
  "rules:\n"
  "  - id: watch-party\n"
  "    title: a watched party\n"
  "    effect: license_required\n"
  "    when: {party: any, when: {field: party.name, in_list: watch}}\n";

static EmbargoRuleset *
load_rules (void)
{
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rules_yaml, strlen (rules_yaml),
                                                      "rules.yaml", &e);
  if (rs == NULL)
    fprintf (stderr, "%s\n", e->message);
  g_clear_error (&e);
  return rs;
}

static void
test_ruleset_lists (void)
{
  EmbargoRuleset *rs = load_rules ();
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoScreener *s = embargo_screener_new ();
  GError *e = NULL;
  CU_ASSERT_FALSE (embargo_screener_add_ruleset (s, rs, "nope", &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
  g_clear_error (&e);
  CU_ASSERT (embargo_screener_add_ruleset (s, rs, NULL, &e));
  CU_ASSERT_EQUAL (embargo_screener_get_entry_count (s), 3);
  embargo_ruleset_unref (rs); /* the screener copied what it needs */

  EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
  q.name = "Rosoboronexprt";
  EmbargoScreenResult *r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (r);
  CU_ASSERT_EQUAL_FATAL (embargo_screen_result_get_count (r), 1);
  const EmbargoScreenCandidate *c = embargo_screen_result_get (r, 0);
  CU_ASSERT_STRING_EQUAL (c->list, "watch");
  CU_ASSERT_STRING_EQUAL (c->entry, "Rosoboronexport");
  CU_ASSERT_EQUAL (c->verdict, EMBARGO_SCREEN_MATCH);
  CU_ASSERT_EQUAL (c->effect, EMBARGO_OUTCOME_LICENSE_REQUIRED);
  CU_ASSERT_STRING_EQUAL (c->type, "entity");
  CU_ASSERT_EQUAL (embargo_screen_result_get_outcome (r), EMBARGO_OUTCOME_LICENSE_REQUIRED);
  CU_ASSERT_PTR_NULL (embargo_screen_result_get (r, 1));
  embargo_screen_result_free (r);

  /* The list's own thresholds: 0.913 lies between its possible (0.85) and match (0.95)
   * thresholds: a possible match, review. */
  q.name = "Manuel Noriega";
  r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_EQUAL_FATAL (embargo_screen_result_get_count (r), 1);
  CU_ASSERT_EQUAL (embargo_screen_result_get (r, 0)->verdict, EMBARGO_SCREEN_POSSIBLE);
  CU_ASSERT_EQUAL (embargo_screen_result_get_outcome (r), EMBARGO_OUTCOME_REVIEW);
  embargo_screen_result_free (r);

  /* Caller's thresholds override; identifiers are decisive both ways. */
  q.match_threshold = 0.90;
  r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_EQUAL (embargo_screen_result_get (r, 0)->verdict, EMBARGO_SCREEN_MATCH);
  embargo_screen_result_free (r);
  q.match_threshold = 0;
  const char *other[] = { "passport:Z999", NULL };
  q.ids = other;
  r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_EQUAL (embargo_screen_result_get_count (r), 0);
  CU_ASSERT_EQUAL (embargo_screen_result_get_outcome (r), EMBARGO_OUTCOME_ALLOW);
  embargo_screen_result_free (r);
  const char *same[] = { "Passport:A 123456", NULL };
  q.name = NULL;
  q.ids = same;
  r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_EQUAL_FATAL (embargo_screen_result_get_count (r), 1);
  CU_ASSERT (embargo_screen_result_get (r, 0)->by_identifier);
  CU_ASSERT_EQUAL (embargo_screen_result_get (r, 0)->verdict, EMBARGO_SCREEN_MATCH);
  embargo_screen_result_free (r);

  /* An unused list's matches deny. Frozen after the first query. */
  q.ids = NULL;
  q.name = "ACME WIDGETS";
  r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_EQUAL (embargo_screen_result_get_outcome (r), EMBARGO_OUTCOME_DENY);
  embargo_screen_result_free (r);
  CU_ASSERT_FALSE (embargo_screener_add_csl (s, "source,name\nX,Y\n", 15, "x.csv", &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_FAILED));
  g_clear_error (&e);
  embargo_screener_unref (s);
}

static void
test_query_errors (void)
{
  EmbargoScreener *s = embargo_screener_new ();
  EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_screener_screen (s, &q, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID));
  g_clear_error (&e);
  q.name = "x";
  q.type = "ship";
  CU_ASSERT_PTR_NULL (embargo_screener_screen (s, &q, &e));
  g_clear_error (&e);
  q.type = NULL;
  const char *bad[] = { "1084010", NULL };
  q.ids = bad;
  CU_ASSERT_PTR_NULL (embargo_screener_screen (s, &q, &e));
  g_clear_error (&e);
  q.ids = NULL;
  q.match_threshold = 0.5;
  q.possible_threshold = 0.7;
  CU_ASSERT_PTR_NULL (embargo_screener_screen (s, &q, &e));
  g_clear_error (&e);
  q.name = "\xff\xfe";
  q.match_threshold = q.possible_threshold = 0;
  CU_ASSERT_PTR_NULL (embargo_screener_screen (s, &q, &e));
  g_clear_error (&e);
  /* An empty screener screens to nothing. */
  q.name = "Anybody";
  EmbargoScreenResult *r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (r);
  CU_ASSERT_EQUAL (embargo_screen_result_get_count (r), 0);
  embargo_screener_unref (s); /* the result keeps it alive */
  CU_ASSERT_EQUAL (embargo_screen_result_get_outcome (r), EMBARGO_OUTCOME_ALLOW);
  embargo_screen_result_free (r);
  CU_ASSERT_STRING_EQUAL (embargo_screen_verdict_to_string (EMBARGO_SCREEN_MATCH), "match");
  CU_ASSERT_STRING_EQUAL (embargo_screen_verdict_to_string (0), "unknown");
}

static void
test_sdn_and_csl (void)
{
  g_autofree char *sdn_dir = g_build_filename (data_dir, "ofac-sdn-2021", NULL);
  g_autofree char *csl = g_build_filename (data_dir, "csl-sample", "csl.csv", NULL);
  if (!g_file_test (sdn_dir, G_FILE_TEST_IS_DIR) || !g_file_test (csl, G_FILE_TEST_EXISTS))
    {
      printf ("\n  skipped: no data in %s ", data_dir);
      screen_test_skipped ();
      return;
    }
  EmbargoScreener *s = embargo_screener_new ();
  GError *e = NULL;
  CU_ASSERT (embargo_screener_add_sdn_dir (s, sdn_dir, &e));
  CU_ASSERT (embargo_screener_add_csl_file (s, csl, &e));
  CU_ASSERT_FALSE (embargo_screener_add_sdn_dir (s, "/nonexistent", &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO));
  g_clear_error (&e);
  CU_ASSERT_FALSE (embargo_screener_add_sdn (s, "1,\"x\n", 5, NULL, 0, NULL, 0, NULL, 0, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX));
  g_clear_error (&e);
  CU_ASSERT (embargo_screener_get_entry_count (s) > 8976);

  EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
  q.name = "National Bank of Cuba";
  q.country = "Switzerland";
  EmbargoScreenResult *r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (r);
  CU_ASSERT_FATAL (embargo_screen_result_get_count (r) >= 1);
  const EmbargoScreenCandidate *c = embargo_screen_result_get (r, 0);
  CU_ASSERT_STRING_EQUAL (c->list, "SDN");
  CU_ASSERT_STRING_EQUAL (c->ref, "306");
  CU_ASSERT_STRING_EQUAL (c->entry, "BANCO NACIONAL DE CUBA");
  CU_ASSERT (c->alias);
  CU_ASSERT_EQUAL (c->verdict, EMBARGO_SCREEN_MATCH);
  CU_ASSERT_STRING_EQUAL (c->how, "exact");
  CU_ASSERT_EQUAL (embargo_screen_result_get_outcome (r), EMBARGO_OUTCOME_DENY);
  embargo_screen_result_free (r);

  /* Every candidate says how it matched: here through a transliteration of the
   * Cyrillic "Bank Melli Iran" (SDN 25578). */
  q.name = "\u0411\u0430\u043D\u043A \u041C\u0435\u043B\u043B\u0438 \u0418\u0440\u0430\u043D";
  q.country = NULL;
  r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (r);
  gboolean melli = FALSE;
  for (gsize i = 0; i < embargo_screen_result_get_count (r); i++)
    {
      c = embargo_screen_result_get (r, i);
      if (g_strcmp0 (c->list, "SDN") == 0 && g_strcmp0 (c->ref, "25578") == 0)
        melli = c->verdict == EMBARGO_SCREEN_MATCH && c->score > 1.0 - 1e-6
                && strcmp (c->how, "exact, transliterated") == 0;
    }
  CU_ASSERT (melli);
  embargo_screen_result_free (r);

  q.name = "7th of Tir";
  q.country = NULL;
  q.max_results = 1;
  r = embargo_screener_screen (s, &q, &e);
  CU_ASSERT_EQUAL_FATAL (embargo_screen_result_get_count (r), 1);
  CU_ASSERT_EQUAL (embargo_screen_result_get (r, 0)->verdict, EMBARGO_SCREEN_MATCH);
  embargo_screen_result_free (r);
  embargo_screener_unref (s);
}

/* Screening inside a decision, through the accessors. */
static void
test_decision_hits (void)
{
  EmbargoRuleset *rs = load_rules ();
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoTransaction *t = embargo_transaction_new ("T1", "2024-01-01");
  GError *e = NULL;
  CU_ASSERT (embargo_transaction_set_string (t, "destination.country", "DE", &e));
  CU_ASSERT (embargo_transaction_set_string (t, "buyer.name", "Alpha GmbH", &e));
  CU_ASSERT (embargo_transaction_set_string (t, "end_user.name", "Manuel Noriega", &e));
  embargo_transaction_add_item (t, "1");
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_REVIEW);
  CU_ASSERT_EQUAL_FATAL (embargo_decision_get_screening_count (d), 1);
  const EmbargoScreeningHit *h = embargo_decision_get_screening (d, 0);
  CU_ASSERT_STRING_EQUAL (embargo_rule_get_id (h->rule), "watch-party");
  CU_ASSERT_STRING_EQUAL (h->party, "end_user");
  CU_ASSERT_STRING_EQUAL (h->name, "Manuel Noriega");
  CU_ASSERT_STRING_EQUAL (h->list, "watch");
  CU_ASSERT_STRING_EQUAL (h->entry, "NORIEGA, Manuel Antonio");
  CU_ASSERT_EQUAL (h->verdict, EMBARGO_SCREEN_POSSIBLE);
  CU_ASSERT (h->score > 0.85 && h->score < 0.95);
  CU_ASSERT (h->owned_pct < 0);
  CU_ASSERT_PTR_NULL (embargo_decision_get_screening (d, 1));
  g_autofree char *json = embargo_decision_to_json (d);
  CU_ASSERT_PTR_NOT_NULL (strstr (json, "\"screening\":[{\"rule\":\"watch-party\""));
  CU_ASSERT_PTR_NOT_NULL (strstr (json, "\"verdict\":\"possible\""));
  embargo_decision_free (d);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
}

/* Threads: the first queries race to build the index (built once), then screen and
 * evaluate concurrently against one screener and one rule set. */
typedef struct {
  EmbargoScreener *s;
  EmbargoRuleset *rs;
  gint failures;
} Shared;

static gpointer
worker (gpointer data)
{
  Shared *sh = data;
  static const char *const names[] = { "Rosoboronexprt", "Manuel Noriega", "Nobody", NULL };
  for (int round = 0; round < 50; round++)
    for (const char *const *n = names; *n; n++)
      {
        EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
        q.name = *n;
        /* The country table, built on first use; Rosoboronexport's country. */
        const char *country = *n[0] == 'R' ? (round % 2 ? "Russia" : "RU") : NULL;
        q.country = country;
        EmbargoScreenResult *r = embargo_screener_screen (sh->s, &q, NULL);
        gsize want = strcmp (*n, "Nobody") == 0 ? 0 : 1;
        if (r == NULL || embargo_screen_result_get_count (r) != want)
          g_atomic_int_inc (&sh->failures);
        embargo_screen_result_free (r);

        EmbargoTransaction *t = embargo_transaction_new ("T", "2024-01-01");
        embargo_transaction_set_string (t, "destination.country", "DE", NULL);
        embargo_transaction_set_string (t, "buyer.name", *n, NULL);
        if (country)
          embargo_transaction_set_string (t, "buyer.country", "RU", NULL);
        embargo_transaction_add_item (t, "1");
        EmbargoDecision *d = embargo_evaluate (sh->rs, t, NULL, NULL);
        EmbargoOutcome o = d ? embargo_decision_get_outcome (d) : EMBARGO_OUTCOME_ALLOW;
        EmbargoOutcome want_o = *n[0] == 'R' ? EMBARGO_OUTCOME_LICENSE_REQUIRED
                                : *n[0] == 'M' ? EMBARGO_OUTCOME_REVIEW
                                               : EMBARGO_OUTCOME_ALLOW;
        if (d == NULL || o != want_o)
          g_atomic_int_inc (&sh->failures);
        embargo_decision_free (d);
        embargo_transaction_free (t);
      }
  return NULL;
}

static void
test_threads (void)
{
  Shared sh = { embargo_screener_new (), load_rules (), 0 };
  CU_ASSERT_PTR_NOT_NULL_FATAL (sh.rs);
  CU_ASSERT (embargo_screener_add_ruleset (sh.s, sh.rs, NULL, NULL));
  GThread *t[4];
  for (int i = 0; i < 4; i++)
    t[i] = g_thread_new ("screen", worker, &sh);
  for (int i = 0; i < 4; i++)
    g_thread_join (t[i]);
  CU_ASSERT_EQUAL (sh.failures, 0);
  embargo_screener_unref (sh.s);
  embargo_ruleset_unref (sh.rs);
}

void
register_screen_api_tests (const char *dir)
{
  data_dir = dir;
  CU_pSuite suite = CU_add_suite ("screen-api", NULL, NULL);
  CU_add_test (suite, "names lists of a rule set", test_ruleset_lists);
  CU_add_test (suite, "bad queries, empty screener", test_query_errors);
  CU_add_test (suite, "SDN directory and CSL file", test_sdn_and_csl);
  CU_add_test (suite, "screening hits in decisions", test_decision_hits);
  CU_add_test (suite, "4 threads: first queries, screening, evaluation", test_threads);
}
