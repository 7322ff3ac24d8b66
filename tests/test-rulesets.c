/* test-rulesets.c: loading rule sets and test suites from the file system, fail closed.
 *
 * An empty or emptied rule set, symbolic links (followed, loops refused, dangling ones an
 * error), lock files and expected digests that pin a set, reads bounded whatever the kind
 * of file, and test suites that may read only inside the rules tree
 * (docs/reliability.md lists each promise with its test here).
 */
#define _DEFAULT_SOURCE /* symlink() */
#include "tests.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char rule_ru[] =
  "rules:\n"
  "  - id: ru\n"
  "    title: Russia\n"
  "    regime: EU\n"
  "    authority: Council of the EU\n"
  "    citation: Regulation 833/2014\n"
  "    source_url: https://eur-lex.europa.eu\n"
  "    effective_from: 2014-07-31\n"
  "    effect: deny\n"
  "    when: {field: destination.country, equals: RU}\n";

static const char rule_ir[] =
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

/* Writes TEXT to DIR/NAME (NAME may hold sub-directories, created). */
static char *
put (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_mkdir_with_parents (parent, 0700);
  g_assert (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
rm_tree (const char *path)
{
  GStatBuf st;
  if (g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *sub = g_build_filename (path, name, NULL);
          rm_tree (sub);
        }
      if (d)
        g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* Loads PATH alone; returns the set, or NULL with the codes of the error diagnostics
 * in *CODES (" E-X E-Y "). */
static EmbargoRuleset *
load (const char *path, char **codes)
{
  EmbargoLoader *ld = embargo_loader_new (NULL);
  embargo_loader_add_path (ld, path, NULL);
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  GString *out = g_string_new (" ");
  const EmbargoDiagnostics *ds = embargo_loader_get_diagnostics (ld);
  for (gsize i = 0; i < embargo_diagnostics_get_count (ds); i++)
    if (embargo_diagnostics_get (ds, i)->severity == EMBARGO_SEVERITY_ERROR)
      g_string_append_printf (out, "%s ", embargo_diagnostics_get (ds, i)->code);
  g_free (*codes); /* a caller may load again into the same variable */
  *codes = g_string_free (out, FALSE);
  embargo_loader_free (ld);
  return rs;
}

/* PATH must not load, and its errors must be exactly WANT (" E-X "). */
static void
refused (const char *path, const char *want)
{
  g_autofree char *codes = NULL;
  EmbargoRuleset *rs = load (path, &codes);
  CU_ASSERT_PTR_NULL (rs);
  if (strcmp (codes, want) != 0)
    fprintf (stderr, "\n%s: wanted '%s', got '%s'\n", path, want, codes);
  CU_ASSERT_STRING_EQUAL (codes, want);
  embargo_ruleset_unref (rs);
}

/* ---- empty rule sets ---- */

static void
test_empty (void)
{
  /* Files that add nothing: 0 bytes, a comment, no rules and no lists. */
  static const char *const empty_files[] = { "", "# nothing here\n", "rules: []\n",
                                             "rules: []\nlists: []\n",
                                             "defaults: {regime: EU}\n" };
  for (gsize i = 0; i < G_N_ELEMENTS (empty_files); i++)
    {
      GError *e = NULL;
      EmbargoRuleset *rs = embargo_ruleset_new_from_data (empty_files[i],
                                                          strlen (empty_files[i]), "r.yaml", &e);
      CU_ASSERT_PTR_NULL (rs);
      CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
      CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "[E-EMPTY]") : NULL);
      g_clear_error (&e);
      embargo_ruleset_unref (rs);
    }
  /* A file of lists alone loads beside rules, but is no rule set on its own. */
  static const char lists[] = "lists: [{id: l, kind: countries, members: [CN]}]\n";
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_ruleset_new_from_data (lists, strlen (lists), "l.yaml", &e));
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "the rule set has no rules") : NULL);
  g_clear_error (&e);
  /* ... except for a program that reads only lists. */
  EmbargoLoader *ld = embargo_loader_new (NULL);
  embargo_loader_set_lists_only (ld);
  embargo_loader_add_data (ld, lists, strlen (lists), "l.yaml", NULL);
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  CU_ASSERT_PTR_NOT_NULL (rs);
  embargo_ruleset_unref (rs);
  embargo_loader_free (ld);

  /* No paths at all, an empty directory, a directory of non-rule files. */
  const char *none[] = { NULL };
  CU_ASSERT_PTR_NULL (embargo_ruleset_new_from_paths (none, &e));
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "[E-EMPTY]") : NULL);
  g_clear_error (&e);
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  refused (dir, " E-EMPTY ");
  g_autofree char *readme = put (dir, "README.md", "rules live here\n");
  g_autofree char *tests = put (dir, "a.tests.yaml", "cases: []\n");
  refused (dir, " E-EMPTY ");
  /* A pack truncated to 0 bytes beside a good one. */
  g_autofree char *good = put (dir, "a.yaml", rule_ru);
  g_autofree char *cut = put (dir, "b.yaml", "");
  refused (dir, " E-EMPTY ");
  rm_tree (dir);
}

static void
test_handle_refuses_empty (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *full = g_build_filename (dir, "full", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_autofree char *f = put (full, "ru.yaml", rule_ru);
  g_mkdir (empty, 0700);
  const char *full_paths[] = { full, NULL }, *empty_paths[] = { empty, NULL };
  EmbargoRuleset *rs = embargo_ruleset_new_from_paths (full_paths, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoRulesetHandle *h = embargo_handle_new (rs);
  GError *e = NULL;
  CU_ASSERT_FALSE (embargo_handle_reload_paths (h, empty_paths, &e));
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "no rule files") : NULL);
  g_clear_error (&e);
  EmbargoRuleset *cur = embargo_handle_get (h);
  CU_ASSERT_PTR_EQUAL (cur, rs);
  embargo_ruleset_unref (cur);
  embargo_handle_free (h);
  embargo_ruleset_unref (rs);
  rm_tree (dir);
}

/* ---- symbolic links ---- */

static void
test_symlinks (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *outside = g_build_filename (dir, "outside", NULL);
  g_autofree char *rules = g_build_filename (dir, "rules", NULL);
  g_autofree char *ru = put (outside, "ru.yaml", rule_ru);
  g_autofree char *ir = put (outside, "sub/ir.yaml", rule_ir);
  g_autofree char *own = put (rules, "own.yaml",
                              "lists: [{id: l, kind: countries, members: [CN]}]\n");
  g_autofree char *link_file = g_build_filename (rules, "ru.yaml", NULL);
  g_autofree char *link_dir = g_build_filename (rules, "sub", NULL);
  g_autofree char *sub = g_build_filename (outside, "sub", NULL);
  CU_ASSERT_EQUAL (symlink (ru, link_file), 0);
  CU_ASSERT_EQUAL (symlink (sub, link_dir), 0);

  /* Both links are followed: both rules are there. */
  g_autofree char *codes = NULL;
  EmbargoRuleset *rs = load (rules, &codes);
  CU_ASSERT_PTR_NOT_NULL (rs);
  if (rs)
    {
      CU_ASSERT_PTR_NOT_NULL (embargo_ruleset_lookup_rule (rs, "ru"));
      CU_ASSERT_PTR_NOT_NULL (embargo_ruleset_lookup_rule (rs, "ir"));
      g_autofree char *want = g_build_filename (rules, "sub", "ir.yaml", NULL);
      CU_ASSERT_STRING_EQUAL (embargo_rule_get_source_name (
                                embargo_ruleset_lookup_rule (rs, "ir")), want);
    }
  embargo_ruleset_unref (rs);

  /* A loop: a link back to an ancestor. */
  g_autofree char *loop = g_build_filename (sub, "loop", NULL);
  CU_ASSERT_EQUAL (symlink (rules, loop), 0);
  refused (rules, " E-IO ");
  g_unlink (loop);
  /* The same directory twice. */
  g_autofree char *twice = g_build_filename (rules, "sub2", NULL);
  CU_ASSERT_EQUAL (symlink (sub, twice), 0);
  refused (rules, " E-IO ");
  g_unlink (twice);
  /* A dangling rule file, and a dangling directory link: errors, never skips. */
  g_autofree char *dangling = g_build_filename (rules, "gone.yaml", NULL);
  CU_ASSERT_EQUAL (symlink ("/nonexistent/gone.yaml", dangling), 0);
  refused (rules, " E-IO ");
  g_unlink (dangling);
  g_autofree char *dangling_dir = g_build_filename (rules, "gone", NULL);
  CU_ASSERT_EQUAL (symlink ("/nonexistent/dir", dangling_dir), 0);
  refused (rules, " E-IO ");
  g_unlink (dangling_dir);
  /* A dangling link named on its own. */
  GError *e = NULL;
  const char *paths[] = { dangling, NULL };
  CU_ASSERT_EQUAL (symlink ("/nonexistent/gone.yaml", dangling), 0);
  CU_ASSERT_PTR_NULL (embargo_ruleset_new_from_paths (paths, &e));
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "dangling symbolic link") : NULL);
  g_clear_error (&e);
  /* A FIFO named *.yaml in a rules directory would block: it is an error. */
  g_unlink (dangling);
  g_autofree char *fifo = g_build_filename (rules, "fifo.yaml", NULL);
  CU_ASSERT_EQUAL (mkfifo (fifo, 0600), 0);
  refused (rules, " E-IO ");
  rm_tree (dir);
}

/* ---- bounded reads ---- */

static void
test_bounded_reads (void)
{
  /* /dev/zero never ends: it is refused at the limit, not read to exhaustion. */
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.max_input_bytes = 1000;
  EmbargoLoader *ld = embargo_loader_new (&lim);
  GError *e = NULL;
  CU_ASSERT_FALSE (embargo_loader_add_path (ld, "/dev/zero", &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT));
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "exceeds the limit of 1000 bytes") : NULL);
  g_clear_error (&e);
  const EmbargoDiagnostics *ds = embargo_loader_get_diagnostics (ld);
  CU_ASSERT_STRING_EQUAL (embargo_diagnostics_get (ds, 0)->code, "E-LIMIT");
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, NULL));
  embargo_loader_free (ld);
  /* The default limit holds too (64 MiB, read in well under a second). */
  ld = embargo_loader_new (NULL);
  CU_ASSERT_FALSE (embargo_loader_add_path (ld, "/dev/zero", &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT));
  g_clear_error (&e);
  embargo_loader_free (ld);
}

/* ---- pinning: lock files and expected digests ---- */

static char *
write_lock (const char *dir)
{
  GError *e = NULL;
  char *digest = NULL;
  g_autofree char *text = embargo_lock_new (dir, NULL, &digest, &e);
  CU_ASSERT_PTR_NOT_NULL (text);
  CU_ASSERT_PTR_NULL (e);
  g_clear_error (&e);
  g_autofree char *lock = put (dir, "embargo.lock", text ? text : "");
  return digest;
}

static void
test_lock (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *ru = put (dir, "eu/ru.yaml", rule_ru);
  g_autofree char *ir = put (dir, "us/ir.yaml", rule_ir);
  g_autofree char *digest = write_lock (dir);
  g_autofree char *lock = g_build_filename (dir, "embargo.lock", NULL);
  g_autofree char *text = NULL;
  g_file_get_contents (lock, &text, NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL (strstr (text, "embargo-lock 1\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (text, " eu/ru.yaml\n"));
  g_autofree char *dline = g_strdup_printf ("digest %s\n", digest);
  CU_ASSERT_PTR_NOT_NULL (strstr (text, dline));

  /* As locked: loads, with the digest the lock names. */
  g_autofree char *codes = NULL;
  EmbargoRuleset *rs = load (dir, &codes);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  CU_ASSERT_STRING_EQUAL (embargo_ruleset_get_digest (rs), digest);
  embargo_ruleset_unref (rs);

  /* Altered: refused at the lock's line for the file. */
  g_assert (g_file_set_contents (ir, "# edited\n" "rules: []\n", -1, NULL));
  refused (dir, " E-LOCK "); /* the altered bytes never reach the loader */
  g_assert (g_file_set_contents (ir, rule_ir, -1, NULL));
  /* Extra. */
  g_autofree char *extra = put (dir, "us/extra.yaml", "lists: [{id: x, kind: countries, "
                                                      "members: [CN]}]\n");
  refused (dir, " E-LOCK ");
  g_unlink (extra);
  /* Missing. */
  g_unlink (ir);
  refused (dir, " E-LOCK ");
  g_assert (g_file_set_contents (ir, rule_ir, -1, NULL));
  /* Back as locked. */
  rs = load (dir, &codes);
  CU_ASSERT_PTR_NOT_NULL (rs);
  embargo_ruleset_unref (rs);
  /* A lock edited by hand: a file's hash changed to match a tampered file, but not the
   * digest; a line that is not a lock line; a lock that is not a lock. */
  g_autofree char *tampered = g_strdup (text);
  char *hash = strstr (tampered, "file sha256:") + 12;
  hash[0] = hash[0] == '0' ? '1' : '0';
  g_assert (g_file_set_contents (lock, tampered, -1, NULL));
  refused (dir, " E-LOCK ");
  g_autofree char *junk = g_strconcat (text, "rules: please\n", NULL);
  g_assert (g_file_set_contents (lock, junk, -1, NULL));
  refused (dir, " E-LOCK ");
  g_assert (g_file_set_contents (lock, "", -1, NULL));
  refused (dir, " E-LOCK ");
  /* embargo_lock_new() ignores the lock already there. */
  g_free (write_lock (dir));
  rs = load (dir, &codes);
  CU_ASSERT_PTR_NOT_NULL (rs);
  embargo_ruleset_unref (rs);
  /* Not a directory, or rules that do not load: no lock. */
  GError *e = NULL;
  CU_ASSERT_PTR_NULL (embargo_lock_new (ru, NULL, NULL, &e));
  CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_IO));
  g_clear_error (&e);
  g_autofree char *bad = put (dir, "bad.yaml", "rules: [\n");
  CU_ASSERT_PTR_NULL (embargo_lock_new (dir, NULL, NULL, &e));
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "bad.yaml") : NULL);
  g_clear_error (&e);
  rm_tree (dir);
}

static void
test_expected_digest (void)
{
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_ruleset_new_from_data (rule_ru, strlen (rule_ru), "r.yaml", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  g_autofree char *digest = g_strdup (embargo_ruleset_get_digest (rs));
  embargo_ruleset_unref (rs);

  EmbargoLoader *ld = embargo_loader_new (NULL);
  CU_ASSERT_TRUE (embargo_loader_set_expected_digest (ld, digest, &e));
  embargo_loader_add_data (ld, rule_ru, strlen (rule_ru), "r.yaml", NULL);
  rs = embargo_loader_finish (ld, &e);
  CU_ASSERT_PTR_NOT_NULL (rs);
  embargo_ruleset_unref (rs);
  embargo_loader_free (ld);

  ld = embargo_loader_new (NULL);
  CU_ASSERT_TRUE (embargo_loader_set_expected_digest (ld, digest, &e));
  embargo_loader_add_data (ld, rule_ir, strlen (rule_ir), "r.yaml", NULL);
  CU_ASSERT_PTR_NULL (embargo_loader_finish (ld, &e));
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, digest) : NULL);
  CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "[E-DIGEST]") : NULL);
  g_clear_error (&e);
  embargo_loader_free (ld);

  static const char *const malformed[] = { "", "sha256:", "sha1:00", "SHA256:" };
  ld = embargo_loader_new (NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      CU_ASSERT_FALSE (embargo_loader_set_expected_digest (ld, malformed[i], &e));
      CU_ASSERT (g_error_matches (e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
      g_clear_error (&e);
    }
  g_autofree char *upper = g_ascii_strup (digest, -1);
  CU_ASSERT_FALSE (embargo_loader_set_expected_digest (ld, upper, &e));
  g_clear_error (&e);
  embargo_loader_free (ld);
}

/* ---- test suites read inside the rules tree ---- */

static void
test_suite_confined (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embargo-XXXXXX", NULL);
  g_autofree char *rules = g_build_filename (dir, "rules", NULL);
  static const char txn[] = "id: T\ndate: 2024-01-01\ndestination: {country: RU}\n"
                            "buyer: {name: B}\nitems: [{id: a}]\n";
  g_autofree char *inside = put (rules, "fixtures/t.txn", txn);
  g_autofree char *outside = put (dir, "t.txn", txn);
  g_autofree char *link = g_build_filename (rules, "fixtures", "link.txn", NULL);
  CU_ASSERT_EQUAL (symlink (outside, link), 0);
  struct {
    const char *file;
    gboolean ok;
    const char *why;
  } cases[] = {
    { "../fixtures/t.txn", TRUE, NULL },
    { "../../t.txn", FALSE, "outside the rules tree" },
    { "../fixtures/link.txn", FALSE, "outside the rules tree" },
    { "/dev/zero", FALSE, "is an absolute path" },
    { "../../../../../../../../dev/zero", FALSE, "outside the rules tree" },
    { "../fixtures/none.txn", FALSE, "cannot be resolved" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("cases:\n  - name: c\n    transaction_file: %s\n"
                                               "    expect: {decision: deny}\n", cases[i].file);
      g_autofree char *suite_path = put (rules, "eu/ru.tests.yaml", text);
      GError *e = NULL;
      EmbargoSuite *s = embargo_suite_new_from_file_within (suite_path, rules, &e);
      CU_ASSERT_EQUAL (s != NULL, cases[i].ok);
      if (!cases[i].ok)
        {
          CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, cases[i].why) : NULL);
          /* At the value's position. */
          CU_ASSERT_PTR_NOT_NULL (e ? strstr (e->message, "ru.tests.yaml:3:23: error:") : NULL);
          if (e && !strstr (e->message, cases[i].why))
            fprintf (stderr, "\n%s\n", e->message);
        }
      g_clear_error (&e);
      embargo_suite_free (s);
      /* Without a root, the suite's own directory is the tree. */
      s = embargo_suite_new_from_file (suite_path, &e);
      CU_ASSERT_PTR_NULL (s);
      g_clear_error (&e);
      embargo_suite_free (s);
    }
  rm_tree (dir);
}

void
register_ruleset_tests (void)
{
  static const TestDef tests[] = {
    { "an empty rule set or rule file is an error", test_empty },
    { "the reload handle refuses an empty rule set", test_handle_refuses_empty },
    { "symbolic links followed, loops and dangling links refused", test_symlinks },
    { "every read is bounded, whatever the kind of file", test_bounded_reads },
    { "a lock file pins the files of a rule directory", test_lock },
    { "an expected digest pins the rule set", test_expected_digest },
    { "test suites read only inside the rules tree", test_suite_confined },
    { NULL, NULL },
  };
  add_suite ("rulesets", tests);
}
