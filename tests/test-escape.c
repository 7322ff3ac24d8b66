/* test-escape.c: embargo_text_escape(), the one routine behind every piece of text from
 * input that the library or the program shows (docs/cli.md, docs/reliability.md). */
#include "tests.h"

#include <string.h>

static void
check (const char *in, gssize len, EmbargoEscapeMode mode, const char *want)
{
  char *got = embargo_text_escape (in, len, mode);
  CU_ASSERT_STRING_EQUAL (got, want);
  if (strcmp (got, want) != 0)
    fprintf (stderr, "\nescape: got '%s', want '%s'\n", got, want);
  g_free (got);
}

static void
test_escape_text (void)
{
  /* Plain text, non-ASCII letters and backslashes stay as they are. */
  check ("PO-2023 Ünïcødé 有限公司 a\\b", -1, EMBARGO_ESCAPE_TEXT, "PO-2023 Ünïcødé 有限公司 a\\b");
  /* C0, DEL: \n, \r, \t by name, the others in hex. */
  check ("a\x1b[1;32mALLOW\x1b[0m\n\r\t\x01\x7f", -1, EMBARGO_ESCAPE_TEXT,
         "a\\x1b[1;32mALLOW\\x1b[0m\\n\\r\\t\\x01\\x7f");
  /* C1 (CSI U+009B, NEL U+0085), the bidirectional marks, embeddings, overrides and
   * isolates, the line and paragraph separators. */
  check ("\xc2\x9b" "2J\xc2\x85", -1, EMBARGO_ESCAPE_TEXT, "\\u009b2J\\u0085");
  check ("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"
         "\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9\xe2\x80\xa8\xe2\x80\xa9",
         -1, EMBARGO_ESCAPE_TEXT,
         "\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069"
         "\\u2028\\u2029");
  /* Their neighbours are ordinary text: U+00A0, U+200D, U+2030, U+2070. */
  check ("\xc2\xa0\xe2\x80\x8d\xe2\x80\xb0\xe2\x81\xb0", -1, EMBARGO_ESCAPE_TEXT,
         "\xc2\xa0\xe2\x80\x8d\xe2\x80\xb0\xe2\x81\xb0");
  /* Bytes that are not UTF-8 (a raw C1 byte, an overlong form, a truncated sequence)
   * are shown one by one. */
  check ("x\x9b" "31m\xc0\x80\xe2\x80", -1, EMBARGO_ESCAPE_TEXT, "x\\x9b31m\\xc0\\x80\\xe2\\x80");
  /* LEN counts bytes: a NUL inside is escaped too. */
  check ("a\0b", 3, EMBARGO_ESCAPE_TEXT, "a\\x00b");
  check ("", -1, EMBARGO_ESCAPE_TEXT, "");
}

static void
test_escape_lines (void)
{
  check ("line one \x1b[2K\nline two\xe2\x80\xa8\n", -1, EMBARGO_ESCAPE_LINES,
         "line one \\x1b[2K\nline two\\u2028\n");
  check ("\r\t", -1, EMBARGO_ESCAPE_LINES, "\\r\\t");
}

static void
test_escape_json (void)
{
  /* What yajl leaves raw becomes \u escapes; structure and its escapes stay. */
  check ("{\"id\":\"a\\u001b\xe2\x80\xae\xe2\x80\xa8\xc2\x9b\x7f\",\n\"n\":1}", -1,
         EMBARGO_ESCAPE_JSON, "{\"id\":\"a\\u001b\\u202e\\u2028\\u009b\\u007f\",\n\"n\":1}");
  check ("[\"\xff\"]", -1, EMBARGO_ESCAPE_JSON, "[\"\\ufffd\"]");
  check ("[\"\xe6\x9c\x89\"]", -1, EMBARGO_ESCAPE_JSON, "[\"\xe6\x9c\x89\"]");
}

/* A diagnostic's message is one line, escaped when it is made, and its formatted form
 * escapes the source name too. */
static void
test_escape_diagnostics (void)
{
  EmbargoLoader *ld = embargo_loader_new (NULL);
  static const char yaml[] = "rules:\n  - id: k\n    \"ti\\e[31mtle\\u202e\": x\n";
  embargo_loader_add_data (ld, yaml, sizeof yaml - 1, "r\x1b[8m.yaml", NULL);
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  CU_ASSERT_PTR_NULL (rs);
  const EmbargoDiagnostics *d = embargo_loader_get_diagnostics (ld);
  CU_ASSERT_TRUE (embargo_diagnostics_get_count (d) > 0);
  const EmbargoDiagnostic *first = embargo_diagnostics_get (d, 0);
  CU_ASSERT_STRING_EQUAL (first->message, "unknown key 'ti\\x1b[31mtle\\u202e' in a rule");
  char *line = embargo_diagnostic_format (first);
  CU_ASSERT_STRING_EQUAL (line, "r\\x1b[8m.yaml:3:5: error: unknown key 'ti\\x1b[31mtle\\u202e' "
                                "in a rule [E-UNKNOWN-KEY]");
  g_free (line);
  embargo_loader_free (ld);
}

void
register_escape_tests (void)
{
  static const TestDef tests[] = {
    { "text: C0, C1, DEL, bidi, separators, bad UTF-8", test_escape_text },
    { "lines: newlines kept", test_escape_lines },
    { "JSON: raw C1, bidi and separators as \\u escapes", test_escape_json },
    { "diagnostics are escaped", test_escape_diagnostics },
    { NULL, NULL },
  };
  add_suite ("escape", tests);
}
