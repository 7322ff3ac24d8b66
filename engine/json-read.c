/* json-read.c: JSON text -> DocNode tree, with yajl's event (SAX) parser.
 *
 * Events build the tree directly, with no intermediate DOM to convert. Positions are
 * worked out only when something is wrong: a node keeps the byte offset just past its
 * token (yajl reports how far it has read when each event fires), marked by a column of
 * 0, and json_position() turns that into the line and column of the token's start when
 * an error needs it. Schema errors in JSON input thus point at the right place just as
 * YAML ones do, and a valid transaction pays nothing for it. The same limits as for
 * YAML apply.
 */
#include "doc.h"

#include <yajl/yajl_parse.h>

#define MAX_MAP_KEYS 4096

typedef struct {
  Doc *doc;
  const char *source;
  const EmbargoLimits *lim;
  yajl_handle h;
  const char *data;
  gsize len;
  guint32 first_line;
  /* Open collections and, for each, its pending key (&key, or NULL) and where its
   * children start in the scratch arrays below: the default depth limit fits in the
   * builder itself, so parsing a transaction allocates nothing here. */
  DocNode **stack, **keys;
  guint32 *first;
  guint32 depth, cap;
  DocNode *stack_store[65], *keys_store[65];
  guint32 first_store[65];
  /* The children of the open collections, innermost last. A collection's children go
   * into the document when it closes, in one array of exactly their number: growing
   * arrays inside the arena would leave every outgrown one behind in the document, a
   * third of a transaction's bytes. */
  DocPair *pairs;
  DocNode **elems;
  guint32 npairs, cap_pairs, nelems, cap_elems;
  DocPair pairs_store[64];
  DocNode *elems_store[32];
  DocNode key;      /* the one key that can be pending at a time */
  GString *key_text; /* an escaped key's decoded text; created when first needed */
  DocNode *root;
  GError *err;     /* a limit or duplicate-key error raised from a callback */
} JsonBuilder;

/* The line and column of byte offset OFF of DATA, whose first line is FIRST_LINE;
 * columns count characters, not UTF-8 continuation bytes. */
static void
offset_position (const char *data, gsize len, guint32 first_line, gsize off, guint32 *line,
                 guint32 *col)
{
  *line = first_line;
  *col = 1;
  for (gsize i = 0; i < off && i < len; i++)
    {
      unsigned char c = (unsigned char) data[i];
      if (c == '\n')
        (*line)++, *col = 1;
      else if ((c & 0xC0) != 0x80)
        (*col)++;
    }
}

/* The offset where the token that ends at END starts: yajl tells us the end. */
static gsize
token_start (const char *data, gsize end, gboolean is_string)
{
  gsize i = end;
  if (is_string)
    {
      /* end is just past the closing quote: walk back to the opening one, skipping
       * escaped quotes. */
      if (i > 0)
        i--;
      while (i > 0)
        {
          i--;
          if (data[i] == '"')
            {
              gsize bs = 0;
              while (i >= bs + 1 && data[i - bs - 1] == '\\')
                bs++;
              if (bs % 2 == 0)
                break;
            }
        }
      return i;
    }
  while (i > 0 && !strchr (" \t\r\n,:[{", data[i - 1]))
    i--;
  return i;
}

void
json_position (const char *data, gsize len, guint32 first_line, const DocNode *n,
               guint32 *line, guint32 *col)
{
  if (n->col != 0 || data == NULL)
    {
      *line = n->line;
      *col = n->col;
      return;
    }
  gsize end = MIN ((gsize) n->line, len);
  gsize start = n->kind == DOC_MAP || n->kind == DOC_LIST ? (end ? end - 1 : 0)
                                                          : token_start (data, end, n->quoted);
  offset_position (data, len, first_line, start, line, col);
}

static DocNode *
new_node (JsonBuilder *b, DocKind kind, gboolean is_string)
{
  gsize end = yajl_get_bytes_consumed (b->h);
  DocNode *n = doc_new_node (b->doc, kind, (guint32) MIN (end, G_MAXUINT32), 0);
  n->quoted = is_string;
  return n;
}

/* Sets an error at node N: "source:line:col: error: ...". */
static void
fail_at (JsonBuilder *b, EmbargoLoadError code, const DocNode *n, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static void
fail_at (JsonBuilder *b, EmbargoLoadError code, const DocNode *n, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  guint32 line, col;
  json_position (b->data, b->len, b->first_line, n, &line, &col);
  g_set_error (&b->err, EMBARGO_LOAD_ERROR, code, "%s:%u:%u: error: %s", b->source, line, col,
               msg);
}

/* Doubles the scratch array *V of *CAP elements of SIZE bytes; STORE is its first,
 * built-in storage, never freed. */
static void
grow (void **v, guint32 *cap, gsize size, void *store)
{
  void *nv = g_malloc_n (*cap * 2, size);
  memcpy (nv, *v, *cap * size);
  if (*v != store)
    g_free (*v);
  *v = nv;
  *cap *= 2;
}

static int
attach (JsonBuilder *b, DocNode *n)
{
  if (b->depth == 0)
    {
      b->root = n;
      return 1;
    }
  DocNode *top = b->stack[b->depth - 1];
  guint32 first = b->first[b->depth - 1];
  if (top->kind == DOC_LIST)
    {
      if (b->nelems == b->cap_elems)
        grow ((void **) &b->elems, &b->cap_elems, sizeof *b->elems, b->elems_store);
      b->elems[b->nelems++] = n;
      return 1;
    }
  DocNode **pending = &b->keys[b->depth - 1];
  DocNode *key = *pending;
  *pending = NULL;
  if (b->npairs - first >= MAX_MAP_KEYS)
    {
      fail_at (b, EMBARGO_LOAD_ERROR_LIMIT, key, "more than %d keys in one object",
               MAX_MAP_KEYS);
      return 0;
    }
  if (b->npairs == b->cap_pairs)
    grow ((void **) &b->pairs, &b->cap_pairs, sizeof *b->pairs, b->pairs_store);
  if (!doc_pair_set (b->doc, &b->pairs[b->npairs], b->pairs + first, b->npairs - first,
                     key->u.sc.s, key->u.sc.len, key->line, key->col, n))
    {
      fail_at (b, EMBARGO_LOAD_ERROR_SYNTAX, key, "duplicate key '%.*s'", (int) key->u.sc.len,
               key->u.sc.s);
      return 0;
    }
  b->npairs++;
  return 1;
}

/* Checks a string's length and content; errors point at N, its node. */
static gboolean
scalar_ok (JsonBuilder *b, const DocNode *n, const char *s, gsize len)
{
  if (len > b->lim->max_string_bytes)
    {
      fail_at (b, EMBARGO_LOAD_ERROR_LIMIT, n, "value of %zu bytes exceeds the limit of %zu",
               len, b->lim->max_string_bytes);
      return FALSE;
    }
  if (memchr (s, '\0', len))
    {
      fail_at (b, EMBARGO_LOAD_ERROR_SYNTAX, n, "NUL character in a string");
      return FALSE;
    }
  return TRUE;
}

/* The value of the four hex digits at S (yajl has checked that they are hex). */
static guint32
hex4 (const char *s)
{
  guint32 v = 0;
  for (int i = 0; i < 4; i++)
    v = v * 16 + (guint32) g_ascii_xdigit_value (s[i]);
  return v;
}

/* The \\u escapes of the string token that ends at byte END, which yajl has decoded
 * (it hands over a pointer into the input only when there is nothing to decode). yajl
 * turns a lone high surrogate into '?' and encodes a lone low one as invalid UTF-8:
 * refuse both, and a high one followed by anything but a low one, at the escape. */
static gboolean
check_escapes (JsonBuilder *b, gsize end)
{
  gsize start = token_start (b->data, MIN (end, b->len), TRUE);
  const char *d = b->data;
  for (gsize i = start + 1; i + 1 < end; i++)
    {
      if (d[i] != '\\')
        continue;
      if (d[i + 1] != 'u' || i + 6 > end)
        {
          i++; /* a one-character escape, such as \\ or \" */
          continue;
        }
      guint32 u = hex4 (d + i + 2);
      gboolean high = u >= 0xD800 && u <= 0xDBFF, low = u >= 0xDC00 && u <= 0xDFFF;
      if (high && i + 12 <= end && d[i + 6] == '\\' && d[i + 7] == 'u')
        {
          guint32 v = hex4 (d + i + 8);
          if (v >= 0xDC00 && v <= 0xDFFF)
            {
              i += 11;
              continue;
            }
        }
      if (high || low)
        {
          guint32 line, col;
          offset_position (d, b->len, b->first_line, i, &line, &col);
          g_set_error (&b->err, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                       "%s:%u:%u: error: the escape \\u%.4s is a lone %s surrogate: it is "
                       "no character (a pair \\uD8xx\\uDCxx encodes one)",
                       b->source, line, col, d + i + 2, high ? "high" : "low");
          return FALSE;
        }
      i += 5;
    }
  return TRUE;
}

/* TRUE when S (LEN bytes) is yajl's decoded copy, not a pointer into the input. */
static gboolean
was_decoded (const JsonBuilder *b, const char *s, gsize len)
{
  return !(s >= b->data && s + len <= b->data + b->len);
}

static int
scalar (JsonBuilder *b, const char *s, gsize len, gboolean is_string, DocKind kind)
{
  DocNode *n = new_node (b, kind, is_string);
  if (!scalar_ok (b, n, s, len))
    return 0;
  if (is_string && was_decoded (b, s, len) && !check_escapes (b, n->line))
    return 0;
  doc_set_scalar (b->doc, n, s, len, is_string);
  if (kind == DOC_NUMBER && n->kind != DOC_NUMBER)
    {
      /* 1e400: valid JSON, but no double holds it; taken as a number it would read 0. */
      fail_at (b, EMBARGO_LOAD_ERROR_SYNTAX, n, "number %s is out of range", n->u.sc.s);
      return 0;
    }
  if (!is_string)
    n->kind = kind; /* JSON says what it is: 'null', 'true', a number */
  return attach (b, n);
}

static int
on_null (void *ctx)
{
  return scalar (ctx, "null", 4, FALSE, DOC_NULL);
}

static int
on_bool (void *ctx, int v)
{
  JsonBuilder *b = ctx;
  if (!scalar (b, v ? "true" : "false", v ? 4 : 5, FALSE, DOC_BOOL))
    return 0;
  return 1;
}

static int
on_number (void *ctx, const char *s, size_t len)
{
  return scalar (ctx, s, len, FALSE, DOC_NUMBER);
}

static int
on_string (void *ctx, const unsigned char *s, size_t len)
{
  return scalar (ctx, (const char *) s, len, TRUE, DOC_STRING);
}

static int
on_map_key (void *ctx, const unsigned char *s, size_t len)
{
  JsonBuilder *b = ctx;
  /* A key lives only until its value arrives (the very next event), so it is kept in
   * the builder, not the document: doc_map_add() copies what the map keeps. */
  DocNode *k = &b->key;
  k->kind = DOC_STRING;
  k->quoted = TRUE;
  k->line = (guint32) MIN (yajl_get_bytes_consumed (b->h), G_MAXUINT32);
  k->col = 0;
  if (!scalar_ok (b, k, (const char *) s, len))
    return 0;
  /* yajl hands over a pointer into the input when the key has no escapes: keep that;
   * otherwise its decode buffer, which the value may overwrite: copy it. */
  const char *key = (const char *) s;
  if (was_decoded (b, key, len))
    {
      if (!check_escapes (b, k->line))
        return 0;
      if (b->key_text == NULL)
        b->key_text = g_string_sized_new (64);
      g_string_truncate (b->key_text, 0);
      g_string_append_len (b->key_text, key, len);
      key = b->key_text->str;
    }
  k->u.sc.s = key; /* not NUL-terminated: use with u.sc.len */
  k->u.sc.len = (guint32) len;
  b->keys[b->depth - 1] = k;
  return 1;
}

static int
open_collection (JsonBuilder *b, DocKind kind)
{
  DocNode *n = new_node (b, kind, FALSE);
  if (b->depth >= b->lim->max_depth)
    {
      fail_at (b, EMBARGO_LOAD_ERROR_LIMIT, n, "nesting deeper than %u levels",
               b->lim->max_depth);
      return 0;
    }
  if (!attach (b, n))
    return 0;
  if (b->depth == b->cap)
    {
      /* Deeper than the built-in room (a raised depth limit): grow on the heap. */
      guint32 cap = b->cap * 2;
      DocNode **s = g_new (DocNode *, cap), **k = g_new (DocNode *, cap);
      guint32 *f = g_new (guint32, cap);
      memcpy (s, b->stack, b->depth * sizeof *s);
      memcpy (k, b->keys, b->depth * sizeof *k);
      memcpy (f, b->first, b->depth * sizeof *f);
      if (b->stack != b->stack_store)
        g_free (b->stack), g_free (b->keys), g_free (b->first);
      b->stack = s, b->keys = k, b->first = f, b->cap = cap;
    }
  b->stack[b->depth] = n;
  b->keys[b->depth] = NULL;
  b->first[b->depth] = kind == DOC_MAP ? b->npairs : b->nelems;
  b->depth++;
  return 1;
}

static int
on_start_map (void *ctx)
{
  return open_collection (ctx, DOC_MAP);
}

static int
on_start_array (void *ctx)
{
  return open_collection (ctx, DOC_LIST);
}

/* N elements of SIZE bytes at SRC, copied into the arena (NULL for none). */
static void *
arena_copy (Arena *a, const void *src, guint32 n, gsize size)
{
  if (n == 0)
    return NULL;
  void *v = arena_alloc (a, n * size);
  memcpy (v, src, n * size);
  return v;
}

static int
on_end (void *ctx)
{
  JsonBuilder *b = ctx;
  b->depth--;
  DocNode *c = b->stack[b->depth];
  guint32 first = b->first[b->depth];
  if (c->kind == DOC_MAP)
    {
      c->u.map.n = c->u.map.cap = b->npairs - first;
      c->u.map.v = arena_copy (&b->doc->arena, b->pairs + first, c->u.map.n, sizeof (DocPair));
      b->npairs = first;
    }
  else
    {
      c->u.list.n = c->u.list.cap = b->nelems - first;
      c->u.list.v = arena_copy (&b->doc->arena, b->elems + first, c->u.list.n, sizeof (DocNode *));
      b->nelems = first;
    }
  return 1;
}

static const yajl_callbacks callbacks = {
  on_null, on_bool, NULL, NULL, on_number, on_string,
  on_start_map, on_map_key, on_end, on_start_array, on_end,
};

Doc *
doc_parse_json (const char *data, gsize len, const char *source, guint32 first_line,
                const EmbargoLimits *lim, GError **error)
{
  if (len > lim->max_input_bytes)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT,
                   "%s: error: input of %zu bytes exceeds the limit of %zu", source, len,
                   lim->max_input_bytes);
      return NULL;
    }
  /* A parsed transaction takes about 4 bytes of tree per byte of JSON (4.05 on average
   * over the benchmark workload, 4.29 at most): one block a little larger holds the
   * whole document, where doubling blocks would leave up to half of the last one
   * unused. */
  g_autoptr (Doc) doc = doc_new_sized (CLAMP (len * 5, 512, (gsize) 1 << 20));
  JsonBuilder b = { .doc = doc, .source = source, .lim = lim, .data = data, .len = len,
                    .first_line = first_line };
  b.stack = b.stack_store, b.keys = b.keys_store, b.first = b.first_store;
  b.cap = G_N_ELEMENTS (b.stack_store);
  b.pairs = b.pairs_store, b.cap_pairs = G_N_ELEMENTS (b.pairs_store);
  b.elems = b.elems_store, b.cap_elems = G_N_ELEMENTS (b.elems_store);
  b.h = yajl_alloc (&callbacks, NULL, &b);
  /* The caller has checked the whole text as strict UTF-8 (txn_parse(): yajl's own
   * check lets overlong forms and encoded surrogates through); escapes are checked
   * here, in check_escapes(). */
  yajl_config (b.h, yajl_dont_validate_strings, 1);

  yajl_status st = yajl_parse (b.h, (const unsigned char *) data, len);
  gboolean at_end = FALSE;
  if (st == yajl_status_ok)
    {
      st = yajl_complete_parse (b.h);
      at_end = TRUE; /* what is wrong now is that the text stopped too early */
    }

  gboolean ok = st == yajl_status_ok && b.err == NULL;
  if (!ok)
    {
      if (b.err)
        g_propagate_error (error, g_steal_pointer (&b.err));
      else
        {
          gsize off = at_end ? len : yajl_get_bytes_consumed (b.h);
          unsigned char *msg = yajl_get_error (b.h, 0, (const unsigned char *) data, len);
          /* yajl stops just past the token it could not accept ('x' in `{} x`, the
           * quote in `{'a': 1}`): point at that token's start. Inside a string it stops
           * at the bad character itself, which is already right. */
          if (!at_end && !strstr ((const char *) msg, "inside string"))
            while (off > 0 && off <= len && !strchr (" \t\r\n,:[{", data[off - 1]))
              off--;
          guint32 line, col;
          offset_position (data, len, first_line, off, &line, &col);
          g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                       "%s:%u:%u: error: malformed JSON: %s", source, line, col,
                       g_strstrip ((char *) msg));
          yajl_free_error (b.h, msg);
        }
    }
  yajl_free (b.h);
  if (b.stack != b.stack_store)
    g_free (b.stack), g_free (b.keys), g_free (b.first);
  if (b.pairs != b.pairs_store)
    g_free (b.pairs);
  if (b.elems != b.elems_store)
    g_free (b.elems);
  if (b.key_text)
    g_string_free (b.key_text, TRUE);
  if (!ok)
    return NULL;
  doc->root = b.root ? b.root : doc_new_node (doc, DOC_NULL, 1, 1);
  doc->text = data;
  doc->text_len = len;
  doc->first_line = first_line;
  return g_steal_pointer (&doc);
}
