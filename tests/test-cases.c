/* test-cases.c: the data-driven tests in tests/cases/ *.case.
 *
 * A case file is a few sections, each opened by a line "%% NAME":
 *
 *   %% rules [FILE]     a rule file (several allowed; FILE defaults to rules.yaml)
 *   %% errors           the diagnostics loading must give, one "FILE:LINE:COL: CODE" a line,
 *                       in the order found; the rule set must then fail to load
 *   %% transaction      the transaction (YAML or JSON)
 *   %% txn-error        lines that must each appear in the error the transaction gives
 *   %% as_of            a date to decide as of
 *   %% limits           EmbargoLimits fields for loading and deciding, "NAME: N" a line
 *                       (max_input_bytes, max_depth, max_string_bytes, max_rules,
 *                       max_items, max_parties, max_list_members, max_work)
 *   %% eval-error       lines that must each appear in the error evaluation gives (there
 *                       must then be no decision)
 *   %% expect           what the decision must be, in the `expect:` syntax of rule test
 *                       files (decision, rule, items, regimes, missing, matched)
 *
 * Lines of a section count from 1 after its header, so positions in `errors` read as
 * positions in FILE. Failures are reported at the case file and line they concern.
 *
 * A header ending in " hex" ("%% rules bad.yaml hex", "%% transaction hex") gives the
 * body as hex byte pairs instead (whitespace ignored, "#" to the end of a line is a
 * comment), for what a text file cannot hold: NUL bytes, invalid UTF-8, UTF-16.
 */
#include "tests.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  char *name; /* header words after "%% " */
  GString *body;
  unsigned line; /* of the header */
} Section;

static void
section_free (gpointer p)
{
  Section *s = p;
  g_free (s->name);
  g_string_free (s->body, TRUE);
  g_free (s);
}

static GPtrArray *
split_sections (const char *text)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (section_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  Section *cur = NULL;
  for (guint i = 0; lines[i]; i++)
    {
      if (g_str_has_prefix (lines[i], "%% "))
        {
          cur = g_new0 (Section, 1);
          cur->name = g_strstrip (g_strdup (lines[i] + 3));
          cur->body = g_string_new (NULL);
          cur->line = i + 1;
          g_ptr_array_add (out, cur);
        }
      else if (cur && !(lines[i + 1] == NULL && lines[i][0] == '\0'))
        g_string_append_printf (cur->body, "%s\n", lines[i]);
    }
  return out;
}

/* Decodes a " hex" section in place (see above). FALSE on a stray character. */
static gboolean
decode_hex (Section *s)
{
  gsize n = strlen (s->name);
  if (n < 4 || strcmp (s->name + n - 4, " hex") != 0)
    return TRUE;
  s->name[n - 4] = '\0';
  GString *out = g_string_new (NULL);
  for (const char *p = s->body->str; *p;)
    {
      if (*p == '#')
        p += strcspn (p, "\n");
      else if (g_ascii_isspace (*p))
        p++;
      else if (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (p[0]) * 16
                                          + g_ascii_xdigit_value (p[1])));
          p += 2;
        }
      else
        {
          g_string_free (out, TRUE);
          return FALSE;
        }
    }
  g_string_free (s->body, TRUE);
  s->body = out;
  return TRUE;
}

static Section *
find (GPtrArray *secs, const char *name)
{
  for (guint i = 0; i < secs->len; i++)
    {
      Section *s = g_ptr_array_index (secs, i);
      if (strcmp (s->name, name) == 0)
        return s;
    }
  return NULL;
}

#define CHECK_AT(cond, file, line, msg)                                                          \
  CU_assertImplementation ((cond), (line), (msg), (file), "", CU_FALSE)

/* A case file that could pass without testing anything is an error: an unknown section
 * (a misspelt "%% expected" would otherwise be ignored), an empty section, a case that
 * asserts nothing, or a transaction no section says anything about. */
static gboolean
is_blank (const GString *body)
{
  for (gsize i = 0; i < body->len; i++)
    if (!g_ascii_isspace (body->str[i]))
      return FALSE;
  return TRUE;
}

/* Returns the schema problems of a case file's sections, one "LINE: message" a line, or
 * NULL when there is none. */
static char *
check_schema (GPtrArray *secs)
{
  static const char *const once[] = { "errors", "transaction", "txn-error", "as_of", "expect",
                                      "limits", "eval-error", NULL };
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < secs->len; i++)
    {
      Section *s = g_ptr_array_index (secs, i);
      gboolean rules = strcmp (s->name, "rules") == 0 || g_str_has_prefix (s->name, "rules ");
      gboolean known = rules;
      for (const char *const *k = once; *k && !known; k++)
        known = strcmp (s->name, *k) == 0;
      if (!known)
        g_string_append_printf (out, "%u: unknown section '%%%% %s' (rules, errors, "
                                "transaction, txn-error, as_of, expect, limits, eval-error)\n", s->line, s->name);
      else if (!rules && find (secs, s->name) != s)
        g_string_append_printf (out, "%u: section '%%%% %s' given twice\n", s->line, s->name);
      else if (!rules && strcmp (s->name, "transaction") != 0 && is_blank (s->body))
        g_string_append_printf (out, "%u: section '%%%% %s' is empty: it would assert "
                                "nothing\n", s->line, s->name);
    }
  Section *txn = find (secs, "transaction");
  gboolean checked = find (secs, "txn-error") || find (secs, "expect")
                     || find (secs, "eval-error");
  if (!find (secs, "errors") && !checked)
    g_string_append (out, "1: asserts nothing: give %% errors, %% txn-error, %% expect or "
                     "%% eval-error\n");
  else if (txn && !checked)
    g_string_append_printf (out, "%u: the transaction is not checked: give %%%% expect, "
                            "%%%% txn-error or %%%% eval-error\n", txn->line);
  else if ((find (secs, "expect") || find (secs, "as_of") || find (secs, "eval-error")) && !txn)
    g_string_append (out, "1: %% expect, %% eval-error and %% as_of need a %% transaction\n");
  else if (find (secs, "expect") && find (secs, "eval-error"))
    g_string_append (out, "1: %% expect and %% eval-error contradict each other\n");
  return g_string_free (out, out->len == 0);
}

/* Reads a "%% limits" section into *LIM: "NAME: N" a line. FALSE on an unknown name or
 * a value that is not a number. */
static gboolean
parse_limits (const Section *sec, EmbargoLimits *lim)
{
  static const struct { const char *name; gsize offset; gboolean narrow; } fields[] = {
    { "max_input_bytes", G_STRUCT_OFFSET (EmbargoLimits, max_input_bytes), FALSE },
    { "max_depth", G_STRUCT_OFFSET (EmbargoLimits, max_depth), TRUE },
    { "max_string_bytes", G_STRUCT_OFFSET (EmbargoLimits, max_string_bytes), FALSE },
    { "max_rules", G_STRUCT_OFFSET (EmbargoLimits, max_rules), FALSE },
    { "max_items", G_STRUCT_OFFSET (EmbargoLimits, max_items), FALSE },
    { "max_parties", G_STRUCT_OFFSET (EmbargoLimits, max_parties), FALSE },
    { "max_list_members", G_STRUCT_OFFSET (EmbargoLimits, max_list_members), FALSE },
    { "max_work", G_STRUCT_OFFSET (EmbargoLimits, max_work), FALSE },
  };
  g_auto (GStrv) lines = g_strsplit (sec->body->str, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (g_strstrip (lines[i]), ":", 2);
      if (kv[0] == NULL || kv[0][0] == '\0')
        continue;
      guint64 n;
      if (kv[1] == NULL || !g_ascii_string_to_unsigned (g_strstrip (kv[1]), 10, 0, G_MAXSIZE, &n, NULL))
        return FALSE;
      gboolean found = FALSE;
      for (guint f = 0; f < G_N_ELEMENTS (fields) && !found; f++)
        if ((found = strcmp (g_strstrip (kv[0]), fields[f].name) == 0))
          {
            if (fields[f].narrow)
              G_STRUCT_MEMBER (unsigned, lim, fields[f].offset) = (unsigned) n;
            else
              G_STRUCT_MEMBER (gsize, lim, fields[f].offset) = (gsize) n;
          }
      if (!found)
        return FALSE;
    }
  return TRUE;
}

/* Each non-empty line of SEC (%% txn-error, %% eval-error) must appear in the message of
 * ERROR (none is checked when there is no error: the caller asserts that there is one). */
static void
check_error_lines (const char *path, const Section *sec, const GError *error)
{
  g_auto (GStrv) want = g_strsplit (sec->body->str, "\n", -1);
  for (guint i = 0; want[i] && error; i++)
    if (want[i][0] && strstr (error->message, want[i]) == NULL)
      {
        fprintf (stderr, "\n%s: the error of %%%% %s lacks '%s'; it was:\n%s\n", path, sec->name,
                 want[i], error->message);
        CHECK_AT (FALSE, path, sec->line + 1 + i, "expected error line");
      }
}

static void
run_case (const char *path)
{
  g_autofree char *text = NULL;
  GError *e = NULL;
  if (!g_file_get_contents (path, &text, NULL, &e))
    {
      CHECK_AT (FALSE, path, 0, e->message);
      g_error_free (e);
      return;
    }
  g_autoptr (GPtrArray) secs = split_sections (text);
  for (guint i = 0; i < secs->len; i++)
    {
      Section *s = g_ptr_array_index (secs, i);
      CHECK_AT (decode_hex (s), path, s->line, "a hex section holds hex byte pairs");
    }
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *schema = check_schema (secs);
  if (schema)
    {
      fprintf (stderr, "\n%s: not a valid case file:\n%s", path, schema);
      CHECK_AT (FALSE, path, (unsigned) atoi (schema), "case file schema");
      return;
    }

  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  Section *limits = find (secs, "limits");
  if (limits && !parse_limits (limits, &lim))
    {
      CHECK_AT (FALSE, path, limits->line, "%% limits: NAME: N a line, NAME a field of EmbargoLimits");
      return;
    }

  /* Rules: a case without a rules section (one about transactions only) loads none. */
  EmbargoLoader *ld = embargo_loader_new (&lim);
  gboolean any_rules = FALSE;
  for (guint i = 0; i < secs->len; i++)
    {
      Section *s = g_ptr_array_index (secs, i);
      if (strcmp (s->name, "rules") == 0 || g_str_has_prefix (s->name, "rules "))
        {
          const char *file = s->name[5] ? s->name + 6 : "rules.yaml";
          embargo_loader_add_data (ld, s->body->str, s->body->len, file, NULL);
          any_rules = TRUE;
        }
    }
  EmbargoRuleset *rs = any_rules ? embargo_loader_finish (ld, &e) : NULL;
  Section *errors = find (secs, "errors");
  if (errors)
    {
      GString *got = g_string_new (NULL);
      const EmbargoDiagnostics *d = embargo_loader_get_diagnostics (ld);
      for (gsize i = 0; i < embargo_diagnostics_get_count (d); i++)
        {
          const EmbargoDiagnostic *x = embargo_diagnostics_get (d, i);
          if (x->severity == EMBARGO_SEVERITY_ERROR)
            g_string_append_printf (got, "%s:%u:%u: %s\n", x->source, x->line, x->column,
                                    x->code);
        }
      gboolean same = strcmp (got->str, errors->body->str) == 0;
      if (!same)
        fprintf (stderr, "\n%s: diagnostics differ\n--- expected\n%s--- got\n%s", path,
                 errors->body->str, got->str);
      CHECK_AT (same, path, errors->line, "loader diagnostics as listed in %% errors");
      CHECK_AT (rs == NULL, path, errors->line, "a rule set with errors must not load");
      g_string_free (got, TRUE);
    }
  else if (rs == NULL && any_rules)
    {
      fprintf (stderr, "\n%s: rules did not load:\n%s\n", path, e->message);
      CHECK_AT (FALSE, path, 1, "rules load");
    }
  g_clear_error (&e);
  embargo_loader_free (ld);

  Section *txn_sec = find (secs, "transaction");
  Section *txn_err = find (secs, "txn-error");
  Section *expect = find (secs, "expect");
  EmbargoTransaction *txn = NULL;
  if (txn_sec)
    {
      txn = embargo_transaction_new_from_data (txn_sec->body->str, txn_sec->body->len,
                                               "transaction", &lim, &e);
      if (txn_err)
        {
          CHECK_AT (txn == NULL, path, txn_err->line, "the transaction must be refused");
          check_error_lines (path, txn_err, e);
        }
      else if (txn == NULL)
        {
          fprintf (stderr, "\n%s: transaction refused:\n%s\n", path, e->message);
          CHECK_AT (FALSE, path, txn_sec->line, "transaction parses");
        }
      g_clear_error (&e);
    }

  Section *eval_err = find (secs, "eval-error");
  if (eval_err && rs && txn)
    {
      EmbargoEvalOptions opts = EMBARGO_EVAL_OPTIONS_INIT;
      Section *as_of = find (secs, "as_of");
      g_autofree char *date = as_of ? g_strstrip (g_strdup (as_of->body->str)) : NULL;
      opts.as_of = date;
      EmbargoDecision *d = embargo_evaluate (rs, txn, &opts, &e);
      CHECK_AT (d == NULL && e != NULL, path, eval_err->line, "evaluation must give no decision");
      check_error_lines (path, eval_err, e);
      g_clear_error (&e);
      embargo_decision_free (d);
    }

  if (expect && rs && txn)
    {
      Section *as_of = find (secs, "as_of");
      GString *suite = g_string_new ("cases:\n  - name: case\n    transaction_file: t\n");
      if (as_of)
        g_string_append_printf (suite, "    as_of: %s", as_of->body->str);
      g_string_append (suite, "    expect:\n");
      g_auto (GStrv) lines = g_strsplit (expect->body->str, "\n", -1);
      for (guint i = 0; lines[i]; i++)
        if (lines[i][0])
          g_string_append_printf (suite, "      %s\n", lines[i]);
      EmbargoSuite *s = embargo_suite_new_from_data (suite->str, suite->len, base, &e);
      if (s == NULL)
        {
          fprintf (stderr, "\n%s: bad expect section:\n%s\n", path, e->message);
          CHECK_AT (FALSE, path, expect->line, "expect section parses");
          g_clear_error (&e);
        }
      else
        {
          embargo_suite_set_transaction_data (s, 0, txn_sec->body->str, txn_sec->body->len,
                                              "transaction", NULL);
          g_autofree char *why = NULL;
          EmbargoDecision *d = embargo_suite_run (s, 0, rs, &why, &e);
          if (d == NULL)
            {
              fprintf (stderr, "\n%s: no decision: %s\n", path, e->message);
              g_clear_error (&e);
            }
          else if (why)
            {
              g_autofree char *json = embargo_decision_to_json (d);
              fprintf (stderr, "\n%s:\n%s\ndecision: %s\n", path, why, json);
            }
          CHECK_AT (d != NULL && why == NULL, path, expect->line, "decision as expected");
          embargo_decision_free (d);
          embargo_suite_free (s);
        }
      g_string_free (suite, TRUE);
    }
  embargo_transaction_free (txn);
  embargo_ruleset_unref (rs);
}

static gint
cmp_path (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Each case file is a CUnit test of its own, named by the file: the test finds its file
 * by its own name, so that a failure names the case file. */
static void
test_one_case (void)
{
  CU_pTest t = CU_get_current_test ();
  CU_ASSERT_PTR_NOT_NULL_FATAL (t);
  g_autofree char *path = g_build_filename (EMBARGO_TEST_CASES_DIR, t->pName, NULL);
  run_case (path);
}

/* The schema check itself: case files that would pass without testing are refused. */
static void
test_case_schema (void)
{
  static const struct {
    const char *text, *want;
  } bad[] = {
    { "%% rules\nrules: []\n%% transaction\nid: T\n%% expected\ndecision: deny\n",
      "5: unknown section '%% expected'" },
    { "%% rules\nrules: []\n%% errors\nrules.yaml:1:8: E-EMPTY\n%% transaction\nid: T\n",
      "5: the transaction is not checked" },
    { "%% rules\nrules: []\n", "1: asserts nothing" },
    { "%% rules\nrules: []\n%% transaction\nid: T\n%% expect\n\n", "5: section '%% expect' is empty" },
    { "%% rules\nrules: []\n%% errors\nrules.yaml:1:8: E-EMPTY\n%% errors\nx\n",
      "5: section '%% errors' given twice" },
    { "%% rules\nrules: []\n%% expect\ndecision: deny\n", "1: %% expect, %% eval-error and %% as_of need" },
    { "%% rules\nrules: []\n%% transaction\nid: T\n%% expect\ndecision: deny\n%% eval-error\nx\n",
      "1: %% expect and %% eval-error contradict" },
    { "%% limits\n\n%% rules\nrules: []\n%% errors\nrules.yaml:1:8: E-EMPTY\n",
      "1: section '%% limits' is empty" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GPtrArray) secs = split_sections (bad[i].text);
      g_autofree char *got = check_schema (secs);
      CU_ASSERT_PTR_NOT_NULL (got ? strstr (got, bad[i].want) : NULL);
      if (got == NULL || strstr (got, bad[i].want) == NULL)
        fprintf (stderr, "\ncase %zu: wanted '%s', got '%s'\n", i, bad[i].want, got);
    }
  /* And `expect:` itself, through the suite schema: empty, misspelt, wrong shapes. */
  static const char *const bad_expect[] = {
    "expect: {}", "expected: {decision: deny}", "expect: {decison: deny}",
    "expect: {items: [deny]}", "expect: {items: {\"1\": {}}}", "expect: {items: {\"1\": {rule: [x]}}}",
    "expect: {regimes: [EU]}", "expect: {regimes: {EU: forbid}}", "expect: {missing: {rule: x}}",
    "expect: {matched: [{rule: x}]}", "expect: {rule: [x]}", "expect: {decision: denied}",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad_expect); i++)
    {
      g_autofree char *text = g_strdup_printf ("cases:\n  - name: c\n    transaction_file: t\n"
                                               "    %s\n", bad_expect[i]);
      GError *e = NULL;
      EmbargoSuite *s = embargo_suite_new_from_data (text, strlen (text), "t.tests.yaml", &e);
      CU_ASSERT_PTR_NULL (s);
      CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "t.tests.yaml:") : NULL);
      if (s)
        fprintf (stderr, "\naccepted: %s\n", bad_expect[i]);
      embargo_suite_free (s);
      g_clear_error (&e);
    }
  static const char no_cases[] = "cases: []\n";
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_suite_new_from_data (no_cases, strlen (no_cases), "t", &e));
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "'cases' is empty") : NULL);
  g_clear_error (&e);
}

static void
test_case_count (void)
{
  /* At least as many case files as when each became a test of its own: a directory
   * emptied by mistake must not pass. */
  CU_ASSERT (CU_get_suite ("cases")->uiNumberOfTests >= 100);
}

void
register_case_tests (void)
{
  static const TestDef tests[] = {
    { "there are case files", test_case_count },
    { "case files and expectations that assert nothing are refused", test_case_schema },
    { NULL, NULL },
  };
  add_suite ("cases", tests);
  CU_pSuite suite = CU_get_suite ("cases");
  GDir *d = g_dir_open (EMBARGO_TEST_CASES_DIR, 0, NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".case"))
      g_ptr_array_add (files, g_strdup (name));
  if (d)
    g_dir_close (d);
  g_ptr_array_sort (files, cmp_path);
  /* CUnit copies the names. */
  for (guint i = 0; i < files->len; i++)
    CU_add_test (suite, g_ptr_array_index (files, i), test_one_case);
}
