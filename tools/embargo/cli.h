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

/* The bundled rules: $EMBARGO_RULES_DIR, else the installed copy beside the program,
 * else the source tree's rules/ (a build that was not installed). Returns a new string. */
char *cli_default_rules_dir (void);

/* Loads PATHS (NULL or empty: the bundled rules) into a rule set, printing every
 * diagnostic to stderr. Returns NULL when the rules did not load. */
EmbargoRuleset *cli_load_rules (char **paths);

/* Reads a whole file, or standard input for "-". Returns FALSE and prints why. */
gboolean cli_read_input (const char *path, char **data, gsize *len);

/* Colour: on a terminal, unless NO_COLOR is set; MODE is "auto", "always" or "never". */
gboolean cli_use_color (FILE *f, const char *mode);

#endif
