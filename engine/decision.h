/* decision.h: the decision object, built by eval.c, rendered by decision.c. */
#ifndef EMBARGO_DECISION_H
#define EMBARGO_DECISION_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include "eval.h"
#include "screening.h"

G_BEGIN_DECLS

/* The decision object is defined in decision.c; eval.c builds it through these. */
typedef struct {
  const EmbargoRule *rule;
  const Program *prog; /* the rule's: its rank, regime and flags, already in cache */
  guint32 item;
  EmbargoOutcome effect;
  EmbargoMatchStatus status;
  gboolean unknown;
  const EmbargoRule *lifted_by;
} MatchRec;

typedef struct {
  const char *id;
  guint32 id_len;
  EmbargoOutcome outcome;
  const EmbargoRule *rule;
} ItemRec;

EmbargoDecision *decision_build (EmbargoRuleset *rs, const char *txn_id, gint32 as_of,
                                 const ItemRec *items, guint32 nitems, const MatchRec *matches,
                                 guint32 nmatches, const guint8 *regime_outcomes,
                                 EmbargoOutcome outcome, const EmbargoRule *rule);
/* Encodes, once per rule set, the parts of the decision JSON that do not change between
 * decisions: each rule's object, reference and id, and the rule set's own object. */
void decision_encode_ruleset (EmbargoRuleset *rs);
/* Writes the decision JSON into GEN, a yajl_gen ready for a new value. */
void decision_write_json (const EmbargoDecision *d, void *gen);
void decision_set_message (EmbargoDecision *d, char *message);          /* takes ownership */
/* Records the roles of transaction ROOT that stood in for absent ones (role_party()). */
void decision_note_stand_ins (EmbargoDecision *d, const DocNode *root);
void decision_add_missing (EmbargoDecision *d, const EmbargoRule *rule, guint32 item,
                           char *field);                                  /* takes ownership */
void decision_add_screening (EmbargoDecision *d, ScreenRec *rec);         /* takes ownership */
void decision_add_note (EmbargoDecision *d, const EmbargoRule *rule, guint32 item,
                        char *text);                                     /* takes ownership */

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_DECISION_H */
