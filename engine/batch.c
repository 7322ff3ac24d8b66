/* batch.c: JSON Lines (or a YAML stream) in, one decision line per input line out,
 * decided on every core, written in input order.
 *
 * The caller reads the input and pushes it in chunks of whole lines; a GThreadPool
 * decides each chunk (parse, check, evaluate, render) into an output buffer of its own;
 * the caller pops chunks back in the order pushed. Workers share only the immutable
 * rule set, so they never lock while working: the one mutex guards the queue of
 * chunks, taken once per chunk (hundreds of lines), not per line. Memory stays flat
 * however long the input: it is bounded by the chunks the caller keeps in flight.
 */
#include "doc.h"
#include "diag.h"
#include "rules.h"
#include "txn.h"
#include "decision.h"

#include <string.h>
#include <yajl/yajl_gen.h>

typedef struct {
  char *data;
  gsize len;
  guint64 first_line;
  GString *out;
  EmbargoBatchCounts counts;
  guint64 *rule_counts; /* per rule index, allocated when a rule first decides */
  gboolean done;
} Chunk;

struct _EmbargoBatch {
  EmbargoRuleset *rs;
  EmbargoBatchOptions opts;
  char *as_of;
  char *source;
  EmbargoLimits limits;
  GThreadPool *pool;
  GMutex lock;
  GCond cond;
  GQueue chunks; /* Chunk*, in push order */
  EmbargoBatchCounts counts;
  guint64 *rule_counts;
};

static void
chunk_free (Chunk *c)
{
  g_free (c->data);
  if (c->out)
    g_string_free (c->out, TRUE);
  g_free (c->rule_counts);
  g_free (c);
}

static void
append_error (GString *out, yajl_gen g, guint64 line, const char *message)
{
  yajl_gen_map_open (g);
  yajl_gen_string (g, (const unsigned char *) "line", 4);
  yajl_gen_integer (g, (long long) line);
  yajl_gen_string (g, (const unsigned char *) "error", 5);
  yajl_gen_string (g, (const unsigned char *) message, strlen (message));
  yajl_gen_map_close (g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  text_escape_append (out, (const char *) buf, len, EMBARGO_ESCAPE_JSON);
  g_string_append_c (out, '\n');
  yajl_gen_clear (g);
  yajl_gen_reset (g, NULL);
}

/* Decides one transaction's text and appends its output line. */
static void
decide_one (EmbargoBatch *b, Chunk *c, yajl_gen g, const char *text, gsize len, guint64 line)
{
  c->counts.lines++;
  GError *e = NULL;
  EmbargoTransaction *txn = NULL;
  gboolean blank = TRUE;
  for (gsize i = 0; i < len && blank; i++)
    blank = g_ascii_isspace (text[i]);
  if (blank)
    g_set_error (&e, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                 "%s:%" G_GUINT64_FORMAT ":1: error: empty line: a transaction was expected",
                 b->source, line);
  else
    txn = txn_parse (text, len, b->source, (guint32) MIN (line, G_MAXUINT32), &b->limits, &e);
  EmbargoEvalOptions eo = EMBARGO_EVAL_OPTIONS_INIT;
  eo.as_of = b->as_of;
  eo.strict = b->opts.strict;
  EmbargoDecision *d = txn ? embargo_evaluate (b->rs, txn, &eo, &e) : NULL;
  if (d == NULL)
    {
      c->counts.failed++;
      append_error (c->out, g, line, e->message);
      g_error_free (e);
      embargo_transaction_free (txn);
      return;
    }
  EmbargoOutcome o = embargo_decision_get_outcome (d);
  c->counts.outcomes[o]++;
  const EmbargoRule *r = embargo_decision_get_rule (d);
  if (r)
    {
      if (c->rule_counts == NULL)
        c->rule_counts = g_new0 (guint64, b->rs->nrules);
      c->rule_counts[r->index]++;
    }
  decision_write_json (d, g);
  const unsigned char *buf;
  size_t blen;
  yajl_gen_get_buf (g, &buf, &blen);
  /* Raw C1, bidirectional and separator characters become \u escapes (diag.c). */
  if (text_needs_escape ((const char *) buf, blen, EMBARGO_ESCAPE_JSON))
    text_escape_append (c->out, (const char *) buf, blen, EMBARGO_ESCAPE_JSON);
  else
    g_string_append_len (c->out, (const char *) buf, blen);
  g_string_append_c (c->out, '\n');
  yajl_gen_clear (g);
  yajl_gen_reset (g, NULL);
  embargo_decision_free (d);
  embargo_transaction_free (txn);
}

/* A YAML stream separator: "---" or "..." alone, or "--- " starting a document. */
static gboolean
is_separator (const char *p, gsize n)
{
  while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
    n--;
  if (n == 3 && (memcmp (p, "---", 3) == 0 || memcmp (p, "...", 3) == 0))
    return TRUE;
  return n > 3 && memcmp (p, "--- ", 4) == 0;
}

static void
process (gpointer data, gpointer user)
{
  Chunk *c = data;
  EmbargoBatch *b = user;
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_config (g, yajl_gen_validate_utf8, 0);
  c->out = g_string_sized_new (c->len * 2 + 64);

  const char *p = c->data, *end = c->data + c->len;
  guint64 line = c->first_line;
  if (!b->opts.yaml_stream)
    {
      while (p < end)
        {
          const char *nl = memchr (p, '\n', end - p);
          const char *stop = nl ? nl : end;
          gsize n = stop - p;
          if (n && p[n - 1] == '\r')
            n--;
          decide_one (b, c, g, p, n, line++);
          p = nl ? nl + 1 : end;
        }
    }
  else
    {
      const char *doc = p;
      guint64 doc_line = line;
      while (p <= end)
        {
          const char *nl = p < end ? memchr (p, '\n', end - p) : NULL;
          const char *stop = nl ? nl : end;
          gboolean sep = p < end && is_separator (p, stop - p);
          if (sep || p == end)
            {
              gboolean empty = TRUE;
              for (const char *q = doc; q < p && empty; q++)
                empty = g_ascii_isspace (*q);
              /* An empty document (before a first "---", or comments only) is no
               * transaction; anything else is decided or answered with an error. */
              if (!empty)
                decide_one (b, c, g, doc, p - doc, doc_line);
              doc = nl ? nl + 1 : end;
              doc_line = line + 1;
              if (sep && stop - p > 4) /* "--- {...}" carries content on its line */
                doc = p + 4, doc_line = line;
            }
          if (p == end)
            break;
          p = nl ? nl + 1 : end;
          line++;
        }
    }
  yajl_gen_free (g);

  g_mutex_lock (&b->lock);
  c->done = TRUE;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

EmbargoBatch *
embargo_batch_new (EmbargoRuleset *rs, const EmbargoBatchOptions *options, GError **error)
{
  g_return_val_if_fail (rs != NULL, NULL);
  EmbargoBatchOptions def = EMBARGO_BATCH_OPTIONS_INIT;
  const EmbargoBatchOptions *o = options ? options : &def;
  if (!OPTIONS_VERSION_OK (options, EMBARGO_BATCH_OPTIONS_VERSION, "EmbargoBatchOptions",
                           EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_FAILED, error)
      || !OPTIONS_VERSION_OK (o->limits, EMBARGO_LIMITS_VERSION, "EmbargoLimits",
                              EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_FAILED, error))
    return NULL;
  if (o->as_of && date_parse (o->as_of, strlen (o->as_of)) == 0)
    {
      g_set_error (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_BAD_DATE,
                   "as-of date '%s' is not a valid date (YYYY-MM-DD)", o->as_of);
      return NULL;
    }
  EmbargoBatch *b = g_new0 (EmbargoBatch, 1);
  b->rs = embargo_ruleset_ref (rs);
  /* A caller built against version 1 passed a struct that ends before `strict`. */
  if (o->version >= 2)
    b->opts = *o;
  else
    memcpy (&b->opts, o, G_STRUCT_OFFSET (EmbargoBatchOptions, strict));
  b->as_of = g_strdup (o->as_of);
  /* Error objects quote it: JSON output must be valid UTF-8 whatever the name. */
  b->source = g_utf8_make_valid (o->source ? o->source : "<input>", -1);
  EmbargoLimits def_limits = EMBARGO_LIMITS_INIT;
  b->limits = o->limits ? *o->limits : def_limits;
  b->opts.limits = NULL; /* the copy above is what counts */
  g_mutex_init (&b->lock);
  g_cond_init (&b->cond);
  g_queue_init (&b->chunks);
  b->rule_counts = g_new0 (guint64, MAX (rs->nrules, 1));
  guint threads = o->threads ? o->threads : g_get_num_processors ();
  b->pool = g_thread_pool_new (process, b, (gint) threads, TRUE, NULL);
  return b;
}

void
embargo_batch_push (EmbargoBatch *batch, const char *data, gsize len, guint64 first_line)
{
  g_return_if_fail (batch != NULL);
  g_return_if_fail (data != NULL || len == 0);
  Chunk *c = g_new0 (Chunk, 1);
  c->data = g_memdup2 (data ? data : "", len + 1);
  c->len = len;
  c->first_line = first_line;
  g_mutex_lock (&batch->lock);
  g_queue_push_tail (&batch->chunks, c);
  g_mutex_unlock (&batch->lock);
  g_thread_pool_push (batch->pool, c, NULL);
}

guint
embargo_batch_get_pending (const EmbargoBatch *batch)
{
  g_return_val_if_fail (batch != NULL, 0);
  return batch->chunks.length;
}

char *
embargo_batch_pop (EmbargoBatch *batch, gsize *len)
{
  g_return_val_if_fail (batch != NULL, NULL);
  g_mutex_lock (&batch->lock);
  Chunk *c = g_queue_peek_head (&batch->chunks);
  while (c && !c->done)
    g_cond_wait (&batch->cond, &batch->lock);
  if (c)
    g_queue_pop_head (&batch->chunks);
  g_mutex_unlock (&batch->lock);
  if (c == NULL)
    {
      if (len)
        *len = 0;
      return NULL;
    }
  batch->counts.lines += c->counts.lines;
  batch->counts.failed += c->counts.failed;
  for (int i = 0; i < 4; i++)
    batch->counts.outcomes[i] += c->counts.outcomes[i];
  if (c->rule_counts)
    for (guint32 i = 0; i < batch->rs->nrules; i++)
      batch->rule_counts[i] += c->rule_counts[i];
  if (len)
    *len = c->out->len;
  char *out = g_string_free (g_steal_pointer (&c->out), FALSE);
  chunk_free (c);
  return out;
}

gboolean
embargo_batch_get_counts (const EmbargoBatch *batch, EmbargoBatchCounts *counts)
{
  g_return_val_if_fail (batch != NULL && counts != NULL, FALSE);
  if (counts->version != EMBARGO_BATCH_COUNTS_VERSION)
    return FALSE;
  *counts = batch->counts;
  counts->version = EMBARGO_BATCH_COUNTS_VERSION;
  return TRUE;
}

guint64
embargo_batch_get_rule_count (const EmbargoBatch *batch, const EmbargoRule *rule)
{
  g_return_val_if_fail (batch != NULL && rule != NULL, 0);
  return rule->index < batch->rs->nrules ? batch->rule_counts[rule->index] : 0;
}

void
embargo_batch_free (EmbargoBatch *batch)
{
  if (batch == NULL)
    return;
  g_thread_pool_free (batch->pool, FALSE, TRUE); /* waits for queued chunks */
  Chunk *c;
  while ((c = g_queue_pop_head (&batch->chunks)))
    chunk_free (c);
  g_mutex_clear (&batch->lock);
  g_cond_clear (&batch->cond);
  g_free (batch->rule_counts);
  g_free (batch->as_of);
  g_free (batch->source);
  embargo_ruleset_unref (batch->rs);
  g_free (batch);
}
