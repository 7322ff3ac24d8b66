/* embargo-private.h: declarations shared inside the engine; never installed.
 *
 * The engine is four layers, each using only the ones below it:
 *   documents  doc.c, yaml-read.c, json-read.c: bytes -> a tree of DocNodes with
 *              positions, in an arena; no knowledge of rules or transactions
 *   schema     load.c (rule files), txn.c (transactions): trees -> checked objects,
 *              every problem as a diagnostic with its position (diag.c)
 *   rule set   ruleset.c, index.c: the compiled, immutable rule set and its index
 *   decisions  eval.c, decision.c: (rule set, transaction) -> decision; pure
 * file.c alone touches the file system, and only through the public API.
 */
#ifndef EMBARGO_PRIVATE_H
#define EMBARGO_PRIVATE_H

#include <embargo/embargo.h>

#include "screen/screen.h"

#include <stdint.h>
#include <string.h>

/* ---- arenas: many small allocations freed together ---- */

typedef struct ArenaBlock ArenaBlock;
typedef struct {
  ArenaBlock *head;
  gsize used;  /* bytes used in head */
  gsize cap;   /* capacity of head */
  gsize first; /* size of the first block, when known better than the default */
} Arena;

void arena_init (Arena *a);
void arena_clear (Arena *a);
void *arena_alloc (Arena *a, gsize size); /* zeroed, 8-byte aligned; aborts on OOM */
char *arena_strndup (Arena *a, const char *s, gsize len);
/* Asks the CPU to start loading the arena's newest block into cache: a document's nodes
 * are read by chasing pointers, and fetching its lines in parallel first turns a chain
 * of cache misses into one wait. */
void arena_prefetch (const Arena *a);

/* ---- documents ---- */

typedef enum { DOC_NULL, DOC_BOOL, DOC_NUMBER, DOC_STRING, DOC_LIST, DOC_MAP } DocKind;

typedef struct DocNode DocNode;

/* Nodes and pairs are small (32 and 24 bytes): a parsed transaction is read from
 * memory that no cache holds, and evaluation waits on every cache line of it. So
 * columns are 16 bits (a column past 65,535 on one line is reported as 65,535; JSON
 * positions are byte offsets in `line`, exact whatever the line's length), and a key
 * has no length field: keys never hold a NUL (the parsers refuse one), so it is
 * strlen (key). */
typedef struct {
  const char *key;   /* NUL-terminated */
  DocNode *val;
  guint32 line;      /* of the key */
  guint16 col;
  guint8 kid;        /* key_id (key): non-zero for the contract's well-known keys */
} DocPair;

#define DOC_COL_MAX G_MAXUINT16

/* Every scalar keeps its text, so "854232" and 854232 compare equal as text, and a
 * number keeps the spelling it was written with. */
struct DocNode {
  guint8 kind;          /* DocKind */
  guint8 is_date : 1;   /* scalar text is a valid YYYY-MM-DD date (sc.date) */
  guint8 quoted : 1;    /* YAML quoted scalar or JSON string */
  guint8 boolean : 1;   /* DOC_BOOL value */
  guint16 col;          /* 1-based; 0 for JSON, whose line is a byte offset */
  guint32 line;         /* 1-based */
  union {
    struct {
      const char *s; /* NUL-terminated */
      guint32 len;
      guint32 hash;  /* str_hash (s, len) */
      union {
        double num;  /* DOC_NUMBER value */
        gint32 date; /* yyyymmdd when is_date (a date is never a number) */
      };
    } sc;
    struct {
      DocNode **v;
      guint32 n, cap;
    } list;
    struct {
      DocPair *v;
      guint32 n, cap;
    } map;
  } u;
};

/* A document lives at the start of its own arena's first block, followed by its root:
 * whoever holds the document reaches its nodes without another pointer to chase (a
 * transaction is its document, and evaluating one that is no longer in cache starts
 * with one miss, not three). */
typedef struct {
  Arena arena;
  DocNode *root;
  /* JSON documents only, while the caller still holds the text (not owned): nodes keep
   * byte offsets, and json_position() needs the text to turn them into lines. */
  const char *text;
  gsize text_len;
  guint32 first_line;
  gboolean validated; /* transactions: parsed from text and checked against the schema */
} Doc;

/* Comparators for qsort() and g_ptr_array_sort(): strings through a pointer to them,
 * and guint32 values. */
int cmp_strp (const void *a, const void *b);
int cmp_u32 (const void *a, const void *b);

guint32 str_hash (const char *s, gsize len);
/* A small non-zero number for each key the transaction contract names ("buyer",
 * "country", "eccn", ...), 0 for any other: map lookups on well-known keys then compare
 * integers instead of strings. */
guint32 key_id (const char *s, gsize len);
/* The contract key with id ID (1 .. KEY_COUNT - 1), or NULL (KEY_OTHER and beyond). */
const char *key_name (guint32 id);
/* The well-known keys by id, in the order of doc.c's table (checked there at compile
 * time): lookups by a constant id compare integers, not strings. */
typedef enum {
  KEY_OTHER = 0,
  KEY_ID,
  KEY_DATE,
  KEY_DESTINATION,
  KEY_COUNTRY,
  KEY_REGION,
  KEY_CITY,
  KEY_END_USE,
  KEY_BUYER,
  KEY_SELLER,
  KEY_CONSIGNEE,
  KEY_END_USER,
  KEY_INTERMEDIARIES,
  KEY_NAME,
  KEY_ALIASES,
  KEY_CIIO,
  KEY_SECTOR,
  KEY_HEADQUARTERS_COUNTRY,
  KEY_OWNERS,
  KEY_SHARE_PCT,
  KEY_IDS,
  KEY_TAGS,
  KEY_FACILITY,
  KEY_KIND,
  KEY_LOGIC_NODE_NM,
  KEY_NAND_LAYERS,
  KEY_DRAM_HALF_PITCH_NM,
  KEY_ITEMS,
  KEY_PART_NUMBER,
  KEY_DESCRIPTION,
  KEY_MANUFACTURER,
  KEY_ECCN,
  KEY_HS_CODE,
  KEY_ORIGIN,
  KEY_US_CONTENT_PCT,
  KEY_QUANTITY,
  KEY_UNIT_VALUE,
  KEY_CURRENCY,
  KEY_ATTRIBUTES,
  KEY_TPP,
  KEY_PERFORMANCE_DENSITY,
  KEY_IO_BANDWIDTH_GBPS,
  KEY_CONTRACT,
  KEY_SIGNED,
  KEY_NO_RUSSIA_CLAUSE,
  KEY_TYPE,
  KEY_PROGRAM,
  KEY_LEI,
  KEY_COUNT
} KeyId;
/* The key of each party role, in the order of role_names. */
#define ROLE_KEYS { KEY_BUYER, KEY_SELLER, KEY_CONSIGNEE, KEY_END_USER, KEY_INTERMEDIARIES }

/* The value of well-known key KID in MAP, or NULL (not a mapping, or no such key). */
static inline const DocNode *
doc_key (const DocNode *map, KeyId kid)
{
  if (map == NULL || map->kind != DOC_MAP)
    return NULL;
  for (guint32 i = 0; i < map->u.map.n; i++)
    if (map->u.map.v[i].kid == (guint32) kid)
      return map->u.map.v[i].val;
  return NULL;
}
gint32 date_parse (const char *s, gsize len); /* yyyymmdd, or 0 when not a valid date */
void date_format (gint32 ymd, char buf[11]);

DocNode *doc_new_node (Doc *doc, DocKind kind, guint32 line, guint32 col);
void doc_set_scalar (Doc *doc, DocNode *n, const char *s, gsize len, gboolean quoted);
void doc_list_append (Doc *doc, DocNode *list, DocNode *item);
/* Appends KEY -> VAL; FALSE when KEY is already present (duplicate key). */
gboolean doc_map_add (Doc *doc, DocNode *map, const char *key, gsize klen, guint32 line,
                      guint32 col, DocNode *val);
/* Fills *P with KEY -> VAL as doc_map_add() fills a map's next pair, for a builder that
 * collects a map's pairs before the map has them; FALSE when KEY is already among the
 * N pairs at V. */
gboolean doc_pair_set (Doc *doc, DocPair *p, const DocPair *v, guint32 n, const char *key,
                       gsize klen, guint32 line, guint32 col, DocNode *val);
const DocNode *doc_map_get (const DocNode *map, const char *key, gsize klen);
static inline const DocNode *
doc_get (const DocNode *map, const char *key)
{
  return doc_map_get (map, key, strlen (key));
}
gboolean doc_is_scalar (const DocNode *n);
/* Feeds a canonical form of N to CK: kinds, keys in byte order, scalar text; no
 * positions, comments or layout, so reformatting a node does not change its hash. */
void doc_hash (GChecksum *ck, const DocNode *n);
const char *doc_kind_name (const DocNode *n);

/* Parsers. On error return NULL with ERROR set to "source:line:col: error: message".
 * FIRST_LINE is the line number of the text's first line in SOURCE (1 for a whole file;
 * more for one line or document of a stream). The document owns all its memory; free
 * with doc_free(). */
Doc *doc_parse_yaml (const char *data, gsize len, const char *source, guint32 first_line,
                     const EmbargoLimits *lim, GError **error);
Doc *doc_parse_json (const char *data, gsize len, const char *source, guint32 first_line,
                     const EmbargoLimits *lim, GError **error);
Doc *doc_parse_auto (const char *data, gsize len, const char *source, guint32 first_line,
                     const EmbargoLimits *lim, GError **error);
/* Checks that DATA is strict UTF-8 (no overlong form, no encoded surrogate, nothing
 * past U+10FFFF, no truncated sequence; a NUL byte is left to the readers, which name
 * it). TRUE when it is; otherwise FALSE with ERROR set to "SOURCE:LINE:COL: error:
 * invalid UTF-8 (WHAT are UTF-8 text)" at the first bad byte, and, when LINE and COL
 * are not NULL, that position there. */
gboolean text_utf8_check (const char *data, gsize len, const char *source, guint32 first_line,
                          const char *what, guint32 *line, guint32 *col, GError **error);
Doc *doc_new (void);
/* A new document whose arena's first block holds FIRST bytes (0: the default). */
Doc *doc_new_sized (gsize first);
void doc_free (Doc *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Doc, doc_free)

/* ---- ISO 3166 (iso3166.c, generated from Debian's iso-codes) ---- */

gboolean iso3166_alpha2_valid (const char *code, gsize len);
gboolean iso3166_region_valid (const char *code, gsize len); /* "UA-43" */

/* ---- diagnostics ---- */

struct _EmbargoDiagnostics {
  GArray *items;        /* EmbargoDiagnostic */
  GStringChunk *strings;
};

EmbargoDiagnostics *diags_new (void);
void diags_free (EmbargoDiagnostics *d);
/* The version field of an options struct the caller filled (EMBARGO_*_INIT), checked
 * as libgit2's GIT_ERROR_CHECK_VERSION does: a struct from another version of the
 * header is refused with an error naming it (domain DOMAIN, code CODE), never read.
 * VERSION is the struct's first field; TYPE its name. (ruleset.c) */
gboolean options_version_ok (unsigned version, unsigned want, const char *type,
                             GQuark domain, int code, GError **error);
#define OPTIONS_VERSION_OK(opts, WANT, TYPE, DOMAIN, CODE, error)                         \
  ((opts) == NULL || options_version_ok ((opts)->version, (WANT), (TYPE), (DOMAIN), (CODE), \
                                         (error)))

void diags_add (EmbargoDiagnostics *d, EmbargoSeverity sev, const char *code, const char *source,
                unsigned line, unsigned col, const char *fmt, ...) G_GNUC_PRINTF (7, 8);
/* All diagnostics at SEV or above, one formatted line each, joined by newlines. */
char *diags_join (const EmbargoDiagnostics *d, EmbargoSeverity sev);

/* embargo_text_escape() in parts: whether S (LEN bytes) holds anything MODE escapes,
 * and appending its escaped form to OUT. */
gboolean text_needs_escape (const char *s, gsize len, EmbargoEscapeMode mode);
void text_escape_append (GString *out, const char *s, gsize len, EmbargoEscapeMode mode);

/* ---- compiled rules ---- */

typedef struct {
  const char *s; /* interned, NUL-terminated */
  guint32 len;
  guint32 hash;
  guint32 kid;   /* key_id (s): set for path segments, so lookups compare integers */
} Str;

typedef enum { SCOPE_TXN, SCOPE_ITEM, SCOPE_PARTY } Scope;

typedef struct {
  Scope scope;
  guint32 n;
  Str *seg;          /* the segments after the scope word ("item.eccn" -> {"eccn"}) */
  const char *text;  /* as written */
  guint32 slot;      /* cache slot of a transaction or item path, or PATH_NO_SLOT */
} Path;

/* Each distinct transaction- or item-level path gets a slot, so an evaluation resolves
 * it once per transaction (or item) however many rules test it. */
#define PATH_SLOTS 256
#define PATH_NO_SLOT G_MAXUINT32

/* ---- identifiers: one canonical form each (canon.c) ---- */

typedef enum { CANON_NONE, CANON_ECCN, CANON_HS, CANON_COUNTRY, CANON_REGION, CANON_TAG } CanonKind;
typedef enum { CANON_SAME, CANON_CHANGED, CANON_BAD } CanonResult;

/* The canonical form of S (LEN bytes of UTF-8) as a value of a KIND field, or with PREFIX
 * as the start of one (a `prefix:` operand). CANON_SAME: S is canonical already;
 * CANON_CHANGED: *OUT is the canonical form (g_free() it); CANON_BAD: there is none, and
 * *WHY says why ("holds 'А' U+0410, which is not ASCII ..."), to follow "'VALUE' ". */
CanonResult canon_value (CanonKind kind, gboolean prefix, const char *s, gsize len, char **out,
                         char **why);
/* "an ECCN", "an HS code", ... */
const char *canon_kind_name (CanonKind kind);
/* The identifier kind of the field a rule tests at P (CANON_NONE: not an identifier). */
CanonKind canon_kind_of_path (const Path *p);

/* What the contract says the field a rule tests at P holds (FIELD_UNKNOWN: a fact the
 * contract does not name), for the loader's and lint's checks of its operands. */
typedef enum { FIELD_UNKNOWN, FIELD_TEXT, FIELD_IDENTIFIER, FIELD_NUMBER, FIELD_BOOLEAN,
               FIELD_DATE } FieldType;
FieldType contract_field_type (const Path *p);
const char *field_type_name (FieldType t); /* "text", "a number", ... */

typedef enum { V_STR, V_NUM, V_BOOL, V_DATE } ValueType;

typedef struct {
  ValueType type;
  Str str; /* text, for every type */
  double num;
  gboolean b;
  gint32 date;
} Operand;

typedef enum { OP_EQ, OP_IN, OP_IN_LIST, OP_PREFIX, OP_GT, OP_GTE, OP_LT, OP_LTE, OP_PRESENT } OpKind;

typedef struct EList EList;

typedef struct {
  OpKind kind;
  Operand val;        /* EQ, GT..LTE */
  Operand *set;       /* IN, PREFIX */
  guint32 nset;
  GHashTable *set_ht; /* IN with many values: Str* -> Str* */
  EList *list;        /* IN_LIST, resolved when the rule set is finished */
  const char *list_id;
  gboolean owned;     /* IN_LIST written `owned_by_list`: the 50% rule (screening.c) */
  gboolean present;   /* PRESENT */
  guint32 line, col;
} Op;

typedef enum { C_TEST, C_ALL, C_ANY, C_NOT, C_PARTY } CondKind;
typedef enum { MISS_UNKNOWN, MISS_FALSE, MISS_TRUE } MissPolicy;

enum {
  ROLE_BUYER = 1 << 0,
  ROLE_SELLER = 1 << 1,
  ROLE_CONSIGNEE = 1 << 2,
  ROLE_END_USER = 1 << 3,
  ROLE_INTERMEDIARIES = 1 << 4,
  ROLE_OWNERS = 1 << 5, /* the named owners of every party: not in role_names */
};
#define ROLE_COUNT 5
extern const char *const role_names[ROLE_COUNT];

typedef struct Cond Cond;
struct Cond {
  CondKind kind;
  MissPolicy if_missing;
  guint32 roles; /* C_PARTY */
  Path path;     /* C_TEST */
  Op *ops;
  guint32 nops;
  Cond **kids;   /* C_ALL, C_ANY: n kids; C_NOT, C_PARTY: one */
  guint32 nkids;
  guint32 line, col;
  gboolean item_free; /* no `item.` path below: the same answer for every item (set by
                         programs_build()) */
};

typedef enum { LIST_COUNTRIES, LIST_NAMES, LIST_VALUES } ListKind;

typedef struct {
  gint32 from, until; /* yyyymmdd; 0 = open */
} Interval;

/* One member of a list under one key; a key may carry several (a names list where two
 * entries normalize alike, or a country with several membership periods). */
typedef struct ListMember ListMember;
struct ListMember {
  Interval when;
  const char *name;   /* display name (names lists), or the code/value */
  const char *citation;
  const char *license_policy;
  ListMember *next;
};

struct EList {
  const char *id;
  ListKind kind;
  const char *title;
  const char *source_name;
  guint32 line, col;
  GHashTable *members; /* const char* key (normalized for names) -> ListMember* chain */
  gboolean used;
  /* names lists: fuzzy screening (screening.c). The entries are added as members are
   * compiled; embargo_loader_finish() builds the index once. */
  ScreenList *screen_list;
  ScreenIndex *screen;
  GPtrArray *screen_members; /* entry index -> ListMember* (its dates) */
  double match, possible;    /* thresholds: `screening: {match, possible}` */
  double review_pct;         /* owned_by_list: blocked share flagged for review */
};

struct _EmbargoRule {
  const char *id, *title, *regime, *authority, *citation, *source_url, *unverified;
  const char *message, *notes, *superseded_by, *from_text, *until_text, *source_name;
  const char *source_ref; /* "source_name:line", for decisions */
  /* the rule as decisions render it, encoded once by yajl (decision_encode_ruleset) */
  const char *json_full, *json_ref, *json_id;
  gint32 from, until;
  EmbargoOutcome effect;
  gint priority;
  gboolean is_exception;
  const char **tags; /* NULL-terminated */
  Cond *when;        /* NULL: always */
  /* lifts as written, resolved to rule indexes when the rule set is finished */
  const char **lifts_raw;
  guint32 *lifts_line, *lifts_col;
  guint32 nlifts_raw;
  guint32 *lifts; /* sorted rule indexes */
  guint32 nlifts;
  guint32 index;   /* load order */
  guint32 rank;    /* tie-break order: priority, then load order; lower decides */
  guint32 regime_index;
  guint32 line, col;
  const char *fingerprint; /* "sha256:...": the rule's YAML, canonical, and its defaults */
};

typedef struct Index Index;
typedef struct EvalCtx EvalCtx;

/* A growable vector of guint32 that starts in caller-provided (stack) storage, so the
 * common case of evaluation allocates nothing. */
typedef struct {
  guint32 *v;
  guint32 n, cap;
  gboolean heap;
} Vec32;

static inline void
vec32_init (Vec32 *b, guint32 *storage, guint32 cap)
{
  b->v = storage;
  b->n = 0;
  b->cap = cap;
  b->heap = FALSE;
}
void vec32_append (Vec32 *b, const guint32 *v, guint32 n);
static inline void
vec32_clear (Vec32 *b)
{
  if (b->heap)
    g_free (b->v);
}

struct _EmbargoRuleset {
  /* Every decision takes and drops a reference, from every thread: the padding keeps
   * the counter's cache line from holding the fields evaluation reads. */
  gint refcount;
  char refcount_pad[64 - sizeof (gint)];
  Arena arena;
  GStringChunk *strings; /* interned strings */
  EmbargoRule **rules;   /* load order */
  guint32 nrules;
  GHashTable *by_id;     /* id -> rule */
  GHashTable *lists;     /* id -> EList* */
  const char **regimes;  /* sorted, NULL-terminated */
  guint32 nregimes;
  guint32 npath_slots;   /* slots given to transaction and item paths (<= PATH_SLOTS) */
  char digest[7 + 64 + 1];
  Index *index;
  const struct Program **programs; /* by rule index (program.c) */
  const char *json_ruleset; /* {"digest": ..., "rules": N}, encoded once */
  GPtrArray *tables;     /* hash tables owned by operators, destroyed with the set */
  /* Every prefix of every field path a rule reads, as "T:contract.signed", "I:attributes",
   * "P:facility.kind" (scope, then the segments): the keys a --strict check accepts
   * besides the contract's (txn_check_strict()). Owned by `tables`. */
  GHashTable *read_paths;
};

/* txn.c: the --strict check (EmbargoEvalOptions.strict): every key of TXN that is
 * neither the contract's nor read by a rule of RS is an error (EMBARGO_EVAL_ERROR_INVALID,
 * each such key by its path). */
gboolean txn_check_strict (const EmbargoRuleset *rs, const EmbargoTransaction *txn,
                           GError **error);
/* load.c: fills rs->read_paths. */
void ruleset_collect_read_paths (EmbargoRuleset *rs);

/* index.c */
Index *index_build (EmbargoRuleset *rs);
void index_free (Index *ix);
/* Append to OUT (a GArray of guint32) the indexes of the rules that may apply: a
 * superset, each still evaluated in full; duplicates are possible. The transaction-level
 * candidates hold for every item; each item adds its own. */
void index_txn_candidates (const Index *ix, EvalCtx *ctx, Vec32 *out);
/* Is C a conjunct that rule RULE is filed under (so that, for the rules the index
 * finds by it, C nearly always holds)? */
gboolean index_is_filed_under (const Index *ix, guint32 rule, const Cond *c);
void index_item_candidates (const Index *ix, EvalCtx *ctx, Vec32 *out);

/* Does A (op) B hold, for OP one of OP_GT, OP_GTE, OP_LT, OP_LTE (FALSE for any other)?
 * Shared by the tree (eval.c), programs (program.c) and lint's reasoning (lint.c). */
static inline gboolean
op_compare (OpKind op, double a, double b)
{
  switch (op)
    {
    case OP_GT: return a > b;
    case OP_GTE: return a >= b;
    case OP_LT: return a < b;
    case OP_LTE: return a <= b;
    default: return FALSE;
    }
}

/* eval.c: three-valued evaluation of one condition */
typedef enum { TRI_FALSE = 0, TRI_TRUE = 1, TRI_UNKNOWN = 2 } Tri;

/* program.c: a rule compiled into one block for the evaluation loop. The header is
 * here so that the loop can test the dates inline; the tests follow it. */
typedef struct Program {
  const EmbargoRule *rule;
  gint32 from, until; /* in force: from <= date < until; until 0: open */
  guint32 rank;       /* the rule's tie-break rank (EmbargoRule.rank) */
  guint32 regime;     /* the rule's regime_index */
  guint16 ntests;     /* flat tests of top-level conjuncts */
  guint16 ncomplex;   /* top-level conjuncts left as trees, for cond_eval() */
  guint8 effect;      /* EmbargoOutcome */
  guint8 exception;   /* an allow rule that lifts others */
  guint8 screens;     /* `when` screens a party name (cond_screens()) */
  guint8 pad[5];
} Program;
/* Compiles every rule of RS into rs->programs (embargo_loader_finish()). */
void programs_build (EmbargoRuleset *rs);
/* The rule's `when` on CTX, exactly as cond_eval() would answer; CTX must have its
 * slot caches (txn_vals...) and no missing or screening collectors. */
Tri program_eval (const Program *p, EvalCtx *ctx);

typedef struct ScreenRec ScreenRec;

struct EvalCtx {
  const DocNode *root;
  const DocNode *item;
  const DocNode *party;
  const char *party_role; /* "buyer", "intermediaries.1" ... for missing-field names */
  gint32 date;
  GPtrArray *missing;     /* when non-NULL: the missing field names are appended (g_free) */
  GArray *screening;      /* when non-NULL: ScreenRec of every hit on a names list */
  /* resolved paths by slot (NULL caches: resolve every time); *_seen[slot] says the
   * value is there; item_seen is cleared for each item */
  const DocNode **txn_vals, **item_vals;
  guint8 *txn_seen, *item_seen;
  GHashTable *prepared;   /* name text -> ScreenName*, each party name prepared once for
                             every list; freed by screen_ctx_clear() */
  gboolean certain;       /* evaluating an exception: a names list holds on certain
                             identity only (screen_party_in_list()) */
  /* Work that does not depend on the item, done once per evaluation however many items
   * ask: item-free `party:` conditions (party_memo, inline for the first 16; memo_big
   * beyond, Cond* -> PartyMemo*, also keeping the missing facts they named), party
   * screening verdicts beyond the inline cache (screened_big: EList* -> hash table of
   * DocNode* -> packed verdicts), and the ownership graph (screening.c). All freed by
   * screen_ctx_clear(). */
  guint32 n_party_memo;
  GHashTable *memo_big;
  GHashTable *screened_big;
  struct OwnerGraph *owner_graph;
  /* Screening results of this evaluation, so that a party is screened once per list
   * however many items and rules ask (screening.c). Only the first n_screened entries
   * mean anything: eval_ctx_init() leaves the array itself as it finds it. */
  guint32 n_screened;
  struct {
    const EList *list;
    const DocNode *party;
    guint8 owned, tri;
  } screened[32];
  struct {
    const Cond *c;
    guint8 tri;
  } party_memo[16];
};

/* Zeroes every field of CTX but the screening cache's entries (768 bytes that a typical
 * evaluation never reads), then sets the root and the date. */
static inline void
eval_ctx_init (EvalCtx *ctx, const DocNode *root, gint32 date)
{
  memset (ctx, 0, G_STRUCT_OFFSET (EvalCtx, screened));
  ctx->root = root;
  ctx->date = date;
}

Tri cond_eval (const Cond *c, EvalCtx *ctx);
/* The top-level conjuncts of WHEN as *N conditions at *V: its kids for `all`, WHEN
 * itself (stored in *ONE) for any other condition, none for NULL (a rule with no
 * `when`). Nested `all`s are not flattened. Used by the index and the programs. */
void cond_conjuncts (const Cond *when, const Cond **one, const Cond *const **v, guint32 *n);
/* Does C screen a party name against a names list anywhere? */
gboolean cond_screens (const Cond *c);
/* Is TEXT a member of list L on DATE (names lists: by normalized name)? */
gboolean list_has (const EList *l, const char *text, gsize len, gint32 date);

/* screening.c: names lists screened with engine/screen.
 * One hit of a party name on a names list, for the decision's `screening` array. */
struct ScreenRec {
  const EmbargoRule *rule; /* set by eval.c */
  guint32 item;            /* set by eval.c */
  char *party;             /* role: "buyer", "intermediaries.1", "buyer.owners.0" */
  char *name;              /* the party's name as written (or the alias screened) */
  const char *list;        /* list id; entry strings are owned by the rule set */
  const char *entry;
  const char *matched;     /* the entry's name or alias that scored best */
  double score;
  gboolean match;          /* TRUE: match; FALSE: possible match */
  gboolean certain;        /* an exact name or alias, or an identifier: not fuzzy */
  double owned_pct;        /* owned_by_list: the listed share the party holds; else -1 */
  const ListMember *member; /* the list member hit (for {match.*} in messages) */
};
/* Frees what screening kept in CTX (its prepared names); call before CTX goes. */
void screen_ctx_clear (EvalCtx *ctx);

/* The `screening` options of a names list (thresholds), from its YAML mapping N; FALSE
 * with the message in *WHY (g_free) when they are out of range. */
gboolean elist_screening_options (EList *l, const DocNode *n, char **why);
/* Adds one compiled member to the list's screening entries (name, aliases, country,
 * type, ids of the YAML member E). FALSE with *WHY (g_free) on a bad member. */
gboolean elist_screen_add (EList *l, ListMember *m, const DocNode *e, const char *name,
                           const char *const *aliases, char **why);
/* Builds the screening index of a names list (embargo_loader_finish()). */
void elist_screen_build (EList *l);
void elist_screen_free (EList *l);
/* in_list on a party's name: TRUE on a match (or an exact normalized match) in force on
 * the date, UNKNOWN on a possible match only, FALSE otherwise. With ctx->certain (an
 * exception), TRUE only on an exact name or alias or a matching identifier, and a fuzzy
 * match is UNKNOWN. Hits go to ctx->screening when it is set. */
Tri screen_party_in_list (const EList *l, const DocNode *party, EvalCtx *ctx);
/* TRUE when NAME (LEN bytes, or -1) normalizes to nothing (embargo_name_normalize()): no
 * letter or digit, or only invisible ones such as U+3164. Such a name cannot be screened:
 * it is an error in a transaction and a screening query, never a clean name. */
gboolean name_is_blank (const char *name, gssize len);
/* owned_by_list: TRUE when the party's listed owners (through chains) hold >= 50%,
 * UNKNOWN when possibly so or >= review_pct, FALSE otherwise. */
Tri screen_party_owned_by (const EList *l, const DocNode *party, EvalCtx *ctx);
/* The party in role ROLE (KEY_BUYER ... KEY_INTERMEDIARIES) of transaction ROOT, or the
 * one that stands in for it: an absent (or null) consignee is the buyer; an absent end
 * user is the consignee, or failing that the buyer. NULL when there is none. */
const DocNode *role_party (const DocNode *root, KeyId role);
/* The value at P; a transaction path through an absent consignee or end user reads the
 * party standing in (role_party()). */
const DocNode *path_resolve (const Path *p, const EvalCtx *ctx);
/* path_resolve() through the context's slot caches. */
const DocNode *path_value (const Path *p, EvalCtx *ctx);

/* Renders a rule message: {path} is the transaction's value ({item.path} the item's);
 * {match.FIELD} describes the list entry the deciding rule matched (MATCH, NULL when
 * none): entry, list, party, matched, score, license_policy, citation. A placeholder
 * whose value is absent prints its fallback ({path|fallback}), or "(not stated)". */
char *render_message (const char *tmpl, const DocNode *root, const DocNode *item,
                      const ScreenRec *match);

/* The next placeholder of a message template at or after P: *BRACE at its '{', *CLOSE
 * at its '}', *BAR at the '|' before its fallback or NULL. FALSE when there is none. */
gboolean message_next_placeholder (const char *p, const char **brace, const char **close,
                                   const char **bar);

/* suite.c: case INDEX's transaction, or NULL when it was not supplied (white-box tests). */
const EmbargoTransaction *suite_get_transaction (const EmbargoSuite *suite, gsize index);

/* Interning in a rule set's string chunk. */
Str rs_intern (EmbargoRuleset *rs, const char *s, gsize len);

/* The transaction object. */
/* A transaction is its document (doc.validated says it was checked): the pointer the
 * caller holds is the document's, in the first line of its arena. */
struct _EmbargoTransaction {
  Doc doc;
};

/* Parses and checks one transaction whose text starts at line FIRST_LINE of SOURCE. */
EmbargoTransaction *txn_parse (const char *data, gsize len, const char *source,
                               guint32 first_line, const EmbargoLimits *lim, GError **error);
/* load.c, for file.c: the loader's limits, and an error found before the bytes reach
 * embargo_loader_add_data() (I/O, size), recorded as a whole-file diagnostic so that
 * embargo_loader_finish() fails: a file that could not be read is never skipped. */
const EmbargoLimits *loader_get_limits (const EmbargoLoader *ld);
void loader_report (EmbargoLoader *ld, const char *code, const char *source, const char *message);
/* file.c, for suite.c and screen-file.c: reads PATH ("-": standard input) whole, refusing
 * more than MAX bytes whatever the kind of file (EMBARGO_LOAD_ERROR_LIMIT; _IO when it
 * cannot be read; messages start with the path). Never reads more than MAX + 1 bytes. */
gboolean file_read_bounded (const char *path, gsize max, char **data, gsize *len,
                            GError **error);
/* TRUE for a test file's name (*.tests.yaml, *.tests.yml). */
gboolean file_is_test_file (const char *name);
void loader_report_at (EmbargoLoader *ld, const char *code, const char *source, unsigned line,
                       unsigned col, const char *message);

/* Checks DOC (taken over: freed on failure) and wraps it as a transaction. */
EmbargoTransaction *txn_from_doc (Doc *doc, const char *source, const EmbargoLimits *lim,
                                  GError **error);
/* The line and column of node N of a document parsed from JSON DATA (LEN bytes, first line
 * FIRST_LINE). Nodes parsed from JSON keep the offset just past their token, marked by a
 * column of 0; any other node's own position is returned as it is. */
void json_position (const char *data, gsize len, guint32 first_line, const DocNode *n,
                    guint32 *line, guint32 *col);
/* Checks DOC against the schema. With FIX (DOC itself, parsed from text), identifiers are
 * rewritten in their canonical form (canon.c); without, one not in it is an error. */
gboolean txn_validate_doc (const Doc *doc, Doc *fix, const char *source,
                           const EmbargoLimits *lim, EmbargoDiagnostics *diags);

/* The decision object is defined in decision.c; eval.c builds it through these. */
typedef struct {
  const EmbargoRule *rule;
  const Program *prog; /* the rule's: its rank, regime and flags, already in cache */
  guint32 item;
  EmbargoOutcome effect;
  EmbargoMatchStatus status;
  gboolean unknown;
  const EmbargoRule *lifted_by;
} MatchRec;

typedef struct {
  const char *id;
  guint32 id_len;
  EmbargoOutcome outcome;
  const EmbargoRule *rule;
} ItemRec;

EmbargoDecision *decision_build (EmbargoRuleset *rs, const char *txn_id, gint32 as_of,
                                 const ItemRec *items, guint32 nitems, const MatchRec *matches,
                                 guint32 nmatches, const guint8 *regime_outcomes,
                                 EmbargoOutcome outcome, const EmbargoRule *rule);
/* Encodes, once per rule set, the parts of the decision JSON that do not change between
 * decisions: each rule's object, reference and id, and the rule set's own object. */
void decision_encode_ruleset (EmbargoRuleset *rs);
/* Writes the decision JSON into GEN, a yajl_gen ready for a new value. */
void decision_write_json (const EmbargoDecision *d, void *gen);
void decision_set_message (EmbargoDecision *d, char *message);          /* takes ownership */
/* Records the roles of transaction ROOT that stood in for absent ones (role_party()). */
void decision_note_stand_ins (EmbargoDecision *d, const DocNode *root);
void decision_add_missing (EmbargoDecision *d, const EmbargoRule *rule, guint32 item,
                           char *field);                                  /* takes ownership */
void decision_add_screening (EmbargoDecision *d, ScreenRec *rec);         /* takes ownership */
void decision_add_note (EmbargoDecision *d, const EmbargoRule *rule, guint32 item,
                        char *text);                                     /* takes ownership */

#include "no-io.h"

#endif /* EMBARGO_PRIVATE_H */
