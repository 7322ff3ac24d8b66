/* bench-worst.c: the worst transaction inside every default limit, timed.
 *
 * Builds one JSON transaction of 10,000 items and 1,000 intermediaries, each with three
 * aliases and two owners (about 4.2 MB), bound for China, against a rule set (the
 * bundled rules by default), and times parsing, evaluating and rendering the decision
 * as JSON, each on its own. Items mix advanced-computing chips, fab tools, memory and
 * EAR99 goods; party names resemble listed entities so that screening has work to do.
 * Not a timed test: docs/performance.md records what it printed.
 *
 *   bench-worst [RULES_PATH] [--items N] [--parties N] [--repeat N] [--write FILE]
 *               [--max-work N] [--date YYYY-MM-DD]
 *
 * --write FILE also writes the transaction to FILE, for `embargo check` and perf;
 * --max-work N loads the rules under that work limit (EmbargoLimits.max_work), to see
 * the transaction refused; --date sets the transaction's date (default 2024-05-01; from
 * 2026-11-10 the Affiliates Rule applies the 50% rule to every party's owners). Evaluation is timed on the wall clock and in CPU time of
 * the process (the machine may be busy with other work).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <embargo/embargo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static double
cpu_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
worst_transaction (guint nitems, guint nparties, const char *date)
{
  static const char *const eccns[] = { "3A090.a", "4A090.a", "3B001.c", "5A992.c", "EAR99",
                                       "3A001.a", "5A002.a", "3B090" };
  static const char *const stems[] = { "Huawei Technologies", "Semiconductor Manufacturing",
                                       "Yangtze Memory", "Hikvision Digital", "Inspur Group",
                                       "Sugon Information", "Phytium Technology" };
  GString *s = g_string_sized_new (5u << 20);
  g_string_append_printf (s, "{\"id\":\"WORST-1\",\"date\":\"%s\",", date);
  g_string_append (s, "\"destination\":{\"country\":\"CN\",\"region\":\"CN-SN\",\"city\":\"Xi'an\"},"
                      "\"end_use\":[\"civil\"],"
                      "\"buyer\":{\"name\":\"Example Fab Co., Ltd.\",\"country\":\"CN\","
                      "\"headquarters_country\":\"CN\",\"facility\":{\"kind\":\"fab\","
                      "\"logic_node_nm\":14,\"nand_layers\":232}},"
                      "\"seller\":{\"name\":\"Example Tools Inc.\",\"country\":\"US\"},"
                      "\"intermediaries\":[");
  for (guint p = 0; p < nparties; p++)
    {
      const char *stem = stems[p % G_N_ELEMENTS (stems)];
      g_string_append_printf (
        s,
        "%s{\"name\":\"%s Trading %u Co., Ltd.\",\"country\":\"%s\","
        "\"aliases\":[\"%s %u\",\"%s Holdings %u Limited\",\"%s International %u\"],"
        "\"owners\":[{\"name\":\"%s Capital %u\",\"share_pct\":30},"
        "{\"name\":\"Example Family Office %u\",\"share_pct\":25}],"
        "\"ids\":{\"registration\":\"91%08u\"},\"tags\":[\"distributor\"],"
        "\"sector\":\"electronics distribution and logistics services\"}",
        p ? "," : "", stem, p, p % 3 ? "HK" : "CN", stem, p, stem, p, stem, p, stem, p, p,
        p);
    }
  g_string_append (s, "],\"items\":[");
  for (guint i = 0; i < nitems; i++)
    g_string_append_printf (
      s,
      "%s{\"id\":\"%u\",\"part_number\":\"PN-%07u-REV-B\",\"description\":\"component %u "
      "of the order\",\"manufacturer\":\"Example Semiconductor\",\"eccn\":\"%s\","
      "\"hs_code\":\"854231%04u\",\"origin\":\"%s\",\"us_content_pct\":%u,\"quantity\":%u,"
      "\"unit_value\":%u.5,\"attributes\":{\"tpp\":%u,\"performance_density\":%u.5}}",
      i ? "," : "", i + 1, i, i, eccns[i % G_N_ELEMENTS (eccns)], i % 10000,
      i % 2 ? "US" : "TW", (i * 7) % 101, 1 + i % 1000, i % 500, 4000 + (i * 13) % 2000,
      1 + i % 9);
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

int
main (int argc, char **argv)
{
  const char *rules = "rules";
  guint nitems = 10000, nparties = 1000, repeat = 3;
  const char *write_to = NULL, *date = "2024-05-01";
  EmbargoLimits limits = EMBARGO_LIMITS_INIT;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--items") == 0 && i + 1 < argc)
        nitems = (guint) atoi (argv[++i]);
      else if (strcmp (argv[i], "--parties") == 0 && i + 1 < argc)
        nparties = (guint) atoi (argv[++i]);
      else if (strcmp (argv[i], "--repeat") == 0 && i + 1 < argc)
        repeat = (guint) atoi (argv[++i]);
      else if (strcmp (argv[i], "--write") == 0 && i + 1 < argc)
        write_to = argv[++i];
      else if (strcmp (argv[i], "--date") == 0 && i + 1 < argc)
        date = argv[++i];
      else if (strcmp (argv[i], "--max-work") == 0 && i + 1 < argc)
        limits.max_work = (gsize) g_ascii_strtoull (argv[++i], NULL, 10);
      else
        rules = argv[i];
    }
  GError *error = NULL;
  EmbargoLoader *ld = embargo_loader_new (&limits);
  embargo_loader_add_path (ld, rules, NULL);
  EmbargoRuleset *rs = embargo_loader_finish (ld, &error);
  embargo_loader_free (ld);
  if (rs == NULL)
    {
      fprintf (stderr, "bench-worst: %s\n", error->message);
      return 2;
    }
  g_autofree char *text = worst_transaction (nitems, nparties, date);
  gsize len = strlen (text);
  if (write_to && !g_file_set_contents (write_to, text, (gssize) len, &error))
    {
      fprintf (stderr, "bench-worst: %s\n", error->message);
      return 2;
    }
  printf ("transaction: %u items, %u intermediaries (3 aliases, 2 owners each), %.2f MB; "
          "rules: %s (%zu)\n",
          nitems, nparties, len / 1e6, rules, embargo_ruleset_get_rule_count (rs));
  double best_parse = 1e9, best_eval = 1e9, best_json = 1e9, best_eval_cpu = 1e9;
  int status = 0;
  for (guint r = 0; r < repeat; r++)
    {
      double t0 = now ();
      EmbargoTransaction *t = embargo_transaction_new_from_data (text, len, "worst.json", NULL,
                                                                 &error);
      double t1 = now ();
      if (t == NULL)
        {
          fprintf (stderr, "bench-worst: %s\n", error->message);
          return 2;
        }
      double c1 = cpu_now ();
      EmbargoDecision *d = embargo_evaluate (rs, t, NULL, &error);
      double t2 = now (), c2 = cpu_now ();
      if (d == NULL)
        {
          /* A work limit that refuses the transaction is an answer too: report it. */
          printf ("refused after %.3f s (CPU %.3f s): %s\n", t2 - t1, c2 - c1, error->message);
          g_clear_error (&error);
          embargo_transaction_free (t);
          status = 1;
          break;
        }
      char *json = embargo_decision_to_json (d);
      double t3 = now ();
      if (r == 0)
        printf ("decision: %s by %s; %zu matches, %zu screening hits, %zu missing; JSON %.2f "
                "MB\n",
                embargo_outcome_to_string (embargo_decision_get_outcome (d)),
                embargo_decision_get_rule (d)
                  ? embargo_rule_get_id (embargo_decision_get_rule (d)) : "null",
                embargo_decision_get_match_count (d), embargo_decision_get_screening_count (d),
                embargo_decision_get_missing_count (d), strlen (json) / 1e6);
      best_parse = MIN (best_parse, t1 - t0);
      best_eval = MIN (best_eval, t2 - t1);
      best_eval_cpu = MIN (best_eval_cpu, c2 - c1);
      best_json = MIN (best_json, t3 - t2);
      g_free (json);
      embargo_decision_free (d);
      embargo_transaction_free (t);
    }
  if (status == 0)
    printf ("best of %u: parse %.3f s, evaluate %.3f s (CPU %.3f s), decision JSON %.3f s\n"
            "RESULT items=%u parties=%u bytes=%zu parse_s=%.3f eval_s=%.3f eval_cpu_s=%.3f "
            "json_s=%.3f\n",
            repeat, best_parse, best_eval, best_eval_cpu, best_json, nitems, nparties, len,
            best_parse, best_eval, best_eval_cpu, best_json);
  embargo_ruleset_unref (rs);
  return status;
}
