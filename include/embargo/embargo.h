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
 *   A rule set with any error is never returned, not even in part. A fact that a
 *   restriction needs and the transaction lacks makes the outcome at least REVIEW.
 *   When no decision can be made the API says so with an error, never with ALLOW.
 *
 * THREADS
 *   EmbargoRuleset: immutable, reference counting is atomic; safe from any thread.
 *   EmbargoTransaction, EmbargoDecision: safe to read from many threads at once; not
 *   safe to modify (the transaction builder functions) while another thread reads.
 *   EmbargoLoader: one thread at a time.
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
  const char *message; /* one line, no trailing newline */
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

/* Formats one diagnostic as "source:line:column: severity: message" (compiler style).
 * Returns a new string: free with g_free(). */
EMBARGO_API char *embargo_diagnostic_format (const EmbargoDiagnostic *diag);

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
} EmbargoLimits;

#define EMBARGO_LIMITS_VERSION 1
/* The defaults, documented in docs/reliability.md. */
#define EMBARGO_LIMITS_INIT { EMBARGO_LIMITS_VERSION, 64u << 20, 64, 64u << 10, 1000000, 10000, 1000 }

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
 * LIMITS may be NULL for the defaults; it is copied. Returns a new loader (transfer
 * full); free with embargo_loader_free(). Never NULL. */
EMBARGO_API EmbargoLoader *embargo_loader_new (const EmbargoLimits *limits);

/* Frees the loader and everything it gathered. NULL is a no-op. Rule sets already
 * returned by embargo_loader_finish() are not affected. */
EMBARGO_API void embargo_loader_free (EmbargoLoader *loader);

/* Adds one rule file held in memory: LEN bytes of DATA (need not be NUL-terminated),
 * called SOURCE_NAME in diagnostics, in the digest and in decisions. The loader copies
 * what it keeps. Files are taken in the order added; that order breaks ties between
 * rules of the same effect. Returns FALSE and sets ERROR when this file has errors
 * (all of them are in the diagnostics); later files can still be added, but
 * embargo_loader_finish() will fail. This function does no I/O. */
EMBARGO_API gboolean embargo_loader_add_data (EmbargoLoader *loader, const char *data, gsize len,
                                              const char *source_name, GError **error);

/* Adds a rule file, or every *.yaml file below a directory (recursively, in byte order
 * of their paths relative to PATH; files named *.tests.yaml are test cases and are
 * skipped). Source names are PATH joined with the relative path. Returns FALSE and sets
 * ERROR (EMBARGO_LOAD_ERROR_IO, or an error from embargo_loader_add_data()) when PATH
 * cannot be read or a file has errors. */
EMBARGO_API gboolean embargo_loader_add_path (EmbargoLoader *loader, const char *path,
                                              GError **error);

/* Checks the rule set as a whole (duplicate ids, references between files, exceptions
 * across regimes), then compiles it. Returns the rule set (transfer full; release with
 * embargo_ruleset_unref()), or NULL with ERROR set (EMBARGO_LOAD_ERROR_INVALID with a
 * message that lists every error) when any file added had an error. Call it once. */
EMBARGO_API EmbargoRuleset *embargo_loader_finish (EmbargoLoader *loader, GError **error);

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
} EmbargoEvalOptions;

#define EMBARGO_EVAL_OPTIONS_VERSION 1
#define EMBARGO_EVAL_OPTIONS_INIT { EMBARGO_EVAL_OPTIONS_VERSION, NULL }

/* Decides TXN under RS. OPTIONS may be NULL for the defaults. Returns the decision
 * (transfer full; free with embargo_decision_free()), or NULL with ERROR set when the
 * transaction breaks the schema (EMBARGO_EVAL_ERROR_INVALID) or OPTIONS->as_of is not
 * a date (EMBARGO_EVAL_ERROR_BAD_DATE). Pure and thread-safe: many threads may evaluate
 * against one rule set at once. */
EMBARGO_API EmbargoDecision *embargo_evaluate (EmbargoRuleset *rs, const EmbargoTransaction *txn,
                                               const EmbargoEvalOptions *options, GError **error);

/* Frees the decision. NULL is a no-op. */
EMBARGO_API void embargo_decision_free (EmbargoDecision *decision);

/* The transaction's outcome: the most severe item outcome. */
EMBARGO_API EmbargoOutcome embargo_decision_get_outcome (const EmbargoDecision *decision);

/* The rule that decided the transaction (borrowed), or NULL when no rule applied. */
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
/* The rule that decided item INDEX (borrowed), or NULL when none applied. */
EMBARGO_API const EmbargoRule *embargo_decision_get_item_rule (const EmbargoDecision *decision,
                                                               gsize index);

/* What happened to a rule that applied to an item. */
typedef enum {
  EMBARGO_MATCH_DECISIVE = 0,   /* it decided the item */
  EMBARGO_MATCH_OUTWEIGHED = 1, /* it applied, but a more severe or earlier rule decided */
  EMBARGO_MATCH_LIFTED = 2,     /* an exception lifted it for this item */
} EmbargoMatchStatus;

/* Returns "decisive", "outweighed" or "lifted" (static). */
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

EMBARGO_API gsize embargo_decision_get_missing_count (const EmbargoDecision *decision);
EMBARGO_API const EmbargoMissing *embargo_decision_get_missing (const EmbargoDecision *decision,
                                                                gsize index);

/* The outcome under REGIME alone; ALLOW for a regime with no rule that applied. */
EMBARGO_API EmbargoOutcome embargo_decision_get_regime_outcome (const EmbargoDecision *decision,
                                                                const char *regime);

/* Renders the decision as the contract's JSON object, on one line, without a trailing
 * newline. Returns a new string: free with g_free(). */
EMBARGO_API char *embargo_decision_to_json (const EmbargoDecision *decision);

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
 * PATH's directory). Errors as above, or EMBARGO_LOAD_ERROR_IO. */
EMBARGO_API EmbargoSuite *embargo_suite_new_from_file (const char *path, GError **error);

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

/* ---------------------------------------------------------------------------------
 * Names
 * --------------------------------------------------------------------------------- */

/* Normalizes a name for matching: Unicode NFKD, diacritics dropped, case folded,
 * punctuation to spaces, legal forms (Co., Ltd., LLC, GmbH, OOO, ...) dropped, tokens
 * sorted. LEN is the length in bytes, or -1 for a NUL-terminated NAME. Returns a new
 * string (free with g_free()); "" for invalid UTF-8. */
EMBARGO_API char *embargo_name_normalize (const char *name, gssize len);

G_END_DECLS

#endif /* EMBARGO_H */
