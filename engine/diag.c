/* diag.c: diagnostics (compiler-style, positioned) and the error domains. */
#include "diag.h"
#include "diagnostic-codes.h"

#include <string.h>

G_DEFINE_QUARK (embargo-load-error-quark, embargo_load_error)
G_DEFINE_QUARK (embargo-eval-error-quark, embargo_eval_error)

static const char *const severity_names[] = { "note", "warning", "error" };

EmbargoDiagnostics *
diags_new (void)
{
  /* The containers come with the first diagnostic: checking a valid transaction (the
   * common case, millions of times in a batch) allocates only this. */
  return g_new0 (EmbargoDiagnostics, 1);
}

void
diags_free (EmbargoDiagnostics *d)
{
  if (d == NULL)
    return;
  if (d->items)
    g_array_free (d->items, TRUE);
  if (d->strings)
    g_string_chunk_free (d->strings);
  g_free (d);
}

/* A message quotes input: it is kept escaped, one line, whoever shows it. Takes MSG. */
static char *
one_safe_line (char *msg)
{
  if (!text_needs_escape (msg, strlen (msg), EMBARGO_ESCAPE_TEXT))
    return msg;
  char *safe = embargo_text_escape (msg, -1, EMBARGO_ESCAPE_TEXT);
  g_free (msg);
  return safe;
}

void
diags_add (EmbargoDiagnostics *d, EmbargoSeverity sev, const char *code, const char *source,
           unsigned line, unsigned col, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = one_safe_line (g_strdup_vprintf (fmt, ap));
  va_end (ap);
  if (d->items == NULL)
    {
      d->items = g_array_new (FALSE, TRUE, sizeof (EmbargoDiagnostic));
      d->strings = g_string_chunk_new (1024);
    }
  EmbargoDiagnostic diag = {
    .severity = sev,
    .code = g_string_chunk_insert_const (d->strings, code),
    .source = g_string_chunk_insert_const (d->strings, source ? source : "<input>"),
    .line = line,
    .column = col,
    .message = g_string_chunk_insert (d->strings, msg),
  };
  g_array_append_val (d->items, diag);
}

void
diags_set_context (EmbargoDiagnostics *d, const char *source, unsigned line, unsigned col,
                   const char *fmt, ...)
{
  g_return_if_fail (d != NULL && d->items != NULL && d->items->len > 0);
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = one_safe_line (g_strdup_vprintf (fmt, ap));
  va_end (ap);
  EmbargoDiagnostic *x = &g_array_index (d->items, EmbargoDiagnostic, d->items->len - 1);
  x->context = g_string_chunk_insert (d->strings, msg);
  x->context_source = g_string_chunk_insert_const (d->strings, source ? source : "<input>");
  x->context_line = line;
  x->context_column = col;
}

char *
diags_join (const EmbargoDiagnostics *d, EmbargoSeverity sev)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < embargo_diagnostics_get_count (d); i++)
    {
      const EmbargoDiagnostic *x = &g_array_index (d->items, EmbargoDiagnostic, i);
      if (x->severity < sev)
        continue;
      g_autofree char *line = embargo_diagnostic_format (x);
      g_autofree char *note = embargo_diagnostic_format_context (x);
      if (s->len)
        g_string_append_c (s, '\n');
      g_string_append (s, line);
      if (note)
        g_string_append_printf (s, "\n%s", note);
    }
  return g_string_free (s, FALSE);
}

gsize
embargo_diagnostics_get_count (const EmbargoDiagnostics *diags)
{
  return diags && diags->items ? diags->items->len : 0;
}

const EmbargoDiagnostic *
embargo_diagnostics_get (const EmbargoDiagnostics *diags, gsize index)
{
  if (index >= embargo_diagnostics_get_count (diags))
    return NULL;
  return &g_array_index (diags->items, EmbargoDiagnostic, index);
}

gsize
embargo_diagnostics_count_at_least (const EmbargoDiagnostics *diags, EmbargoSeverity severity)
{
  gsize n = 0;
  for (gsize i = 0; i < embargo_diagnostics_get_count (diags); i++)
    if (g_array_index (diags->items, EmbargoDiagnostic, i).severity >= severity)
      n++;
  return n;
}

/* The register of codes (diagnostic-codes.h), in its order. */
static const struct {
  const char *code;
  EmbargoSeverity severity;
  const char *summary;
} codes[] = {
#define CODE_ROW(code, sev, summary) { code, EMBARGO_SEVERITY_##sev, summary },
  EMBARGO_DIAGNOSTIC_CODES (CODE_ROW)
#undef CODE_ROW
};

static int
code_index (const char *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++)
    if (strcmp (codes[i].code, code) == 0)
      return (int) i;
  return -1;
}

const char *
embargo_diagnostic_code_describe (const char *code)
{
  g_return_val_if_fail (code != NULL, NULL);
  int i = code_index (code);
  return i < 0 ? NULL : codes[i].summary;
}

gboolean
embargo_diagnostic_code_get_severity (const char *code, EmbargoSeverity *severity)
{
  g_return_val_if_fail (code != NULL, FALSE);
  int i = code_index (code);
  if (i >= 0 && severity)
    *severity = codes[i].severity;
  return i >= 0;
}

char *
embargo_diagnostic_format (const EmbargoDiagnostic *diag)
{
  g_return_val_if_fail (diag != NULL, NULL);
  const char *sev = severity_names[CLAMP ((int) diag->severity, 0, 2)];
  g_autofree char *source = embargo_text_escape (diag->source, -1, EMBARGO_ESCAPE_TEXT);
  g_autofree char *message = embargo_text_escape (diag->message, -1, EMBARGO_ESCAPE_TEXT);
  if (diag->line == 0)
    return g_strdup_printf ("%s: %s: %s [%s]", source, sev, message, diag->code);
  return g_strdup_printf ("%s:%u:%u: %s: %s [%s]", source, diag->line, diag->column, sev,
                          message, diag->code);
}

char *
embargo_diagnostic_format_context (const EmbargoDiagnostic *diag)
{
  g_return_val_if_fail (diag != NULL, NULL);
  if (diag->context == NULL)
    return NULL;
  g_autofree char *source = embargo_text_escape (diag->context_source, -1, EMBARGO_ESCAPE_TEXT);
  g_autofree char *message = embargo_text_escape (diag->context, -1, EMBARGO_ESCAPE_TEXT);
  if (diag->context_line == 0)
    return g_strdup_printf ("%s: note: %s", source, message);
  return g_strdup_printf ("%s:%u:%u: note: %s", source, diag->context_line,
                          diag->context_column, message);
}

/* ---- text that came from input, made safe to show ----
 *
 * Anything a transaction, a rule file or a list brings in may hold characters that a
 * terminal obeys rather than shows: C0 and C1 controls (ESC starts a colour or a cursor
 * move; U+009B is CSI on its own), DEL, the bidirectional embeddings, overrides and
 * isolates that reorder what follows, and the line and paragraph separators. Shown
 * raw, a transaction id could repaint "DENY" as a green "ALLOW" or start a line of its
 * own. These are the characters escaped. */

static gboolean
unsafe_char (gunichar c)
{
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F
         || (c >= 0x2028 && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

gboolean
text_needs_escape (const char *s, gsize len, EmbargoEscapeMode mode)
{
  /* The common case, plain ASCII, in one branch-free pass the compiler vectorises: a
   * byte below 0x20 (text only) or from 0x7F up needs a closer look. */
  const unsigned char *p = (const unsigned char *) s;
  const unsigned char low = mode == EMBARGO_ESCAPE_JSON ? 0 : 0x20;
  unsigned flag = 0;
  for (gsize i = 0; i < len; i++)
    flag |= (unsigned) (p[i] < low) | (unsigned) (p[i] >= 0x7F);
  if (!flag)
    return FALSE;
  for (gsize i = 0; i < len;)
    {
      if (p[i] < 0x80)
        {
          if ((p[i] < 0x20 && mode != EMBARGO_ESCAPE_JSON
               && !(p[i] == '\n' && mode == EMBARGO_ESCAPE_LINES))
              || p[i] == 0x7F)
            return TRUE;
          i++;
          continue;
        }
      gunichar c = g_utf8_get_char_validated (s + i, (gssize) (len - i));
      if (c == (gunichar) -1 || c == (gunichar) -2 || unsafe_char (c))
        return TRUE;
      i += (gsize) g_unichar_to_utf8 (c, NULL);
    }
  return FALSE;
}

void
text_escape_append (GString *out, const char *s, gsize len, EmbargoEscapeMode mode)
{
  const unsigned char *p = (const unsigned char *) s;
  const unsigned char low = mode == EMBARGO_ESCAPE_JSON ? 0 : 0x20;
  for (gsize i = 0; i < len;)
    {
      /* A run of printable ASCII goes in at once. */
      gsize run = i;
      while (run < len && p[run] >= low && p[run] < 0x7F)
        run++;
      g_string_append_len (out, s + i, (gssize) (run - i));
      if ((i = run) == len)
        break;
      if (p[i] < 0x80)
        {
          unsigned char b = p[i++];
          if (mode == EMBARGO_ESCAPE_JSON)
            {
              /* C0 in JSON text is structure (yajl escapes it inside strings). */
              if (b == 0x7F)
                g_string_append (out, "\\u007f");
              else
                g_string_append_c (out, (char) b);
            }
          else if (b == '\n' && mode == EMBARGO_ESCAPE_LINES)
            g_string_append_c (out, '\n');
          else if (b == '\n')
            g_string_append (out, "\\n");
          else if (b == '\r')
            g_string_append (out, "\\r");
          else if (b == '\t')
            g_string_append (out, "\\t");
          else if (b < 0x20 || b == 0x7F)
            g_string_append_printf (out, "\\x%02x", b);
          else
            g_string_append_c (out, (char) b);
          continue;
        }
      gunichar c = g_utf8_get_char_validated (s + i, (gssize) (len - i));
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8: a byte of its own, shown as such (a JSON string holds only
           * characters, so there it is the replacement character). */
          if (mode == EMBARGO_ESCAPE_JSON)
            g_string_append (out, "\\ufffd");
          else
            g_string_append_printf (out, "\\x%02x", p[i]);
          i++;
          continue;
        }
      gsize n = (gsize) g_unichar_to_utf8 (c, NULL);
      if (unsafe_char (c))
        g_string_append_printf (out, "\\u%04x", (unsigned) c);
      else
        g_string_append_len (out, s + i, (gssize) n);
      i += n;
    }
}

char *
embargo_text_escape (const char *text, gssize len, EmbargoEscapeMode mode)
{
  g_return_val_if_fail (text != NULL, NULL);
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  if (!text_needs_escape (text, n, mode))
    return g_strndup (text, n);
  GString *out = g_string_sized_new (n + 16);
  text_escape_append (out, text, n, mode);
  return g_string_free (out, FALSE);
}
