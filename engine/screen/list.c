/* list.c: ScreenList, its entries and the loaders that fill it.
 *
 * Storage. All strings of a list live in one GStringChunk (names, aliases, remarks;
 * repeated ones like countries, kinds and list names are interned once), so an entry
 * is a small struct of pointers and a list frees in a handful of calls. Entries are
 * individually allocated and kept in a GPtrArray so that pointers to them stay valid
 * while the list grows.
 *
 * Loading is all or nothing. A loader collects its entries in a staging array and
 * appends them to the list only when every file parsed; on error the staged entries
 * are dropped (their strings stay in the chunk until the list is freed, a bounded
 * cost paid only on failure).
 *
 * Sources:
 *  - OFAC SDN legacy CSV: sdn.csv gives one entry per row; alt.csv, add.csv and
 *    sdn_comments.csv attach aliases, addresses and remark overflow by ent_num.
 *    Identifiers and nationalities are only in the free-text remarks ("DOB 1948;
 *    Passport 1084010 (Egypt); alt. Passport 19820215; nationality Iran"), so once
 *    the remarks are complete they are split on ';' and each part is read with the
 *    identifier label table below.
 *  - trade.gov CSL CSV: columns are located by header name; ids are "value, label"
 *    or "value, label, country" items separated by "; ".
 *  - screen_list_add(): the caller's fields, copied.
 */
#include "screen-private.h"

#include <string.h>

struct _ScreenList {
  gatomicrefcount ref;
  GStringChunk   *strings;
  GPtrArray      *entries; /* of ScreenEntry *, owned */
  GHashTable     *by_ref;  /* "source\x1Fref" (owned) -> ScreenEntry *; first one wins */
  gboolean        frozen;
};

/* ------------------------------------------------------------------------------
 * Identifier labels
 */

/* Labels as OFAC and the CSL print them, without a trailing '.'. Matching is
 * case-insensitive; in SDN remarks the longest label followed by a space wins. */
static const struct { const char *label; const char *kind; } id_labels[] = {
  { "Passport", "passport" },
  { "Passport No", "passport" },
  { "Diplomatic Passport", "passport" },
  { "National ID No", "national-id" },
  { "National ID", "national-id" },
  { "Identification Number", "national-id" },
  { "Personal ID Card", "national-id" },
  { "Cedula No", "cedula" },
  { "Tax ID No", "tax-id" },
  { "V.A.T. Number", "vat" },
  { "NIT #", "tax-id" },
  { "RUC #", "tax-id" },
  { "R.F.C", "rfc" },
  { "RFC", "rfc" },
  { "C.U.R.P", "curp" },
  { "CURP", "curp" },
  { "SSN", "ssn" },
  { "D-U-N-S Number", "duns" },
  { "SWIFT/BIC", "swift-bic" },
  { "IMO", "imo" },
  { "Vessel Registration Identification", "imo" },
  { "Vessel Registration Identification IMO", "imo" },
  { "MMSI", "mmsi" },
  { "Call Sign", "call-sign" },
  { "Registration Number", "registration" },
  { "Registration ID", "registration" },
  { "Business Registration Number", "registration" },
  { "Company Number", "registration" },
  { "Commercial Registry Number", "registration" },
  { "Government Gazette Number", "registration" },
  { "Folio Mercantil No", "folio-mercantil" },
  { "Matricula Mercantil No", "matricula-mercantil" },
  { "Trade License No", "trade-license" },
  { "Electoral Registry No", "electoral-registry" },
  { "Aircraft Manufacturer's Serial Number (MSN)", "aircraft-msn" },
  { "Aircraft Tail Number", "aircraft-tail" },
  { "Digital Currency Address - XBT", "digital-currency" },
  { "Digital Currency Address - ETH", "digital-currency" },
  { "Digital Currency Address - LTC", "digital-currency" },
  { "Digital Currency Address - BCH", "digital-currency" },
  { "Digital Currency Address - BSV", "digital-currency" },
  { "Digital Currency Address - ZEC", "digital-currency" },
  { "Digital Currency Address - DASH", "digital-currency" },
  { "Digital Currency Address - XMR", "digital-currency" },
  { "Digital Currency Address - USDT", "digital-currency" },
  { "Digital Currency Address - ETC", "digital-currency" },
  { "Digital Currency Address - BTG", "digital-currency" },
  { "Digital Currency Address - XVG", "digital-currency" },
  { "Digital Currency Address - TRX", "digital-currency" },
};

static const char *
skip_alt (const char *s)
{
  while (g_ascii_isspace (*s))
    s++;
  return g_ascii_strncasecmp (s, "alt. ", 5) == 0 ? s + 5 : s;
}

const char *
screen_identifier_kind (const char *label)
{
  g_return_val_if_fail (label != NULL, NULL);

  const char *s = skip_alt (label);
  gsize len = strlen (s);
  while (len > 0 && (s[len - 1] == '.' || g_ascii_isspace (s[len - 1])))
    len--;
  for (gsize i = 0; i < G_N_ELEMENTS (id_labels); i++)
    {
      const char *l = id_labels[i].label, *k = id_labels[i].kind;
      if ((strlen (l) == len && g_ascii_strncasecmp (l, s, len) == 0)
          || (strlen (k) == len && g_ascii_strncasecmp (k, s, len) == 0))
        return k;
    }
  if (len > 6 && g_ascii_strncasecmp (s + len - 6, " ID No", 6) == 0)
    return "national-id"; /* "Kenyan ID No.", "Turkish ID No." */
  return NULL;
}

/* The canonical value: upper-case ASCII letters and digits only; for IMO numbers
 * without the "IMO" that CSL exports repeat in the value. NULL when nothing is left. */
static char *
identifier_value (const char *kind, const char *value)
{
  GString *v = g_string_new (NULL);
  for (const char *p = value; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (v, g_ascii_toupper (*p));
  if (strcmp (kind, "imo") == 0 && g_str_has_prefix (v->str, "IMO"))
    g_string_erase (v, 0, 3);
  if (v->len == 0)
    {
      g_string_free (v, TRUE);
      return NULL;
    }
  return g_string_free (v, FALSE);
}

/* ------------------------------------------------------------------------------
 * Lists and entries
 */

ScreenList *
screen_list_new (void)
{
  ScreenList *list = g_new0 (ScreenList, 1);
  g_atomic_ref_count_init (&list->ref);
  list->strings = g_string_chunk_new (64 * 1024);
  list->entries = g_ptr_array_new ();
  list->by_ref = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return list;
}

ScreenList *
screen_list_ref (ScreenList *list)
{
  g_return_val_if_fail (list != NULL, NULL);
  g_atomic_ref_count_inc (&list->ref);
  return list;
}

static void
entry_free (gpointer data)
{
  ScreenEntry *e = data;
  g_ptr_array_unref (e->aliases);
  g_ptr_array_unref (e->countries);
  g_array_unref (e->addresses);
  g_array_unref (e->identifiers);
  g_free (e);
}

void
screen_list_unref (ScreenList *list)
{
  if (list == NULL || !g_atomic_ref_count_dec (&list->ref))
    return;
  g_ptr_array_set_free_func (list->entries, entry_free);
  g_ptr_array_unref (list->entries);
  g_hash_table_unref (list->by_ref);
  g_string_chunk_free (list->strings);
  g_free (list);
}

guint
screen_list_get_n_entries (const ScreenList *list)
{
  g_return_val_if_fail (list != NULL, 0);
  return list->entries->len;
}

const ScreenEntry *
screen_list_get_entry (const ScreenList *list, guint i)
{
  g_return_val_if_fail (list != NULL, NULL);
  return i < list->entries->len ? g_ptr_array_index (list->entries, i) : NULL;
}

static char *
ref_key (const char *source, const char *ref)
{
  return g_strconcat (source, "\x1F", ref, NULL);
}

const ScreenEntry *
screen_list_find (const ScreenList *list, const char *source, const char *ref)
{
  g_return_val_if_fail (list != NULL && source != NULL && ref != NULL, NULL);
  g_autofree char *key = ref_key (source, ref);
  return g_hash_table_lookup (list->by_ref, key);
}

void
screen_list_freeze (ScreenList *list)
{
  list->frozen = TRUE;
}

static gboolean
check_not_frozen (const ScreenList *list, GError **error)
{
  if (!list->frozen)
    return TRUE;
  g_set_error_literal (error, SCREEN_ERROR, SCREEN_ERROR_FROZEN,
                       "the list is indexed and can no longer change");
  return FALSE;
}

static const char *
intern (ScreenList *list, const char *s)
{
  return s != NULL ? g_string_chunk_insert_const (list->strings, s) : NULL;
}

static const char *
store (ScreenList *list, const char *s)
{
  return s != NULL ? g_string_chunk_insert (list->strings, s) : NULL;
}

/* An entry's aliases, countries, addresses and identifiers start as references to
 * process-wide empty arrays, which are never changed nor freed: most entries of a
 * large list have few of them, and four array headers an entry were a sixth of loading
 * a million-member list. The first addition gives the entry its own (own_ptrs(),
 * own_array()). */
static GPtrArray *empty_ptrs;
static GArray *empty_addresses, *empty_identifiers;

static void
empties_init (void)
{
  static gsize once;
  if (g_once_init_enter (&once))
    {
      empty_ptrs = g_ptr_array_new ();
      empty_addresses = g_array_new (FALSE, FALSE, sizeof (ScreenAddress));
      empty_identifiers = g_array_new (FALSE, FALSE, sizeof (ScreenIdentifier));
      g_once_init_leave (&once, 1);
    }
}

static GPtrArray *
own_ptrs (GPtrArray **a)
{
  if (*a == empty_ptrs)
    {
      g_ptr_array_unref (*a);
      *a = g_ptr_array_new ();
    }
  return *a;
}

static GArray *
own_array (GArray **a, GArray *empty, guint element_size)
{
  if (*a == empty)
    {
      g_array_unref (*a);
      *a = g_array_new (FALSE, FALSE, element_size);
    }
  return *a;
}

static ScreenEntry *
entry_new (ScreenList *list, const char *source, const char *name)
{
  empties_init ();
  ScreenEntry *e = g_new0 (ScreenEntry, 1);
  e->source = intern (list, source);
  e->name = store (list, name);
  e->aliases = g_ptr_array_ref (empty_ptrs);
  e->countries = g_ptr_array_ref (empty_ptrs);
  e->addresses = g_array_ref (empty_addresses);
  e->identifiers = g_array_ref (empty_identifiers);
  return e;
}

/* Adds the alpha-2 code of @country unless unknown or already there. Returns the
 * code, or NULL when the country is not recognised. */
static const char *
entry_add_country (ScreenEntry *e, const char *country)
{
  const char *code = screen_country_code (country);
  if (code != NULL && !g_ptr_array_find_with_equal_func (e->countries, code, g_str_equal, NULL))
    g_ptr_array_add (own_ptrs (&e->countries), (gpointer) code);
  return code;
}

static void
entry_add_identifier (ScreenList *list, ScreenEntry *e, const char *kind,
                      const char *value, const char *country)
{
  g_autofree char *canon = identifier_value (kind, value);
  if (canon == NULL)
    return;
  ScreenIdentifier id = {
    intern (list, kind), store (list, canon),
    country != NULL ? screen_country_code (country) : NULL,
  };
  g_array_append_val (own_array (&e->identifiers, empty_identifiers, sizeof id), id);
}

/* Moves the staged entries to the end of the list, numbering them and registering
 * their refs. @staged is left empty. */
static void
commit (ScreenList *list, GPtrArray *staged)
{
  gsize n;
  g_autofree gpointer *moved = g_ptr_array_steal (staged, &n);
  for (gsize i = 0; i < n; i++)
    {
      ScreenEntry *e = moved[i];
      e->index = list->entries->len;
      g_ptr_array_add (list->entries, e);
      if (e->ref != NULL)
        {
          g_autofree char *key = ref_key (e->source, e->ref);
          if (!g_hash_table_contains (list->by_ref, key))
            g_hash_table_insert (list->by_ref, g_steal_pointer (&key), e);
        }
    }
}

static GPtrArray *
staging_new (void)
{
  return g_ptr_array_new_with_free_func (entry_free);
}

/* A field as a value: NULL for OFAC's "-0-" (libcsv has trimmed the trailing
 * space) and for empty fields. */
static const char *
value (const char *field)
{
  return field[0] == '\0' || strcmp (field, "-0-") == 0 ? NULL : field;
}

static ScreenEntryType
entry_type (const char *s)
{
  if (s == NULL)
    return SCREEN_TYPE_UNKNOWN;
  if (g_ascii_strcasecmp (s, "individual") == 0)
    return SCREEN_TYPE_INDIVIDUAL;
  if (g_ascii_strcasecmp (s, "entity") == 0)
    return SCREEN_TYPE_ENTITY;
  if (g_ascii_strcasecmp (s, "vessel") == 0)
    return SCREEN_TYPE_VESSEL;
  if (g_ascii_strcasecmp (s, "aircraft") == 0)
    return SCREEN_TYPE_AIRCRAFT;
  return SCREEN_TYPE_UNKNOWN;
}

static gboolean
check_fields (guint n_fields, guint expected, GError **error)
{
  if (n_fields == expected)
    return TRUE;
  g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_PARSE, "expected %u fields, found %u",
               expected, n_fields);
  return FALSE;
}

/* ------------------------------------------------------------------------------
 * OFAC SDN legacy CSV
 */

typedef struct {
  ScreenList *list;
  GPtrArray  *staged;
  GHashTable *by_num; /* ent_num -> ScreenEntry * (in staged) */
} SdnLoad;

static gboolean
parse_ent_num (const char *field, guint *out, GError **error)
{
  guint64 v;
  if (g_ascii_string_to_unsigned (field, 10, 1, G_MAXUINT, &v, NULL))
    {
      *out = (guint) v;
      return TRUE;
    }
  g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_PARSE,
               "ent_num \"%s\" is not a positive number", field);
  return FALSE;
}

/* The entry that an alt.csv, add.csv or sdn_comments.csv row refers to. */
static ScreenEntry *
sdn_lookup (SdnLoad *load, const char *field, GError **error)
{
  guint num;
  if (!parse_ent_num (field, &num, error))
    return NULL;
  ScreenEntry *e = g_hash_table_lookup (load->by_num, GUINT_TO_POINTER (num));
  if (e == NULL)
    g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_PARSE,
                 "ent_num %u is not in sdn.csv", num);
  return e;
}

/* sdn.csv: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type,
 * Tonnage, GRT, Vess_flag, Vess_owner, Remarks */
static gboolean
sdn_row (char **f, guint n, guint line, gpointer data, GError **error)
{
  SdnLoad *load = data;
  guint num;

  if (!check_fields (n, 12, error) || !parse_ent_num (f[0], &num, error))
    return FALSE;
  if (g_hash_table_contains (load->by_num, GUINT_TO_POINTER (num)))
    {
      g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_PARSE, "duplicate ent_num %u", num);
      return FALSE;
    }
  if (value (f[1]) == NULL)
    {
      g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_PARSE, "ent_num %u has no name", num);
      return FALSE;
    }

  ScreenList *list = load->list;
  ScreenEntry *e = entry_new (list, "SDN", f[1]);
  g_autofree char *ref = g_strdup_printf ("%u", num);
  e->ref = store (list, ref);
  e->type = value (f[2]) != NULL ? entry_type (f[2]) : SCREEN_TYPE_ENTITY;
  if (value (f[3]) != NULL)
    {
      g_auto (GStrv) programs = g_strsplit (f[3], "] [", -1);
      g_autofree char *joined = g_strjoinv ("; ", programs);
      e->program = intern (list, joined);
    }
  e->title = store (list, value (f[4]));
  if (value (f[5]) != NULL)
    entry_add_identifier (list, e, "call-sign", f[5], NULL);
  if (value (f[9]) != NULL)
    entry_add_country (e, f[9]);
  e->remarks = store (list, value (f[11]));
  g_ptr_array_add (load->staged, e);
  g_hash_table_insert (load->by_num, GUINT_TO_POINTER (num), e);
  return TRUE;
}

/* alt.csv: ent_num, alt_num, alt_type, alt_name, alt_remarks */
static gboolean
alt_row (char **f, guint n, guint line, gpointer data, GError **error)
{
  SdnLoad *load = data;
  ScreenEntry *e;

  if (!check_fields (n, 5, error) || (e = sdn_lookup (load, f[0], error)) == NULL)
    return FALSE;
  if (value (f[3]) == NULL)
    {
      g_set_error_literal (error, SCREEN_ERROR, SCREEN_ERROR_PARSE, "alias has no name");
      return FALSE;
    }
  g_ptr_array_add (own_ptrs (&e->aliases), (gpointer) store (load->list, f[3]));
  return TRUE;
}

/* add.csv: ent_num, add_num, address, city/state/postal, country, add_remarks */
static gboolean
add_row (char **f, guint n, guint line, gpointer data, GError **error)
{
  SdnLoad *load = data;
  ScreenEntry *e;

  if (!check_fields (n, 6, error) || (e = sdn_lookup (load, f[0], error)) == NULL)
    return FALSE;

  const char *street = value (f[2]), *city = value (f[3]), *country = value (f[4]);
  g_autofree char *text = street != NULL && city != NULL
                            ? g_strconcat (street, ", ", city, NULL)
                            : g_strdup (street != NULL ? street : city);
  const char *code = country != NULL ? entry_add_country (e, country) : NULL;
  ScreenAddress a = {
    store (load->list, text),
    code != NULL ? code : intern (load->list, country),
  };
  if (a.text != NULL || a.country != NULL)
    g_array_append_val (own_array (&e->addresses, empty_addresses, sizeof a), a);
  return TRUE;
}

/* sdn_comments.csv: ent_num, the remarks text that did not fit in sdn.csv. */
static gboolean
comments_row (char **f, guint n, guint line, gpointer data, GError **error)
{
  SdnLoad *load = data;
  ScreenEntry *e;

  if (!check_fields (n, 2, error) || (e = sdn_lookup (load, f[0], error)) == NULL)
    return FALSE;
  if (value (f[1]) != NULL)
    {
      g_autofree char *joined = g_strconcat (e->remarks != NULL ? e->remarks : "", f[1], NULL);
      e->remarks = store (load->list, joined);
    }
  return TRUE;
}

/* Identifiers and countries from complete remarks: "DOB 1951; POB Giza, Egypt;
 * Passport 1084010 (Egypt); alt. Passport 19820215; nationality Egypt." */
static void
sdn_read_remarks (ScreenList *list, ScreenEntry *e)
{
  if (e->remarks == NULL)
    return;

  g_auto (GStrv) parts = g_strsplit (e->remarks, ";", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *part = (char *) skip_alt (g_strstrip (parts[i]));
      gsize len = strlen (part);
      if (len > 0 && part[len - 1] == '.')
        part[--len] = '\0';

      if (g_str_has_prefix (part, "nationality "))
        entry_add_country (e, part + strlen ("nationality "));
      else if (g_str_has_prefix (part, "citizen "))
        entry_add_country (e, part + strlen ("citizen "));

      /* The longest label followed by a space; else "<Adjective> ID No. <value>". */
      const char *kind = NULL, *rest = NULL;
      gsize best = 0;
      for (gsize k = 0; k < G_N_ELEMENTS (id_labels); k++)
        {
          gsize l = strlen (id_labels[k].label);
          if (l > best && l < len && g_ascii_strncasecmp (part, id_labels[k].label, l) == 0
              && (part[l] == ' ' || (part[l] == '.' && part[l + 1] == ' ')))
            {
              best = l;
              kind = id_labels[k].kind;
              rest = part + l + (part[l] == '.' ? 2 : 1);
            }
        }
      const char *idno = strstr (part, " ID No. ");
      if (kind == NULL && idno != NULL && strchr (part, ' ') == idno)
        kind = "national-id", rest = idno + strlen (" ID No. ");
      if (kind == NULL)
        continue;

      /* "1084010 (Egypt)": the value, then the issuing country in parentheses. */
      g_autofree char *val = g_strdup (rest);
      char *country = NULL, *paren = strstr (val, " (");
      if (paren != NULL && g_str_has_suffix (paren, ")"))
        {
          *paren = '\0';
          country = paren + 2;
          country[strlen (country) - 1] = '\0';
        }
      entry_add_identifier (list, e, kind, val, country);
    }
}

static gboolean
parse_optional (GBytes *bytes, const char *filename, ScreenCsvRecordFunc func,
                SdnLoad *load, GError **error)
{
  if (bytes == NULL)
    return TRUE;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  return screen_csv_parse (data, len, filename, func, load, error);
}

gboolean
screen_list_load_sdn (ScreenList *list, GBytes *sdn, GBytes *alt, GBytes *add,
                      GBytes *comments, GError **error)
{
  g_return_val_if_fail (list != NULL && sdn != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_frozen (list, error))
    return FALSE;

  g_autoptr (GPtrArray) staged = staging_new ();
  g_autoptr (GHashTable) by_num = g_hash_table_new (NULL, NULL);
  SdnLoad load = { list, staged, by_num };

  if (!parse_optional (sdn, "sdn.csv", sdn_row, &load, error)
      || !parse_optional (alt, "alt.csv", alt_row, &load, error)
      || !parse_optional (add, "add.csv", add_row, &load, error)
      || !parse_optional (comments, "sdn_comments.csv", comments_row, &load, error))
    return FALSE;

  for (guint i = 0; i < staged->len; i++)
    sdn_read_remarks (list, g_ptr_array_index (staged, i));
  commit (list, staged);
  return TRUE;
}

/* ------------------------------------------------------------------------------
 * Consolidated Screening List CSV
 */

/* The columns read, in the order of CslLoad.col. */
static const char *const csl_columns[] = {
  "source", "name", "entity_number", "_id", "type", "programs", "title", "addresses",
  "start_date", "remarks", "alt_names", "citizenships", "nationalities", "ids",
  "call_sign", "vessel_flag",
};
enum {
  CSL_SOURCE, CSL_NAME, CSL_ENTITY_NUMBER, CSL_ID, CSL_TYPE, CSL_PROGRAMS, CSL_TITLE,
  CSL_ADDRESSES, CSL_START_DATE, CSL_REMARKS, CSL_ALT_NAMES, CSL_CITIZENSHIPS,
  CSL_NATIONALITIES, CSL_IDS, CSL_CALL_SIGN, CSL_VESSEL_FLAG, CSL_N_COLUMNS
};
G_STATIC_ASSERT (G_N_ELEMENTS (csl_columns) == CSL_N_COLUMNS);

typedef struct {
  ScreenList *list;
  GPtrArray  *staged;
  guint       n_fields; /* of the header; 0 until it has been read */
  int         col[CSL_N_COLUMNS]; /* field index, -1 when absent */
} CslLoad;

static gboolean
csl_header (CslLoad *load, char **f, guint n, GError **error)
{
  for (guint c = 0; c < CSL_N_COLUMNS; c++)
    {
      load->col[c] = -1;
      for (guint i = 0; i < n && load->col[c] < 0; i++)
        if (g_ascii_strcasecmp (g_strstrip (f[i]), csl_columns[c]) == 0)
          load->col[c] = (int) i;
    }
  for (guint c = CSL_SOURCE; c <= CSL_NAME; c++)
    if (load->col[c] < 0)
      {
        g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_PARSE,
                     "header has no \"%s\" column", csl_columns[c]);
        return FALSE;
      }
  load->n_fields = n;
  return TRUE;
}

static gboolean
csl_row (char **f, guint n, guint line, gpointer data, GError **error)
{
  CslLoad *load = data;

  if (load->n_fields == 0)
    return csl_header (load, f, n, error);
  if (!check_fields (n, load->n_fields, error))
    return FALSE;

  /* Column c's value, or NULL when absent or empty. */
#define COL(c) (load->col[c] >= 0 ? value (g_strstrip (f[load->col[c]])) : NULL)
  if (COL (CSL_NAME) == NULL)
    {
      g_set_error_literal (error, SCREEN_ERROR, SCREEN_ERROR_PARSE, "row has no name");
      return FALSE;
    }

  ScreenList *list = load->list;
  ScreenEntry *e = entry_new (list, COL (CSL_SOURCE) != NULL ? COL (CSL_SOURCE) : "CSL",
                              COL (CSL_NAME));
  e->ref = store (list, COL (CSL_ENTITY_NUMBER) != NULL ? COL (CSL_ENTITY_NUMBER) : COL (CSL_ID));
  e->type = entry_type (COL (CSL_TYPE));
  e->program = intern (list, COL (CSL_PROGRAMS));
  e->title = store (list, COL (CSL_TITLE));
  e->listed_on = intern (list, COL (CSL_START_DATE));
  e->remarks = store (list, COL (CSL_REMARKS));
  g_ptr_array_add (load->staged, e);

  if (COL (CSL_ALT_NAMES) != NULL)
    {
      g_auto (GStrv) names = g_strsplit (COL (CSL_ALT_NAMES), ";", -1);
      for (guint i = 0; names[i] != NULL; i++)
        if (*g_strstrip (names[i]) != '\0')
          g_ptr_array_add (own_ptrs (&e->aliases), (gpointer) store (list, names[i]));
    }

  /* "Mobarakeh Road Km 45, Isfahan, IR; P.O. Box 81465-478, Isfahan, IR" */
  if (COL (CSL_ADDRESSES) != NULL)
    {
      g_auto (GStrv) addresses = g_strsplit (COL (CSL_ADDRESSES), ";", -1);
      for (guint i = 0; addresses[i] != NULL; i++)
        {
          const char *text = g_strstrip (addresses[i]);
          if (*text == '\0')
            continue;
          const char *comma = strrchr (text, ',');
          const char *code = entry_add_country (e, comma != NULL ? comma + 1 : text);
          ScreenAddress a = { store (list, text), code };
          g_array_append_val (own_array (&e->addresses, empty_addresses, sizeof a), a);
        }
    }

  for (guint c = CSL_CITIZENSHIPS; c <= CSL_NATIONALITIES; c++)
    if (COL (c) != NULL)
      {
        g_auto (GStrv) countries = g_strsplit_set (COL (c), ";,", -1);
        for (guint i = 0; countries[i] != NULL; i++)
          entry_add_country (e, g_strstrip (countries[i]));
      }
  if (COL (CSL_VESSEL_FLAG) != NULL)
    entry_add_country (e, COL (CSL_VESSEL_FLAG));
  if (COL (CSL_CALL_SIGN) != NULL)
    entry_add_identifier (list, e, "call-sign", COL (CSL_CALL_SIGN), NULL);

  /* "7714303050, Tax ID No.; C122790, Passport, CH; www.example.ru, Website" */
  if (COL (CSL_IDS) != NULL)
    {
      g_auto (GStrv) ids = g_strsplit (COL (CSL_IDS), ";", -1);
      for (guint i = 0; ids[i] != NULL; i++)
        {
          g_auto (GStrv) parts = g_strsplit (ids[i], ",", 3);
          if (parts[0] == NULL || parts[1] == NULL)
            continue;
          const char *kind = screen_identifier_kind (parts[1]);
          if (kind != NULL)
            entry_add_identifier (list, e, kind, parts[0],
                                  parts[2] != NULL ? g_strstrip (parts[2]) : NULL);
        }
    }
#undef COL
  return TRUE;
}

gboolean
screen_list_load_csl (ScreenList *list, GBytes *csv, const char *filename, GError **error)
{
  g_return_val_if_fail (list != NULL && csv != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_frozen (list, error))
    return FALSE;

  g_autoptr (GPtrArray) staged = staging_new ();
  CslLoad load = { list, staged, 0, { 0 } };
  gsize len;
  const char *data = g_bytes_get_data (csv, &len);

  if (!screen_csv_parse (data, len, filename != NULL ? filename : "csl.csv", csl_row,
                         &load, error))
    return FALSE;
  commit (list, staged);
  return TRUE;
}

/* ------------------------------------------------------------------------------
 * Entries added by the caller
 */

static gboolean
check_name (const char *what, const char *name, GError **error)
{
  if (name != NULL && name[0] != '\0' && g_utf8_validate (name, -1, NULL))
    return TRUE;
  g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_INVALID,
               "%s is missing, empty or not UTF-8", what);
  return FALSE;
}

const ScreenEntry *
screen_list_add (ScreenList *list, const ScreenEntrySpec *spec, GError **error)
{
  g_return_val_if_fail (list != NULL && spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_not_frozen (list, error) || !check_name ("name", spec->name, error))
    return NULL;
  for (const char *const *a = spec->aliases; a != NULL && *a != NULL; a++)
    if (!check_name ("an alias", *a, error))
      return NULL;
  for (gsize i = 0; i < spec->n_identifiers; i++)
    {
      const ScreenIdentifier *id = &spec->identifiers[i];
      if (id->kind == NULL || id->kind[0] == '\0' || id->value == NULL || id->value[0] == '\0')
        {
          g_set_error (error, SCREEN_ERROR, SCREEN_ERROR_INVALID,
                       "identifier %" G_GSIZE_FORMAT " has an empty kind or value", i);
          return NULL;
        }
    }

  ScreenEntry *e = entry_new (list, spec->source != NULL ? spec->source : "names", spec->name);
  e->ref = store (list, spec->ref);
  e->type = spec->type;
  e->program = intern (list, spec->program);
  e->listed_on = intern (list, spec->listed_on);
  for (const char *const *a = spec->aliases; a != NULL && *a != NULL; a++)
    g_ptr_array_add (own_ptrs (&e->aliases), (gpointer) store (list, *a));
  for (const char *const *c = spec->countries; c != NULL && *c != NULL; c++)
    entry_add_country (e, *c);
  for (gsize i = 0; i < spec->n_identifiers; i++)
    {
      const ScreenIdentifier *id = &spec->identifiers[i];
      const char *kind = screen_identifier_kind (id->kind);
      entry_add_identifier (list, e, kind != NULL ? kind : id->kind, id->value, id->country);
    }

  g_autoptr (GPtrArray) staged = staging_new ();
  g_ptr_array_add (staged, e);
  commit (list, staged);
  return e;
}
