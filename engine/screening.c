/* screening.c: names lists of a rule set, screened with engine/screen.
 *
 * A `kind: names` list keeps two views of its members. load.c fills the exact one
 * (normalized name -> members), which `in_list` uses everywhere else; this file fills
 * the fuzzy one: every member becomes a ScreenEntry (name, aliases, country, type,
 * identifiers) of the list's ScreenList, and embargo_loader_finish() builds its
 * ScreenIndex once. The rule set is immutable afterwards, so evaluation only reads.
 *
 * `in_list` on a party's name screens the name and every alias of the party, with the
 * party's country and identifiers as secondary filters:
 *   score >= the list's `match` threshold (or an exact normalized name)  -> TRUE
 *   possible <= score < match                                           -> UNKNOWN
 *   nothing, or only entries not in force on the date                   -> FALSE
 * except inside an exception (ctx->certain), which must rest on certain identity: there
 * only an exact normalized name or alias (no country against it) or a matching
 * identifier is TRUE, and a fuzzy match is UNKNOWN (the exception does not apply).
 * UNKNOWN is the engine's "cannot rule it out": a restriction that depends on it
 * decides `review`. Exact normalized names stay matches whatever the country, as they
 * were before screening existed; identifiers are decisive both ways (engine/screen).
 * A party's result is kept in the evaluation context (EvalCtx.screened), so the party
 * is screened once per list however many items and rules ask.
 *
 * `owned_by_list` applies OFAC's 50% rule. The ownership graph is every party of the
 * transaction and every owner named under one (owners may list their own `owners`),
 * merged by normalized name, so an owner that is also a party brings that party's
 * owners: that is how chains are written. Each node's name is screened against the
 * list; screen_ownership_resolve() then runs twice, once counting matches only
 * (certain) and once counting possible matches too (upper bound).
 *
 * Every hit seen while a decision's explanations are gathered (ctx->screening) becomes
 * a ScreenRec: which party, which entry, which alias, what score.
 */
#include "doc.h"
#include "rules.h"
#include "txn.h"
#include "eval.h"
#include "screening.h"

#include <string.h>

#define DEFAULT_MATCH      0.92
#define DEFAULT_POSSIBLE   0.80
#define DEFAULT_REVIEW_PCT 25.0

static void owner_graph_free (struct OwnerGraph *g);

void
screen_ctx_clear (EvalCtx *ctx)
{
  g_clear_pointer (&ctx->prepared, g_hash_table_destroy);
  g_clear_pointer (&ctx->memo_big, g_hash_table_destroy);
  g_clear_pointer (&ctx->screened_big, g_hash_table_destroy);
  g_clear_pointer (&ctx->owner_graph, owner_graph_free);
}

/* What screening one name of the transaction gave, kept for the whole evaluation
 * (EvalCtx.prepared: every pass of it, deciding and explaining, shares the table). */
typedef struct {
  ScreenName *name; /* normalized and split; NULL when the text is not UTF-8 */
  GArray *by_list;  /* ListHits: the raw hits on each list it was screened against */
} Prepared;

typedef struct {
  const EList *list;
  GArray *hits;     /* ScreenHit, as screen_index_screen() gave them */
} ListHits;

static void
prepared_free (gpointer p)
{
  Prepared *pr = p;
  screen_name_free (pr->name);
  if (pr->by_list)
    {
      for (guint i = 0; i < pr->by_list->len; i++)
        g_array_unref (g_array_index (pr->by_list, ListHits, i).hits);
      g_array_unref (pr->by_list);
    }
  g_free (pr);
}

/* NAME normalized and split once per evaluation, whatever the lists it is screened
 * against. Keyed by the document's string, which outlives the evaluation and belongs
 * to one party (whose country, type and ids are the rest of the query). */
static Prepared *
prepared_name (EvalCtx *ctx, const char *name)
{
  if (ctx->prepared == NULL)
    ctx->prepared = g_hash_table_new_full (NULL, NULL, NULL, prepared_free);
  Prepared *p = g_hash_table_lookup (ctx->prepared, name);
  if (p)
    return p;
  p = g_new0 (Prepared, 1);
  p->name = screen_name_new (name);
  g_hash_table_insert (ctx->prepared, (gpointer) name, p);
  return p;
}

/* ---- loading ---- */

static gboolean
threshold_of (const DocNode *n, const char *key, double lo, double hi, double *out, char **why)
{
  const DocNode *v = doc_get (n, key);
  if (v == NULL)
    return TRUE;
  if (v->kind != DOC_NUMBER || v->u.sc.num <= lo || v->u.sc.num > hi)
    {
      *why = g_strdup_printf ("'screening.%s' must be a number above %g and at most %g",
                              key, lo, hi);
      return FALSE;
    }
  *out = v->u.sc.num;
  return TRUE;
}

gboolean
elist_screening_options (EList *l, const DocNode *n, char **why)
{
  l->match = DEFAULT_MATCH;
  l->possible = DEFAULT_POSSIBLE;
  l->review_pct = DEFAULT_REVIEW_PCT;
  if (n == NULL)
    return TRUE;
  if (n->kind != DOC_MAP)
    {
      *why = g_strdup ("'screening' must be a mapping (match, possible, review_pct)");
      return FALSE;
    }
  for (guint32 i = 0; i < n->u.map.n; i++)
    {
      const char *k = n->u.map.v[i].key;
      if (strcmp (k, "match") != 0 && strcmp (k, "possible") != 0
          && strcmp (k, "review_pct") != 0)
        {
          *why = g_strdup_printf ("unknown key '%s' in 'screening' (match, possible, "
                                  "review_pct)", k);
          return FALSE;
        }
    }
  if (!threshold_of (n, "match", 0, 1, &l->match, why)
      || !threshold_of (n, "possible", 0, 1, &l->possible, why)
      || !threshold_of (n, "review_pct", 0, 50, &l->review_pct, why))
    return FALSE;
  if (l->possible > l->match)
    {
      *why = g_strdup_printf ("'screening.possible' (%g) is above 'screening.match' (%g)",
                              l->possible, l->match);
      return FALSE;
    }
  return TRUE;
}

static ScreenEntryType
entry_type (const char *s)
{
  static const char *const names[] = { "individual", "entity", "vessel", "aircraft" };
  for (guint i = 0; s && i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (s, names[i]) == 0)
      return SCREEN_TYPE_INDIVIDUAL + i;
  return SCREEN_TYPE_UNKNOWN;
}

/* The identifiers of an `ids` mapping ({passport: X1, imo: [9123456, 9234567]}), as
 * ScreenIdentifier borrowing the document's strings. */
static GArray *
identifiers_of (const DocNode *ids)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (ScreenIdentifier));
  if (ids == NULL || ids->kind != DOC_MAP)
    return out;
  for (guint32 i = 0; i < ids->u.map.n; i++)
    {
      const DocNode *v = ids->u.map.v[i].val;
      guint32 n = v->kind == DOC_LIST ? v->u.list.n : 1;
      for (guint32 k = 0; k < n; k++)
        {
          const DocNode *e = v->kind == DOC_LIST ? v->u.list.v[k] : v;
          if (!doc_is_scalar (e) || e->kind == DOC_NULL || e->u.sc.len == 0)
            continue;
          ScreenIdentifier id = { ids->u.map.v[i].key, e->u.sc.s, NULL };
          g_array_append_val (out, id);
        }
    }
  return out;
}

static const char *
scalar_text (const DocNode *n)
{
  return n && doc_is_scalar (n) && n->kind != DOC_NULL ? n->u.sc.s : NULL;
}

/* A names list of this many members or more has its words indexed while the rest of
 * the list loads (ScreenIndexBuilder): at a million members that hides most of the
 * 2.5 s the words take. A shorter list is indexed once loaded, on this thread: a
 * thread costs more than it saves there. */
#define BUILD_WHILE_LOADING 10000

gboolean
elist_screen_add (EList *l, ListMember *m, const DocNode *e, const char *name,
                  const char *const *aliases, char **why)
{
  if (l->screen_list == NULL)
    {
      l->screen_list = screen_list_new ();
      l->screen_members = g_ptr_array_new ();
      if (l->screen_expected >= BUILD_WHILE_LOADING)
        l->screen_builder = screen_index_builder_new (l->screen_list, l->screen_expected);
    }
  const DocNode *map = e->kind == DOC_MAP ? e : NULL;
  const char *country = scalar_text (doc_get (map, "country"));
  const char *countries[] = { country, NULL };
  const char *type = scalar_text (doc_get (map, "type"));
  if (type && entry_type (type) == SCREEN_TYPE_UNKNOWN)
    {
      *why = g_strdup_printf ("'type' is '%s': individual, entity, vessel or aircraft", type);
      return FALSE;
    }
  const DocNode *ids = map ? doc_get (map, "ids") : NULL;
  if (ids && ids->kind != DOC_MAP)
    {
      *why = g_strdup ("'ids' must be a mapping of kind to number ({passport: X123})");
      return FALSE;
    }
  g_autoptr (GArray) idv = identifiers_of (ids);
  ScreenEntrySpec spec = {
    .source = l->id ? l->id : "names",
    .name = name,
    .type = entry_type (type),
    .program = scalar_text (doc_get (map, "program")),
    .aliases = aliases,
    .countries = country ? countries : NULL,
    .identifiers = (const ScreenIdentifier *) idv->data,
    .n_identifiers = idv->len,
  };
  g_autoptr (GError) error = NULL;
  const ScreenEntry *entry = screen_list_add (l->screen_list, &spec, &error);
  if (entry == NULL)
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  if (l->screen_builder != NULL)
    screen_index_builder_add (l->screen_builder, entry);
  g_ptr_array_add (l->screen_members, m);
  return TRUE;
}

void
elist_screen_build (EList *l)
{
  if (l->screen_builder != NULL)
    l->screen = screen_index_builder_finish (g_steal_pointer (&l->screen_builder), 0);
  else if (l->screen_list && l->screen == NULL)
    l->screen = screen_index_new (l->screen_list);
}

void
elist_screen_free (EList *l)
{
  g_clear_pointer (&l->screen_builder, screen_index_builder_free);
  g_clear_pointer (&l->screen, screen_index_free);
  g_clear_pointer (&l->screen_list, screen_list_unref);
  g_clear_pointer (&l->screen_members, g_ptr_array_unref);
}

/* ---- screening one party ---- */

static gboolean
in_force (const Interval *w, gint32 date)
{
  return (w->from == 0 || w->from <= date) && (w->until == 0 || date < w->until);
}

/* MATCH is a fuzzy match at or above the list's threshold; CERTAIN an exact normalized
 * name or alias (with no country against it) or an identifier of the same kind and
 * value: the only identity an exception may rest on. */
typedef enum { VERDICT_NONE = 0, VERDICT_POSSIBLE, VERDICT_MATCH, VERDICT_CERTAIN } Verdict;

static void
record (EvalCtx *ctx, const EList *l, const char *role, const char *name,
        const ScreenHit *h, const ListMember *m, Verdict v, double owned_pct)
{
  if (ctx->screening == NULL)
    return;
  /* One record per (party, entry): the best name of the party wins. */
  for (guint i = 0; i < ctx->screening->len; i++)
    {
      ScreenRec *r = &g_array_index (ctx->screening, ScreenRec, i);
      if (r->list == l->id && r->entry == h->entry->name && strcmp (r->party, role) == 0)
        {
          if (h->score > r->score)
            {
              g_free (r->name);
              r->name = g_strdup (name);
              r->matched = h->matched_name;
              r->score = h->score;
              r->match = v >= VERDICT_MATCH;
              r->certain = v == VERDICT_CERTAIN;
              r->member = m;
            }
          return;
        }
    }
  ScreenRec r = { .party = g_strdup (role), .name = g_strdup (name), .list = l->id,
                  .entry = h->entry->name, .matched = h->matched_name, .score = h->score,
                  .match = v >= VERDICT_MATCH, .certain = v == VERDICT_CERTAIN,
                  .owned_pct = owned_pct, .member = m };
  g_array_append_val (ctx->screening, r);
}

static GArray *screen_list_hits (const EList *l, const char *name, const ScreenName *prepared,
                                 const DocNode *party, EvalCtx *ctx);

/* Screens NAME (with the party's country and ids) against L; returns the best
 * verdict among entries in force, recording each hit under ROLE. */
static Verdict
screen_name (const EList *l, const char *name, const DocNode *party, const char *role,
             EvalCtx *ctx, double owned_pct)
{
  if (l->screen == NULL || name == NULL || name[0] == '\0')
    return VERDICT_NONE;
  Prepared *prepared = prepared_name (ctx, name);
  if (prepared->name == NULL) /* not UTF-8: nothing to screen */
    return VERDICT_NONE;
  /* A name is screened against a list once per evaluation: the passes that explain
   * the decision read the hits the deciding pass found (1 unit each time). */
  GArray *hits = NULL;
  for (guint i = 0; prepared->by_list && i < prepared->by_list->len && !hits; i++)
    if (g_array_index (prepared->by_list, ListHits, i).list == l)
      hits = g_array_index (prepared->by_list, ListHits, i).hits;
  if (hits)
    {
      if (!work_spend (ctx->work, 1))
        return VERDICT_NONE;
    }
  else if (!(hits = screen_list_hits (l, name, prepared->name, party, ctx)))
    return VERDICT_NONE;
  else
    {
      if (prepared->by_list == NULL)
        prepared->by_list = g_array_new (FALSE, FALSE, sizeof (ListHits));
      ListHits lh = { l, hits };
      g_array_append_val (prepared->by_list, lh);
    }
  Verdict best = VERDICT_NONE;
  for (guint i = 0; i < hits->len; i++)
    {
      const ScreenHit *h = &g_array_index (hits, ScreenHit, i);
      const ListMember *m = g_ptr_array_index (l->screen_members, h->entry->index);
      if (!in_force (&m->when, ctx->date))
        continue;
      Verdict v = (h->flags & SCREEN_HIT_IDENTIFIER)
                      || ((h->flags & SCREEN_HIT_EXACT)
                          && !(h->flags & SCREEN_HIT_COUNTRY_MISMATCH))
                    ? VERDICT_CERTAIN
                  : h->verdict == SCREEN_VERDICT_MATCH || (h->flags & SCREEN_HIT_EXACT)
                    ? VERDICT_MATCH
                    : VERDICT_POSSIBLE;
      record (ctx, l, role, name, h, m, v, owned_pct);
      best = MAX (best, v);
      if (best == VERDICT_CERTAIN && ctx->screening == NULL)
        break;
    }
  return best;
}

/* The hits of NAME (PREPARED, of PARTY) on L: every entry at or above the possible
 * threshold, in force or not; NULL over the work limit. WORK_SCREEN_NAME units, and
 * one per hit. */
static GArray *
screen_list_hits (const EList *l, const char *name, const ScreenName *prepared,
                  const DocNode *party, EvalCtx *ctx)
{
  /* Over the work limit the evaluation gives no decision: screen no more. */
  if (!work_spend (ctx->work, WORK_SCREEN_NAME))
    return NULL;
  g_autoptr (GArray) ids = identifiers_of (doc_get (party, "ids"));
  ScreenQuery q = {
    .name = name,
    .type = entry_type (scalar_text (doc_get (party, "type"))),
    .country = scalar_text (doc_get (party, "country")),
    .identifiers = (const ScreenIdentifier *) ids->data,
    .n_identifiers = ids->len,
    .prepared = prepared,
  };
  ScreenOptions opts;
  screen_options_init (&opts);
  opts.match_threshold = l->match;
  opts.possible_threshold = l->possible;
  opts.max_results = 0;
  GArray *hits = screen_index_screen (l->screen, &q, &opts, NULL);
  if (hits == NULL) /* cannot happen: the name is UTF-8, the thresholds were checked */
    return NULL;
  if (!work_spend (ctx->work, hits->len))
    {
      g_array_unref (hits);
      return NULL;
    }
  return hits;
}

static Verdict
screen_party (const EList *l, const DocNode *party, const char *role, EvalCtx *ctx,
              double owned_pct)
{
  Verdict best = VERDICT_NONE;
  const char *name = scalar_text (doc_get (party, "name"));
  const DocNode *aliases = doc_get (party, "aliases");
  guint32 n = aliases && aliases->kind == DOC_LIST ? aliases->u.list.n : 0;
  for (guint32 i = 0; i <= n && (best < VERDICT_CERTAIN || ctx->screening); i++)
    {
      const char *s = i == 0 ? name : scalar_text (aliases->u.list.v[i - 1]);
      if (s == NULL)
        continue;
      best = MAX (best, screen_name (l, s, party, role, ctx, owned_pct));
    }
  return best;
}

/* The result of screening PARTY against L (OWNED: the 50% rule) earlier in this
 * evaluation, or -1. Results depend on the party only, not on the item. The first 32
 * live in the context; beyond, every result goes to screened_big (a party is then still
 * screened once per list, however many parties there are). */
static int
cache_get (const EvalCtx *ctx, const EList *l, const DocNode *party, gboolean owned)
{
  if (ctx->screened_big)
    {
      GHashTable *by_party = g_hash_table_lookup (ctx->screened_big, l);
      guint v = by_party ? GPOINTER_TO_UINT (g_hash_table_lookup (by_party, party)) : 0;
      v = (v >> (owned ? 8 : 0)) & 0xff;
      return v ? (int) v - 1 : -1;
    }
  guint32 n = MIN (ctx->n_screened, G_N_ELEMENTS (ctx->screened));
  for (guint32 i = 0; i < n; i++)
    if (ctx->screened[i].list == l && ctx->screened[i].party == party
        && ctx->screened[i].owned == owned)
      return ctx->screened[i].tri;
  return -1;
}

static void
big_put (EvalCtx *ctx, const EList *l, const DocNode *party, gboolean owned, guint t)
{
  GHashTable *by_party = g_hash_table_lookup (ctx->screened_big, l);
  if (by_party == NULL)
    {
      by_party = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (ctx->screened_big, (gpointer) l, by_party);
    }
  guint v = GPOINTER_TO_UINT (g_hash_table_lookup (by_party, party));
  guint shift = owned ? 8 : 0;
  v = (v & ~(0xffu << shift)) | ((t + 1) << shift);
  g_hash_table_insert (by_party, (gpointer) party, GUINT_TO_POINTER (v));
}

static Tri
cache_put (EvalCtx *ctx, const EList *l, const DocNode *party, gboolean owned, Tri t)
{
  if (ctx->screened_big == NULL && ctx->n_screened < G_N_ELEMENTS (ctx->screened))
    {
      guint32 at = ctx->n_screened++;
      ctx->screened[at].list = l;
      ctx->screened[at].party = party;
      ctx->screened[at].owned = (guint8) owned;
      ctx->screened[at].tri = (guint8) t;
      return t;
    }
  if (ctx->screened_big == NULL)
    {
      ctx->screened_big = g_hash_table_new_full (NULL, NULL, NULL,
                                                 (GDestroyNotify) g_hash_table_destroy);
      for (guint32 i = 0; i < ctx->n_screened; i++)
        big_put (ctx, ctx->screened[i].list, ctx->screened[i].party, ctx->screened[i].owned,
                 ctx->screened[i].tri);
    }
  big_put (ctx, l, party, owned, t);
  return t;
}

Tri
screen_party_in_list (const EList *l, const DocNode *party, EvalCtx *ctx)
{
  /* The cache keeps the verdict: restrictions and exceptions read it differently. */
  int v = ctx->screening ? -1 : cache_get (ctx, l, party, FALSE);
  if (v < 0)
    v = cache_put (ctx, l, party, FALSE,
                   (Tri) screen_party (l, party, ctx->party_role ? ctx->party_role : "party",
                                       ctx, -1));
  switch ((Verdict) v)
    {
    case VERDICT_CERTAIN: return TRI_TRUE;
    case VERDICT_MATCH: return ctx->certain ? TRI_UNKNOWN : TRI_TRUE;
    case VERDICT_POSSIBLE: return TRI_UNKNOWN;
    case VERDICT_NONE: break;
    }
  return TRI_FALSE;
}

/* ---- ownership ---- */

typedef struct {
  char *key;            /* normalized name */
  const DocNode *party; /* first occurrence (a party or an owner mapping) */
  char *role;           /* where it was first seen: "buyer", "buyer.owners.0" */
  GArray *owners;       /* ScreenOwner (owner = other node's key) */
  Verdict verdict;
  guint index;          /* in Graph.nodes */
} Node;

/* A mapping already added to the graph, and the depth it was added at: adding it again
 * at that depth or deeper adds nothing (graph_add()). */
typedef struct {
  Node *node;
  guint depth;
} Added;

/* Built once per evaluation (EvalCtx.owner_graph) and shared by every list and party:
 * a node's verdict is set for the list at hand before each use. */
typedef struct OwnerGraph {
  GPtrArray *nodes;     /* Node* */
  GHashTable *by_key;   /* key -> Node* */
  GHashTable *added;    /* DocNode* -> Added* (g_free) */
} Graph;

static void
owner_graph_free (Graph *g)
{
  g_hash_table_destroy (g->by_key);
  g_hash_table_destroy (g->added);
  g_ptr_array_unref (g->nodes);
  g_free (g);
}

static void
node_free (gpointer p)
{
  Node *n = p;
  g_free (n->key);
  g_free (n->role);
  g_array_unref (n->owners);
  g_free (n);
}

/* The node of PARTY: by normalized name, so that one company written twice (a party,
 * and an owner of another) is one node; a nameless party is a node of its own. */
static Node *
graph_node (Graph *g, const DocNode *party, const char *role)
{
  const char *name = scalar_text (doc_get (party, "name"));
  g_autofree char *key = name ? embargo_name_normalize (name, -1) : g_strdup ("");
  if (key[0] == '\0')
    {
      g_free (key);
      key = g_strdup_printf ("\x01%s", role); /* never a normalized name */
    }
  Node *n = g_hash_table_lookup (g->by_key, key);
  if (n == NULL)
    {
      n = g_new0 (Node, 1);
      n->key = g_steal_pointer (&key);
      n->party = party;
      n->role = g_strdup (role);
      n->owners = g_array_new (FALSE, FALSE, sizeof (ScreenOwner));
      n->index = g->nodes->len;
      g_ptr_array_add (g->nodes, n);
      g_hash_table_insert (g->by_key, n->key, n);
    }
  return n;
}

/* Adds PARTY (seen at ROLE) and, recursively, the owners it names. A named mapping
 * added before at DEPTH or less has nothing to add: its node is returned as it is,
 * without normalizing its name and its owners' again (screen_party_owned_by() adds each
 * party it is asked about, for every list). A nameless one is a node per role, so it
 * is added again under each. */
static Node *
graph_add (Graph *g, const DocNode *party, const char *role, guint depth)
{
  if (party == NULL || party->kind != DOC_MAP || depth > 16)
    return NULL;
  Added *a = g_hash_table_lookup (g->added, party);
  if (a && a->depth <= depth)
    return a->node;
  Node *n = graph_node (g, party, role);
  if (n->key[0] != '\x01') /* named (graph_node()) */
    {
      if (a == NULL)
        {
          a = g_new (Added, 1);
          g_hash_table_insert (g->added, (gpointer) party, a);
        }
      a->node = n;
      a->depth = depth;
    }
  const DocNode *owners = doc_get (party, "owners");
  if (owners == NULL || owners->kind != DOC_LIST)
    return n;
  for (guint32 i = 0; i < owners->u.list.n; i++)
    {
      const DocNode *o = owners->u.list.v[i];
      g_autofree char *orole = g_strdup_printf ("%s.owners.%u", role, i);
      Node *on = graph_add (g, o, orole, depth + 1);
      const DocNode *pct = doc_get (o, "share_pct");
      if (on == NULL || on == n || pct == NULL || pct->kind != DOC_NUMBER)
        continue;
      /* The same stake written twice (under the party and under an owner entry that
       * is the party) counts once. */
      gboolean seen = FALSE;
      for (guint k = 0; k < n->owners->len && !seen; k++)
        {
          ScreenOwner *so = &g_array_index (n->owners, ScreenOwner, k);
          if (strcmp (so->owner, on->key) == 0)
            {
              so->share_pct = MAX (so->share_pct, pct->u.sc.num);
              seen = TRUE;
            }
        }
      if (!seen)
        {
          ScreenOwner so = { on->key, pct->u.sc.num };
          g_array_append_val (n->owners, so);
        }
    }
  return n;
}

static void
graph_build (Graph *g, const DocNode *root)
{
  for (guint r = 0; r < ROLE_COUNT; r++)
    {
      const DocNode *p = doc_get (root, role_names[r]);
      if (p == NULL)
        continue;
      if (p->kind != DOC_LIST)
        {
          graph_add (g, p, role_names[r], 0);
          continue;
        }
      for (guint32 i = 0; i < p->u.list.n; i++)
        {
          g_autofree char *role = g_strdup_printf ("%s.%u", role_names[r], i);
          graph_add (g, p->u.list.v[i], role, 0);
        }
    }
}

/* Marks every node reachable from N through owner edges, and adds each to OUT. */
static void
reach (Graph *g, Node *n, GHashTable *seen, GPtrArray *out)
{
  if (!g_hash_table_add (seen, n))
    return;
  g_ptr_array_add (out, n);
  for (guint k = 0; k < n->owners->len; k++)
    reach (g, g_hash_table_lookup (g->by_key, g_array_index (n->owners, ScreenOwner, k).owner),
           seen, out);
}

static gint
cmp_node_index (gconstpointer a, gconstpointer b)
{
  guint x = (*(Node *const *) a)->index, y = (*(Node *const *) b)->index;
  return x < y ? -1 : x > y;
}

/* Resolves SELF's ownership over CLOSURE, the nodes SELF reaches (NODES of them): no
 * other node can hold a stake in it. */
static gboolean
resolve (const GPtrArray *closure, const Node *self, gboolean count_possible,
         double review_pct, ScreenOwnership *out)
{
  guint n = closure->len;
  g_autofree ScreenParty *parties = g_new0 (ScreenParty, n);
  g_autofree ScreenOwnership *res = g_new0 (ScreenOwnership, n);
  guint at = 0;
  for (guint i = 0; i < n; i++)
    {
      const Node *x = g_ptr_array_index (closure, i);
      if (x == self)
        at = i;
      parties[i] = (ScreenParty) {
        .name = x->key,
        .listed = x != self && (x->verdict >= VERDICT_MATCH
                                || (count_possible && x->verdict == VERDICT_POSSIBLE)),
        .owners = (const ScreenOwner *) x->owners->data,
        .n_owners = x->owners->len,
      };
    }
  if (!screen_ownership_resolve (parties, n, review_pct, res, NULL))
    return FALSE;
  *out = res[at];
  return TRUE;
}

Tri
screen_party_owned_by (const EList *l, const DocNode *party, EvalCtx *ctx)
{
  const DocNode *owners = doc_get (party, "owners");
  if (owners == NULL || owners->kind != DOC_LIST || owners->u.list.n == 0)
    return TRI_FALSE;
  int hit = ctx->screening ? -1 : cache_get (ctx, l, party, TRUE);
  if (hit >= 0)
    return (Tri) hit;
  if (ctx->owner_graph == NULL)
    {
      ctx->owner_graph = g_new0 (Graph, 1);
      ctx->owner_graph->nodes = g_ptr_array_new_with_free_func (node_free);
      ctx->owner_graph->by_key = g_hash_table_new (g_str_hash, g_str_equal);
      ctx->owner_graph->added = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      graph_build (ctx->owner_graph, ctx->root);
    }
  Graph *g = ctx->owner_graph;
  const char *role = ctx->party_role ? ctx->party_role : "party";
  /* An owner evaluated through `party: owners` is not among the parties: add it. */
  Node *self = graph_add (g, party, role, 0);
  Tri res = TRI_FALSE;

  g_autoptr (GHashTable) reached = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) closure = g_ptr_array_new ();
  reach (g, self, reached, closure);
  /* In node order, so that results do not depend on hash order; sorting what SELF
   * reaches, not scanning every node of the graph for each party. */
  g_ptr_array_sort (closure, cmp_node_index);
  for (guint i = 0; i < closure->len; i++)
    {
      Node *x = g_ptr_array_index (closure, i);
      x->verdict = VERDICT_NONE;
      if (x == self)
        continue;
      /* Not recorded (the result is not known yet): a verdict, once per list and node. */
      int v = cache_get (ctx, l, x->party, FALSE);
      if (v < 0)
        {
          EvalCtx quiet = { .date = ctx->date, .prepared = ctx->prepared, .work = ctx->work };
          v = screen_party (l, x->party, x->role, &quiet, 0);
          ctx->prepared = quiet.prepared;
          cache_put (ctx, l, x->party, FALSE, (Tri) v);
        }
      /* An owner without a name cannot be cleared: it may be listed (a possible match,
       * so its stake gives review), never a clean owner. */
      if (v < VERDICT_POSSIBLE && scalar_text (doc_get (x->party, "name")) == NULL)
        v = VERDICT_POSSIBLE;
      x->verdict = (Verdict) v;
    }
  ScreenOwnership certain = { 0 }, upper = { 0 };
  if (!resolve (closure, self, FALSE, l->review_pct, &certain)
      || !resolve (closure, self, TRUE, l->review_pct, &upper))
    res = TRI_UNKNOWN; /* stakes summing to more than 100%: a person must look */
  else if (certain.status == SCREEN_OWNERSHIP_BLOCKED)
    res = TRI_TRUE;
  else if (upper.status != SCREEN_OWNERSHIP_CLEAR || certain.status != SCREEN_OWNERSHIP_CLEAR)
    res = TRI_UNKNOWN;

  if (ctx->screening && res != TRI_FALSE)
    for (guint i = 0; i < closure->len; i++)
      {
        Node *x = g_ptr_array_index (closure, i);
        if (x != self && x->verdict != VERDICT_NONE)
          screen_party (l, x->party, x->role, ctx,
                        certain.status == SCREEN_OWNERSHIP_BLOCKED ? certain.blocked_pct
                                                                   : upper.blocked_pct);
      }
  return ctx->screening ? res : cache_put (ctx, l, party, TRUE, res);
}
