/* file.h: the file helpers' own header (file.c, suite-file.c, screen-file.c, handle.c).
 *
 * The file helpers are the engine's I/O layer: they read rule files, test suites and
 * sanctions lists for the public API's *_file() and *_path() functions, and are built on
 * the public header alone, as a program that links the library would be. They may not
 * include the engine's private headers (they refuse to be included here), and the core may not call
 * them (tests/layers/check.py fails on either). Every read goes through
 * file_read_bounded(), so every input is bounded whatever the kind of file.
 */
#ifndef EMBARGO_FILE_H
#define EMBARGO_FILE_H

#define EMBARGO_FILE_HELPER 1
#include <embargo/embargo.h>

G_BEGIN_DECLS

/* Reads PATH ("-": standard input) whole into *DATA (transfer full, g_free(); NUL
 * terminated) and *LEN, refusing more than MAX bytes whatever the kind of file
 * (EMBARGO_LOAD_ERROR_LIMIT; _IO when it cannot be read; messages start with the path).
 * Never reads more than MAX + 1 bytes. */
gboolean file_read_bounded (const char *path, gsize max, char **data, gsize *len,
                            GError **error);

G_END_DECLS

#endif /* EMBARGO_FILE_H */
