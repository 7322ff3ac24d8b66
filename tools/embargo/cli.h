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

/* Reads a whole file, or standard input for "-". Returns FALSE and prints why. */
gboolean cli_read_input (const char *path, char **data, gsize *len);

/* As cli_read_input(), refusing more than MAX bytes: a regular file is refused before
 * it is read, standard input as soon as it passes MAX. */
gboolean cli_read_input_limited (const char *path, gsize max, char **data, gsize *len);

/* The resource-limit options (--max-input-bytes, --max-depth, --max-string-bytes,
 * --max-rules, --max-items, --max-parties; docs/reliability.md). -1: not given. */
typedef struct {
  gint64 input_bytes, depth, string_bytes, rules, items, parties;
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

/* Colour: on a terminal, unless NO_COLOR is set; MODE is "auto", "always" or "never". */
gboolean cli_use_color (FILE *f, const char *mode);

/* Records decision D of the LEN bytes of INPUT in the record file PATH (--records).
 * Prints why and returns FALSE when it could not: the caller then reports no decision. */
gboolean cli_record (const char *path, const char *input, gsize len, const EmbargoDecision *d);

#endif
