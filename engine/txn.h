/* txn.h: the transaction contract (txn.c): parsing and checking transactions, the
 * party roles and the roles that stand in for absent ones. */
#ifndef EMBARGO_TXN_H
#define EMBARGO_TXN_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include "diag.h"
#include "rules.h"

G_BEGIN_DECLS

/* The transaction object. */
/* A transaction is its document (doc.validated says it was checked): the pointer the
 * caller holds is the document's, in the first line of its arena. */
struct _EmbargoTransaction {
  Doc doc;
};

/* Parses and checks one transaction whose text starts at line FIRST_LINE of SOURCE. */
EmbargoTransaction *txn_parse (const char *data, gsize len, const char *source,
                               guint32 first_line, const EmbargoLimits *lim, GError **error);
/* Checks DOC (taken over: freed on failure) and wraps it as a transaction. */
EmbargoTransaction *txn_from_doc (Doc *doc, const char *source, const EmbargoLimits *lim,
                                  GError **error);

gboolean txn_validate_doc (const Doc *doc, const char *source, const EmbargoLimits *lim,
                           EmbargoDiagnostics *diags);


/* txn.c: the --strict check (EmbargoEvalOptions.strict): every key of TXN that is
 * neither the contract's nor read by a rule of RS is an error (EMBARGO_EVAL_ERROR_INVALID,
 * each such key by its path). */
gboolean txn_check_strict (const EmbargoRuleset *rs, const EmbargoTransaction *txn,
                           GError **error);

/* The party roles, in the order of ROLE_KEYS. */
extern const char *const role_names[ROLE_COUNT];

/* The party in role ROLE (KEY_BUYER ... KEY_INTERMEDIARIES) of transaction ROOT, or the
 * one that stands in for it: an absent (or null) consignee is the buyer; an absent end
 * user is the consignee, or failing that the buyer. NULL when there is none. */
const DocNode *role_party (const DocNode *root, KeyId role);

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_TXN_H */
