/* cmd-check.c: `embargo check`: decide one transaction, for a person or a program. */
#include "cli.h"
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
           embargo_decision_get_transaction_id (d), embargo_decision_get_as_of (d));
  const EmbargoRule *r = embargo_decision_get_rule (d);
  if (r == NULL)
    fprintf (f, "  no rule applies\n");
  else
    {
      fprintf (f, "  rule      %s: %s\n", embargo_rule_get_id (r), embargo_rule_get_title (r));
      fprintf (f, "  regime    %s (%s)\n", embargo_rule_get_regime (r),
               embargo_rule_get_authority (r));
      fprintf (f, "  citation  %s\n", embargo_rule_get_citation (r));
      fprintf (f, "  source    %s  %s:%u\n", embargo_rule_get_source_url (r),
               embargo_rule_get_source_name (r), embargo_rule_get_line (r));
      if (embargo_decision_get_message (d))
        fprintf (f, "  why       %s\n", embargo_decision_get_message (d));
      if (embargo_rule_get_unverified (r))
        fprintf (f, "  %sunverified: %s%s\n", dim (&s), embargo_rule_get_unverified (r),
                 reset (&s));
    }
  fprintf (f, "items\n");
  for (gsize i = 0; i < embargo_decision_get_item_count (d); i++)
    {
      EmbargoOutcome io = embargo_decision_get_item_outcome (d, i);
      const EmbargoRule *ir = embargo_decision_get_item_rule (d, i);
      fprintf (f, "  %-6s %s%-16s%s %s\n", embargo_decision_get_item_id (d, i), paint (&s, io),
               embargo_outcome_to_string (io), reset (&s), ir ? embargo_rule_get_id (ir) : "-");
    }
  for (gsize i = 0; i < embargo_decision_get_missing_count (d); i++)
    {
      const EmbargoMissing *m = embargo_decision_get_missing (d, i);
      fprintf (f, "  missing: '%s' (item %s) is needed by %s\n", m->field,
               embargo_decision_get_item_id (d, m->item), embargo_rule_get_id (m->rule));
    }
  for (gsize i = 0; i < embargo_decision_get_screening_count (d); i++)
    {
      const EmbargoScreeningHit *h = embargo_decision_get_screening (d, i);
      fprintf (f, "  screening: %s '%s': %s with %s", h->party, h->name,
               h->verdict == EMBARGO_SCREEN_MATCH ? "match" : "possible match", h->entry);
      if (strcmp (h->matched, h->entry) != 0)
        fprintf (f, " (as %s)", h->matched);
      fprintf (f, " on %s, score %.3f", h->list, h->score);
      if (h->owned_pct >= 0)
        fprintf (f, ", listed owners hold %.1f%%", h->owned_pct);
      fprintf (f, " (%s, item %s)\n", embargo_rule_get_id (h->rule),
               embargo_decision_get_item_id (d, h->item));
    }
  gsize lifted = 0;
  for (gsize i = 0; i < embargo_decision_get_match_count (d); i++)
    {
      const EmbargoMatch *m = embargo_decision_get_match (d, i);
      if (m->status == EMBARGO_MATCH_LIFTED)
        {
          fprintf (f, "  lifted: %s (item %s) by %s\n", embargo_rule_get_id (m->rule),
                   embargo_decision_get_item_id (d, m->item), embargo_rule_get_id (m->lifted_by));
          lifted++;
        }
    }
  fprintf (f, "regimes  ");
  const char *const *regimes = embargo_ruleset_get_regimes (rs);
  for (gsize i = 0; regimes[i]; i++)
    {
      EmbargoOutcome ro = embargo_decision_get_regime_outcome (d, regimes[i]);
      fprintf (f, "%s%s %s%s%s", i ? "  " : "", regimes[i], paint (&s, ro),
               embargo_outcome_to_string (ro), reset (&s));
    }
  fprintf (f, "\n%sruleset  %s (%zu rules)%s\n", dim (&s), embargo_ruleset_get_digest (rs),
           embargo_ruleset_get_rule_count (rs), reset (&s));
}

int
cmd_check (int argc, char **argv)
{
  g_auto (GStrv) rules = NULL;
  g_autofree char *as_of = NULL, *format = NULL, *color = NULL, *records = NULL;
  GOptionEntry entries[] = {
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &rules,
      "Rule file or directory (repeatable; default: the bundled rules)", "PATH" },
    { "as-of", 0, 0, G_OPTION_ARG_STRING, &as_of,
      "Decide as of this date instead of the transaction's", "YYYY-MM-DD" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "Output: text (default) or json",
      "text|json" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color, "Colour: auto (default), always, never",
      "WHEN" },
    { "records", 0, 0, G_OPTION_ARG_FILENAME, &records,
      "Record the decision in this SQLite file (docs/records.md)", "FILE" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE|- — decide one transaction");
  g_option_context_add_main_entries (ctx, entries, NULL);
  CliLimits limit_opts;
  cli_add_limit_options (ctx, &limit_opts);
  g_option_context_set_description (
    ctx, "FILE is a transaction document in YAML or JSON; - reads standard input.\n\n"
         "Examples:\n"
         "  embargo check examples/micron-ciio.yaml\n"
         "  embargo check --rules rules/ --as-of 2023-06-15 --format json order.json\n"
         "  cat order.yaml | embargo check -\n\n"
         "Exit status: 0 allow, 1 review/license_required/deny, 2 no decision.");
  GError *e = NULL;
  EmbargoLimits limits;
  if (!cli_parse_options (ctx, &argc, &argv, "check", &limit_opts, &limits))
    return EXIT_NO_DECISION;
  gboolean json = FALSE;
  if (format && strcmp (format, "json") == 0)
    json = TRUE;
  else if (format && strcmp (format, "text") != 0)
    {
      fprintf (stderr, "embargo check: error: unknown format '%s' (text or json)\n", format);
      return EXIT_NO_DECISION;
    }
  if (color && strcmp (color, "auto") && strcmp (color, "always") && strcmp (color, "never"))
    {
      fprintf (stderr, "embargo check: error: --color is auto, always or never\n");
      return EXIT_NO_DECISION;
    }
  if (argc != 2)
    {
      fprintf (stderr, "embargo check: error: give one transaction file (or - for standard "
                       "input); see embargo check --help\n");
      return EXIT_NO_DECISION;
    }
  const char *input = argv[1];
  g_autofree char *data = NULL;
  gsize len;
  if (!cli_read_input_limited (input, limits.max_input_bytes, &data, &len))
    return EXIT_NO_DECISION;
  EmbargoTransaction *txn = embargo_transaction_new_from_data (
    data, len, strcmp (input, "-") == 0 ? "<stdin>" : input, &limits, &e);
  if (txn == NULL)
    {
      fprintf (stderr, "%s\n", e->message);
      g_error_free (e);
      return EXIT_NO_DECISION;
    }
  EmbargoRuleset *rs = cli_load_rules_limited (rules, &limits);
  if (rs == NULL)
    {
      embargo_transaction_free (txn);
      return EXIT_NO_DECISION;
    }
  EmbargoEvalOptions opts = EMBARGO_EVAL_OPTIONS_INIT;
  opts.as_of = as_of;
  EmbargoDecision *d = embargo_evaluate (rs, txn, &opts, &e);
  int status = EXIT_NO_DECISION;
  if (d == NULL)
    {
      fprintf (stderr, "embargo check: error: %s\n", e->message);
      g_error_free (e);
    }
  else if (records && !cli_record (records, data, len, d))
    embargo_decision_free (d);
  else
    {
      if (json)
        {
          g_autofree char *out = embargo_decision_to_json (d);
          printf ("%s\n", out);
        }
      else
        print_decision_text (stdout, d, rs, cli_use_color (stdout, color));
      status = embargo_decision_get_outcome (d) == EMBARGO_OUTCOME_ALLOW ? EXIT_ALLOW
                                                                          : EXIT_NOT_ALLOWED;
      if (fflush (stdout) != 0)
        status = EXIT_NO_DECISION;
      embargo_decision_free (d);
    }
  embargo_ruleset_unref (rs);
  embargo_transaction_free (txn);
  return status;
}
