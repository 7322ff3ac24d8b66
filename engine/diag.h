/* diag.h: diagnostics with positions (diag.c), the escaping of text for terminals, and
 * the version check of the public option structs (api.c). */
#ifndef EMBARGO_DIAG_H
#define EMBARGO_DIAG_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include <embargo/embargo.h>

G_BEGIN_DECLS

/* ---- diagnostics ---- */

struct _EmbargoDiagnostics {
  GArray *items;        /* EmbargoDiagnostic */
  GStringChunk *strings;
};

EmbargoDiagnostics *diags_new (void);
void diags_free (EmbargoDiagnostics *d);
/* The version field of an options struct the caller filled (EMBARGO_*_INIT), checked
 * as libgit2's GIT_ERROR_CHECK_VERSION does: a struct from another version of the
 * header is refused with an error naming it (domain DOMAIN, code CODE), never read.
 * VERSION is the struct's first field; TYPE its name. (ruleset.c) */
gboolean options_version_ok (unsigned version, unsigned want, const char *type,
                             GQuark domain, int code, GError **error);
#define OPTIONS_VERSION_OK(opts, WANT, TYPE, DOMAIN, CODE, error)                         \
  ((opts) == NULL || options_version_ok ((opts)->version, (WANT), (TYPE), (DOMAIN), (CODE), \
                                         (error)))

void diags_add (EmbargoDiagnostics *d, EmbargoSeverity sev, const char *code, const char *source,
                unsigned line, unsigned col, const char *fmt, ...) G_GNUC_PRINTF (7, 8);
/* Gives the diagnostic added last its context: a note at SOURCE:LINE:COL. */
void diags_set_context (EmbargoDiagnostics *d, const char *source, unsigned line, unsigned col,
                        const char *fmt, ...) G_GNUC_PRINTF (5, 6);
/* All diagnostics at SEV or above, one formatted line each (and its note line, when it
 * has a context), joined by newlines. */
char *diags_join (const EmbargoDiagnostics *d, EmbargoSeverity sev);

/* embargo_text_escape() in parts: whether S (LEN bytes) holds anything MODE escapes,
 * and appending its escaped form to OUT. */
gboolean text_needs_escape (const char *s, gsize len, EmbargoEscapeMode mode);
void text_escape_append (GString *out, const char *s, gsize len, EmbargoEscapeMode mode);

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_DIAG_H */
