/* decision.c: the decision object, its accessors, and its JSON form.
 *
 * A decision is one allocation: the header, then the item results, the matches, the
 * per-regime outcomes and the item ids, laid out back to back. Missing facts and the
 * rendered message are rare and allocated apart. The decision keeps a reference on its
 * rule set, so the rules it points to outlive the caller's own reference.
 *
 * The JSON form follows the contract (docs/decision-format.md) key for key, through
 * yajl's generator, which escapes strings correctly and writes compact output; what
 * yajl leaves raw and a terminal would obey (DEL, C1 controls, bidirectional marks,
 * U+2028/U+2029) then becomes \u escapes (embargo_text_escape(), EMBARGO_ESCAPE_JSON).
 */
#include "doc.h"
#include "rules.h"
#include "txn.h"
#include "eval.h"
#include "decision.h"

#include <string.h>
#include <yajl/yajl_gen.h>

typedef struct {
  const char *id;
  EmbargoOutcome outcome;
  const EmbargoRule *rule;
} DItem;

struct _EmbargoDecision {
  EmbargoRuleset *rs;
  const char *txn_id;
  char as_of[11];
  EmbargoOutcome outcome;
  const EmbargoRule *rule;
  char *message;
  guint32 nitems, nmatches;
  DItem *items;
  EmbargoMatch *matches;
  guint8 *regimes;  /* outcome per rs->regimes entry */
  GArray *missing;  /* EmbargoMissing, fields owned (g_free) */
  GArray *screening; /* EmbargoScreeningHit, party and name owned (g_free) */
  EmbargoStandIn stand_ins[2];
  guint32 nstand_ins;
  GArray *notes;     /* EmbargoNote, text owned (g_free) */
};

static gsize
align8 (gsize n)
{
  return (n + 7) & ~(gsize) 7;
}

EmbargoDecision *
decision_build (EmbargoRuleset *rs, const char *txn_id, gint32 as_of, const ItemRec *items,
                guint32 nitems, const MatchRec *matches, guint32 nmatches,
                const guint8 *regime_outcomes, EmbargoOutcome outcome, const EmbargoRule *rule)
{
  gsize strings = strlen (txn_id) + 1;
  for (guint32 i = 0; i < nitems; i++)
    strings += items[i].id_len + 1;
  gsize off_items = align8 (sizeof (EmbargoDecision));
  gsize off_matches = off_items + align8 (nitems * sizeof (DItem));
  gsize off_regimes = off_matches + align8 (nmatches * sizeof (EmbargoMatch));
  gsize off_strings = off_regimes + align8 (rs->nregimes);
  char *block = g_malloc (off_strings + strings);

  EmbargoDecision *d = (EmbargoDecision *) block;
  memset (d, 0, sizeof *d);
  d->rs = embargo_ruleset_ref (rs);
  d->outcome = outcome;
  d->rule = rule;
  date_format (as_of, d->as_of);
  d->nitems = nitems;
  d->nmatches = nmatches;
  d->items = (DItem *) (block + off_items);
  d->matches = (EmbargoMatch *) (block + off_matches);
  d->regimes = (guint8 *) (block + off_regimes);
  memcpy (d->regimes, regime_outcomes, rs->nregimes);

  char *s = block + off_strings;
  gsize n = strlen (txn_id) + 1;
  memcpy (s, txn_id, n);
  d->txn_id = s;
  s += n;
  for (guint32 i = 0; i < nitems; i++)
    {
      memcpy (s, items[i].id, items[i].id_len);
      s[items[i].id_len] = '\0';
      d->items[i] = (DItem) { s, items[i].outcome, items[i].rule };
      s += items[i].id_len + 1;
    }
  for (guint32 i = 0; i < nmatches; i++)
    d->matches[i] = (EmbargoMatch) { matches[i].rule, matches[i].item, matches[i].effect,
                                     matches[i].status, matches[i].unknown,
                                     matches[i].lifted_by };
  return d;
}

void
decision_note_stand_ins (EmbargoDecision *d, const DocNode *root)
{
  static const KeyId roles[] = { KEY_CONSIGNEE, KEY_END_USER };
  static const char *const names[] = { "consignee", "end_user" };
  const DocNode *buyer = doc_key (root, KEY_BUYER);
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      const DocNode *v = doc_key (root, roles[i]);
      const DocNode *by = role_party (root, roles[i]);
      if ((v && v->kind != DOC_NULL) || by == NULL || by->kind == DOC_NULL)
        continue;
      d->stand_ins[d->nstand_ins++] = (EmbargoStandIn) { names[i],
                                                         by == buyer ? "buyer" : "consignee" };
    }
}

gsize
embargo_decision_get_stand_in_count (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, 0);
  return d->nstand_ins;
}

const EmbargoStandIn *
embargo_decision_get_stand_in (const EmbargoDecision *d, gsize index)
{
  g_return_val_if_fail (d != NULL, NULL);
  return index < d->nstand_ins ? &d->stand_ins[index] : NULL;
}

void
decision_set_message (EmbargoDecision *d, char *message)
{
  g_free (d->message);
  d->message = message;
}

void
decision_add_missing (EmbargoDecision *d, const EmbargoRule *rule, guint32 item, char *field)
{
  if (d->missing == NULL)
    d->missing = g_array_new (FALSE, FALSE, sizeof (EmbargoMissing));
  EmbargoMissing m = { rule, item, field };
  g_array_append_val (d->missing, m);
}

void
decision_add_screening (EmbargoDecision *d, ScreenRec *rec)
{
  if (d->screening == NULL)
    d->screening = g_array_new (FALSE, FALSE, sizeof (EmbargoScreeningHit));
  EmbargoScreeningHit h = {
    rec->rule, rec->item, g_steal_pointer (&rec->party), g_steal_pointer (&rec->name),
    rec->list, rec->entry, rec->matched, rec->score,
    rec->match ? EMBARGO_SCREEN_MATCH : EMBARGO_SCREEN_POSSIBLE, rec->owned_pct,
  };
  g_array_append_val (d->screening, h);
}

void
decision_add_note (EmbargoDecision *d, const EmbargoRule *rule, guint32 item, char *text)
{
  if (d->notes == NULL)
    d->notes = g_array_new (FALSE, FALSE, sizeof (EmbargoNote));
  EmbargoNote n = { rule, item, text };
  g_array_append_val (d->notes, n);
}

gsize
embargo_decision_get_note_count (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, 0);
  return d->notes ? d->notes->len : 0;
}

const EmbargoNote *
embargo_decision_get_note (const EmbargoDecision *d, gsize index)
{
  g_return_val_if_fail (d != NULL, NULL);
  if (d->notes == NULL || index >= d->notes->len)
    return NULL;
  return &g_array_index (d->notes, EmbargoNote, index);
}

gsize
embargo_decision_get_screening_count (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, 0);
  return d->screening ? d->screening->len : 0;
}

const EmbargoScreeningHit *
embargo_decision_get_screening (const EmbargoDecision *d, gsize index)
{
  g_return_val_if_fail (d != NULL, NULL);
  if (d->screening == NULL || index >= d->screening->len)
    return NULL;
  return &g_array_index (d->screening, EmbargoScreeningHit, index);
}

void
embargo_decision_free (EmbargoDecision *decision)
{
  if (decision == NULL)
    return;
  if (decision->screening)
    {
      for (guint i = 0; i < decision->screening->len; i++)
        {
          EmbargoScreeningHit *h = &g_array_index (decision->screening, EmbargoScreeningHit, i);
          g_free ((char *) h->party);
          g_free ((char *) h->name);
        }
      g_array_free (decision->screening, TRUE);
    }
  if (decision->notes)
    {
      for (guint i = 0; i < decision->notes->len; i++)
        g_free ((char *) g_array_index (decision->notes, EmbargoNote, i).text);
      g_array_free (decision->notes, TRUE);
    }
  if (decision->missing)
    {
      for (guint i = 0; i < decision->missing->len; i++)
        g_free ((char *) g_array_index (decision->missing, EmbargoMissing, i).field);
      g_array_free (decision->missing, TRUE);
    }
  g_free (decision->message);
  embargo_ruleset_unref (decision->rs);
  g_free (decision);
}

EmbargoOutcome
embargo_decision_get_outcome (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, EMBARGO_OUTCOME_DENY);
  return d->outcome;
}

const EmbargoRule *
embargo_decision_get_rule (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, NULL);
  return d->rule;
}

const char *
embargo_decision_get_message (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, NULL);
  return d->message;
}

const char *
embargo_decision_get_transaction_id (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, NULL);
  return d->txn_id;
}

const char *
embargo_decision_get_as_of (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, NULL);
  return d->as_of;
}

gsize
embargo_decision_get_item_count (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, 0);
  return d->nitems;
}

const char *
embargo_decision_get_item_id (const EmbargoDecision *d, gsize index)
{
  g_return_val_if_fail (d != NULL, NULL);
  return index < d->nitems ? d->items[index].id : NULL;
}

EmbargoOutcome
embargo_decision_get_item_outcome (const EmbargoDecision *d, gsize index)
{
  g_return_val_if_fail (d != NULL, EMBARGO_OUTCOME_DENY);
  g_return_val_if_fail (index < d->nitems, EMBARGO_OUTCOME_DENY);
  return d->items[index].outcome;
}

const EmbargoRule *
embargo_decision_get_item_rule (const EmbargoDecision *d, gsize index)
{
  g_return_val_if_fail (d != NULL, NULL);
  return index < d->nitems ? d->items[index].rule : NULL;
}

gsize
embargo_decision_get_match_count (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, 0);
  return d->nmatches;
}

const EmbargoMatch *
embargo_decision_get_match (const EmbargoDecision *d, gsize index)
{
  g_return_val_if_fail (d != NULL, NULL);
  return index < d->nmatches ? &d->matches[index] : NULL;
}

gsize
embargo_decision_get_missing_count (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, 0);
  return d->missing ? d->missing->len : 0;
}

const EmbargoMissing *
embargo_decision_get_missing (const EmbargoDecision *d, gsize index)
{
  g_return_val_if_fail (d != NULL, NULL);
  if (d->missing == NULL || index >= d->missing->len)
    return NULL;
  return &g_array_index (d->missing, EmbargoMissing, index);
}

gboolean
embargo_decision_lookup_regime_outcome (const EmbargoDecision *d, const char *regime,
                                        EmbargoOutcome *outcome, GError **error)
{
  g_return_val_if_fail (d != NULL, FALSE);
  g_return_val_if_fail (regime != NULL, FALSE);
  for (guint32 i = 0; i < d->rs->nregimes; i++)
    if (strcmp (d->rs->regimes[i], regime) == 0)
      {
        if (outcome)
          *outcome = (EmbargoOutcome) d->regimes[i];
        return TRUE;
      }
  if (outcome)
    *outcome = EMBARGO_OUTCOME_DENY;
  g_autofree char *known = g_strjoinv (", ", (char **) d->rs->regimes);
  g_set_error (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_UNKNOWN_NAME,
               "unknown regime '%s': the rule set has %s", regime,
               *known ? known : "no regimes");
  return FALSE;
}

EmbargoOutcome
embargo_decision_get_regime_outcome (const EmbargoDecision *d, const char *regime)
{
  g_return_val_if_fail (d != NULL, EMBARGO_OUTCOME_DENY);
  g_return_val_if_fail (regime != NULL, EMBARGO_OUTCOME_DENY);
  EmbargoOutcome o;
  embargo_decision_lookup_regime_outcome (d, regime, &o, NULL);
  return o;
}

/* ---- JSON ---- */

static void
gen_str (yajl_gen g, const char *s)
{
  if (s == NULL)
    yajl_gen_null (g);
  else
    yajl_gen_string (g, (const unsigned char *) s, strlen (s));
}

/* A score or a percentage, to three decimals: 0.873, not 0.87299999999999999822. */
static void
gen_fixed (yajl_gen g, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.3f", v);
  yajl_gen_number (g, buf, strlen (buf));
}

static void
gen_kv (yajl_gen g, const char *key, const char *val)
{
  gen_str (g, key);
  gen_str (g, val);
}

static void
gen_rule_full (yajl_gen g, const EmbargoRule *r)
{
  if (r == NULL)
    {
      yajl_gen_null (g);
      return;
    }
  yajl_gen_map_open (g);
  gen_kv (g, "id", r->id);
  gen_kv (g, "title", r->title);
  gen_kv (g, "regime", r->regime);
  gen_kv (g, "authority", r->authority);
  gen_kv (g, "citation", r->citation);
  gen_kv (g, "source_url", r->source_url);
  gen_kv (g, "source", r->source_ref);
  gen_kv (g, "effect", embargo_outcome_to_string (r->effect));
  gen_kv (g, "effective_from", r->from_text);
  if (r->until_text)
    gen_kv (g, "effective_until", r->until_text);
  if (r->unverified)
    gen_kv (g, "unverified", r->unverified);
  yajl_gen_map_close (g);
}

static void
gen_rule_ref (yajl_gen g, const EmbargoRule *r)
{
  if (r == NULL)
    {
      yajl_gen_null (g);
      return;
    }
  yajl_gen_map_open (g);
  gen_kv (g, "id", r->id);
  yajl_gen_map_close (g);
}

/* ---- encoding once per rule set ----
 *
 * A decision's JSON repeats, decision after decision, the same rule objects, outcome
 * names and rule-set digest. yajl encodes each of them once, when the rule set is
 * loaded, and decisions splice the encoded text in with yajl_gen_number(), which appends
 * its argument verbatim with the generator's separators: what a value that is already
 * valid JSON needs. Keys and everything that varies (ids, dates, messages) still go
 * through yajl_gen_string() and are escaped as usual. This halves the cost of rendering
 * a decision. */

static const char *const outcome_json[] = { "\"allow\"", "\"review\"",
                                            "\"license_required\"", "\"deny\"" };
static const char *const status_json[] = { "\"decisive\"", "\"outweighed\"", "\"lifted\"",
                                            "\"not_needed\"" };

static void
splice (yajl_gen g, const char *encoded)
{
  yajl_gen_number (g, encoded, strlen (encoded));
}

static const char *
take_buffer (yajl_gen g, EmbargoRuleset *rs)
{
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  const char *s = arena_strndup (&rs->arena, (const char *) buf, len);
  yajl_gen_clear (g);
  yajl_gen_reset (g, NULL);
  return s;
}

void
decision_encode_ruleset (EmbargoRuleset *rs)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_config (g, yajl_gen_validate_utf8, 0);
  for (guint32 i = 0; i < rs->nrules; i++)
    {
      EmbargoRule *r = rs->rules[i];
      gen_rule_full (g, r);
      r->json_full = take_buffer (g, rs);
      gen_rule_ref (g, r);
      r->json_ref = take_buffer (g, rs);
      gen_str (g, r->id);
      r->json_id = take_buffer (g, rs);
    }
  yajl_gen_map_open (g);
  gen_kv (g, "digest", rs->digest);
  gen_str (g, "rules");
  yajl_gen_integer (g, rs->nrules);
  yajl_gen_map_close (g);
  rs->json_ruleset = take_buffer (g, rs);
  yajl_gen_free (g);
}

void
decision_write_json (const EmbargoDecision *d, void *gen)
{
  yajl_gen g = gen;
  yajl_gen_map_open (g);
  gen_kv (g, "transaction", d->txn_id);
  gen_str (g, "decision");
  splice (g, outcome_json[d->outcome]);
  gen_str (g, "rule");
  if (d->rule)
    splice (g, d->rule->json_full);
  else
    yajl_gen_null (g);
  gen_kv (g, "message", d->message);

  gen_str (g, "items");
  yajl_gen_array_open (g);
  for (guint32 i = 0; i < d->nitems; i++)
    {
      yajl_gen_map_open (g);
      gen_kv (g, "id", d->items[i].id);
      gen_str (g, "decision");
      splice (g, outcome_json[d->items[i].outcome]);
      gen_str (g, "rule");
      if (d->items[i].rule)
        splice (g, d->items[i].rule->json_ref);
      else
        yajl_gen_null (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);

  gen_str (g, "regimes");
  yajl_gen_map_open (g);
  for (guint32 i = 0; i < d->rs->nregimes; i++)
    {
      gen_str (g, d->rs->regimes[i]);
      splice (g, outcome_json[d->regimes[i]]);
    }
  yajl_gen_map_close (g);

  gen_str (g, "matched");
  yajl_gen_array_open (g);
  for (guint32 i = 0; i < d->nmatches; i++)
    {
      const EmbargoMatch *m = &d->matches[i];
      yajl_gen_map_open (g);
      gen_str (g, "rule");
      splice (g, m->rule->json_id);
      gen_kv (g, "item", d->items[m->item].id);
      gen_str (g, "effect");
      splice (g, outcome_json[m->effect]);
      gen_str (g, "status");
      splice (g, status_json[m->status]);
      if (m->lifted_by)
        {
          gen_str (g, "by");
          splice (g, m->lifted_by->json_id);
        }
      if (m->unknown)
        {
          gen_str (g, "unknown");
          yajl_gen_bool (g, 1);
        }
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);

  gen_str (g, "missing");
  yajl_gen_array_open (g);
  for (gsize i = 0; i < embargo_decision_get_missing_count (d); i++)
    {
      const EmbargoMissing *m = embargo_decision_get_missing (d, i);
      yajl_gen_map_open (g);
      gen_kv (g, "rule", m->rule->id);
      gen_kv (g, "field", m->field);
      gen_kv (g, "item", d->items[m->item].id);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);

  /* Added with stand-in roles: present only when a role stood in for an absent one. */
  if (d->nstand_ins)
    {
      gen_str (g, "stand_ins");
      yajl_gen_array_open (g);
      for (guint32 i = 0; i < d->nstand_ins; i++)
        {
          yajl_gen_map_open (g);
          gen_kv (g, "role", d->stand_ins[i].role);
          gen_kv (g, "by", d->stand_ins[i].by);
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
    }

  /* Added with party screening: present only when a rule screened a party. */
  if (d->screening)
    {
      gen_str (g, "screening");
      yajl_gen_array_open (g);
      for (guint i = 0; i < d->screening->len; i++)
        {
          const EmbargoScreeningHit *h = &g_array_index (d->screening, EmbargoScreeningHit, i);
          yajl_gen_map_open (g);
          gen_kv (g, "rule", h->rule->id);
          gen_kv (g, "item", d->items[h->item].id);
          gen_kv (g, "party", h->party);
          gen_kv (g, "name", h->name);
          gen_kv (g, "list", h->list);
          gen_kv (g, "entry", h->entry);
          gen_kv (g, "matched", h->matched);
          gen_str (g, "score");
          gen_fixed (g, h->score);
          gen_kv (g, "verdict", embargo_screen_verdict_to_string (h->verdict));
          if (h->owned_pct >= 0)
            {
              gen_str (g, "owned_pct");
              gen_fixed (g, h->owned_pct);
            }
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
    }

  /* Added with certain identity for exceptions: present only when there is a note. */
  if (d->notes)
    {
      gen_str (g, "notes");
      yajl_gen_array_open (g);
      for (guint i = 0; i < d->notes->len; i++)
        {
          const EmbargoNote *n = &g_array_index (d->notes, EmbargoNote, i);
          yajl_gen_map_open (g);
          gen_kv (g, "rule", n->rule->id);
          gen_kv (g, "item", d->items[n->item].id);
          gen_kv (g, "note", n->text);
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
    }

  gen_kv (g, "as_of", d->as_of);
  gen_str (g, "ruleset");
  splice (g, d->rs->json_ruleset);
  yajl_gen_map_close (g);
}

char *
embargo_decision_to_json (const EmbargoDecision *d)
{
  g_return_val_if_fail (d != NULL, NULL);
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_config (g, yajl_gen_validate_utf8, 0);
  decision_write_json (d, g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *out = embargo_text_escape ((const char *) buf, (gssize) len, EMBARGO_ESCAPE_JSON);
  yajl_gen_free (g);
  return out;
}
