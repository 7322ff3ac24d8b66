/* embargo.h: the sanctions and export-control rules engine, as a C library.
 *
 * Read this file first: it is the manual.
 *
 * THE MODEL
 *   A rule set (EmbargoRuleset) is loaded from YAML rule files, checked as a whole and
 *   compiled into an index. It is then immutable: share it between any number of
 *   threads with embargo_ruleset_ref(), evaluate from all of them at once, no locks.
 *   A transaction (EmbargoTransaction) is one proposed order, parsed from YAML or JSON
 *   text or built field by field. embargo_evaluate() decides it: an EmbargoDecision
 *   with the outcome, the one rule that decided it, per-item and per-regime results,
 *   every rule that applied, and the facts that were missing.
 *
 * OWNERSHIP, once for the whole API
 *   - Functions named _new*, _load*, _evaluate*, _finish, _to_json return objects the
 *     caller owns: free each with the matching _free()/_unref(), strings with g_free().
 *   - Functions named _get_* return borrowed pointers (transfer none) that stay valid as
 *     long as the object they came from: a rule lives as long as its rule set, an item
 *     result as long as its decision. Never free them.
 *   - A decision holds a reference on its rule set: rules it points to stay valid even
 *     after the caller drops its own reference on the rule set.
 *   - _free()/_unref() accept NULL and then do nothing.
 *   - Never free this library's memory with free(); use the functions named here.
 *
 * ERRORS
 *   Functions that can fail take `GError **error` last (GLib conventions: pass NULL to
 *   ignore, or the address of a NULL GError*). On failure they return NULL/FALSE and
 *   set the error; on success they never set it. Passing an invalid argument (a NULL
 *   where one is not allowed) is a programming error: a g_critical() is logged and the
 *   function returns NULL/FALSE/0 without setting the error.
 *   A "deny" is a verdict, not an error: embargo_evaluate() succeeds and returns it.
 *
 * FAIL CLOSED
 *   A rule set with any error is never returned, not even in part; a file or directory
 *   that cannot be read is an error like any other (EMBARGO_LOAD_ERROR_IO). A fact that
 *   a restriction needs and the transaction lacks makes the outcome at least REVIEW.
 *   When no decision can be made the API says so with an error, never with ALLOW.
 *   Hostile input is bounded by EmbargoLimits (docs/reliability.md).
 *
 * OUT OF MEMORY
 *   Memory comes from GLib (g_malloc), which aborts the process when the system refuses
 *   an allocation: no function returns a half-built object or a decision made short of
 *   memory. Bound what hostile input can allocate with EmbargoLimits.
 *
 * THREADS
 *   EmbargoRuleset: immutable, reference counting is atomic; safe from any thread.
 *   EmbargoTransaction, EmbargoDecision: safe to read from many threads at once; not
 *   safe to modify (the transaction builder functions) while another thread reads.
 *   EmbargoLoader: one thread at a time.
 *   EmbargoRulesetHandle: safe from any thread, to read and to reload.
 *   EmbargoScreener: add lists from one thread; screen from any number at once.
 */
#ifndef EMBARGO_H
#define EMBARGO_H

#include <glib.h>
#include <stdint.h>

#include <embargo/embargo-version.h>

G_BEGIN_DECLS

#if defined(EMBARGO_STATIC)
#define EMBARGO_API
#elif defined(EMBARGO_COMPILATION)
#define EMBARGO_API __attribute__ ((visibility ("default")))
#else
#define EMBARGO_API
#endif

/* ---------------------------------------------------------------------------------
 * Versions
 * --------------------------------------------------------------------------------- */

/* Returns EMBARGO_VERSION_NUMBER as the library was built (major*10000 + minor*100 +
 * patch), to compare with the header a program was compiled against. */
EMBARGO_API int embargo_version_number (void);

/* Returns the version as a static string, such as "0.1.0". Never NULL. */
EMBARGO_API const char *embargo_version_string (void);

/* ---------------------------------------------------------------------------------
 * Outcomes and errors
 * --------------------------------------------------------------------------------- */

/* The four outcomes, in order of severity: a larger value is more severe. */
typedef enum {
  EMBARGO_OUTCOME_ALLOW = 0,            /* complies */
  EMBARGO_OUTCOME_REVIEW = 1,           /* a person must look */
  EMBARGO_OUTCOME_LICENSE_REQUIRED = 2, /* only under a licence or authorization */
  EMBARGO_OUTCOME_DENY = 3,             /* prohibited */
} EmbargoOutcome;

/* Returns "allow", "review", "license_required" or "deny"; a static string.
 * An out-of-range value returns "unknown". */
EMBARGO_API const char *embargo_outcome_to_string (EmbargoOutcome outcome);

/* Parses one of the four names above into *OUTCOME. Returns FALSE, leaving *OUTCOME
 * untouched, for any other string (NULL included). */
EMBARGO_API gboolean embargo_outcome_from_string (const char *name, EmbargoOutcome *outcome);

/* Errors while loading rules or reading a transaction. */
#define EMBARGO_LOAD_ERROR (embargo_load_error_quark ())
typedef enum {
  EMBARGO_LOAD_ERROR_FAILED,     /* anything not listed below (may grow) */
  EMBARGO_LOAD_ERROR_IO,         /* a file or directory could not be read */
  EMBARGO_LOAD_ERROR_SYNTAX,     /* not well-formed YAML or JSON */
  EMBARGO_LOAD_ERROR_INVALID,    /* well-formed, but breaks the schema; see diagnostics */
  EMBARGO_LOAD_ERROR_LIMIT,      /* a resource limit was exceeded (size, depth, count) */
} EmbargoLoadError;
EMBARGO_API GQuark embargo_load_error_quark (void);

/* Errors while evaluating. A deny is not one of them. */
#define EMBARGO_EVAL_ERROR (embargo_eval_error_quark ())
typedef enum {
  EMBARGO_EVAL_ERROR_FAILED,      /* anything not listed below (may grow) */
  EMBARGO_EVAL_ERROR_INVALID,     /* the transaction breaks the schema (built by hand) */
  EMBARGO_EVAL_ERROR_BAD_DATE,    /* the as-of option is not a valid date */
  EMBARGO_EVAL_ERROR_UNKNOWN_NAME, /* a lookup by a name the rule set does not have (a
                                      regime misspelt: "US-OFAK") */
  EMBARGO_EVAL_ERROR_LIMIT,       /* the evaluation would take more work than the rule
                                     set's max_work (EmbargoLimits): no decision */
} EmbargoEvalError;
EMBARGO_API GQuark embargo_eval_error_quark (void);

/* ---------------------------------------------------------------------------------
 * Diagnostics: every problem found while loading, with its position
 * --------------------------------------------------------------------------------- */

typedef enum {
  EMBARGO_SEVERITY_NOTE = 0,
  EMBARGO_SEVERITY_WARNING = 1,
  EMBARGO_SEVERITY_ERROR = 2,
} EmbargoSeverity;

/* One diagnostic. Positions are 1-based; 0 means "no position" (a whole-file
 * problem). All strings are owned by the EmbargoDiagnostics that holds it. */
typedef struct {
  EmbargoSeverity severity;
  const char *code;    /* stable code, such as "E-UNKNOWN-KEY" (docs/diagnostics.md) */
  const char *source;  /* the source name given when loading, such as "rules/us/ear.yaml" */
  unsigned line;
  unsigned column;
  const char *message; /* one line, no trailing newline: text quoted from input is
                        * escaped as by embargo_text_escape() (EMBARGO_ESCAPE_TEXT) */
  /* A second position that explains the first, as libyaml's context mark does: where
   * the other rule of the finding is defined ("rule 'broad' is defined here"), where an
   * id was first defined. NULL context when there is none; then the other fields are
   * NULL and 0. Printed as a note line after the diagnostic
   * (embargo_diagnostic_format_context()), and as SARIF relatedLocations. */
  const char *context;        /* one line, escaped like message */
  const char *context_source;
  unsigned context_line;
  unsigned context_column;
} EmbargoDiagnostic;

typedef struct _EmbargoDiagnostics EmbargoDiagnostics;

/* Number of diagnostics held; 0 for NULL. */
EMBARGO_API gsize embargo_diagnostics_get_count (const EmbargoDiagnostics *diags);

/* Diagnostic INDEX (0-based, in the order found), borrowed; NULL when out of range. */
EMBARGO_API const EmbargoDiagnostic *embargo_diagnostics_get (const EmbargoDiagnostics *diags,
                                                              gsize index);

/* Number of diagnostics at SEVERITY or above. */
EMBARGO_API gsize embargo_diagnostics_count_at_least (const EmbargoDiagnostics *diags,
                                                      EmbargoSeverity severity);

/* Formats one diagnostic as "source:line:column: severity: message" (compiler style),
 * on one line, with the source name and the message escaped as by embargo_text_escape()
 * (EMBARGO_ESCAPE_TEXT) so that it is safe to print. Returns a new string: free with
 * g_free(). */
EMBARGO_API char *embargo_diagnostic_format (const EmbargoDiagnostic *diag);

/* Formats DIAG's context as a compiler's note line, "source:line:column: note: context",
 * escaped as by embargo_diagnostic_format(); NULL when DIAG has no context. Free with
 * g_free(). */
EMBARGO_API char *embargo_diagnostic_format_context (const EmbargoDiagnostic *diag);

/* Text from a transaction, a rule file or a list, made safe to show. Such text may
 * hold characters a terminal obeys instead of showing: C0 and C1 control characters
 * (ESC starts colour and cursor sequences), DEL, the bidirectional marks, embeddings,
 * overrides and isolates (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and
 * the line and paragraph separators (U+2028, U+2029). Printed raw, an id could repaint
 * "DENY" as "ALLOW" or start a line of its own.
 *
 * EMBARGO_ESCAPE_TEXT: for a terminal or a log. Newline, carriage return and tab become
 *   \n, \r, \t; other C0 characters and DEL \xNN; the others \uNNNN (lower-case hex);
 *   a byte that is not part of valid UTF-8 \xNN. Everything else is kept, backslash
 *   included. The result is one line.
 * EMBARGO_ESCAPE_LINES: as EMBARGO_ESCAPE_TEXT, but newlines are kept: for a message
 *   of several lines, each line escaped.
 * EMBARGO_ESCAPE_JSON: TEXT is JSON text (such as embargo_decision_to_json() writes:
 *   already escaped by it) and the result is the same JSON with DEL, the C1 characters,
 *   the bidirectional ones and U+2028/U+2029 written as \uNNNN escapes, and a byte
 *   that is not UTF-8 as \ufffd. C0 characters are left alone: in JSON text they can
 *   only be white space between tokens.
 * LEN is the length of TEXT in bytes, or -1 when it is NUL-terminated. Returns a new
 * string (g_free()); NULL only when TEXT is NULL (a programming error). */
typedef enum {
  EMBARGO_ESCAPE_TEXT = 0,
  EMBARGO_ESCAPE_JSON = 1,
  EMBARGO_ESCAPE_LINES = 2,
} EmbargoEscapeMode;

EMBARGO_API char *embargo_text_escape (const char *text, gssize len, EmbargoEscapeMode mode);

/* ---------------------------------------------------------------------------------
 * Limits: what input is refused before it can exhaust memory or time
 * --------------------------------------------------------------------------------- */

typedef struct {
  unsigned version;          /* EMBARGO_LIMITS_VERSION */
  gsize max_input_bytes;     /* one rule file or one transaction document */
  unsigned max_depth;        /* nesting of mappings and sequences */
  gsize max_string_bytes;    /* one scalar */
  gsize max_rules;           /* rules in one rule set */
  gsize max_items;           /* items in one transaction */
  gsize max_parties;         /* intermediaries in one transaction */
  gsize max_list_members;    /* (version 2) members of one `kind: names` list */
  gsize max_work;            /* (version 2) units of work one evaluation may take */
} EmbargoLimits;

/* Every options struct (EmbargoLimits, EmbargoEvalOptions, EmbargoBatchOptions,
 * EmbargoLintOptions, EmbargoScreenQuery, EmbargoBatchCounts) starts with its version:
 * initialize it with its _INIT macro. A function given a struct whose version is not
 * the one this library reads refuses it with an error that names the struct, and reads
 * none of it (a loader given such limits never finishes; see embargo_loader_new()). */
#define EMBARGO_LIMITS_VERSION 2
/* The defaults, documented in docs/reliability.md; start from them and change fields:
 *   EmbargoLimits lim = EMBARGO_LIMITS_INIT; lim.max_input_bytes = 1 << 20;
 * Every limit exceeded is an error (EMBARGO_LOAD_ERROR_LIMIT from the readers, or a
 * diagnostic E-LIMIT / a transaction error) naming the input and, except for the size
 * of the whole input, the line and column where the limit was crossed. Worst-case
 * memory for one document is about 40 times max_input_bytes (a document of tiny
 * scalars); lower max_input_bytes where transactions come from untrusted callers.
 *
 * max_list_members bounds each `kind: names` list of a rule set (default 5,000,000:
 * consolidated lists such as OpenSanctions hold over a million entities); the member
 * one past it is an E-LIMIT diagnostic at its position, and the rule set does not load.
 *
 * max_work bounds the cost of one evaluation, in units: one per rule evaluated for an
 * item, one per condition evaluated, 100 per name (or alias) screened against a names
 * list and one per screening hit. The rule set keeps the max_work of the loader it came
 * from, and every evaluation under it is bounded by it. The default, 50,000,000, is
 * about 14 times what the worst transaction inside the other default limits takes
 * against the bundled rules (3.6 million units, 0.3 s of CPU in a Release build): a few
 * seconds of one core. An evaluation that would exceed it stops: no decision,
 * EMBARGO_EVAL_ERROR_LIMIT, never a partial decision (docs/reliability.md). */
#define EMBARGO_LIMITS_INIT                                                                 \
  { EMBARGO_LIMITS_VERSION, 64u << 20, 64, 64u << 10, 1000000, 10000, 1000, 5000000, 50000000 }

/* ---------------------------------------------------------------------------------
 * Rule sets
 * --------------------------------------------------------------------------------- */

typedef struct _EmbargoRuleset EmbargoRuleset;
typedef struct _EmbargoRule EmbargoRule;
typedef struct _EmbargoLoader EmbargoLoader;

/* A loader gathers rule files, checks each and then the whole, and compiles the
 * rule set. Typical use:
 *
 *   EmbargoLoader *ld = embargo_loader_new (NULL);
 *   embargo_loader_add_path (ld, "rules", NULL);     // errors are also in diagnostics
 *   EmbargoRuleset *rs = embargo_loader_finish (ld, &error);
 *   // on failure: embargo_loader_get_diagnostics (ld) lists every problem
 *   embargo_loader_free (ld);
 *
 * LIMITS may be NULL for the defaults; it is copied. LIMITS of another version are not
 * read: the loader gets an E-VERSION error diagnostic, so embargo_loader_finish() fails.
 * Returns a new loader (transfer full); free with embargo_loader_free(). Never NULL. */
EMBARGO_API EmbargoLoader *embargo_loader_new (const EmbargoLimits *limits);

/* Frees the loader and everything it gathered. NULL is a no-op. Rule sets already
 * returned by embargo_loader_finish() are not affected. */
EMBARGO_API void embargo_loader_free (EmbargoLoader *loader);

/* Adds one rule file held in memory: LEN bytes of DATA (need not be NUL-terminated),
 * called SOURCE_NAME in diagnostics, in the digest and in decisions. The loader copies
 * what it keeps. Files are taken in the order added; that order breaks ties between
 * rules of the same effect. A file that defines neither rules nor lists (0 bytes, only
 * comments, `rules: []`) is an error (E-EMPTY). Returns FALSE and sets ERROR when this
 * file has errors
 * (all of them are in the diagnostics); later files can still be added, but
 * embargo_loader_finish() will fail. This function does no I/O. A `kind: names` list
 * of 10,000 members or more has the words of its names indexed on a thread the loader
 * starts, while the rest of the file is compiled; the thread ends by the time
 * embargo_loader_finish() (or embargo_loader_free()) returns. */
EMBARGO_API gboolean embargo_loader_add_data (EmbargoLoader *loader, const char *data, gsize len,
                                              const char *source_name, GError **error);

/* Adds a rule file, or every *.yaml file below a directory (recursively, in byte order
 * of their paths relative to PATH; files named *.tests.yaml are test cases and are
 * skipped, as are names starting with '.'). Source names are PATH joined with the
 * relative path. Every file is read up to the loader's max_input_bytes plus one byte and
 * refused there, whatever its kind (a FIFO or a device too). Symbolic links to files and
 * directories are followed; a link loop or a directory reached twice, a dangling link, a
 * *.yaml that is not a regular file, and a directory holding no rule file are errors.
 *
 * Pinning: when PATH is a directory holding a file named embargo.lock (written by
 * embargo_lock_new(); `embargo lock`), each rule file's bytes as read are checked
 * against it: a rule file the lock does not list, one it lists that is not there, one
 * whose SHA-256 differs, or a lock whose digest is not that of its files, is an error
 * (code E-LOCK, at the lock's line) and the rule set does not load. A lock applies to
 * the directory it sits at the root of, loaded as a directory; to pin anything else,
 * use embargo_loader_set_expected_digest().
 *
 * Returns FALSE and sets ERROR (EMBARGO_LOAD_ERROR_IO, _LIMIT, _INVALID, or an error from
 * embargo_loader_add_data()) when PATH cannot be read or a file has errors; every problem
 * is also in the diagnostics and makes embargo_loader_finish() fail. */
EMBARGO_API gboolean embargo_loader_add_path (EmbargoLoader *loader, const char *path,
                                              GError **error);

/* Pins the rule set: embargo_loader_finish() will fail (diagnostic E-DIGEST, naming
 * both digests) unless the rule set's digest (embargo_ruleset_get_digest()) equals
 * DIGEST, "sha256:" and 64 lower-case hex digits. NULL removes the pin. Returns FALSE
 * with ERROR (EMBARGO_LOAD_ERROR_INVALID) when DIGEST is not of that form; the loader is
 * then unchanged. Call it before embargo_loader_finish(). */
EMBARGO_API gboolean embargo_loader_set_expected_digest (EmbargoLoader *loader,
                                                         const char *digest, GError **error);

/* For a program that reads only the lists of the rule files (embargo_screener_add_ruleset(),
 * `embargo screen`): the rule set may have no rules, but then must have at least one list
 * (E-EMPTY otherwise). Never use it for a rule set that decides transactions. */
EMBARGO_API void embargo_loader_set_lists_only (EmbargoLoader *loader);

/* Writes the text of a lock file for the rule directory DIR (to be saved as
 * DIR/embargo.lock by the caller; `embargo lock` does): every rule file that
 * embargo_loader_add_path() would read, with its SHA-256, and the rule set's digest.
 * Only a set that loads is locked: DIR is loaded under LIMITS (NULL for the defaults),
 * ignoring any embargo.lock already there. Returns the text (transfer full, g_free())
 * and, when DIGEST is not NULL, the digest in *DIGEST (transfer full); or NULL with
 * ERROR set (every load problem listed) when DIR is not a directory or does not load. */
EMBARGO_API char *embargo_lock_new (const char *dir, const EmbargoLimits *limits, char **digest,
                                    GError **error);

/* Checks the rule set as a whole (duplicate ids, references between files, exceptions
 * across regimes), then compiles it. A rule set with no rules is an error (E-EMPTY): it
 * would decide nothing and allow everything. Returns the rule set (transfer full; release with
 * embargo_ruleset_unref()), or NULL with ERROR set (EMBARGO_LOAD_ERROR_INVALID with a
 * message that lists every error) when any file added had an error. Call it once. */
EMBARGO_API EmbargoRuleset *embargo_loader_finish (EmbargoLoader *loader, GError **error);

/* The limits LOADER applies (borrowed; valid until the loader is freed). Never NULL for a
 * valid loader; NULL when LOADER is NULL. */
EMBARGO_API const EmbargoLimits *embargo_loader_get_limits (const EmbargoLoader *loader);

/* Records an error found outside the loader, for a program that reads rule files itself
 * (from a database, an archive, a directory walk: embargo_loader_add_path() uses it): the
 * diagnostic CODE (an "E-..." code, e.g. "E-IO") at SOURCE:LINE:COL with MESSAGE, listed
 * with the loader's own. LINE and COL are 1-based; 0 when the problem is the whole source.
 * embargo_loader_finish() will then fail: a rule file that could not be read is never
 * skipped. The strings are copied. LOADER, CODE, SOURCE and MESSAGE must not be NULL. */
EMBARGO_API void embargo_loader_add_error (EmbargoLoader *loader, const char *code,
                                           const char *source, unsigned line, unsigned col,
                                           const char *message);

/* Every diagnostic found so far, errors and warnings (borrowed; valid until the loader
 * is freed). Never NULL for a valid loader. */
EMBARGO_API const EmbargoDiagnostics *embargo_loader_get_diagnostics (const EmbargoLoader *loader);

/* Convenience: one file held in memory, default limits. Returns the rule set (transfer
 * full) or NULL with ERROR set; the error message lists every problem. */
EMBARGO_API EmbargoRuleset *embargo_ruleset_new_from_data (const char *data, gsize len,
                                                           const char *source_name,
                                                           GError **error);

/* Convenience: rule files and directories, as embargo_loader_add_path() on each PATHS
 * entry (a NULL-terminated array). */
EMBARGO_API EmbargoRuleset *embargo_ruleset_new_from_paths (const char *const *paths,
                                                            GError **error);

/* Adds a reference and returns RS. Atomic: safe from any thread. */
EMBARGO_API EmbargoRuleset *embargo_ruleset_ref (EmbargoRuleset *rs);

/* Drops a reference; the last one frees the rule set. NULL is a no-op. */
EMBARGO_API void embargo_ruleset_unref (EmbargoRuleset *rs);

/* Number of rules. */
EMBARGO_API gsize embargo_ruleset_get_rule_count (const EmbargoRuleset *rs);

/* Rule INDEX in load order (borrowed; NULL when out of range). */
EMBARGO_API const EmbargoRule *embargo_ruleset_get_rule (const EmbargoRuleset *rs, gsize index);

/* The rule with id ID (borrowed), or NULL when there is none. */
EMBARGO_API const EmbargoRule *embargo_ruleset_lookup_rule (const EmbargoRuleset *rs,
                                                            const char *id);

/* "sha256:" followed by 64 hex digits: a SHA-256 over the bytes of every source, each
 * framed by its length, in load order. Names are not included, so the same rules give
 * the same digest wherever they are installed. Borrowed. */
EMBARGO_API const char *embargo_ruleset_get_digest (const EmbargoRuleset *rs);

/* The distinct regimes of the rules, sorted (borrowed, NULL-terminated). */
EMBARGO_API const char *const *embargo_ruleset_get_regimes (const EmbargoRuleset *rs);

/* Rule metadata. Every string getter returns a borrowed string, or NULL when the rule
 * file left that optional field out. */
EMBARGO_API const char *embargo_rule_get_id (const EmbargoRule *rule);
EMBARGO_API const char *embargo_rule_get_title (const EmbargoRule *rule);
EMBARGO_API const char *embargo_rule_get_regime (const EmbargoRule *rule);
EMBARGO_API const char *embargo_rule_get_authority (const EmbargoRule *rule);
EMBARGO_API const char *embargo_rule_get_citation (const EmbargoRule *rule);
EMBARGO_API const char *embargo_rule_get_source_url (const EmbargoRule *rule);
EMBARGO_API const char *embargo_rule_get_unverified (const EmbargoRule *rule);
EMBARGO_API const char *embargo_rule_get_message_template (const EmbargoRule *rule);
/* "YYYY-MM-DD"; until is NULL when the rule has no end date. */
EMBARGO_API const char *embargo_rule_get_effective_from (const EmbargoRule *rule);
EMBARGO_API const char *embargo_rule_get_effective_until (const EmbargoRule *rule);
/* The effect the rule has when it applies (an exception's is ALLOW). */
EMBARGO_API EmbargoOutcome embargo_rule_get_effect (const EmbargoRule *rule);
/* TRUE for an allow rule that lifts other rules. */
EMBARGO_API gboolean embargo_rule_is_exception (const EmbargoRule *rule);
/* Where the rule was defined: its source name and 1-based line. */
EMBARGO_API const char *embargo_rule_get_source_name (const EmbargoRule *rule);
EMBARGO_API unsigned embargo_rule_get_line (const EmbargoRule *rule);
/* Position in load order, 0-based. */
EMBARGO_API gsize embargo_rule_get_index (const EmbargoRule *rule);
/* "sha256:" and 64 hex digits over the rule as written (keys, values; not layout,
 * comments or position) and the file defaults it takes: equal fingerprints, same rule
 * text. Borrowed. */
EMBARGO_API const char *embargo_rule_get_fingerprint (const EmbargoRule *rule);

/* ---------------------------------------------------------------------------------
 * Serving: replacing the rule set of a long-running program
 * --------------------------------------------------------------------------------- */

/* A handle holds the rule set a service decides with and lets it be replaced while
 * other threads decide. Typical use:
 *
 *   EmbargoRulesetHandle *h = embargo_handle_new (rs);   // at start-up
 *   // in each request, on any thread:
 *   EmbargoRuleset *cur = embargo_handle_get (h);
 *   EmbargoDecision *d = embargo_evaluate (cur, txn, NULL, &error);
 *   embargo_ruleset_unref (cur);
 *   // on SIGHUP, on any thread:
 *   if (!embargo_handle_reload_paths (h, paths, &error))
 *     log ("kept the old rules: %s", error->message);
 *
 * Every function is thread-safe. A reader never sees a partly loaded rule set: the
 * swap is of one pointer, made only after the new set has loaded without any error.
 * A reader that got the old set keeps it (and may finish deciding with it) until it
 * drops its reference. */
typedef struct _EmbargoRulesetHandle EmbargoRulesetHandle;

/* Returns a new handle serving INITIAL (the handle takes its own reference; the
 * caller keeps its own). Free with embargo_handle_free(). */
EMBARGO_API EmbargoRulesetHandle *embargo_handle_new (EmbargoRuleset *initial);

/* Frees the handle and drops its reference on the current rule set. NULL is a no-op.
 * No other thread may use the handle any more; rule sets they got remain valid. */
EMBARGO_API void embargo_handle_free (EmbargoRulesetHandle *handle);

/* Returns the current rule set with a new reference (transfer full): release it with
 * embargo_ruleset_unref(). Never NULL for a valid handle. Holds a lock only for the
 * time it takes to add the reference; never waits for a reload in progress. */
EMBARGO_API EmbargoRuleset *embargo_handle_get (EmbargoRulesetHandle *handle);

/* Makes RS the current rule set (a reference is taken); the previous one is released
 * once no reader holds it. For rule sets loaded by other means (limits, data). */
EMBARGO_API void embargo_handle_set (EmbargoRulesetHandle *handle, EmbargoRuleset *rs);

/* Loads PATHS (as embargo_ruleset_new_from_paths()) and, only when that succeeds,
 * makes the result current. On any error (I/O, syntax, schema, limits) the current rule
 * set stays in service, FALSE is returned and ERROR says why, every problem listed.
 * Reloads are serialized: concurrent calls take effect in the order they started. */
EMBARGO_API gboolean embargo_handle_reload_paths (EmbargoRulesetHandle *handle,
                                                  const char *const *paths, GError **error);

/* ---------------------------------------------------------------------------------
 * Transactions
 * --------------------------------------------------------------------------------- */

typedef struct _EmbargoTransaction EmbargoTransaction;

/* Parses one transaction document (the contract's schema) from LEN bytes of DATA: JSON
 * when its first non-blank character is '{', YAML otherwise. SOURCE_NAME names the input
 * in error messages. LIMITS may be NULL for the defaults. Returns the transaction
 * (transfer full; free with embargo_transaction_free()) or NULL with ERROR set:
 * EMBARGO_LOAD_ERROR_SYNTAX or _INVALID with "source:line:column: error: message" lines
 * naming the field, or _LIMIT. This function does no I/O. */
EMBARGO_API EmbargoTransaction *embargo_transaction_new_from_data (const char *data, gsize len,
                                                                   const char *source_name,
                                                                   const EmbargoLimits *limits,
                                                                   GError **error);

/* Starts a transaction to build field by field, with its required ID and DATE
 * ("YYYY-MM-DD"; checked when evaluated). Both are copied. Never NULL. */
EMBARGO_API EmbargoTransaction *embargo_transaction_new (const char *id, const char *date);

/* Frees the transaction. NULL is a no-op. */
EMBARGO_API void embargo_transaction_free (EmbargoTransaction *txn);

/* Sets the fact at dotted PATH, creating the mappings on the way; a numeric segment
 * indexes a list, and the index one past the end appends ("intermediaries.0.name",
 * "items.1.eccn"). VALUE is copied. Returns FALSE with ERROR (EMBARGO_LOAD_ERROR_INVALID)
 * when the path runs through a fact of another kind (a string where a mapping is
 * needed) or skips list entries. The result is checked against the schema when it is
 * evaluated. */
EMBARGO_API gboolean embargo_transaction_set_string (EmbargoTransaction *txn, const char *path,
                                                     const char *value, GError **error);
EMBARGO_API gboolean embargo_transaction_set_number (EmbargoTransaction *txn, const char *path,
                                                     double value, GError **error);
EMBARGO_API gboolean embargo_transaction_set_bool (EmbargoTransaction *txn, const char *path,
                                                   gboolean value, GError **error);

/* Appends VALUE to the list of strings at PATH (created when absent): "end_use",
 * "buyer.tags". Errors as for embargo_transaction_set_string(). */
EMBARGO_API gboolean embargo_transaction_append_string (EmbargoTransaction *txn, const char *path,
                                                        const char *value, GError **error);

/* Adds an item with id ITEM_ID and returns its index, for paths "items.INDEX.KEY". */
EMBARGO_API gsize embargo_transaction_add_item (EmbargoTransaction *txn, const char *item_id);

/* The transaction's id and date (borrowed; NULL when absent or not text). */
EMBARGO_API const char *embargo_transaction_get_id (const EmbargoTransaction *txn);
EMBARGO_API const char *embargo_transaction_get_date (const EmbargoTransaction *txn);

/* Checks the transaction against the contract's schema. Returns FALSE and sets ERROR
 * (EMBARGO_EVAL_ERROR_INVALID; the message names each bad field) when it breaks it.
 * Transactions parsed from text have already passed this check. */
EMBARGO_API gboolean embargo_transaction_validate (const EmbargoTransaction *txn, GError **error);

/* ---------------------------------------------------------------------------------
 * Evaluation and decisions
 * --------------------------------------------------------------------------------- */

typedef struct _EmbargoDecision EmbargoDecision;

typedef struct {
  unsigned version;     /* EMBARGO_EVAL_OPTIONS_VERSION */
  const char *as_of;    /* "YYYY-MM-DD" to decide as of that day instead of the
                           transaction's date; NULL to use the transaction's date */
  gboolean strict;      /* (version 2) refuse a transaction with a key that is neither in
                           the transaction contract nor read by any rule of the set: no
                           decision, EMBARGO_EVAL_ERROR_INVALID naming each such key by its
                           path ("contract.sigend"), up to 20. A contract key misspelt
                           (a near miss such as "enduser") is refused without it, when the
                           transaction is parsed. */
} EmbargoEvalOptions;

#define EMBARGO_EVAL_OPTIONS_VERSION 2
#define EMBARGO_EVAL_OPTIONS_INIT { EMBARGO_EVAL_OPTIONS_VERSION, NULL, FALSE }

/* Decides TXN under RS. OPTIONS may be NULL for the defaults. Returns the decision
 * (transfer full; free with embargo_decision_free()), or NULL with ERROR set when the
 * transaction breaks the schema (EMBARGO_EVAL_ERROR_INVALID), OPTIONS->as_of is not
 * a date (EMBARGO_EVAL_ERROR_BAD_DATE), or deciding it would take more than the rule
 * set's max_work (EMBARGO_EVAL_ERROR_LIMIT: the message names the limit, the work done
 * and the item reached; see EMBARGO_LIMITS_INIT). Pure and thread-safe: many threads
 * may evaluate against one rule set at once. */
EMBARGO_API EmbargoDecision *embargo_evaluate (EmbargoRuleset *rs, const EmbargoTransaction *txn,
                                               const EmbargoEvalOptions *options, GError **error);

/* Decides the N transactions TXNS[0..N-1] under RS, as N calls of embargo_evaluate()
 * would, and stores each decision in DECISIONS[i] (transfer full; free each with
 * embargo_decision_free()). Where a transaction cannot be decided DECISIONS[i] is NULL;
 * ERROR gets the first such error (the others are dropped), and an as_of that is not a
 * date leaves every entry NULL. Returns the number of decisions made: N when none
 * failed. TXNS and DECISIONS may be NULL only when N is 0; no TXNS[i] may be NULL (a
 * programming error: reported as GLib criticals are, returning 0 with nothing set).
 *
 * For transactions parsed some time before (re-screening stored orders after a rule
 * change), this is faster than a loop of embargo_evaluate(): while one transaction is
 * decided, the documents of the next ones are fetched from memory. Pure and
 * thread-safe, as embargo_evaluate(): threads may each decide a part of one array. */
EMBARGO_API gsize embargo_evaluate_all (EmbargoRuleset *rs, const EmbargoTransaction *const *txns,
                                        gsize n, const EmbargoEvalOptions *options,
                                        EmbargoDecision **decisions, GError **error);

/* Frees the decision. NULL is a no-op. */
EMBARGO_API void embargo_decision_free (EmbargoDecision *decision);

/* The transaction's outcome: the most severe item outcome. DECISION must not be NULL: on
 * NULL it logs a critical and returns DENY, never ALLOW. */
EMBARGO_API EmbargoOutcome embargo_decision_get_outcome (const EmbargoDecision *decision);

/* The rule that decided the transaction (borrowed), or NULL when no restriction applied.
 * An exception decides only where it lifted a restriction; one that lifted nothing is
 * a match with status EMBARGO_MATCH_NOT_NEEDED, never the deciding rule. */
EMBARGO_API const EmbargoRule *embargo_decision_get_rule (const EmbargoDecision *decision);

/* The deciding rule's message with its {placeholders} filled in for the deciding item
 * (borrowed), or NULL when no rule decided or the rule has no message. */
EMBARGO_API const char *embargo_decision_get_message (const EmbargoDecision *decision);

/* The transaction id and the date decided as of ("YYYY-MM-DD"); borrowed. */
EMBARGO_API const char *embargo_decision_get_transaction_id (const EmbargoDecision *decision);
EMBARGO_API const char *embargo_decision_get_as_of (const EmbargoDecision *decision);

/* Items, in the transaction's order. */
EMBARGO_API gsize embargo_decision_get_item_count (const EmbargoDecision *decision);
EMBARGO_API const char *embargo_decision_get_item_id (const EmbargoDecision *decision, gsize index);
EMBARGO_API EmbargoOutcome embargo_decision_get_item_outcome (const EmbargoDecision *decision,
                                                              gsize index);
/* The rule that decided item INDEX (borrowed), or NULL when no restriction applied to
 * it (see embargo_decision_get_rule()). */
EMBARGO_API const EmbargoRule *embargo_decision_get_item_rule (const EmbargoDecision *decision,
                                                               gsize index);

/* What happened to a rule that applied to an item. */
typedef enum {
  EMBARGO_MATCH_DECISIVE = 0,   /* it decided the item */
  EMBARGO_MATCH_OUTWEIGHED = 1, /* it applied, but a more severe or earlier rule decided */
  EMBARGO_MATCH_LIFTED = 2,     /* an exception lifted it for this item */
  EMBARGO_MATCH_NOT_NEEDED = 3, /* an allow rule that applied and lifted nothing for this
                                   item: no restriction it names applied. It decides
                                   nothing (an allow rule without `lifts` never does) */
} EmbargoMatchStatus;

/* Returns "decisive", "outweighed", "lifted" or "not_needed" (static). */
EMBARGO_API const char *embargo_match_status_to_string (EmbargoMatchStatus status);

/* One rule that applied (or could not be ruled out) for one item. Borrowed from the
 * decision. `effect` is what it contributed to the item: the rule's own effect, or
 * REVIEW when `unknown` is TRUE (a fact it needs is missing). `lifted_by` is the
 * exception that lifted it, for EMBARGO_MATCH_LIFTED, else NULL. */
typedef struct {
  const EmbargoRule *rule;
  gsize item;                   /* index into the decision's items */
  EmbargoOutcome effect;
  EmbargoMatchStatus status;
  gboolean unknown;
  const EmbargoRule *lifted_by;
} EmbargoMatch;

/* Number of matches, and match INDEX (borrowed; NULL when out of range), grouped by item
 * in item order, and within an item in rule load order. */
EMBARGO_API gsize embargo_decision_get_match_count (const EmbargoDecision *decision);
EMBARGO_API const EmbargoMatch *embargo_decision_get_match (const EmbargoDecision *decision,
                                                            gsize index);

/* One fact a restriction needed and the transaction lacked. `field` is the path with
 * the party role spelled out ("buyer.ciio", "end_user.facility.kind", "item.eccn"). */
typedef struct {
  const EmbargoRule *rule;
  gsize item;
  const char *field;
} EmbargoMissing;

/* Number of missing facts, and fact INDEX (borrowed; NULL when out of range). Lifted
 * rules report none. */
EMBARGO_API gsize embargo_decision_get_missing_count (const EmbargoDecision *decision);
EMBARGO_API const EmbargoMissing *embargo_decision_get_missing (const EmbargoDecision *decision,
                                                                gsize index);

/* A party role that stood in for an absent one. A transaction that names no `consignee`
 * ships to the buyer: the buyer is the consignee. One that names no `end_user` is used
 * by the consignee, or failing that by the buyer. Rules on the absent role (party
 * conditions, paths such as `consignee.name`, message placeholders) see the stand-in;
 * the decision lists each substitution: {"consignee", "buyer"}, {"end_user", "buyer"}
 * or {"end_user", "consignee"}. Strings are static. */
typedef struct {
  const char *role; /* the absent role */
  const char *by;   /* the role that stood in for it */
} EmbargoStandIn;

/* Number of stand-ins (0 to 2), and stand-in INDEX (borrowed; NULL when out of range),
 * consignee first. */
EMBARGO_API gsize embargo_decision_get_stand_in_count (const EmbargoDecision *decision);
EMBARGO_API const EmbargoStandIn *embargo_decision_get_stand_in (const EmbargoDecision *decision,
                                                                 gsize index);

/* The outcome under REGIME alone (a regime of the decision's rule set, compared byte
 * for byte: "US-EAR"); ALLOW for a regime of the rule set with no rule that applied.
 * A name the rule set does not have fails closed: DENY, never ALLOW, since a misspelt
 * regime ("US-OFAK") must not read as a clean answer. To tell an unknown name apart,
 * use embargo_decision_lookup_regime_outcome(). */
EMBARGO_API EmbargoOutcome embargo_decision_get_regime_outcome (const EmbargoDecision *decision,
                                                                const char *regime);

/* The outcome under REGIME alone, in *OUTCOME, and TRUE; or, for a name the decision's
 * rule set does not have, FALSE with ERROR set (EMBARGO_EVAL_ERROR_UNKNOWN_NAME; the
 * message lists the regimes there are) and *OUTCOME set to DENY. OUTCOME may be NULL. */
EMBARGO_API gboolean embargo_decision_lookup_regime_outcome (const EmbargoDecision *decision,
                                                             const char *regime,
                                                             EmbargoOutcome *outcome,
                                                             GError **error);

/* Renders the decision as the contract's JSON object, on one line, without a trailing
 * newline. Returns a new string: free with g_free(). */
EMBARGO_API char *embargo_decision_to_json (const EmbargoDecision *decision);

/* ---------------------------------------------------------------------------------
 * Batches: JSON Lines in, decision lines out, on all cores, in input order
 * --------------------------------------------------------------------------------- */

typedef struct _EmbargoBatch EmbargoBatch;

typedef struct {
  unsigned version;      /* EMBARGO_BATCH_OPTIONS_VERSION */
  unsigned threads;      /* worker threads; 0: one per core */
  const char *as_of;     /* as in EmbargoEvalOptions; NULL: each transaction's date */
  const char *source;    /* the input's name in error objects, such as "orders.jsonl" */
  gboolean yaml_stream;  /* chunks hold YAML documents separated by "---" lines, not JSON Lines */
  const EmbargoLimits *limits; /* for each transaction; NULL for the defaults (copied) */
  gboolean strict;       /* (version 2) as in EmbargoEvalOptions, for every transaction */
} EmbargoBatchOptions;

#define EMBARGO_BATCH_OPTIONS_VERSION 2
#define EMBARGO_BATCH_OPTIONS_INIT { EMBARGO_BATCH_OPTIONS_VERSION, 0, NULL, "<input>", FALSE, NULL, FALSE }

/* Running totals of a batch. Start from EMBARGO_BATCH_COUNTS_INIT: the version says
 * which fields the caller's header has. */
typedef struct {
  unsigned version;       /* EMBARGO_BATCH_COUNTS_VERSION */
  guint64 lines;          /* input lines (or YAML documents) seen */
  guint64 failed;         /* lines that gave an error object instead of a decision */
  guint64 outcomes[4];    /* decisions per EmbargoOutcome */
} EmbargoBatchCounts;

#define EMBARGO_BATCH_COUNTS_VERSION 1
#define EMBARGO_BATCH_COUNTS_INIT { EMBARGO_BATCH_COUNTS_VERSION, 0, 0, { 0, 0, 0, 0 } }

/* Starts a batch over RS (a reference is taken). OPTIONS may be NULL for the defaults
 * and is copied. Returns the batch (transfer full; free with embargo_batch_free()), or
 * NULL with ERROR set (EMBARGO_EVAL_ERROR_BAD_DATE) when as_of is not a date.
 *
 * Work goes in as chunks of whole lines and comes out as chunks of lines, in the same
 * order: for every input line, exactly one output line, either the decision JSON
 * (embargo_decision_to_json()) or an error object
 *   {"line":17,"error":"orders.jsonl:17:9: error: ..."}
 * so that output line N always answers input line N. Blank lines of JSON Lines input
 * are answered with an error object too. Chunks are decided by worker threads while the
 * caller reads and writes; memory is bounded by what the caller keeps in flight. */
EMBARGO_API EmbargoBatch *embargo_batch_new (EmbargoRuleset *rs, const EmbargoBatchOptions *options,
                                             GError **error);

/* Queues LEN bytes of DATA, which must end at a line end (or at the end of the input),
 * holding lines FIRST_LINE, FIRST_LINE + 1, ... of the input. DATA is copied. Never
 * blocks: the caller bounds the work in flight with embargo_batch_get_pending(). */
EMBARGO_API void embargo_batch_push (EmbargoBatch *batch, const char *data, gsize len,
                                     guint64 first_line);

/* Number of chunks pushed and not yet popped. */
EMBARGO_API guint embargo_batch_get_pending (const EmbargoBatch *batch);

/* Waits for the oldest pending chunk and returns its output lines (each ending in
 * '\n'), transfer full: free with g_free(); *LEN is set to its length. Returns NULL
 * when nothing is pending. Call from one thread. */
EMBARGO_API char *embargo_batch_pop (EmbargoBatch *batch, gsize *len);

/* Fills COUNTS (initialized with EMBARGO_BATCH_COUNTS_INIT) with the totals over every
 * chunk popped so far and returns TRUE. Returns FALSE, leaving COUNTS untouched, when
 * its version is not EMBARGO_BATCH_COUNTS_VERSION (a struct from another header). */
EMBARGO_API gboolean embargo_batch_get_counts (const EmbargoBatch *batch,
                                               EmbargoBatchCounts *counts);

/* How many transactions RULE decided, over every chunk popped so far. */
EMBARGO_API guint64 embargo_batch_get_rule_count (const EmbargoBatch *batch,
                                                  const EmbargoRule *rule);

/* Waits for pending chunks to finish, drops their output, and frees the batch. NULL is
 * a no-op. */
EMBARGO_API void embargo_batch_free (EmbargoBatch *batch);

/* ---------------------------------------------------------------------------------
 * Test suites: cases kept beside the rules (docs/rule-format.md, "Test cases")
 * --------------------------------------------------------------------------------- */

typedef struct _EmbargoSuite EmbargoSuite;

/* Parses a test-case file (`cases:` list) from LEN bytes of DATA, called SOURCE_NAME in
 * messages. Inline transactions are parsed and checked now; cases that name a
 * `transaction_file` are left for embargo_suite_set_transaction_data() (this function
 * does no I/O). Returns the suite (transfer full; free with embargo_suite_free()) or
 * NULL with ERROR set (EMBARGO_LOAD_ERROR_*, message "source:line:col: error: ...",
 * every problem listed). */
EMBARGO_API EmbargoSuite *embargo_suite_new_from_data (const char *data, gsize len,
                                                       const char *source_name, GError **error);

/* Reads the test-case file at PATH and every transaction_file it names (relative to
 * PATH's directory), each read under the default max_input_bytes whatever its kind of
 * file. As embargo_suite_new_from_file_within() with ROOT the directory of PATH. */
EMBARGO_API EmbargoSuite *embargo_suite_new_from_file (const char *path, GError **error);

/* As embargo_suite_new_from_file(), where every transaction_file must resolve, symbolic
 * links and ".." resolved, to a file inside the directory ROOT (the rules tree: `embargo
 * test rules/` passes rules/): an absolute path, or one that resolves outside ROOT, is an
 * error (EMBARGO_LOAD_ERROR_INVALID, at the case's line). ROOT NULL: PATH's directory.
 * Errors as above, EMBARGO_LOAD_ERROR_IO or _LIMIT. */
EMBARGO_API EmbargoSuite *embargo_suite_new_from_file_within (const char *path, const char *root,
                                                              GError **error);

/* Frees the suite. NULL is a no-op. */
EMBARGO_API void embargo_suite_free (EmbargoSuite *suite);

/* Number of cases, and case INDEX's name, 1-based line, and transaction_file as written
 * (NULL for an inline transaction). Strings are borrowed from the suite. */
EMBARGO_API gsize embargo_suite_get_count (const EmbargoSuite *suite);
EMBARGO_API const char *embargo_suite_get_name (const EmbargoSuite *suite, gsize index);
EMBARGO_API unsigned embargo_suite_get_line (const EmbargoSuite *suite, gsize index);
EMBARGO_API const char *embargo_suite_get_source (const EmbargoSuite *suite);
EMBARGO_API const char *embargo_suite_get_transaction_file (const EmbargoSuite *suite,
                                                            gsize index);

/* The 1-based line and column of case INDEX's transaction_file value, in *LINE and *COL
 * (either may be NULL). Returns FALSE, leaving them untouched, when the case has an inline
 * transaction or INDEX is out of range. */
EMBARGO_API gboolean embargo_suite_get_transaction_file_position (const EmbargoSuite *suite,
                                                                  gsize index, unsigned *line,
                                                                  unsigned *col);

/* Supplies the transaction of case INDEX from LEN bytes of DATA (YAML or JSON). Returns
 * FALSE with ERROR set when it does not parse or breaks the schema. */
EMBARGO_API gboolean embargo_suite_set_transaction_data (EmbargoSuite *suite, gsize index,
                                                         const char *data, gsize len,
                                                         const char *source_name,
                                                         GError **error);

/* Runs case INDEX against RS. Returns the decision (transfer full), and sets *FAILURES
 * (when FAILURES is not NULL) to a new string with one line per expectation that did not
 * hold ("decision: expected deny, got allow"), or to NULL when all held. Returns NULL
 * with ERROR set when the case has no transaction yet or it cannot be decided. */
EMBARGO_API EmbargoDecision *embargo_suite_run (const EmbargoSuite *suite, gsize index,
                                                EmbargoRuleset *rs, char **failures,
                                                GError **error);

/* TRUE when case INDEX, whose DECISION came from embargo_suite_run(), asserts RULE's part
 * in it: its `decision` or `rule` where RULE decided the transaction, an `items` entry for
 * an item RULE decided, or RULE named in `matched`. A case that only checks other facts
 * (the screening hits, the missing facts, another item) does not. Rule coverage
 * (`embargo test --min-coverage`) counts a rule only for passing cases where this holds,
 * so that a case that asserts nothing about a rule cannot cover it. */
EMBARGO_API gboolean embargo_suite_asserts_rule (const EmbargoSuite *suite, gsize index,
                                                 const EmbargoDecision *decision,
                                                 const EmbargoRule *rule);

/* ---------------------------------------------------------------------------------
 * Lint: what a rule set that loads says and probably does not mean
 * --------------------------------------------------------------------------------- */

/* A rule set that loads can still be wrong: a rule that another always overrides, an
 * exception that can never meet what it lifts, conditions that can never hold
 * together, a rule already expired, a placeholder citation, a list nobody uses. Lint
 * finds these statically, from the compiled conditions, without any transaction.
 * Every finding is a diagnostic with a stable W- or N- code (docs/diagnostics.md lists
 * each, with an example that triggers it and its fix).
 *
 * The checks are sound where they claim something: a rule is reported as shadowed or
 * never holding only when that is certain for every transaction, under documented
 * assumptions (docs/diagnostics.md, "Limits"). They are not complete: conditions under
 * `any`, `not` or `party` are compared only when they are written identically. */

typedef struct {
  unsigned version;   /* EMBARGO_LINT_OPTIONS_VERSION */
  const char *as_of;  /* "YYYY-MM-DD": rules no longer in force on that day are reported
                         as expired; NULL skips that check. The library never reads the
                         clock: a program that wants "today" passes it. */
  /* Version 2. The rule set's test suites (NULL-terminated; borrowed for the call), or
   * NULL. With them, a field path that is neither in the transaction contract nor in
   * any transaction of these tests is reported (W-FIELD-UNKNOWN): a user-added fact
   * the rules test must appear in some test. NULL skips that check. */
  const EmbargoSuite *const *suites;
} EmbargoLintOptions;

#define EMBARGO_LINT_OPTIONS_VERSION 2
#define EMBARGO_LINT_OPTIONS_INIT { EMBARGO_LINT_OPTIONS_VERSION, NULL, NULL }

/* Lints RS. OPTIONS may be NULL for the defaults. Returns the findings (transfer full;
 * free with embargo_diagnostics_free()), sorted by source, line and column; an empty
 * set when there are none. Returns NULL with ERROR set (EMBARGO_EVAL_ERROR_BAD_DATE)
 * when OPTIONS->as_of is not a date. Pure: reads RS only; safe from any thread.
 * Load errors are not repeated here: they are in the loader's diagnostics, and a rule
 * set with any never gets this far (`embargo lint` prints both). */
EMBARGO_API EmbargoDiagnostics *embargo_lint (EmbargoRuleset *rs, const EmbargoLintOptions *options,
                                              GError **error);

/* Frees diagnostics returned by embargo_lint(). NULL is a no-op. Never pass the
 * loader's diagnostics (borrowed from the loader). */
EMBARGO_API void embargo_diagnostics_free (EmbargoDiagnostics *diags);

/* A one-line description of a diagnostic code ("E-UNKNOWN-KEY", "W-SHADOWED", and the
 * embargo program's own such as "T-COVERAGE"), static; NULL for a code embargo does not
 * report. For reports that describe each code once (SARIF rules). Every code is listed,
 * with an example, in docs/diagnostics.md. */
EMBARGO_API const char *embargo_diagnostic_code_describe (const char *code);

/* The severity CODE is always reported with, in *SEVERITY (may be NULL). Returns FALSE,
 * leaving *SEVERITY alone, for a code embargo does not report. */
EMBARGO_API gboolean embargo_diagnostic_code_get_severity (const char *code,
                                                           EmbargoSeverity *severity);

/* ---------------------------------------------------------------------------------
 * Screening: party names against sanctions lists, fuzzy (docs/screening.md)
 * --------------------------------------------------------------------------------- */

/* A screener holds listed parties (entries) from any number of lists, and screens
 * names against all of them at once. Typical use:
 *
 *   EmbargoScreener *s = embargo_screener_new ();
 *   embargo_screener_add_sdn_dir (s, "data/ofac", &error);      // sdn.csv, alt.csv, add.csv
 *   embargo_screener_add_ruleset (s, rs, NULL, &error);         // `kind: names` lists
 *   EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
 *   q.name = "Banco Nacional de Cuba"; q.country = "CH";
 *   EmbargoScreenResult *r = embargo_screener_screen (s, &q, &error);
 *   for (gsize i = 0; i < embargo_screen_result_get_count (r); i++)
 *     use (embargo_screen_result_get (r, i));                  // best first
 *   embargo_screen_result_free (r);
 *   embargo_screener_unref (s);
 *
 * The score (0..1) compares the bags of words of the normalized names, word by word
 * with Jaro-Winkler and a transliteration skeleton (Mohammed/Muhammad, Qaddafi/
 * Kadhafi), against the entry's name and every alias. At or above the match threshold
 * (0.92) a candidate is a match, at or above the possible threshold (0.80) a possible
 * match. Secondary filters: an identifier of the same kind and value makes a match
 * whatever the name, one of the same kind with another value rules the entry out; an
 * entry of another type is dropped; known countries that differ cost 0.10.
 *
 * Entries are added first; the first embargo_screener_screen() builds the index
 * (about 0.3 s for the full SDN list; a list of 100,000 distinct words or more is
 * indexed on as many threads as the machine has processors, at most 8, which have
 * ended when the call returns) and freezes the screener: later adds fail with
 * EMBARGO_LOAD_ERROR_FAILED. Once frozen it may be screened from any number of
 * threads at once. Loading is all-or-nothing per call: on error nothing is added.
 * Only embargo_screener_add_sdn_dir() and embargo_screener_add_csl_file() do I/O. */
typedef struct _EmbargoScreener EmbargoScreener;

/* Returns a new, empty screener (transfer full; release with embargo_screener_unref()).
 * Never NULL. */
EMBARGO_API EmbargoScreener *embargo_screener_new (void);

/* Adds a reference and returns S; drops one (the last frees it; NULL is a no-op).
 * Atomic. Results hold a reference on their screener. */
EMBARGO_API EmbargoScreener *embargo_screener_ref (EmbargoScreener *s);
EMBARGO_API void embargo_screener_unref (EmbargoScreener *s);

/* Adds the members of the `kind: names` list LIST_ID of RS, or of every names list of RS
 * when LIST_ID is NULL: names, aliases, country, type and ids, whatever their dates.
 * Candidates from them carry the list id as their list, the list's `screening`
 * thresholds, and as effect the most severe effect of the rules of RS that use the
 * list with in_list or owned_by_list (DENY when none does). Returns FALSE with ERROR
 * (EMBARGO_LOAD_ERROR_INVALID) when LIST_ID names no names list of RS. */
EMBARGO_API gboolean embargo_screener_add_ruleset (EmbargoScreener *s, EmbargoRuleset *rs,
                                                   const char *list_id, GError **error);

/* Adds an OFAC SDN snapshot in the legacy CSV format, given as bytes: SDN (sdn.csv,
 * required) and the optional ALT (alt.csv, aliases), ADD (add.csv, addresses) and
 * COMMENTS (sdn_comments.csv, remarks too long for sdn.csv), each LEN bytes long (NULL
 * and 0 when absent). List "SDN", effect DENY. Returns FALSE with ERROR
 * (EMBARGO_LOAD_ERROR_SYNTAX, message "sdn.csv:LINE: ...") on malformed input. */
EMBARGO_API gboolean embargo_screener_add_sdn (EmbargoScreener *s, const char *sdn,
                                               gsize sdn_len, const char *alt, gsize alt_len,
                                               const char *add, gsize add_len,
                                               const char *comments, gsize comments_len,
                                               GError **error);

/* Reads sdn.csv (required), alt.csv, add.csv and sdn_comments.csv (optional) from the
 * directory DIR and adds them as embargo_screener_add_sdn() does. Errors as there, or
 * EMBARGO_LOAD_ERROR_IO when a file cannot be read. */
EMBARGO_API gboolean embargo_screener_add_sdn_dir (EmbargoScreener *s, const char *dir,
                                                   GError **error);

/* Adds a trade.gov Consolidated Screening List CSV export (header row first; columns
 * found by name) of LEN bytes, called SOURCE_NAME in errors. Each entry's list is its
 * "source" column ("Entity List", "Specially Designated Nationals (SDN) - Treasury
 * Department", ...), effect DENY. Errors: EMBARGO_LOAD_ERROR_SYNTAX ("FILE:LINE: ..."). */
EMBARGO_API gboolean embargo_screener_add_csl (EmbargoScreener *s, const char *data, gsize len,
                                               const char *source_name, GError **error);

/* Reads the CSL CSV file at PATH and adds it. Errors as above, or EMBARGO_LOAD_ERROR_IO. */
EMBARGO_API gboolean embargo_screener_add_csl_file (EmbargoScreener *s, const char *path,
                                                    GError **error);

/* The formats of sanctions lists a screener reads besides OFAC's SDN directory
 * (docs/screening.md, "List formats"). */
typedef enum {
  EMBARGO_LIST_FORMAT_AUTO = 0,  /* detect from the content (embargo_list_format_detect()) */
  EMBARGO_LIST_FORMAT_CSL,       /* trade.gov Consolidated Screening List, CSV */
  EMBARGO_LIST_FORMAT_EU_FSF,    /* EU Financial Sanctions Files, XML (<export>) */
  EMBARGO_LIST_FORMAT_UN_SC,     /* UN Security Council Consolidated List, XML */
  EMBARGO_LIST_FORMAT_UK,        /* UK Sanctions List, XML (<Designations>) */
  EMBARGO_LIST_FORMAT_FTM,       /* OpenSanctions FollowTheMoney entities, JSON Lines */
  EMBARGO_LIST_FORMAT_OS_SIMPLE, /* OpenSanctions targets.simple.csv */
} EmbargoListFormat;

/* The format's name as the command line spells it ("auto", "csl", "eu-fsf", "un-sc",
 * "uk", "ftm", "os-simple"; static), or NULL for a value outside the enum. */
EMBARGO_API const char *embargo_list_format_to_string (EmbargoListFormat format);

/* Sets *FORMAT from a name of embargo_list_format_to_string(); FALSE (and *FORMAT
 * untouched) for any other name. NAME and FORMAT must not be NULL. */
EMBARGO_API gboolean embargo_list_format_from_string (const char *name,
                                                      EmbargoListFormat *format);

/* Which format LEN bytes of DATA are in, from their first element or line (after a
 * byte-order mark, an XML declaration and comments); EMBARGO_LIST_FORMAT_AUTO when
 * none. Reads no more than it needs. DATA may be NULL only when LEN is 0. */
EMBARGO_API EmbargoListFormat embargo_list_format_detect (const char *data, gsize len);

/* Adds the listed parties of LEN bytes of DATA in FORMAT (AUTO: detected), called
 * SOURCE_NAME in errors. Names, aliases (non-Latin ones too), countries, identifiers,
 * programmes and listing dates are kept (docs/screening.md says which field of each
 * format becomes what). Entries' list is "EU", "UN", "UK", "OpenSanctions", or the CSL
 * source column; effect DENY. The whole input is read before anything is added:
 * on error nothing is. Returns FALSE with ERROR: EMBARGO_LOAD_ERROR_SYNTAX
 * ("SOURCE_NAME:LINE: ...": not well-formed, an undetectable format, the wrong root
 * element, a party without a name, no party at all) or EMBARGO_LOAD_ERROR_FAILED (the
 * screener has already screened and is frozen). XML is read without network access or
 * external entities. */
EMBARGO_API gboolean embargo_screener_add_list (EmbargoScreener *s, EmbargoListFormat format,
                                               const char *data, gsize len,
                                               const char *source_name, GError **error);

/* Reads the file at PATH (within the input limit of embargo_limits_init()) and adds
 * it as embargo_screener_add_list() does, with its base name in errors. Errors as
 * there, or EMBARGO_LOAD_ERROR_IO when it cannot be read. */
EMBARGO_API gboolean embargo_screener_add_list_file (EmbargoScreener *s, const char *path,
                                                    EmbargoListFormat format, GError **error);

/* Writes every entry added so far as one `kind: names` list of a rule file, with id
 * LIST_ID (not NULL; [A-Za-z0-9._-]) and TITLE (nullable), as YAML text (transfer full;
 * g_free()). Each member keeps its name, aliases, type, programme, identifiers, its
 * country when it has exactly one, its listing date as `from` when the list gave one,
 * and its list and reference in `notes`. Every value is double-quoted, so it reads the
 * same under any YAML version. Returns NULL with ERROR (EMBARGO_LOAD_ERROR_INVALID)
 * when LIST_ID is not a valid id or no entry was added. */
EMBARGO_API char *embargo_screener_to_names_list (EmbargoScreener *s, const char *list_id,
                                                 const char *title, GError **error);

/* Number of entries added so far. */
EMBARGO_API gsize embargo_screener_get_entry_count (const EmbargoScreener *s);

/* What to screen. Start from EMBARGO_SCREEN_QUERY_INIT and set fields. */
typedef struct {
  unsigned version;          /* EMBARGO_SCREEN_QUERY_VERSION */
  const char *name;          /* as written; may be NULL when ids are given */
  const char *country;       /* alpha-2 code or a country name ("North Korea"); or NULL */
  const char *type;          /* "individual", "entity", "vessel", "aircraft"; or NULL */
  const char *const *ids;    /* NULL-terminated "kind:value" ("passport:1084010",
                                "imo:9187629"); or NULL */
  double match_threshold;    /* 0: each list's own (0.92 unless its rule file says) */
  double possible_threshold; /* 0: each list's own (0.80 unless its rule file says) */
  unsigned max_results;      /* 0: 10 */
} EmbargoScreenQuery;

#define EMBARGO_SCREEN_QUERY_VERSION 1
#define EMBARGO_SCREEN_QUERY_INIT { EMBARGO_SCREEN_QUERY_VERSION, NULL, NULL, NULL, NULL, 0, 0, 0 }

typedef enum {
  EMBARGO_SCREEN_POSSIBLE = 1, /* possible <= score < match: a person must look */
  EMBARGO_SCREEN_MATCH = 2,    /* score >= match, or an identifier matched */
} EmbargoScreenVerdict;

/* Returns "possible" or "match" (static); "unknown" for any other value. */
EMBARGO_API const char *embargo_screen_verdict_to_string (EmbargoScreenVerdict verdict);

/* One candidate entry. Strings are borrowed from the result (and its screener). */
typedef struct {
  const char *list;      /* list id, "SDN", or the CSL source */
  const char *ref;       /* the entry's reference (ent_num, entity_number), or NULL */
  const char *entry;     /* the entry's primary name, as listed */
  const char *matched;   /* the entry's name or alias that scored best */
  gboolean alias;        /* matched is an alias */
  double score;          /* 0..1, after the filters; 1 for an identifier match */
  EmbargoScreenVerdict verdict;
  EmbargoOutcome effect; /* what a match means (embargo_screener_add_ruleset()), DENY for
                            SDN and CSL entries; a possible match means REVIEW */
  const char *type;      /* "individual", "entity", "vessel", "aircraft", or NULL */
  const char *program;   /* sanctions programs ("CUBA; SDGT"), or NULL */
  gboolean by_identifier;     /* an identifier of the query matched the entry's */
  gboolean country_mismatch;  /* both countries known and different: score lowered */
  const char *how;       /* how the name matched (static): "identifier", "exact",
                            "fuzzy tokens" or "contained name", then what it took:
                            ", look-alikes folded" (confusable, invisible or Traditional
                            Chinese characters), ", transliterated" (another script),
                            ", words joined" (words split or run together),
                            ", identifiers or type differ" (lowered to possible) */
} EmbargoScreenCandidate;

typedef struct _EmbargoScreenResult EmbargoScreenResult;

/* Screens one party against every entry of S (building the index on first use).
 * QUERY is not kept. Returns the candidates (transfer full; free with
 * embargo_screen_result_free()), best first (score, then entry order), at most
 * max_results, possibly none; or NULL with ERROR (EMBARGO_EVAL_ERROR_INVALID) when the
 * query has neither name nor ids, the name is not UTF-8, an id has no "kind:", or the
 * thresholds are not 0 < possible <= match <= 1. Thread-safe. */
EMBARGO_API EmbargoScreenResult *embargo_screener_screen (EmbargoScreener *s,
                                                          const EmbargoScreenQuery *query,
                                                          GError **error);

/* Number of candidates (0 for none). */
EMBARGO_API gsize embargo_screen_result_get_count (const EmbargoScreenResult *r);
/* Candidate INDEX (borrowed), or NULL when out of range. */
EMBARGO_API const EmbargoScreenCandidate *embargo_screen_result_get (const EmbargoScreenResult *r,
                                                                     gsize index);
/* The outcome screening implies: ALLOW without candidates, REVIEW with possible matches
 * only, else the most severe effect of the matches. On NULL: a critical, and DENY. */
EMBARGO_API EmbargoOutcome embargo_screen_result_get_outcome (const EmbargoScreenResult *r);
/* Frees the result. NULL is a no-op. */
EMBARGO_API void embargo_screen_result_free (EmbargoScreenResult *r);

/* Screening inside decisions. A rule's `in_list` on a party's name (`party.name`) with
 * a names list screens the party's name and aliases this way, with the party's country
 * and `ids` as filters: a match (or an exact normalized name) makes the condition
 * hold, a possible match makes it unknown, so a restriction decides `review`.
 * `owned_by_list` applies the 50% rule through the parties' owners (docs/rule-format.md).
 * Each hit behind a rule that applied is kept in the decision ("screening" in JSON): */
typedef struct {
  const EmbargoRule *rule;      /* the rule whose condition screened */
  gsize item;                   /* index into the decision's items */
  const char *party;            /* role: "buyer", "intermediaries.1", "buyer.owners.0" */
  const char *name;             /* the party's name (or alias) as written */
  const char *list;             /* the names list id */
  const char *entry;            /* the list member's name */
  const char *matched;          /* its name or alias that matched */
  double score;
  EmbargoScreenVerdict verdict;
  double owned_pct;             /* owned_by_list: the blocked owners' share of the party
                                   screened; negative for in_list hits */
} EmbargoScreeningHit;

/* Number of screening hits in DECISION, and hit INDEX (borrowed; NULL out of range), in
 * the order of the rules that applied. */
EMBARGO_API gsize embargo_decision_get_screening_count (const EmbargoDecision *decision);
EMBARGO_API const EmbargoScreeningHit *embargo_decision_get_screening (const EmbargoDecision *decision,
                                                                       gsize index);

/* Why an exception did not apply, where the decision can say so. An exception (`allow`
 * with `lifts`) must rest on certain identity: a names-list condition in it holds only
 * on an exact normalized name or alias, or a matching identifier. A fuzzy or possible
 * match leaves the exception unknown, so it does not apply; the decision then carries
 * a note for the first item it was considered for, naming the party, the entry and the
 * score. */
typedef struct {
  const EmbargoRule *rule; /* the exception */
  gsize item;              /* index into the decision's items */
  const char *text;        /* one sentence, for people */
} EmbargoNote;

/* Number of notes in DECISION, and note INDEX (borrowed; NULL out of range). */
EMBARGO_API gsize embargo_decision_get_note_count (const EmbargoDecision *decision);
EMBARGO_API const EmbargoNote *embargo_decision_get_note (const EmbargoDecision *decision,
                                                          gsize index);

/* ---------------------------------------------------------------------------------
 * Names
 * --------------------------------------------------------------------------------- */

/* Normalizes a name for matching: invisible characters (default-ignorable code points,
 * controls) removed, NFKC, look-alike letters mixed into a Latin word mapped to their
 * UTS #39 skeleton, case folded, Traditional Chinese to Simplified, diacritics dropped,
 * punctuation to spaces, legal forms (Co., Ltd., LLC, GmbH, OOO, 有限公司, ...) dropped,
 * tokens sorted (docs/screening.md, "Normalization"). LEN is the length in bytes, or -1 for a NUL-terminated NAME. Returns a new
 * string (free with g_free()); "" for invalid UTF-8. */
EMBARGO_API char *embargo_name_normalize (const char *name, gssize len);

/* ---------------------------------------------------------------------------------
 * Automatic cleanup (GLib's g_autoptr), for programs built with GCC or Clang:
 *   g_autoptr (EmbargoRuleset) rs = embargo_ruleset_new_from_paths (paths, &error);
 * --------------------------------------------------------------------------------- */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoLoader, embargo_loader_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoRuleset, embargo_ruleset_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoRulesetHandle, embargo_handle_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoTransaction, embargo_transaction_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoDecision, embargo_decision_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoBatch, embargo_batch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoSuite, embargo_suite_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoDiagnostics, embargo_diagnostics_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoScreener, embargo_screener_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbargoScreenResult, embargo_screen_result_free)

G_END_DECLS

#endif /* EMBARGO_H */
