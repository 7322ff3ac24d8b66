/* host.c: a program of its own that happens to define functions with the short names
 * the engine uses inside (date_parse, index_build, ...) and links libembargo. It must
 * link without "multiple definition" and decide with the library, not with these. */
#include <embargo/embargo.h>
#include <stdio.h>
#include <string.h>

int date_parse (const char *s);
int index_build (void);
void *arena_alloc (void *a, unsigned long n);
int cond_eval (void);
int txn_parse (void);
int doc_parse_yaml (void);
int diags_new (void);
int screen_list_new (void);
int str_hash (void);
int key_id (void);

int date_parse (const char *s) { return (int) strlen (s); }
int index_build (void) { return 1; }
void *arena_alloc (void *a, unsigned long n) { (void) n; return a; }
int cond_eval (void) { return 2; }
int txn_parse (void) { return 3; }
int doc_parse_yaml (void) { return 4; }
int diags_new (void) { return 5; }
int screen_list_new (void) { return 6; }
int str_hash (void) { return 7; }
int key_id (void) { return 8; }

int
main (int argc, char **argv)
{
  if (argc != 3)
    return 2;
  GError *error = NULL;
  const char *paths[] = { argv[1], NULL };
  EmbargoRuleset *rs = embargo_ruleset_new_from_paths (paths, &error);
  if (rs == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (argv[2], &text, &len, &error))
    return 2;
  EmbargoTransaction *t = embargo_transaction_new_from_data (text, len, argv[2], NULL, &error);
  g_free (text);
  if (t == NULL)
    return 2;
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, &error);
  if (d == NULL)
    return 2;
  printf ("%s %d\n", embargo_outcome_to_string (embargo_decision_get_outcome (d)),
          date_parse ("abc") + index_build () + cond_eval () + txn_parse () + doc_parse_yaml ()
            + diags_new () + screen_list_new () + str_hash () + key_id ()
            + (arena_alloc (NULL, 1) == NULL));
  embargo_decision_free (d);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
  return 0;
}
