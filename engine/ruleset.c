/* ruleset.c: the compiled rule set's lifetime and accessors, and small public helpers. */
#include "embargo-private.h"

int
embargo_version_number (void)
{
  return EMBARGO_VERSION_NUMBER;
}

const char *
embargo_version_string (void)
{
  return EMBARGO_VERSION_STRING;
}

gboolean
options_version_ok (unsigned version, unsigned want, const char *type, GQuark domain,
                    int code, GError **error)
{
  if (version == want)
    return TRUE;
  g_set_error (error, domain, code,
               "%s has version %u, but this library (embargo %s) reads version %u: "
               "initialize it with its _INIT macro from the header the program is built with",
               type, version, EMBARGO_VERSION_STRING, want);
  return FALSE;
}

static const char *const outcome_names[] = { "allow", "review", "license_required", "deny" };

const char *
embargo_outcome_to_string (EmbargoOutcome outcome)
{
  if ((unsigned) outcome > EMBARGO_OUTCOME_DENY)
    return "unknown";
  return outcome_names[outcome];
}

gboolean
embargo_outcome_from_string (const char *name, EmbargoOutcome *outcome)
{
  g_return_val_if_fail (outcome != NULL, FALSE);
  if (name == NULL)
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (strcmp (name, outcome_names[i]) == 0)
      {
        *outcome = (EmbargoOutcome) i;
        return TRUE;
      }
  return FALSE;
}

const char *
embargo_match_status_to_string (EmbargoMatchStatus status)
{
  switch (status)
    {
    case EMBARGO_MATCH_DECISIVE: return "decisive";
    case EMBARGO_MATCH_OUTWEIGHED: return "outweighed";
    case EMBARGO_MATCH_LIFTED: return "lifted";
    }
  return "unknown";
}

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

EmbargoRuleset *
embargo_ruleset_new_from_data (const char *data, gsize len, const char *source_name,
                               GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (source_name != NULL, NULL);
  EmbargoLoader *ld = embargo_loader_new (NULL);
  EmbargoRuleset *rs = NULL;
  /* On a file error, finish() still runs so that the error lists every problem. */
  embargo_loader_add_data (ld, data, len, source_name, NULL);
  rs = embargo_loader_finish (ld, error);
  embargo_loader_free (ld);
  return rs;
}

EmbargoRuleset *
embargo_ruleset_new_from_paths (const char *const *paths, GError **error)
{
  g_return_val_if_fail (paths != NULL, NULL);
  EmbargoLoader *ld = embargo_loader_new (NULL);
  for (const char *const *p = paths; *p; p++)
    {
      GError *e = NULL;
      if (!embargo_loader_add_path (ld, *p, &e))
        {
          if (e->code == EMBARGO_LOAD_ERROR_IO)
            {
              g_propagate_error (error, e);
              embargo_loader_free (ld);
              return NULL;
            }
          g_error_free (e);
        }
    }
  EmbargoRuleset *rs = embargo_loader_finish (ld, error);
  embargo_loader_free (ld);
  return rs;
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
