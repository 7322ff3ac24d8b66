/* import.c: sanctions lists in their publishers' own formats.
 *
 * Beside OFAC's SDN files and the CSL (list.c), screening reads:
 *
 *  - the EU Financial Sanctions Files, XML (root <export>, namespace
 *    http://eu.europa.ec/fpi/fsd/export): one <sanctionEntity> per listed party, its
 *    <subjectType code="person|enterprise">, <nameAlias wholeName=...> (the first is
 *    the name, the others aliases), <regulation programme=... entryIntoForceDate=...>,
 *    <citizenship>, <address> and <identification> with countryIso2Code attributes;
 *  - the UN Security Council Consolidated List, XML (root <CONSOLIDATED_LIST>):
 *    <INDIVIDUAL> and <ENTITY> with FIRST_NAME..FOURTH_NAME, REFERENCE_NUMBER,
 *    UN_LIST_TYPE, LISTED_ON, NAME_ORIGINAL_SCRIPT, *_ALIAS (ALIAS_NAME, QUALITY),
 *    NATIONALITY/VALUE, *_ADDRESS/COUNTRY and INDIVIDUAL_DOCUMENT;
 *  - the UK Sanctions List, XML (root <Designations>): <Designation> with UniqueID,
 *    IndividualEntityShip, Names/Name (Name1..Name6, NameType), NameNonLatinScript,
 *    RegimeName, DateDesignated (dd/mm/yyyy), AddressCountry, Nationality, IMONumber
 *    and PassportNumber;
 *  - OpenSanctions: FollowTheMoney entities as JSON Lines (one object per line with
 *    "schema" and "properties"; only people, organisations, vessels and aircraft, and
 *    only targets when the line says), and its targets.simple.csv export (columns by
 *    header name; several values in a cell are themselves ';'-separated CSV).
 *
 * Every loader reads the whole input into staged entries first and adds them to the
 * list only when all of it was read: a list is never left half-loaded. Errors are
 * SCREEN_ERROR_PARSE with "FILE:LINE: " in front. XML is parsed by libxml2 without
 * network access and without loading external entities or DTDs.
 */
#include "screen-private.h"

#include <csv.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* ---- staged entries ---- */

typedef struct {
  const char     *ref, *name, *program, *listed_on;
  ScreenEntryType type;
  GPtrArray      *aliases;   /* of const char *, in the chunk */
  GPtrArray      *countries; /* of const char *, in the chunk */
  GArray         *ids;       /* of ScreenIdentifier, strings in the chunk */
} Staged;

typedef struct {
  const char   *source;
  const char   *filename;
  GStringChunk *chunk;
  GArray       *entries; /* of Staged */
  GHashTable   *programs; /* the current entry's programs, to join without repeats */
} Import;

static void
staged_clear (gpointer p)
{
  Staged *s = p;
  g_ptr_array_unref (s->aliases);
  g_ptr_array_unref (s->countries);
  g_array_unref (s->ids);
}

static void
import_init (Import *im, const char *source, const char *filename)
{
  im->source = source;
  im->filename = filename;
  im->chunk = g_string_chunk_new (4096);
  im->entries = g_array_new (FALSE, TRUE, sizeof (Staged));
  g_array_set_clear_func (im->entries, staged_clear);
}

static void
import_clear (Import *im)
{
  g_string_chunk_free (im->chunk);
  g_array_unref (im->entries);
}

/* Text with white space collapsed and trimmed, in the chunk; NULL when empty. */
static const char *
keep (Import *im, const char *text)
{
  if (text == NULL)
    return NULL;
  GString *s = g_string_new (NULL);
  gboolean space = FALSE;
  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isspace (*p))
        space = s->len > 0;
      else
        {
          if (space)
            g_string_append_c (s, ' ');
          space = FALSE;
          g_string_append_c (s, *p);
        }
    }
  const char *out = s->len ? g_string_chunk_insert_const (im->chunk, s->str) : NULL;
  g_string_free (s, TRUE);
  return out;
}

static Staged *
stage (Import *im)
{
  Staged s = { 0 };
  s.aliases = g_ptr_array_new ();
  s.countries = g_ptr_array_new ();
  s.ids = g_array_new (FALSE, TRUE, sizeof (ScreenIdentifier));
  g_array_append_val (im->entries, s);
  return &g_array_index (im->entries, Staged, im->entries->len - 1);
}

/* The first name given becomes the name, later ones aliases (each once). */
static void
add_name (Import *im, Staged *s, const char *name)
{
  const char *n = keep (im, name);
  if (n == NULL)
    return;
  if (s->name == NULL)
    {
      s->name = n;
      return;
    }
  if (strcmp (n, s->name) == 0)
    return;
  for (guint i = 0; i < s->aliases->len; i++)
    if (strcmp (n, g_ptr_array_index (s->aliases, i)) == 0)
      return;
  g_ptr_array_add (s->aliases, (gpointer) n);
}

static void
add_country (Import *im, Staged *s, const char *country)
{
  const char *c = keep (im, country);
  if (c != NULL)
    g_ptr_array_add (s->countries, (gpointer) c);
}

static void
add_id (Import *im, Staged *s, const char *kind, const char *value, const char *country)
{
  const char *v = keep (im, value);
  const char *k = keep (im, kind);
  if (v == NULL || k == NULL)
    return;
  const char *canonical = screen_identifier_kind (k);
  ScreenIdentifier id = { canonical != NULL ? canonical : k, v, keep (im, country) };
  g_array_append_val (s->ids, id);
}

/* Programs joined by "; ", each once, in the order first seen. */
static void
add_program (Import *im, Staged *s, const char *program)
{
  const char *p = keep (im, program);
  if (p == NULL)
    return;
  if (s->program == NULL)
    {
      s->program = p;
      return;
    }
  g_auto (GStrv) seen = g_strsplit (s->program, "; ", -1);
  if (g_strv_contains ((const char *const *) seen, p))
    return;
  g_autofree char *joined = g_strconcat (s->program, "; ", p, NULL);
  s->program = g_string_chunk_insert_const (im->chunk, joined);
}

/* "YYYY-MM-DD..." or "dd/mm/yyyy" to "YYYY-MM-DD"; NULL when neither. */
static const char *
keep_date (Import *im, const char *text)
{
  const char *t = keep (im, text);
  int y, m, d;
  char buf[11];
  if (t == NULL)
    return NULL;
  if (sscanf (t, "%4d-%2d-%2d", &y, &m, &d) == 3 && strlen (t) >= 10 && t[4] == '-')
    ;
  else if (sscanf (t, "%2d/%2d/%4d", &d, &m, &y) == 3 && strlen (t) == 10)
    ;
  else
    return NULL;
  if (!g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return NULL;
  g_snprintf (buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return g_string_chunk_insert_const (im->chunk, buf);
}

static gboolean
import_fail (Import *im, guint line, GError **error, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
import_fail (Import *im, guint line, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_PARSE, "%s:%u: %s", im->filename, line, msg);
  return FALSE;
}

/* Adds every staged entry to LIST. Names are checked while staging, so only a frozen
 * list makes it fail, and then on the first entry, before anything was added. */
static gboolean
import_commit (Import *im, ScreenList *list, GError **error)
{
  if (im->entries->len == 0)
    return import_fail (im, 1, error, "no listed party in the file");
  for (guint i = 0; i < im->entries->len; i++)
    {
      Staged *s = &g_array_index (im->entries, Staged, i);
      g_ptr_array_add (s->aliases, NULL);
      g_ptr_array_add (s->countries, NULL);
      ScreenEntrySpec spec = {
        .source = im->source,
        .ref = s->ref,
        .name = s->name,
        .type = s->type,
        .program = s->program,
        .listed_on = s->listed_on,
        .aliases = (const char *const *) s->aliases->pdata,
        .countries = (const char *const *) s->countries->pdata,
        .identifiers = (const ScreenIdentifier *) (gpointer) s->ids->data,
        .n_identifiers = s->ids->len,
      };
      if (screen_list_add (list, &spec, error) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* ---- XML ---- */

static gsize
xml_init_once (void)
{
  xmlInitParser ();
  return 1;
}

/* Parses XML from memory: no network, no external entities or DTD, no entity
 * substitution. Returns NULL with a positioned error. */
static xmlDocPtr
xml_parse (Import *im, const char *data, gsize len, GError **error)
{
  static gsize once = 0;
  if (g_once_init_enter (&once))
    g_once_init_leave (&once, xml_init_once ());
  if (len > G_MAXINT)
    {
      import_fail (im, 1, error, "the file is too large for the XML reader");
      return NULL;
    }
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt ();
  xmlDocPtr doc = xmlCtxtReadMemory (ctxt, data, (int) len, im->filename, NULL,
                                     XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
  if (doc == NULL)
    {
      const xmlError *e = xmlCtxtGetLastError (ctxt);
      g_autofree char *msg = g_strdup (e && e->message ? e->message : "not well-formed XML");
      g_strchomp (msg);
      import_fail (im, e && e->line > 0 ? (guint) e->line : 1, error, "%s", msg);
    }
  xmlFreeParserCtxt (ctxt);
  return doc;
}

static gboolean
is (const xmlNode *n, const char *name)
{
  return n != NULL && n->type == XML_ELEMENT_NODE && strcmp ((const char *) n->name, name) == 0;
}

/* The first child element called NAME, or NULL. */
static xmlNode *
child (const xmlNode *n, const char *name)
{
  for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
    if (is (c, name))
      return c;
  return NULL;
}

/* Calls FUNC on every element called NAME below N (depth first, document order). */
typedef void (*XmlVisit) (Import *im, Staged *s, xmlNode *n);

static void
each (Import *im, Staged *s, xmlNode *n, const char *name, XmlVisit func)
{
  for (xmlNode *c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      {
        if (strcmp ((const char *) c->name, name) == 0)
          func (im, s, c);
        else
          each (im, s, c, name, func);
      }
}

/* The element's text, in the chunk (NULL when empty or absent). */
static const char *
text (Import *im, const xmlNode *n)
{
  if (n == NULL)
    return NULL;
  xmlChar *t = xmlNodeGetContent (n);
  const char *out = keep (im, (const char *) t);
  xmlFree (t);
  return out;
}

static const char *
attr (Import *im, const xmlNode *n, const char *name)
{
  xmlChar *v = xmlGetProp (n, (const xmlChar *) name);
  const char *out = keep (im, (const char *) v);
  xmlFree (v);
  return out;
}

static const char *
child_text (Import *im, const xmlNode *n, const char *name)
{
  return text (im, child (n, name));
}

/* EU: attribute countryIso2Code ("00" and the like mean unknown: dropped later). */
static void
eu_country (Import *im, Staged *s, xmlNode *n)
{
  add_country (im, s, attr (im, n, "countryIso2Code"));
}

/* The EU's identificationTypeCode values that are not also the labels
 * screen_identifier_kind() knows. */
static const char *
eu_id_kind (const char *code)
{
  static const struct { const char *code, *kind; } map[] = {
    { "id", "national-id" },       { "regnumber", "registration" },
    { "fiscalcode", "tax-id" },    { "swiftbic", "swift-bic" },
    { "ssn", "national-id" },      { "other", "other" },
  };
  for (guint i = 0; code && i < G_N_ELEMENTS (map); i++)
    if (g_ascii_strcasecmp (code, map[i].code) == 0)
      return map[i].kind;
  return code;
}

static void
eu_identification (Import *im, Staged *s, xmlNode *n)
{
  const char *number = attr (im, n, "number");
  add_id (im, s, eu_id_kind (attr (im, n, "identificationTypeCode")),
          number ? number : attr (im, n, "latinNumber"), attr (im, n, "countryIso2Code"));
}

static void
eu_regulation (Import *im, Staged *s, xmlNode *n)
{
  add_program (im, s, attr (im, n, "programme"));
  const char *d = keep_date (im, attr (im, n, "entryIntoForceDate"));
  if (d && (s->listed_on == NULL || strcmp (d, s->listed_on) < 0))
    s->listed_on = d;
}

static void
eu_name (Import *im, Staged *s, xmlNode *n)
{
  const char *whole = attr (im, n, "wholeName");
  if (whole == NULL)
    {
      g_autofree char *joined = g_strjoin (" ", attr (im, n, "firstName") ?: "",
                                           attr (im, n, "middleName") ?: "",
                                           attr (im, n, "lastName") ?: "", NULL);
      whole = keep (im, joined);
    }
  add_name (im, s, whole);
}

static gboolean
load_eu (Import *im, xmlNode *root, GError **error)
{
  for (xmlNode *e = root->children; e; e = e->next)
    {
      if (!is (e, "sanctionEntity"))
        continue;
      Staged *s = stage (im);
      s->ref = attr (im, e, "euReferenceNumber");
      if (s->ref == NULL)
        s->ref = attr (im, e, "logicalId");
      xmlNode *type = child (e, "subjectType");
      const char *code = type ? attr (im, type, "code") : NULL;
      s->type = code == NULL                      ? SCREEN_TYPE_UNKNOWN
                : g_ascii_strcasecmp (code, "person") == 0 ? SCREEN_TYPE_INDIVIDUAL
                                                           : SCREEN_TYPE_ENTITY;
      s->listed_on = keep_date (im, attr (im, e, "designationDate"));
      for (xmlNode *c = e->children; c; c = c->next)
        if (is (c, "nameAlias"))
          eu_name (im, s, c);
        else if (is (c, "regulation"))
          eu_regulation (im, s, c);
        else if (is (c, "citizenship") || is (c, "address"))
          eu_country (im, s, c);
        else if (is (c, "identification"))
          eu_identification (im, s, c);
      if (s->name == NULL)
        return import_fail (im, (guint) xmlGetLineNo (e), error,
                            "sanctionEntity %s has no nameAlias with a name",
                            s->ref ? s->ref : "?");
    }
  return TRUE;
}

/* UN */
static void
un_alias (Import *im, Staged *s, xmlNode *n)
{
  /* "Low" quality aliases are too weak to screen on (the UN's own advice). */
  const char *quality = child_text (im, n, "QUALITY");
  if (quality && g_ascii_strcasecmp (quality, "Low") == 0)
    return;
  add_name (im, s, child_text (im, n, "ALIAS_NAME"));
}

static void
un_country_of (Import *im, Staged *s, xmlNode *n)
{
  add_country (im, s, child_text (im, n, "COUNTRY"));
}

static void
un_nationality (Import *im, Staged *s, xmlNode *n)
{
  for (xmlNode *v = n->children; v; v = v->next)
    if (is (v, "VALUE"))
      add_country (im, s, text (im, v));
}

static void
un_document (Import *im, Staged *s, xmlNode *n)
{
  const char *country = child_text (im, n, "ISSUING_COUNTRY");
  add_id (im, s, child_text (im, n, "TYPE_OF_DOCUMENT"), child_text (im, n, "NUMBER"),
          country ? country : child_text (im, n, "COUNTRY_OF_ISSUE"));
}

static gboolean
load_un_party (Import *im, xmlNode *p, ScreenEntryType type, GError **error)
{
  Staged *s = stage (im);
  s->type = type;
  s->ref = child_text (im, p, "REFERENCE_NUMBER");
  if (s->ref == NULL)
    s->ref = child_text (im, p, "DATAID");
  g_autofree char *name = g_strjoin (" ", child_text (im, p, "FIRST_NAME") ?: "",
                                     child_text (im, p, "SECOND_NAME") ?: "",
                                     child_text (im, p, "THIRD_NAME") ?: "",
                                     child_text (im, p, "FOURTH_NAME") ?: "", NULL);
  add_name (im, s, name);
  if (s->name == NULL)
    return import_fail (im, (guint) xmlGetLineNo (p), error, "%s %s has no name",
                        (const char *) p->name, s->ref ? s->ref : "?");
  add_name (im, s, child_text (im, p, "NAME_ORIGINAL_SCRIPT"));
  add_program (im, s, child_text (im, p, "UN_LIST_TYPE"));
  s->listed_on = keep_date (im, child_text (im, p, "LISTED_ON"));
  const char *alias = type == SCREEN_TYPE_INDIVIDUAL ? "INDIVIDUAL_ALIAS" : "ENTITY_ALIAS";
  const char *address = type == SCREEN_TYPE_INDIVIDUAL ? "INDIVIDUAL_ADDRESS" : "ENTITY_ADDRESS";
  each (im, s, p, alias, un_alias);
  each (im, s, p, "NATIONALITY", un_nationality);
  each (im, s, p, address, un_country_of);
  each (im, s, p, "INDIVIDUAL_DOCUMENT", un_document);
  return TRUE;
}

static gboolean
load_un (Import *im, xmlNode *root, GError **error)
{
  static const struct { const char *group, *party; ScreenEntryType type; } kinds[] = {
    { "INDIVIDUALS", "INDIVIDUAL", SCREEN_TYPE_INDIVIDUAL },
    { "ENTITIES", "ENTITY", SCREEN_TYPE_ENTITY },
  };
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (xmlNode *g = root->children; g; g = g->next)
      if (is (g, kinds[k].group))
        for (xmlNode *p = g->children; p; p = p->next)
          if (is (p, kinds[k].party) && !load_un_party (im, p, kinds[k].type, error))
            return FALSE;
  return TRUE;
}

/* UK */
static void
uk_name (Import *im, Staged *s, xmlNode *n)
{
  static const char *const parts[] = { "Name1", "Name2", "Name3", "Name4", "Name5", "Name6" };
  GString *full = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      const char *t = child_text (im, n, parts[i]);
      if (t)
        g_string_append_printf (full, "%s%s", full->len ? " " : "", t);
    }
  const char *type = child_text (im, n, "NameType");
  const char *name = keep (im, full->str);
  g_string_free (full, TRUE);
  if (name == NULL)
    return;
  /* The primary name goes first whatever the order of the <Name> elements. */
  if (type && g_ascii_strncasecmp (type, "Primary Name", 12) == 0 && s->name != NULL
      && strcmp (s->name, name) != 0)
    {
      g_ptr_array_insert (s->aliases, 0, (gpointer) s->name);
      s->name = name;
      return;
    }
  add_name (im, s, name);
}

static void
uk_non_latin (Import *im, Staged *s, xmlNode *n)
{
  add_name (im, s, text (im, n));
}

static void
uk_country (Import *im, Staged *s, xmlNode *n)
{
  add_country (im, s, text (im, n));
}

static void
uk_imo (Import *im, Staged *s, xmlNode *n)
{
  add_id (im, s, "imo", text (im, n), NULL);
}

static void
uk_passport (Import *im, Staged *s, xmlNode *n)
{
  add_id (im, s, "passport", text (im, n), NULL);
}

static gboolean
load_uk (Import *im, xmlNode *root, GError **error)
{
  for (xmlNode *d = root->children; d; d = d->next)
    {
      if (!is (d, "Designation"))
        continue;
      Staged *s = stage (im);
      s->ref = child_text (im, d, "UniqueID");
      const char *kind = child_text (im, d, "IndividualEntityShip");
      s->type = kind == NULL                                  ? SCREEN_TYPE_UNKNOWN
                : g_ascii_strcasecmp (kind, "Individual") == 0 ? SCREEN_TYPE_INDIVIDUAL
                : g_ascii_strcasecmp (kind, "Ship") == 0       ? SCREEN_TYPE_VESSEL
                                                               : SCREEN_TYPE_ENTITY;
      each (im, s, d, "Name", uk_name);
      if (s->name == NULL)
        return import_fail (im, (guint) xmlGetLineNo (d), error,
                            "Designation %s has no name", s->ref ? s->ref : "?");
      each (im, s, d, "NameNonLatinScript", uk_non_latin);
      add_program (im, s, child_text (im, d, "RegimeName"));
      s->listed_on = keep_date (im, child_text (im, d, "DateDesignated"));
      each (im, s, d, "AddressCountry", uk_country);
      each (im, s, d, "Nationality", uk_country);
      each (im, s, d, "IMONumber", uk_imo);
      each (im, s, d, "PassportNumber", uk_passport);
    }
  return TRUE;
}

static gboolean
load_xml (Import *im, EmbargoListFormat format, const char *data, gsize len, GError **error)
{
  xmlDocPtr doc = xml_parse (im, data, len, error);
  if (doc == NULL)
    return FALSE;
  xmlNode *root = xmlDocGetRootElement (doc);
  static const char *const roots[] = {
    [EMBARGO_LIST_FORMAT_EU_FSF] = "export",
    [EMBARGO_LIST_FORMAT_UN_SC] = "CONSOLIDATED_LIST",
    [EMBARGO_LIST_FORMAT_UK] = "Designations",
  };
  gboolean ok;
  if (!is (root, roots[format]))
    ok = import_fail (im, root ? (guint) xmlGetLineNo (root) : 1, error,
                      "root element <%s>, not <%s>: not the %s format",
                      root ? (const char *) root->name : "", roots[format],
                      embargo_list_format_to_string (format));
  else if (format == EMBARGO_LIST_FORMAT_EU_FSF)
    ok = load_eu (im, root, error);
  else if (format == EMBARGO_LIST_FORMAT_UN_SC)
    ok = load_un (im, root, error);
  else
    ok = load_uk (im, root, error);
  xmlFreeDoc (doc);
  return ok;
}

/* ---- OpenSanctions: FollowTheMoney JSON Lines ---- */

static ScreenEntryType
ftm_type (const char *schema)
{
  static const struct { const char *schema; ScreenEntryType type; } map[] = {
    { "Person", SCREEN_TYPE_INDIVIDUAL },    { "Company", SCREEN_TYPE_ENTITY },
    { "Organization", SCREEN_TYPE_ENTITY },  { "LegalEntity", SCREEN_TYPE_ENTITY },
    { "PublicBody", SCREEN_TYPE_ENTITY },    { "Vessel", SCREEN_TYPE_VESSEL },
    { "Airplane", SCREEN_TYPE_AIRCRAFT },
  };
  for (guint i = 0; schema && i < G_N_ELEMENTS (map); i++)
    if (strcmp (schema, map[i].schema) == 0)
      return map[i].type;
  return (ScreenEntryType) -1;
}

/* FollowTheMoney property -> identifier kind (docs/screening.md, "List formats"). */
static const struct { const char *prop, *kind; } ftm_ids[] = {
  { "passportNumber", "passport" }, { "idNumber", "national-id" },
  { "taxNumber", "tax-id" },        { "innCode", "tax-id" },
  { "registrationNumber", "registration" }, { "ogrnCode", "registration" },
  { "imoNumber", "imo" },           { "mmsi", "mmsi" },
  { "swiftBic", "swift-bic" },      { "leiCode", "lei" },
  { "callSign", "call-sign" },
};

static const char *
json_string (yajl_val v)
{
  return YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : NULL;
}

/* Calls FUNC for each string of the property PROP (a list of strings). */
static yajl_val
ftm_prop (yajl_val props, const char *prop)
{
  const char *path[] = { prop, NULL };
  yajl_val v = props ? yajl_tree_get (props, path, yajl_t_array) : NULL;
  return v;
}

static gboolean
load_ftm_line (Import *im, const char *line, guint lineno, GError **error)
{
  char err[256] = "";
  yajl_val root = yajl_tree_parse (line, err, sizeof err);
  if (root == NULL)
    return import_fail (im, lineno, error, "not a JSON object: %s", g_strchomp (err));
  gboolean ok = TRUE;
  const char *sp[] = { "schema", NULL }, *pp[] = { "properties", NULL },
             *tp[] = { "target", NULL }, *ip[] = { "id", NULL };
  const char *schema = YAJL_IS_OBJECT (root) ? json_string (yajl_tree_get (root, sp, yajl_t_string)) : NULL;
  yajl_val target = YAJL_IS_OBJECT (root) ? yajl_tree_get (root, tp, yajl_t_any) : NULL;
  ScreenEntryType type = ftm_type (schema);
  if (!YAJL_IS_OBJECT (root) || schema == NULL)
    ok = import_fail (im, lineno, error, "a FollowTheMoney entity needs \"schema\"");
  else if ((int) type < 0 || YAJL_IS_FALSE (target))
    ; /* addresses, sanctions, relations, non-targets: not screened */
  else
    {
      yajl_val props = yajl_tree_get (root, pp, yajl_t_object);
      Staged *s = stage (im);
      s->type = type;
      s->ref = keep (im, json_string (yajl_tree_get (root, ip, yajl_t_string)));
      static const char *const names[] = { "name", "alias", "previousName" };
      for (guint n = 0; n < G_N_ELEMENTS (names); n++)
        {
          yajl_val a = ftm_prop (props, names[n]);
          for (size_t i = 0; a && i < a->u.array.len; i++)
            add_name (im, s, json_string (a->u.array.values[i]));
        }
      static const char *const countries[] = { "country", "nationality", "citizenship",
                                               "jurisdiction", "flag" };
      for (guint n = 0; n < G_N_ELEMENTS (countries); n++)
        {
          yajl_val a = ftm_prop (props, countries[n]);
          for (size_t i = 0; a && i < a->u.array.len; i++)
            add_country (im, s, json_string (a->u.array.values[i]));
        }
      for (guint n = 0; n < G_N_ELEMENTS (ftm_ids); n++)
        {
          yajl_val a = ftm_prop (props, ftm_ids[n].prop);
          for (size_t i = 0; a && i < a->u.array.len; i++)
            add_id (im, s, ftm_ids[n].kind, json_string (a->u.array.values[i]), NULL);
        }
      yajl_val prog = ftm_prop (props, "program");
      for (size_t i = 0; prog && i < prog->u.array.len; i++)
        add_program (im, s, json_string (prog->u.array.values[i]));
      if (s->name == NULL)
        ok = import_fail (im, lineno, error, "entity %s has no \"name\" property",
                          s->ref ? s->ref : "?");
    }
  yajl_tree_free (root);
  return ok;
}

static gboolean
load_ftm (Import *im, const char *data, gsize len, GError **error)
{
  const char *p = data, *end = data + len;
  guint lineno = 0;
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *stop = nl ? nl : end;
      lineno++;
      if (memchr (p, '\0', (gsize) (stop - p)) != NULL)
        return import_fail (im, lineno, error, "NUL byte in a line");
      g_autofree char *line = g_strndup (p, (gsize) (stop - p));
      p = nl ? nl + 1 : end;
      g_strstrip (line);
      if (line[0] == '\0')
        continue;
      if (!load_ftm_line (im, line, lineno, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- OpenSanctions: targets.simple.csv ---- */

enum { OS_ID, OS_SCHEMA, OS_NAME, OS_ALIASES, OS_COUNTRIES, OS_IDENTIFIERS, OS_SANCTIONS,
       OS_N };

typedef struct {
  Import *im;
  int     col[OS_N]; /* field index of each column, -1 when absent */
  guint   n_header;
  GPtrArray *cell;   /* values of the cell being split */
} OsLoad;

static void
cell_value (void *s, size_t len, void *data)
{
  g_ptr_array_add (data, g_strndup (s ? s : "", len));
}

/* A cell holding several values, themselves ';'-separated CSV (how the export writes
 * them): libcsv splits it. Returns the values (transfer full). */
static GPtrArray *
split_cell (const char *cell)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  struct csv_parser p;
  if (cell == NULL || cell[0] == '\0' || csv_init (&p, 0) != 0)
    return out;
  csv_set_delim (&p, ';');
  csv_parse (&p, cell, strlen (cell), cell_value, NULL, out);
  csv_fini (&p, cell_value, NULL, out);
  csv_free (&p);
  return out;
}

static const char *
os_field (OsLoad *o, char **f, int which)
{
  return o->col[which] >= 0 ? f[o->col[which]] : NULL;
}

/* In a CSV record callback: csv.c puts "FILE:LINE: " in front itself. */
static gboolean
row_fail (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
row_fail (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, SCREEN_ERROR, SCREEN_ERROR_PARSE, msg);
  return FALSE;
}

static gboolean
os_row (char **f, guint n, guint line, gpointer data, GError **error)
{
  OsLoad *o = data;
  Import *im = o->im;
  if (o->n_header == 0)
    {
      static const char *const names[OS_N] = { "id", "schema", "name", "aliases", "countries",
                                               "identifiers", "sanctions" };
      o->n_header = n;
      for (int c = 0; c < OS_N; c++)
        {
          o->col[c] = -1;
          for (guint i = 0; i < n; i++)
            if (strcmp (f[i], names[c]) == 0)
              o->col[c] = (int) i;
        }
      if (o->col[OS_NAME] < 0 || o->col[OS_SCHEMA] < 0)
        return row_fail (error, "no 'name' or 'schema' column: not a targets.simple.csv export");
      return TRUE;
    }
  if (n != o->n_header)
    return row_fail (error, "%u fields where the header has %u", n, o->n_header);
  ScreenEntryType type = ftm_type (os_field (o, f, OS_SCHEMA));
  if ((int) type < 0)
    return TRUE;
  Staged *s = stage (im);
  s->type = type;
  s->ref = keep (im, os_field (o, f, OS_ID));
  add_name (im, s, os_field (o, f, OS_NAME));
  if (s->name == NULL)
    return row_fail (error, "row %s has no name", s->ref ? s->ref : "?");
  static const int multi[] = { OS_ALIASES, OS_COUNTRIES, OS_IDENTIFIERS, OS_SANCTIONS };
  for (guint m = 0; m < G_N_ELEMENTS (multi); m++)
    {
      g_autoptr (GPtrArray) values = split_cell (os_field (o, f, multi[m]));
      for (guint i = 0; i < values->len; i++)
        {
          const char *v = g_ptr_array_index (values, i);
          if (multi[m] == OS_ALIASES)
            add_name (im, s, v);
          else if (multi[m] == OS_COUNTRIES)
            add_country (im, s, v);
          else if (multi[m] == OS_IDENTIFIERS)
            add_id (im, s, "id", v, NULL); /* the export does not say which kind */
          else
            add_program (im, s, v);
        }
    }
  /* first_seen is when OpenSanctions first saw the entry, not when it was listed: it
   * is not used as a listing date (a later date would wrongly leave earlier orders
   * unscreened once the list is converted to a rule file). */
  return TRUE;
}

/* ---- entry points ---- */

const char *
embargo_list_format_to_string (EmbargoListFormat format)
{
  static const char *const names[] = {
    [EMBARGO_LIST_FORMAT_AUTO] = "auto",
    [EMBARGO_LIST_FORMAT_CSL] = "csl",
    [EMBARGO_LIST_FORMAT_EU_FSF] = "eu-fsf",
    [EMBARGO_LIST_FORMAT_UN_SC] = "un-sc",
    [EMBARGO_LIST_FORMAT_UK] = "uk",
    [EMBARGO_LIST_FORMAT_FTM] = "ftm",
    [EMBARGO_LIST_FORMAT_OS_SIMPLE] = "os-simple",
  };
  return (guint) format < G_N_ELEMENTS (names) ? names[format] : NULL;
}

gboolean
embargo_list_format_from_string (const char *name, EmbargoListFormat *format)
{
  g_return_val_if_fail (name != NULL && format != NULL, FALSE);
  for (int f = EMBARGO_LIST_FORMAT_AUTO; f <= EMBARGO_LIST_FORMAT_OS_SIMPLE; f++)
    if (strcmp (name, embargo_list_format_to_string ((EmbargoListFormat) f)) == 0)
      {
        *format = (EmbargoListFormat) f;
        return TRUE;
      }
  return FALSE;
}

/* Skips a byte-order mark, white space, the XML declaration, comments and processing
 * instructions, and returns where the content starts. */
static const char *
content_start (const char *p, const char *end)
{
  if (end - p >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  for (;;)
    {
      while (p < end && g_ascii_isspace (*p))
        p++;
      const char *close = NULL;
      if (end - p >= 2 && p[0] == '<' && p[1] == '?')
        close = g_strstr_len (p, end - p, "?>");
      else if (end - p >= 4 && memcmp (p, "<!--", 4) == 0)
        close = g_strstr_len (p, end - p, "-->");
      if (close == NULL)
        return p;
      p = close + 2 + (p[1] == '!');
    }
}

EmbargoListFormat
embargo_list_format_detect (const char *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, EMBARGO_LIST_FORMAT_AUTO);
  const char *end = data + len, *p = content_start (data, end);
  gsize rest = (gsize) (end - p);
  static const struct { const char *prefix; EmbargoListFormat format; } xml[] = {
    { "<export", EMBARGO_LIST_FORMAT_EU_FSF },
    { "<CONSOLIDATED_LIST", EMBARGO_LIST_FORMAT_UN_SC },
    { "<Designations", EMBARGO_LIST_FORMAT_UK },
    { "<ArrayOfFinancialSanctionsTarget", EMBARGO_LIST_FORMAT_AUTO },
  };
  for (guint i = 0; i < G_N_ELEMENTS (xml); i++)
    {
      gsize n = strlen (xml[i].prefix);
      if (rest > n && memcmp (p, xml[i].prefix, n) == 0
          && (p[n] == ' ' || p[n] == '>' || p[n] == '\n' || p[n] == '\r' || p[n] == '\t'))
        return xml[i].format;
    }
  if (rest > 0 && p[0] == '{')
    return EMBARGO_LIST_FORMAT_FTM;
  static const char os_header[] = "id,schema,name,";
  if (rest >= sizeof os_header - 1 && memcmp (p, os_header, sizeof os_header - 1) == 0)
    return EMBARGO_LIST_FORMAT_OS_SIMPLE;
  /* The CSL's header names "source" and "name" (in any order, after an "_id" column
   * in some exports). */
  const char *nl = memchr (p, '\n', rest);
  g_autofree char *header = g_strndup (p, nl ? (gsize) (nl - p) : rest);
  if (strstr (header, "source") && strstr (header, "name") && strchr (header, ','))
    return EMBARGO_LIST_FORMAT_CSL;
  return EMBARGO_LIST_FORMAT_AUTO;
}

gboolean
screen_list_load_format (ScreenList *list, int format_value, GBytes *bytes,
                         const char *filename, GError **error)
{
  g_return_val_if_fail (list != NULL && bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  EmbargoListFormat format = (EmbargoListFormat) format_value;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  if (data == NULL)
    data = "";
  if (filename == NULL)
    filename = "list";
  if (format == EMBARGO_LIST_FORMAT_AUTO)
    format = embargo_list_format_detect (data, len);
  if (format == EMBARGO_LIST_FORMAT_AUTO)
    {
      g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_PARSE,
                   "%s:1: not a list format embargo reads (OFAC SDN directory, CSL CSV, "
                   "EU FSF XML, UN SC XML, UK Sanctions List XML, OpenSanctions JSON Lines "
                   "or targets.simple.csv)", filename);
      return FALSE;
    }
  if (format == EMBARGO_LIST_FORMAT_CSL)
    return screen_list_load_csl (list, bytes, filename, error);
  static const char *const sources[] = {
    [EMBARGO_LIST_FORMAT_EU_FSF] = "EU",
    [EMBARGO_LIST_FORMAT_UN_SC] = "UN",
    [EMBARGO_LIST_FORMAT_UK] = "UK",
    [EMBARGO_LIST_FORMAT_FTM] = "OpenSanctions",
    [EMBARGO_LIST_FORMAT_OS_SIMPLE] = "OpenSanctions",
  };
  Import im;
  import_init (&im, sources[format], filename);
  gboolean ok;
  if (format == EMBARGO_LIST_FORMAT_FTM)
    ok = load_ftm (&im, data, len, error);
  else if (format == EMBARGO_LIST_FORMAT_OS_SIMPLE)
    {
      OsLoad o = { .im = &im };
      ok = screen_csv_parse (data, len, filename, os_row, &o, error);
    }
  else
    ok = load_xml (&im, format, data, len, error);
  ok = ok && import_commit (&im, list, error);
  import_clear (&im);
  return ok;
}
