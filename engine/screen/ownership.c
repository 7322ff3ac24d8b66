/* ownership.c: OFAC's 50% rule over an ownership graph.
 *
 * Rule (OFAC, "Revised Guidance on Entities Owned by Persons Whose Property and
 * Interests in Property Are Blocked", 2014): an entity owned 50% or more, directly
 * or indirectly, in the aggregate by blocked persons is itself blocked. "Indirectly"
 * means through entities that are themselves blocked: if X (listed) owns 60% of A,
 * A is blocked, and A's 50% of B blocks B; if X owned only 40% of A, A would not be
 * blocked and nothing of A's holdings would count.
 *
 * So the blocked set is the least fixed point of
 *
 *     blocked(p) = listed(p) or sum of share(o, p) over blocked owners o >= 50
 *
 * computed by starting from the listed parties and sweeping until a sweep adds
 * nobody. The function is monotone (blocking a party only raises its holdings'
 * sums), so at most n sweeps are needed and cycles need no special care: a ring
 * of unlisted parties owning each other stays clear, because no sweep can start
 * it. Parties whose blocked owners hold at least review_pct but less than 50% are
 * flagged for review, not blocked.
 *
 * Shares are compared with a tolerance of 1e-9 percentage points so that stakes
 * such as 33.3333333 + 16.6666667 count as the 50% they are meant to be.
 */
#include "screen-private.h"

#define BLOCK_PCT 50.0
#define EPSILON   1e-9

static gboolean G_GNUC_PRINTF (2, 3)
invalid (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  GError *e = g_error_new_valist (SCREEN_ERROR, SCREEN_ERROR_INVALID, format, args);
  va_end (args);
  g_propagate_error (error, e);
  return FALSE;
}

/* The summed direct stakes of @p's blocked owners. */
static double
blocked_share (const ScreenParty *p, GHashTable *index, const gboolean *blocked)
{
  double sum = 0;
  for (gsize k = 0; k < p->n_owners; k++)
    {
      gpointer slot;
      if (g_hash_table_lookup_extended (index, p->owners[k].owner, NULL, &slot)
          && blocked[GPOINTER_TO_SIZE (slot)])
        sum += p->owners[k].share_pct;
    }
  return sum;
}

gboolean
screen_ownership_resolve (const ScreenParty *parties, gsize n_parties, double review_pct,
                          ScreenOwnership *out, GError **error)
{
  g_return_val_if_fail (parties != NULL || n_parties == 0, FALSE);
  g_return_val_if_fail (out != NULL || n_parties == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(review_pct > 0 && review_pct <= BLOCK_PCT))
    return invalid (error, "review_pct must lie in (0, 50]");

  /* name -> position in @parties */
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  for (gsize i = 0; i < n_parties; i++)
    {
      const ScreenParty *p = &parties[i];
      if (p->name == NULL)
        return invalid (error, "a party has no name");
      if (!g_hash_table_insert (index, (gpointer) p->name, GSIZE_TO_POINTER (i)))
        return invalid (error, "party \"%s\" appears twice", p->name);

      double total = 0;
      for (gsize k = 0; k < p->n_owners; k++)
        {
          double share = p->owners[k].share_pct;
          if (p->owners[k].owner == NULL || !(share >= 0 && share <= 100))
            return invalid (error, "party \"%s\" has an owner without a name or with a "
                                   "share outside 0..100", p->name);
          total += share;
        }
      if (total > 100 + EPSILON)
        return invalid (error, "the owners of \"%s\" hold more than 100%%", p->name);
    }

  g_autofree gboolean *blocked = g_new0 (gboolean, MAX (n_parties, 1));
  for (gsize i = 0; i < n_parties; i++)
    blocked[i] = parties[i].listed;

  for (gboolean changed = TRUE; changed;)
    {
      changed = FALSE;
      for (gsize i = 0; i < n_parties; i++)
        if (!blocked[i] && blocked_share (&parties[i], index, blocked) >= BLOCK_PCT - EPSILON)
          blocked[i] = changed = TRUE;
    }

  for (gsize i = 0; i < n_parties; i++)
    {
      double share = blocked_share (&parties[i], index, blocked);
      out[i].blocked_pct = share;
      out[i].status = blocked[i]                      ? SCREEN_OWNERSHIP_BLOCKED
                      : share >= review_pct - EPSILON ? SCREEN_OWNERSHIP_REVIEW
                                                      : SCREEN_OWNERSHIP_CLEAR;
    }
  return TRUE;
}
