/* api.c: the library's version, the version check of option structs, and the names of
 * the public enums: small, stateless, and used by every layer above it.
 */
#include "diag.h"

#include <string.h>

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
    case EMBARGO_MATCH_NOT_NEEDED: return "not_needed";
    }
  return "unknown";
}

const char *
embargo_screen_verdict_to_string (EmbargoScreenVerdict verdict)
{
  switch (verdict)
    {
    case EMBARGO_SCREEN_POSSIBLE: return "possible";
    case EMBARGO_SCREEN_MATCH: return "match";
    }
  return "unknown";
}
