/* cmd-test.c: `embargo test`: placeholder replaced below. */
#include "cli.h"

int
cmd_test (int argc, char **argv)
{
  return EXIT_NO_DECISION;
}
