/* cmd-diff.c: `embargo diff BASE HEAD --corpus FILE`: what a change to the rules
 * changes, before it is merged.
 *
 * Two questions, answered in turn:
 *   1. Which rules were added, removed or changed? Rules are matched by id; a rule
 *      changed when its fingerprint (embargo_rule_get_fingerprint(): its YAML as
 *      written, layout aside, plus the file defaults it takes) differs.
 *   2. Which decisions change? Every transaction of the corpus (JSON Lines) is decided
 *      under both rule sets; a decision changed when its outcome or its deciding rule
 *      (by id) differs. Changes are grouped by (outcome and rule before, outcome and
 *      rule after), the rules responsible, with counts and a few transaction ids.
 * --fail-on says which changes fail the gate.
 *
 * BASE and HEAD are rule directories or files, or git revisions: "git:REV:PATH", or
 * "REV:PATH" when that is not a file and REV names a commit. A revision is written out
 * with `git archive` into a temporary directory, removed afterwards; its source names
 * are shown relative to the repository.
 *
 * Speed: the corpus is read once into memory and cut into lines; N threads (default 2)
 * each take a contiguous share and parse and decide their lines under both rule sets
 * (rule sets are immutable and shared without locks). Each line's result goes into its
 * own slot, so the merge that follows is single-threaded and in input order.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "html.h"
#include "report.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rule sets from directories or git revisions ---- */

typedef struct {
  char *spec;      /* as given */
  char *tmpdir;    /* a git revision written out here, or NULL */
  char *path;      /* what the loader reads */
  EmbargoRuleset *rs;
} Side;

static void
rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *full = g_build_filename (path, name, NULL);
          rm_rf (full);
        }
      if (d)
        g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
side_clear (Side *s)
{
  embargo_ruleset_unref (s->rs);
  if (s->tmpdir)
    rm_rf (s->tmpdir);
  g_free (s->tmpdir);
  g_free (s->path);
  g_free (s->spec);
}

static gboolean
run (const char *const *argv, GError **error)
{
  int status;
  g_autofree char *err = NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s failed: %s", argv[0],
                   err && *err ? g_strstrip (err) : "no message");
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_commit (const char *rev)
{
  g_autofree char *spec = g_strdup_printf ("%s^{commit}", rev);
  const char *argv[] = { "git", "rev-parse", "--verify", "--quiet", spec, NULL };
  return run (argv, NULL);
}

/* Resolves SPEC into S->path, writing out a git revision when it names one. */
static gboolean
side_open (Side *s, const char *spec)
{
  s->spec = g_strdup (spec);
  g_autofree char *rev = NULL, *sub = NULL;
  if (g_str_has_prefix (spec, "git:"))
    {
      const char *colon = strchr (spec + 4, ':');
      rev = g_strndup (spec + 4, colon ? (gsize) (colon - spec - 4) : strlen (spec + 4));
      sub = g_strdup (colon && colon[1] ? colon + 1 : ".");
    }
  else if (!g_file_test (spec, G_FILE_TEST_EXISTS) && strchr (spec, ':'))
    {
      const char *colon = strchr (spec, ':');
      g_autofree char *maybe = g_strndup (spec, colon - spec);
      if (is_commit (maybe))
        {
          rev = g_steal_pointer (&maybe);
          sub = g_strdup (colon[1] ? colon + 1 : ".");
        }
    }
  if (rev == NULL)
    {
      if (!g_file_test (spec, G_FILE_TEST_EXISTS))
        {
          cli_error ("E-IO", spec, 0, 0, "no such file or directory (nor a git:REV:PATH)");
          return FALSE;
        }
      s->path = g_strdup (spec);
      return TRUE;
    }
  GError *e = NULL;
  s->tmpdir = g_dir_make_tmp ("embargo-diff-XXXXXX", &e);
  if (s->tmpdir == NULL)
    {
      cli_error ("E-IO", NULL, 0, 0, "%s", e->message);
      g_error_free (e);
      return FALSE;
    }
  g_autofree char *tar = g_build_filename (s->tmpdir, "rules.tar", NULL);
  const char *archive[] = { "git", "archive", "--format=tar", "-o", tar, rev, "--", sub, NULL };
  const char *extract[] = { "tar", "-xf", tar, "-C", s->tmpdir, NULL };
  if (!run (archive, &e) || !run (extract, &e))
    {
      cli_error ("E-IO", spec, 0, 0, "%s", e->message);
      g_error_free (e);
      return FALSE;
    }
  g_unlink (tar);
  s->path = g_build_filename (s->tmpdir, sub, NULL);
  return TRUE;
}

/* A source name as the user knows it: inside a written-out revision, relative to the
 * repository. */
static const char *
shown_source (const Side *s, const char *source)
{
  gsize n = s->tmpdir ? strlen (s->tmpdir) : 0;
  if (n && strncmp (source, s->tmpdir, n) == 0 && source[n] == '/')
    return source + n + 1;
  return source;
}

/* ---- replaying the corpus ---- */

typedef struct {
  EmbargoOutcome outcome[2];
  const EmbargoRule *rule[2];
  char *txn_id;   /* only when the decision changed */
  char *error;    /* the line could not be decided */
  gboolean blank;
} LineResult;

typedef struct {
  const char *corpus_name;
  const char *data;
  const gsize *starts; /* line I is data[starts[I] .. starts[I + 1] - 1) */
  gsize first, last;   /* this worker's lines */
  EmbargoRuleset *rs[2];
  const char *as_of;
  LineResult *out;
  const EmbargoLimits *limits; /* for each transaction of the corpus */
} Work;

static gboolean
same_rule (const EmbargoRule *a, const EmbargoRule *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp (embargo_rule_get_id (a), embargo_rule_get_id (b)) == 0;
}

static gpointer
replay (gpointer data)
{
  Work *w = data;
  EmbargoEvalOptions opts = EMBARGO_EVAL_OPTIONS_INIT;
  opts.as_of = w->as_of;
  char source[512];
  for (gsize i = w->first; i < w->last; i++)
    {
      LineResult *res = &w->out[i];
      const char *line = w->data + w->starts[i];
      gsize len = w->starts[i + 1] - w->starts[i];
      gsize k = 0;
      while (k < len && g_ascii_isspace (line[k]))
        k++;
      if (k == len)
        {
          res->blank = TRUE;
          continue;
        }
      g_snprintf (source, sizeof source, "%s (line %zu)", w->corpus_name, i + 1);
      GError *e = NULL;
      EmbargoTransaction *txn = embargo_transaction_new_from_data (line, len, source, w->limits,
                                                                   &e);
      for (int side = 0; side < 2 && txn; side++)
        {
          EmbargoDecision *d = embargo_evaluate (w->rs[side], txn, &opts, &e);
          if (d == NULL)
            break;
          res->outcome[side] = embargo_decision_get_outcome (d);
          res->rule[side] = embargo_decision_get_rule (d);
          embargo_decision_free (d);
        }
      if (e)
        {
          res->error = g_strdup_printf ("%s%s", txn ? source : "", e->message);
          g_error_free (e);
        }
      else if (res->outcome[0] != res->outcome[1] || !same_rule (res->rule[0], res->rule[1]))
        res->txn_id = g_strdup (embargo_transaction_get_id (txn));
      embargo_transaction_free (txn);
    }
  return NULL;
}

/* ---- the gate ---- */

typedef struct {
  gboolean any, loosened, tightened, rule_only;
  guint32 transitions; /* bit (from * 4 + to) */
} FailOn;

static gboolean
parse_fail_on (const char *spec, FailOn *f)
{
  memset (f, 0, sizeof *f);
  /* An empty value is most often an unset CI variable: a gate that checks nothing must
   * not pass silently. "none" says so on purpose. */
  g_autofree char *all = g_strstrip (g_strdup (spec));
  if (*all == '\0')
    {
      fprintf (stderr, "embargo diff: error: --fail-on is empty (an unset variable?): give "
                       "any, loosened, tightened, rule, none, or OUTCOME-to-OUTCOME such as "
                       "deny-to-allow\n");
      return FALSE;
    }
  g_auto (GStrv) parts = g_strsplit (spec, ",", -1);
  for (char **p = parts; *p; p++)
    {
      const char *w = g_strstrip (*p);
      if (strcmp (w, "any") == 0)
        f->any = TRUE;
      else if (strcmp (w, "loosened") == 0)
        f->loosened = TRUE;
      else if (strcmp (w, "tightened") == 0)
        f->tightened = TRUE;
      else if (strcmp (w, "rule") == 0)
        f->rule_only = TRUE;
      else if (strcmp (w, "none") == 0)
        continue;
      else
        {
          const char *to = strstr (w, "-to-");
          g_autofree char *from = to ? g_strndup (w, to - w) : NULL;
          EmbargoOutcome a, b;
          gboolean from_any = from && strcmp (from, "*") == 0;
          gboolean to_any = to && strcmp (to + 4, "*") == 0;
          if (to == NULL || !(from_any || embargo_outcome_from_string (from, &a))
              || !(to_any || embargo_outcome_from_string (to + 4, &b)))
            {
              fprintf (stderr, "embargo diff: error: --fail-on: unknown change '%s' (any, "
                               "loosened, tightened, rule, none, or OUTCOME-to-OUTCOME such "
                               "as deny-to-allow)\n", cli_safe (w));
              return FALSE;
            }
          for (int x = 0; x < 4; x++)
            for (int y = 0; y < 4; y++)
              if ((from_any || x == (int) a) && (to_any || y == (int) b) && x != y)
                f->transitions |= 1u << (x * 4 + y);
        }
    }
  return TRUE;
}

static gboolean
fails (const FailOn *f, EmbargoOutcome before, EmbargoOutcome after)
{
  if (f->any)
    return TRUE;
  if (before == after)
    return f->rule_only;
  if (f->transitions & (1u << (before * 4 + after)))
    return TRUE;
  return after < before ? f->loosened : f->tightened;
}

/* ---- grouping ---- */

typedef struct {
  EmbargoOutcome outcome[2];
  const EmbargoRule *rule[2];
  gsize count;
  GPtrArray *examples; /* borrowed txn ids, up to MAX_EXAMPLES */
  gboolean fails;
} Group;

#define MAX_EXAMPLES 3

static void
group_free (gpointer p)
{
  Group *g = p;
  g_ptr_array_free (g->examples, TRUE);
  g_free (g);
}

static int
cmp_group (const void *pa, const void *pb)
{
  const Group *a = *(Group *const *) pa, *b = *(Group *const *) pb;
  if (a->fails != b->fails)
    return a->fails ? -1 : 1;
  return a->count > b->count ? -1 : a->count < b->count;
}

static const char *
rule_id (const EmbargoRule *r)
{
  return r ? embargo_rule_get_id (r) : NULL;
}

typedef struct {
  Side *side[2];
  GPtrArray *added, *removed, *changed; /* const EmbargoRule* (head for added/changed) */
  GPtrArray *groups;
  gsize transactions, changed_count, failing;
  const char *fail_on;
} Diff;

/* The rules that changed, by kind: each output walks them in this order. */
typedef struct {
  GPtrArray *rules;
  const char *code, *what;
  int side; /* where the rule is shown: 0 base, 1 head */
} RuleChanges;

static void
rule_changes (const Diff *d, RuleChanges out[3])
{
  out[0] = (RuleChanges) { d->added, "D-RULE-ADDED", "added", 1 };
  out[1] = (RuleChanges) { d->removed, "D-RULE-REMOVED", "removed", 0 };
  out[2] = (RuleChanges) { d->changed, "D-RULE-CHANGED", "changed", 1 };
}

static void
json_side (yajl_gen g, const char *key, const EmbargoOutcome o, const EmbargoRule *r)
{
  report_json_key (g, key);
  yajl_gen_map_open (g);
  report_json_kv_str (g, "outcome", embargo_outcome_to_string (o));
  report_json_kv_str (g, "rule", rule_id (r));
  yajl_gen_map_close (g);
}

static void
json_rules (yajl_gen g, const char *key, GPtrArray *rules, const Side *side)
{
  report_json_key (g, key);
  yajl_gen_array_open (g);
  for (guint i = 0; i < rules->len; i++)
    {
      const EmbargoRule *r = g_ptr_array_index (rules, i);
      yajl_gen_map_open (g);
      report_json_kv_str (g, "id", embargo_rule_get_id (r));
      report_json_kv_str (g, "file", shown_source (side, embargo_rule_get_source_name (r)));
      report_json_kv_int (g, "line", embargo_rule_get_line (r));
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static void
json_extra (yajl_gen g, gpointer data)
{
  const Diff *d = data;
  for (int s = 0; s < 2; s++)
    {
      report_json_key (g, s ? "head" : "base");
      yajl_gen_map_open (g);
      report_json_kv_str (g, "spec", d->side[s]->spec);
      report_json_kv_str (g, "digest", embargo_ruleset_get_digest (d->side[s]->rs));
      report_json_kv_int (g, "rules", embargo_ruleset_get_rule_count (d->side[s]->rs));
      yajl_gen_map_close (g);
    }
  report_json_key (g, "rules");
  yajl_gen_map_open (g);
  json_rules (g, "added", d->added, d->side[1]);
  json_rules (g, "removed", d->removed, d->side[0]);
  json_rules (g, "changed", d->changed, d->side[1]);
  yajl_gen_map_close (g);
  report_json_kv_int (g, "transactions", d->transactions);
  report_json_kv_int (g, "changed", d->changed_count);
  report_json_kv_str (g, "fail_on", d->fail_on);
  report_json_kv_int (g, "failing", d->failing);
  report_json_key (g, "groups");
  yajl_gen_array_open (g);
  for (guint i = 0; i < d->groups->len; i++)
    {
      const Group *gr = g_ptr_array_index (d->groups, i);
      yajl_gen_map_open (g);
      json_side (g, "before", gr->outcome[0], gr->rule[0]);
      json_side (g, "after", gr->outcome[1], gr->rule[1]);
      report_json_kv_int (g, "count", gr->count);
      report_json_key (g, "fails");
      yajl_gen_bool (g, gr->fails);
      report_json_key (g, "examples");
      yajl_gen_array_open (g);
      for (guint k = 0; k < gr->examples->len; k++)
        report_json_str (g, g_ptr_array_index (gr->examples, k));
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static void
compare_rules (Diff *d)
{
  EmbargoRuleset *base = d->side[0]->rs, *head = d->side[1]->rs;
  for (gsize i = 0; i < embargo_ruleset_get_rule_count (head); i++)
    {
      const EmbargoRule *r = embargo_ruleset_get_rule (head, i);
      const EmbargoRule *b = embargo_ruleset_lookup_rule (base, embargo_rule_get_id (r));
      if (b == NULL)
        g_ptr_array_add (d->added, (gpointer) r);
      else if (strcmp (embargo_rule_get_fingerprint (b), embargo_rule_get_fingerprint (r)) != 0)
        g_ptr_array_add (d->changed, (gpointer) r);
    }
  for (gsize i = 0; i < embargo_ruleset_get_rule_count (base); i++)
    {
      const EmbargoRule *r = embargo_ruleset_get_rule (base, i);
      if (embargo_ruleset_lookup_rule (head, embargo_rule_get_id (r)) == NULL)
        g_ptr_array_add (d->removed, (gpointer) r);
    }
}

static char *
describe (EmbargoOutcome o, const EmbargoRule *r)
{
  return g_strdup_printf ("%s (%s)", embargo_outcome_to_string (o),
                          r ? cli_safe (rule_id (r)) : "no rule");
}

/* Findings for SARIF and GitHub: each group at the rule that decides after the change
 * (or before, when no rule does after); each rule added, removed or changed. */
static void
fill_report (Report *rep, const Diff *d)
{
  for (guint i = 0; i < d->groups->len; i++)
    {
      const Group *g = g_ptr_array_index (d->groups, i);
      int s = g->rule[1] ? 1 : 0;
      const EmbargoRule *at = g->rule[s];
      g_autofree char *before = describe (g->outcome[0], g->rule[0]);
      g_autofree char *after = describe (g->outcome[1], g->rule[1]);
      report_add_finding (rep, g->fails ? EMBARGO_SEVERITY_ERROR : EMBARGO_SEVERITY_NOTE,
                          g->fails ? "D-DECISION-GATE" : "D-DECISION-CHANGED",
                          at ? shown_source (d->side[s], embargo_rule_get_source_name (at)) : NULL,
                          at ? embargo_rule_get_line (at) : 0, at ? 1 : 0,
                          "%zu decision%s change from %s to %s (e.g. %s)", g->count,
                          g->count == 1 ? "" : "s", before, after,
                          (const char *) g_ptr_array_index (g->examples, 0));
    }
  RuleChanges kinds[3];
  rule_changes (d, kinds);
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint i = 0; i < kinds[k].rules->len; i++)
      {
        const EmbargoRule *r = g_ptr_array_index (kinds[k].rules, i);
        report_add_finding (rep, EMBARGO_SEVERITY_NOTE, kinds[k].code,
                            shown_source (d->side[kinds[k].side], embargo_rule_get_source_name (r)),
                            embargo_rule_get_line (r), 1, "rule '%s' %s", embargo_rule_get_id (r),
                            kinds[k].what);
      }
}

static void
print_text (const Diff *d)
{
  for (int s = 0; s < 2; s++)
    printf ("%s  %s: %zu rules, %s\n", s ? "head" : "base", cli_safe (d->side[s]->spec),
            embargo_ruleset_get_rule_count (d->side[s]->rs),
            embargo_ruleset_get_digest (d->side[s]->rs));
  RuleChanges kinds[3];
  rule_changes (d, kinds);
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint i = 0; i < kinds[k].rules->len; i++)
      {
        const EmbargoRule *r = g_ptr_array_index (kinds[k].rules, i);
        printf ("  %-8s %s  %s:%u\n", kinds[k].what, cli_safe (embargo_rule_get_id (r)),
                cli_safe (shown_source (d->side[kinds[k].side],
                                        embargo_rule_get_source_name (r))),
                embargo_rule_get_line (r));
      }
  printf ("rules: %u added, %u removed, %u changed\n", d->added->len, d->removed->len,
          d->changed->len);
  for (guint i = 0; i < d->groups->len; i++)
    {
      const Group *g = g_ptr_array_index (d->groups, i);
      g_autofree char *before = describe (g->outcome[0], g->rule[0]);
      g_autofree char *after = describe (g->outcome[1], g->rule[1]);
      printf ("%s %8zu  %s -> %s   e.g. ", g->fails ? "FAIL" : "    ", g->count, before, after);
      for (guint k = 0; k < g->examples->len; k++)
        printf ("%s%s", k ? ", " : "", cli_safe (g_ptr_array_index (g->examples, k)));
      printf ("\n");
    }
  printf ("decisions: %zu of %zu transactions changed; %zu fail the gate (--fail-on %s)\n",
          d->changed_count, d->transactions, d->failing, cli_safe (d->fail_on));
}

/* A rule set's side of the page: how it was given, its digest and size. */
static void
html_side (GString *out, const char *name, const Side *s)
{
  html_add (out, "<tr><th>%s</th><td><code>%s</code></td><td><code>%s</code></td><td>%zu</td>"
                 "</tr>\n", name, s->spec, embargo_ruleset_get_digest (s->rs),
            embargo_ruleset_get_rule_count (s->rs));
}

static void
html_before_after (GString *out, EmbargoOutcome o, const EmbargoRule *r, const Side *s)
{
  html_outcome (out, o);
  if (r == NULL)
    {
      g_string_append (out, " <small>no rule applies</small>");
      return;
    }
  html_add (out, " <code>%s</code>: %s<br><small>%s; <code>%s:%u</code></small>",
            embargo_rule_get_id (r), embargo_rule_get_title (r), embargo_rule_get_citation (r),
            shown_source (s, embargo_rule_get_source_name (r)), embargo_rule_get_line (r));
}

/* The whole diff as one page: the two rule sets, the rules that changed, and each group
 * of changed decisions with the rules (title, citation, source) before and after. */
static gboolean
write_html (const Diff *d)
{
  g_autoptr (HtmlPage) page = html_page_new ("embargo diff");
  GString *out = html_body (page);
  g_string_append (out, "<table><tr><th></th><th>rules</th><th>digest</th><th>count</th>"
                        "</tr>\n");
  html_side (out, "base", d->side[0]);
  html_side (out, "head", d->side[1]);
  html_add (out, "</table>\n<p>%zu of %zu transactions changed; <span class=\"%s\">%zu fail "
                 "the gate</span> (<code>--fail-on %s</code>).</p>\n", d->changed_count,
            d->transactions, d->failing ? "fail" : "", d->failing, d->fail_on);
  g_string_append (out, "<h2>Decisions that changed</h2>\n");
  if (d->groups->len == 0)
    g_string_append (out, "<p>None.</p>\n");
  else
    g_string_append (out, "<table><tr><th>gate</th><th>count</th><th>before</th>"
                          "<th>after</th><th>for example</th></tr>\n");
  for (guint i = 0; i < d->groups->len; i++)
    {
      const Group *g = g_ptr_array_index (d->groups, i);
      html_add (out, "<tr><td class=\"%s\">%s</td><td>%zu</td><td>", g->fails ? "fail" : "",
                g->fails ? "FAIL" : "ok", g->count);
      html_before_after (out, g->outcome[0], g->rule[0], d->side[0]);
      g_string_append (out, "</td><td>");
      html_before_after (out, g->outcome[1], g->rule[1], d->side[1]);
      g_string_append (out, "</td><td>");
      for (guint k = 0; k < g->examples->len; k++)
        html_add (out, "%s<code>%s</code>", k ? ", " : "",
                  (const char *) g_ptr_array_index (g->examples, k));
      g_string_append (out, "</td></tr>\n");
    }
  if (d->groups->len)
    g_string_append (out, "</table>\n");
  g_string_append (out, "<h2>Rules that changed</h2>\n");
  RuleChanges kinds[3];
  rule_changes (d, kinds);
  if (d->added->len + d->removed->len + d->changed->len == 0)
    g_string_append (out, "<p>None.</p>\n");
  else
    g_string_append (out, "<table><tr><th></th><th>rule</th><th>title</th><th>citation</th>"
                          "<th>source</th></tr>\n");
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint i = 0; i < kinds[k].rules->len; i++)
      {
        const EmbargoRule *r = g_ptr_array_index (kinds[k].rules, i);
        html_add (out, "<tr><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td>"
                       "<td><code>%s:%u</code></td></tr>\n", kinds[k].what,
                  embargo_rule_get_id (r), embargo_rule_get_title (r),
                  embargo_rule_get_citation (r),
                  shown_source (d->side[kinds[k].side], embargo_rule_get_source_name (r)),
                  embargo_rule_get_line (r));
      }
  if (d->added->len + d->removed->len + d->changed->len)
    g_string_append (out, "</table>\n");
  return html_page_write (page, stdout);
}

/* One cell: OUTCOME (RULE), the rule's source under it. */
static void
md_before_after (GString *out, EmbargoOutcome o, const EmbargoRule *r, const Side *s)
{
  g_string_append_printf (out, "**%s**", embargo_outcome_to_string (o));
  if (r == NULL)
    {
      g_string_append (out, " (no rule applies)");
      return;
    }
  g_string_append (out, " ");
  report_markdown_append (out, rule_id (r));
  g_autofree char *where = g_strdup_printf ("%s:%u",
                                            shown_source (s, embargo_rule_get_source_name (r)),
                                            embargo_rule_get_line (r));
  g_string_append (out, "<br>");
  report_markdown_append (out, where);
}

/* The diff as Markdown, for a CI job summary: the two rule sets, the decisions that
 * changed and the rules that changed, as tables. */
static gboolean
write_markdown (const Diff *d)
{
  g_autoptr (GString) out = g_string_new ("### embargo diff\n\n| | rules | digest | count |\n"
                                          "| --- | --- | --- | ---: |\n");
  for (int s = 0; s < 2; s++)
    {
      g_string_append_printf (out, "| %s | ", s ? "head" : "base");
      report_markdown_append (out, d->side[s]->spec);
      g_string_append_printf (out, " | %s | %zu |\n", embargo_ruleset_get_digest (d->side[s]->rs),
                              embargo_ruleset_get_rule_count (d->side[s]->rs));
    }
  g_string_append_printf (out, "\n%zu of %zu transactions changed; %s%zu fail the gate%s "
                               "(--fail-on ", d->changed_count, d->transactions,
                          d->failing ? "**" : "", d->failing, d->failing ? "**" : "");
  report_markdown_append (out, d->fail_on);
  g_string_append (out, ").\n\n#### Decisions that changed\n\n");
  if (d->groups->len == 0)
    g_string_append (out, "None.\n");
  else
    g_string_append (out, "| gate | count | before | after | for example |\n"
                          "| --- | ---: | --- | --- | --- |\n");
  for (guint i = 0; i < d->groups->len; i++)
    {
      const Group *g = g_ptr_array_index (d->groups, i);
      g_string_append_printf (out, "| %s | %zu | ", g->fails ? "**FAIL**" : "ok", g->count);
      md_before_after (out, g->outcome[0], g->rule[0], d->side[0]);
      g_string_append (out, " | ");
      md_before_after (out, g->outcome[1], g->rule[1], d->side[1]);
      g_string_append (out, " | ");
      for (guint k = 0; k < g->examples->len; k++)
        {
          if (k)
            g_string_append (out, ", ");
          report_markdown_append (out, g_ptr_array_index (g->examples, k));
        }
      g_string_append (out, " |\n");
    }
  g_string_append (out, "\n#### Rules that changed\n\n");
  RuleChanges kinds[3];
  rule_changes (d, kinds);
  if (d->added->len + d->removed->len + d->changed->len == 0)
    g_string_append (out, "None.\n");
  else
    g_string_append (out, "| | rule | title | citation | source |\n"
                          "| --- | --- | --- | --- | --- |\n");
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint i = 0; i < kinds[k].rules->len; i++)
      {
        const EmbargoRule *r = g_ptr_array_index (kinds[k].rules, i);
        g_autofree char *where = g_strdup_printf (
          "%s:%u", shown_source (d->side[kinds[k].side], embargo_rule_get_source_name (r)),
          embargo_rule_get_line (r));
        const char *cells[] = { embargo_rule_get_id (r), embargo_rule_get_title (r),
                                embargo_rule_get_citation (r), where };
        g_string_append_printf (out, "| %s |", kinds[k].what);
        for (gsize c = 0; c < G_N_ELEMENTS (cells); c++)
          {
            g_string_append_c (out, ' ');
            report_markdown_append (out, cells[c]);
            g_string_append (out, " |");
          }
        g_string_append_c (out, '\n');
      }
  return fwrite (out->str, 1, out->len, stdout) == out->len;
}

static const char *
or_empty (const char *s)
{
  return s ? s : "";
}

static void
free_results (LineResult *res, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_free (res[i].txn_id);
      g_free (res[i].error);
    }
}

/* Replays CORPUS under both sides, groups what changed and reports it. Returns the
 * exit status. */
static int
replay_and_report (Side sides[2], const char *corpus, const char *as_of, int threads,
                   const FailOn *fail_on_p, const char *fail_on_spec, ReportFormat format,
                   const EmbargoLimits *limits)
{
  const FailOn fail_on = *fail_on_p;
  g_autofree char *data = NULL;
  gsize len = 0;
  /* The corpus as a whole is bounded by --max-input-bytes, like every input. */
  if (!cli_read_input_limited (corpus, limits->max_input_bytes, &data, &len))
    return EXIT_NO_DECISION;

  /* Lines, then the replay. */
  g_autoptr (GArray) starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize zero = 0;
  g_array_append_val (starts, zero);
  for (gsize i = 0; i < len; i++)
    if (data[i] == '\n')
      {
        gsize next = i + 1;
        g_array_append_val (starts, next);
      }
  if (g_array_index (starts, gsize, starts->len - 1) != len)
    g_array_append_val (starts, len);
  gsize nlines = starts->len - 1;
  g_autofree LineResult *res = g_new0 (LineResult, MAX (nlines, 1));
  g_autofree Work *work = g_new0 (Work, threads);
  g_autofree GThread **pool = g_new0 (GThread *, threads);
  for (int t = 0; t < threads; t++)
    {
      work[t] = (Work) { corpus, data, (const gsize *) (void *) starts->data, nlines * t / threads,
                         nlines * (t + 1) / threads, { sides[0].rs, sides[1].rs }, as_of, res,
                         limits };
      pool[t] = t ? g_thread_new ("diff", replay, &work[t]) : NULL;
    }
  replay (&work[0]);
  for (int t = 1; t < threads; t++)
    g_thread_join (pool[t]);

  gsize errors = 0;
  for (gsize i = 0; i < nlines; i++)
    if (res[i].error && errors++ < 10)
      cli_error_lines (res[i].error, "E-TRANSACTION");
  if (errors)
    {
      if (!cli_errors_are_json ())
        fprintf (stderr, "embargo diff: %zu transaction%s could not be decided: no verdict\n",
                 errors, errors == 1 ? "" : "s");
      free_results (res, nlines);
      return EXIT_NO_DECISION;
    }

  Diff d = { { &sides[0], &sides[1] }, g_ptr_array_new (), g_ptr_array_new (), g_ptr_array_new (),
             g_ptr_array_new_with_free_func (group_free), 0, 0, 0, fail_on_spec };
  compare_rules (&d);
  g_autoptr (GHashTable) by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (gsize i = 0; i < nlines; i++)
    {
      LineResult *r = &res[i];
      if (r->blank)
        continue;
      d.transactions++;
      if (r->txn_id == NULL)
        continue;
      d.changed_count++;
      char *key = g_strdup_printf ("%d\x1f%s\x1f%d\x1f%s", r->outcome[0], or_empty (rule_id (r->rule[0])),
                                   r->outcome[1], or_empty (rule_id (r->rule[1])));
      Group *g = g_hash_table_lookup (by_key, key);
      if (g == NULL)
        {
          g = g_new0 (Group, 1);
          memcpy (g->outcome, r->outcome, sizeof g->outcome);
          memcpy (g->rule, r->rule, sizeof g->rule);
          g->examples = g_ptr_array_new ();
          g->fails = fails (&fail_on, r->outcome[0], r->outcome[1]);
          g_hash_table_insert (by_key, key, g);
          g_ptr_array_add (d.groups, g);
        }
      else
        g_free (key);
      g->count++;
      if (g->examples->len < MAX_EXAMPLES)
        g_ptr_array_add (g->examples, r->txn_id);
      if (g->fails)
        d.failing++;
    }
  g_ptr_array_sort (d.groups, (GCompareFunc) cmp_group);

  gboolean ok;
  if (format == REPORT_TEXT)
    {
      print_text (&d);
      ok = !ferror (stdout);
    }
  else if (format == REPORT_HTML)
    ok = write_html (&d);
  else if (format == REPORT_MARKDOWN)
    ok = write_markdown (&d);
  else
    {
      g_autoptr (Report) rep = report_new ("diff");
      report_set_anchor (rep, corpus);
      fill_report (rep, &d);
      ok = report_write (stdout, rep, format, EMBARGO_SEVERITY_NOTE, json_extra, &d);
    }
  int status = !ok || fflush (stdout) != 0 ? EXIT_NO_DECISION
           : d.failing                 ? EXIT_NOT_ALLOWED
                                       : EXIT_ALLOW;
  g_ptr_array_free (d.added, TRUE);
  g_ptr_array_free (d.removed, TRUE);
  g_ptr_array_free (d.changed, TRUE);
  g_ptr_array_free (d.groups, TRUE);
  free_results (res, nlines);
  return status;

}

int
cmd_diff (int argc, char **argv)
{
  g_autofree char *corpus = NULL, *fail_on_spec = NULL, *format_name = NULL, *as_of = NULL;
  int threads = 2;
  GOptionEntry entries[] = {
    { "corpus", 'c', 0, G_OPTION_ARG_FILENAME, &corpus,
      "Transactions to replay, one JSON object a line (required)", "FILE" },
    { "fail-on", 0, 0, G_OPTION_ARG_STRING, &fail_on_spec,
      "Changes that fail: any, loosened (default), tightened, rule, none, FROM-to-TO "
      "(deny-to-allow, *-to-allow); comma-separated", "LIST" },
    { "as-of", 0, 0, G_OPTION_ARG_STRING, &as_of,
      "Decide every transaction as of this day instead of its own date", "YYYY-MM-DD" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      "Output: text (default), json, sarif, github, html (one page) or markdown", "FORMAT" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads, "Worker threads (default 2)", "N" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("BASE HEAD — decisions two rule sets make differently");
  g_option_context_add_main_entries (ctx, entries, NULL);
  CliLimits limit_opts;
  cli_add_limit_options (ctx, &limit_opts);
  g_option_context_set_description (
    ctx, "BASE and HEAD are rule files or directories, or git revisions of one:\n"
         "git:REV:PATH (or REV:PATH when no such file exists), written out with git archive.\n"
         "Lists rules added, removed and changed, replays every transaction of the corpus\n"
         "under both, and reports each decision whose outcome or deciding rule changed,\n"
         "grouped by the rules responsible.\n\n"
         "Examples:\n"
         "  embargo diff git:origin/main:rules rules --corpus orders.jsonl\n"
         "  embargo diff old-rules/ rules/ --corpus orders.jsonl --fail-on any --format json\n\n"
         "Exit status: 0 no change that --fail-on names, 1 such changes, 2 the diff could not\n"
         "run (rules that do not load, a corpus line that cannot be decided).");
  EmbargoLimits limits;
  if (!cli_parse_options (ctx, &argc, &argv, "diff", &limit_opts, &limits))
    return EXIT_NO_DECISION;
  ReportFormat format = REPORT_TEXT;
  unsigned allowed = 1u << REPORT_TEXT | 1u << REPORT_JSON | 1u << REPORT_SARIF | 1u << REPORT_GITHUB
                     | 1u << REPORT_HTML | 1u << REPORT_MARKDOWN;
  if (format_name && !report_format_parse ("diff", format_name, allowed, &format))
    return EXIT_NO_DECISION;
  cli_errors_as_json (format == REPORT_JSON);
  FailOn fail_on;
  if (fail_on_spec == NULL)
    fail_on_spec = g_strdup ("loosened");
  if (!parse_fail_on (fail_on_spec, &fail_on))
    return EXIT_NO_DECISION;
  if (argc != 3 || corpus == NULL)
    {
      fprintf (stderr, "embargo diff: error: give BASE, HEAD and --corpus FILE; see embargo "
                       "diff --help\n");
      return EXIT_NO_DECISION;
    }
  threads = CLAMP (threads, 1, 64);

  Side sides[2] = { { 0 }, { 0 } };
  int status = EXIT_NO_DECISION;
  for (int s = 0; s < 2; s++)
    {
      if (!side_open (&sides[s], argv[1 + s]))
        goto out;
      char *paths[] = { sides[s].path, NULL };
      if ((sides[s].rs = cli_load_rules_limited (paths, &limits)) == NULL)
        goto out;
    }
  status = replay_and_report (sides, corpus, as_of, threads, &fail_on, fail_on_spec, format,
                              &limits);

out:
  side_clear (&sides[0]);
  side_clear (&sides[1]);
  return status;
}
