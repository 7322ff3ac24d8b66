/* runner.c: the CUnit registry and main() shared by every test file. */
#include "tests.h"

#include <CUnit/Basic.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  if (CU_initialize_registry () != CUE_SUCCESS)
    return 2;
  register_case_tests ();
  register_api_tests ();
  CU_basic_set_mode (CU_BRM_VERBOSE);
  CU_basic_run_tests ();
  unsigned failures = CU_get_number_of_failures ();
  unsigned ran = CU_get_number_of_tests_run ();
  CU_cleanup_registry ();
  return failures == 0 && ran > 0 ? 0 : 1;
}
