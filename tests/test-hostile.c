/* test-hostile.c: resource limits, I/O failures, fail-closed loading and the reload
 * handle; what tests/cases/bad-*.case cannot say in a text file.
 *
 * Limits are tested with small values so that each input stays a few lines long and
 * every expected position can be read off the input: in the comments, "^" marks the
 * column the error must point at. The "threads" suite is what the ThreadSanitizer
 * build runs (tools/test.sh) along with the "api" suite.
 */
#include "tests.h"
#include "doc.h"
#include "rules.h"
#include "txn.h"
#include "eval.h"
#include "suite.h"

#include <math.h>

#include <glib/gstdio.h>
#include <string.h>

static EmbargoLimits
small_limits (void)
{
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.max_input_bytes = 4096;
  lim.max_depth = 3;
  lim.max_string_bytes = 16;
  lim.max_rules = 2;
  lim.max_items = 2;
  lim.max_parties = 1;
  return lim;
}

/* Parses TEXT as a transaction under the small limits; it must be refused with
 * ERROR_CODE and a message containing WANT. */
static void
txn_refused (const char *text, EmbargoLoadError error_code, const char *want)
{
  EmbargoLimits lim = small_limits ();
  GError *e = NULL;
  EmbargoTransaction *t = embargo_transaction_new_from_data (text, strlen (text), "t", &lim, &e);
  CU_ASSERT_PTR_NULL (t);
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, error_code));
  if (strstr (e->message, want) == NULL)
    fprintf (stderr, "\nwanted '%s' in:\n%s\n", want, e->message);
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, want));
  g_error_free (e);
  embargo_transaction_free (t);
}

static const char txn_head[] = "id: T\ndate: 2024-01-01\ndestination: {country: DE}\n";

static void
test_limit_depth (void)
{
  /* a: {b: {c: [1]}}: the list is the fourth level. */
  txn_refused ("a:\n  b:\n    c: [1]\n", EMBARGO_LOAD_ERROR_LIMIT,
               /*  "    c: [1]"
                *          ^ 8 */
               "t:3:8: error: nesting deeper than 3 levels");
  txn_refused ("{\"a\": {\"b\": {\"c\": [1]}}}", EMBARGO_LOAD_ERROR_LIMIT,
               /* {"a": {"b": {"c": [1]}}}
                *                   ^ 19 */
               "t:1:19: error: nesting deeper than 3 levels");
}

static void
test_limit_string (void)
{
  txn_refused ("id: ok\nname: 123456789abcdefgh\n", EMBARGO_LOAD_ERROR_LIMIT,
               "t:2:7: error: value of 17 bytes exceeds the limit of 16");
  txn_refused ("{\"id\": \"ok\",\n \"name\": \"123456789abcdefgh\"}", EMBARGO_LOAD_ERROR_LIMIT,
               /*  "name": "123456789abcdefgh"
                *          ^ 10 (the opening quote) */
               "t:2:10: error: value of 17 bytes exceeds the limit of 16");
  txn_refused ("{\"id\": \"ok\", \"123456789abcdefgh\": 1}", EMBARGO_LOAD_ERROR_LIMIT,
               /* {"id": "ok", "123456789abcdefgh": 1}
                *              ^ 14: a key is a value too */
               "t:1:14: error: value of 17 bytes exceeds the limit of 16");
}

static void
test_limit_input_bytes (void)
{
  EmbargoLimits lim = small_limits ();
  lim.max_input_bytes = 16;
  GError *e = NULL;
  const char text[] = "id: 0123456789abc"; /* 17 bytes */
  CU_ASSERT_PTR_NULL (embargo_transaction_new_from_data (text, 17, "t", &lim, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT));
  CU_ASSERT_STRING_EQUAL (e->message, "t: error: input of 17 bytes exceeds the limit of 16");
  g_clear_error (&e);

  /* In a rule set it is a whole-file diagnostic (no position). */
  EmbargoLoader *ld = embargo_loader_new (&lim);
  CU_ASSERT_FALSE (embargo_loader_add_data (ld, text, 17, "r.yaml", NULL));
  const EmbargoDiagnostic *d = embargo_diagnostics_get (embargo_loader_get_diagnostics (ld), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_STRING_EQUAL (d->code, "E-LIMIT");
  CU_ASSERT_EQUAL (d->line, 0);
  CU_ASSERT_STRING_EQUAL (d->message, "input of 17 bytes exceeds the limit of 16");
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, NULL));
  embargo_loader_free (ld);

  /* A file on disk is refused before it is read. */
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "big.yaml", NULL);
  g_file_set_contents (path, text, 17, NULL);
  ld = embargo_loader_new (&lim);
  CU_ASSERT_FALSE (embargo_loader_add_path (ld, path, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT));
  g_clear_error (&e);
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, NULL));
  embargo_loader_free (ld);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_limit_items_parties (void)
{
  g_autofree char *items = g_strconcat (txn_head, "buyer: {name: B}\n",
                                        "items: [{id: a}, {id: b}, {id: c}]\n", NULL);
  /* "items: [{id: a}, ..." on line 5: the list starts at column 8. */
  txn_refused (items, EMBARGO_LOAD_ERROR_INVALID, "t:5:8: error: 3 items exceed the limit of 2");
  g_autofree char *parties = g_strconcat (txn_head, "buyer: {name: B}\n",
                                          "intermediaries: [{name: X}, {name: Y}]\n",
                                          "items: [{id: a}]\n", NULL);
  txn_refused (parties, EMBARGO_LOAD_ERROR_INVALID,
               "t:5:17: error: 2 intermediaries exceed the limit of 1");
}

static void
test_limit_rules (void)
{
  static const char rules[] =
    "defaults: {regime: EU, authority: A, citation: C, source_url: https://x.org,\n"
    "           effective_from: 2020-01-01}\n"
    "rules:\n"
    "  - {id: a, title: A, effect: deny}\n"
    "  - {id: b, title: B, effect: deny}\n"
    "  - {id: c, title: C, effect: deny}\n"
    "  - {id: d, title: D, effect: deny}\n";
  EmbargoLimits lim = small_limits ();
  lim.max_string_bytes = 64;
  EmbargoLoader *ld = embargo_loader_new (&lim);
  CU_ASSERT_FALSE (embargo_loader_add_data (ld, rules, strlen (rules), "r.yaml", NULL));
  const EmbargoDiagnostics *ds = embargo_loader_get_diagnostics (ld);
  /* One diagnostic, at the first rule too many (line 6, the '{' at column 5). */
  CU_ASSERT_EQUAL (embargo_diagnostics_get_count (ds), 1);
  const EmbargoDiagnostic *d = embargo_diagnostics_get (ds, 0);
  CU_ASSERT_STRING_EQUAL (d->code, "E-LIMIT");
  CU_ASSERT_EQUAL (d->line, 6);
  CU_ASSERT_EQUAL (d->column, 5);
  CU_ASSERT_STRING_EQUAL (d->message, "more than 2 rules");
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, NULL));
  embargo_loader_free (ld);
}

static void
test_limit_keys (void)
{
  /* 4097 keys in one mapping: the error points at the key that is one too many. */
  GString *s = g_string_new (NULL);
  for (int i = 0; i <= 4096; i++)
    g_string_append_printf (s, "k%d: 1\n", i);
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_transaction_new_from_data (s->str, s->len, "t", NULL, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT));
  CU_ASSERT_STRING_EQUAL (e->message, "t:4097:1: error: more than 4096 keys in one mapping");
  g_clear_error (&e);
  g_string_free (s, TRUE);
}

/* ---- I/O: errors, never decisions ---- */

static const char good_rules[] =
  "rules:\n"
  "  - id: ru\n"
  "    title: Russia\n"
  "    regime: EU\n"
  "    authority: Council\n"
  "    citation: Reg 833/2014\n"
  "    source_url: https://eur-lex.europa.eu\n"
  "    effective_from: 2014-07-31\n"
  "    effect: deny\n"
  "    when: {field: destination.country, equals: RU}\n";

static char *
write_file (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_io_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *good = write_file (dir, "good.yaml", good_rules);
  g_autofree char *not_dir = g_build_filename (good, "x.yaml", NULL); /* ENOTDIR */
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  const char *bad_paths[] = { missing, not_dir, "/proc/self/mem" /* read: EIO */ };
  for (gsize i = 0; i < G_N_ELEMENTS (bad_paths); i++)
    {
      /* The caller ignores the error of add_path: finish must fail all the same. */
      EmbargoLoader *ld = embargo_loader_new (NULL);
      CU_ASSERT_TRUE (embargo_loader_add_path (ld, good, NULL));
      GError *e = NULL;
      CU_ASSERT_FALSE (embargo_loader_add_path (ld, bad_paths[i], &e));
      CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO));
      g_clear_error (&e);
      const EmbargoDiagnostics *ds = embargo_loader_get_diagnostics (ld);
      CU_ASSERT_EQUAL (embargo_diagnostics_get_count (ds), 1);
      CU_ASSERT_STRING_EQUAL (embargo_diagnostics_get (ds, 0)->code, "E-IO");
      CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, &e));
      CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
      g_clear_error (&e);
      embargo_loader_free (ld);

      const char *paths[] = { good, bad_paths[i], NULL };
      CU_ASSERT_PTR_NULL (embargo_ruleset_new_from_paths (paths, &e));
      CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO));
      g_clear_error (&e);
    }
  g_unlink (good);
  g_rmdir (dir);
}

/* ---- fail closed: a rule set with one bad file is not loaded at all ---- */

static void
test_never_partly_loaded (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *a = write_file (dir, "a.yaml", good_rules);
  g_autofree char *b = write_file (dir, "b.yaml", "rules:\n  - id: x\n    effect: allow\n");
  g_autofree char *c = write_file (dir, "c.yaml", "rules: [\n");
  const char *paths[] = { dir, NULL };
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_ruleset_new_from_paths (paths, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
  /* Every problem of every file is listed, and the message says nothing was loaded. */
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "b.yaml:2:5: error: rule 'x' has no 'title'"));
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "c.yaml:2:1: error:"));
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "the rule set was not loaded"));
  g_clear_error (&e);
  g_unlink (a);
  g_unlink (b);
  g_unlink (c);
  g_rmdir (dir);
}

/* ---- the reload handle ---- */

static const char other_rules[] =
  "rules:\n"
  "  - id: ir\n"
  "    title: Iran\n"
  "    regime: US-OFAC\n"
  "    authority: OFAC\n"
  "    citation: 31 CFR 560\n"
  "    source_url: https://ofac.treasury.gov\n"
  "    effective_from: 1995-01-01\n"
  "    effect: deny\n"
  "    when: {field: destination.country, equals: IR}\n";

static EmbargoTransaction *
txn_to (const char *country)
{
  g_autofree char *text = g_strdup_printf ("id: T\ndate: 2024-01-01\ndestination: {country: %s}\n"
                                           "buyer: {name: B}\nitems: [{id: a}]\n", country);
  EmbargoTransaction *t = embargo_transaction_new_from_data (text, strlen (text), "t", NULL,
                                                             NULL);
  g_assert (t != NULL);
  return t;
}

static void
test_handle_reload (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *eu = write_file (dir, "eu.yaml", good_rules);
  g_autofree char *us = write_file (dir, "us.yaml", other_rules);
  g_autofree char *bad = write_file (dir, "bad.yaml", "rules: {\n");
  const char *eu_paths[] = { eu, NULL }, *us_paths[] = { us, NULL };
  const char *bad_paths[] = { bad, NULL }, *missing[] = { "/nonexistent/rules", NULL };

  EmbargoRuleset *first = embargo_ruleset_new_from_paths (eu_paths, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (first);
  EmbargoRulesetHandle *h = embargo_handle_new (first);
  EmbargoRuleset *got = embargo_handle_get (h);
  CU_ASSERT_PTR_EQUAL (got, first);
  embargo_ruleset_unref (got);

  GError *e = NULL;
  CU_ASSERT_TRUE (embargo_handle_reload_paths (h, us_paths, &e));
  CU_ASSERT_PTR_NULL (e);
  got = embargo_handle_get (h);
  CU_ASSERT_PTR_NOT_NULL (embargo_ruleset_lookup_rule (got, "ir"));
  /* The old set is still valid for whoever holds it. */
  CU_ASSERT_PTR_NOT_NULL (embargo_ruleset_lookup_rule (first, "ru"));
  embargo_ruleset_unref (first);

  /* A failed reload keeps the current set serving and says why. */
  CU_ASSERT_FALSE (embargo_handle_reload_paths (h, bad_paths, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
  g_clear_error (&e);
  CU_ASSERT_FALSE (embargo_handle_reload_paths (h, missing, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO));
  g_clear_error (&e);
  EmbargoRuleset *still = embargo_handle_get (h);
  CU_ASSERT_PTR_EQUAL (still, got);
  embargo_ruleset_unref (still);
  embargo_ruleset_unref (got);
  embargo_handle_free (h);
  g_unlink (eu);
  g_unlink (us);
  g_unlink (bad);
  g_rmdir (dir);
}

typedef struct {
  EmbargoRulesetHandle *h;
  EmbargoTransaction *to_ru, *to_ir;
  gint stop;
  gint wrong; /* decisions that match neither rule set */
} Readers;

/* Decides both transactions with whatever set is current: under the EU set RU is
 * denied and IR allowed, under the US set the other way round; never both or neither,
 * which is what a torn or half-loaded set would show. */
static gpointer
reader (gpointer p)
{
  Readers *r = p;
  int n = 0;
  while (!g_atomic_int_get (&r->stop) || n < 50)
    {
      EmbargoRuleset *rs = embargo_handle_get (r->h);
      EmbargoDecision *a = embargo_evaluate (rs, r->to_ru, NULL, NULL);
      EmbargoDecision *b = embargo_evaluate (rs, r->to_ir, NULL, NULL);
      gboolean ru = embargo_decision_get_outcome (a) == EMBARGO_OUTCOME_DENY;
      gboolean ir = embargo_decision_get_outcome (b) == EMBARGO_OUTCOME_DENY;
      if (ru == ir)
        g_atomic_int_inc (&r->wrong);
      embargo_decision_free (a);
      embargo_decision_free (b);
      embargo_ruleset_unref (rs);
      n++;
    }
  return NULL;
}

static void
test_handle_concurrent_readers (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *eu = write_file (dir, "eu.yaml", good_rules);
  g_autofree char *us = write_file (dir, "us.yaml", other_rules);
  g_autofree char *bad = write_file (dir, "bad.yaml", "rules:\n  - id: ir\n");
  const char *sets[3][2] = { { eu, NULL }, { us, NULL }, { bad, NULL } };

  EmbargoRuleset *first = embargo_ruleset_new_from_paths (sets[0], NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (first);
  Readers r = { embargo_handle_new (first), txn_to ("RU"), txn_to ("IR"), 0, 0 };
  embargo_ruleset_unref (first);
  GThread *th[4];
  for (int i = 0; i < 4; i++)
    th[i] = g_thread_new ("reader", reader, &r);
  int ok = 0, refused = 0;
  for (int i = 0; i < 60; i++)
    {
      GError *e = NULL;
      if (embargo_handle_reload_paths (r.h, sets[i % 3], &e))
        ok++;
      else
        refused++;
      g_clear_error (&e);
    }
  g_atomic_int_set (&r.stop, 1);
  for (int i = 0; i < 4; i++)
    g_thread_join (th[i]);
  CU_ASSERT_EQUAL (ok, 40);
  CU_ASSERT_EQUAL (refused, 20);
  CU_ASSERT_EQUAL (r.wrong, 0);
  embargo_handle_free (r.h);
  embargo_transaction_free (r.to_ru);
  embargo_transaction_free (r.to_ir);
  g_unlink (eu);
  g_unlink (us);
  g_unlink (bad);
  g_rmdir (dir);
}

/* Big JSON collections are read whole: 300 keys in one object, 1,000 list elements,
 * 100 items and nesting 200 deep (limits raised), each read back by a rule. The
 * parser gathers a collection's children apart and hands them over when it closes, so
 * this holds it to collections larger and deeper than its built-in room. */
static void
test_big_collections (void)
{
  GString *t = g_string_new ("{\"id\": \"T\", \"date\": \"2024-01-01\", "
                             "\"destination\": {\"country\": \"DE\"}, "
                             "\"buyer\": {\"name\": \"B\", \"country\": \"DE\"}, \"contract\": {");
  for (int k = 0; k < 300; k++)
    g_string_append_printf (t, "%s\"k%d\": %d", k ? ", " : "", k, k);
  g_string_append (t, ", \"deep\": ");
  for (int k = 0; k < 200; k++)
    g_string_append (t, "{\"d\": [");
  g_string_append (t, "\"bottom\"");
  for (int k = 0; k < 200; k++)
    g_string_append (t, "]}");
  g_string_append (t, "}, \"end_use\": [");
  for (int k = 0; k < 1000; k++)
    g_string_append_printf (t, "%s\"u%d\"", k ? ", " : "", k);
  g_string_append (t, "], \"items\": [");
  for (int k = 0; k < 100; k++)
    g_string_append_printf (t, "%s{\"id\": \"%d\", \"eccn\": \"%s\"}", k ? ", " : "", k + 1,
                            k == 99 ? "3A001" : "EAR99");
  g_string_append (t, "]}");

  static const char rules[]
      = "defaults: {regime: T, authority: T, citation: t, source_url: https://example.org, "
        "effective_from: 2020-01-01}\n"
        "rules:\n"
        "  - {id: last-key, title: t, effect: review, when: {field: contract.k299, equals: 299}}\n"
        "  - {id: last-use, title: t, effect: review, when: {field: end_use, equals: u999}}\n"
        "  - {id: last-item, title: t, effect: deny, when: [{field: item.eccn, equals: 3A001},"
        " {field: contract.k0, equals: 0}, {field: contract.k150, equals: 150}]}\n";
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rules, strlen (rules), "r.yaml", &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.max_depth = 500;
  lim.max_items = 100;
  EmbargoTransaction *txn = embargo_transaction_new_from_data (t->str, t->len, "t", &lim, &e);
  if (e)
    fprintf (stderr, "%s\n", e->message);
  CU_ASSERT_PTR_NOT_NULL_FATAL (txn);
  EmbargoDecision *d = embargo_evaluate (rs, txn, NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_item_count (d), 100);
  CU_ASSERT_STRING_EQUAL (embargo_decision_get_item_id (d, 99), "100");
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_DENY);
  CU_ASSERT_STRING_EQUAL (embargo_rule_get_id (embargo_decision_get_rule (d)), "last-item");
  /* Both review rules hold on each of the 100 items, the deny rule on the last. */
  CU_ASSERT_EQUAL (embargo_decision_get_match_count (d), 201);
  embargo_decision_free (d);
  embargo_transaction_free (txn);
  embargo_ruleset_unref (rs);
  g_string_free (t, TRUE);
}

/* Positions on very long lines: JSON's are byte offsets, exact however long the line;
 * YAML's columns are kept in 16 bits and a column past 65,535 is reported as 65,535
 * (the line stays exact). */
static void
test_long_line_positions (void)
{
  GString *y = g_string_new ("rules: [");
  for (int i = 0; i < 70000; i++)
    g_string_append_c (y, ' ');
  g_string_append (y, "{id: a, bogus: 1}]\n");
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (y->str, y->len, "long.yaml", &e);
  CU_ASSERT_PTR_NULL (rs);
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "long.yaml:1:65535: error: unknown key 'bogus'"));
  g_clear_error (&e);
  g_string_free (y, TRUE);

  GString *j = g_string_new ("{\"id\": \"T\", \"date\": \"2024-01-01\", \"x\": \"");
  for (int i = 0; i < 70000; i++)
    g_string_append_c (j, 'a');
  /* the second "date" starts at column 40 + 70,000 + 3 + 1 = 70,044 */
  g_string_append (j, "\", \"date\": \"2024-13-01\"}");
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.max_string_bytes = 100000;
  EmbargoTransaction *t = embargo_transaction_new_from_data (j->str, j->len, "long.json", &lim, &e);
  CU_ASSERT_PTR_NULL (t);
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  if (strstr (e->message, "long.json:1:70044:") == NULL)
    fprintf (stderr, "\n%s\n", e->message);
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "long.json:1:70044: error: duplicate key 'date'"));
  g_clear_error (&e);
  g_string_free (j, TRUE);
}

/* JSON text is strict UTF-8, as YAML is: the library refuses invalid bytes and lone
 * surrogate escapes with a positioned GError, and every decision JSON it writes is valid
 * UTF-8, whatever the input held (escapes of astral and line-breaking characters) and
 * whatever the rule file's name. */
static void
test_json_utf8 (void)
{
  static const struct {
    const char *name, *want;
  } bad[] = {
    { "B\xC0\x80", "t:1:80: error: invalid UTF-8" },
    { "B\xED\xA0\x80", "t:1:80: error: invalid UTF-8" },
    { "B\xF4\x90\x80\x80", "t:1:80: error: invalid UTF-8" },
    { "B\xE4\xB8", "t:1:80: error: invalid UTF-8" },
    { "B\\ud800", "t:1:80: error: the escape \\ud800 is a lone high surrogate" },
    { "B\\udfff", "t:1:80: error: the escape \\udfff is a lone low surrogate" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *t = g_strdup_printf (
        "{\"id\":\"T\",\"date\":\"2024-01-01\",\"destination\":{\"country\":\"DE\"},"
        "\"buyer\":{\"name\":\"%s\"},\"items\":[{\"id\":\"1\"}]}", bad[i].name);
      GError *e = NULL;
      EmbargoTransaction *txn = embargo_transaction_new_from_data (t, strlen (t), "t", NULL, &e);
      CU_ASSERT_PTR_NULL (txn);
      CU_ASSERT_PTR_NOT_NULL_FATAL (e);
      CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX));
      if (!g_str_has_prefix (e->message, bad[i].want))
        fprintf (stderr, "\nwanted '%s' in:\n%s\n", bad[i].want, e->message);
      CU_ASSERT (g_str_has_prefix (e->message, bad[i].want));
      g_error_free (e);
      embargo_transaction_free (txn);
    }

  static const char rules[] =
    "rules:\n"
    "  - {id: r1, title: T, regime: EU, authority: A, citation: C, source_url: https://x.org,\n"
    "     effective_from: 2020-01-01, effect: deny, when: {field: destination.country, equals: RU}}\n";
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rules, strlen (rules), "r\xFF.yaml", &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  static const char txn_text[] =
    "{\"id\":\"T\\ud83d\\ude00\\u2028\\u00e9\\u001b\",\"date\":\"2024-01-01\","
    "\"destination\":{\"country\":\"RU\"},\"buyer\":{\"name\":\"A\xE2\x80\xAE\\udbff\\udfff\"},"
    "\"items\":[{\"id\":\"\\ud800\\udc00\"}]}";
  EmbargoTransaction *txn = embargo_transaction_new_from_data (txn_text, strlen (txn_text), "t",
                                                               NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (txn);
  EmbargoDecision *d = embargo_evaluate (rs, txn, NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_DENY);
  g_autofree char *json = embargo_decision_to_json (d);
  CU_ASSERT (g_utf8_validate (json, -1, NULL));
  CU_ASSERT_PTR_NOT_NULL (strstr (json, "\"source\":\"r\xEF\xBF\xBD.yaml:2\""));
  embargo_decision_free (d);
  embargo_transaction_free (txn);
  embargo_ruleset_unref (rs);
}

/* EmbargoEvalOptions.strict: a key neither in the contract nor read by a rule refuses
 * the transaction, in embargo_evaluate() and embargo_evaluate_all(); keys a rule reads
 * (at the top, through a party, in an item) pass. */
static void
test_strict_keys (void)
{
  static const char rules[] =
    "defaults: {regime: T, authority: A, citation: C, source_url: https://x.org, "
    "effective_from: 2020-01-01}\n"
    "rules:\n"
    "  - {id: r1, title: T, effect: deny, when: {field: contract.signed, gte: 2030-01-01}}\n"
    "  - {id: r2, title: T, effect: deny, when: {party: any, when: {field: party.rating, equals: 9}}}\n"
    "  - {id: r3, title: T, effect: deny, when: {field: item.attributes.x, equals: 9}}\n";
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rules, strlen (rules), "r.yaml", &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  static const char read_only[] =
    "id: T\ndate: 2024-01-01\ndestination: {country: DE}\n"
    "buyer: {name: B, rating: 1, owners: [{name: O, rating: 2}]}\n"
    "items: [{id: '1', attributes: {x: 1}}]\ncontract: {signed: 2024-01-01}\n";
  static const char unread[] =
    "id: T\ndate: 2024-01-01\ndestination: {country: DE}\n"
    "buyer: {name: B, score: 1}\n"
    "items: [{id: '1', attributes: {y: 1}}]\ncontract: {sigend: 2024-01-01}\n";
  EmbargoTransaction *ok = embargo_transaction_new_from_data (read_only, strlen (read_only), "t",
                                                              NULL, &e);
  EmbargoTransaction *bad = embargo_transaction_new_from_data (unread, strlen (unread), "t",
                                                               NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (ok);
  CU_ASSERT_PTR_NOT_NULL_FATAL (bad);
  EmbargoEvalOptions lax = EMBARGO_EVAL_OPTIONS_INIT, strict = EMBARGO_EVAL_OPTIONS_INIT;
  CU_ASSERT_FALSE (lax.strict);
  strict.strict = TRUE;

  EmbargoDecision *d = embargo_evaluate (rs, bad, &lax, &e);
  CU_ASSERT_PTR_NOT_NULL (d);
  embargo_decision_free (d);
  d = embargo_evaluate (rs, ok, &strict, &e);
  CU_ASSERT_PTR_NOT_NULL (d);
  embargo_decision_free (d);
  d = embargo_evaluate (rs, bad, &strict, &e);
  CU_ASSERT_PTR_NULL (d);
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  CU_ASSERT (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID));
  CU_ASSERT_STRING_EQUAL (e->message,
                          "unknown key 'contract.sigend': it is not in the transaction contract "
                          "and no loaded rule reads it (--strict)\n"
                          "unknown key 'buyer.score': it is not in the transaction contract "
                          "and no loaded rule reads it (--strict)\n"
                          "unknown key 'items[0].attributes.y': it is not in the transaction "
                          "contract and no loaded rule reads it (--strict)");
  g_clear_error (&e);

  const EmbargoTransaction *both[] = { ok, bad };
  EmbargoDecision *ds[2];
  CU_ASSERT_EQUAL (embargo_evaluate_all (rs, both, 2, &strict, ds, &e), 1);
  CU_ASSERT_PTR_NOT_NULL (ds[0]);
  CU_ASSERT_PTR_NULL (ds[1]);
  CU_ASSERT (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID));
  g_clear_error (&e);
  embargo_decision_free (ds[0]);
  embargo_transaction_free (ok);
  embargo_transaction_free (bad);
  embargo_ruleset_unref (rs);
}

/* The YAML 1.2 core schema, form by form: what each plain scalar is read as (kind and
 * value); a quoted one is always text. */
static void
test_yaml_core_schema (void)
{
  static const struct {
    const char *text;
    DocKind kind;
    double num; /* for DOC_NUMBER; NAN for .nan; 1 for true, 0 for false */
  } forms[] = {
    { "null", DOC_NULL, 0 }, { "Null", DOC_NULL, 0 }, { "NULL", DOC_NULL, 0 },
    { "~", DOC_NULL, 0 }, { "", DOC_NULL, 0 }, { "nULL", DOC_STRING, 0 },
    { "true", DOC_BOOL, 1 }, { "True", DOC_BOOL, 1 }, { "TRUE", DOC_BOOL, 1 },
    { "false", DOC_BOOL, 0 }, { "False", DOC_BOOL, 0 }, { "FALSE", DOC_BOOL, 0 },
    { "tRUE", DOC_STRING, 0 }, { "yes", DOC_STRING, 0 }, { "No", DOC_STRING, 0 },
    { "NO", DOC_STRING, 0 }, { "on", DOC_STRING, 0 }, { "off", DOC_STRING, 0 },
    { "y", DOC_STRING, 0 },
    { "4992", DOC_NUMBER, 4992 }, { "+4992", DOC_NUMBER, 4992 }, { "-4992", DOC_NUMBER, -4992 },
    { "0", DOC_NUMBER, 0 }, { "007", DOC_NUMBER, 7 }, { "0o17", DOC_NUMBER, 15 },
    { "0x1380", DOC_NUMBER, 4992 }, { "0xfF", DOC_NUMBER, 255 }, { "0X10", DOC_STRING, 0 },
    { "0o8", DOC_STRING, 0 }, { "0o", DOC_STRING, 0 }, { "0x", DOC_STRING, 0 },
    { "+0x10", DOC_STRING, 0 }, { "0b101", DOC_STRING, 0 }, { "1_000", DOC_STRING, 0 },
    { "4,992", DOC_STRING, 0 }, { "3.5", DOC_NUMBER, 3.5 }, { "-3.5", DOC_NUMBER, -3.5 },
    { "+3.5", DOC_NUMBER, 3.5 }, { ".5", DOC_NUMBER, 0.5 }, { "-.5", DOC_NUMBER, -0.5 },
    { "1.", DOC_NUMBER, 1 }, { "1e3", DOC_NUMBER, 1000 }, { "1E+3", DOC_NUMBER, 1000 },
    { "2.5e-1", DOC_NUMBER, 0.25 }, { ".", DOC_STRING, 0 }, { "1e", DOC_STRING, 0 },
    { "e3", DOC_STRING, 0 }, { "1.2.3", DOC_STRING, 0 }, { "--1", DOC_STRING, 0 },
    { "1e400", DOC_STRING, 0 }, { ".inf", DOC_NUMBER, INFINITY },
    { ".Inf", DOC_NUMBER, INFINITY }, { ".INF", DOC_NUMBER, INFINITY },
    { "+.inf", DOC_NUMBER, INFINITY }, { "-.inf", DOC_NUMBER, -INFINITY },
    { "-.Inf", DOC_NUMBER, -INFINITY }, { ".iNF", DOC_STRING, 0 }, { "inf", DOC_STRING, 0 },
    { ".nan", DOC_NUMBER, NAN }, { ".NaN", DOC_NUMBER, NAN }, { ".NAN", DOC_NUMBER, NAN },
    { "-.nan", DOC_STRING, 0 }, { "nan", DOC_STRING, 0 },
    { "2024-01-01", DOC_STRING, 0 }, { "5A992.c", DOC_STRING, 0 },
  };
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  for (gsize i = 0; i < G_N_ELEMENTS (forms); i++)
    for (int quoted = 0; quoted < 2; quoted++)
      {
        g_autofree char *y = g_strdup_printf (quoted ? "v: '%s'\n" : "v: %s\n", forms[i].text);
        GError *e = NULL;
        Doc *doc = doc_parse_yaml (y, strlen (y), "t", 1, &lim, &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL (doc);
        const DocNode *v = doc_get (doc->root, "v");
        DocKind want = quoted ? DOC_STRING : forms[i].kind;
        if (v->kind != want)
          fprintf (stderr, "\n%s: kind %d, want %d\n", y, v->kind, want);
        CU_ASSERT_EQUAL (v->kind, want);
        if (!quoted && want == DOC_NUMBER)
          CU_ASSERT (isnan (forms[i].num) ? isnan (v->u.sc.num) : v->u.sc.num == forms[i].num);
        if (!quoted && want == DOC_BOOL)
          CU_ASSERT_EQUAL (v->boolean, forms[i].num == 1);
        CU_ASSERT_STRING_EQUAL (v->u.sc.s, forms[i].text); /* the text as written */
        doc_free (doc);
      }
}

/* YAML versions other than 1.2 are refused, with the reason; a BOM is read past. */
static void
test_yaml_version_bom (void)
{
  static const struct {
    const char *text, *want;
  } cases[] = {
    { "%YAML 1.1\n---\nid: T\n", "t:1:1: error: %YAML 1.1: only YAML 1.2 is read" },
    { "%YAML 1.3\n---\nid: T\n", "t:1:1: error: this %YAML version is not read" },
    { "%YAML 2.0\n---\nid: T\n", "t:1:1: error: this %YAML version is not read" },
  };
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GError *e = NULL;
      Doc *doc = doc_parse_yaml (cases[i].text, strlen (cases[i].text), "t", 1, &lim, &e);
      CU_ASSERT_PTR_NULL (doc);
      CU_ASSERT_PTR_NOT_NULL_FATAL (e);
      if (!g_str_has_prefix (e->message, cases[i].want))
        fprintf (stderr, "\nwanted '%s' in:\n%s\n", cases[i].want, e->message);
      CU_ASSERT (g_str_has_prefix (e->message, cases[i].want));
      g_clear_error (&e);
    }
  static const char v12[] = "%YAML 1.2\n---\nid: T\n", bom[] = "\xEF\xBB\xBFid: T\nv: [\n";
  GError *e = NULL;
  Doc *doc = doc_parse_yaml (v12, strlen (v12), "t", 1, &lim, &e);
  CU_ASSERT_PTR_NOT_NULL (doc);
  doc_free (doc);
  static const char txn[] = "\xEF\xBB\xBFid: T\ndate: 2024-01-01\ndestination: {country: DE}\n"
                            "buyer: {name: B}\nitems: [{id: '1'}]\n";
  EmbargoTransaction *t = embargo_transaction_new_from_data (txn, strlen (txn), "t", NULL, &e);
  CU_ASSERT_PTR_NOT_NULL (t);
  CU_ASSERT_STRING_EQUAL (embargo_transaction_get_id (t), "T");
  embargo_transaction_free (t);
  /* An error after a BOM is at its real place (line 2, past the '[' at column 4). */
  doc = doc_parse_yaml (bom, strlen (bom), "t", 1, &lim, &e);
  CU_ASSERT_PTR_NULL (doc);
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  CU_ASSERT (g_str_has_prefix (e->message, "t:3:1: error:"));
  if (!g_str_has_prefix (e->message, "t:3:1: error:"))
    fprintf (stderr, "\n%s\n", e->message);
  g_clear_error (&e);
}

/* A fact of the wrong type for the comparison a rule makes is unknown, never false: the
 * restriction gives review and `missing` names the field, whatever if_missing says; the
 * right type still decides. Each transaction trips one rule; the program (flat tests)
 * and the tree (inside `any`) must agree, and a mapping under an indexed field must
 * still reach the rules filed under it. */
static void
test_wrong_type_unknown (void)
{
  static const char rules[] =
    "defaults: {regime: T, authority: A, citation: test, source_url: https://example.org, "
    "effective_from: 2020-01-01}\n"
    "rules:\n"
    "  - {id: tpp, title: t, effect: license_required, when: [{field: item.attributes.score, "
    "gte: 4800, if_missing: false}]}\n"
    "  - {id: perf, title: t, effect: license_required, when: {any: [{field: "
    "item.attributes.pd, gt: 5.92, if_missing: false}, {field: item.attributes.pd, lt: -1, "
    "if_missing: false}]}}\n"
    "  - {id: signed, title: t, effect: deny, when: [{field: contract.signed, lt: 2024-02-01, "
    "if_missing: false}]}\n"
    "  - {id: clause, title: t, effect: deny, when: [{field: contract.clause, equals: false, "
    "if_missing: false}]}\n"
    "  - {id: city, title: t, effect: license_required, when: [{field: destination.port, "
    "equals: Sevastopol, if_missing: false}]}\n"
    "  - {id: count, title: t, effect: review, when: [{field: item.count, equals: 3, "
    "if_missing: false}]}\n";
  static const struct {
    const char *facts, *item;
    EmbargoOutcome outcome;
    const char *rule, *missing;
  } cases[] = {
    { "", "attributes: {score: \"4992\"}", EMBARGO_OUTCOME_REVIEW, "tpp", "item.attributes.score" },
    { "", "attributes: {score: \"4,992\"}", EMBARGO_OUTCOME_REVIEW, "tpp", "item.attributes.score" },
    { "", "attributes: {score: true}", EMBARGO_OUTCOME_REVIEW, "tpp", "item.attributes.score" },
    { "", "attributes: {score: {value: 4992}}", EMBARGO_OUTCOME_REVIEW, "tpp", "item.attributes.score" },
    { "", "attributes: {score: [x, 10]}", EMBARGO_OUTCOME_REVIEW, "tpp", "item.attributes.score" },
    { "", "attributes: {score: [x, 4992]}", EMBARGO_OUTCOME_LICENSE_REQUIRED, "tpp", NULL },
    { "", "attributes: {score: 4992}", EMBARGO_OUTCOME_LICENSE_REQUIRED, "tpp", NULL },
    { "", "attributes: {score: 4000}", EMBARGO_OUTCOME_ALLOW, NULL, NULL },
    { "", "attributes: {pd: \"5.95\"}", EMBARGO_OUTCOME_REVIEW, "perf", "item.attributes.pd" },
    { "", "attributes: {pd: 5.9}", EMBARGO_OUTCOME_ALLOW, NULL, NULL },
    { "", "count: \"3\"", EMBARGO_OUTCOME_REVIEW, "count", "item.count" },
    { "", "count: 3", EMBARGO_OUTCOME_REVIEW, "count", NULL },
    { "contract: {signed: \"2024-1-15\"}\n", "", EMBARGO_OUTCOME_REVIEW, "signed", "contract.signed" },
    { "contract: {signed: \"2024-02-30\"}\n", "", EMBARGO_OUTCOME_REVIEW, "signed", "contract.signed" },
    { "contract: {signed: 20240115}\n", "", EMBARGO_OUTCOME_REVIEW, "signed", "contract.signed" },
    { "contract: {signed: 2024-01-15}\n", "", EMBARGO_OUTCOME_DENY, "signed", NULL },
    { "contract: {signed: 2024-03-01}\n", "", EMBARGO_OUTCOME_ALLOW, NULL, NULL },
    { "contract: {clause: \"no\"}\n", "", EMBARGO_OUTCOME_REVIEW, "clause", "contract.clause" },
    { "contract: {clause: 0}\n", "", EMBARGO_OUTCOME_REVIEW, "clause", "contract.clause" },
    { "contract: {clause: true}\n", "", EMBARGO_OUTCOME_ALLOW, NULL, NULL },
    { "port: {name: Sevastopol}", "", EMBARGO_OUTCOME_REVIEW, "city", "destination.port" },
    { "port: [{name: Sevastopol}]", "", EMBARGO_OUTCOME_REVIEW, "city", "destination.port" },
    { "port: Kyiv", "", EMBARGO_OUTCOME_ALLOW, NULL, NULL },
  };
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rules, strlen (rules), "r.yaml", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* "port: ..." goes into destination; anything else is a top-level line. */
      gboolean city = g_str_has_prefix (cases[i].facts, "port:");
      g_autofree char *text = g_strdup_printf (
        "id: W\ndate: 2024-05-01\ndestination: {country: UA%s%s}\nbuyer: {name: B}\n%s"
        "items: [{id: \"1\", %s}]\n",
        city ? ", " : "", city ? cases[i].facts : "", city ? "" : cases[i].facts,
        cases[i].item);
      GError *e = NULL;
      EmbargoTransaction *t = embargo_transaction_new_from_data (text, strlen (text), "w.yaml",
                                                                 NULL, &e);
      if (t == NULL)
        fprintf (stderr, "\ncase %zu: %s\n%s\n", i, e ? e->message : "?", text);
      g_clear_error (&e);
      CU_ASSERT_PTR_NOT_NULL_FATAL (t);
      EmbargoDecision *d = embargo_evaluate (rs, t, NULL, NULL);
      CU_ASSERT_PTR_NOT_NULL_FATAL (d);
      const EmbargoRule *r = embargo_decision_get_rule (d);
      const char *rid = r ? embargo_rule_get_id (r) : NULL;
      gboolean ok = embargo_decision_get_outcome (d) == cases[i].outcome
                    && g_strcmp0 (rid, cases[i].rule) == 0
                    && embargo_decision_get_missing_count (d) == (cases[i].missing ? 1u : 0u)
                    && (cases[i].missing == NULL
                        || strcmp (embargo_decision_get_missing (d, 0)->field,
                                   cases[i].missing) == 0);
      if (!ok)
        {
          g_autofree char *json = embargo_decision_to_json (d);
          fprintf (stderr, "\ncase %zu (%s%s): %s\n", i, cases[i].facts, cases[i].item, json);
        }
      CU_ASSERT_TRUE (ok);
      embargo_decision_free (d);
      embargo_transaction_free (t);
    }
  embargo_ruleset_unref (rs);
}

void
register_hostile_tests (void)
{
  static const TestDef hostile[] = {
    { "limit: nesting depth (YAML, JSON)", test_limit_depth },
    { "limit: string length (values, keys)", test_limit_string },
    { "limit: input size (data, files)", test_limit_input_bytes },
    { "limit: items and intermediaries", test_limit_items_parties },
    { "limit: rules", test_limit_rules },
    { "limit: keys in one mapping", test_limit_keys },
    { "big JSON collections are read whole", test_big_collections },
    { "positions on lines longer than 65,535 columns", test_long_line_positions },
    { "JSON is strict UTF-8; decision JSON is valid UTF-8", test_json_utf8 },
    { "strict: keys neither in the contract nor read are refused", test_strict_keys },
    { "YAML 1.2 core schema: every plain scalar form", test_yaml_core_schema },
    { "YAML: versions other than 1.2 refused, a BOM read past", test_yaml_version_bom },
    { "I/O errors are errors, never a partial rule set", test_io_errors },
    { "a rule set with one bad file is not loaded", test_never_partly_loaded },
    { "reload handle: swap, keep on failure", test_handle_reload },
    { "a fact of the wrong type is unknown, never false", test_wrong_type_unknown },
    { NULL, NULL },
  };
  add_suite ("hostile", hostile);
  static const TestDef threads[] = {
    { "reload handle: 4 readers while reloading", test_handle_concurrent_readers },
    { NULL, NULL },
  };
  add_suite ("threads", threads);
}
