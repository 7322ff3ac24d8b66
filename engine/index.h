/* index.h: which rules could apply to a transaction and to each item (index.c). */
#ifndef EMBARGO_INDEX_H
#define EMBARGO_INDEX_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include "rules.h"

G_BEGIN_DECLS

/* index.c */
Index *index_build (EmbargoRuleset *rs);
void index_free (Index *ix);
/* Append to OUT (a GArray of guint32) the indexes of the rules that may apply: a
 * superset, each still evaluated in full; duplicates are possible. The transaction-level
 * candidates hold for every item; each item adds its own. */
void index_txn_candidates (const Index *ix, EvalCtx *ctx, Vec32 *out);
/* Is C a conjunct that rule RULE is filed under (so that, for the rules the index
 * finds by it, C nearly always holds)? */
gboolean index_is_filed_under (const Index *ix, guint32 rule, const Cond *c);
void index_item_candidates (const Index *ix, EvalCtx *ctx, Vec32 *out);

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_INDEX_H */
