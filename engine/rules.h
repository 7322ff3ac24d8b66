/* rules.h: the compiled rule set (load.c builds it, ruleset.c owns it): paths, operands,
 * conditions, lists, rules, and the three-valued logic they are evaluated in. */
#ifndef EMBARGO_RULES_H
#define EMBARGO_RULES_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include "doc.h"
#include "screen/screen.h"

G_BEGIN_DECLS

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

/* TRUE when NAME (LEN bytes, or -1) normalizes to nothing (embargo_name_normalize(),
 * normalize.c): no letter or digit, or only invisible ones such as U+3164. Such a name
 * cannot be screened: it is an error in a transaction and a screening query, never a
 * clean name. */
gboolean name_is_blank (const char *name, gssize len);

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
  ScreenIndexBuilder *screen_builder; /* a long list's words, indexed while it loads */
  guint screen_expected;              /* members the list's file gives */
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
  gsize max_work;        /* EmbargoLimits.max_work of the loader: bounds each evaluation */
};


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

/* Interning in a rule set's string chunk. */
Str rs_intern (EmbargoRuleset *rs, const char *s, gsize len);

/* load.c: fills rs->read_paths. */
void ruleset_collect_read_paths (EmbargoRuleset *rs);

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_RULES_H */
