/* sdn-dir.h: an OFAC SDN directory read into a ScreenList, for the white-box tests and
 * benchmarks of engine/screen (the library reads files only through its public API). */
#ifndef EMBARGO_TESTS_SDN_DIR_H
#define EMBARGO_TESTS_SDN_DIR_H

#include "screen.h"

/* Reads sdn.csv (required), alt.csv, add.csv and sdn_comments.csv (each optional) from
 * DIR and calls screen_list_load_sdn(). Errors: SCREEN_ERROR_IO when sdn.csv or an
 * existing optional file cannot be read, else as screen_list_load_sdn(). */
gboolean screen_list_load_sdn_dir (ScreenList *list, const char *dir, GError **error);

#endif
