/* serve.h: what `embargo serve` keeps apart from its HTTP handling: the metrics. */
#ifndef EMBARGO_SERVE_H
#define EMBARGO_SERVE_H

#include "cli.h"

/* Counters for GET /metrics (Prometheus text format). One per process; every function
 * is thread-safe (atomic counters; the per-regime table under a lock). */
typedef struct _ServeMetrics ServeMetrics;

ServeMetrics *serve_metrics_new (void);
void serve_metrics_free (ServeMetrics *m);

/* A request started / finished with STATUS after SECONDS. */
void serve_metrics_request_start (ServeMetrics *m);
void serve_metrics_request_end (ServeMetrics *m, unsigned status, double seconds);

/* Requests being handled now. */
gint64 serve_metrics_in_flight (ServeMetrics *m);

/* One decision made: by outcome, and by outcome under each regime of RS. */
void serve_metrics_decision (ServeMetrics *m, const EmbargoDecision *d, const EmbargoRuleset *rs);

/* N decisions of OUTCOME made by a batch (no per-regime breakdown), and FAILED lines of
 * a batch that could not be decided. */
void serve_metrics_batch (ServeMetrics *m, const EmbargoBatchCounts *c);

/* A reload that succeeded (the rule set now served, loaded at LOADED_UNIX seconds) or
 * failed. */
void serve_metrics_loaded (ServeMetrics *m, const EmbargoRuleset *rs, gint64 loaded_unix);
void serve_metrics_reload_failed (ServeMetrics *m);

/* The exposition text (transfer full). */
char *serve_metrics_render (ServeMetrics *m);

#endif
