/* test-program.c: the compiled form of every rule (engine/program.c) answers exactly
 * what the condition tree does.
 *
 * White-box: for every rule, transaction and item, program_eval() with the slot caches
 * of a real evaluation is held to cond_eval() on the rule's `when`. The rules are the
 * bundled packs, run over every transaction of their test cases, and tests/program/
 * ops.yaml (every operator on a transaction field and an item field, under each
 * if_missing, beside conjuncts that stay trees), run over a product of values of every
 * type: absent, null, text, numbers, booleans, dates, lists and maps. */
#include "tests.h"

#include "doc.h"
#include "rules.h"
#include "txn.h"
#include "eval.h"
#include "screening.h"
#include "suite.h"

#include <string.h>

static const char *
tri_name (Tri t)
{
  return t == TRI_TRUE ? "true" : t == TRI_FALSE ? "false" : "unknown";
}

/* Compares the two on every rule of RS and every item of TXN; returns the number of
 * comparisons, and reports each disagreement. */
static guint
compare_all (EmbargoRuleset *rs, const EmbargoTransaction *txn, const char *as_of)
{
  const DocNode *root = txn->doc.root;
  gint32 date = as_of ? date_parse (as_of, strlen (as_of)) : doc_key (root, KEY_DATE)->u.sc.date;
  const DocNode *items = doc_key (root, KEY_ITEMS);
  const DocNode *txn_vals[PATH_SLOTS], *item_vals[PATH_SLOTS];
  guint8 txn_seen[PATH_SLOTS] = { 0 }, item_seen[PATH_SLOTS];
  guint n = 0;
  for (guint32 it = 0; it < items->u.list.n; it++)
    {
      memset (item_seen, 0, sizeof item_seen);
      /* One context for the item, as the evaluation loop keeps: its caches fill as the
       * rules go. The tree is evaluated with a fresh context each time, no caches. */
      EvalCtx fast = { .root = root, .item = items->u.list.v[it], .date = date,
                       .txn_vals = txn_vals, .item_vals = item_vals,
                       .txn_seen = txn_seen, .item_seen = item_seen };
      for (guint32 r = 0; r < rs->nrules; r++)
        {
          const EmbargoRule *rule = rs->rules[r];
          EvalCtx tree = { .root = root, .item = items->u.list.v[it], .date = date };
          Tri want = rule->when ? cond_eval (rule->when, &tree) : TRI_TRUE;
          Tri got = program_eval (rs->programs[r], &fast);
          screen_ctx_clear (&tree);
          if (got != want)
            {
              g_autofree char *msg = g_strdup_printf (
                  "rule %s, transaction %s, item %u: program %s, tree %s", rule->id,
                  embargo_transaction_get_id (txn), it, tri_name (got), tri_name (want));
              CU_FAIL (msg);
              fprintf (stderr, "%s\n", msg);
            }
          n++;
        }
      screen_ctx_clear (&fast);
    }
  return n;
}

static EmbargoRuleset *
load (const char *path)
{
  GError *error = NULL;
  const char *paths[] = { path, NULL };
  EmbargoRuleset *rs = embargo_ruleset_new_from_paths (paths, &error);
  if (error)
    fprintf (stderr, "%s\n", error->message);
  g_clear_error (&error);
  return rs;
}

/* Every *.tests.yaml under DIR. */
static void
collect_suites (const char *dir, GPtrArray *out)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        {
          collect_suites (p, out);
          g_free (p);
        }
      else if (g_str_has_suffix (name, ".tests.yaml"))
        g_ptr_array_add (out, p);
      else
        g_free (p);
    }
  if (d)
    g_dir_close (d);
}

static void
test_bundled_rules (void)
{
  EmbargoRuleset *rs = load (EMBARGO_SOURCE_DIR "/rules");
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  g_autoptr (GPtrArray) suites = g_ptr_array_new_with_free_func (g_free);
  collect_suites (EMBARGO_SOURCE_DIR "/rules", suites);
  CU_ASSERT (suites->len >= 6);
  guint cases = 0, compared = 0;
  for (guint i = 0; i < suites->len; i++)
    {
      GError *error = NULL;
      EmbargoSuite *s = embargo_suite_new_from_file (g_ptr_array_index (suites, i), &error);
      CU_ASSERT_PTR_NOT_NULL_FATAL (s);
      for (gsize k = 0; k < embargo_suite_get_count (s); k++)
        {
          const EmbargoTransaction *txn = suite_get_transaction (s, k);
          CU_ASSERT_PTR_NOT_NULL_FATAL (txn);
          compared += compare_all (rs, txn, NULL);
          cases++;
        }
      embargo_suite_free (s);
    }
  /* 136 cases over 35 rules at the time of writing; fewer means the walk lost some. */
  CU_ASSERT (cases >= 136);
  CU_ASSERT (compared >= 136 * 35);
  embargo_ruleset_unref (rs);
}

static void
test_every_operator (void)
{
  EmbargoRuleset *rs = load (EMBARGO_SOURCE_DIR "/tests/program/ops.yaml");
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  CU_ASSERT_EQUAL (rs->nrules, 140);
  /* NULL: the key is absent. */
  static const char *const values[] = {
    NULL, "null", "\"3A001\"", "\"3A0019\"", "\"3a001\"", "\"9E003\"", "\"9E99x\"",
    "\"3A001-long-prefix, longer\"", "\"3A001-long\"", "\"Acme\"", "\"v05\"", "\"\"",
    "\"3\"", "3", "3.0", "2", "4", "-1", "true", "false", "\"2024-01-01\"",
    "\"2023-12-31\"", "\"2024-01-02\"", "[]", "[\"X\", \"3A001\"]", "[3, \"b\"]",
    "[null]", "{\"a\": 1}", "[{\"a\": 1}]", "[\"2024-01-01\", 5]",
  };
  guint compared = 0, txns = 0;
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    for (guint j = 0; j < G_N_ELEMENTS (values); j++)
      for (guint d = 0; d < 2; d++)
        {
          GString *t = g_string_new (NULL);
          g_string_append_printf (
              t, "{\"id\": \"T%u-%u-%u\", \"date\": \"%s\", \"destination\": {\"country\": \"RU\"},"
              " \"buyer\": {\"name\": \"B\", \"country\": \"%s\", \"sector\": \"%s\"},",
              i, j, d, d ? "2024-06-01" : "2023-06-01", d ? "RU" : "DE", j % 2 ? "military" : "civil");
          if (values[i])
            g_string_append_printf (t, " \"contract\": {\"x\": %s},", values[i]);
          g_string_append (t, " \"items\": [{\"id\": \"1\"");
          if (values[j])
            g_string_append_printf (t, ", \"attributes\": {\"x\": %s}", values[j]);
          /* A second item carries the other value, so item caches are reset between. */
          g_string_append (t, "}, {\"id\": \"2\"");
          if (values[i])
            g_string_append_printf (t, ", \"attributes\": {\"x\": %s}", values[i]);
          g_string_append (t, "}]}");
          GError *error = NULL;
          EmbargoTransaction *txn
              = embargo_transaction_new_from_data (t->str, t->len, "ops.json", NULL, &error);
          if (error)
            fprintf (stderr, "%s\n", error->message);
          CU_ASSERT_PTR_NOT_NULL_FATAL (txn);
          compared += compare_all (rs, txn, NULL);
          txns++;
          embargo_transaction_free (txn);
          g_string_free (t, TRUE);
        }
  CU_ASSERT_EQUAL (txns, 30 * 30 * 2);
  CU_ASSERT_EQUAL (compared, 30 * 30 * 2 * 2 * 140);
  embargo_ruleset_unref (rs);
}

void
register_program_tests (void)
{
  static const TestDef tests[] = {
    { "every operator, every kind of value", test_every_operator },
    { "bundled rules over their test cases", test_bundled_rules },
    { NULL, NULL },
  };
  add_suite ("program", tests);
}
