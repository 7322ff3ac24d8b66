/* report.h: the machine-readable output formats shared by lint, test and diff.
 *
 * A command fills a Report: findings (a position, a severity, a code, a message) and,
 * for commands that run tests, cases (passed or failed). The emitters turn it into
 * the format CI wants:
 *
 *   text    file:line:col: severity: message [CODE], one a line (commands print their
 *           own summary after it)
 *   json    {"command":..., "findings":[...], "cases":[...], ...} on one line; the
 *           command may add members of its own through a callback
 *   junit   JUnit XML: a <testsuite> per group (file), a <testcase> per case, with
 *           <failure> when it failed and <error> when it could not run
 *   sarif   SARIF 2.1.0: one run, tool.driver.rules for the codes used, a result per
 *           finding, each with a location (a finding about no file is at the anchor)
 *   github  GitHub Actions workflow commands, ::error/::warning/::notice per finding
 *   markdown  a heading, the command's summary (report_set_summary) and a table of the
 *           findings: for a CI job summary ($GITHUB_STEP_SUMMARY), which renders it
 *
 * Every emitter writes to a FILE and returns FALSE when the write failed. Strings in a
 * Report are owned by it.
 */
#ifndef EMBARGO_REPORT_H
#define EMBARGO_REPORT_H

#include <embargo/embargo.h>
#include <stdio.h>
#include <yajl/yajl_gen.h>

/* REPORT_HTML is written by the command itself (html.h), never by report_write(). */
typedef enum {
  REPORT_TEXT, REPORT_JSON, REPORT_JUNIT, REPORT_SARIF, REPORT_GITHUB, REPORT_HTML,
  REPORT_MARKDOWN
} ReportFormat;

/* Parses NAME ("text", "json", ...) into *OUT. ALLOWED is a bit set of (1 << format)
 * the command supports; prints an error naming them and returns FALSE otherwise. */
gboolean report_format_parse (const char *command, const char *name, unsigned allowed,
                              ReportFormat *out);
/* What lint and test speak: all but html. */
#define REPORT_ALL_FORMATS 0x5Fu

/* Parses "error", "warning" or "note". */
gboolean report_level_parse (const char *name, EmbargoSeverity *out);
const char *report_severity_name (EmbargoSeverity sev);

typedef struct {
  EmbargoSeverity severity;
  char *code;
  char *file;         /* may be NULL: a finding about no file */
  unsigned line, column;
  char *message;      /* may hold newlines */
  char *context;      /* NULL, or a second position that explains the first: */
  char *context_file; /* "rule 'x' is defined here" (EmbargoDiagnostic's context) */
  unsigned context_line, context_column;
} ReportFinding;

typedef struct {
  char *group;        /* JUnit testsuite: the file */
  char *name;
  char *file;
  unsigned line;
  char *failure;      /* NULL: passed; else why, possibly several lines */
  double seconds;
  gboolean error;     /* could not run (failure says why): JUnit <error>, not <failure> */
} ReportCase;

typedef struct {
  const char *command;  /* "lint", "test", "diff" (static) */
  GArray *findings;     /* ReportFinding */
  GArray *cases;        /* ReportCase */
  char *summary;        /* Markdown shown above the findings (may be NULL) */
  char *anchor;         /* where a finding about no file is shown (SARIF needs a place:
                         * GitHub rejects a whole file for one result without one); the
                         * first PATH, or the corpus. NULL: "." */
} Report;

Report *report_new (const char *command);
void report_free (Report *r);
void report_set_anchor (Report *r, const char *path);
/* Markdown (already escaped) for the top of the Markdown report: the counts. */
void report_set_summary (Report *r, const char *markdown);

/* Appends TEXT to OUT as Markdown inline text: what Markdown would read as markup is
 * escaped, a newline is <br> (so that it stays in a table cell), and what a terminal
 * would obey is escaped as for one. */
void report_markdown_append (GString *out, const char *text);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Report, report_free)

void report_add_finding (Report *r, EmbargoSeverity sev, const char *code, const char *file,
                         unsigned line, unsigned column, const char *fmt, ...)
  G_GNUC_PRINTF (7, 8);
void report_add_diagnostic (Report *r, const EmbargoDiagnostic *d);
/* X's context as a compiler's note line ("file:line:col: note: ..."), or NULL. */
char *report_context_line (const ReportFinding *x);
void report_add_case (Report *r, const char *group, const char *name, const char *file,
                      unsigned line, const char *failure);
/* A case (or a whole suite) that could not run: a test file that does not parse, a
 * missing file, rules that did not load. Never left out of a report. */
void report_add_error_case (Report *r, const char *group, const char *name, const char *file,
                            unsigned line, const char *why);

/* Findings at SEV or above. */
gsize report_count_at_least (const Report *r, EmbargoSeverity sev);

/* Writes the findings at MIN or above in FORMAT to F. For REPORT_JSON, EXTRA (may be
 * NULL) is called inside the top-level map to add the command's own members. Text
 * prints only the finding lines. */
typedef void (*ReportJsonExtra) (yajl_gen g, gpointer data);
gboolean report_write (FILE *f, const Report *r, ReportFormat format, EmbargoSeverity min,
                       ReportJsonExtra extra, gpointer data);

/* yajl helpers for the commands' own JSON members. */
void report_json_str (yajl_gen g, const char *s);           /* NULL writes null */
void report_json_key (yajl_gen g, const char *key);
void report_json_kv_str (yajl_gen g, const char *key, const char *value);
void report_json_kv_int (yajl_gen g, const char *key, long long value);
void report_json_kv_double (yajl_gen g, const char *key, double value);

#endif
