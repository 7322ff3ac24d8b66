/* csv.c: CSV records with line numbers, on top of libcsv.
 *
 * libcsv does the parsing (quotes, doubled quotes, newlines inside quotes) in strict
 * mode; this file adds what the list loaders need around it:
 *
 *  - line numbers for error messages. libcsv reports fields and records, not where
 *    they are, so the input is fed one physical line at a time and a record's line
 *    is the line being fed when its first field completes (for the usual one-line
 *    records, the line it is on);
 *  - text: every field comes out NUL-terminated and valid UTF-8. Old OFAC and CSL
 *    exports are sometimes Windows-1252; such fields are converted rather than
 *    rejected. A NUL byte inside a field is an error;
 *  - the envelope: a UTF-8 byte-order mark and the DOS end-of-file byte (^Z) that
 *    OFAC still appends are skipped.
 *
 * The first failure (syntax, encoding or the record callback's) stops the reader
 * and is returned as SCREEN_ERROR_PARSE prefixed with "file:line: ".
 */
#include "screen-private.h"

#include <csv.h>
#include <string.h>

/* The screening error domain (screen.h); defined here, at the bottom layer that reports it. */
G_DEFINE_QUARK (screen-error-quark, screen_error)

typedef struct {
  const char         *filename;
  ScreenCsvRecordFunc func;
  gpointer            user_data;
  GPtrArray          *fields;      /* of g_malloc'd char * */
  guint               line;        /* 1-based line being fed to libcsv */
  guint               record_line; /* where the current record started; 0 before its first field */
  GError             *error;       /* first failure; once set, callbacks do nothing */
} CsvReader;

static void
reader_fail (CsvReader *r, guint line, const char *message)
{
  g_set_error (&r->error, SCREEN_ERROR, SCREEN_ERROR_PARSE, "%s:%u: %s",
               r->filename, line, message);
}

static void
on_field (void *s, size_t len, void *data)
{
  CsvReader *r = data;

  if (r->error != NULL)
    return;
  if (r->record_line == 0)
    r->record_line = r->line;

  const char *text = s != NULL ? s : "";
  char *field;
  if (memchr (text, '\0', len) != NULL)
    {
      reader_fail (r, r->line, "NUL byte in a field");
      return;
    }
  if (g_utf8_validate_len (text, len, NULL))
    field = g_strndup (text, len);
  else if ((field = g_convert (text, (gssize) len, "UTF-8", "WINDOWS-1252",
                               NULL, NULL, NULL)) == NULL)
    {
      reader_fail (r, r->line, "field is neither UTF-8 nor Windows-1252 text");
      return;
    }
  g_ptr_array_add (r->fields, field);
}

static void
on_record (int terminator, void *data)
{
  CsvReader *r = data;

  if (r->error != NULL)
    return;

  guint line = r->record_line != 0 ? r->record_line : r->line;
  if (!r->func ((char **) r->fields->pdata, r->fields->len, line, r->user_data, &r->error))
    {
      if (r->error == NULL)
        reader_fail (r, line, "record rejected");
      else
        g_prefix_error (&r->error, "%s:%u: ", r->filename, line);
    }
  g_ptr_array_set_size (r->fields, 0);
  r->record_line = 0;
}

gboolean
screen_csv_parse (const char *data, gsize len, const char *filename,
                  ScreenCsvRecordFunc func, gpointer user_data, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (filename != NULL && func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (data == NULL) /* an empty GBytes has no data: no records, and no NULL + 0 below */
    data = "", len = 0;
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    data += 3, len -= 3;
  while (len > 0 && (data[len - 1] == '\x1A' || data[len - 1] == '\r' || data[len - 1] == '\n'))
    len--;

  struct csv_parser parser;
  if (csv_init (&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
    g_error ("csv_init: out of memory");

  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  CsvReader r = { filename, func, user_data, fields, 0, 0, NULL };

  const char *p = data, *end = data + len;
  while (p < end && r.error == NULL)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      gsize n = nl != NULL ? (gsize) (nl - p) + 1 : (gsize) (end - p);
      r.line++;
      if (csv_parse (&parser, p, n, on_field, on_record, &r) != n && r.error == NULL)
        reader_fail (&r, r.line, csv_strerror (csv_error (&parser)));
      p += n;
    }
  if (r.error == NULL && csv_fini (&parser, on_field, on_record, &r) != 0 && r.error == NULL)
    reader_fail (&r, r.record_line != 0 ? r.record_line : r.line,
                 "unterminated quoted field at end of input");
  csv_free (&parser);

  if (r.error != NULL)
    {
      g_propagate_error (error, r.error);
      return FALSE;
    }
  return TRUE;
}
