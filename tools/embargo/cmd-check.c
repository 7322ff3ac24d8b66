/* cmd-check.c: `embargo check`: decide one transaction, for a person or a program. */
#include "cli.h"
#include "html.h"
#include "records.h"

typedef struct {
  gboolean color;
} Style;

static const char *
paint (const Style *s, EmbargoOutcome o)
{
  if (!s->color)
    return "";
  switch (o)
    {
    case EMBARGO_OUTCOME_ALLOW: return "\033[1;32m";
    case EMBARGO_OUTCOME_REVIEW: return "\033[1;33m";
    case EMBARGO_OUTCOME_LICENSE_REQUIRED: return "\033[1;35m";
    case EMBARGO_OUTCOME_DENY: return "\033[1;31m";
    }
  return "";
}

static const char *
reset (const Style *s)
{
  return s->color ? "\033[0m" : "";
}

static const char *
dim (const Style *s)
{
  return s->color ? "\033[2m" : "";
}

static void
upper (char *dst, gsize n, const char *src)
{
  g_strlcpy (dst, src, n);
  for (char *p = dst; *p; p++)
    *p = g_ascii_toupper (*p == '_' ? ' ' : *p);
}

void print_decision_text (FILE *f, const EmbargoDecision *d, const EmbargoRuleset *rs,
                          gboolean color);

void
print_decision_text (FILE *f, const EmbargoDecision *d, const EmbargoRuleset *rs, gboolean color)
{
  Style s = { color };
  EmbargoOutcome o = embargo_decision_get_outcome (d);
  char word[32];
  upper (word, sizeof word, embargo_outcome_to_string (o));
  fprintf (f, "%s%s%s  %s  (as of %s)\n", paint (&s, o), word, reset (&s),
           cli_safe (embargo_decision_get_transaction_id (d)), embargo_decision_get_as_of (d));
  const EmbargoRule *r = embargo_decision_get_rule (d);
  if (r == NULL)
    fprintf (f, "  no rule applies\n");
  else
    {
      fprintf (f, "  rule      %s: %s\n", cli_safe (embargo_rule_get_id (r)),
               cli_safe (embargo_rule_get_title (r)));
      fprintf (f, "  regime    %s (%s)\n", cli_safe (embargo_rule_get_regime (r)),
               cli_safe (embargo_rule_get_authority (r)));
      fprintf (f, "  citation  %s\n", cli_safe (embargo_rule_get_citation (r)));
      fprintf (f, "  source    %s  %s:%u\n", cli_safe (embargo_rule_get_source_url (r)),
               cli_safe (embargo_rule_get_source_name (r)), embargo_rule_get_line (r));
      if (embargo_decision_get_message (d))
        fprintf (f, "  why       %s\n", cli_safe (embargo_decision_get_message (d)));
      if (embargo_rule_get_unverified (r))
        fprintf (f, "  %sunverified: %s%s\n", dim (&s), cli_safe (embargo_rule_get_unverified (r)),
                 reset (&s));
    }
  fprintf (f, "items\n");
  for (gsize i = 0; i < embargo_decision_get_item_count (d); i++)
    {
      EmbargoOutcome io = embargo_decision_get_item_outcome (d, i);
      const EmbargoRule *ir = embargo_decision_get_item_rule (d, i);
      fprintf (f, "  %-6s %s%-16s%s %s\n", cli_safe (embargo_decision_get_item_id (d, i)),
               paint (&s, io), embargo_outcome_to_string (io), reset (&s),
               ir ? cli_safe (embargo_rule_get_id (ir)) : "-");
    }
  for (gsize i = 0; i < embargo_decision_get_note_count (d); i++)
    fprintf (f, "  note: %s\n", cli_safe (embargo_decision_get_note (d, i)->text));
  for (gsize i = 0; i < embargo_decision_get_stand_in_count (d); i++)
    {
      const EmbargoStandIn *si = embargo_decision_get_stand_in (d, i);
      fprintf (f, "  stand-in: the %s is the %s (no %s named)\n", cli_safe (si->by),
               cli_safe (si->role), cli_safe (si->role));
    }
  for (gsize i = 0; i < embargo_decision_get_missing_count (d); i++)
    {
      const EmbargoMissing *m = embargo_decision_get_missing (d, i);
      fprintf (f, "  missing: '%s' (item %s) is needed by %s\n", cli_safe (m->field),
               cli_safe (embargo_decision_get_item_id (d, m->item)),
               cli_safe (embargo_rule_get_id (m->rule)));
    }
  for (gsize i = 0; i < embargo_decision_get_screening_count (d); i++)
    {
      const EmbargoScreeningHit *h = embargo_decision_get_screening (d, i);
      fprintf (f, "  screening: %s '%s': %s with %s", cli_safe (h->party), cli_safe (h->name),
               h->verdict == EMBARGO_SCREEN_MATCH ? "match" : "possible match",
               cli_safe (h->entry));
      if (strcmp (h->matched, h->entry) != 0)
        fprintf (f, " (as %s)", cli_safe (h->matched));
      fprintf (f, " on %s, score %.3f", cli_safe (h->list), h->score);
      if (h->owned_pct >= 0)
        fprintf (f, ", listed owners hold %.1f%%", h->owned_pct);
      fprintf (f, " (%s, item %s)\n", cli_safe (embargo_rule_get_id (h->rule)),
               cli_safe (embargo_decision_get_item_id (d, h->item)));
    }
  gsize lifted = 0;
  for (gsize i = 0; i < embargo_decision_get_match_count (d); i++)
    {
      const EmbargoMatch *m = embargo_decision_get_match (d, i);
      if (m->status == EMBARGO_MATCH_LIFTED)
        {
          fprintf (f, "  lifted: %s (item %s) by %s\n", cli_safe (embargo_rule_get_id (m->rule)),
                   cli_safe (embargo_decision_get_item_id (d, m->item)),
                   cli_safe (embargo_rule_get_id (m->lifted_by)));
          lifted++;
        }
    }
  fprintf (f, "regimes  ");
  const char *const *regimes = embargo_ruleset_get_regimes (rs);
  for (gsize i = 0; regimes[i]; i++)
    {
      EmbargoOutcome ro = embargo_decision_get_regime_outcome (d, regimes[i]);
      fprintf (f, "%s%s %s%s%s", i ? "  " : "", cli_safe (regimes[i]), paint (&s, ro),
               embargo_outcome_to_string (ro), reset (&s));
    }
  fprintf (f, "\n%sruleset  %s (%zu rules)%s\n", dim (&s), embargo_ruleset_get_digest (rs),
           embargo_ruleset_get_rule_count (rs), reset (&s));
}

/* What every file of one `embargo check` shares: the rules are loaded once, when the
 * first transaction has been read. */
typedef struct {
  char **rule_paths;
  const EmbargoLimits *limits;
  const char *as_of;
  gboolean strict; /* --strict: EmbargoEvalOptions.strict */
  const char *records; /* --records FILE, or NULL */
  gboolean json, color;
  HtmlPage *html; /* --format html: decisions go here, the page is written at the end */
  EmbargoRuleset *rs;
  gboolean rules_failed;
  guint decided; /* decisions printed so far */
} Check;

/* Decides INPUT and prints its decision, or reports why there is none. Returns its
 * exit status. */
static int
check_one (Check *c, const char *input)
{
  g_autofree char *data = NULL;
  gsize len;
  if (!cli_read_input_limited (input, c->limits->max_input_bytes, &data, &len))
    return EXIT_NO_DECISION;
  GError *e = NULL;
  EmbargoTransaction *txn = embargo_transaction_new_from_data (
    data, len, strcmp (input, "-") == 0 ? "<stdin>" : input, c->limits, &e);
  if (txn == NULL)
    {
      cli_error_lines (e->message, "E-TRANSACTION");
      g_error_free (e);
      return EXIT_NO_DECISION;
    }
  if (c->rs == NULL && (c->rs = cli_load_rules_limited (c->rule_paths, c->limits)) == NULL)
    {
      c->rules_failed = TRUE;
      embargo_transaction_free (txn);
      return EXIT_NO_DECISION;
    }
  EmbargoEvalOptions opts = EMBARGO_EVAL_OPTIONS_INIT;
  opts.as_of = c->as_of;
  opts.strict = c->strict;
  EmbargoDecision *d = embargo_evaluate (c->rs, txn, &opts, &e);
  embargo_transaction_free (txn);
  if (d == NULL)
    {
      /* Over the work limit (max_work) is a limit like the others: E-LIMIT, naming the
       * input, exit 2. */
      if (g_error_matches (e, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_LIMIT))
        cli_error ("E-LIMIT", strcmp (input, "-") == 0 ? "<stdin>" : input, 0, 0, "%s",
                   e->message);
      else
        cli_error ("E-EVAL", NULL, 0, 0, "%s", e->message);
      g_error_free (e);
      return EXIT_NO_DECISION;
    }
  /* A decision that could not be recorded is not given (docs/records.md). */
  if (c->records && !cli_record (c->records, data, len, d))
    {
      embargo_decision_free (d);
      return EXIT_NO_DECISION;
    }
  if (c->html)
    html_decision (c->html, d, c->rs, strcmp (input, "-") == 0 ? "<stdin>" : input);
  else if (c->json)
    {
      g_autofree char *out = embargo_decision_to_json (d); /* already escaped */
      printf ("%s\n", out);
    }
  else
    {
      if (c->decided)
        printf ("\n");
      print_decision_text (stdout, d, c->rs, c->color);
    }
  c->decided++;
  int status = embargo_decision_get_outcome (d) == EMBARGO_OUTCOME_ALLOW ? EXIT_ALLOW
                                                                          : EXIT_NOT_ALLOWED;
  embargo_decision_free (d);
  return status;
}

int
cmd_check (int argc, char **argv)
{
  g_auto (GStrv) rules = NULL;
  g_autofree char *as_of = NULL, *format = NULL, *color = NULL, *records = NULL;
  gboolean strict = FALSE;
  GOptionEntry entries[] = {
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict,
      "Refuse a key that is neither in the contract nor read by a rule", NULL },
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &rules,
      "Rule file or directory (repeatable; default: the bundled rules)", "PATH" },
    { "as-of", 0, 0, G_OPTION_ARG_STRING, &as_of,
      "Decide as of this date instead of the transaction's", "YYYY-MM-DD" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "Output: text (default), json or html (one page)",
      "text|json|html" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color, "Colour: auto (default: on a terminal, unless NO_COLOR is set), always, never",
      "auto|always|never" },
    { "records", 0, 0, G_OPTION_ARG_FILENAME, &records,
      "Record the decision in this SQLite file (docs/records.md)", "FILE" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE|-... — decide transactions, one decision each");
  g_option_context_add_main_entries (ctx, entries, NULL);
  CliLimits limit_opts;
  cli_add_limit_options (ctx, &limit_opts);
  g_option_context_set_description (
    ctx, "FILE is a transaction document in YAML or JSON; - reads standard input.\n"
         "Several files get a decision each; the exit status is the worst of them.\n"
         "With --format json, errors are JSON too, on standard output:\n"
         "{\"error\": {\"code\", \"message\", \"file\", \"line\", \"column\"}}.\n\n"
         "Examples:\n"
         "  embargo check examples/micron-ciio.yaml\n"
         "  embargo check --rules rules/ --as-of 2023-06-15 --format json order.json\n"
         "  cat order.yaml | embargo check -\n"
         "  embargo check orders/*.yaml\n\n"
         "Exit status: 0 allow, 1 review/license_required/deny, 2 no decision\n"
         "(for several files the worst: 2, then 1, then 0).");
  EmbargoLimits limits;
  if (!cli_parse_options (ctx, &argc, &argv, "check", &limit_opts, &limits))
    return EXIT_NO_DECISION;
  gboolean json = FALSE, html = FALSE;
  if (format && strcmp (format, "json") == 0)
    json = TRUE;
  else if (format && strcmp (format, "html") == 0)
    html = TRUE;
  else if (format && strcmp (format, "text") != 0)
    {
      fprintf (stderr, "embargo check: error: unknown format '%s' (text, json or html)\n",
               cli_safe (format));
      return EXIT_NO_DECISION;
    }
  if (color && strcmp (color, "auto") && strcmp (color, "always") && strcmp (color, "never"))
    {
      fprintf (stderr, "embargo check: error: --color is auto, always or never\n");
      return EXIT_NO_DECISION;
    }
  if (argc < 2)
    {
      fprintf (stderr, "embargo check: error: give a transaction file (or - for standard "
                       "input); see embargo check --help\n");
      return EXIT_NO_DECISION;
    }
  cli_errors_as_json (json);
  g_autoptr (HtmlPage) page = html ? html_page_new ("embargo check") : NULL;
  Check c = { rules,  &limits, as_of, strict, records, json, cli_use_color (stdout, color),
             page,   NULL,    FALSE, 0 };
  int status = EXIT_ALLOW;
  for (int i = 1; i < argc && !c.rules_failed; i++)
    {
      int one = check_one (&c, argv[i]);
      status = MAX (status, one);
    }
  if (c.rules_failed)
    status = EXIT_NO_DECISION;
  if (page && c.decided && !html_page_write (page, stdout))
    status = EXIT_NO_DECISION;
  if (fflush (stdout) != 0)
    status = EXIT_NO_DECISION;
  embargo_ruleset_unref (c.rs);
  return status;
}
