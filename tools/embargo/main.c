/* main.c: the embargo program: dispatch to one file per command. */
#include "cli.h"

#include <locale.h>

static const struct {
  const char *name;
  CommandFn fn;
  const char *summary;
} commands[] = {
  { "check", cmd_check, "decide transactions, a decision each: embargo check order.yaml" },
  { "eval", cmd_eval, "decide a stream of transactions (JSON Lines), one decision a line" },
  { "test", cmd_test, "run the test cases kept beside rule files: embargo test rules/" },
  { "lint", cmd_lint, "find problems in rule files: embargo lint rules/" },
  { "diff", cmd_diff, "decisions two rule sets make differently: embargo diff A B --corpus F" },
  { "screen", cmd_screen, "screen a party name against sanctions lists: embargo screen NAME" },
  { "lock", cmd_lock, "pin the rule files of a directory: embargo lock rules/" },
  { "lists", cmd_lists, "sanctions list files: convert to a rule file's names list, detect" },
  { "records", cmd_records, "query, replay and verify decision records: embargo records F verify" },
  { "serve", cmd_serve, "decide over HTTP: embargo serve --listen 127.0.0.1:8080" },
};

static void
usage (FILE *f)
{
  fprintf (f, "Usage: embargo COMMAND [OPTION...]\n\n"
              "Sanctions and export-control rules engine.\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (f, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf (f, "\nOptions:\n"
              "  -h, --help     show this help; 'embargo COMMAND --help' for a command\n"
              "  --version      print the version\n\n"
              "Example:\n  embargo check --rules rules/ examples/micron-ciio.yaml\n\n"
              "Exit status: 0 allow, 1 not allowed (review, license_required, deny),\n"
              "2 no decision could be made (bad input, rules that failed to load).\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc < 2)
    {
      usage (stderr);
      return EXIT_NO_DECISION;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "version") == 0)
    {
      printf ("embargo %s\n", embargo_version_string ());
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].fn (argc - 1, argv + 1);
  fprintf (stderr, "embargo: error: unknown command '%s'\n\n", cli_safe (argv[1]));
  usage (stderr);
  return EXIT_NO_DECISION;
}
