/* doc.h: the bottom layer. Arenas, the document tree that YAML and JSON are both read
 * into (doc.c, yaml-read.c, json-read.c), the well-known keys of the contract as small
 * integers, dates, and strict UTF-8. Knows nothing of rules or transactions. */
#ifndef EMBARGO_DOC_H
#define EMBARGO_DOC_H

#ifdef EMBARGO_FILE_HELPER
#error "the file helpers are built on the public header only (engine/file.h)"
#endif

#include <embargo/embargo.h>
#include <stdint.h>
#include <string.h>

G_BEGIN_DECLS

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


/* The line and column of node N of a document parsed from JSON DATA (LEN bytes, first line
 * FIRST_LINE). Nodes parsed from JSON keep the offset just past their token, marked by a
 * column of 0; any other node's own position is returned as it is. */
void json_position (const char *data, gsize len, guint32 first_line, const DocNode *n,
                    guint32 *line, guint32 *col);

G_END_DECLS

#include "no-io.h"

#endif /* EMBARGO_DOC_H */
