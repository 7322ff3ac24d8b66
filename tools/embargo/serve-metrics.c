/* serve-metrics.c: the counters behind GET /metrics, in the Prometheus text format
 * (docs/service.md lists each metric). Counters are atomic so that deciding threads
 * never wait on each other; only the per-regime table takes a lock. */
#include "serve.h"

#include <stdatomic.h>

/* Upper bounds of the latency histogram, in seconds. */
static const double buckets[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                  0.01, 0.025, 0.05, 0.1, 0.25, 1, 5 };
#define NBUCKETS G_N_ELEMENTS (buckets)

/* Status codes counted one by one; others fall into "other". */
static const unsigned statuses[] = { 200, 400, 401, 403, 404, 405, 408, 413, 415, 422, 500, 503 };
#define NSTATUSES G_N_ELEMENTS (statuses)

struct _ServeMetrics {
  atomic_uint_fast64_t outcomes[4];
  atomic_uint_fast64_t undecided;
  atomic_uint_fast64_t hist[NBUCKETS + 1]; /* last: +Inf */
  atomic_uint_fast64_t hist_sum_us;
  atomic_uint_fast64_t by_status[NSTATUSES + 1];
  atomic_int_fast64_t in_flight;
  atomic_uint_fast64_t reload_ok, reload_failed;
  GMutex lock;          /* regimes, digest, rules, loaded */
  GHashTable *regimes;  /* regime -> guint64[4] */
  char *digest;
  gsize rules;
  gint64 loaded;
};

ServeMetrics *
serve_metrics_new (void)
{
  ServeMetrics *m = g_new0 (ServeMetrics, 1);
  g_mutex_init (&m->lock);
  m->regimes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return m;
}

void
serve_metrics_free (ServeMetrics *m)
{
  if (m == NULL)
    return;
  g_hash_table_unref (m->regimes);
  g_free (m->digest);
  g_mutex_clear (&m->lock);
  g_free (m);
}

void
serve_metrics_request_start (ServeMetrics *m)
{
  atomic_fetch_add (&m->in_flight, 1);
}

void
serve_metrics_request_end (ServeMetrics *m, unsigned status, double seconds)
{
  atomic_fetch_sub (&m->in_flight, 1);
  gsize b = 0;
  while (b < NBUCKETS && seconds > buckets[b])
    b++;
  atomic_fetch_add (&m->hist[b], 1);
  atomic_fetch_add (&m->hist_sum_us, (uint_fast64_t) (seconds * 1e6 + 0.5));
  gsize s = 0;
  while (s < NSTATUSES && statuses[s] != status)
    s++;
  atomic_fetch_add (&m->by_status[s], 1);
}

gint64
serve_metrics_in_flight (ServeMetrics *m)
{
  return atomic_load (&m->in_flight);
}

void
serve_metrics_decision (ServeMetrics *m, const EmbargoDecision *d, const EmbargoRuleset *rs)
{
  atomic_fetch_add (&m->outcomes[embargo_decision_get_outcome (d)], 1);
  const char *const *regimes = embargo_ruleset_get_regimes (rs);
  g_mutex_lock (&m->lock);
  for (gsize i = 0; regimes[i]; i++)
    {
      guint64 *row = g_hash_table_lookup (m->regimes, regimes[i]);
      if (row == NULL)
        {
          row = g_new0 (guint64, 4);
          g_hash_table_insert (m->regimes, g_strdup (regimes[i]), row);
        }
      row[embargo_decision_get_regime_outcome (d, regimes[i])]++;
    }
  g_mutex_unlock (&m->lock);
}

void
serve_metrics_batch (ServeMetrics *m, const EmbargoBatchCounts *c)
{
  for (int o = 0; o < 4; o++)
    atomic_fetch_add (&m->outcomes[o], c->outcomes[o]);
  atomic_fetch_add (&m->undecided, c->failed);
}

void
serve_metrics_loaded (ServeMetrics *m, const EmbargoRuleset *rs, gint64 loaded_unix)
{
  g_mutex_lock (&m->lock);
  g_free (m->digest);
  m->digest = g_strdup (embargo_ruleset_get_digest (rs));
  m->rules = embargo_ruleset_get_rule_count (rs);
  gboolean first = m->loaded == 0;
  m->loaded = loaded_unix;
  g_mutex_unlock (&m->lock);
  if (!first)
    atomic_fetch_add (&m->reload_ok, 1);
}

void
serve_metrics_reload_failed (ServeMetrics *m)
{
  atomic_fetch_add (&m->reload_failed, 1);
}

/* A label value, escaped as the text format wants (backslash, quote, newline). */
static void
append_label (GString *s, const char *v)
{
  for (; *v; v++)
    {
      if (*v == '\\' || *v == '"')
        g_string_append_c (s, '\\');
      if (*v == '\n')
        g_string_append (s, "\\n");
      else
        g_string_append_c (s, *v);
    }
}

static int
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char *
serve_metrics_render (ServeMetrics *m)
{
  GString *s = g_string_sized_new (4096);
  g_string_append (s, "# HELP embargo_decisions_total Transactions decided, by outcome.\n"
                      "# TYPE embargo_decisions_total counter\n");
  for (int o = 0; o < 4; o++)
    g_string_append_printf (s, "embargo_decisions_total{outcome=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            embargo_outcome_to_string ((EmbargoOutcome) o),
                            (guint64) atomic_load (&m->outcomes[o]));
  g_string_append_printf (s, "# HELP embargo_undecided_total Transactions (eval lines) that "
                             "could not be decided.\n# TYPE embargo_undecided_total counter\n"
                             "embargo_undecided_total %" G_GUINT64_FORMAT "\n",
                          (guint64) atomic_load (&m->undecided));
  g_string_append (s, "# HELP embargo_regime_decisions_total Outcomes under each regime "
                      "(POST /v1/check).\n# TYPE embargo_regime_decisions_total counter\n");
  g_mutex_lock (&m->lock);
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (m->regimes, NULL);
  guint n = g_hash_table_size (m->regimes);
  qsort (keys, n, sizeof *keys, cmp_str);
  for (guint i = 0; i < n; i++)
    {
      const guint64 *row = g_hash_table_lookup (m->regimes, keys[i]);
      for (int o = 0; o < 4; o++)
        {
          g_string_append (s, "embargo_regime_decisions_total{regime=\"");
          append_label (s, keys[i]);
          g_string_append_printf (s, "\",outcome=\"%s\"} %" G_GUINT64_FORMAT "\n",
                                  embargo_outcome_to_string ((EmbargoOutcome) o), row[o]);
        }
    }
  g_string_append_printf (s, "# HELP embargo_ruleset_info The rule set served (value 1).\n"
                             "# TYPE embargo_ruleset_info gauge\n"
                             "embargo_ruleset_info{digest=\"%s\"} 1\n"
                             "# HELP embargo_ruleset_rules Rules in the rule set served.\n"
                             "# TYPE embargo_ruleset_rules gauge\n"
                             "embargo_ruleset_rules %zu\n"
                             "# HELP embargo_ruleset_loaded_timestamp_seconds When the rule set "
                             "served was loaded (Unix time).\n"
                             "# TYPE embargo_ruleset_loaded_timestamp_seconds gauge\n"
                             "embargo_ruleset_loaded_timestamp_seconds %" G_GINT64_FORMAT "\n",
                          m->digest ? m->digest : "", m->rules, m->loaded);
  g_mutex_unlock (&m->lock);
  g_string_append_printf (s, "# HELP embargo_reloads_total Rule set reloads, by result; a "
                             "failed one kept the rules served before.\n"
                             "# TYPE embargo_reloads_total counter\n"
                             "embargo_reloads_total{result=\"success\"} %" G_GUINT64_FORMAT "\n"
                             "embargo_reloads_total{result=\"failure\"} %" G_GUINT64_FORMAT "\n",
                          (guint64) atomic_load (&m->reload_ok),
                          (guint64) atomic_load (&m->reload_failed));
  g_string_append_printf (s, "# HELP embargo_requests_in_flight Requests being handled.\n"
                             "# TYPE embargo_requests_in_flight gauge\n"
                             "embargo_requests_in_flight %" G_GINT64_FORMAT "\n",
                          (gint64) atomic_load (&m->in_flight));
  g_string_append (s, "# HELP embargo_http_responses_total Responses, by status code.\n"
                      "# TYPE embargo_http_responses_total counter\n");
  for (gsize i = 0; i <= NSTATUSES; i++)
    {
      char code[8];
      if (i < NSTATUSES)
        g_snprintf (code, sizeof code, "%u", statuses[i]);
      else
        g_strlcpy (code, "other", sizeof code);
      g_string_append_printf (s, "embargo_http_responses_total{code=\"%s\"} %" G_GUINT64_FORMAT
                                 "\n", code, (guint64) atomic_load (&m->by_status[i]));
    }
  g_string_append (s, "# HELP embargo_request_duration_seconds Time from a request's first "
                      "byte read to its response queued.\n"
                      "# TYPE embargo_request_duration_seconds histogram\n");
  guint64 cum = 0;
  for (gsize b = 0; b <= NBUCKETS; b++)
    {
      cum += atomic_load (&m->hist[b]);
      char le[32];
      if (b < NBUCKETS)
        g_ascii_formatd (le, sizeof le, "%g", buckets[b]);
      else
        g_strlcpy (le, "+Inf", sizeof le);
      g_string_append_printf (s, "embargo_request_duration_seconds_bucket{le=\"%s\"} %"
                                 G_GUINT64_FORMAT "\n", le, cum);
    }
  char sum[32];
  g_ascii_formatd (sum, sizeof sum, "%.6f", atomic_load (&m->hist_sum_us) / 1e6);
  g_string_append_printf (s, "embargo_request_duration_seconds_sum %s\n"
                             "embargo_request_duration_seconds_count %" G_GUINT64_FORMAT "\n",
                          sum, cum);
  return g_string_free (s, FALSE);
}
