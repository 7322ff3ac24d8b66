/* runner.c: the CUnit registry and main() shared by every test file.
 *
 * Usage: embargo-tests [SUITE...]   with no argument every suite runs; otherwise only
 * the suites named ("api", "cases", "hostile", "threads", "lint",
 * "program", "rulesets", "escape", "lists", "contract"), as the ThreadSanitizer run
 * in tools/test.sh does. An unknown name is an error, not an empty pass. */
#include "tests.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main (int argc, char **argv)
{
  if (CU_initialize_registry () != CUE_SUCCESS)
    return 2;
  register_case_tests ();
  register_api_tests ();
  register_hostile_tests ();
  register_lint_tests ();
  register_program_tests ();
  register_ruleset_tests ();
  register_escape_tests ();
  register_lists_tests ();
  register_contract_tests ();
  register_work_tests ();
  register_canon_tests ();
  for (int i = 1; i < argc; i++)
    if (CU_get_suite (argv[i]) == NULL)
      {
        fprintf (stderr, "embargo-tests: no suite '%s'\n", argv[i]);
        CU_cleanup_registry ();
        return 2;
      }
  for (CU_pSuite s = CU_get_registry ()->pSuite; s && argc > 1; s = s->pNext)
    {
      gboolean wanted = FALSE;
      for (int i = 1; i < argc; i++)
        wanted = wanted || strcmp (s->pName, argv[i]) == 0;
      CU_set_suite_active (s, wanted ? CU_TRUE : CU_FALSE);
    }
  CU_basic_set_mode (CU_BRM_VERBOSE);
  CU_basic_run_tests ();
  unsigned failures = CU_get_number_of_failures ();
  unsigned ran = CU_get_number_of_tests_run ();
  CU_cleanup_registry ();
  return failures == 0 && ran > 0 ? 0 : 1;
}
