/* suite.h: test cases, for the white-box tests and lint. */
#ifndef EMBARGO_SUITE_H
#define EMBARGO_SUITE_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include "txn.h"

G_BEGIN_DECLS

/* suite.c: case INDEX's transaction, or NULL when it was not supplied (white-box tests). */
const EmbargoTransaction *suite_get_transaction (const EmbargoSuite *suite, gsize index);

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_SUITE_H */
