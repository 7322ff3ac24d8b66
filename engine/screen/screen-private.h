/* screen-private.h: helpers shared by the files of engine/screen, nobody else. */
#pragma once

#include "screen.h"

#include <embargo/embargo.h>

G_BEGIN_DECLS

/* csv.c ------------------------------------------------------------------------ */

/* Called once per CSV record. fields[0..n_fields-1] are NUL-terminated, valid UTF-8
 * (Windows-1252 bytes are converted), and owned by the reader. line is the 1-based
 * line the record starts on. Return FALSE with @error set to stop reading. */
typedef gboolean (*ScreenCsvRecordFunc) (char **fields, guint n_fields, guint line,
                                         gpointer user_data, GError **error);

/* Parses @len bytes of CSV with libcsv (strict quoting), ignoring a UTF-8 byte-order
 * mark and a trailing DOS ^Z, and calls @func for every record. On a syntax error or
 * a callback failure returns FALSE with a SCREEN_ERROR_PARSE error whose message
 * starts "@filename:LINE: ". */
gboolean screen_csv_parse (const char *data, gsize len, const char *filename,
                           ScreenCsvRecordFunc func, gpointer user_data, GError **error);

/* list.c ----------------------------------------------------------------------- */

/* Marks @list read-only: screen_list_load_* and screen_list_add then fail. */
void screen_list_freeze (ScreenList *list);

/* match.c ---------------------------------------------------------------------- */

/* Jaro-Winkler similarity of two byte strings (prefix scale 0.1, prefix up to 4),
 * in [0, 1]. Strings longer than 64 bytes are compared on their first 64. */
double screen_jaro_winkler (const char *a, gsize alen, const char *b, gsize blen);

G_END_DECLS

#include "../no-io.h"
