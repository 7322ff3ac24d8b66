/* screening.h: names lists in rules, screened with engine/screen (screening.c). */
#ifndef EMBARGO_SCREENING_H
#define EMBARGO_SCREENING_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include "eval.h"

G_BEGIN_DECLS

/* screening.c: names lists screened with engine/screen.
 * One hit of a party name on a names list, for the decision's `screening` array. */
struct ScreenRec {
  const EmbargoRule *rule; /* set by eval.c */
  guint32 item;            /* set by eval.c */
  char *party;             /* role: "buyer", "intermediaries.1", "buyer.owners.0" */
  char *name;              /* the party's name as written (or the alias screened) */
  const char *list;        /* list id; entry strings are owned by the rule set */
  const char *entry;
  const char *matched;     /* the entry's name or alias that scored best */
  double score;
  gboolean match;          /* TRUE: match; FALSE: possible match */
  gboolean certain;        /* an exact name or alias, or an identifier: not fuzzy */
  double owned_pct;        /* owned_by_list: the listed share the party holds; else -1 */
  const ListMember *member; /* the list member hit (for {match.*} in messages) */
};
/* Frees what screening kept in CTX (its prepared names); call before CTX goes. */
void screen_ctx_clear (EvalCtx *ctx);

/* The `screening` options of a names list (thresholds), from its YAML mapping N; FALSE
 * with the message in *WHY (g_free) when they are out of range. */
gboolean elist_screening_options (EList *l, const DocNode *n, char **why);
/* Adds one compiled member to the list's screening entries (name, aliases, country,
 * type, ids of the YAML member E). FALSE with *WHY (g_free) on a bad member. */
gboolean elist_screen_add (EList *l, ListMember *m, const DocNode *e, const char *name,
                           const char *const *aliases, char **why);
/* Builds the screening index of a names list (embargo_loader_finish()). */
void elist_screen_build (EList *l);
void elist_screen_free (EList *l);
/* in_list on a party's name: TRUE on a match (or an exact normalized match) in force on
 * the date, UNKNOWN on a possible match only, FALSE otherwise. With ctx->certain (an
 * exception), TRUE only on an exact name or alias or a matching identifier, and a fuzzy
 * match is UNKNOWN. Hits go to ctx->screening when it is set. */
Tri screen_party_in_list (const EList *l, const DocNode *party, EvalCtx *ctx);
/* owned_by_list: TRUE when the party's listed owners (through chains) hold >= 50%,
 * UNKNOWN when possibly so or >= review_pct, FALSE otherwise. */
Tri screen_party_owned_by (const EList *l, const DocNode *party, EvalCtx *ctx);

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_SCREENING_H */
