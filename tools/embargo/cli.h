/* cli.h: what the embargo commands share. */
#ifndef EMBARGO_CLI_H
#define EMBARGO_CLI_H

#include <embargo/embargo.h>
#include <stdio.h>

/* Exit statuses, for every command that decides (docs/cli.md). */
enum { EXIT_ALLOW = 0, EXIT_NOT_ALLOWED = 1, EXIT_NO_DECISION = 2 };

typedef int (*CommandFn) (int argc, char **argv);

int cmd_check (int argc, char **argv);
int cmd_test (int argc, char **argv);
int cmd_lint (int argc, char **argv);
int cmd_diff (int argc, char **argv);
int cmd_eval (int argc, char **argv);
int cmd_screen (int argc, char **argv);
int cmd_lock (int argc, char **argv);
int cmd_serve (int argc, char **argv);
int cmd_records (int argc, char **argv);
int cmd_lists (int argc, char **argv);

/* The bundled rules: $EMBARGO_RULES_DIR, else the installed copy beside the program,
 * else the source tree's rules/ (a build that was not installed). Returns a new string. */
char *cli_default_rules_dir (void);

/* Loads PATHS (NULL or empty: the bundled rules) into a rule set, printing every
 * diagnostic to stderr. Returns NULL when the rules did not load. */
EmbargoRuleset *cli_load_rules (char **paths);

/* As cli_load_rules(), under LIMITS (NULL: the defaults). I/O errors, like every
 * other problem, are printed and give NULL. */
EmbargoRuleset *cli_load_rules_limited (char **paths, const EmbargoLimits *limits);

/* Sets the digests cli_digest_expected() accepts (NULL-terminated, kept, not copied; NULL:
 * any). Returns FALSE and prints why when one is not "sha256:" and 64 hex digits. */
gboolean cli_set_expected_digests (char **digests);

/* TRUE when --expect-digest was not given or DIGEST is one of those it gave; otherwise
 * prints "WHERE: error: ... [E-DIGEST]" and returns FALSE. cli_load_rules*() call it. */
gboolean cli_digest_expected (const char *digest, const char *where);

/* Adds the files at or below PATH to OUT (new strings, sorted): the test files
 * (*.tests.yaml, *.tests.yml) when TESTS, else the rule files the loader reads (PATH
 * itself when it is a file). Symbolic links are followed, hidden entries skipped. */
void cli_collect_files (const char *path, gboolean tests, GPtrArray *out);

/* The test suites found below PATHS (NULL-terminated), each confined to the PATH it was
 * found under; those that do not load are left out (embargo test reports them). Returns
 * a NULL-terminated array for cli_free_test_suites(), or NULL when there is none. */
EmbargoSuite **cli_load_test_suites (char **paths);
void cli_free_test_suites (EmbargoSuite **suites);

/* As cli_load_rules() for a program that reads only the rules' lists (embargo screen):
 * a set of lists without rules loads. */
EmbargoRuleset *cli_load_lists (char **paths);

/* Reads a whole file, or standard input for "-", up to the default input limit.
 * Returns FALSE and prints why. */
gboolean cli_read_input (const char *path, char **data, gsize *len);

/* As cli_read_input(), refusing more than MAX bytes: a regular file is refused before
 * it is read, anything else (standard input, a FIFO, a device) as soon as it passes
 * MAX. */
gboolean cli_read_input_limited (const char *path, gsize max, char **data, gsize *len);

/* The resource-limit options (--max-input-bytes, --max-depth, --max-string-bytes,
 * --max-rules, --max-items, --max-parties, --max-list-members, --max-work;
 * docs/reliability.md). -1: not given. With
 * them, --expect-digest (repeatable): every rule set cli_load_rules*() loads must have
 * one of these digests (docs/cli.md, "Pinning the rules"). */
typedef struct {
  gint64 input_bytes, depth, string_bytes, rules, items, parties, list_members, work;
  char **expect_digest; /* NULL-terminated, or NULL: not given */
} CliLimits;

/* Adds the options to CTX's main group, writing into OPTS (which must outlive the
 * parse). */
void cli_add_limit_options (GOptionContext *ctx, CliLimits *opts);

/* The defaults with the given options applied. Returns FALSE and prints why when one
 * is not a positive number. */
gboolean cli_limits_apply (const CliLimits *opts, EmbargoLimits *out);

/* Parses the options of COMMAND ("check", ...) and, when LIMIT_OPTS is not NULL, turns
 * the --max-* options into *LIMITS. Prints what is wrong and returns FALSE when the
 * command cannot run (exit status 2). */
gboolean cli_parse_options (GOptionContext *ctx, int *argc, char ***argv, const char *command,
                            const CliLimits *limit_opts, EmbargoLimits *limits);

/* screen-batch.c: `embargo screen --batch`. Screens every line of PATH ("-": standard
 * input; a name, or a JSON object with name, country, type, ids) against SCREENER with
 * BASE's thresholds and limit, on THREADS workers (0: one per core), printing one JSON
 * object per line in input order. Returns the exit status. */
int cli_screen_batch (EmbargoScreener *screener, const EmbargoScreenQuery *base,
                      const char *path, guint threads);

#include <yajl/yajl_gen.h>
/* Adds the members name, country, decision and candidates of one screening result to
 * the open JSON map of G (what `embargo screen --format json` prints). */
void cli_screen_result_to_json (yajl_gen g, const char *name, const char *country,
                                const EmbargoScreenResult *r);
/* Text from input, rule files or lists, safe to print: embargo_text_escape() in
 * EMBARGO_ESCAPE_TEXT mode. Returns S itself when nothing needs escaping, else an
 * escaped copy that lives until the program exits; NULL stays NULL. Every string a
 * command prints that it did not write itself goes through this (docs/cli.md). */
const char *cli_safe (const char *s);

/* As cli_safe(), line by line: newlines are kept, for messages of several lines such
 * as a GError listing one diagnostic a line. */
const char *cli_safe_lines (const char *s);

/* Writes JSON text (LEN bytes) and a newline to F with the characters a terminal obeys
 * escaped (EMBARGO_ESCAPE_JSON). Returns FALSE when the write failed. */
gboolean cli_write_json (FILE *f, const char *json, gsize len);

/* Errors. By default each goes to standard error as text. After cli_errors_as_json
 * (TRUE) (a command given --format json) each goes to standard output as one line
 * {"error": {"code": ..., "message": ..., "file": ..., "line": ..., "column": ...}}
 * instead ("file" null, "line" and "column" 0 when unknown), so that a caller parses
 * one stream. cli_load_rules*() and cli_read_input*() report through these too. */
void cli_errors_as_json (gboolean on);
gboolean cli_errors_are_json (void);

/* One error: as text "FILE:LINE:COLUMN: error: MESSAGE [CODE]" (FILE: without a line;
 * "embargo: error: MESSAGE" without a file). FILE and the message are escaped. */
void cli_error (const char *code, const char *file, unsigned line, unsigned column,
                const char *fmt, ...) G_GNUC_PRINTF (5, 6);
/* A diagnostic of the library on standard error, with its note line when it has a
 * context; an error as a JSON error object (its context in "context") under
 * cli_errors_as_json(). */
void cli_diagnostic (const EmbargoDiagnostic *d);

/* An error message from the library (a GError's): one diagnostic a line
 * ("file:line:column: error: message [CODE]"). As text, MESSAGE as it is (escaped); as
 * JSON, one error per such line, CODE defaulting to FALLBACK_CODE, or the whole
 * message as one error when no line has that shape. */
void cli_error_lines (const char *message, const char *fallback_code);

/* Colour: on a terminal, unless NO_COLOR is set; MODE is "auto", "always" or "never". */
gboolean cli_use_color (FILE *f, const char *mode);

/* Records decision D of the LEN bytes of INPUT in the record file PATH (--records).
 * Prints why and returns FALSE when it could not: the caller then reports no decision. */
gboolean cli_record (const char *path, const char *input, gsize len, const EmbargoDecision *d);

#endif
