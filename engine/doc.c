/* doc.c: the document tree that YAML and JSON parse into, and the arena behind it.
 *
 * Rule files and transactions are both read into the same small tree (DocNode) so
 * that one schema checker serves YAML and JSON, and every node carries the line and
 * column it came from for diagnostics. A document owns one arena: building a
 * transaction costs a handful of block allocations, and freeing it one pass over them,
 * whatever its size. Scalars keep their text and, computed once here, their hash, their
 * value as a number and as a date, so evaluation never parses a string twice.
 */
#include "doc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ArenaBlock {
  ArenaBlock *next;
  /* data follows, 16-byte aligned */
};

#define ARENA_HEADER G_STRUCT_OFFSET (struct { ArenaBlock b; max_align_t d; }, d)
#define ARENA_FIRST_BLOCK 3072 /* a typical transaction (a 500-byte JSON line) fits in one block */

void
arena_init (Arena *a)
{
  a->head = NULL;
  a->used = a->cap = a->first = 0;
}

void
arena_clear (Arena *a)
{
  ArenaBlock *b = a->head;
  while (b)
    {
      ArenaBlock *next = b->next;
      g_free (b);
      b = next;
    }
  arena_init (a);
}

void *
arena_alloc (Arena *a, gsize size)
{
  size = (size + 7) & ~(gsize) 7;
  if (a->head == NULL || a->used + size > a->cap)
    {
      /* Blocks double up to 1 MiB; an allocation larger than that gets its own. */
      gsize cap = a->cap ? MIN (a->cap * 2, (gsize) 1 << 20)
                  : a->first ? a->first : ARENA_FIRST_BLOCK;
      if (cap < size)
        cap = size;
      ArenaBlock *b = g_malloc (ARENA_HEADER + cap);
      b->next = a->head;
      a->head = b;
      a->cap = cap;
      a->used = 0;
    }
  char *p = (char *) a->head + ARENA_HEADER + a->used;
  a->used += size;
  memset (p, 0, size);
  return p;
}

void
arena_prefetch (const Arena *a)
{
  /* Only the newest block: a parsed transaction fits in one (doc_parse_json sizes it). */
  if (a->head == NULL)
    return;
  const char *p = (const char *) a->head + ARENA_HEADER;
  for (gsize off = 0; off < a->used; off += 64)
    __builtin_prefetch (p + off);
}

char *
arena_strndup (Arena *a, const char *s, gsize len)
{
  char *p = arena_alloc (a, len + 1);
  memcpy (p, s, len);
  p[len] = '\0';
  return p;
}

int
cmp_strp (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

int
cmp_u32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

/* FNV-1a: short keys, no seed needed (no hash flooding concern: keys come from the
 * rule set, and a transaction only looks them up). */
guint32
str_hash (const char *s, gsize len)
{
  guint32 h = 2166136261u;
  for (gsize i = 0; i < len; i++)
    {
      h ^= (guint8) s[i];
      h *= 16777619u;
    }
  return h;
}

/* The keys of the transaction contract (docs/transactions.md), by length. */
static const char *const well_known_keys[] = {
  "id", "date", "destination", "country", "region", "city", "end_use", "buyer", "seller",
  "consignee", "end_user", "intermediaries", "name", "aliases", "ciio", "sector",
  "headquarters_country", "owners", "share_pct", "ids", "tags", "facility", "kind",
  "logic_node_nm", "nand_layers", "dram_half_pitch_nm", "items", "part_number",
  "description", "manufacturer", "eccn", "hs_code", "origin", "us_content_pct", "quantity",
  "unit_value", "currency", "attributes", "tpp", "performance_density", "io_bandwidth_gbps",
  "contract", "signed", "no_russia_clause", "type", "program", "lei",
};

G_STATIC_ASSERT (G_N_ELEMENTS (well_known_keys) == KEY_COUNT - 1);
G_STATIC_ASSERT (KEY_COUNT <= G_MAXUINT8); /* DocPair.kid */
G_STATIC_ASSERT (sizeof (DocNode) == 32 && sizeof (DocPair) == 24);

/* A 256-slot open-addressed table over the keys above, filled once. */
#define KEY_SLOTS 256
static guint8 key_table[KEY_SLOTS];
static guint8 key_lens[G_N_ELEMENTS (well_known_keys)];

static guint32
key_slot (const char *s, gsize len)
{
  return (guint32) (len * 31u + (guint8) s[0] * 7u + (guint8) s[len - 1]) % KEY_SLOTS;
}

static gpointer
fill_key_table (gpointer unused)
{
  for (guint32 i = 0; i < G_N_ELEMENTS (well_known_keys); i++)
    {
      const char *k = well_known_keys[i];
      key_lens[i] = (guint8) strlen (k);
      guint32 h = key_slot (k, key_lens[i]);
      while (key_table[h])
        h = (h + 1) % KEY_SLOTS;
      key_table[h] = (guint8) (i + 1);
    }
  return NULL;
}

const char *
key_name (guint32 kid)
{
  return kid && kid < KEY_COUNT ? well_known_keys[kid - 1] : NULL;
}

guint32
key_id (const char *s, gsize len)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, fill_key_table, NULL);
  if (len == 0)
    return 0;
  for (guint32 h = key_slot (s, len);; h = (h + 1) % KEY_SLOTS)
    {
      guint8 id = key_table[h];
      if (id == 0)
        return 0;
      if (key_lens[id - 1] == len && memcmp (well_known_keys[id - 1], s, len) == 0)
        return id;
    }
}

gint32
date_parse (const char *s, gsize len)
{
  if (len != 10 || s[4] != '-' || s[7] != '-')
    return 0;
  int v[8], k = 0;
  for (gsize i = 0; i < 10; i++)
    {
      if (i == 4 || i == 7)
        continue;
      if (s[i] < '0' || s[i] > '9')
        return 0;
      v[k++] = s[i] - '0';
    }
  int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
  int m = v[4] * 10 + v[5];
  int d = v[6] * 10 + v[7];
  if (y < 1 || !g_date_valid_dmy (d, m, y))
    return 0;
  return y * 10000 + m * 100 + d;
}

void
date_format (gint32 ymd, char buf[11])
{
  /* By hand: this runs once per decision, and printf's machinery costs more than the
   * rest of the decision's header. */
  int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
  if (y < 0 || y > 9999)
    y = 0;
  buf[0] = '0' + y / 1000, buf[1] = '0' + y / 100 % 10, buf[2] = '0' + y / 10 % 10;
  buf[3] = '0' + y % 10, buf[4] = '-', buf[5] = '0' + m / 10, buf[6] = '0' + m % 10;
  buf[7] = '-', buf[8] = '0' + d / 10, buf[9] = '0' + d % 10, buf[10] = '\0';
}

Doc *
doc_new_sized (gsize first)
{
  Arena a;
  arena_init (&a);
  a.first = first;
  Doc *doc = arena_alloc (&a, sizeof *doc);
  doc->arena = a; /* from here on the arena's state is the document's own */
  return doc;
}

Doc *
doc_new (void)
{
  return doc_new_sized (0);
}

void
doc_free (Doc *doc)
{
  if (doc == NULL)
    return;
  Arena a = doc->arena; /* the document is in the arena it frees */
  arena_clear (&a);
}

DocNode *
doc_new_node (Doc *doc, DocKind kind, guint32 line, guint32 col)
{
  DocNode *n = arena_alloc (&doc->arena, sizeof *n);
  n->kind = kind;
  n->line = line;
  n->col = (guint16) MIN (col, DOC_COL_MAX);
  return n;
}

/* The value of the digits S[0..LEN-1] in BASE (8 or 16), which must all be digits of
 * that base and at least one; FALSE otherwise. */
static gboolean
parse_radix (const char *s, gsize len, int base, double *out)
{
  if (len == 0)
    return FALSE;
  double v = 0;
  for (gsize i = 0; i < len; i++)
    {
      int d = g_ascii_xdigit_value (s[i]);
      if (d < 0 || d >= base)
        return FALSE;
      v = v * base + d;
    }
  *out = v;
  return TRUE;
}

/* A number as the YAML 1.2 core schema reads a plain scalar (JSON numbers are a subset):
 *   [-+]? [0-9]+                                       decimal integer
 *   0o [0-7]+   0x [0-9a-fA-F]+                        octal, hexadecimal
 *   [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
 *   [-+]? ( \.inf | \.Inf | \.INF )   \.nan | \.NaN | \.NAN
 * A finite number no double holds (1e400) is not read as one: it stays text, and the
 * readers refuse it where a number is needed. */
static gboolean
parse_number (const char *s, gsize len, double *out)
{
  if (len == 0 || len > 64)
    return FALSE;
  gsize i = 0;
  if (s[i] == '-' || s[i] == '+')
    i++;
  /* Fast path: most numbers in transactions are small integers (quantities,
   * percentages); 15 digits are exact in a double. */
  if (i < len && len - i <= 15 && g_ascii_isdigit (s[i]))
    {
      gint64 v = 0;
      gsize j = i;
      while (j < len && g_ascii_isdigit (s[j]))
        v = v * 10 + (s[j++] - '0');
      if (j == len)
        {
          *out = (double) (s[0] == '-' ? -v : v);
          return TRUE;
        }
    }
  if (i == 0 && len > 2 && s[0] == '0' && s[1] == 'o')
    return parse_radix (s + 2, len - 2, 8, out);
  if (i == 0 && len > 2 && s[0] == '0' && s[1] == 'x')
    return parse_radix (s + 2, len - 2, 16, out);
  const char *rest = s + i;
  gsize rlen = len - i;
  if (rlen == 4 && (memcmp (rest, ".inf", 4) == 0 || memcmp (rest, ".Inf", 4) == 0
                    || memcmp (rest, ".INF", 4) == 0))
    {
      *out = s[0] == '-' ? -INFINITY : INFINITY;
      return TRUE;
    }
  if (i == 0 && rlen == 4 && (memcmp (rest, ".nan", 4) == 0 || memcmp (rest, ".NaN", 4) == 0
                              || memcmp (rest, ".NAN", 4) == 0))
    {
      *out = NAN;
      return TRUE;
    }
  /* ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
  gsize j = i, digits = 0;
  while (j < len && g_ascii_isdigit (s[j]))
    j++, digits++;
  if (j < len && s[j] == '.')
    {
      j++;
      gsize frac = 0;
      while (j < len && g_ascii_isdigit (s[j]))
        j++, frac++;
      if (digits == 0 && frac == 0)
        return FALSE;
    }
  else if (digits == 0)
    return FALSE;
  if (j < len && (s[j] == 'e' || s[j] == 'E'))
    {
      j++;
      if (j < len && (s[j] == '-' || s[j] == '+'))
        j++;
      gsize exp = 0;
      while (j < len && g_ascii_isdigit (s[j]))
        j++, exp++;
      if (exp == 0)
        return FALSE;
    }
  if (j != len)
    return FALSE;
  char buf[65];
  memcpy (buf, s, len);
  buf[len] = '\0';
  char *end;
  errno = 0;
  double v = g_ascii_strtod (buf, &end);
  if (*end != '\0' || errno == ERANGE || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

void
doc_set_scalar (Doc *doc, DocNode *n, const char *s, gsize len, gboolean quoted)
{
  n->u.sc.s = arena_strndup (&doc->arena, s, len);
  n->u.sc.len = (guint32) len;
  n->u.sc.hash = str_hash (s, len);
  n->quoted = quoted;
  n->u.sc.date = date_parse (s, len);
  n->is_date = n->u.sc.date != 0;
  if (quoted)
    {
      n->kind = DOC_STRING;
      return;
    }
  /* Plain scalars: the YAML 1.2 core schema, exactly, so "NO" (Norway) and "yes" stay
   * strings (YAML 1.1 read them as booleans) and "True", "NULL", "0x1380" do not. */
  if (len == 0 || (len == 1 && s[0] == '~')
      || (len == 4 && (memcmp (s, "null", 4) == 0 || memcmp (s, "Null", 4) == 0
                       || memcmp (s, "NULL", 4) == 0)))
    n->kind = DOC_NULL;
  else if (len == 4 && (memcmp (s, "true", 4) == 0 || memcmp (s, "True", 4) == 0
                        || memcmp (s, "TRUE", 4) == 0))
    n->kind = DOC_BOOL, n->boolean = TRUE;
  else if (len == 5 && (memcmp (s, "false", 5) == 0 || memcmp (s, "False", 5) == 0
                        || memcmp (s, "FALSE", 5) == 0))
    n->kind = DOC_BOOL, n->boolean = FALSE;
  else if (parse_number (s, len, &n->u.sc.num))
    n->kind = DOC_NUMBER;
  else
    n->kind = DOC_STRING;
}

void
doc_list_append (Doc *doc, DocNode *list, DocNode *item)
{
  if (list->u.list.n == list->u.list.cap)
    {
      guint32 cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
      DocNode **v = arena_alloc (&doc->arena, cap * sizeof *v);
      if (list->u.list.n)
        memcpy (v, list->u.list.v, list->u.list.n * sizeof *v);
      list->u.list.v = v;
      list->u.list.cap = cap;
    }
  list->u.list.v[list->u.list.n++] = item;
}

gboolean
doc_pair_set (Doc *doc, DocPair *p, const DocPair *v, guint32 n, const char *key, gsize klen,
              guint32 line, guint32 col, DocNode *val)
{
  /* The duplicate check compares key ids where both keys are well known, and text
   * only where neither is: a transaction's keys are nearly all well known. */
  guint32 kid = klen ? key_id (key, klen) : 0;
  for (guint32 i = 0; i < n; i++)
    {
      const DocPair *q = &v[i];
      if (q->kid == kid && (kid || (strncmp (q->key, key, klen) == 0 && q->key[klen] == '\0')))
        return FALSE;
    }
  /* A well-known key's text is the table's: no copy (smaller documents, fewer lines). */
  p->key = kid ? well_known_keys[kid - 1] : arena_strndup (&doc->arena, key, klen);
  p->kid = (guint8) kid;
  p->line = line;
  p->col = (guint16) MIN (col, DOC_COL_MAX);
  p->val = val;
  return TRUE;
}

gboolean
doc_map_add (Doc *doc, DocNode *map, const char *key, gsize klen, guint32 line, guint32 col,
             DocNode *val)
{
  if (map->u.map.n == map->u.map.cap)
    {
      guint32 cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
      DocPair *v = arena_alloc (&doc->arena, cap * sizeof *v);
      if (map->u.map.n)
        memcpy (v, map->u.map.v, map->u.map.n * sizeof *v);
      map->u.map.v = v;
      map->u.map.cap = cap;
    }
  if (!doc_pair_set (doc, &map->u.map.v[map->u.map.n], map->u.map.v, map->u.map.n, key, klen,
                     line, col, val))
    return FALSE;
  map->u.map.n++;
  return TRUE;
}

const DocNode *
doc_map_get (const DocNode *map, const char *key, gsize klen)
{
  if (map == NULL || map->kind != DOC_MAP)
    return NULL;
  /* Lookups by name (the schema checks, a few per transaction) compare lengths first;
   * evaluation's hot lookups go through path_resolve() and key ids instead. */
  for (guint32 i = 0; i < map->u.map.n; i++)
    {
      const DocPair *p = &map->u.map.v[i];
      if (strncmp (p->key, key, klen) == 0 && p->key[klen] == '\0')
        return p->val;
    }
  return NULL;
}

gboolean
doc_is_scalar (const DocNode *n)
{
  return n && n->kind != DOC_LIST && n->kind != DOC_MAP;
}

const char *
doc_kind_name (const DocNode *n)
{
  switch (n ? n->kind : DOC_NULL)
    {
    case DOC_NULL: return "null";
    case DOC_BOOL: return "a boolean";
    case DOC_NUMBER: return "a number";
    case DOC_STRING: return "a string";
    case DOC_LIST: return "a list";
    case DOC_MAP: return "a mapping";
    }
  return "?";
}

gboolean
text_utf8_check (const char *data, gsize len, const char *source, guint32 first_line,
                 const char *what, guint32 *line, guint32 *col, GError **error)
{
  /* Most transactions are ASCII: skip it eight bytes at a time (a NUL is left to the
   * readers anyway). g_utf8_validate() then checks the rest, strictly. */
  const char *p = data, *end = data + len, *bad;
  while (end - p >= 8)
    {
      guint64 w;
      memcpy (&w, p, 8);
      if (w & G_GUINT64_CONSTANT (0x8080808080808080))
        break;
      p += 8;
    }
  /* g_utf8_validate() is strict, and stops at a NUL: carry on past one. */
  while (!g_utf8_validate (p, end - p, &bad))
    {
      if (*bad != '\0')
        {
          guint32 l = first_line, c = 1;
          for (const char *q = data; q < bad; q++)
            if (*q == '\n')
              l++, c = 1;
            else if ((*q & 0xC0) != 0x80)
              c++;
          g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                       "%s:%u:%u: error: invalid UTF-8 (%s are UTF-8 text)", source, l, c, what);
          if (line)
            *line = l;
          if (col)
            *col = c;
          return FALSE;
        }
      p = bad + 1;
    }
  return TRUE;
}
