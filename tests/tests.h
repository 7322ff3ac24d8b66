/* tests.h: what the test files share. */
#ifndef EMBARGO_TESTS_H
#define EMBARGO_TESTS_H

#include <CUnit/CUnit.h>
#include <embargo/embargo.h>

void register_case_tests (void);
void register_api_tests (void);
void register_hostile_tests (void);
void register_lint_tests (void);
void register_program_tests (void);
void register_ruleset_tests (void);
void register_escape_tests (void);
void register_lists_tests (void);
void register_contract_tests (void);
void register_work_tests (void);
void register_canon_tests (void);

/* Adds a suite with the given tests (NULL-terminated {name, fn} pairs). */
typedef struct {
  const char *name;
  CU_TestFunc fn;
} TestDef;
void add_suite (const char *name, const TestDef *tests);

#endif
