/* check.c: deciding a purchase order from procurement software. Copy freely.
 *
 *   cc check.c $(pkg-config --cflags --libs embargo) -o check
 *   ./check /usr/local/share/embargo/rules order.yaml
 *
 * Loads the rules once (do this at start-up and share the rule set between threads),
 * then decides one order and prints the outcome, the deciding rule and its citation.
 */
#include <embargo/embargo.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s RULES_DIR ORDER_FILE\n", argv[0]);
      return 2;
    }
  GError *error = NULL;
  const char *paths[] = { argv[1], NULL };
  EmbargoRuleset *rules = embargo_ruleset_new_from_paths (paths, &error);
  if (rules == NULL)
    {
      fprintf (stderr, "%s\n", error->message); /* every problem, file:line:column */
      g_error_free (error);
      return 2;
    }

  char *text;
  gsize len;
  if (!g_file_get_contents (argv[2], &text, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      g_error_free (error);
      embargo_ruleset_unref (rules);
      return 2;
    }
  EmbargoTransaction *order = embargo_transaction_new_from_data (text, len, argv[2], NULL,
                                                                 &error);
  g_free (text);
  EmbargoDecision *decision = order ? embargo_evaluate (rules, order, NULL, &error) : NULL;
  if (decision == NULL)
    {
      /* No decision is never "allow": treat it as a stop. */
      fprintf (stderr, "%s\n", error->message);
      g_error_free (error);
      embargo_transaction_free (order);
      embargo_ruleset_unref (rules);
      return 2;
    }

  EmbargoOutcome outcome = embargo_decision_get_outcome (decision);
  const EmbargoRule *rule = embargo_decision_get_rule (decision);
  printf ("%s: %s by %s\n", embargo_decision_get_transaction_id (decision),
          embargo_outcome_to_string (outcome), rule ? embargo_rule_get_id (rule) : "no rule");
  if (rule)
    printf ("  %s (%s)\n", embargo_rule_get_citation (rule), embargo_rule_get_source_url (rule));

  embargo_decision_free (decision);
  embargo_transaction_free (order);
  embargo_ruleset_unref (rules);
  return outcome == EMBARGO_OUTCOME_ALLOW ? 0 : 1;
}
