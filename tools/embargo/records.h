/* records.h: the decision-record store behind `--records FILE` and `embargo records`
 * (docs/records.md). One small interface, so that another database (PostgreSQL) can
 * implement it for organisations that outgrow one machine; records.c implements it on
 * an embedded SQLite file in WAL mode.
 *
 * A record: id (1, 2, 3, ... with no gap), time decided (UTC), engine version, rule set
 * digest, as-of date, transaction id, outcome, deciding rule, SHA-256 of the input, the
 * input as given, the decision JSON, and a hash chaining it to the record before, so
 * that an altered or deleted record is detected by records_verify(). */
#ifndef EMBARGO_RECORDS_H
#define EMBARGO_RECORDS_H

#include <glib.h>

typedef struct _Records Records;

/* Opens (creating when absent) the store at PATH. Returns NULL with ERROR set when it
 * cannot be opened or is not a record store. Thread-safe: any number of threads may
 * append at once (appends are serialized); other processes may append to the same file
 * at the same time. */
Records *records_open (const char *path, GError **error);
void records_close (Records *r);

/* Records one decision: INPUT (LEN bytes, as received) and DECISION_JSON (the decision
 * as embargo_decision_to_json() renders it; the store reads the transaction id, outcome,
 * deciding rule, as-of date and digest from it). The record is committed (durable) when
 * this returns. Returns its id (> 0), or 0 with ERROR set. */
gint64 records_append (Records *r, const char *input, gsize len, const char *decision_json,
                       GError **error);

/* Records the decided lines of a JSON Lines batch: line i of OUT answers line i of IN;
 * lines of OUT that are error objects ({"line": ...}) are not decisions and are skipped.
 * All in one transaction. Returns FALSE with ERROR set when nothing was recorded. */
gboolean records_append_lines (Records *r, const char *in, gsize in_len, const char *out,
                               gsize out_len, GError **error);

/* One stored record; strings borrowed for the duration of the callback. */
typedef struct {
  gint64 id;
  const char *decided_at, *engine_version, *ruleset_digest, *as_of, *transaction, *outcome,
    *rule, *input_sha256, *decision_json;
  const char *input;
  gsize input_len;
} Record;

/* Which records a query returns; NULL fields do not filter. Dates are YYYY-MM-DD, both
 * inclusive, on the time decided (UTC). */
typedef struct {
  const char *since, *until, *outcome, *rule, *transaction;
} RecordsFilter;

typedef gboolean (*RecordFn) (const Record *rec, gpointer data); /* FALSE stops */

/* Calls FN for each record FILTER selects, in id order. Returns FALSE with ERROR set on
 * a database error. */
gboolean records_foreach (Records *r, const RecordsFilter *filter, RecordFn fn, gpointer data,
                          GError **error);

/* Checks the database's integrity, each record's input hash, and the hash chain. Appends
 * one line per problem to PROBLEMS, and returns the number of records checked (or -1
 * with ERROR set when the store cannot be read). *HEAD is set to the hash of the last
 * record (transfer full), to be kept elsewhere: a store cut short at its end is detected
 * only against a head kept before. */
gint64 records_verify (Records *r, GString *problems, char **head, GError **error);

#endif
