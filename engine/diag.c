/* diag.c: diagnostics (compiler-style, positioned) and the error domains. */
#include "embargo-private.h"

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

void
diags_add (EmbargoDiagnostics *d, EmbargoSeverity sev, const char *code, const char *source,
           unsigned line, unsigned col, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
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
      if (s->len)
        g_string_append_c (s, '\n');
      g_string_append (s, line);
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

char *
embargo_diagnostic_format (const EmbargoDiagnostic *diag)
{
  g_return_val_if_fail (diag != NULL, NULL);
  const char *sev = severity_names[CLAMP ((int) diag->severity, 0, 2)];
  if (diag->line == 0)
    return g_strdup_printf ("%s: %s: %s [%s]", diag->source, sev, diag->message, diag->code);
  return g_strdup_printf ("%s:%u:%u: %s: %s [%s]", diag->source, diag->line, diag->column, sev,
                          diag->message, diag->code);
}
