/* report.c: the output formats shared by lint, test and diff (see report.h).
 *
 * JSON and SARIF are written with yajl's generator, never by hand, so every string is
 * escaped by one well-tested routine; XML goes through g_markup_escape_text for the
 * same reason. Each emitter is a straight walk over the Report: formats differ in
 * shape, not in what they say, and a finding reads the same in all of them.
 */
#include "report.h"

#include <stdarg.h>
#include <string.h>

static const char *const format_names[] = { "text", "json", "junit", "sarif", "github",
                                             "html", "markdown" };

gboolean
report_format_parse (const char *command, const char *name, unsigned allowed, ReportFormat *out)
{
  for (unsigned i = 0; i < G_N_ELEMENTS (format_names); i++)
    if ((allowed & (1u << i)) && strcmp (name, format_names[i]) == 0)
      {
        *out = (ReportFormat) i;
        return TRUE;
      }
  g_autoptr (GString) list = g_string_new (NULL);
  for (unsigned i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (allowed & (1u << i))
      g_string_append_printf (list, "%s%s", list->len ? ", " : "", format_names[i]);
  fprintf (stderr, "embargo %s: error: unknown format '%s' (%s)\n", command, name, list->str);
  return FALSE;
}

static const char *const severity_names[] = { "note", "warning", "error" };

const char *
report_severity_name (EmbargoSeverity sev)
{
  return severity_names[CLAMP ((int) sev, 0, 2)];
}

gboolean
report_level_parse (const char *name, EmbargoSeverity *out)
{
  for (int i = 0; i < 3; i++)
    if (strcmp (name, severity_names[i]) == 0)
      {
        *out = (EmbargoSeverity) i;
        return TRUE;
      }
  return FALSE;
}

/* ---- the report ---- */

static void
finding_clear (gpointer p)
{
  ReportFinding *f = p;
  g_free (f->code);
  g_free (f->file);
  g_free (f->message);
  g_free (f->context);
  g_free (f->context_file);
}

static void
case_clear (gpointer p)
{
  ReportCase *c = p;
  g_free (c->group);
  g_free (c->name);
  g_free (c->file);
  g_free (c->failure);
}

Report *
report_new (const char *command)
{
  Report *r = g_new0 (Report, 1);
  r->command = command;
  r->findings = g_array_new (FALSE, TRUE, sizeof (ReportFinding));
  g_array_set_clear_func (r->findings, finding_clear);
  r->cases = g_array_new (FALSE, TRUE, sizeof (ReportCase));
  g_array_set_clear_func (r->cases, case_clear);
  return r;
}

void
report_free (Report *r)
{
  if (r == NULL)
    return;
  g_array_free (r->findings, TRUE);
  g_array_free (r->cases, TRUE);
  g_free (r->anchor);
  g_free (r->summary);
  g_free (r);
}

void
report_set_summary (Report *r, const char *markdown)
{
  g_free (r->summary);
  r->summary = g_strdup (markdown);
}

void
report_set_anchor (Report *r, const char *path)
{
  g_free (r->anchor);
  r->anchor = g_strdup (path);
}

void
report_add_finding (Report *r, EmbargoSeverity sev, const char *code, const char *file,
                    unsigned line, unsigned column, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  ReportFinding f = { .severity = sev, .code = g_strdup (code), .file = g_strdup (file),
                      .line = line, .column = column, .message = g_strdup_vprintf (fmt, ap) };
  va_end (ap);
  g_array_append_val (r->findings, f);
}

void
report_add_diagnostic (Report *r, const EmbargoDiagnostic *d)
{
  report_add_finding (r, d->severity, d->code, d->source, d->line, d->column, "%s", d->message);
  if (d->context)
    {
      ReportFinding *f = &g_array_index (r->findings, ReportFinding, r->findings->len - 1);
      f->context = g_strdup (d->context);
      f->context_file = g_strdup (d->context_source);
      f->context_line = d->context_line;
      f->context_column = d->context_column;
    }
}

char *
report_context_line (const ReportFinding *x)
{
  if (x->context == NULL)
    return NULL;
  if (x->context_line == 0)
    return g_strdup_printf ("%s: note: %s", x->context_file, x->context);
  return g_strdup_printf ("%s:%u:%u: note: %s", x->context_file, x->context_line,
                          x->context_column, x->context);
}

void
report_add_case (Report *r, const char *group, const char *name, const char *file, unsigned line,
                 const char *failure)
{
  ReportCase c = { g_strdup (group), g_strdup (name), g_strdup (file), line, g_strdup (failure),
                   0, FALSE };
  g_array_append_val (r->cases, c);
}

void
report_add_error_case (Report *r, const char *group, const char *name, const char *file,
                       unsigned line, const char *why)
{
  report_add_case (r, group, name, file, line, why ? why : "could not run");
  g_array_index (r->cases, ReportCase, r->cases->len - 1).error = TRUE;
}

gsize
report_count_at_least (const Report *r, EmbargoSeverity sev)
{
  gsize n = 0;
  for (guint i = 0; i < r->findings->len; i++)
    n += g_array_index (r->findings, ReportFinding, i).severity >= sev;
  return n;
}

/* ---- JSON helpers ---- */

void
report_json_str (yajl_gen g, const char *s)
{
  if (s == NULL)
    yajl_gen_null (g);
  else
    yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

void
report_json_key (yajl_gen g, const char *key)
{
  report_json_str (g, key);
}

void
report_json_kv_str (yajl_gen g, const char *key, const char *value)
{
  report_json_key (g, key);
  report_json_str (g, value);
}

void
report_json_kv_int (yajl_gen g, const char *key, long long value)
{
  report_json_key (g, key);
  yajl_gen_integer (g, value);
}

void
report_json_kv_double (yajl_gen g, const char *key, double value)
{
  report_json_key (g, key);
  yajl_gen_double (g, value);
}

static gboolean
flush_gen (FILE *f, yajl_gen g)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  /* What yajl leaves raw and a terminal would obey becomes \u escapes. */
  g_autofree char *safe = embargo_text_escape ((const char *) buf, (gssize) len,
                                               EMBARGO_ESCAPE_JSON);
  len = strlen (safe);
  gboolean ok = fwrite (safe, 1, len, f) == len && fputc ('\n', f) != EOF;
  yajl_gen_free (g);
  return ok;
}

static void
json_findings (yajl_gen g, const Report *r, EmbargoSeverity min)
{
  report_json_key (g, "findings");
  yajl_gen_array_open (g);
  for (guint i = 0; i < r->findings->len; i++)
    {
      const ReportFinding *x = &g_array_index (r->findings, ReportFinding, i);
      if (x->severity < min)
        continue;
      yajl_gen_map_open (g);
      report_json_kv_str (g, "file", x->file);
      report_json_kv_int (g, "line", x->line);
      report_json_kv_int (g, "column", x->column);
      report_json_kv_str (g, "severity", report_severity_name (x->severity));
      report_json_kv_str (g, "code", x->code);
      report_json_kv_str (g, "message", x->message);
      if (x->context)
        {
          report_json_key (g, "context");
          yajl_gen_map_open (g);
          report_json_kv_str (g, "file", x->context_file);
          report_json_kv_int (g, "line", x->context_line);
          report_json_kv_int (g, "column", x->context_column);
          report_json_kv_str (g, "message", x->context);
          yajl_gen_map_close (g);
        }
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static gboolean
write_json (FILE *f, const Report *r, EmbargoSeverity min, ReportJsonExtra extra, gpointer data)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  report_json_kv_str (g, "tool", "embargo");
  report_json_kv_str (g, "version", embargo_version_string ());
  report_json_kv_str (g, "command", r->command);
  json_findings (g, r, min);
  if (r->cases->len)
    {
      report_json_key (g, "cases");
      yajl_gen_array_open (g);
      for (guint i = 0; i < r->cases->len; i++)
        {
          const ReportCase *c = &g_array_index (r->cases, ReportCase, i);
          yajl_gen_map_open (g);
          report_json_kv_str (g, "file", c->file);
          report_json_kv_int (g, "line", c->line);
          report_json_kv_str (g, "name", c->name);
          report_json_key (g, "passed");
          yajl_gen_bool (g, c->failure == NULL);
          if (c->failure)
            report_json_kv_str (g, c->error ? "error" : "failure", c->failure);
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
    }
  if (extra)
    extra (g, data);
  yajl_gen_map_close (g);
  return flush_gen (f, g);
}

/* ---- SARIF 2.1.0 ---- */

static const char *
sarif_level (EmbargoSeverity sev)
{
  return sev == EMBARGO_SEVERITY_ERROR ? "error" : sev == EMBARGO_SEVERITY_WARNING ? "warning"
                                                                                   : "note";
}

/* "physicalLocation": {"artifactLocation": {"uri"}, "region": {...}} inside an open map. */
static void
sarif_physical (yajl_gen g, const char *file, unsigned line, unsigned column)
{
  g_autofree char *uri = g_uri_escape_string (file, "/", FALSE);
  report_json_key (g, "physicalLocation");
  yajl_gen_map_open (g);
  report_json_key (g, "artifactLocation");
  yajl_gen_map_open (g);
  report_json_kv_str (g, "uri", uri);
  yajl_gen_map_close (g);
  if (line)
    {
      report_json_key (g, "region");
      yajl_gen_map_open (g);
      report_json_kv_int (g, "startLine", line);
      if (column)
        report_json_kv_int (g, "startColumn", column);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
}

static gboolean
write_sarif (FILE *f, const Report *r, EmbargoSeverity min)
{
  /* The codes used, in order of first use: tool.driver.rules, and each result's index. */
  g_autoptr (GPtrArray) codes = g_ptr_array_new ();
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < r->findings->len; i++)
    {
      const ReportFinding *x = &g_array_index (r->findings, ReportFinding, i);
      if (x->severity >= min && !g_hash_table_contains (index, x->code))
        {
          g_hash_table_insert (index, x->code, GUINT_TO_POINTER (codes->len));
          g_ptr_array_add (codes, x->code);
        }
    }
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_map_open (g);
  report_json_kv_str (g, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  report_json_kv_str (g, "version", "2.1.0");
  report_json_key (g, "runs");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  report_json_key (g, "tool");
  yajl_gen_map_open (g);
  report_json_key (g, "driver");
  yajl_gen_map_open (g);
  report_json_kv_str (g, "name", "embargo");
  report_json_kv_str (g, "semanticVersion", embargo_version_string ());
  report_json_key (g, "rules");
  yajl_gen_array_open (g);
  for (guint i = 0; i < codes->len; i++)
    {
      const char *code = g_ptr_array_index (codes, i);
      const char *desc = embargo_diagnostic_code_describe (code);
      yajl_gen_map_open (g);
      report_json_kv_str (g, "id", code);
      report_json_key (g, "shortDescription");
      yajl_gen_map_open (g);
      report_json_kv_str (g, "text", desc ? desc : code);
      yajl_gen_map_close (g);
      EmbargoSeverity level;
      if (embargo_diagnostic_code_get_severity (code, &level))
        {
          report_json_key (g, "defaultConfiguration");
          yajl_gen_map_open (g);
          report_json_kv_str (g, "level", sarif_level (level));
          yajl_gen_map_close (g);
        }
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g); /* driver */
  yajl_gen_map_close (g); /* tool */
  report_json_key (g, "results");
  yajl_gen_array_open (g);
  for (guint i = 0; i < r->findings->len; i++)
    {
      const ReportFinding *x = &g_array_index (r->findings, ReportFinding, i);
      if (x->severity < min)
        continue;
      yajl_gen_map_open (g);
      report_json_kv_str (g, "ruleId", x->code);
      report_json_kv_int (g, "ruleIndex", GPOINTER_TO_UINT (g_hash_table_lookup (index, x->code)));
      report_json_kv_str (g, "level", sarif_level (x->severity));
      report_json_key (g, "message");
      yajl_gen_map_open (g);
      report_json_kv_str (g, "text", x->message);
      yajl_gen_map_close (g);
      /* Every result has a location: GitHub refuses the whole file otherwise. */
      report_json_key (g, "locations");
      yajl_gen_array_open (g);
      yajl_gen_map_open (g);
      sarif_physical (g, x->file ? x->file : r->anchor ? r->anchor : ".", x->line, x->column);
      yajl_gen_map_close (g);
      yajl_gen_array_close (g);
      if (x->context)
        {
          report_json_key (g, "relatedLocations");
          yajl_gen_array_open (g);
          yajl_gen_map_open (g);
          report_json_kv_int (g, "id", 1);
          sarif_physical (g, x->context_file, x->context_line, x->context_column);
          report_json_key (g, "message");
          yajl_gen_map_open (g);
          report_json_kv_str (g, "text", x->context);
          yajl_gen_map_close (g);
          yajl_gen_map_close (g);
          yajl_gen_array_close (g);
        }
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  yajl_gen_map_close (g); /* run */
  yajl_gen_array_close (g);
  yajl_gen_map_close (g);
  return flush_gen (f, g);
}

/* ---- JUnit XML ---- */

/* XML text: control characters are not allowed in XML 1.0, even as references, so
 * they are escaped as for a terminal (newlines kept) before the markup is. */
static char *
xml_text (const char *value)
{
  g_autofree char *safe = embargo_text_escape (value ? value : "", -1, EMBARGO_ESCAPE_LINES);
  return g_markup_escape_text (safe, -1);
}

static void
xml_attr (GString *out, const char *name, const char *value)
{
  g_autofree char *esc = xml_text (value);
  g_string_append_printf (out, " %s=\"%s\"", name, esc);
}

static gboolean
write_junit (FILE *f, const Report *r)
{
  g_autoptr (GString) out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  /* Groups in order of first appearance. */
  g_autoptr (GPtrArray) groups = g_ptr_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gsize failures = 0, errors = 0;
  for (guint i = 0; i < r->cases->len; i++)
    {
      const ReportCase *c = &g_array_index (r->cases, ReportCase, i);
      if (g_hash_table_add (seen, c->group))
        g_ptr_array_add (groups, c->group);
      failures += c->failure != NULL && !c->error;
      errors += c->error;
    }
  g_autofree char *title = g_strdup_printf ("embargo %s", r->command);
  g_string_append (out, "<testsuites");
  xml_attr (out, "name", title);
  g_string_append_printf (out, " tests=\"%u\" failures=\"%zu\" errors=\"%zu\">\n",
                          r->cases->len, failures, errors);
  for (guint gi = 0; gi < groups->len; gi++)
    {
      const char *group = g_ptr_array_index (groups, gi);
      gsize n = 0, nf = 0, ne = 0;
      for (guint i = 0; i < r->cases->len; i++)
        {
          const ReportCase *c = &g_array_index (r->cases, ReportCase, i);
          if (strcmp (c->group, group) == 0)
            n++, nf += c->failure != NULL && !c->error, ne += c->error;
        }
      g_string_append (out, "  <testsuite");
      xml_attr (out, "name", group);
      g_string_append_printf (out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                              "skipped=\"0\">\n", n, nf, ne);
      for (guint i = 0; i < r->cases->len; i++)
        {
          const ReportCase *c = &g_array_index (r->cases, ReportCase, i);
          if (strcmp (c->group, group) != 0)
            continue;
          g_string_append (out, "    <testcase");
          xml_attr (out, "classname", group);
          xml_attr (out, "name", c->name);
          if (c->file)
            xml_attr (out, "file", c->file);
          if (c->line)
            g_string_append_printf (out, " line=\"%u\"", c->line);
          g_string_append_printf (out, " time=\"%.3f\"", c->seconds);
          if (c->failure == NULL)
            {
              g_string_append (out, "/>\n");
              continue;
            }
          g_autofree char *first = g_strndup (c->failure, strcspn (c->failure, "\n"));
          g_autofree char *body = xml_text (c->failure);
          const char *tag = c->error ? "error" : "failure";
          g_string_append_printf (out, ">\n      <%s", tag);
          xml_attr (out, "message", first);
          xml_attr (out, "type", r->command);
          g_string_append_printf (out, ">%s</%s>\n    </testcase>\n", body, tag);
        }
      g_string_append (out, "  </testsuite>\n");
    }
  g_string_append (out, "</testsuites>\n");
  return fwrite (out->str, 1, out->len, f) == out->len;
}

/* ---- GitHub Actions workflow commands ---- */

/* Workflow command escaping: data escapes %, CR, LF; properties also ':' and ','. */
static void
gh_escape (GString *out, const char *raw, gboolean property)
{
  /* The log renders colour sequences: those are escaped as for a terminal first, line
   * by line, the lines then joined by GitHub's own escape. */
  g_autofree char *s = embargo_text_escape (raw, -1, EMBARGO_ESCAPE_LINES);
  for (const char *p = s; *p; p++)
    switch (*p)
      {
      case '%': g_string_append (out, "%25"); break;
      case '\r': g_string_append (out, "%0D"); break;
      case '\n': g_string_append (out, "%0A"); break;
      case ':': g_string_append (out, property ? "%3A" : ":"); break;
      case ',': g_string_append (out, property ? "%2C" : ","); break;
      default: g_string_append_c (out, *p);
      }
}

static gboolean
write_github (FILE *f, const Report *r, EmbargoSeverity min)
{
  g_autoptr (GString) out = g_string_new (NULL);
  for (guint i = 0; i < r->findings->len; i++)
    {
      const ReportFinding *x = &g_array_index (r->findings, ReportFinding, i);
      if (x->severity < min)
        continue;
      g_string_append_printf (out, "::%s ", x->severity == EMBARGO_SEVERITY_ERROR ? "error"
                                            : x->severity == EMBARGO_SEVERITY_WARNING ? "warning"
                                                                                      : "notice");
      if (x->file)
        {
          g_string_append (out, "file=");
          gh_escape (out, x->file, TRUE);
          if (x->line)
            g_string_append_printf (out, ",line=%u", x->line);
          if (x->column)
            g_string_append_printf (out, ",col=%u", x->column);
          g_string_append_c (out, ',');
        }
      g_string_append (out, "title=");
      gh_escape (out, x->code, TRUE);
      g_string_append (out, "::");
      g_autofree char *note = report_context_line (x);
      g_autofree char *message = note ? g_strdup_printf ("%s [%s]\n%s", x->message, x->code,
                                                         note)
                                      : g_strdup_printf ("%s [%s]", x->message, x->code);
      gh_escape (out, message, FALSE);
      g_string_append_c (out, '\n');
    }
  return fwrite (out->str, 1, out->len, f) == out->len;
}

static gboolean
write_text (FILE *f, const Report *r, EmbargoSeverity min)
{
  for (guint i = 0; i < r->findings->len; i++)
    {
      const ReportFinding *x = &g_array_index (r->findings, ReportFinding, i);
      if (x->severity < min)
        continue;
      g_autofree char *file = x->file ? embargo_text_escape (x->file, -1, EMBARGO_ESCAPE_TEXT)
                                      : NULL;
      g_autofree char *message = embargo_text_escape (x->message, -1, EMBARGO_ESCAPE_LINES);
      if (file && x->line)
        fprintf (f, "%s:%u:%u: ", file, x->line, x->column);
      else if (file)
        fprintf (f, "%s: ", file);
      fprintf (f, "%s: %s [%s]\n", report_severity_name (x->severity), message, x->code);
      g_autofree char *note = report_context_line (x);
      g_autofree char *safe_note = note ? embargo_text_escape (note, -1, EMBARGO_ESCAPE_TEXT)
                                        : NULL;
      if (safe_note)
        fprintf (f, "%s\n", safe_note);
    }
  return !ferror (f);
}

/* ---- Markdown (a CI job summary) ---- */

void
report_markdown_append (GString *out, const char *text)
{
  g_autofree char *safe = embargo_text_escape (text ? text : "", -1, EMBARGO_ESCAPE_LINES);
  for (const char *p = safe; *p; p++)
    switch (*p)
      {
      case '\n': g_string_append (out, "<br>"); break;
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '~':
      case '#':
        g_string_append_c (out, '\\');
        g_string_append_c (out, *p);
        break;
      default: g_string_append_c (out, *p);
      }
}

static gboolean
write_markdown (FILE *f, const Report *r, EmbargoSeverity min)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_string_append_printf (out, "### embargo %s\n\n", r->command);
  if (r->summary)
    g_string_append_printf (out, "%s\n\n", r->summary);
  gsize shown = 0;
  for (guint i = 0; i < r->findings->len; i++)
    {
      const ReportFinding *x = &g_array_index (r->findings, ReportFinding, i);
      if (x->severity < min)
        continue;
      if (shown++ == 0)
        g_string_append (out, "| severity | where | code | message |\n| --- | --- | --- | --- |\n");
      g_string_append_printf (out, "| %s | ", report_severity_name (x->severity));
      if (x->file)
        {
          g_autofree char *where = x->line ? g_strdup_printf ("%s:%u:%u", x->file, x->line,
                                                              x->column)
                                           : g_strdup (x->file);
          report_markdown_append (out, where);
        }
      g_string_append (out, " | ");
      report_markdown_append (out, x->code);
      g_string_append (out, " | ");
      report_markdown_append (out, x->message);
      g_autofree char *note = report_context_line (x);
      if (note)
        {
          g_string_append (out, "<br>");
          report_markdown_append (out, note);
        }
      g_string_append (out, " |\n");
    }
  if (shown == 0)
    g_string_append_printf (out, "No findings at %s or above.\n", report_severity_name (min));
  return fwrite (out->str, 1, out->len, f) == out->len;
}

gboolean
report_write (FILE *f, const Report *r, ReportFormat format, EmbargoSeverity min,
              ReportJsonExtra extra, gpointer data)
{
  switch (format)
    {
    case REPORT_TEXT: return write_text (f, r, min);
    case REPORT_JSON: return write_json (f, r, min, extra, data);
    case REPORT_JUNIT: return write_junit (f, r);
    case REPORT_SARIF: return write_sarif (f, r, min);
    case REPORT_GITHUB: return write_github (f, r, min);
    case REPORT_MARKDOWN: return write_markdown (f, r, min);
    case REPORT_HTML: break;
    }
  return FALSE;
}
