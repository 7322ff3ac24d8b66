/* fingerprint.c: a canonical hash of a document node, for rule fingerprints.
 *
 * `embargo diff` must tell a rule that changed from one that was only moved, re-indented
 * or re-commented. Hashing the source bytes would see all of those; hashing the compiled
 * rule would need a serializer for every compiled structure. The document tree sits in
 * between: it holds what was written (kinds, keys, scalar text) and nothing about the
 * layout. Keys are hashed in byte order, since a mapping's order carries no meaning;
 * every item is framed by its kind and length, so no two trees share a stream.
 */
#include "doc.h"

#include <stdlib.h>

/* One frame: TAG, then LEN, then S's LEN bytes (S NULL: LEN is a count of what follows). */
static void
put (GChecksum *ck, char tag, const char *s, gsize len)
{
  guint32 n = GUINT32_TO_LE ((guint32) len);
  g_checksum_update (ck, (const guchar *) &tag, 1);
  g_checksum_update (ck, (const guchar *) &n, sizeof n);
  if (s && len)
    g_checksum_update (ck, (const guchar *) s, len);
}

static int
cmp_pair (const void *a, const void *b)
{
  const DocPair *x = *(const DocPair *const *) a, *y = *(const DocPair *const *) b;
  return strcmp (x->key, y->key);
}

void
doc_hash (GChecksum *ck, const DocNode *n)
{
  if (n == NULL)
    {
      put (ck, '0', NULL, 0);
      return;
    }
  switch ((DocKind) n->kind)
    {
    case DOC_NULL:
      put (ck, 'n', NULL, 0);
      return;
    case DOC_BOOL:
      put (ck, 'b', n->boolean ? "1" : "0", 1);
      return;
    case DOC_NUMBER:
      put (ck, 'd', n->u.sc.s, n->u.sc.len);
      return;
    case DOC_STRING:
      put (ck, 's', n->u.sc.s, n->u.sc.len);
      return;
    case DOC_LIST:
      put (ck, 'l', NULL, n->u.list.n);
      for (guint32 i = 0; i < n->u.list.n; i++)
        doc_hash (ck, n->u.list.v[i]);
      return;
    case DOC_MAP:
      {
        g_autofree const DocPair **pairs = g_new (const DocPair *, MAX (n->u.map.n, 1));
        for (guint32 i = 0; i < n->u.map.n; i++)
          pairs[i] = &n->u.map.v[i];
        qsort (pairs, n->u.map.n, sizeof *pairs, cmp_pair);
        put (ck, 'm', NULL, n->u.map.n);
        for (guint32 i = 0; i < n->u.map.n; i++)
          {
            put (ck, 'k', pairs[i]->key, strlen (pairs[i]->key));
            doc_hash (ck, pairs[i]->val);
          }
        return;
      }
    }
}
