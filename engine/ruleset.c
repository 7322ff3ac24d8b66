/* ruleset.c: the compiled rule set's lifetime and accessors. */
#include "doc.h"
#include "rules.h"
#include "index.h"

EmbargoRuleset *
embargo_ruleset_ref (EmbargoRuleset *rs)
{
  g_return_val_if_fail (rs != NULL, NULL);
  g_atomic_int_inc (&rs->refcount);
  return rs;
}

void
embargo_ruleset_unref (EmbargoRuleset *rs)
{
  if (rs == NULL || !g_atomic_int_dec_and_test (&rs->refcount))
    return;
  index_free (rs->index);
  g_ptr_array_free (rs->tables, TRUE);
  g_hash_table_destroy (rs->by_id);
  g_hash_table_destroy (rs->lists);
  g_string_chunk_free (rs->strings);
  arena_clear (&rs->arena);
  g_free (rs);
}

gsize
embargo_ruleset_get_rule_count (const EmbargoRuleset *rs)
{
  g_return_val_if_fail (rs != NULL, 0);
  return rs->nrules;
}

const EmbargoRule *
embargo_ruleset_get_rule (const EmbargoRuleset *rs, gsize index)
{
  g_return_val_if_fail (rs != NULL, NULL);
  return index < rs->nrules ? rs->rules[index] : NULL;
}

const EmbargoRule *
embargo_ruleset_lookup_rule (const EmbargoRuleset *rs, const char *id)
{
  g_return_val_if_fail (rs != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (rs->by_id, id);
}

const char *
embargo_ruleset_get_digest (const EmbargoRuleset *rs)
{
  g_return_val_if_fail (rs != NULL, NULL);
  return rs->digest;
}

const char *const *
embargo_ruleset_get_regimes (const EmbargoRuleset *rs)
{
  g_return_val_if_fail (rs != NULL, NULL);
  return rs->regimes;
}

#define GETTER(name, field)                                                                       \
  const char *embargo_rule_get_##name (const EmbargoRule *rule)                                  \
  {                                                                                              \
    g_return_val_if_fail (rule != NULL, NULL);                                                   \
    return rule->field;                                                                          \
  }

GETTER (id, id)
GETTER (title, title)
GETTER (regime, regime)
GETTER (authority, authority)
GETTER (citation, citation)
GETTER (source_url, source_url)
GETTER (unverified, unverified)
GETTER (message_template, message)
GETTER (effective_from, from_text)
GETTER (effective_until, until_text)
GETTER (source_name, source_name)
GETTER (fingerprint, fingerprint)

EmbargoOutcome
embargo_rule_get_effect (const EmbargoRule *rule)
{
  g_return_val_if_fail (rule != NULL, EMBARGO_OUTCOME_DENY);
  return rule->effect;
}

gboolean
embargo_rule_is_exception (const EmbargoRule *rule)
{
  g_return_val_if_fail (rule != NULL, FALSE);
  return rule->is_exception;
}

unsigned
embargo_rule_get_line (const EmbargoRule *rule)
{
  g_return_val_if_fail (rule != NULL, 0);
  return rule->line;
}

gsize
embargo_rule_get_index (const EmbargoRule *rule)
{
  g_return_val_if_fail (rule != NULL, 0);
  return rule->index;
}
