/* screen.h: party screening against sanctions lists (internal API).
 *
 * A ScreenList holds listed parties (ScreenEntry) loaded from the OFAC SDN legacy
 * CSV files, from the trade.gov Consolidated Screening List CSV, or added one by
 * one (for embargo's own `kind: names` lists). A ScreenIndex is built once from a
 * finished list and answers screening queries: which entries does this name (plus
 * optional type, country and identifiers) match, with what score. The aggregate
 * ownership rule (OFAC's 50% rule) is a separate pure function at the end.
 *
 * Nothing here does I/O: the lists' bytes come from the file helpers (engine/screen-file.c,
 * on the public API) or, for the tests and benchmarks, tests/screen/sdn-dir.c.
 * The algorithm, the score and the thresholds are described in docs/screening.md.
 *
 * Threading: a ScreenList is not thread-safe while it is being filled. Once an
 * index has been built from it the list is frozen (read-only) and both the list
 * and the index may be used from any number of threads at once.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------------------
 * Errors
 */

#define SCREEN_ERROR (screen_error_quark ())
GQuark screen_error_quark (void);

typedef enum {
  SCREEN_ERROR_PARSE,   /* malformed CSV or a bad field; message starts "file:line: " */
  SCREEN_ERROR_INVALID, /* a bad argument: empty name, bad share, duplicate party, ... */
  SCREEN_ERROR_FROZEN,  /* the list already has an index and cannot change */
  SCREEN_ERROR_IO,      /* a file could not be read (tests/screen/sdn-dir.c) */
} ScreenError;

/* ------------------------------------------------------------------------------
 * Entries
 */

typedef enum {
  SCREEN_TYPE_UNKNOWN = 0, /* not given: never filters anything out */
  SCREEN_TYPE_INDIVIDUAL,
  SCREEN_TYPE_ENTITY,
  SCREEN_TYPE_VESSEL,
  SCREEN_TYPE_AIRCRAFT,
} ScreenEntryType;

/* An identity document or registration number. kind is canonical (see
 * screen_identifier_kind()): "passport", "national-id", "tax-id", "imo", "mmsi",
 * "swift-bic", "registration", "call-sign", ... value is canonical too: the
 * upper-cased ASCII letters and digits of the printed number ("92/664" -> "92664").
 * country is an ISO 3166-1 alpha-2 code or NULL. */
typedef struct {
  const char *kind;
  const char *value;
  const char *country;
} ScreenIdentifier;

/* One address as printed (street and city joined by ", ", may be NULL when only
 * the country is known) and its country as an alpha-2 code when recognised, else
 * as printed, else NULL. */
typedef struct {
  const char *text;
  const char *country;
} ScreenAddress;

/* A listed party. Every string is owned by the list and lives as long as it.
 * Fields are read-only for users of this header. */
typedef struct {
  guint           index;     /* position in the list, 0-based */
  const char     *source;    /* list name: "SDN", the CSL "source" column, or the caller's */
  const char     *ref;       /* ent_num, CSL entity_number (else _id), the caller's id; or NULL */
  const char     *name;      /* primary name as printed */
  ScreenEntryType type;
  const char     *program;   /* programs joined by "; " ("SDGT; IRGC"), or NULL */
  const char     *listed_on; /* "YYYY-MM-DD" or NULL (the SDN legacy CSV has no dates) */
  const char     *title;     /* or NULL */
  const char     *remarks;   /* or NULL; SDN remarks include sdn_comments.csv overflow */
  GPtrArray      *aliases;   /* of const char *: a.k.a., f.k.a., n.k.a. names */
  GPtrArray      *countries; /* of const char *: alpha-2 codes (nationality, citizenship,
                                address, vessel flag), no duplicates */
  GArray         *addresses;   /* of ScreenAddress */
  GArray         *identifiers; /* of ScreenIdentifier */
} ScreenEntry;

/* ------------------------------------------------------------------------------
 * Lists
 */

typedef struct _ScreenList ScreenList;

/* screen_list_new:
 * Returns: (transfer full) an empty list with a reference count of 1. Never NULL. */
ScreenList *screen_list_new (void);

/* screen_list_ref / screen_list_unref: reference counting; thread-safe.
 * screen_list_unref (NULL) is allowed and does nothing. */
ScreenList *screen_list_ref (ScreenList *list);
void        screen_list_unref (ScreenList *list);

/* screen_list_get_n_entries / screen_list_get_entry:
 * Returns: the number of entries; entry i (transfer none, owned by the list), or NULL
 * when i is out of range. */
guint              screen_list_get_n_entries (const ScreenList *list);
const ScreenEntry *screen_list_get_entry (const ScreenList *list, guint i);

/* screen_list_find:
 * @source: list name, as in ScreenEntry.source
 * @ref: the entry's ref (e.g. an ent_num as text: "306")
 * Returns: (transfer none) (nullable) the first entry with that source and ref. */
const ScreenEntry *screen_list_find (const ScreenList *list, const char *source,
                                     const char *ref);

/* screen_list_load_sdn:
 * @sdn: (not nullable) contents of sdn.csv
 * @alt: (nullable) contents of alt.csv; @add: (nullable) add.csv;
 * @comments: (nullable) sdn_comments.csv (remarks that overflowed sdn.csv)
 *
 * Appends the entries of an OFAC SDN legacy CSV snapshot, with source "SDN". The
 * files have no header, "-0- " stands for an empty field, a trailing DOS ^Z is
 * ignored. alt.csv, add.csv and sdn_comments.csv rows refer to sdn.csv rows by
 * ent_num. Identifiers (passports, IMO numbers, ...) and nationality/citizenship
 * countries are read from the remarks; vessel call signs and flags from their
 * columns.
 *
 * Returns: TRUE on success. On error (SCREEN_ERROR_PARSE: bad CSV, wrong number of
 * fields, ent_num not a positive number, duplicate or unknown ent_num, empty name;
 * message "sdn.csv:LINE: ..."; SCREEN_ERROR_FROZEN) returns FALSE and the list is
 * left unchanged. */
gboolean screen_list_load_sdn (ScreenList *list, GBytes *sdn, GBytes *alt, GBytes *add,
                               GBytes *comments, GError **error);

/* screen_list_load_csl:
 * @csv: contents of a Consolidated Screening List CSV export (header row first)
 * @filename: (nullable) name used in error messages; "csl.csv" when NULL
 *
 * Appends one entry per data row, with source from the "source" column. Columns are
 * found by header name, so exports with extra columns (the 2023 leading "_id") or
 * another column order load too. Required columns: source, name. Used when present:
 * entity_number, _id, type, programs, title, addresses, start_date, remarks,
 * alt_names, citizenships, nationalities, ids, call_sign, vessel_flag.
 *
 * Returns: TRUE on success; FALSE with SCREEN_ERROR_PARSE ("FILE:LINE: ...": a
 * missing required column, a row with a different number of fields than the
 * header, an empty name, bad CSV) or SCREEN_ERROR_FROZEN, list unchanged. */
gboolean screen_list_load_csl (ScreenList *list, GBytes *csv, const char *filename,
                               GError **error);

/* screen_list_load_format (import.c):
 * Appends the entries of @bytes in @format (EmbargoListFormat of embargo.h; AUTO:
 * detected): the CSL as screen_list_load_csl(), or the EU, UN and UK XML lists and
 * OpenSanctions' JSON Lines and targets.simple.csv, with source "EU", "UN", "UK" or
 * "OpenSanctions". @filename (nullable) names the input in errors.
 * Returns: TRUE on success; FALSE with SCREEN_ERROR_PARSE ("FILE:LINE: ...") or
 * SCREEN_ERROR_FROZEN, the list unchanged. */
gboolean screen_list_load_format (ScreenList *list, int format, GBytes *bytes,
                                  const char *filename, GError **error);

/* What screen_list_add() copies into a new entry. Only name is required; NULL
 * means absent for the strings, and for the NULL-terminated arrays. */
typedef struct {
  const char             *source;        /* NULL: "names" */
  const char             *ref;
  const char             *name;
  ScreenEntryType         type;
  const char             *program;
  const char             *listed_on;
  const char *const      *aliases;
  const char *const      *countries;     /* names or codes; unknown ones are dropped */
  const ScreenIdentifier *identifiers;   /* kind and value are canonicalized */
  gsize                   n_identifiers;
} ScreenEntrySpec;

/* screen_list_add:
 * Copies @spec into a new entry at the end of the list.
 * Returns: (transfer none) the new entry, owned by the list; NULL with
 * SCREEN_ERROR_INVALID (name or an alias NULL, empty or not UTF-8; an identifier
 * with an empty kind or value) or SCREEN_ERROR_FROZEN. */
const ScreenEntry *screen_list_add (ScreenList *list, const ScreenEntrySpec *spec,
                                    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScreenList, screen_list_unref)

/* ------------------------------------------------------------------------------
 * Helpers shared with callers
 */

/* screen_country_code:
 * Returns: (transfer none) (nullable) the ISO 3166-1 alpha-2 code ("KP") for a
 * country name or code in any common spelling ("Korea, North", "North Korea",
 * "PRK", "kp"), or NULL when unknown. Static storage. */
const char *screen_country_code (const char *country);

/* screen_identifier_kind:
 * Returns: (transfer none) (nullable) the canonical kind ("passport") for a label as
 * lists print it ("Passport", "Passport No.", "alt. Passport"), or NULL when the
 * label is not a known identifier kind. Static storage. */
const char *screen_identifier_kind (const char *label);

/* What screen_fold() changed, beyond case, marks and punctuation. */
typedef enum {
  SCREEN_FOLD_INVISIBLE    = 1 << 0, /* default-ignorable or control characters removed */
  SCREEN_FOLD_CONFUSABLE   = 1 << 1, /* look-alike letters mapped to their skeleton */
  SCREEN_FOLD_SIMPLIFIED   = 1 << 2, /* Traditional Chinese folded to Simplified */
  SCREEN_FOLD_OTHER_SCRIPT = 1 << 3, /* letters outside Latin remain */
} ScreenFoldFlags;

/* screen_fold:
 * @len: bytes, or -1 for NUL-terminated
 * @flags: (out) (optional) ScreenFoldFlags
 * The words a name is matched on, in their written order, separated by one space:
 * invisible characters removed, NFKC, look-alikes to their UTS #39 skeleton, case
 * folded, Traditional Chinese to Simplified, diacritics dropped, legal forms (Latin,
 * Cyrillic, Arabic, Chinese, Japanese, Korean) dropped unless nothing else is left
 * (see fold.c). Returns: (transfer full) the words; "" for invalid UTF-8 or a name
 * without letters or digits. embargo_name_normalize() is this, words sorted. */
char *screen_fold (const char *name, gssize len, guint *flags);

/* screen_fold_latin:
 * The same words transliterated to Latin ASCII (ICU "Any-Latin; Latin-ASCII") and
 * folded again, when the name has letters of another script (Cyrillic, Greek,
 * Arabic, Hebrew, Han as pinyin, Hangul, kana, ...). Returns: (transfer full)
 * (nullable) the words, or NULL when the name is all Latin, or not UTF-8. */
char *screen_fold_latin (const char *name, gssize len, guint *flags);

/* screen_name_similarity:
 * The name score of docs/screening.md between two names given as printed (both
 * are normalized first). Symmetric in its token alignment but weighted towards
 * @query: see ScreenOptions.query_weight. Returns a value in [0, 1]; 1 when the
 * normalized names are equal; 0 when either normalizes to "". */
double screen_name_similarity (const char *query, const char *listed);

/* ------------------------------------------------------------------------------
 * Screening
 */

typedef struct _ScreenIndex ScreenIndex;

/* screen_index_new:
 * Builds the matching index over every name and alias of @list and freezes the
 * list (later loads fail with SCREEN_ERROR_FROZEN). Takes a reference on @list.
 * Returns: (transfer full) the index; never NULL. Building an empty list is fine. */
ScreenIndex *screen_index_new (ScreenList *list);

/* screen_index_new_threads:
 * screen_index_new() on @n_threads threads (at most 8), or with 0 on as many as the
 * machine has processors when the list has 100,000 distinct words or more, else one.
 * The index is the same whatever the number. */
ScreenIndex *screen_index_new_threads (ScreenList *list, guint n_threads);

/* ScreenIndexBuilder:
 * Indexes the names of a list while it is being filled, on a thread of its own, for
 * a loader that adds a long list one entry at a time with screen_list_add() and
 * then builds its index: the index is then ready about as soon as the list is.
 *
 * screen_index_builder_new() takes a reference on @list, which must be empty;
 * @expected is about how many names and aliases will come (room is made for them).
 * Hand every entry screen_list_add() returns to screen_index_builder_add(), in the
 * order added (an entry out of order is refused with a critical warning). From the
 * same thread: the builder is not for concurrent adds.
 *
 * screen_index_builder_finish() returns (transfer full) the same index as
 * screen_index_new_threads (@list, @n_threads) and frees the builder; the list is
 * frozen. Had entries come into the list without screen_index_builder_add(), it
 * indexes the whole list from scratch instead, so the index never misses one.
 * screen_index_builder_free() drops a builder that is not finished (NULL is fine). */
typedef struct _ScreenIndexBuilder ScreenIndexBuilder;
ScreenIndexBuilder *screen_index_builder_new (ScreenList *list, guint expected);
void screen_index_builder_add (ScreenIndexBuilder *builder, const ScreenEntry *entry);
ScreenIndex *screen_index_builder_finish (ScreenIndexBuilder *builder, guint n_threads);
void screen_index_builder_free (ScreenIndexBuilder *builder);

/* screen_index_free: frees the index and drops its list reference; NULL is fine. */
void screen_index_free (ScreenIndex *index);

/* screen_index_get_list: Returns: (transfer none) the indexed list. */
ScreenList *screen_index_get_list (const ScreenIndex *index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScreenIndex, screen_index_free)

typedef struct {
  double   match_threshold;    /* score >= this: a match. Default 0.92 */
  double   possible_threshold; /* score >= this (and < match): possible. Default 0.80 */
  double   query_weight;       /* share of the score from query-token coverage. Default 0.75 */
  double   country_penalty;    /* subtracted when both sides know their countries and
                                  they are disjoint. Default 0.10 */
  gboolean country_excludes;   /* drop such entries instead. Default FALSE */
  guint    max_results;        /* 0: unlimited. Default 10 */
} ScreenOptions;

/* screen_options_init: fills @opts with the defaults above. */
void screen_options_init (ScreenOptions *opts);

typedef struct _ScreenName ScreenName;

/* screen_name_new:
 * A name normalized, split and transliterated once, to screen against several
 * indexes without redoing that work (ScreenQuery.prepared).
 * Returns: (transfer full) (nullable) the prepared name; NULL when @name is not UTF-8.
 * Immutable: usable from several threads at once. */
ScreenName *screen_name_new (const char *name);
void        screen_name_free (ScreenName *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScreenName, screen_name_free)

/* A party to screen. name may be NULL when identifiers are given. */
typedef struct {
  const char             *name;
  ScreenEntryType         type;          /* UNKNOWN: no type filter */
  const char             *country;       /* name or code; NULL or unknown: no filter */
  const ScreenIdentifier *identifiers;   /* kind and value are canonicalized */
  gsize                   n_identifiers;
  const ScreenName       *prepared;      /* (nullable) @name, from screen_name_new() */
} ScreenQuery;

typedef enum {
  SCREEN_VERDICT_POSSIBLE = 1,
  SCREEN_VERDICT_MATCH,
} ScreenVerdict;

typedef enum {
  SCREEN_HIT_EXACT            = 1 << 0, /* normalized names equal */
  SCREEN_HIT_FUZZY            = 1 << 1, /* names similar but not equal */
  SCREEN_HIT_IDENTIFIER       = 1 << 2, /* an identifier of the same kind and value */
  SCREEN_HIT_COUNTRY_MISMATCH = 1 << 3, /* known countries disjoint: penalty applied */
  SCREEN_HIT_FOLDED           = 1 << 4, /* the query had look-alike, invisible or
                                           Traditional Chinese characters, folded away */
  SCREEN_HIT_TRANSLITERATED   = 1 << 5, /* matched through a Latin transliteration of
                                           the query or of the listed name */
  SCREEN_HIT_JOINED           = 1 << 6, /* matched once query words were joined or split
                                           ("Hua Wei" as "huawei", "MahanAir" as "mahan air") */
  SCREEN_HIT_CONTAINED        = 1 << 7, /* every word of the listed name is in the query
                                           ("Mahan Air (Tehran Branch Office)") */
  SCREEN_HIT_CONFLICT         = 1 << 8, /* the query's identifiers or type differ from the
                                           entry's: at most a possible match */
} ScreenHitFlags;

/* screen_hit_how:
 * Returns: (transfer none) how the hit matched, for people: "identifier", "exact",
 * "fuzzy tokens" or "contained name", followed by what made it possible (", look-alikes
 * folded", ", transliterated", ", words joined", ", identifiers or type differ").
 * Interned: valid for the life of the process. */
typedef struct _ScreenHit ScreenHit;
const char *screen_hit_how (const ScreenHit *hit);

/* One candidate. entry and matched_name point into the indexed list. */
struct _ScreenHit {
  const ScreenEntry *entry;
  const char        *matched_name; /* the entry's name or alias that scored best */
  gboolean           matched_alias;
  double             name_score;   /* name similarity in [0, 1] */
  double             score;        /* after filters; 1.0 on an identifier match */
  ScreenVerdict      verdict;
  ScreenHitFlags     flags;
};

/* screen_index_screen:
 * @opts: (nullable) thresholds and filters; NULL for the defaults
 *
 * Screens one party. Candidates come from the index, never from a scan. Filters:
 * an entry of a different known type is dropped; an identifier of the same kind
 * and value makes the entry a match whatever the name, and one of the same kind
 * with a different value (the entry has that kind, but not this value) drops it;
 * disjoint known countries subtract country_penalty (or drop, country_excludes).
 *
 * Returns: (transfer full) a GArray of ScreenHit, one per entry, score >=
 * possible_threshold, sorted by score (highest first) then by entry index, at most
 * max_results long; empty when nothing matches. NULL with SCREEN_ERROR_INVALID
 * when the query has neither a name nor identifiers, the name is not UTF-8, or
 * the thresholds are outside 0 < possible <= match <= 1. Safe to call from several
 * threads at once. */
GArray *screen_index_screen (const ScreenIndex *index, const ScreenQuery *query,
                             const ScreenOptions *opts, GError **error);

/* screen_index_scan:
 * screen_index_screen() without the index's shortcuts: every query token is compared
 * with every vocabulary token, and every indexed name is scored. The same results,
 * much slower: it is what the property test holds the index to. */
GArray *screen_index_scan (const ScreenIndex *index, const ScreenQuery *query,
                           const ScreenOptions *opts, GError **error);

/* ------------------------------------------------------------------------------
 * Aggregate ownership (OFAC 50% rule)
 */

typedef struct {
  const char *owner;     /* a party name (ScreenParty.name); unknown names are not blocked */
  double      share_pct; /* direct stake, 0..100 */
} ScreenOwner;

/* A party and its direct owners: the graph is the union of owner edges. */
typedef struct {
  const char        *name;     /* unique among the parties */
  gboolean           listed;   /* blocked in its own right (a screening match) */
  const ScreenOwner *owners;
  gsize              n_owners;
} ScreenParty;

typedef enum {
  SCREEN_OWNERSHIP_CLEAR = 0, /* blocked owners hold less than review_pct */
  SCREEN_OWNERSHIP_REVIEW,    /* blocked owners hold >= review_pct but < 50% */
  SCREEN_OWNERSHIP_BLOCKED,   /* listed, or blocked owners hold >= 50% */
} ScreenOwnershipStatus;

typedef struct {
  ScreenOwnershipStatus status;
  double                blocked_pct; /* sum of the direct stakes of blocked owners */
} ScreenOwnership;

/* screen_ownership_resolve:
 * @parties: (array length=n_parties) the graph
 * @review_pct: aggregate blocked share from which an unblocked party is flagged
 *   for review, in (0, 50]; docs/screening.md uses 25
 * @out: (array length=n_parties) receives the result for parties[i] in out[i]
 *
 * A party is blocked when listed, or when its blocked owners together hold >= 50%.
 * Blocking propagates through chains until nothing changes (a least fixed point,
 * so cycles terminate and a cycle of unlisted parties blocks nothing); an indirect
 * stake counts only through an owner that is itself blocked. Pure: no state.
 *
 * Returns: TRUE; FALSE with SCREEN_ERROR_INVALID (NULL or duplicate party name, a
 * share outside 0..100, direct stakes summing to more than 100, review_pct out of
 * range), @out then undefined. */
gboolean screen_ownership_resolve (const ScreenParty *parties, gsize n_parties,
                                   double review_pct, ScreenOwnership *out,
                                   GError **error);

G_END_DECLS
