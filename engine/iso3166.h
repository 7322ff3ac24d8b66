/* iso3166.h: country and region codes (iso3166.c, generated from Debian's iso-codes). */
#ifndef EMBARGO_ISO3166_H
#define EMBARGO_ISO3166_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include <embargo/embargo.h>

G_BEGIN_DECLS

gboolean iso3166_alpha2_valid (const char *code, gsize len);
gboolean iso3166_region_valid (const char *code, gsize len); /* "UA-43" */

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_ISO3166_H */
