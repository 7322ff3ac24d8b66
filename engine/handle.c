/* handle.c: a rule set that long-running programs can replace while serving.
 *
 * The handle holds one reference on the current rule set. Readers take their own
 * reference under a reader lock held only for "load the pointer, add a reference": no
 * I/O, no allocation, a few instructions, and readers never wait for each other. A
 * reload loads and compiles the new rule set with no lock held, and only swaps the
 * pointer under the writer lock; the old set is released after the lock is dropped,
 * and lives on for every reader that still holds it (a decision in progress finishes
 * under the rules it started with). A rule set that fails to load is never swapped in:
 * the old one keeps serving and the error says why.
 *
 * A lock, not a lock-free exchange: a reader must add its reference before a writer
 * can drop the handle's, and making that safe without a lock needs hazard pointers or
 * RCU. A GRWLock rather than a GMutex: readers share it, and it is a pthread rwlock,
 * which ThreadSanitizer understands (GLib's GMutex is a raw futex on Linux).
 */
#include "file.h"

#include <string.h>

struct _EmbargoRulesetHandle {
  GRWLock lock;          /* guards `current` only */
  EmbargoRuleset *current;
  GRWLock reload_lock;   /* writers only: serializes reloads, in call order */
};

EmbargoRulesetHandle *
embargo_handle_new (EmbargoRuleset *initial)
{
  g_return_val_if_fail (initial != NULL, NULL);
  EmbargoRulesetHandle *h = g_new0 (EmbargoRulesetHandle, 1);
  g_rw_lock_init (&h->lock);
  g_rw_lock_init (&h->reload_lock);
  h->current = embargo_ruleset_ref (initial);
  return h;
}

void
embargo_handle_free (EmbargoRulesetHandle *h)
{
  if (h == NULL)
    return;
  embargo_ruleset_unref (h->current);
  g_rw_lock_clear (&h->lock);
  g_rw_lock_clear (&h->reload_lock);
  g_free (h);
}

EmbargoRuleset *
embargo_handle_get (EmbargoRulesetHandle *h)
{
  g_return_val_if_fail (h != NULL, NULL);
  g_rw_lock_reader_lock (&h->lock);
  EmbargoRuleset *rs = embargo_ruleset_ref (h->current);
  g_rw_lock_reader_unlock (&h->lock);
  return rs;
}

void
embargo_handle_set (EmbargoRulesetHandle *h, EmbargoRuleset *rs)
{
  g_return_if_fail (h != NULL);
  g_return_if_fail (rs != NULL);
  embargo_ruleset_ref (rs);
  g_rw_lock_writer_lock (&h->lock);
  EmbargoRuleset *old = h->current;
  h->current = rs;
  g_rw_lock_writer_unlock (&h->lock);
  embargo_ruleset_unref (old); /* outside the lock: freeing a large set takes time */
}

gboolean
embargo_handle_reload_paths (EmbargoRulesetHandle *h, const char *const *paths, GError **error)
{
  g_return_val_if_fail (h != NULL, FALSE);
  g_return_val_if_fail (paths != NULL, FALSE);
  g_rw_lock_writer_lock (&h->reload_lock);
  EmbargoRuleset *rs = embargo_ruleset_new_from_paths (paths, error);
  if (rs)
    {
      embargo_handle_set (h, rs);
      embargo_ruleset_unref (rs);
    }
  g_rw_lock_writer_unlock (&h->reload_lock);
  return rs != NULL;
}
