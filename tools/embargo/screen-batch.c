/* screen-batch.c: `embargo screen --batch FILE|-`: many parties against lists loaded once.
 *
 * Each input line is one party: a plain name, or a JSON object
 *   {"name": "...", "country": "CN", "type": "entity", "ids": ["imo:9262089"]}
 * (ids may also be an object {"imo": "9262089"}). Blank lines are skipped. Each line
 * gets one JSON object on standard output, in input order:
 *   {"line": 3, "name": ..., "country": ..., "decision": ..., "candidates": [...]}
 * or, for a line that cannot be screened, {"line": 3, "error": {"code": "E-BATCH",
 * "message": ...}}. The screener (embargo.h) is one index, built before the workers
 * start and read by all of them at once; lines are screened in blocks on a GThreadPool,
 * and a block is printed whole, in order, before the next is read, so memory stays flat
 * whatever the input's length.
 *
 * Exit status: 0 every party allow, 1 any review or worse, 2 any line that could not be
 * screened (never 0 then).
 */
#include "cli.h"

#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#define BLOCK_LINES 4096

typedef struct {
  EmbargoScreener *screener;
  const EmbargoScreenQuery *base; /* thresholds and max_results from the options */
  GMutex lock;
  GCond done;
  guint pending;                  /* jobs of the current block not finished yet */
} Shared;

typedef struct {
  guint line;
  char *text;          /* the input line (owned) */
  char *out;           /* its JSON output line, without '\n' (owned) */
  EmbargoOutcome outcome;
  gboolean failed;
} Job;

static void
gen_str (yajl_gen g, const char *s)
{
  if (s)
    yajl_gen_string (g, (const unsigned char *) s, strlen (s));
  else
    yajl_gen_null (g);
}

static void
gen_kv (yajl_gen g, const char *k, const char *v)
{
  gen_str (g, k);
  gen_str (g, v);
}

void
cli_screen_result_to_json (yajl_gen g, const char *name, const char *country,
                           const EmbargoScreenResult *r)
{
  gen_kv (g, "name", name);
  gen_kv (g, "country", country);
  gen_kv (g, "decision", embargo_outcome_to_string (embargo_screen_result_get_outcome (r)));
  gen_str (g, "candidates");
  yajl_gen_array_open (g);
  for (gsize i = 0; i < embargo_screen_result_get_count (r); i++)
    {
      const EmbargoScreenCandidate *c = embargo_screen_result_get (r, i);
      char score[16];
      g_ascii_formatd (score, sizeof score, "%.3f", c->score);
      yajl_gen_map_open (g);
      gen_kv (g, "list", c->list);
      gen_kv (g, "ref", c->ref);
      gen_kv (g, "entry", c->entry);
      gen_kv (g, "matched", c->matched);
      gen_str (g, "alias");
      yajl_gen_bool (g, c->alias);
      gen_str (g, "score");
      yajl_gen_number (g, score, strlen (score));
      gen_kv (g, "verdict", embargo_screen_verdict_to_string (c->verdict));
      gen_kv (g, "effect", embargo_outcome_to_string (c->effect));
      gen_kv (g, "type", c->type);
      gen_kv (g, "program", c->program);
      if (c->by_identifier)
        {
          gen_str (g, "by_identifier");
          yajl_gen_bool (g, 1);
        }
      if (c->country_mismatch)
        {
          gen_str (g, "country_mismatch");
          yajl_gen_bool (g, 1);
        }
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static char *
gen_take (yajl_gen g)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *out = g_strndup ((const char *) buf, len);
  yajl_gen_free (g);
  return out;
}

static yajl_gen
gen_new (void)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  /* Input may hold U+2028/U+2029 or control characters: escaped, as everywhere. */
  yajl_gen_config (g, yajl_gen_escape_solidus, 0);
  yajl_gen_config (g, yajl_gen_validate_utf8, 1);
  return g;
}

static void
job_error (Job *j, const char *message)
{
  yajl_gen g = gen_new ();
  yajl_gen_map_open (g);
  gen_str (g, "line");
  yajl_gen_integer (g, j->line);
  gen_str (g, "error");
  yajl_gen_map_open (g);
  gen_kv (g, "code", "E-BATCH");
  gen_kv (g, "message", message);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  j->out = gen_take (g);
  j->failed = TRUE;
}

static const char *
tree_string (yajl_val obj, const char *key, gboolean *bad)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (obj, path, yajl_t_any);
  if (v == NULL || YAJL_IS_NULL (v))
    return NULL;
  if (!YAJL_IS_STRING (v))
    {
      *bad = TRUE;
      return NULL;
    }
  return YAJL_GET_STRING (v);
}

/* "ids": ["kind:value", ...] or {"kind": "value" | ["value", ...]}. Fills IDS
 * (NULL-terminated, strings owned by STORE). FALSE when malformed. */
static gboolean
tree_ids (yajl_val obj, GPtrArray *ids, GPtrArray *store)
{
  const char *path[] = { "ids", NULL };
  yajl_val v = yajl_tree_get (obj, path, yajl_t_any);
  if (v == NULL || YAJL_IS_NULL (v))
    return TRUE;
  if (YAJL_IS_ARRAY (v))
    {
      for (size_t i = 0; i < v->u.array.len; i++)
        {
          if (!YAJL_IS_STRING (v->u.array.values[i]))
            return FALSE;
          g_ptr_array_add (ids, YAJL_GET_STRING (v->u.array.values[i]));
        }
      return TRUE;
    }
  if (!YAJL_IS_OBJECT (v))
    return FALSE;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      yajl_val val = v->u.object.values[i];
      yajl_val *vals = YAJL_IS_ARRAY (val) ? val->u.array.values : &val;
      size_t n = YAJL_IS_ARRAY (val) ? val->u.array.len : 1;
      for (size_t k = 0; k < n; k++)
        {
          if (!YAJL_IS_STRING (vals[k]))
            return FALSE;
          char *id = g_strdup_printf ("%s:%s", v->u.object.keys[i], YAJL_GET_STRING (vals[k]));
          g_ptr_array_add (store, id);
          g_ptr_array_add (ids, id);
        }
    }
  return TRUE;
}

static void screen_one (Job *j, const Shared *sh);

static void
screen_job (gpointer data, gpointer user_data)
{
  Shared *sh = user_data;
  Job *j = data;
  if (!j->failed)
    screen_one (j, sh);
  g_mutex_lock (&sh->lock);
  if (--sh->pending == 0)
    g_cond_signal (&sh->done);
  g_mutex_unlock (&sh->lock);
}

static void
screen_one (Job *j, const Shared *sh)
{
  EmbargoScreenQuery q = *sh->base;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_autoptr (GPtrArray) store = g_ptr_array_new_with_free_func (g_free);
  yajl_val tree = NULL;

  if (!g_utf8_validate (j->text, -1, NULL))
    {
      job_error (j, "the line is not valid UTF-8");
      return;
    }
  if (j->text[0] == '{')
    {
      char err[256] = "";
      gboolean bad = FALSE;
      if ((tree = yajl_tree_parse (j->text, err, sizeof err)) == NULL || !YAJL_IS_OBJECT (tree))
        {
          g_autofree char *msg = g_strdup_printf ("not a JSON object: %s", g_strchomp (err));
          job_error (j, msg);
          yajl_tree_free (tree);
          return;
        }
      q.name = tree_string (tree, "name", &bad);
      q.country = tree_string (tree, "country", &bad);
      q.type = tree_string (tree, "type", &bad);
      if (bad || !tree_ids (tree, ids, store))
        {
          job_error (j, "\"name\", \"country\" and \"type\" are strings; \"ids\" a list of "
                        "\"kind:value\" or an object of kind: value");
          yajl_tree_free (tree);
          return;
        }
    }
  else
    q.name = j->text;
  if (ids->len > 0)
    {
      g_ptr_array_add (ids, NULL);
      q.ids = (const char *const *) ids->pdata;
    }

  g_autoptr (GError) error = NULL;
  EmbargoScreenResult *r = embargo_screener_screen (sh->screener, &q, &error);
  if (r == NULL)
    job_error (j, error->message);
  else
    {
      yajl_gen g = gen_new ();
      yajl_gen_map_open (g);
      gen_str (g, "line");
      yajl_gen_integer (g, j->line);
      cli_screen_result_to_json (g, q.name, q.country, r);
      yajl_gen_map_close (g);
      j->out = gen_take (g);
      j->outcome = embargo_screen_result_get_outcome (r);
      embargo_screen_result_free (r);
    }
  yajl_tree_free (tree);
}

/* Screens, prints and frees one block of jobs; folds their outcomes into *WORST and
 * *FAILED. */
static void
run_block (GThreadPool *pool, Shared *sh, GPtrArray *block, EmbargoOutcome *worst,
           gboolean *failed)
{
  g_mutex_lock (&sh->lock);
  sh->pending = block->len;
  g_mutex_unlock (&sh->lock);
  for (guint i = 0; i < block->len; i++)
    g_thread_pool_push (pool, g_ptr_array_index (block, i), NULL);
  g_mutex_lock (&sh->lock);
  while (sh->pending > 0)
    g_cond_wait (&sh->done, &sh->lock);
  g_mutex_unlock (&sh->lock);
  for (guint i = 0; i < block->len; i++)
    {
      Job *j = g_ptr_array_index (block, i);
      fputs (j->out, stdout);
      fputc ('\n', stdout);
      *failed = *failed || j->failed;
      if (!j->failed && j->outcome > *worst)
        *worst = j->outcome;
    }
  g_ptr_array_set_size (block, 0);
}

static void
job_free (gpointer data)
{
  Job *j = data;
  g_free (j->text);
  g_free (j->out);
  g_free (j);
}

int
cli_screen_batch (EmbargoScreener *screener, const EmbargoScreenQuery *base, const char *path,
                  guint threads)
{
  g_autofree char *data = NULL;
  gsize len;
  if (!cli_read_input (path, &data, &len))
    return EXIT_NO_DECISION;

  /* Build the index once, before the workers share it. */
  EmbargoScreenQuery warm = *base;
  warm.name = "index";
  EmbargoScreenResult *w = embargo_screener_screen (screener, &warm, NULL);
  embargo_screen_result_free (w);

  Shared sh = { .screener = screener, .base = base };
  g_mutex_init (&sh.lock);
  g_cond_init (&sh.done);
  if (threads == 0)
    threads = g_get_num_processors ();
  GThreadPool *pool = g_thread_pool_new (screen_job, &sh, (gint) threads, FALSE, NULL);
  g_autoptr (GPtrArray) block = g_ptr_array_new_with_free_func (job_free);
  EmbargoOutcome worst = EMBARGO_OUTCOME_ALLOW;
  gboolean failed = FALSE;
  guint lineno = 0, parties = 0;
  for (char *p = data, *end = data + len; p < end;)
    {
      char *nl = memchr (p, '\n', (gsize) (end - p));
      char *stop = nl ? nl : end;
      lineno++;
      g_autofree char *line = g_strndup (p, (gsize) (stop - p));
      gboolean nul = memchr (p, '\0', (gsize) (stop - p)) != NULL;
      p = nl ? nl + 1 : end;
      g_strstrip (line);
      if (line[0] == '\0' && !nul)
        continue;
      Job *j = g_new0 (Job, 1);
      j->line = lineno;
      j->text = g_steal_pointer (&line);
      if (nul)
        job_error (j, "NUL byte in the line");
      g_ptr_array_add (block, j);
      parties++;
      if (block->len == BLOCK_LINES)
        run_block (pool, &sh, block, &worst, &failed);
    }
  run_block (pool, &sh, block, &worst, &failed);
  g_thread_pool_free (pool, FALSE, TRUE);
  g_mutex_clear (&sh.lock);
  g_cond_clear (&sh.done);
  if (parties == 0)
    fprintf (stderr, "embargo screen: error: --batch input has no names\n");
  return failed || parties == 0 ? EXIT_NO_DECISION
         : worst == EMBARGO_OUTCOME_ALLOW ? EXIT_ALLOW : EXIT_NOT_ALLOWED;
}
