/* screen-api.c: the public screening API (embargo.h, "Screening") over engine/screen.
 *
 * An EmbargoScreener is one ScreenList (entries of every list added: SDN, CSL
 * sources, names lists of rule sets) and, once the first query comes, its
 * ScreenIndex. The index is built under a lock and published with an atomic store
 * (release; readers load it with acquire), so the first screenings may race from
 * several threads and still build it once; after that the screener is frozen and
 * read-only. Per-list settings (thresholds, the effect of a match) are looked up
 * by the entry's source; lists without settings get the defaults and DENY.
 *
 * Queries are screened with the lowest possible threshold of any list (or the
 * caller's), without a result limit; each hit is then judged by its own list's
 * thresholds and the survivors are cut to max_results. No I/O here: the file helpers
 * are in screen-file.c.
 */
#include "doc.h"
#include "diag.h"
#include "rules.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define DEFAULT_MAX_RESULTS 10

typedef struct {
  double match, possible;
  EmbargoOutcome effect;
} ListSettings;

struct _EmbargoScreener {
  gint refcount;
  ScreenList *list;
  GHashTable *settings; /* source -> ListSettings* (both owned) */
  GMutex lock;          /* serializes building the index */
  ScreenIndex *index;   /* NULL until the first query; atomic */
};

struct _EmbargoScreenResult {
  EmbargoScreener *screener; /* a reference: the candidates' strings are its */
  GArray *candidates;        /* EmbargoScreenCandidate */
  EmbargoOutcome outcome;
};

static const ListSettings default_settings = { 0.92, 0.80, EMBARGO_OUTCOME_DENY };

EmbargoScreener *
embargo_screener_new (void)
{
  EmbargoScreener *s = g_new0 (EmbargoScreener, 1);
  s->refcount = 1;
  s->list = screen_list_new ();
  s->settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_mutex_init (&s->lock);
  return s;
}

EmbargoScreener *
embargo_screener_ref (EmbargoScreener *s)
{
  g_return_val_if_fail (s != NULL, NULL);
  g_atomic_int_inc (&s->refcount);
  return s;
}

void
embargo_screener_unref (EmbargoScreener *s)
{
  if (s == NULL || !g_atomic_int_dec_and_test (&s->refcount))
    return;
  screen_index_free (s->index);
  g_mutex_clear (&s->lock);
  screen_list_unref (s->list);
  g_hash_table_destroy (s->settings);
  g_free (s);
}

gsize
embargo_screener_get_entry_count (const EmbargoScreener *s)
{
  g_return_val_if_fail (s != NULL, 0);
  return screen_list_get_n_entries (s->list);
}

/* engine/screen errors, in the public domains. */
static void
set_load_error (GError **error, GError *local)
{
  static const int codes[] = {
    [SCREEN_ERROR_PARSE] = EMBARGO_LOAD_ERROR_SYNTAX,
    [SCREEN_ERROR_INVALID] = EMBARGO_LOAD_ERROR_INVALID,
    [SCREEN_ERROR_FROZEN] = EMBARGO_LOAD_ERROR_FAILED,
    [SCREEN_ERROR_IO] = EMBARGO_LOAD_ERROR_IO,
  };
  int code = local->domain == SCREEN_ERROR && local->code >= 0
                 && local->code < (int) G_N_ELEMENTS (codes)
               ? codes[local->code] : EMBARGO_LOAD_ERROR_FAILED;
  g_set_error_literal (error, EMBARGO_LOAD_ERROR, code, local->message);
}

static gboolean
frozen (const EmbargoScreener *s, GError **error)
{
  /* GLib's atomic load takes a non-const pointer; reading does not modify S. */
  if (g_atomic_pointer_get ((ScreenIndex **) &s->index) == NULL)
    return FALSE;
  g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_FAILED,
               "the screener has screened already: add every list before the first query");
  return TRUE;
}

static GBytes *
bytes_or_null (const char *data, gsize len)
{
  return data ? g_bytes_new_static (data, len) : NULL;
}

gboolean
embargo_screener_add_sdn (EmbargoScreener *s, const char *sdn, gsize sdn_len, const char *alt,
                          gsize alt_len, const char *add, gsize add_len, const char *comments,
                          gsize comments_len, GError **error)
{
  g_return_val_if_fail (s != NULL && sdn != NULL, FALSE);
  if (frozen (s, error))
    return FALSE;
  g_autoptr (GBytes) b_sdn = bytes_or_null (sdn, sdn_len);
  g_autoptr (GBytes) b_alt = bytes_or_null (alt, alt_len);
  g_autoptr (GBytes) b_add = bytes_or_null (add, add_len);
  g_autoptr (GBytes) b_comments = bytes_or_null (comments, comments_len);
  g_autoptr (GError) local = NULL;
  if (!screen_list_load_sdn (s->list, b_sdn, b_alt, b_add, b_comments, &local))
    {
      set_load_error (error, local);
      return FALSE;
    }
  return TRUE;
}

gboolean
embargo_screener_add_csl (EmbargoScreener *s, const char *data, gsize len,
                          const char *source_name, GError **error)
{
  g_return_val_if_fail (s != NULL && data != NULL, FALSE);
  if (frozen (s, error))
    return FALSE;
  g_autoptr (GBytes) b = g_bytes_new_static (data, len);
  g_autoptr (GError) local = NULL;
  if (!screen_list_load_csl (s->list, b, source_name, &local))
    {
      set_load_error (error, local);
      return FALSE;
    }
  return TRUE;
}

gboolean
embargo_screener_add_list (EmbargoScreener *s, EmbargoListFormat format, const char *data,
                           gsize len, const char *source_name, GError **error)
{
  g_return_val_if_fail (s != NULL && (data != NULL || len == 0), FALSE);
  if (frozen (s, error))
    return FALSE;
  g_autoptr (GBytes) b = g_bytes_new_static (data ? data : "", len);
  g_autoptr (GError) local = NULL;
  if (!screen_list_load_format (s->list, format, b, source_name, &local))
    {
      set_load_error (error, local);
      return FALSE;
    }
  return TRUE;
}

/* ---- names lists of a rule set ---- */

/* The most severe effect of the restrictions whose conditions use list L. */
static void
cond_effect (const Cond *c, const EList *l, EmbargoOutcome effect, EmbargoOutcome *out,
             gboolean *used)
{
  if (c == NULL)
    return;
  for (guint32 i = 0; c->kind == C_TEST && i < c->nops; i++)
    if (c->ops[i].kind == OP_IN_LIST && c->ops[i].list == l)
      {
        *used = TRUE;
        *out = MAX (*out, effect);
      }
  for (guint32 i = 0; i < c->nkids; i++)
    cond_effect (c->kids[i], l, effect, out, used);
}

static EmbargoOutcome
list_effect (const EmbargoRuleset *rs, const EList *l)
{
  EmbargoOutcome effect = EMBARGO_OUTCOME_ALLOW;
  gboolean used = FALSE;
  for (guint32 i = 0; i < rs->nrules; i++)
    if (!rs->rules[i]->is_exception)
      cond_effect (rs->rules[i]->when, l, rs->rules[i]->effect, &effect, &used);
  return used && effect != EMBARGO_OUTCOME_ALLOW ? effect : EMBARGO_OUTCOME_DENY;
}

/* A NULL-terminated copy of a GPtrArray of strings (the strings are borrowed). */
static const char **
strv_of (const GPtrArray *a)
{
  const char **v = g_new0 (const char *, (a ? a->len : 0) + 1);
  for (guint i = 0; a && i < a->len; i++)
    v[i] = g_ptr_array_index (a, i);
  return v;
}

static void
add_names_list (EmbargoScreener *s, const EmbargoRuleset *rs, const EList *l)
{
  ListSettings *st = g_new (ListSettings, 1);
  *st = (ListSettings) { l->match, l->possible, list_effect (rs, l) };
  g_hash_table_replace (s->settings, g_strdup (l->id), st);
  guint n = l->screen_list ? screen_list_get_n_entries (l->screen_list) : 0;
  for (guint i = 0; i < n; i++)
    {
      const ScreenEntry *e = screen_list_get_entry (l->screen_list, i);
      g_autofree const char **aliases = strv_of (e->aliases);
      g_autofree const char **countries = strv_of (e->countries);
      ScreenEntrySpec spec = {
        .source = l->id, .ref = e->ref, .name = e->name, .type = e->type,
        .program = e->program, .listed_on = e->listed_on, .aliases = aliases,
        .countries = countries,
        .identifiers = (const ScreenIdentifier *) e->identifiers->data,
        .n_identifiers = e->identifiers->len,
      };
      /* Members were checked when the rule set loaded: this cannot fail. */
      if (screen_list_add (s->list, &spec, NULL) == NULL)
        g_warn_if_reached ();
    }
}

gboolean
embargo_screener_add_ruleset (EmbargoScreener *s, EmbargoRuleset *rs, const char *list_id,
                              GError **error)
{
  g_return_val_if_fail (s != NULL && rs != NULL, FALSE);
  if (frozen (s, error))
    return FALSE;
  if (list_id)
    {
      const EList *l = g_hash_table_lookup (rs->lists, list_id);
      if (l == NULL || l->kind != LIST_NAMES)
        {
          g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                       "the rule set has no names list '%s'", list_id);
          return FALSE;
        }
      add_names_list (s, rs, l);
      return TRUE;
    }
  /* Every names list, in id order so that entry order (and ties) are stable. */
  g_autofree gpointer *ids = g_hash_table_get_keys_as_array (rs->lists, NULL);
  guint n = g_hash_table_size (rs->lists);
  qsort (ids, n, sizeof *ids, cmp_strp);
  for (guint i = 0; i < n; i++)
    {
      const EList *l = g_hash_table_lookup (rs->lists, ids[i]);
      if (l->kind == LIST_NAMES)
        add_names_list (s, rs, l);
    }
  return TRUE;
}

/* ---- screening ---- */

static const ScreenIndex *
screener_index (EmbargoScreener *s)
{
  ScreenIndex *ix = g_atomic_pointer_get (&s->index);
  if (ix != NULL)
    return ix;
  g_mutex_lock (&s->lock);
  ix = g_atomic_pointer_get (&s->index);
  if (ix == NULL)
    {
      ix = screen_index_new (s->list);
      g_atomic_pointer_set (&s->index, ix);
    }
  g_mutex_unlock (&s->lock);
  return ix;
}

static const char *const type_names[] = {
  [SCREEN_TYPE_INDIVIDUAL] = "individual", [SCREEN_TYPE_ENTITY] = "entity",
  [SCREEN_TYPE_VESSEL] = "vessel", [SCREEN_TYPE_AIRCRAFT] = "aircraft",
};

static gboolean
query_error (GError **error, const char *msg)
{
  g_set_error_literal (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID, msg);
  return FALSE;
}

/* Fills Q from the public query; ID_STORE keeps the split "kind:value" strings. */
static gboolean
query_of (const EmbargoScreenQuery *in, ScreenQuery *q, GArray *ids, GPtrArray *id_store,
          GError **error)
{
  memset (q, 0, sizeof *q);
  q->name = in->name;
  q->country = in->country;
  if (in->type)
    {
      for (guint t = SCREEN_TYPE_INDIVIDUAL; t < G_N_ELEMENTS (type_names); t++)
        if (g_ascii_strcasecmp (in->type, type_names[t]) == 0)
          q->type = t;
      if (q->type == SCREEN_TYPE_UNKNOWN)
        return query_error (error, "the query's type must be individual, entity, vessel or "
                                   "aircraft");
    }
  for (const char *const *id = in->ids; id && *id; id++)
    {
      const char *colon = strchr (*id, ':');
      if (colon == NULL || colon == *id || colon[1] == '\0')
        return query_error (error, "a query id is written kind:value (passport:1084010)");
      char *kind = g_strndup (*id, colon - *id);
      g_ptr_array_add (id_store, kind);
      ScreenIdentifier si = { kind, colon + 1, NULL };
      g_array_append_val (ids, si);
    }
  q->identifiers = (const ScreenIdentifier *) ids->data;
  q->n_identifiers = ids->len;
  if ((in->name == NULL || in->name[0] == '\0') && ids->len == 0)
    return query_error (error, "the query has neither a name nor ids");
  if (in->name && !g_utf8_validate (in->name, -1, NULL))
    return query_error (error, "the query's name is not valid UTF-8");
  if (in->match_threshold < 0 || in->match_threshold > 1 || in->possible_threshold < 0
      || in->possible_threshold > 1
      || (in->match_threshold > 0 && in->possible_threshold > in->match_threshold))
    return query_error (error, "thresholds must satisfy 0 < possible <= match <= 1");
  return TRUE;
}

EmbargoScreenResult *
embargo_screener_screen (EmbargoScreener *s, const EmbargoScreenQuery *query, GError **error)
{
  g_return_val_if_fail (s != NULL && query != NULL, NULL);
  if (!OPTIONS_VERSION_OK (query, EMBARGO_SCREEN_QUERY_VERSION, "EmbargoScreenQuery",
                          EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID, error))
    return NULL;

  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (ScreenIdentifier));
  g_autoptr (GPtrArray) id_store = g_ptr_array_new_with_free_func (g_free);
  ScreenQuery q;
  if (!query_of (query, &q, ids, id_store, error))
    return NULL;

  /* Screen at the lowest threshold any list can report at, judge each hit by its list. */
  ScreenOptions opts;
  screen_options_init (&opts);
  opts.max_results = 0;
  opts.possible_threshold = query->possible_threshold > 0 ? query->possible_threshold
                                                          : default_settings.possible;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init (&it, s->settings);
  while (query->possible_threshold <= 0 && g_hash_table_iter_next (&it, NULL, &v))
    opts.possible_threshold = MIN (opts.possible_threshold, ((ListSettings *) v)->possible);
  opts.match_threshold = MAX (opts.possible_threshold, query->match_threshold > 0
                                                           ? query->match_threshold
                                                           : default_settings.match);

  const ScreenIndex *ix = screener_index (s);
  g_autoptr (GError) local = NULL;
  g_autoptr (GArray) hits = screen_index_screen (ix, &q, &opts, &local);
  if (hits == NULL)
    {
      g_set_error_literal (error, EMBARGO_EVAL_ERROR, EMBARGO_EVAL_ERROR_INVALID,
                           local->message);
      return NULL;
    }

  EmbargoScreenResult *r = g_new0 (EmbargoScreenResult, 1);
  r->screener = embargo_screener_ref (s);
  r->candidates = g_array_new (FALSE, FALSE, sizeof (EmbargoScreenCandidate));
  r->outcome = EMBARGO_OUTCOME_ALLOW;
  for (guint i = 0; i < hits->len; i++)
    {
      const ScreenHit *h = &g_array_index (hits, ScreenHit, i);
      const ListSettings *st = g_hash_table_lookup (s->settings, h->entry->source);
      if (st == NULL)
        st = &default_settings;
      double match = query->match_threshold > 0 ? query->match_threshold : st->match;
      double possible = query->possible_threshold > 0 ? query->possible_threshold
                                                      : MIN (st->possible, match);
      gboolean by_id = (h->flags & SCREEN_HIT_IDENTIFIER) != 0;
      gboolean conflict = (h->flags & SCREEN_HIT_CONFLICT) != 0; /* never below possible */
      if (h->score < possible && !by_id && !conflict)
        continue;
      EmbargoScreenCandidate c = {
        .list = h->entry->source, .ref = h->entry->ref, .entry = h->entry->name,
        .matched = h->matched_name, .alias = h->matched_alias, .score = h->score,
        .verdict = (h->score >= match && !conflict) || by_id ? EMBARGO_SCREEN_MATCH
                                                             : EMBARGO_SCREEN_POSSIBLE,
        .effect = st->effect,
        .type = h->entry->type < G_N_ELEMENTS (type_names) ? type_names[h->entry->type] : NULL,
        .program = h->entry->program, .by_identifier = by_id,
        .country_mismatch = (h->flags & SCREEN_HIT_COUNTRY_MISMATCH) != 0,
        .how = screen_hit_how (h),
      };
      g_array_append_val (r->candidates, c);
      r->outcome = MAX (r->outcome, c.verdict == EMBARGO_SCREEN_MATCH ? c.effect
                                                                      : EMBARGO_OUTCOME_REVIEW);
    }
  /* Hits come sorted (score, then entry order) and filtering keeps the order. */
  guint max = query->max_results ? query->max_results : DEFAULT_MAX_RESULTS;
  if (r->candidates->len > max)
    g_array_set_size (r->candidates, max);
  return r;
}

gsize
embargo_screen_result_get_count (const EmbargoScreenResult *r)
{
  g_return_val_if_fail (r != NULL, 0);
  return r->candidates->len;
}

const EmbargoScreenCandidate *
embargo_screen_result_get (const EmbargoScreenResult *r, gsize index)
{
  g_return_val_if_fail (r != NULL, NULL);
  return index < r->candidates->len
           ? &g_array_index (r->candidates, EmbargoScreenCandidate, index) : NULL;
}

EmbargoOutcome
embargo_screen_result_get_outcome (const EmbargoScreenResult *r)
{
  g_return_val_if_fail (r != NULL, EMBARGO_OUTCOME_DENY);
  return r->outcome;
}

void
embargo_screen_result_free (EmbargoScreenResult *r)
{
  if (r == NULL)
    return;
  g_array_unref (r->candidates);
  embargo_screener_unref (r->screener);
  g_free (r);
}

/* ---- a screener's entries as a names list of a rule file ---- */

typedef struct {
  yaml_emitter_t emitter;
  GString       *out;
  gboolean       ok;
} Yaml;

static int
yaml_write (void *data, unsigned char *buffer, size_t size)
{
  g_string_append_len (((Yaml *) data)->out, (const char *) buffer, (gssize) size);
  return 1;
}

static void
yaml_emit (Yaml *y, yaml_event_t *ev)
{
  if (y->ok && !yaml_emitter_emit (&y->emitter, ev))
    y->ok = FALSE;
}

static void
yaml_scalar (Yaml *y, const char *text, gboolean quoted)
{
  yaml_event_t ev;
  yaml_scalar_event_initialize (&ev, NULL, NULL, (yaml_char_t *) text, -1, !quoted, quoted,
                                quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE);
  yaml_emit (y, &ev);
}

static void
yaml_pair (Yaml *y, const char *key, const char *value)
{
  if (value == NULL)
    return;
  yaml_scalar (y, key, FALSE);
  yaml_scalar (y, value, TRUE);
}

static void
yaml_open (Yaml *y, gboolean map, gboolean flow)
{
  yaml_event_t ev;
  if (map)
    yaml_mapping_start_event_initialize (&ev, NULL, NULL, 1,
                                         flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
  else
    yaml_sequence_start_event_initialize (&ev, NULL, NULL, 1,
                                          flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
  yaml_emit (y, &ev);
}

static void
yaml_close (Yaml *y, gboolean map)
{
  yaml_event_t ev;
  if (map)
    yaml_mapping_end_event_initialize (&ev);
  else
    yaml_sequence_end_event_initialize (&ev);
  yaml_emit (y, &ev);
}

static void
member_yaml (Yaml *y, const ScreenEntry *e)
{
  yaml_open (y, TRUE, FALSE);
  yaml_pair (y, "name", e->name);
  if (e->aliases->len > 0)
    {
      yaml_scalar (y, "aliases", FALSE);
      yaml_open (y, FALSE, FALSE);
      for (guint i = 0; i < e->aliases->len; i++)
        yaml_scalar (y, g_ptr_array_index (e->aliases, i), TRUE);
      yaml_close (y, FALSE);
    }
  if (e->countries->len == 1)
    yaml_pair (y, "country", g_ptr_array_index (e->countries, 0));
  if (e->type < G_N_ELEMENTS (type_names))
    yaml_pair (y, "type", type_names[e->type]);
  yaml_pair (y, "program", e->program);
  yaml_pair (y, "from", e->listed_on);
  if (e->identifiers->len > 0)
    {
      /* kind: [values], kinds in order of first appearance */
      yaml_scalar (y, "ids", FALSE);
      yaml_open (y, TRUE, FALSE);
      g_autoptr (GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < e->identifiers->len; i++)
        {
          const ScreenIdentifier *id = &g_array_index (e->identifiers, ScreenIdentifier, i);
          if (!g_hash_table_add (done, (gpointer) id->kind))
            continue;
          yaml_scalar (y, id->kind, TRUE);
          yaml_open (y, FALSE, TRUE);
          for (guint j = i; j < e->identifiers->len; j++)
            {
              const ScreenIdentifier *o = &g_array_index (e->identifiers, ScreenIdentifier, j);
              if (strcmp (o->kind, id->kind) == 0)
                yaml_scalar (y, o->value, TRUE);
            }
          yaml_close (y, FALSE);
        }
      yaml_close (y, TRUE);
    }
  g_autofree char *notes = g_strdup_printf ("%s%s%s%s", e->source, e->ref ? " " : "",
                                            e->ref ? e->ref : "",
                                            e->countries->len > 1 ? " (several countries)" : "");
  yaml_pair (y, "notes", notes);
  yaml_close (y, TRUE);
}

static gboolean
valid_id (const char *id)
{
  if (id == NULL || id[0] == '\0')
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

char *
embargo_screener_to_names_list (EmbargoScreener *s, const char *list_id, const char *title,
                                GError **error)
{
  g_return_val_if_fail (s != NULL && list_id != NULL, NULL);
  guint n = screen_list_get_n_entries (s->list);
  if (!valid_id (list_id) || n == 0)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID,
                   n == 0 ? "no entries to write" : "'%s' is not a list id ([A-Za-z0-9._-])",
                   list_id);
      return NULL;
    }
  Yaml y = { .out = g_string_new (NULL), .ok = TRUE };
  yaml_emitter_initialize (&y.emitter);
  yaml_emitter_set_output (&y.emitter, yaml_write, &y);
  yaml_emitter_set_unicode (&y.emitter, 1);
  yaml_emitter_set_width (&y.emitter, -1);
  yaml_event_t ev;
  yaml_stream_start_event_initialize (&ev, YAML_UTF8_ENCODING);
  yaml_emit (&y, &ev);
  yaml_document_start_event_initialize (&ev, NULL, NULL, NULL, 1);
  yaml_emit (&y, &ev);
  yaml_open (&y, TRUE, FALSE);
  yaml_scalar (&y, "lists", FALSE);
  yaml_open (&y, FALSE, FALSE);
  yaml_open (&y, TRUE, FALSE);
  yaml_pair (&y, "id", list_id);
  yaml_scalar (&y, "kind", FALSE);
  yaml_scalar (&y, "names", FALSE);
  yaml_pair (&y, "title", title);
  yaml_scalar (&y, "members", FALSE);
  yaml_open (&y, FALSE, FALSE);
  for (guint i = 0; i < n; i++)
    member_yaml (&y, screen_list_get_entry (s->list, i));
  yaml_close (&y, FALSE);
  yaml_close (&y, TRUE);
  yaml_close (&y, FALSE);
  yaml_close (&y, TRUE);
  yaml_document_end_event_initialize (&ev, 1);
  yaml_emit (&y, &ev);
  yaml_stream_end_event_initialize (&ev);
  yaml_emit (&y, &ev);
  yaml_emitter_delete (&y.emitter);
  if (!y.ok)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_FAILED,
                   "writing the names list failed");
      g_string_free (y.out, TRUE);
      return NULL;
    }
  return g_string_free (y.out, FALSE);
}
