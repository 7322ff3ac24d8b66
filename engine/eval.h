/* eval.h: evaluation. The context of one evaluation (EvalCtx), conditions (cond.c),
 * programs (program.c), and the rendering of messages (eval.c). */
#ifndef EMBARGO_EVAL_H
#define EMBARGO_EVAL_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include "rules.h"

G_BEGIN_DECLS

/* program.c: a rule compiled into one block for the evaluation loop. The header is
 * here so that the loop can test the dates inline; the tests follow it. */
typedef struct Program {
  const EmbargoRule *rule;
  gint32 from, until; /* in force: from <= date < until; until 0: open */
  guint32 rank;       /* the rule's tie-break rank (EmbargoRule.rank) */
  guint32 regime;     /* the rule's regime_index */
  guint16 ntests;     /* flat tests of top-level conjuncts */
  guint16 ncomplex;   /* top-level conjuncts left as trees, for cond_eval() */
  guint8 effect;      /* EmbargoOutcome */
  guint8 exception;   /* an allow rule that lifts others */
  guint8 screens;     /* `when` screens a party name (cond_screens()) */
  guint8 pad[5];
} Program;
/* Compiles every rule of RS into rs->programs (embargo_loader_finish()). */
void programs_build (EmbargoRuleset *rs);
/* The rule's `when` on CTX, exactly as cond_eval() would answer; CTX must have its
 * slot caches (txn_vals...) and no missing or screening collectors. */
Tri program_eval (const Program *p, EvalCtx *ctx);

typedef struct ScreenRec ScreenRec;

struct EvalCtx {
  const DocNode *root;
  const DocNode *item;
  const DocNode *party;
  const char *party_role; /* "buyer", "intermediaries.1" ... for missing-field names */
  gint32 date;
  GPtrArray *missing;     /* when non-NULL: the missing field names are appended (g_free) */
  GArray *screening;      /* when non-NULL: ScreenRec of every hit on a names list */
  /* resolved paths by slot (NULL caches: resolve every time); *_seen[slot] says the
   * value is there; item_seen is cleared for each item */
  const DocNode **txn_vals, **item_vals;
  guint8 *txn_seen, *item_seen;
  GHashTable *prepared;   /* name text -> ScreenName*, each party name prepared once for
                             every list; freed by screen_ctx_clear() */
  gboolean certain;       /* evaluating an exception: a names list holds on certain
                             identity only (screen_party_in_list()) */
  /* Work that does not depend on the item, done once per evaluation however many items
   * ask: item-free `party:` conditions (party_memo, inline for the first 16; memo_big
   * beyond, Cond* -> PartyMemo*, also keeping the missing facts they named), party
   * screening verdicts beyond the inline cache (screened_big: EList* -> hash table of
   * DocNode* -> packed verdicts), and the ownership graph (screening.c). All freed by
   * screen_ctx_clear(). */
  guint32 n_party_memo;
  GHashTable *memo_big;
  GHashTable *screened_big;
  struct OwnerGraph *owner_graph;
  /* Screening results of this evaluation, so that a party is screened once per list
   * however many items and rules ask (screening.c). Only the first n_screened entries
   * mean anything: eval_ctx_init() leaves the array itself as it finds it. */
  guint32 n_screened;
  struct {
    const EList *list;
    const DocNode *party;
    guint8 owned, tri;
  } screened[32];
  struct {
    const Cond *c;
    guint8 tri;
  } party_memo[16];
};

/* Zeroes every field of CTX but the screening cache's entries (768 bytes that a typical
 * evaluation never reads), then sets the root and the date. */
static inline void
eval_ctx_init (EvalCtx *ctx, const DocNode *root, gint32 date)
{
  memset (ctx, 0, G_STRUCT_OFFSET (EvalCtx, screened));
  ctx->root = root;
  ctx->date = date;
}

Tri cond_eval (const Cond *c, EvalCtx *ctx);
/* The top-level conjuncts of WHEN as *N conditions at *V: its kids for `all`, WHEN
 * itself (stored in *ONE) for any other condition, none for NULL (a rule with no
 * `when`). Nested `all`s are not flattened. Used by the index and the programs. */
void cond_conjuncts (const Cond *when, const Cond **one, const Cond *const **v, guint32 *n);
/* Does C screen a party name against a names list anywhere? */
gboolean cond_screens (const Cond *c);
/* Is TEXT a member of list L on DATE (names lists: by normalized name)? */
gboolean list_has (const EList *l, const char *text, gsize len, gint32 date);

/* The value at P; a transaction path through an absent consignee or end user reads the
 * party standing in (role_party()). */
const DocNode *path_resolve (const Path *p, const EvalCtx *ctx);
/* path_resolve() through the context's slot caches. */
const DocNode *path_value (const Path *p, EvalCtx *ctx);

/* Renders a rule message: {path} is the transaction's value ({item.path} the item's);
 * {match.FIELD} describes the list entry the deciding rule matched (MATCH, NULL when
 * none): entry, list, party, matched, score, license_policy, citation. A placeholder
 * whose value is absent prints its fallback ({path|fallback}), or "(not stated)". */
char *render_message (const char *tmpl, const DocNode *root, const DocNode *item,
                      const ScreenRec *match);

/* The next placeholder of a message template at or after P: *BRACE at its '{', *CLOSE
 * at its '}', *BAR at the '|' before its fallback or NULL. FALSE when there is none. */
gboolean message_next_placeholder (const char *p, const char **brace, const char **close,
                                   const char **bar);

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_EVAL_H */
