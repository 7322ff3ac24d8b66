/* records.c: the decision-record store (records.h) on SQLite, WAL mode, synchronous=FULL:
 * a record is on disk when records_append() returns, and a process killed at any moment
 * leaves every committed record and a consistent database (docs/records.md). */
#include "records.h"

#include <embargo/embargo.h>
#include <sqlite3.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#define RECORDS_ERROR (g_quark_from_static_string ("embargo-records-error"))
#define FORMAT "embargo-records 1"
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct _Records {
  sqlite3 *db;
  GMutex lock;
  sqlite3_stmt *last, *insert;
};

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS records ("
  "  id INTEGER PRIMARY KEY,"
  "  decided_at TEXT NOT NULL,"
  "  engine_version TEXT NOT NULL,"
  "  ruleset_digest TEXT NOT NULL,"
  "  as_of TEXT NOT NULL,"
  "  transaction_id TEXT NOT NULL,"
  "  outcome TEXT NOT NULL,"
  "  rule TEXT,"
  "  input_sha256 TEXT NOT NULL,"
  "  input BLOB NOT NULL,"
  "  decision_json TEXT NOT NULL,"
  "  prev_hash TEXT NOT NULL,"
  "  hash TEXT NOT NULL);"
  "CREATE INDEX IF NOT EXISTS records_decided ON records (decided_at);"
  "CREATE INDEX IF NOT EXISTS records_txn ON records (transaction_id);"
  "INSERT OR IGNORE INTO meta VALUES ('format', '" FORMAT "');";

static gboolean
fail (Records *r, GError **error, const char *what)
{
  g_set_error (error, RECORDS_ERROR, 1, "%s: %s", what, sqlite3_errmsg (r->db));
  return FALSE;
}

static gboolean
exec (Records *r, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (r->db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return TRUE;
  g_set_error (error, RECORDS_ERROR, 1, "%s", msg ? msg : sqlite3_errmsg (r->db));
  sqlite3_free (msg);
  return FALSE;
}

Records *
records_open (const char *path, GError **error)
{
  Records *r = g_new0 (Records, 1);
  g_mutex_init (&r->lock);
  if (sqlite3_open_v2 (path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                       | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, RECORDS_ERROR, 1, "%s: %s", path,
                   r->db ? sqlite3_errmsg (r->db) : "cannot open");
      records_close (r);
      return NULL;
    }
  sqlite3_busy_timeout (r->db, 30000);
  sqlite3_stmt *st = NULL;
  gboolean ok = exec (r, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", error)
                && exec (r, "BEGIN IMMEDIATE;", error);
  if (ok && !(exec (r, schema, error) && exec (r, "COMMIT;", error)))
    {
      exec (r, "ROLLBACK;", NULL);
      ok = FALSE;
    }
  if (ok && (sqlite3_prepare_v2 (r->db, "SELECT value FROM meta WHERE key = 'format'", -1, &st,
                                 NULL) != SQLITE_OK || sqlite3_step (st) != SQLITE_ROW
             || g_strcmp0 ((const char *) sqlite3_column_text (st, 0), FORMAT) != 0))
    {
      g_set_error (error, RECORDS_ERROR, 1, "%s: not an embargo record store (format "
                   "'" FORMAT "')", path);
      ok = FALSE;
    }
  sqlite3_finalize (st);
  if (ok && (sqlite3_prepare_v2 (r->db, "SELECT id, hash FROM records ORDER BY id DESC LIMIT 1",
                                 -1, &r->last, NULL) != SQLITE_OK
             || sqlite3_prepare_v2 (r->db, "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                                    "?, ?, ?, ?, ?)", -1, &r->insert, NULL) != SQLITE_OK))
    ok = fail (r, error, path);
  if (!ok)
    {
      if (error && *error && !g_str_has_prefix ((*error)->message, path))
        g_prefix_error (error, "%s: ", path);
      records_close (r);
      return NULL;
    }
  return r;
}

void
records_close (Records *r)
{
  if (r == NULL)
    return;
  sqlite3_finalize (r->last);
  sqlite3_finalize (r->insert);
  sqlite3_close (r->db);
  g_mutex_clear (&r->lock);
  g_free (r);
}

/* The chain: SHA-256 over every field, each framed by its length ("-" for NULL). */
static void
frame (GChecksum *c, const char *s, gssize len)
{
  char n[32];
  if (s == NULL)
    g_strlcpy (n, "-;", sizeof n);
  else
    g_snprintf (n, sizeof n, "%zu:", len < 0 ? strlen (s) : (gsize) len);
  g_checksum_update (c, (const guchar *) n, -1);
  if (s)
    g_checksum_update (c, (const guchar *) s, len < 0 ? (gssize) strlen (s) : len);
}

static char *
chain_hash (const Record *rec, const char *prev)
{
  GChecksum *c = g_checksum_new (G_CHECKSUM_SHA256);
  char id[32];
  g_snprintf (id, sizeof id, "%" G_GINT64_FORMAT, rec->id);
  const char *fields[] = { id, rec->decided_at, rec->engine_version, rec->ruleset_digest,
                           rec->as_of, rec->transaction, rec->outcome, rec->rule,
                           rec->input_sha256, rec->decision_json, prev };
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    frame (c, fields[i], -1);
  char *h = g_strdup (g_checksum_get_string (c));
  g_checksum_free (c);
  return h;
}

static const char *
tree_str (yajl_val root, const char *a, const char *b)
{
  const char *path[] = { a, b, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);
  return v ? v->u.string : NULL;
}

/* Inserts one record inside the caller's transaction. */
static gboolean
insert_one (Records *r, const char *input, gsize len, const char *json, gsize json_len,
            GError **error)
{
  g_autofree char *text = g_strndup (json, json_len);
  char err[128];
  yajl_val root = yajl_tree_parse (text, err, sizeof err);
  const char *txn = root ? tree_str (root, "transaction", NULL) : NULL;
  const char *outcome = root ? tree_str (root, "decision", NULL) : NULL;
  const char *as_of = root ? tree_str (root, "as_of", NULL) : NULL;
  const char *digest = root ? tree_str (root, "ruleset", "digest") : NULL;
  if (!txn || !outcome || !as_of || !digest)
    {
      yajl_tree_free (root);
      g_set_error (error, RECORDS_ERROR, 1, "not a decision: nothing recorded");
      return FALSE;
    }
  sqlite3_reset (r->last);
  gint64 last = 0;
  g_autofree char *prev = g_strdup (GENESIS);
  int rc = sqlite3_step (r->last);
  if (rc == SQLITE_ROW)
    {
      last = sqlite3_column_int64 (r->last, 0);
      g_free (prev);
      prev = g_strdup ((const char *) sqlite3_column_text (r->last, 1));
    }
  sqlite3_reset (r->last);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      yajl_tree_free (root);
      return fail (r, error, "reading the last record");
    }
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) input,
                                                      len);
  Record rec = { last + 1, at, embargo_version_string (), digest, as_of, txn, outcome,
                 tree_str (root, "rule", "id"), sha, text, input, len };
  g_autofree char *hash = chain_hash (&rec, prev);
  sqlite3_stmt *s = r->insert;
  sqlite3_reset (s);
  sqlite3_bind_int64 (s, 1, rec.id);
  const char *cols[] = { rec.decided_at, rec.engine_version, rec.ruleset_digest, rec.as_of,
                         rec.transaction, rec.outcome, rec.rule, rec.input_sha256 };
  for (int i = 0; i < 8; i++)
    sqlite3_bind_text (s, 2 + i, cols[i], -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob (s, 10, input, (int) len, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 11, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 12, prev, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 13, hash, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  yajl_tree_free (root);
  return rc == SQLITE_DONE || fail (r, error, "writing the record");
}

/* Runs INSERTS (a function adding records) in one write transaction under the lock. */
static gint64
in_transaction (Records *r, gboolean (*inserts) (Records *, gconstpointer, GError **),
                gconstpointer data, GError **error)
{
  g_mutex_lock (&r->lock);
  gint64 id = 0;
  if (exec (r, "BEGIN IMMEDIATE;", error))
    {
      if (inserts (r, data, error) && exec (r, "COMMIT;", error))
        id = sqlite3_last_insert_rowid (r->db);
      else
        exec (r, "ROLLBACK;", NULL);
    }
  g_mutex_unlock (&r->lock);
  return id;
}

typedef struct {
  const char *in, *out;
  gsize in_len, out_len;
} Pair;

static gboolean
insert_single (Records *r, gconstpointer data, GError **error)
{
  const Pair *p = data;
  return insert_one (r, p->in, p->in_len, p->out, p->out_len, error);
}

gint64
records_append (Records *r, const char *input, gsize len, const char *decision_json,
                GError **error)
{
  Pair p = { input, decision_json, len, strlen (decision_json) };
  return in_transaction (r, insert_single, &p, error);
}

static gboolean
insert_lines (Records *r, gconstpointer data, GError **error)
{
  const Pair *p = data;
  const char *i = p->in, *ie = p->in + p->in_len, *o = p->out, *oe = p->out + p->out_len;
  while (i < ie && o < oe)
    {
      const char *inl = memchr (i, '\n', ie - i), *onl = memchr (o, '\n', oe - o);
      const char *istop = inl ? inl : ie, *ostop = onl ? onl : oe;
      gsize ilen = istop - i;
      if (ilen && i[ilen - 1] == '\r')
        ilen--;
      if (!g_str_has_prefix (o, "{\"line\":")
          && !insert_one (r, i, ilen, o, ostop - o, error))
        return FALSE;
      i = inl ? inl + 1 : ie;
      o = onl ? onl + 1 : oe;
    }
  return TRUE;
}

gboolean
records_append_lines (Records *r, const char *in, gsize in_len, const char *out, gsize out_len,
                      GError **error)
{
  Pair p = { in, out, in_len, out_len };
  GError *e = NULL;
  in_transaction (r, insert_lines, &p, &e);
  if (e)
    {
      g_propagate_error (error, e);
      return FALSE;
    }
  return TRUE;
}

static void
read_record (sqlite3_stmt *s, Record *rec)
{
  rec->id = sqlite3_column_int64 (s, 0);
  const char **cols[] = { &rec->decided_at, &rec->engine_version, &rec->ruleset_digest,
                          &rec->as_of, &rec->transaction, &rec->outcome, &rec->rule,
                          &rec->input_sha256 };
  for (int i = 0; i < 8; i++)
    *cols[i] = (const char *) sqlite3_column_text (s, 1 + i);
  rec->input = sqlite3_column_blob (s, 9);
  rec->input_len = (gsize) sqlite3_column_bytes (s, 9);
  rec->decision_json = (const char *) sqlite3_column_text (s, 10);
}

gboolean
records_foreach (Records *r, const RecordsFilter *f, RecordFn fn, gpointer data, GError **error)
{
  GString *sql = g_string_new ("SELECT * FROM records WHERE 1");
  const char *binds[5];
  int n = 0;
  if (f->since)
    g_string_append (sql, " AND decided_at >= ?"), binds[n++] = f->since;
  if (f->until)
    g_string_append (sql, " AND decided_at < date(?, '+1 day')"), binds[n++] = f->until;
  if (f->outcome)
    g_string_append (sql, " AND outcome = ?"), binds[n++] = f->outcome;
  if (f->rule)
    g_string_append (sql, " AND rule = ?"), binds[n++] = f->rule;
  if (f->transaction)
    g_string_append (sql, " AND transaction_id = ?"), binds[n++] = f->transaction;
  g_string_append (sql, " ORDER BY id");
  sqlite3_stmt *s = NULL;
  gboolean ok = sqlite3_prepare_v2 (r->db, sql->str, -1, &s, NULL) == SQLITE_OK;
  g_string_free (sql, TRUE);
  if (!ok)
    return fail (r, error, "query");
  for (int i = 0; i < n; i++)
    sqlite3_bind_text (s, i + 1, binds[i], -1, SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      Record rec;
      read_record (s, &rec);
      if (!fn (&rec, data))
        {
          rc = SQLITE_DONE;
          break;
        }
    }
  ok = rc == SQLITE_DONE || fail (r, error, "query");
  sqlite3_finalize (s);
  return ok;
}

gint64
records_verify (Records *r, GString *problems, char **head, GError **error)
{
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2 (r->db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
    return fail (r, error, "integrity check") - 1;
  while (sqlite3_step (s) == SQLITE_ROW)
    {
      const char *m = (const char *) sqlite3_column_text (s, 0);
      if (g_strcmp0 (m, "ok") != 0)
        g_string_append_printf (problems, "database: %s\n", m);
    }
  sqlite3_finalize (s);
  if (sqlite3_prepare_v2 (r->db, "SELECT *, prev_hash, hash FROM records ORDER BY id", -1, &s,
                          NULL) != SQLITE_OK)
    return fail (r, error, "reading the records") - 1;
  g_autofree char *prev = g_strdup (GENESIS);
  gint64 count = 0, expect = 1;
  int rc;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      Record rec;
      read_record (s, &rec);
      const char *stored_prev = (const char *) sqlite3_column_text (s, 13);
      const char *stored = (const char *) sqlite3_column_text (s, 14);
      count++;
      if (rec.id == expect + 1)
        g_string_append_printf (problems, "record %" G_GINT64_FORMAT ": record %" G_GINT64_FORMAT
                                " is missing (deleted)\n", rec.id, expect);
      else if (rec.id != expect)
        g_string_append_printf (problems, "record %" G_GINT64_FORMAT ": records %" G_GINT64_FORMAT
                                " to %" G_GINT64_FORMAT " are missing (deleted)\n", rec.id, expect,
                                rec.id - 1);
      g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                          (const guchar *) (rec.input ? rec.input : ""),
                                                          rec.input_len);
      if (g_strcmp0 (sha, rec.input_sha256) != 0)
        g_string_append_printf (problems, "record %" G_GINT64_FORMAT ": the input does not match "
                                "its SHA-256 (altered)\n", rec.id);
      if (g_strcmp0 (stored_prev, prev) != 0 && rec.id == expect)
        g_string_append_printf (problems, "record %" G_GINT64_FORMAT ": the hash chain is broken "
                                "(the record before it was altered)\n", rec.id);
      g_autofree char *h = chain_hash (&rec, stored_prev ? stored_prev : "");
      if (g_strcmp0 (h, stored) != 0)
        g_string_append_printf (problems, "record %" G_GINT64_FORMAT ": its fields do not match "
                                "its hash (altered)\n", rec.id);
      g_free (prev);
      prev = g_strdup (stored ? stored : "");
      expect = rec.id + 1;
    }
  sqlite3_finalize (s);
  if (rc != SQLITE_DONE)
    return fail (r, error, "reading the records") - 1;
  if (head)
    *head = g_strdup (prev);
  return count;
}
