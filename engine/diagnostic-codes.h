/* diagnostic-codes.h: every diagnostic code embargo reports, in one table.
 *
 * One line per code: X (CODE, SEVERITY, SUMMARY), SEVERITY one of ERROR, WARNING, NOTE
 * (EMBARGO_SEVERITY_*), SUMMARY the one-line description that
 * embargo_diagnostic_code_describe() returns and SARIF reports show once per code.
 * A code is a stable name: changing one breaks the CI gates (`--ignore W-...`) and the
 * programs that read it, so codes are added, never renamed.
 *
 * The library's codes come first (the loader's E-, lint's W- and N-), then the codes of
 * the embargo program (test T-, diff D-, errors of check, screen and serve). This file
 * is the register: tests/diagnostics/check-codes.py fails when a "X-..." code literal
 * in the sources is not here, when a code here is not in docs/diagnostics.md, or when
 * the document names a code that is not here or gives it another severity.
 *
 * Usage:
 *   #define ROW(code, sev, summary) { code, EMBARGO_SEVERITY_##sev, summary },
 *   static const Row rows[] = { EMBARGO_DIAGNOSTIC_CODES (ROW) };
 */
#ifndef EMBARGO_DIAGNOSTIC_CODES_H
#define EMBARGO_DIAGNOSTIC_CODES_H

/* clang-format off */
#define EMBARGO_DIAGNOSTIC_CODES(X) \
  /* ---- the loader: the rule set is not loaded ---- */ \
  X ("E-SYNTAX", ERROR, "the file is not well-formed YAML") \
  X ("E-ENCODING", ERROR, "the file is not valid UTF-8") \
  X ("E-LIMIT", ERROR, "a resource limit was exceeded (size, depth, number of rules)") \
  X ("E-UNKNOWN-KEY", ERROR, "a key the rule format does not define") \
  X ("E-TYPE", ERROR, "a value of the wrong kind (a list where text is needed, ...)") \
  X ("E-VALUE", ERROR, "a value outside what the field allows") \
  X ("E-REQUIRED", ERROR, "a required field is missing") \
  X ("E-DATE", ERROR, "not a valid YYYY-MM-DD date") \
  X ("E-DATE-WINDOW", ERROR, "an end date not after the start date: never in force") \
  X ("E-PATH", ERROR, "not a valid field path") \
  X ("E-CONDITION", ERROR, "a malformed condition") \
  X ("E-COUNTRY", ERROR, "not an ISO 3166 country or region code") \
  X ("E-IDENTIFIER", ERROR, "an identifier (ECCN, HS code, tag, ...) with no canonical form: it would never match") \
  X ("E-DUPLICATE-ID", ERROR, "a rule or list id defined twice") \
  X ("E-UNKNOWN-LIST", ERROR, "in_list names a list that does not exist") \
  X ("E-UNKNOWN-RULE", ERROR, "lifts or superseded_by names a rule that does not exist") \
  X ("E-CROSS-REGIME", ERROR, "an exception lifts a rule of another regime") \
  X ("E-LIFTS", ERROR, "lifts on a rule that is not allow, or lifting an allow rule") \
  X ("E-EMPTY", ERROR, "a rule file with neither rules nor lists, or a rule set with no rules") \
  X ("E-IO", ERROR, "a path that cannot be read: missing, a dangling link, a link loop, not a file") \
  X ("E-RULES-IN-TESTS", ERROR, "a file named *.tests.yaml that holds rules or lists (never loaded)") \
  X ("E-LOCK", ERROR, "rule files that do not match the embargo.lock of their directory") \
  X ("E-DIGEST", ERROR, "a rule set whose digest is not the one expected") \
  X ("E-VERSION", ERROR, "EmbargoLimits of another header version (not from EMBARGO_LIMITS_INIT)") \
  X ("E-TRANSACTION", ERROR, "a transaction document breaks the schema") \
  /* ---- lint: rules that load but probably do not say what was meant ---- */ \
  X ("W-SHADOWED", WARNING, "a rule that can never decide: another always applies with it and wins") \
  X ("W-NEVER-HOLDS", WARNING, "a rule whose conditions can never hold together") \
  X ("W-LIFTS-UNMATCHED", WARNING, "an exception lifts a tag that no rule of its regime has") \
  X ("W-LIFTS-DISJOINT", WARNING, "an exception can never apply together with a rule it lifts") \
  X ("W-EXPIRED", WARNING, "a rule no longer in force, with no successor, that a rule in force refers to") \
  X ("W-CITATION-PLACEHOLDER", WARNING, "a citation that looks like a placeholder") \
  X ("W-SOURCE-URL-PLACEHOLDER", WARNING, "a source_url that points at no real publication") \
  X ("W-ALLOW-NO-LIFTS", WARNING, "an allow rule that lifts nothing: it can never decide") \
  X ("W-MESSAGE-FALLBACK", WARNING, "a message placeholder on a fact that can be absent, with no fallback") \
  X ("W-UNUSED-LIST", WARNING, "a list no rule uses, defined beside rules") \
  X ("W-FIELD-TYPO", WARNING, "a field path that is a near miss of a contract field (did you mean)") \
  X ("W-FIELD-UNKNOWN", WARNING, "a field path in neither the contract nor any test's transaction") \
  X ("W-YAML11-BOOLEAN", WARNING, "equals: yes/no/on/off, text in YAML 1.2 that never equals a boolean") \
  X ("W-OPERAND-TYPE", WARNING, "a comparison whose operand can never match the type of the contract field it tests") \
  X ("N-EXPIRED", NOTE, "a rule no longer in force, with no successor, kept as history") \
  X ("N-EXPIRED-SUPERSEDED", NOTE, "a rule no longer in force, kept beside its successor") \
  X ("N-IF-MISSING-FALSE", NOTE, "a condition that an absent fact makes false (if_missing: false)") \
  X ("N-SOURCE-URL-HTTP", NOTE, "a source_url that is not https") \
  X ("N-UNUSED-LIST", NOTE, "a list no rule uses, in a file of lists only") \
  X ("N-UNVERIFIED", NOTE, "a rule that says part of it is not verified") \
  X ("N-EXCEPTION-NAME-ONLY", NOTE, "an exception that identifies a party by name alone") \
  /* ---- embargo test ---- */ \
  X ("T-CASE-FAILED", ERROR, "a test case whose expectation did not hold") \
  X ("T-SUITE", ERROR, "a test file that could not be read, parsed or run") \
  X ("T-COVERAGE", ERROR, "rule coverage below --min-coverage") \
  X ("T-RULE-UNCOVERED", WARNING, "a rule that decided no case that asserts it") \
  X ("T-EXCEPTION-UNCOVERED", NOTE, "an exception never seen applying, or never seen not applying") \
  /* ---- embargo diff ---- */ \
  X ("D-DECISION-GATE", ERROR, "decisions that changed in a way --fail-on names") \
  X ("D-DECISION-CHANGED", NOTE, "decisions that changed in a way the gate allows") \
  X ("D-RULE-ADDED", NOTE, "a rule added") \
  X ("D-RULE-REMOVED", NOTE, "a rule removed") \
  X ("D-RULE-CHANGED", NOTE, "a rule whose fingerprint changed") \
  /* ---- errors of the embargo program that are about no rule file ---- */ \
  X ("E-EVAL", ERROR, "the evaluation failed (such as a bad --as-of)") \
  X ("E-LIST", ERROR, "a screening list that cannot be read") \
  X ("E-SCREEN", ERROR, "a name that cannot be screened (such as one that is not UTF-8)") \
  X ("E-BATCH", ERROR, "a line of a screening batch that cannot be screened") \
  X ("E-RECORD", ERROR, "a decision that could not be written to the records") \
  /* ---- embargo serve: what is wrong with the request ---- */ \
  X ("E-REQUEST", ERROR, "a request the endpoint does not accept (an unknown parameter or key)") \
  X ("E-UNAUTHORIZED", ERROR, "a reload without the bearer token") \
  X ("E-FORBIDDEN", ERROR, "a reload on a service beyond loopback without a token file") \
  X ("E-NOT-FOUND", ERROR, "no such endpoint") \
  X ("E-METHOD", ERROR, "the endpoint exists for another method") \
  X ("E-TOO-LARGE", ERROR, "a body over the size limit") \
  X ("E-MEDIA-TYPE", ERROR, "a Content-Type the endpoint does not read") \
  X ("E-RELOAD", ERROR, "a reload whose rules did not load (the rules served before stay)") \
  X ("E-DRAINING", ERROR, "the service is shutting down")
/* clang-format on */

#endif
