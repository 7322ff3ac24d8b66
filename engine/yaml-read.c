/* yaml-read.c: YAML text -> DocNode tree. The only file that includes <yaml.h>.
 *
 * libyaml's event parser drives a stack of open collections; each node records the
 * start mark of its event (0-based in libyaml, 1-based here). What YAML allows but a
 * rule file or transaction never needs is refused with a positioned error instead of
 * being expanded: aliases (so no "billion laughs"), merge keys, complex keys, and
 * more than one document. Limits (size, depth, scalar length, keys per mapping) are
 * checked as events arrive, so a hostile file costs at most what the limits allow.
 */
#include "doc.h"

#include <yaml.h>

#define MAX_MAP_KEYS 4096 /* duplicate-key checks are linear: bound the square */

typedef struct {
  Doc *doc;
  const char *source;
  const EmbargoLimits *lim;
  GPtrArray *stack;      /* open collections */
  GPtrArray *keys;       /* for each open mapping: pending key node or NULL */
  DocNode *root;
  GError **error;
  gsize base;            /* lines before the text's first line in its source */
} YamlBuilder;

static gboolean
fail (YamlBuilder *b, EmbargoLoadError code, const yaml_mark_t *m, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
fail (YamlBuilder *b, EmbargoLoadError code, const yaml_mark_t *m, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (b->error, EMBARGO_LOAD_ERROR, code, "%s:%zu:%zu: error: %s", b->source,
               m->line + b->base + 1, m->column + 1, msg);
  return FALSE;
}

/* Attaches a finished node to the collection on top of the stack. */
static gboolean
attach (YamlBuilder *b, DocNode *n, const yaml_mark_t *m)
{
  if (b->stack->len == 0)
    {
      b->root = n;
      return TRUE;
    }
  DocNode *top = g_ptr_array_index (b->stack, b->stack->len - 1);
  if (top->kind == DOC_LIST)
    {
      doc_list_append (b->doc, top, n);
      return TRUE;
    }
  DocNode **pending = (DocNode **) &b->keys->pdata[b->stack->len - 1];
  if (*pending == NULL)
    {
      if (n->kind == DOC_LIST || n->kind == DOC_MAP)
        return fail (b, EMBARGO_LOAD_ERROR_SYNTAX, m, "a mapping key must be a plain value");
      if (n->u.sc.len == 2 && memcmp (n->u.sc.s, "<<", 2) == 0 && !n->quoted)
        return fail (b, EMBARGO_LOAD_ERROR_SYNTAX, m, "merge keys ('<<') are not supported");
      *pending = n;
      return TRUE;
    }
  DocNode *key = *pending;
  *pending = NULL;
  yaml_mark_t km = { 0, key->line - 1 - b->base, key->col - 1 }; /* errors point at the key */
  if (top->u.map.n >= MAX_MAP_KEYS)
    return fail (b, EMBARGO_LOAD_ERROR_LIMIT, &km, "more than %d keys in one mapping",
                 MAX_MAP_KEYS);
  if (!doc_map_add (b->doc, top, key->u.sc.s, key->u.sc.len, key->line, key->col, n))
    return fail (b, EMBARGO_LOAD_ERROR_SYNTAX, &km, "duplicate key '%s'", key->u.sc.s);
  return TRUE;
}

static gboolean
on_event (YamlBuilder *b, const yaml_event_t *ev, gboolean *done)
{
  const yaml_mark_t *m = &ev->start_mark;
  guint32 line = (guint32) (m->line + b->base + 1), col = (guint32) m->column + 1;

  switch (ev->type)
    {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
      return TRUE;
    case YAML_DOCUMENT_START_EVENT:
      if (b->root != NULL)
        return fail (b, EMBARGO_LOAD_ERROR_SYNTAX, m,
                     "more than one YAML document; give one per file");
      if (ev->data.document_start.version_directive
          && (ev->data.document_start.version_directive->major != 1
              || ev->data.document_start.version_directive->minor != 2))
        {
          /* YAML 1.1 reads yes, no, on, off, 0777 and 1:20 otherwise than 1.2 does:
           * reading such a file as 1.2 would give its values another meaning. */
          yaml_mark_t d = { 0, 0, 0 }; /* the directive is on the first line */
          return fail (b, EMBARGO_LOAD_ERROR_SYNTAX, &d,
                       "%%YAML %d.%d: only YAML 1.2 is read (remove the directive or write "
                       "%%YAML 1.2, and check values such as yes/no, which 1.2 reads as text)",
                       ev->data.document_start.version_directive->major,
                       ev->data.document_start.version_directive->minor);
        }
      return TRUE;
    case YAML_STREAM_END_EVENT:
      *done = TRUE;
      return TRUE;
    case YAML_ALIAS_EVENT:
      return fail (b, EMBARGO_LOAD_ERROR_SYNTAX, m,
                   "YAML aliases ('*%s') are not supported; write the value out",
                   (const char *) ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
      {
        gsize len = ev->data.scalar.length;
        if (len > b->lim->max_string_bytes)
          return fail (b, EMBARGO_LOAD_ERROR_LIMIT, m, "value of %zu bytes exceeds the limit of %zu",
                       len, b->lim->max_string_bytes);
        const char *s = (const char *) ev->data.scalar.value;
        if (memchr (s, '\0', len))
          return fail (b, EMBARGO_LOAD_ERROR_SYNTAX, m, "NUL byte in a value");
        DocNode *n = doc_new_node (b->doc, DOC_STRING, line, col);
        gboolean quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        doc_set_scalar (b->doc, n, s, len, quoted);
        return attach (b, n, m);
      }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      {
        if (b->stack->len >= b->lim->max_depth)
          return fail (b, EMBARGO_LOAD_ERROR_LIMIT, m, "nesting deeper than %u levels",
                       b->lim->max_depth);
        DocKind k = ev->type == YAML_SEQUENCE_START_EVENT ? DOC_LIST : DOC_MAP;
        DocNode *n = doc_new_node (b->doc, k, line, col);
        if (!attach (b, n, m))
          return FALSE;
        g_ptr_array_add (b->stack, n);
        g_ptr_array_add (b->keys, NULL);
        return TRUE;
      }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      g_ptr_array_set_size (b->stack, b->stack->len - 1);
      g_ptr_array_set_size (b->keys, b->keys->len - 1);
      return TRUE;
    case YAML_NO_EVENT:
      break;
    }
  return TRUE;
}

/* The 0-based line and column (in characters) of byte OFFSET of DATA. */
static yaml_mark_t
mark_at (const char *data, gsize offset)
{
  yaml_mark_t m = { offset, 0, 0 };
  for (gsize i = 0; i < offset; i++)
    if (data[i] == '\n')
      m.line++, m.column = 0;
    else if (((guchar) data[i] & 0xC0) != 0x80)
      m.column++;
  return m;
}

Doc *
doc_parse_yaml (const char *data, gsize len, const char *source, guint32 first_line,
                const EmbargoLimits *lim, GError **error)
{
  if (len > lim->max_input_bytes)
    {
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_LIMIT,
                   "%s: error: input of %zu bytes exceeds the limit of %zu", source, len,
                   lim->max_input_bytes);
      return NULL;
    }
  if (memchr (data, '\0', len))
    {
      /* libyaml would stop at the NUL silently; say where it is instead. */
      const char *nul = memchr (data, '\0', len);
      unsigned line = first_line, col = 1;
      for (const char *p = data; p < nul; p++)
        if (*p == '\n')
          line++, col = 1;
        else
          col++;
      g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                   "%s:%u:%u: error: NUL byte in the input", source, line, col);
      return NULL;
    }

  yaml_parser_t parser;
  if (!yaml_parser_initialize (&parser))
    g_error ("yaml_parser_initialize: out of memory");
  /* A UTF-8 byte-order mark is allowed (editors write one); libyaml, told the encoding,
   * would read it as content. It has no width: columns are unchanged. */
  gsize bom = len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  yaml_parser_set_input_string (&parser, (const unsigned char *) data + bom, len - bom);
  yaml_parser_set_encoding (&parser, YAML_UTF8_ENCODING);

  g_autoptr (Doc) doc = doc_new ();
  YamlBuilder b = { doc, source, lim, g_ptr_array_new (), g_ptr_array_new (), NULL, error,
                    first_line - 1 };
  gboolean ok = TRUE, done = FALSE;
  while (ok && !done)
    {
      yaml_event_t ev;
      if (!yaml_parser_parse (&parser, &ev))
        {
          const yaml_mark_t *m = &parser.problem_mark;
          yaml_mark_t at_offset;
          if (parser.error == YAML_READER_ERROR)
            {
              /* A reader error (a control character) has a byte offset and no mark:
               * without this it would be reported at 1:1. */
              at_offset = mark_at (data + bom, MIN (parser.problem_offset, len - bom));
              m = &at_offset;
            }
          if (parser.problem && strcmp (parser.problem, "found incompatible YAML document") == 0)
            {
              g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                           "%s:%zu:%zu: error: this %%YAML version is not read: only YAML 1.2 is "
                           "(remove the directive or write %%YAML 1.2)",
                           source, m->line + first_line, m->column + 1);
              ok = FALSE;
              break;
            }
          const char *ctx = parser.context ? parser.context : NULL;
          if (ctx)
            g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                         "%s:%zu:%zu: error: %s %s", source, m->line + first_line, m->column + 1,
                         parser.problem ? parser.problem : "syntax error", ctx);
          else
            g_set_error (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX,
                         "%s:%zu:%zu: error: %s", source, m->line + first_line, m->column + 1,
                         parser.problem ? parser.problem : "syntax error");
          ok = FALSE;
          break;
        }
      ok = on_event (&b, &ev, &done);
      yaml_event_delete (&ev);
    }
  yaml_parser_delete (&parser);
  g_ptr_array_free (b.stack, TRUE);
  g_ptr_array_free (b.keys, TRUE);
  if (!ok)
    return NULL;
  if (b.root == NULL)
    b.root = doc_new_node (doc, DOC_NULL, 1, 1);
  doc->root = b.root;
  return g_steal_pointer (&doc);
}
