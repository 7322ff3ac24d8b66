/* cmd-serve.c: `embargo serve`: the library as an HTTP/1.1 JSON service (docs/service.md).
 *
 * libmicrohttpd runs the connections: a pool of --threads event-driven workers (epoll),
 * each deciding the requests of its connections on the library's public API, so a slow
 * client costs a socket, never a worker. The rule set is served through an
 * EmbargoRulesetHandle: each request takes the current set once and decides under it,
 * and a reload (SIGHUP, POST /v1/reload, --watch) swaps in a set only once it loaded
 * without any error; a bad reload keeps the old set and says so in the log and metrics.
 * The GLib main loop of the calling thread handles signals, --watch and shutdown.
 */
#define _POSIX_C_SOURCE 200809L
#include "serve.h"
#include "records.h"

#include <arpa/inet.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#define SOURCE "<body>"

/* What one rule set being served comes with: when it was loaded, its description for
 * GET /v1/ruleset, and (built on first use) a screener over its names lists. */
typedef struct {
  EmbargoRuleset *rs;
  gint64 loaded;           /* Unix seconds */
  char *json;              /* GET /v1/ruleset */
  EmbargoScreener *screener;
} Served;

typedef struct {
  /* configuration */
  char **rules;            /* --rules, NULL-terminated (NULL: the bundled rules) */
  EmbargoLimits limits;
  gsize max_body, max_stream;
  unsigned timeout;        /* seconds */
  char *token;             /* bearer token for POST /v1/reload, or NULL */
  gboolean loopback;       /* listening on a loopback address only */
  Records *records;        /* --records, or NULL */
  /* state */
  EmbargoRulesetHandle *handle;
  GMutex served_lock;      /* served, and the order of reloads */
  Served *served;
  ServeMetrics *metrics;
  atomic_uint_fast64_t next_id;
  atomic_bool draining;
  struct MHD_Daemon *daemon;
  GMainLoop *loop;
  char *watch_stamp;
} Server;

typedef enum { EP_NONE, EP_CHECK, EP_EVAL, EP_SCREEN, EP_RULESET, EP_HEALTH, EP_READY,
               EP_METRICS, EP_RELOAD } Endpoint;

/* One request, from its first call to its completion. */
typedef struct {
  guint64 id;
  Endpoint ep;
  char method[8];
  char *path;
  gint64 start;
  GString *body;           /* check, screen: the whole body; eval: the unfinished line */
  gsize body_len;          /* bytes received */
  gboolean too_large;
  gboolean yaml;           /* the body is YAML (by Content-Type) */
  gboolean json_only;      /* Content-Type said JSON */
  EmbargoBatch *batch;     /* eval */
  GString *out;            /* eval: decisions popped so far */
  GQueue inputs;           /* eval with --records: the text of each chunk pushed (GBytes) */
  gboolean unrecorded;     /* eval: decisions that could not be recorded */
  gint64 record;           /* check: the record id, or 0 */
  guint64 next_line;
  unsigned status;
  char *error_code;        /* for the log */
  char *decision;          /* for the log: outcome and deciding rule */
  char *rule;
} Request;

/* ---------------------------------------------------------------------------------
 * JSON helpers
 * --------------------------------------------------------------------------------- */

static void
gs (yajl_gen g, const char *s)
{
  if (s)
    yajl_gen_string (g, (const unsigned char *) s, strlen (s));
  else
    yajl_gen_null (g);
}

static void
gkv (yajl_gen g, const char *k, const char *v)
{
  gs (g, k);
  gs (g, v);
}

static void
gki (yajl_gen g, const char *k, long long v)
{
  gs (g, k);
  yajl_gen_integer (g, v);
}

static char *
gfinish (yajl_gen g, const char *tail)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *s = g_strdup_printf ("%.*s%s", (int) len, (const char *) buf, tail);
  yajl_gen_free (g);
  return s;
}

static yajl_gen
gnew (void)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  /* Input text echoed in errors may be anything: never emit invalid UTF-8. */
  yajl_gen_config (g, yajl_gen_validate_utf8, 1);
  return g;
}

/* ---------------------------------------------------------------------------------
 * Logging: one JSON object a line on stderr, written with one write(2)
 * --------------------------------------------------------------------------------- */

static void
log_line (char *line)
{
  gsize n = strlen (line);
  const char *p = line;
  while (n)
    {
      ssize_t w = write (STDERR_FILENO, p, n);
      if (w <= 0)
        break;
      p += w;
      n -= (gsize) w;
    }
  g_free (line);
}

static void
gtime (yajl_gen g)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *t = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  gkv (g, "time", t);
}

/* An event that is not a request: start, reload, shutdown. DETAIL may be NULL. */
static void
log_event (const char *event, const char *digest, const char *detail)
{
  yajl_gen g = gnew ();
  yajl_gen_map_open (g);
  gtime (g);
  gkv (g, "event", event);
  if (digest)
    gkv (g, "digest", digest);
  if (detail)
    gkv (g, "detail", detail);
  yajl_gen_map_close (g);
  log_line (gfinish (g, "\n"));
}

/* ---------------------------------------------------------------------------------
 * Rule sets: loading, the served state, reloads
 * --------------------------------------------------------------------------------- */

static char *
ruleset_json (EmbargoRuleset *rs, gint64 loaded)
{
  yajl_gen g = gnew ();
  yajl_gen_map_open (g);
  gkv (g, "digest", embargo_ruleset_get_digest (rs));
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (loaded);
  g_autofree char *ts = g_date_time_format_iso8601 (t);
  gkv (g, "loaded", ts);
  gsize n = embargo_ruleset_get_rule_count (rs), effects[4] = { 0 }, exceptions = 0;
  /* A pack is the directory a rule file sits in, as loaded. */
  g_autoptr (GHashTable) packs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  for (gsize i = 0; i < n; i++)
    {
      const EmbargoRule *r = embargo_ruleset_get_rule (rs, i);
      effects[embargo_rule_get_effect (r)]++;
      exceptions += embargo_rule_is_exception (r);
      char *dir = g_path_get_dirname (embargo_rule_get_source_name (r));
      gpointer old;
      if (g_hash_table_lookup_extended (packs, dir, NULL, &old))
        {
          g_hash_table_insert (packs, dir, GSIZE_TO_POINTER (GPOINTER_TO_SIZE (old) + 1));
          continue;
        }
      g_hash_table_insert (packs, dir, GSIZE_TO_POINTER (1));
      g_ptr_array_add (order, dir);
    }
  gs (g, "counts");
  yajl_gen_map_open (g);
  gki (g, "rules", (long long) n);
  gki (g, "exceptions", (long long) exceptions);
  for (int o = 0; o < 4; o++)
    gki (g, embargo_outcome_to_string ((EmbargoOutcome) o), (long long) effects[o]);
  yajl_gen_map_close (g);
  gs (g, "regimes");
  yajl_gen_array_open (g);
  for (const char *const *re = embargo_ruleset_get_regimes (rs); *re; re++)
    gs (g, *re);
  yajl_gen_array_close (g);
  gs (g, "packs");
  yajl_gen_array_open (g);
  for (guint i = 0; i < order->len; i++)
    {
      yajl_gen_map_open (g);
      gkv (g, "path", order->pdata[i]);
      gki (g, "rules", (long long) GPOINTER_TO_SIZE (g_hash_table_lookup (packs, order->pdata[i])));
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  gs (g, "rules");
  yajl_gen_array_open (g);
  for (gsize i = 0; i < n; i++)
    {
      const EmbargoRule *r = embargo_ruleset_get_rule (rs, i);
      yajl_gen_map_open (g);
      gkv (g, "id", embargo_rule_get_id (r));
      gkv (g, "title", embargo_rule_get_title (r));
      gkv (g, "regime", embargo_rule_get_regime (r));
      gkv (g, "effect", embargo_outcome_to_string (embargo_rule_get_effect (r)));
      gkv (g, "citation", embargo_rule_get_citation (r));
      gkv (g, "effective_from", embargo_rule_get_effective_from (r));
      gkv (g, "effective_until", embargo_rule_get_effective_until (r));
      g_autofree char *src = g_strdup_printf ("%s:%u", embargo_rule_get_source_name (r),
                                              embargo_rule_get_line (r));
      gkv (g, "source", src);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  return gfinish (g, "\n");
}

static Served *
served_new (EmbargoRuleset *rs)
{
  Served *s = g_new0 (Served, 1);
  s->rs = embargo_ruleset_ref (rs);
  s->loaded = g_get_real_time () / G_USEC_PER_SEC;
  s->json = ruleset_json (rs, s->loaded);
  return s;
}

static void
served_free (Served *s)
{
  if (s == NULL)
    return;
  embargo_ruleset_unref (s->rs);
  embargo_screener_unref (s->screener);
  g_free (s->json);
  g_free (s);
}

/* Loads the rules under the service's limits. Returns NULL and sets *ERRORS to every
 * problem, one a line, when they do not load. */
static EmbargoRuleset *
load_rules (Server *srv, char **errors)
{
  g_autofree char *def = NULL;
  const char *fallback[2] = { NULL, NULL };
  const char *const *list = (const char *const *) srv->rules;
  if (list == NULL || list[0] == NULL)
    {
      def = cli_default_rules_dir ();
      fallback[0] = def;
      list = fallback;
    }
  EmbargoLoader *ld = embargo_loader_new (&srv->limits);
  for (const char *const *p = list; *p; p++)
    embargo_loader_add_path (ld, *p, NULL);
  GError *e = NULL;
  EmbargoRuleset *rs = embargo_loader_finish (ld, &e);
  if (rs == NULL)
    {
      GString *all = g_string_new (NULL);
      const EmbargoDiagnostics *diags = embargo_loader_get_diagnostics (ld);
      for (gsize i = 0; i < embargo_diagnostics_get_count (diags); i++)
        {
          const EmbargoDiagnostic *d = embargo_diagnostics_get (diags, i);
          if (d->severity < EMBARGO_SEVERITY_ERROR)
            continue;
          g_autofree char *line = embargo_diagnostic_format (d);
          g_autofree char *note = embargo_diagnostic_format_context (d);
          g_string_append_printf (all, "%s%s%s%s", all->len ? "\n" : "", line, note ? "\n" : "",
                                  note ? note : "");
        }
      if (all->len == 0)
        g_string_append (all, e->message);
      *errors = g_string_free (all, FALSE);
      g_error_free (e);
    }
  embargo_loader_free (ld);
  return rs;
}

/* Loads the rules again and, only when they load, serves them. Returns FALSE with
 * *ERRORS (transfer full) when the old set stays. Reloads are serialized. */
static gboolean
reload (Server *srv, const char *why, char **errors)
{
  g_mutex_lock (&srv->served_lock);
  char *err = NULL;
  EmbargoRuleset *rs = load_rules (srv, &err);
  gboolean ok = rs != NULL;
  if (ok)
    {
      Served *old = srv->served;
      srv->served = served_new (rs);
      embargo_handle_set (srv->handle, rs);
      serve_metrics_loaded (srv->metrics, rs, srv->served->loaded);
      served_free (old);
      log_event ("reload", embargo_ruleset_get_digest (rs), why);
      embargo_ruleset_unref (rs);
    }
  else
    {
      serve_metrics_reload_failed (srv->metrics);
      g_autofree char *detail = g_strdup_printf ("%s: kept the rules served before: %s", why, err);
      log_event ("reload-failed", embargo_ruleset_get_digest (srv->served->rs), detail);
    }
  g_mutex_unlock (&srv->served_lock);
  if (errors)
    *errors = err;
  else
    g_free (err);
  return ok;
}

/* --watch: a stamp over the names, sizes and modification times of every file under the
 * rule paths; a change reloads. */
static void
stamp_path (GChecksum *sum, const char *path)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      g_checksum_update (sum, (const guchar *) "?", 1);
      return;
    }
  char meta[96];
  g_snprintf (meta, sizeof meta, "|%lld|%lld|%ld", (long long) st.st_size,
              (long long) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
  g_checksum_update (sum, (const guchar *) path, -1);
  g_checksum_update (sum, (const guchar *) meta, -1);
  if (!S_ISDIR (st.st_mode))
    return;
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  for (const char *n; (n = g_dir_read_name (dir));)
    g_ptr_array_add (names, g_strdup (n));
  g_dir_close (dir);
  g_ptr_array_sort (names, (GCompareFunc) (void (*) (void)) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, names->pdata[i], NULL);
      stamp_path (sum, child);
    }
}

static char *
watch_stamp (Server *srv)
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *def = NULL;
  if (srv->rules == NULL || srv->rules[0] == NULL)
    stamp_path (sum, def = cli_default_rules_dir ());
  for (char **p = srv->rules; p && *p; p++)
    stamp_path (sum, *p);
  char *s = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  return s;
}

static gboolean
on_watch (gpointer data)
{
  Server *srv = data;
  char *now = watch_stamp (srv);
  if (g_strcmp0 (now, srv->watch_stamp) != 0)
    {
      g_free (srv->watch_stamp);
      srv->watch_stamp = now;
      reload (srv, "the rule files changed (--watch)", NULL);
    }
  else
    g_free (now);
  return G_SOURCE_CONTINUE;
}

/* The current served state's screener, built on first use; a new reference. */
static EmbargoScreener *
current_screener (Server *srv, GError **error)
{
  g_mutex_lock (&srv->served_lock);
  Served *s = srv->served;
  if (s->screener == NULL)
    {
      EmbargoScreener *sc = embargo_screener_new ();
      if (!embargo_screener_add_ruleset (sc, s->rs, NULL, error))
        {
          embargo_screener_unref (sc);
          g_mutex_unlock (&srv->served_lock);
          return NULL;
        }
      /* The first screen builds the index and freezes the screener: do it here, under
       * the lock, so that requests only ever screen a frozen one. */
      EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
      q.name = "index";
      embargo_screen_result_free (embargo_screener_screen (sc, &q, NULL));
      s->screener = sc;
    }
  EmbargoScreener *ref = embargo_screener_ref (s->screener);
  g_mutex_unlock (&srv->served_lock);
  return ref;
}

/* ---------------------------------------------------------------------------------
 * Responses
 * --------------------------------------------------------------------------------- */

static enum MHD_Result
respond (struct MHD_Connection *conn, Server *srv, Request *req, unsigned status,
         const char *type, char *body)
{
  req->status = status;
  struct MHD_Response *r = MHD_create_response_from_buffer (strlen (body), body,
                                                            MHD_RESPMEM_MUST_FREE);
  MHD_add_response_header (r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  char id[24];
  g_snprintf (id, sizeof id, "%" G_GUINT64_FORMAT, req->id);
  MHD_add_response_header (r, "Embargo-Request-Id", id);
  if (status == 405)
    MHD_add_response_header (r, MHD_HTTP_HEADER_ALLOW,
                             req->ep == EP_CHECK || req->ep == EP_EVAL || req->ep == EP_SCREEN
                                 || req->ep == EP_RELOAD ? "POST" : "GET, HEAD");
  if (req->record)
    {
      char rid[24];
      g_snprintf (rid, sizeof rid, "%" G_GINT64_FORMAT, req->record);
      MHD_add_response_header (r, "Embargo-Record-Id", rid);
    }
  if (status == 401)
    MHD_add_response_header (r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
  if (atomic_load (&srv->draining) || req->too_large)
    MHD_add_response_header (r, MHD_HTTP_HEADER_CONNECTION, "close");
  enum MHD_Result res = MHD_queue_response (conn, status, r);
  MHD_destroy_response (r);
  return res;
}

/* {"error": {"code", "message", "line", "column"}}: LINE and COLUMN 0 give null. MORE, when
 * not NULL, is every problem as compiler-style lines, listed under "diagnostics". */
static enum MHD_Result
respond_error (struct MHD_Connection *conn, Server *srv, Request *req, unsigned status,
               const char *code, const char *message, unsigned line, unsigned column,
               const char *more)
{
  g_free (req->error_code);
  req->error_code = g_strdup (code);
  yajl_gen g = gnew ();
  yajl_gen_map_open (g);
  gs (g, "error");
  yajl_gen_map_open (g);
  gkv (g, "code", code);
  gkv (g, "message", message);
  gs (g, "line");
  line ? yajl_gen_integer (g, line) : yajl_gen_null (g);
  gs (g, "column");
  column ? yajl_gen_integer (g, column) : yajl_gen_null (g);
  if (more)
    {
      gs (g, "diagnostics");
      yajl_gen_array_open (g);
      g_auto (GStrv) lines = g_strsplit (more, "\n", -1);
      for (char **l = lines; *l; l++)
        gs (g, *l);
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  char *body = gfinish (g, "\n");
  return respond (conn, srv, req, status, "application/json", body);
}

/* A library error ("<body>:3:9: error: message [E-CODE]", one problem a line) as a 400:
 * the first problem gives code, message and position, and all of them are listed. */
static enum MHD_Result
respond_gerror (struct MHD_Connection *conn, Server *srv, Request *req, const GError *e)
{
  const char *code = "E-REQUEST";
  if (e->domain == EMBARGO_LOAD_ERROR)
    code = e->code == EMBARGO_LOAD_ERROR_SYNTAX ? "E-SYNTAX"
           : e->code == EMBARGO_LOAD_ERROR_LIMIT ? "E-LIMIT" : "E-TRANSACTION";
  else if (e->domain == EMBARGO_EVAL_ERROR && e->code == EMBARGO_EVAL_ERROR_BAD_DATE)
    code = "E-DATE";
  else if (e->domain == EMBARGO_EVAL_ERROR && e->code == EMBARGO_EVAL_ERROR_LIMIT)
    code = "E-LIMIT";
  else if (e->domain == EMBARGO_EVAL_ERROR)
    code = "E-TRANSACTION";
  const char *nl = strchr (e->message, '\n');
  g_autofree char *first = g_strndup (e->message, nl ? (gsize) (nl - e->message)
                                                    : strlen (e->message));
  unsigned line = 0, column = 0;
  const char *msg = first;
  static const char prefix[] = SOURCE ":";
  if (g_str_has_prefix (first, prefix))
    {
      char *p = first + strlen (prefix), *end;
      guint64 l = g_ascii_strtoull (p, &end, 10);
      if (end > p && *end == ':')
        {
          p = end + 1;
          guint64 c = g_ascii_strtoull (p, &end, 10);
          if (end > p && g_str_has_prefix (end, ": error: "))
            line = (unsigned) l, column = (unsigned) c, msg = end + strlen (": error: ");
        }
    }
  /* A trailing " [E-CODE]" is the diagnostic's own code. */
  g_autofree char *own = NULL;
  g_autofree char *text = g_strdup (msg);
  gsize tl = strlen (text);
  char *open = strrchr (text, '[');
  if (tl > 4 && text[tl - 1] == ']' && open && open > text && open[-1] == ' '
      && g_str_has_prefix (open, "[E-"))
    {
      own = g_strndup (open + 1, (gsize) (text + tl - 1 - (open + 1)));
      open[-1] = '\0';
      code = own;
    }
  return respond_error (conn, srv, req, 400, code, text, line, column,
                       nl ? e->message : NULL);
}

/* ---------------------------------------------------------------------------------
 * Endpoints
 * --------------------------------------------------------------------------------- */

static void
note_decision (Request *req, const EmbargoDecision *d)
{
  req->decision = g_strdup (embargo_outcome_to_string (embargo_decision_get_outcome (d)));
  const EmbargoRule *r = embargo_decision_get_rule (d);
  req->rule = r ? g_strdup (embargo_rule_get_id (r)) : NULL;
}

/* Query parameters other than as_of are refused: a misspelt one must not be ignored. */
static enum MHD_Result
count_unknown_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
  if (strcmp (key, "as_of") != 0)
    (*(int *) cls)++;
  return MHD_YES;
}

static gboolean
query_ok (struct MHD_Connection *conn, gboolean as_of_allowed)
{
  int unknown = 0;
  int n = MHD_get_connection_values (conn, MHD_GET_ARGUMENT_KIND, count_unknown_arg, &unknown);
  return unknown == 0 && (as_of_allowed || n == 0);
}

static enum MHD_Result
do_check (struct MHD_Connection *conn, Server *srv, Request *req)
{
  const char *as_of = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "as_of");
  const char *text = req->body->str;
  gsize len = req->body->len;
  const char *p = text;
  while (p < text + len && g_ascii_isspace (*p))
    p++;
  if (req->json_only && (p == text + len || *p != '{'))
    return respond_error (conn, srv, req, 400, "E-SYNTAX",
                          "the Content-Type is JSON but the body is not a JSON object", 0, 0,
                          NULL);
  GError *e = NULL;
  EmbargoTransaction *txn = embargo_transaction_new_from_data (text, len, SOURCE, &srv->limits,
                                                               &e);
  if (txn == NULL)
    {
      enum MHD_Result r = respond_gerror (conn, srv, req, e);
      g_error_free (e);
      return r;
    }
  EmbargoRuleset *rs = embargo_handle_get (srv->handle);
  EmbargoEvalOptions opts = EMBARGO_EVAL_OPTIONS_INIT;
  opts.as_of = as_of;
  EmbargoDecision *d = embargo_evaluate (rs, txn, &opts, &e);
  enum MHD_Result r;
  if (d == NULL)
    {
      r = respond_gerror (conn, srv, req, e);
      g_error_free (e);
    }
  else
    {
      serve_metrics_decision (srv->metrics, d, rs);
      note_decision (req, d);
      char *json = embargo_decision_to_json (d);
      if (srv->records && (req->record = records_append (srv->records, text, len, json, &e)) == 0)
        {
          /* A decision that is not on record is not given. */
          log_event ("record-failed", NULL, e->message);
          g_clear_error (&e);
          r = respond_error (conn, srv, req, 500, "E-RECORD", "the decision could not be "
                             "recorded, so it is not given", 0, 0, NULL);
        }
      else
        r = respond (conn, srv, req, 200, "application/json", g_strconcat (json, "\n", NULL));
      g_free (json);
      embargo_decision_free (d);
    }
  embargo_ruleset_unref (rs);
  embargo_transaction_free (txn);
  return r;
}

/* Eval: whole lines go to the batch as they arrive; decisions are collected in order. */
static void
eval_feed (Server *srv, Request *req, gboolean final)
{
  GString *b = req->body;
  gsize cut = b->len;
  if (!final)
    {
      /* Whole lines, or whole documents of a YAML stream: up to the last "---" line. */
      while (cut > 0 && !(b->str[cut - 1] == '\n'
                          && (!req->yaml || (b->len - cut >= 4 && memcmp (b->str + cut, "---", 3) == 0
                                             && g_ascii_isspace (b->str[cut + 3])))))
        cut--;
      if (cut < 64 * 1024)
        cut = 0;
    }
  if (cut)
    {
      embargo_batch_push (req->batch, b->str, cut, req->next_line);
      if (srv->records)
        g_queue_push_tail (&req->inputs, g_bytes_new (b->str, cut));
      for (gsize i = 0; i < cut; i++)
        req->next_line += b->str[i] == '\n';
      g_string_erase (b, 0, cut);
    }
  while (embargo_batch_get_pending (req->batch) >= (final ? 1u : 8u))
    {
      gsize n;
      g_autofree char *out = embargo_batch_pop (req->batch, &n);
      g_string_append_len (req->out, out, n);
      g_autoptr (GBytes) in = g_queue_pop_head (&req->inputs);
      GError *e = NULL;
      gsize in_len;
      const char *in_data = in ? g_bytes_get_data (in, &in_len) : NULL;
      if (in && !req->unrecorded
          && !records_append_lines (srv->records, in_data, in_len, out, n, &e))
        {
          log_event ("record-failed", NULL, e->message);
          g_error_free (e);
          req->unrecorded = TRUE;
        }
    }
}

static enum MHD_Result
do_eval (struct MHD_Connection *conn, Server *srv, Request *req)
{
  eval_feed (srv, req, TRUE);
  EmbargoBatchCounts c;
  embargo_batch_get_counts (req->batch, &c);
  serve_metrics_batch (srv->metrics, &c);
  if (req->unrecorded)
    return respond_error (conn, srv, req, 500, "E-RECORD", "the decisions could not be "
                          "recorded, so they are not given", 0, 0, NULL);
  req->decision = g_strdup_printf ("%" G_GUINT64_FORMAT " lines, %" G_GUINT64_FORMAT " failed",
                                   c.lines, c.failed);
  char *body = g_string_free (req->out, FALSE);
  req->out = NULL;
  return respond (conn, srv, req, 200, "application/x-ndjson", body);
}

static enum MHD_Result
do_screen (struct MHD_Connection *conn, Server *srv, Request *req)
{
  char err[256] = "";
  yajl_val root = yajl_tree_parse (req->body->str, err, sizeof err);
  if (root == NULL || !YAJL_IS_OBJECT (root))
    {
      yajl_tree_free (root);
      g_strstrip (err);
      for (char *q = err; *q; q++)
        if (*q == '\n')
          *q = ' ';
      return respond_error (conn, srv, req, 400, "E-SYNTAX",
                            *err ? err : "the body must be a JSON object", 0, 0, NULL);
    }
  static const char *const known[] = { "name", "country", "type", "ids", NULL };
  const char *name = NULL, *country = NULL, *type = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  const char *bad = NULL;
  for (size_t i = 0; i < root->u.object.len && !bad; i++)
    {
      const char *k = root->u.object.keys[i];
      yajl_val v = root->u.object.values[i];
      if (!g_strv_contains (known, k))
        bad = k;
      else if (strcmp (k, "ids") == 0)
        {
          if (!YAJL_IS_ARRAY (v))
            bad = k;
          for (size_t j = 0; !bad && j < v->u.array.len; j++)
            if (YAJL_IS_STRING (v->u.array.values[j]))
              g_ptr_array_add (ids, v->u.array.values[j]->u.string);
            else
              bad = k;
        }
      else if (YAJL_IS_NULL (v))
        continue;
      else if (!YAJL_IS_STRING (v))
        bad = k;
      else
        *(strcmp (k, "name") == 0 ? &name : strcmp (k, "country") == 0 ? &country : &type) =
          v->u.string;
    }
  if (bad)
    {
      g_autofree char *m = g_strdup_printf (
        "'%s': expected \"name\", \"country\", \"type\" (strings) and \"ids\" (a list of "
        "\"kind:value\" strings)", bad);
      yajl_tree_free (root);
      return respond_error (conn, srv, req, 400, "E-REQUEST", m, 0, 0, NULL);
    }
  g_ptr_array_add (ids, NULL);
  GError *e = NULL;
  EmbargoScreener *sc = current_screener (srv, &e);
  EmbargoScreenResult *r = NULL;
  if (sc)
    {
      EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
      q.name = name;
      q.country = country;
      q.type = type;
      q.ids = ids->len > 1 ? (const char *const *) ids->pdata : NULL;
      r = embargo_screener_screen (sc, &q, &e);
      embargo_screener_unref (sc);
    }
  enum MHD_Result res;
  if (r == NULL)
    {
      res = respond_error (conn, srv, req, 400, "E-REQUEST", e->message, 0, 0, NULL);
      g_error_free (e);
    }
  else
    {
      yajl_gen g = gnew ();
      yajl_gen_map_open (g);
      cli_screen_result_to_json (g, name, country, r);
      yajl_gen_map_close (g);
      req->decision = g_strdup (embargo_outcome_to_string (embargo_screen_result_get_outcome (r)));
      res = respond (conn, srv, req, 200, "application/json", gfinish (g, "\n"));
      embargo_screen_result_free (r);
    }
  yajl_tree_free (root);
  return res;
}

static gboolean
token_ok (Server *srv, struct MHD_Connection *conn)
{
  const char *auth = MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_AUTHORIZATION);
  if (auth == NULL || !g_str_has_prefix (auth, "Bearer "))
    return FALSE;
  const char *given = auth + 7;
  gsize a = strlen (given), b = strlen (srv->token);
  /* Compare in time independent of where they differ. */
  unsigned diff = a != b;
  for (gsize i = 0; i < b; i++)
    diff |= (unsigned char) srv->token[i] ^ (unsigned char) (i < a ? given[i] : 0);
  return diff == 0;
}

static enum MHD_Result
do_reload (struct MHD_Connection *conn, Server *srv, Request *req)
{
  if (srv->token == NULL && !srv->loopback)
    return respond_error (conn, srv, req, 403, "E-FORBIDDEN",
                          "reloading over the network needs --token-file", 0, 0, NULL);
  if (srv->token && !token_ok (srv, conn))
    return respond_error (conn, srv, req, 401, "E-UNAUTHORIZED",
                          "POST /v1/reload needs 'Authorization: Bearer TOKEN' (--token-file)",
                          0, 0, NULL);
  g_autofree char *errors = NULL;
  if (!reload (srv, "POST /v1/reload", &errors))
    return respond_error (conn, srv, req, 422, "E-RELOAD",
                          "the rules did not load; the rules served before stay in service",
                          0, 0, errors);
  EmbargoRuleset *rs = embargo_handle_get (srv->handle);
  yajl_gen g = gnew ();
  yajl_gen_map_open (g);
  gs (g, "reloaded");
  yajl_gen_bool (g, 1);
  gkv (g, "digest", embargo_ruleset_get_digest (rs));
  gki (g, "rules", (long long) embargo_ruleset_get_rule_count (rs));
  yajl_gen_map_close (g);
  embargo_ruleset_unref (rs);
  return respond (conn, srv, req, 200, "application/json", gfinish (g, "\n"));
}

static enum MHD_Result
do_get (struct MHD_Connection *conn, Server *srv, Request *req)
{
  switch (req->ep)
    {
    case EP_HEALTH:
      return respond (conn, srv, req, 200, "application/json", g_strdup ("{\"status\":\"ok\"}\n"));
    case EP_READY:
      {
        if (atomic_load (&srv->draining))
          return respond_error (conn, srv, req, 503, "E-DRAINING", "shutting down", 0, 0, NULL);
        EmbargoRuleset *rs = embargo_handle_get (srv->handle);
        char *body = g_strdup_printf ("{\"ready\":true,\"digest\":\"%s\",\"rules\":%zu}\n",
                                      embargo_ruleset_get_digest (rs),
                                      embargo_ruleset_get_rule_count (rs));
        embargo_ruleset_unref (rs);
        return respond (conn, srv, req, 200, "application/json", body);
      }
    case EP_METRICS:
      return respond (conn, srv, req, 200, "text/plain; version=0.0.4",
                      serve_metrics_render (srv->metrics));
    case EP_RULESET:
      {
        g_mutex_lock (&srv->served_lock);
        char *body = g_strdup (srv->served->json);
        g_mutex_unlock (&srv->served_lock);
        return respond (conn, srv, req, 200, "application/json", body);
      }
    default:
      g_assert_not_reached ();
    }
}

/* ---------------------------------------------------------------------------------
 * The request cycle
 * --------------------------------------------------------------------------------- */

static Endpoint
route (const char *url, gboolean *post)
{
  static const struct {
    const char *path;
    Endpoint ep;
    gboolean post;
  } routes[] = {
    { "/v1/check", EP_CHECK, TRUE },      { "/v1/eval", EP_EVAL, TRUE },
    { "/v1/screen", EP_SCREEN, TRUE },    { "/v1/reload", EP_RELOAD, TRUE },
    { "/v1/ruleset", EP_RULESET, FALSE }, { "/healthz", EP_HEALTH, FALSE },
    { "/readyz", EP_READY, FALSE },       { "/metrics", EP_METRICS, FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++)
    if (strcmp (url, routes[i].path) == 0)
      {
        *post = routes[i].post;
        return routes[i].ep;
      }
  return EP_NONE;
}

/* The media type of the body: YAML, JSON, JSON Lines, or absent; FALSE for another. */
static gboolean
media_type (struct MHD_Connection *conn, Request *req)
{
  const char *ct = MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_CONTENT_TYPE);
  if (ct == NULL)
    return TRUE;
  g_autofree char *t = g_ascii_strdown (ct, -1);
  char *semi = strchr (t, ';');
  if (semi)
    *semi = '\0';
  g_strstrip (t);
  static const char *const yaml[] = { "application/yaml", "application/x-yaml", "text/yaml",
                                      "text/x-yaml", NULL };
  static const char *const json[] = { "application/json", NULL };
  static const char *const lines[] = { "application/x-ndjson", "application/jsonl",
                                       "application/json-lines", "application/jsonlines", NULL };
  if (g_strv_contains (yaml, t) && req->ep != EP_SCREEN)
    return req->yaml = TRUE;
  if (g_strv_contains (json, t))
    return req->json_only = TRUE;
  return g_strv_contains (lines, t) && req->ep == EP_EVAL;
}

static enum MHD_Result
on_request (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
            const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
  Server *srv = cls;
  Request *req = *con_cls;
  if (req == NULL)
    {
      req = g_new0 (Request, 1);
      *con_cls = req;
      req->id = atomic_fetch_add (&srv->next_id, 1) + 1;
      req->start = g_get_monotonic_time ();
      g_strlcpy (req->method, method, sizeof req->method);
      req->path = g_strdup (url);
      serve_metrics_request_start (srv->metrics);
      gboolean post = FALSE;
      req->ep = route (url, &post);
      if (req->ep == EP_NONE)
        return respond_error (conn, srv, req, 404, "E-NOT-FOUND", "no such endpoint", 0, 0, NULL);
      gboolean is_post = strcmp (method, "POST") == 0;
      gboolean is_get = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
      if (post ? !is_post : !is_get)
        return respond_error (conn, srv, req, 405, "E-METHOD",
                              post ? "use POST" : "use GET", 0, 0, NULL);
      if (!query_ok (conn, req->ep == EP_CHECK || req->ep == EP_EVAL))
        return respond_error (conn, srv, req, 400, "E-REQUEST",
                              req->ep == EP_CHECK || req->ep == EP_EVAL
                                  ? "unknown query parameter: only as_of=YYYY-MM-DD is known"
                                  : "this endpoint takes no query parameters", 0, 0, NULL);
      if (!post)
        return do_get (conn, srv, req);
      if (req->ep != EP_RELOAD && !media_type (conn, req))
        return respond_error (conn, srv, req, 415, "E-MEDIA-TYPE",
                              req->ep == EP_EVAL
                                ? "send JSON Lines (application/x-ndjson) or a YAML stream "
                                  "(application/yaml)"
                                : req->ep == EP_SCREEN ? "send application/json"
                                : "send application/json or application/yaml", 0, 0, NULL);
      gsize max = req->ep == EP_EVAL ? srv->max_stream : srv->max_body;
      const char *cl = MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (cl && g_ascii_strtoull (cl, NULL, 10) > max)
        {
          req->too_large = TRUE;
          g_autofree char *m = g_strdup_printf ("the body exceeds the limit of %zu bytes", max);
          return respond_error (conn, srv, req, 413, "E-TOO-LARGE", m, 0, 0, NULL);
        }
      req->body = g_string_new (NULL);
      if (req->ep == EP_EVAL)
        {
          const char *as_of = MHD_lookup_connection_value (conn, MHD_GET_ARGUMENT_KIND, "as_of");
          EmbargoRuleset *rs = embargo_handle_get (srv->handle);
          EmbargoBatchOptions bo = EMBARGO_BATCH_OPTIONS_INIT;
          bo.as_of = as_of;
          bo.source = SOURCE;
          bo.yaml_stream = req->yaml;
          bo.limits = &srv->limits;
          GError *e = NULL;
          req->batch = embargo_batch_new (rs, &bo, &e);
          embargo_ruleset_unref (rs);
          if (req->batch == NULL)
            {
              enum MHD_Result r = respond_gerror (conn, srv, req, e);
              g_error_free (e);
              return r;
            }
          req->out = g_string_new (NULL);
          req->next_line = 1;
        }
      return MHD_YES;
    }
  if (req->status)
    {
      /* Answered already (an error on the first call): drop what still arrives. */
      *upload_size = 0;
      return MHD_YES;
    }
  if (*upload_size)
    {
      if (g_get_monotonic_time () - req->start > (gint64) srv->timeout * G_USEC_PER_SEC)
        return MHD_NO; /* too slow: close the connection */
      gsize max = req->ep == EP_EVAL ? srv->max_stream : srv->max_body;
      req->body_len += *upload_size;
      if (req->body_len > max)
        req->too_large = TRUE;
      if (!req->too_large && req->ep != EP_RELOAD)
        {
          g_string_append_len (req->body, upload, *upload_size);
          if (req->ep == EP_EVAL)
            eval_feed (srv, req, FALSE);
        }
      *upload_size = 0;
      return MHD_YES;
    }
  if (req->too_large)
    {
      gsize max = req->ep == EP_EVAL ? srv->max_stream : srv->max_body;
      g_autofree char *m = g_strdup_printf ("the body exceeds the limit of %zu bytes", max);
      return respond_error (conn, srv, req, 413, "E-TOO-LARGE", m, 0, 0, NULL);
    }
  switch (req->ep)
    {
    case EP_CHECK: return do_check (conn, srv, req);
    case EP_EVAL: return do_eval (conn, srv, req);
    case EP_SCREEN: return do_screen (conn, srv, req);
    case EP_RELOAD: return do_reload (conn, srv, req);
    default: g_assert_not_reached ();
    }
}

/* The request is over (answered, or the connection dropped): log it and free it. */
static void
on_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
              enum MHD_RequestTerminationCode why)
{
  Server *srv = cls;
  Request *req = *con_cls;
  if (req == NULL)
    return;
  *con_cls = NULL;
  double secs = (g_get_monotonic_time () - req->start) / 1e6;
  serve_metrics_request_end (srv->metrics, req->status, secs);
  yajl_gen g = gnew ();
  yajl_gen_map_open (g);
  gtime (g);
  gki (g, "id", (long long) req->id);
  gkv (g, "method", req->method);
  gkv (g, "path", req->path);
  gs (g, "status");
  req->status ? yajl_gen_integer (g, req->status) : yajl_gen_null (g);
  if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK)
    gkv (g, "aborted", why == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                       : why == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? "client"
                       : "server");
  if (req->decision)
    gkv (g, "decision", req->decision);
  if (req->ep == EP_CHECK && req->decision)
    gkv (g, "rule", req->rule);
  if (req->record)
    gki (g, "record", req->record);
  if (req->error_code)
    gkv (g, "error", req->error_code);
  char ms[32];
  g_ascii_formatd (ms, sizeof ms, "%.3f", secs * 1e3);
  gs (g, "duration_ms");
  yajl_gen_number (g, ms, strlen (ms));
  yajl_gen_map_close (g);
  log_line (gfinish (g, "\n"));
  embargo_batch_free (req->batch);
  g_queue_clear_full (&req->inputs, (GDestroyNotify) g_bytes_unref);
  if (req->out)
    g_string_free (req->out, TRUE);
  if (req->body)
    g_string_free (req->body, TRUE);
  g_free (req->decision);
  g_free (req->rule);
  g_free (req->error_code);
  g_free (req->path);
  g_free (req);
}

/* ---------------------------------------------------------------------------------
 * Start-up, signals, shutdown
 * --------------------------------------------------------------------------------- */

static gboolean
on_hup (gpointer data)
{
  reload (data, "SIGHUP", NULL);
  return G_SOURCE_CONTINUE;
}

static gboolean
drain_tick (gpointer data)
{
  Server *srv = data;
  static gint64 deadline;
  if (deadline == 0)
    deadline = g_get_monotonic_time () + (gint64) srv->timeout * G_USEC_PER_SEC;
  if (serve_metrics_in_flight (srv->metrics) > 0 && g_get_monotonic_time () < deadline)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (srv->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_term (gpointer data)
{
  Server *srv = data;
  if (atomic_exchange (&srv->draining, TRUE))
    return G_SOURCE_CONTINUE;
  log_event ("shutdown", NULL, "stopped accepting; finishing the requests in flight");
  /* No new connections; the requests in flight finish, then the loop ends. */
  MHD_socket s = MHD_quiesce_daemon (srv->daemon);
  if (s != MHD_INVALID_SOCKET)
    close (s);
  g_timeout_add (10, drain_tick, srv);
  return G_SOURCE_CONTINUE;
}

/* ADDR:PORT (IPv4) or [ADDR]:PORT (IPv6), numeric. */
static gboolean
parse_listen (const char *spec, struct sockaddr_storage *ss, socklen_t *len, gboolean *loopback)
{
  g_autofree char *host = NULL;
  const char *colon;
  if (spec[0] == '[')
    {
      const char *close_br = strchr (spec, ']');
      if (close_br == NULL || close_br[1] != ':')
        return FALSE;
      host = g_strndup (spec + 1, (gsize) (close_br - spec - 1));
      colon = close_br + 1;
    }
  else
    {
      colon = strrchr (spec, ':');
      if (colon == NULL)
        return FALSE;
      host = g_strndup (spec, (gsize) (colon - spec));
    }
  char *end;
  guint64 port = g_ascii_strtoull (colon + 1, &end, 10);
  if (end == colon + 1 || *end || port > 65535)
    return FALSE;
  struct addrinfo hints = { 0 }, *res = NULL;
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo (host, NULL, &hints, &res) != 0 || res == NULL)
    return FALSE;
  memcpy (ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo (res);
  if (ss->ss_family == AF_INET)
    {
      struct sockaddr_in *in = (struct sockaddr_in *) ss;
      in->sin_port = htons ((uint16_t) port);
      *loopback = (ntohl (in->sin_addr.s_addr) >> 24) == 127;
    }
  else
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;
      in6->sin6_port = htons ((uint16_t) port);
      *loopback = IN6_IS_ADDR_LOOPBACK (&in6->sin6_addr);
    }
  return TRUE;
}

static char *
read_small_file (const char *path, const char *what)
{
  char *data = NULL;
  GError *e = NULL;
  if (!g_file_get_contents (path, &data, NULL, &e))
    {
      fprintf (stderr, "embargo serve: error: %s: %s\n", what, e->message);
      g_error_free (e);
    }
  return data;
}

int
cmd_serve (int argc, char **argv)
{
  g_autofree char *listen = NULL, *token_file = NULL, *cert = NULL, *key = NULL,
                  *records = NULL;
  g_auto (GStrv) rules = NULL;
  gint threads = 0, timeout = 10, max_conn = 1024;
  gint64 max_body = 1 << 20, max_stream = 64 << 20, max_header = 16 << 10;
  gboolean watch = FALSE;
  GOptionEntry entries[] = {
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &rules,
      "Rule file or directory (repeatable; default: the bundled rules)", "PATH" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port (default 127.0.0.1:8080; port 0 picks a free one)", "ADDR:PORT" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads,
      "Worker threads (default: one per core)", "N" },
    { "records", 0, 0, G_OPTION_ARG_FILENAME, &records,
      "Record every decision in this SQLite file (docs/records.md)", "FILE" },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch,
      "Reload when a rule file changes (checked every second)", NULL },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file,
      "File holding the bearer token POST /v1/reload requires", "FILE" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cert, "Serve HTTPS with this PEM certificate",
      "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key, "... and this PEM private key", "FILE" },
    { "max-body-bytes", 0, 0, G_OPTION_ARG_INT64, &max_body,
      "Refuse a check or screen body over N bytes with 413 (default 1048576)", "N" },
    { "max-stream-bytes", 0, 0, G_OPTION_ARG_INT64, &max_stream,
      "Refuse an eval body over N bytes with 413 (default 67108864)", "N" },
    { "max-header-bytes", 0, 0, G_OPTION_ARG_INT64, &max_header,
      "Refuse request headers over about N bytes with 431 (default 16384)", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Close a connection idle for N seconds, or whose request takes longer (default 10)",
      "N" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_conn,
      "Refuse connections beyond N at once (default 1024)", "N" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("— decide over HTTP (docs/service.md)");
  g_option_context_add_main_entries (ctx, entries, NULL);
  CliLimits limit_opts;
  cli_add_limit_options (ctx, &limit_opts);
  g_option_context_set_description (
    ctx, "Endpoints: POST /v1/check, /v1/eval, /v1/screen, /v1/reload; GET /v1/ruleset,\n"
         "/healthz, /readyz, /metrics. One JSON log line per request on standard error.\n"
         "SIGHUP reloads the rules; SIGTERM finishes the requests in flight and stops.\n\n"
         "Examples:\n"
         "  embargo serve --rules rules/ --listen 127.0.0.1:8080\n"
         "  curl -s -H 'Content-Type: application/yaml' --data-binary @order.yaml \\\n"
         "       http://127.0.0.1:8080/v1/check\n\n"
         "Exit status: 0 after a clean shutdown, 2 when it could not start.");
  Server srv = { 0 };
  if (!cli_parse_options (ctx, &argc, &argv, "serve", &limit_opts, &srv.limits))
    return EXIT_NO_DECISION;
  if (argc != 1 || threads < 0 || threads > 1024 || timeout <= 0 || max_body <= 0
      || max_stream <= 0 || max_header < 1024 || max_conn <= 0 || (!cert != !key))
    {
      fprintf (stderr, "embargo serve: error: bad options (positive limits, --max-header-bytes "
                       "of at least 1024, --tls-cert with --tls-key); see embargo serve --help\n");
      return EXIT_NO_DECISION;
    }
  struct sockaddr_storage ss;
  socklen_t sslen;
  if (!parse_listen (listen ? listen : "127.0.0.1:8080", &ss, &sslen, &srv.loopback))
    {
      fprintf (stderr, "embargo serve: error: --listen wants ADDR:PORT or [ADDR]:PORT with a "
                       "numeric address, not '%s'\n", listen);
      return EXIT_NO_DECISION;
    }
  g_autofree char *cert_pem = NULL, *key_pem = NULL;
  if (cert && (!(cert_pem = read_small_file (cert, "--tls-cert"))
               || !(key_pem = read_small_file (key, "--tls-key"))))
    return EXIT_NO_DECISION;
  if (cert && MHD_is_feature_supported (MHD_FEATURE_TLS) != MHD_YES)
    {
      fprintf (stderr, "embargo serve: error: this libmicrohttpd was built without TLS\n");
      return EXIT_NO_DECISION;
    }
  if (token_file)
    {
      srv.token = read_small_file (token_file, "--token-file");
      if (srv.token == NULL)
        return EXIT_NO_DECISION;
      g_strstrip (srv.token);
      if (strlen (srv.token) < 16)
        {
          fprintf (stderr, "embargo serve: error: --token-file: the token must be at least 16 "
                           "characters\n");
          g_free (srv.token);
          return EXIT_NO_DECISION;
        }
    }
  GError *re = NULL;
  if (records && (srv.records = records_open (records, &re)) == NULL)
    {
      fprintf (stderr, "embargo serve: error: --records: %s\n", re->message);
      g_error_free (re);
      g_free (srv.token);
      return EXIT_NO_DECISION;
    }
  srv.rules = rules;
  srv.max_body = (gsize) max_body;
  srv.max_stream = (gsize) max_stream;
  srv.timeout = (unsigned) timeout;
  g_mutex_init (&srv.served_lock);
  srv.metrics = serve_metrics_new ();
  g_autofree char *load_errors = NULL;
  EmbargoRuleset *rs = load_rules (&srv, &load_errors);
  if (rs == NULL)
    {
      fprintf (stderr, "%s\nembargo: the rules were not loaded, nothing is served\n",
               load_errors);
      serve_metrics_free (srv.metrics);
      records_close (srv.records);
      g_free (srv.token);
      return EXIT_NO_DECISION;
    }
  srv.served = served_new (rs);
  srv.handle = embargo_handle_new (rs);
  serve_metrics_loaded (srv.metrics, rs, srv.served->loaded);
  embargo_ruleset_unref (rs);
  signal (SIGPIPE, SIG_IGN);

  unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
  if (ss.ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  if (cert)
    flags |= MHD_USE_TLS;
  unsigned pool = threads ? (unsigned) threads : g_get_num_processors ();
  struct MHD_OptionItem opts[] = {
    { MHD_OPTION_SOCK_ADDR, 0, &ss },
    { MHD_OPTION_THREAD_POOL_SIZE, pool, NULL },
    { MHD_OPTION_CONNECTION_TIMEOUT, timeout, NULL },
    { MHD_OPTION_CONNECTION_LIMIT, max_conn, NULL },
    { MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t) (2 * max_header), NULL },
    { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) on_completed, &srv },
    { cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert_pem },
    { MHD_OPTION_HTTPS_MEM_KEY, 0, key_pem },
    { MHD_OPTION_END, 0, NULL },
  };
  srv.daemon = MHD_start_daemon (flags, 0, NULL, NULL, on_request, &srv,
                                 MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
  int status = 0;
  if (srv.daemon == NULL)
    {
      fprintf (stderr, "embargo serve: error: cannot listen on %s (in use, or not an address "
                       "of this machine?)\n", listen ? listen : "127.0.0.1:8080");
      status = EXIT_NO_DECISION;
    }
  else
    {
      const union MHD_DaemonInfo *info = MHD_get_daemon_info (srv.daemon,
                                                               MHD_DAEMON_INFO_BIND_PORT);
      char host[INET6_ADDRSTRLEN] = "";
      if (ss.ss_family == AF_INET)
        inet_ntop (AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, host, sizeof host);
      else
        inet_ntop (AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr, host, sizeof host);
      printf ("embargo serve: listening on %s://%s%s%s:%u\n", cert ? "https" : "http",
              ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
              info ? info->port : 0);
      fflush (stdout);
      g_autofree char *detail = g_strdup_printf ("%zu rules, %u threads",
                                                 embargo_ruleset_get_rule_count (srv.served->rs),
                                                 pool);
      log_event ("start", embargo_ruleset_get_digest (srv.served->rs), detail);
      srv.loop = g_main_loop_new (NULL, FALSE);
      guint hup = g_unix_signal_add (SIGHUP, on_hup, &srv);
      guint term = g_unix_signal_add (SIGTERM, on_term, &srv);
      guint intr = g_unix_signal_add (SIGINT, on_term, &srv);
      guint w = 0;
      if (watch)
        {
          srv.watch_stamp = watch_stamp (&srv);
          w = g_timeout_add_seconds (1, on_watch, &srv);
        }
      g_main_loop_run (srv.loop);
      MHD_stop_daemon (srv.daemon);
      g_source_remove (hup);
      g_source_remove (term);
      g_source_remove (intr);
      if (w)
        g_source_remove (w);
      g_main_loop_unref (srv.loop);
      log_event ("stopped", NULL, NULL);
    }
  embargo_handle_free (srv.handle);
  served_free (srv.served);
  serve_metrics_free (srv.metrics);
  g_mutex_clear (&srv.served_lock);
  g_free (srv.watch_stamp);
  g_free (srv.token);
  records_close (srv.records);
  return status;
}
