/* match.c: the screening index and the name score.
 *
 * Score. Names are compared as bags of tokens after embargo_name_normalize().
 * Two tokens score
 *
 *     tsim(a, b) = max(JW(a, b), 0.97 * JW(skel(a), skel(b)))
 *
 * where JW is Jaro-Winkler and skel() is a transliteration skeleton that maps
 * spellings of one sound together ("ph"->f, "kh"->h, "dh"->d, c/q->k, x->ks, e->i,
 * o->u, y->i, doubled letters once, a final h dropped), so Mohammed and Muhammad,
 * Hussein and Husain, Qadhafi and Kaddafi come close. Token scores below
 * TOKEN_FLOOR count as 0. The tokens of the query and of the listed name are
 * aligned one to one, greedily by decreasing tsim, and
 *
 *     Sq = sum over aligned pairs of tsim * |q| / sum over query tokens of |q|
 *     Sl = sum over aligned pairs of tsim * |l| / sum over listed tokens of |l|
 *     score = a * Sq + (1 - a) * Sl          (a = query_weight, 0.75)
 *
 * with |t| the length of a token in characters. Word order does not matter,
 * unmatched tokens cost their length, and a listed middle name missing from the
 * query costs less than a query token missing from the list.
 *
 * Index. Built once per list:
 *  - the vocabulary: every distinct token of every name and alias, with its
 *    skeleton and a postings list of the names that contain it;
 *  - for every vocabulary token in three names or more (every token, in a vocabulary
 *    of up to PRECOMPUTE_ALL) its neighbours: the vocabulary tokens with
 *    tsim >= TOKEN_FLOOR among those related to it (texts or skeletons within one
 *    deletion, two from 6 bytes, or one a short prefix of the other: related()),
 *    found through a table of the hashes of every text and skeleton with those
 *    deletions (symmetric deletion, as in SymSpell) and prefixes ("The variant
 *    table");
 *  - identifiers: "kind\x1Fvalue" -> entries.
 * A large index builds its variant table and neighbours on several threads (see
 * "Building on several threads"); the index is the same on any number.
 * A query token with precomputed neighbours takes them; any other (a typo, a rare
 * word) is searched through the variant table like at build time, and keeps an
 * upper bound in place of the similarities that cannot make a name a hit until a name
 * needs them ("Deferred similarities"). Then every token score the query can need is
 * known or bounded, and scoring a candidate name is table lookups and the alignment.
 *
 * Candidates. A name that shares no similar token with a query token subset S has
 * Sq <= 1 - w(S)/W, so it cannot reach the possible threshold t when
 * w(S) > W * (1 - Sq_min), Sq_min = (t - (1 - a)) / a. The query tokens are taken
 * from the cheapest (shortest neighbour postings) until they weigh that much; only
 * names in their neighbours' postings are scored. This prunes without losing a
 * single result above the threshold: frequent tokens such as "al" or "mohammed"
 * are not used to find candidates when a rarer token of the query can.
 */
#define _DEFAULT_SOURCE /* madvise(), posix_memalign() */
#include "screen-private.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_NAME_TOKENS   32    /* tokens of one name beyond these are ignored */
#define MAX_TOKEN_BYTES   64    /* compared prefix of very long tokens */
#define TOKEN_FLOOR       0.80f /* token similarity below this counts as 0 */
#define SKELETON_SIZE(len) (2 * (len) + 3) /* x becomes ks; '^', '$' and NUL */
#define SKELETON_DISCOUNT 0.97  /* a skeleton-only match is not quite a spelling match */

/* A vocabulary token similar to some token, and its similarity: tsim (> 0). In the
 * neighbours a query finds for itself (find_similar() with @defer) sim is negative
 * instead: tsim was not computed, and is at most -sim (see "Deferred similarities"). */
typedef struct {
  guint32 token;
  float   sim;
} Neighbour;


/* Letter counts of a word, folded into 32 classes (byte & 31), for
 * jaro_winkler_bound(). */
typedef struct {
  guint8 n[32];
} Letters;

/* A vocabulary token: one cache line, which holds its text and skeleton too when they
 * are short (most are), so that comparing a query token with it and taking its
 * postings miss the cache once. token_text() and token_skel() read them. */
#define TOKEN_INLINE_BYTES 24
/* A token's run of items in one of the index's tables. */
typedef struct {
  guint32 start, len;
} Run;

typedef struct {
  Run         post;       /* names, in ScreenIndex.postings (see run_items()) */
  Run         anchor;     /* names, in ScreenIndex.anchors (see run_items()) */
  Run         nb;         /* in ScreenIndex.neighbours */
  guint32     nb_cost;    /* the postings of its neighbours, in all (at most G_MAXUINT32) */
  float       weight;     /* characters */
  guint16     len;        /* of the normalized text */
  guint16     skel_len;   /* of its skeleton, padded: "^muhamid$" */
  guint8      generic;    /* a generic business word: weighs little */
  guint8      inline_strings; /* text then skeleton in u.bytes, without NULs */
  union {
    struct {
      const char *text, *skel;
    } ptr;
    char bytes[TOKEN_INLINE_BYTES];
  } u;
  Letters letters[2];
} Token;
G_STATIC_ASSERT (sizeof (Token) == 128);

static inline const char *
token_text (const Token *t)
{
  return t->inline_strings ? t->u.bytes : t->u.ptr.text;
}

static inline const char *
token_skel (const Token *t)
{
  return t->inline_strings ? t->u.bytes + t->len : t->u.ptr.skel;
}

/* A listed name as the index scores it: one cache line, which holds its token ids
 * and their weights too when it has NAME_INLINE_TOKENS or fewer (nearly every name),
 * so that scoring a candidate misses the cache once. name_toks() and
 * name_tok_weights() read them; the name as printed is in ScreenIndex.name_texts. */
#define NAME_INLINE_TOKENS 6
typedef struct {
  guint32 entry;
  float   weight;     /* sum of the token weights */
  guint32 tok_start;  /* in ScreenIndex.name_tokens and name_weights, for a longer name */
  guint8  n_toks;     /* at most MAX_NAME_TOKENS */
  guint8  alias;
  guint16 flags;      /* SCREEN_HIT_TRANSLITERATED for a Latin transliteration */
  guint32 tok[NAME_INLINE_TOKENS];        /* token ids, sorted by text */
  float   tok_weight[NAME_INLINE_TOKENS]; /* their weights */
} Name;
G_STATIC_ASSERT (sizeof (Name) == 64);
G_STATIC_ASSERT (MAX_NAME_TOKENS <= G_MAXUINT8 && SCREEN_HIT_TRANSLITERATED <= G_MAXUINT16);


struct _ScreenIndex {
  ScreenList   *list;
  /* The tables a query reads, each in one table_alloc() block (on huge pages in a
   * large index: the reads of a query land all over them). */
  Token        *tokens;
  guint32       n_tokens;
  char         *token_strings; /* each token's text and skeleton, one after the other */
  Letters      *letters;     /* of each token's text, then of its skeleton without '^'
                                and '$' (probe_bound(): two per token) */
  Name         *names;
  guint32       n_names;
  const char  **name_texts;  /* each name as printed (borrowed from the list) */
  guint32      *name_order;  /* each name's place in the order added, which keeps an
                                entry's names in their order (see "The numbering") */
  guint32      *name_tokens; /* token ids of the names longer than NAME_INLINE_TOKENS */
  float        *name_weights; /* their weights, so that scoring a name never touches the
                                 Token table */
  guint32      *postings;    /* name ids, grouped by token */
  guint32      *anchors;     /* name ids, grouped by their rarest token */
  Neighbour    *neighbours;  /* grouped by token */
  /* The vocabulary by text, open addressing: each slot is (top 32 bits of the text's
   * hash) << 32 | token id, or VOCAB_FREE. A lookup reads one slot (and a Token when
   * the hash agrees) where a GHashTable read three places. */
  guint64      *vocab;
  guint32       vocab_mask;
  /* The variant table (see "The variant table" below): lines of VARIANT_LINE slots,
   * each a fragment of a variant's hash << (token_bits + 1) | 0 << token_bits | token
   * id, or the same with 1 << token_bits and the id of a shared variant, or
   * VARIANT_FREE; and the tokens of each shared variant (see "Shared variants"). */
  guint32      *variant_slots;
  guint32       n_variant_lines; /* home lines; the slots run on past them */
  guint         token_bits;
  Run          *shared_runs;     /* in shared_tokens, by shared variant id */
  guint32      *shared_tokens;
  GHashTable   *identifiers; /* "kind\x1Fvalue" (owned) -> GArray of guint entry indexes */
};

/* The token ids of @name, sorted by text (name->n_toks of them). */
static inline const guint32 *
name_toks (const ScreenIndex *ix, const Name *name)
{
  return name->n_toks <= NAME_INLINE_TOKENS ? name->tok : &ix->name_tokens[name->tok_start];
}

/* The weights of the tokens of @name, in the order of name_toks(): writable, for
 * build_weights(), which fills them (as strchr() hands back a pointer into its
 * argument); every other caller only reads them. */
static inline float *
name_tok_weights (const ScreenIndex *ix, const Name *name)
{
  return name->n_toks <= NAME_INLINE_TOKENS ? (float *) name->tok_weight
                                            : &ix->name_weights[name->tok_start];
}

/* ------------------------------------------------------------------------------
 * Token similarity
 */

/* Winkler's boost of a Jaro similarity for a common prefix of up to 4 bytes (scale
 * 0.1); the same for screen_jaro_winkler() and its bound, jaro_winkler_bound(). */
static inline double
winkler (double jaro, const char *a, gsize alen, const char *b, gsize blen)
{
  gsize prefix = 0, most = MIN (4, MIN (alen, blen));
  if (G_BYTE_ORDER == G_LITTLE_ENDIAN && most == 4)
    {
      /* The first differing byte is the lowest set byte of the difference: one
       * comparison instead of four (the letter bounds call this ~400 times a query). */
      guint32 x, y;
      memcpy (&x, a, 4);
      memcpy (&y, b, 4);
      prefix = x == y ? 4 : (gsize) __builtin_ctz (x ^ y) / 8;
    }
  else
    while (prefix < most && a[prefix] == b[prefix])
      prefix++;
  return jaro + prefix * 0.1 * (1.0 - jaro);
}

/* The positions of the bytes of a string of at most 64 bytes, for the bit-parallel
 * comparisons below: bit i of peq[c] is set when s[i] is c. A table is all zero
 * between uses: peq_set() and peq_clear() touch only the string's own bytes. */
G_STATIC_ASSERT (MAX_TOKEN_BYTES <= 64);
static inline void
peq_set (guint64 *peq, const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    peq[(guchar) s[i]] |= G_GUINT64_CONSTANT (1) << i;
}

static inline void
peq_clear (guint64 *peq, const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    peq[(guchar) s[i]] = 0;
}

/* One byte @c of the second string against its candidates @cand in the first: the
 * first of them is matched. */
static inline void
jaro_take (guint64 cand, char c, guint64 *amatched, char *bmatched, guint *matches)
{
  if (cand != 0)
    {
      *amatched |= cand & -cand;
      bmatched[(*matches)++] = c;
    }
}

/* Jaro-Winkler of @a, whose byte positions are in @peq_a, and @b (both at most
 * MAX_TOKEN_BYTES): each byte of @b takes the first unmatched equal byte of @a within
 * the window, which is the lowest bit of one AND. These are the textbook loop's
 * matches with the strings the other way round, and give the same similarity: the
 * number of matches and of transpositions does not depend on the direction. The
 * window of b[j], bytes [j - range, j + range] of @a, slides by one bit a byte
 * instead of being built for each (its bits past @a's end are harmless: @peq_a has
 * none there), and the matched bytes of @b are kept in order as they are found: 0.6
 * of the instructions of the loop before, with the same results bit for bit (on 20
 * million random pairs and all pairs of ternary strings up to 7 bytes; `test-screen`,
 * "jaro-winkler", holds it to the textbook loop on 300,000). */
static double
jaro_winkler_peq (const guint64 *peq_a, const char *a, gsize alen, const char *b, gsize blen)
{
  if (alen == 0 || blen == 0)
    return alen == blen ? 1.0 : 0.0;

  gsize range = MAX (alen, blen) / 2;
  range = range > 0 ? range - 1 : 0;
  guint64 window = (G_GUINT64_CONSTANT (1) << (range + 1)) - 1; /* of b[0] */
  guint64 amatched = 0;
  char bmatched[MAX_TOKEN_BYTES]; /* the matched bytes of @b, in order */
  guint matches = 0;
  gsize j = 0;
  for (; j < MIN (range, blen); j++, window = window << 1 | 1) /* byte 0 stays in it */
    jaro_take (peq_a[(guchar) b[j]] & window & ~amatched, b[j], &amatched, bmatched, &matches);
  for (; j < blen; j++, window <<= 1)
    jaro_take (peq_a[(guchar) b[j]] & window & ~amatched, b[j], &amatched, bmatched, &matches);
  if (matches == 0)
    return 0.0;

  /* The matched bytes of each, in order: half a transposition where they differ. */
  guint half_transpositions = 0, k = 0;
  for (guint64 am = amatched; am != 0; am &= am - 1)
    half_transpositions += a[__builtin_ctzll (am)] != bmatched[k++];

  double m = matches;
  return winkler ((m / alen + m / blen + (m - half_transpositions / 2) / m) / 3.0, a, alen,
                  b, blen);
}

/* Jaro-Winkler, with the matches found bit-parallel (jaro_winkler_peq()) in a table
 * of each thread's: the same matches as the textbook loop over the window, in 0.6 of
 * the time. */
double
screen_jaro_winkler (const char *a, gsize alen, const char *b, gsize blen)
{
  static _Thread_local guint64 peq[256];
  alen = MIN (alen, MAX_TOKEN_BYTES);
  blen = MIN (blen, MAX_TOKEN_BYTES);
  peq_set (peq, a, alen);
  double jw = jaro_winkler_peq (peq, a, alen, b, blen);
  peq_clear (peq, a, alen);
  return jw;
}

static void
letters_of (const char *s, gsize len, Letters *l)
{
  memset (l, 0, sizeof *l);
  for (gsize i = 0; i < MIN (len, MAX_TOKEN_BYTES); i++)
    l->n[(guchar) s[i] & 31]++;
}

/* The letters two words have in common: the sum over the classes of the smaller
 * count. With SSE2 (every x86-64 processor) two minimums and two sums of 16 bytes
 * each, instead of 32 steps: the generic-word test runs it 40 times for each word of
 * a list. */
static inline guint
letters_shared (const Letters *a, const Letters *b)
{
#ifdef __SSE2__
  __m128i lo = _mm_min_epu8 (_mm_loadu_si128 ((const __m128i *) a->n),
                             _mm_loadu_si128 ((const __m128i *) b->n));
  __m128i hi = _mm_min_epu8 (_mm_loadu_si128 ((const __m128i *) (a->n + 16)),
                             _mm_loadu_si128 ((const __m128i *) (b->n + 16)));
  __m128i sum = _mm_add_epi64 (_mm_sad_epu8 (lo, _mm_setzero_si128 ()),
                               _mm_sad_epu8 (hi, _mm_setzero_si128 ()));
  return (guint) (_mm_cvtsi128_si32 (sum) + _mm_cvtsi128_si32 (_mm_srli_si128 (sum, 8)));
#else
  guint m = 0;
  for (guint k = 0; k < 32; k++)
    m += MIN (a->n[k], b->n[k]);
  return m;
#endif
}

/* 1 / k for the lengths a bound divides by: a product is a few cycles where a
 * quotient is a dozen or more, twice a bound, ~400 bounds a query. */
#define RECIPROCALS4(k) 1.0 / (k), 1.0 / ((k) + 1), 1.0 / ((k) + 2), 1.0 / ((k) + 3)
static const double reciprocal[MAX_TOKEN_BYTES + 1] = {
  0.0, RECIPROCALS4 (1), RECIPROCALS4 (5), RECIPROCALS4 (9), RECIPROCALS4 (13),
  RECIPROCALS4 (17), RECIPROCALS4 (21), RECIPROCALS4 (25), RECIPROCALS4 (29),
  RECIPROCALS4 (33), RECIPROCALS4 (37), RECIPROCALS4 (41), RECIPROCALS4 (45),
  RECIPROCALS4 (49), RECIPROCALS4 (53), RECIPROCALS4 (57), RECIPROCALS4 (61),
};
G_STATIC_ASSERT (MAX_TOKEN_BYTES == 64);

/* An upper bound of screen_jaro_winkler (a, b) from the letters the two have in
 * common: Jaro's matches pair equal bytes one to one, so they are at most the common
 * letter counts (fewer classes than bytes only raises that), and transpositions only
 * lower the score. Cheap enough to rule out most pairs before the real comparison.
 * Computed with reciprocals, it may lie an ulp or two below the quotients' value:
 * every caller compares it with a slack: 1e-9 (jaro_winkler_reaches()) or BOUND_SLACK. */
static double
jaro_winkler_bound (const char *a, gsize alen, const Letters *la, const char *b, gsize blen,
                    const Letters *lb)
{
  alen = MIN (alen, MAX_TOKEN_BYTES);
  blen = MIN (blen, MAX_TOKEN_BYTES);
  if (alen == 0 || blen == 0)
    return 1.0;
  guint m = letters_shared (la, lb);
  if (m == 0)
    return 0.0;
  double jaro = (m * (reciprocal[alen] + reciprocal[blen]) + 1.0) * (1.0 / 3.0);
  return winkler (jaro, a, alen, b, blen);
}

/* Writes the padded skeleton of @t (normalized, so lower case) to @out, which has
 * room for SKELETON_SIZE (len) bytes; returns its length. Non-ASCII bytes are copied. */
static gsize
skeleton (const char *t, gsize len, char *out)
{
  gsize n = 0;
  out[n++] = '^';
  for (gsize i = 0; i < len; i++)
    {
      char c = t[i], next = i + 1 < len ? t[i + 1] : '\0';
      if (next == 'h' && strchr ("pkgdtz", c) != NULL)
        {
          c = c == 'p' ? 'f' : c == 'k' ? 'h' : c == 'z' ? 'j' : c;
          i++;
        }
      else if ((c == 'o' && (next == 'u' || next == 'o')) || (c == 'e' && next == 'e'))
        {
          c = c == 'e' ? 'i' : 'u';
          i++;
        }
      else if (c == 'd' && next == 'j')
        {
          c = 'j';
          i++;
        }
      else if (c == 'c' && next == 'k')
        {
          c = 'k';
          i++;
        }
      if (c == 'x')
        {
          if (out[n - 1] != 'k')
            out[n++] = 'k';
          c = 's';
        }
      switch (c)
        {
        case 'c': case 'q': c = 'k'; break;
        case 'w':           c = 'v'; break;
        case 'z':           c = 's'; break;
        case 'y': case 'e': c = 'i'; break;
        case 'o':           c = 'u'; break;
        default:                     break;
        }
      if (out[n - 1] != c)
        out[n++] = c;
    }
  if (n > 2 && out[n - 1] == 'h')
    n--;
  out[n++] = '$';
  out[n] = '\0';
  return n;
}

/* A token prepared for comparison with many others: its text and padded skeleton
 * ("^muhamid$"), the byte positions of both (peq_set(); without the padding), so
 * that comparing it with each candidate fills and clears no table, and their letters
 * (for probe_bound()). */
typedef struct {
  const char *text, *skel;
  gsize       len, skel_len;
  guint64     text_peq[256], skel_peq[256];
  Letters     text_letters, skel_letters;
} Probe;

static void
probe_init (Probe *p, const char *text, gsize len, const char *skel, gsize skel_len)
{
  *p = (Probe) { text, skel, len, skel_len, { 0 }, { 0 }, { { 0 } }, { { 0 } } };
  peq_set (p->text_peq, text, MIN (len, MAX_TOKEN_BYTES));
  peq_set (p->skel_peq, skel + 1, MIN (skel_len - 2, MAX_TOKEN_BYTES));
  letters_of (text, len, &p->text_letters);
  letters_of (skel + 1, skel_len - 2, &p->skel_letters);
}

static gboolean related (const Probe *p, const char *b, gsize blen, const char *bskel,
                         gsize bskel_len);

/* TRUE when @a and @b have MIN_TRANSPOSED bytes or more and differ only in two
 * adjacent letters swapped ("Orietn", "Orient"): the commonest slip of the keyboard,
 * which counts as spelt as listed. */
#define MIN_TRANSPOSED 6
static gboolean
transposed (const char *a, gsize alen, const char *b, gsize blen)
{
  if (alen != blen || alen < MIN_TRANSPOSED)
    return FALSE;
  gsize i = 0;
  while (i < alen && a[i] == b[i])
    i++;
  return i + 1 < alen && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i] != a[i + 1]
         && memcmp (a + i + 2, b + i + 2, alen - i - 2) == 0
         && (guchar) a[i] < 0x80 && (guchar) a[i + 1] < 0x80;
}

/* tsim of the probe's token and (b, bskel), or 0 when below TOKEN_FLOOR or not
 * related(). */
static float
probe_sim (const Probe *p, const char *b, gsize blen, const char *bskel, gsize bskel_len)
{
  double raw = jaro_winkler_peq (p->text_peq, p->text, MIN (p->len, MAX_TOKEN_BYTES), b,
                                 MIN (blen, MAX_TOKEN_BYTES));
  /* The '^' and '$' padding is not part of the skeleton compared, nor is it compared
   * when it cannot do better than the spelling. */
  double sk = raw >= SKELETON_DISCOUNT
                ? 0.0
                : SKELETON_DISCOUNT
                    * jaro_winkler_peq (p->skel_peq, p->skel + 1,
                                        MIN (p->skel_len - 2, MAX_TOKEN_BYTES), bskel + 1,
                                        MIN (bskel_len - 2, MAX_TOKEN_BYTES));
  float sim = (float) MAX (raw, sk);
  if (sim < (float) SKELETON_DISCOUNT && transposed (p->text, p->len, b, blen))
    sim = (float) SKELETON_DISCOUNT;
  if (sim < TOKEN_FLOOR || !related (p, b, blen, bskel, bskel_len))
    return 0.0f;
  return sim;
}

/* An upper bound of probe_sim (@p, b, bskel) from the letters the two texts and the
 * two skeletons share (jaro_winkler_bound(); @l: the letters of b and of bskel
 * without '^' and '$'), or a value of @enough or more when it is at least that. A
 * transposition keeps a word's letters, so the bound of a pair that transposed() lets
 * through is 1. A tenth of the instructions of probe_sim(). */
static double
probe_bound (const Probe *p, const char *b, gsize blen, const char *bskel, gsize bskel_len,
             const Letters *l, double enough)
{
  double text = jaro_winkler_bound (p->text, p->len, &p->text_letters, b, blen, &l[0]);
  if (text >= enough)
    return text;
  return MAX (text, SKELETON_DISCOUNT * jaro_winkler_bound (p->skel + 1, p->skel_len - 2,
                                                            &p->skel_letters, bskel + 1,
                                                            bskel_len - 2, &l[1]));
}

/* probe_sim() of two tokens. */
static float
token_sim (const char *a, gsize alen, const char *askel, gsize askel_len,
           const char *b, gsize blen, const char *bskel, gsize bskel_len)
{
  Probe p;
  probe_init (&p, a, alen, askel, askel_len);
  return probe_sim (&p, b, blen, bskel, bskel_len);
}

/* ------------------------------------------------------------------------------
 * Alignment and the name score
 */

#define FUZZY_CAP 0.91 /* the score of a name none of whose distinctive words is spelt
                          as listed */
/* Unless query and name agree exactly, a name of which the query finds less than
 * PARTIAL_SHARE (by weight), or whose aligned query words have fewer than
 * MIN_ALIGNED_BYTES bytes between them, scores at most PARTIAL_CAP (below the default
 * possible threshold): "Berlin" is not Huawei Cloud Berlin, "B" is not B-CAT. */
#define PARTIAL_SHARE     0.5
#define MIN_ALIGNED_BYTES 3
#define PARTIAL_CAP       0.79
#define MIN_CLOSEST       0.90
#define BOUND_SLACK       1e-6 /* room for rounding where an upper bound decides */

/* @sim is n x m, row-major, and is consumed (aligned rows and columns zeroed).
 * @generic: which query tokens are generic words. */
static double
align_score (float *sim, guint n, guint m, const float *wq, float wq_sum,
             const float *wl, float wl_sum, const gboolean *generic, const guint16 *qlen,
             double query_weight)
{
  double sq = 0, sl = 0;
  gboolean anchored = FALSE;
  guint aligned_bytes = 0;
  float best_distinctive = 0;
  for (guint step = 0; step < MIN (n, m); step++)
    {
      guint bi = 0, bj = 0;
      float best = 0;
      for (guint i = 0; i < n; i++)
        for (guint j = 0; j < m; j++)
          if (sim[i * m + j] > best)
            best = sim[i * m + j], bi = i, bj = j;
      if (best == 0)
        break;
      sq += best * wq[bi];
      sl += best * wl[bj];
      /* Spelt as listed, or the same skeleton (Qaddafi, Kadhafi): an anchor. */
      anchored = anchored || (best >= (float) SKELETON_DISCOUNT && !generic[bi]);
      aligned_bytes += qlen[bi];
      if (!generic[bi])
        best_distinctive = MAX (best_distinctive, best);
      for (guint j = 0; j < m; j++)
        sim[bi * m + j] = 0;
      for (guint i = 0; i < n; i++)
        sim[i * m + bj] = 0;
    }
  double score = query_weight * sq / wq_sum + (1 - query_weight) * sl / wl_sum;
  if (score < 1.0 - 1e-6 && (sl < PARTIAL_SHARE * wl_sum || aligned_bytes < MIN_ALIGNED_BYTES
                               || best_distinctive < (float) MIN_CLOSEST))
    return MIN (score, PARTIAL_CAP);
  return anchored ? score : MIN (score, FUZZY_CAP);
}

/* Long legal-form words. embargo_name_normalize() drops them when spelled right;
 * misspelt ("Compani", "Coropration") they would count as a missing word. */
static const char *const legal_words[] = {
  "company", "limited", "corporation", "incorporated", "gesellschaft",
};

/* Generic business words: a name that agrees with a listed one only in these agrees
 * in nothing. They weigh GENERIC_FACTOR of their length. */
static const char *const generic_words[] = {
  "technologies", "technology", "tech", "international", "intl", "trading", "trade",
  "group", "holding", "holdings", "industries", "industry", "industrial", "electronics",
  "electronic", "enterprise", "enterprises", "general", "global", "services", "service",
  "logistics", "shipping", "investment", "investments", "development", "engineering",
  "import", "export", "commercial", "manufacturing", "systems", "solutions", "products",
  "resources", "energy", "bank", "co", "ltd", "company", "corporation", "limited",
};
#define GENERIC_FACTOR 0.15f
#define MIN_IDF_FACTOR 0.3

/* Whether screen_jaro_winkler (a, b) >= @threshold, the bound first. */
static gboolean
jaro_winkler_reaches (const char *a, gsize alen, const Letters *la, const char *b,
                      gsize blen, const Letters *lb, double threshold)
{
  return jaro_winkler_bound (a, alen, la, b, blen, lb) >= threshold - 1e-9
         && screen_jaro_winkler (a, alen, b, blen) >= threshold;
}

/* The letters and the length of each word of @words, computed once. */
static const Letters *
word_letters (const char *const *words, gsize n, Letters *storage, gsize *lens, gsize *once)
{
  if (g_once_init_enter (once))
    {
      for (gsize w = 0; w < n; w++)
        {
          lens[w] = strlen (words[w]);
          letters_of (words[w], lens[w], &storage[w]);
        }
      g_once_init_leave (once, 1);
    }
  return storage;
}

/* Whether strings of @a and @b bytes can be within Jaro-Winkler @threshold of
 * each other at all: Jaro is at most (2 + shorter / longer) / 3 and Winkler's boost
 * adds at most 0.4 of what it lacks, so the shorter has to be at least
 * 5 * threshold - 4 of the longer. */
static inline gboolean
lengths_allow (gsize a, gsize b, double threshold)
{
  a = MIN (a, MAX_TOKEN_BYTES);
  b = MIN (b, MAX_TOKEN_BYTES);
  return (double) MIN (a, b) >= (5 * threshold - 4) * (double) MAX (a, b) - 1e-9;
}

/* A generic word, or one within Jaro-Winkler 0.92 of a generic word of 6 letters or
 * more ("Technolgies"). */
static gboolean
is_generic (const char *tok, gsize len)
{
  static Letters storage[G_N_ELEMENTS (generic_words)];
  static gsize lens[G_N_ELEMENTS (generic_words)];
  static gsize once;
  const Letters *generic = word_letters (generic_words, G_N_ELEMENTS (generic_words),
                                         storage, lens, &once);
  Letters l;
  if (len >= 6)
    letters_of (tok, len, &l);
  gsize a = MIN (len, MAX_TOKEN_BYTES);
  for (gsize w = 0; w < G_N_ELEMENTS (generic_words); w++)
    {
      gsize wlen = lens[w];
      if (wlen == len && memcmp (tok, generic_words[w], len) == 0)
        return TRUE;
      if (len < 6 || wlen < 6)
        continue;
      /* Winkler's boost adds at most 0.4 of what Jaro lacks, so 0.92 needs a Jaro of
       * 0.52 / 0.6 and m common letters with m (1/a + 1/b) >= 1.6: in integers, and
       * before the bound's divisions (each word is tested against all 42). */
      gsize m = letters_shared (&l, &generic[w]), b = MIN (wlen, MAX_TOKEN_BYTES);
      if (5 * m * (a + b) >= 8 * a * b
          && jaro_winkler_reaches (tok, len, &l, generic_words[w], wlen, &generic[w], 0.92))
        return TRUE;
    }
  return FALSE;
}

/* Removes from @toks (n entries) the tokens within Jaro-Winkler 0.9 of a legal-form
 * word, unless that would remove them all. Returns the new count. */
static guint
drop_misspelt_legal_forms (char **toks, guint n)
{
  static Letters storage[G_N_ELEMENTS (legal_words)];
  static gsize lens[G_N_ELEMENTS (legal_words)];
  static gsize once;
  const Letters *legal_letters = word_letters (legal_words, G_N_ELEMENTS (legal_words),
                                               storage, lens, &once);
  gboolean legal[MAX_NAME_TOKENS] = { FALSE };
  guint kept = 0;
  for (guint i = 0; i < n; i++)
    {
      gsize len = strlen (toks[i]);
      Letters l;
      if (len >= 5)
        letters_of (toks[i], len, &l);
      for (gsize w = 0; w < G_N_ELEMENTS (legal_words) && len >= 5 && !legal[i]; w++)
        legal[i] = lengths_allow (len, lens[w], 0.9)
                   && jaro_winkler_reaches (toks[i], len, &l, legal_words[w], lens[w],
                                            &legal_letters[w], 0.9);
      kept += !legal[i];
    }
  if (kept == 0 || kept == n)
    return n;
  guint k = 0;
  for (guint i = 0; i < n; i++)
    if (!legal[i])
      toks[k++] = toks[i];
  return k;
}

static int
cmp_cstrp (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Splits folded words (modified: spaces become NULs) into at most MAX_NAME_TOKENS
 * tokens, sorted (word order does not matter), without misspelt legal forms.
 * Returns the count. */
static guint
split_tokens (char *words, char **toks)
{
  guint n = 0;
  for (char *p = words; *p != '\0' && n < MAX_NAME_TOKENS;)
    {
      char *end = strchr (p, ' ');
      toks[n++] = p;
      if (end == NULL)
        break;
      *end = '\0';
      p = end + 1;
    }
  qsort (toks, n, sizeof *toks, cmp_cstrp);
  return drop_misspelt_legal_forms (toks, n);
}

/* A name split into tokens with skeletons, for screen_name_similarity() and for
 * queries. The strings point into @norm and @skels. */
typedef struct {
  char       *norm;
  char       *skels;
  guint       n;
  const char *text[MAX_NAME_TOKENS];
  const char *skel[MAX_NAME_TOKENS];
  guint16     len[MAX_NAME_TOKENS], skel_len[MAX_NAME_TOKENS];
  float       weight[MAX_NAME_TOKENS];
  gboolean    generic[MAX_NAME_TOKENS];
  guint8      pos[MAX_NAME_TOKENS]; /* the token's place in the written order, 0.. */
  float       weight_sum;
} Tokens;

/* Fills @t from folded @words (screen_fold()), which it takes over. */
static void
tokens_init_words (Tokens *t, char *words)
{
  memset (t, 0, sizeof *t);
  t->norm = words;
  t->skels = g_malloc (SKELETON_SIZE (strlen (t->norm)) + 3 * MAX_NAME_TOKENS);

  char *toks[MAX_NAME_TOKENS];
  char *s = t->skels;
  t->n = split_tokens (t->norm, toks);
  for (guint i = 0; i < t->n; i++)
    {
      gsize len = strlen (toks[i]);
      t->text[i] = toks[i];
      t->len[i] = (guint16) MIN (len, G_MAXUINT16);
      t->skel[i] = s;
      t->skel_len[i] = (guint16) skeleton (toks[i], MIN (len, MAX_TOKEN_BYTES), s);
      s += t->skel_len[i] + 1;
      t->generic[i] = is_generic (toks[i], len);
      t->weight[i] = (float) g_utf8_strlen (toks[i], (gssize) len)
                     * (t->generic[i] ? GENERIC_FACTOR : 1.0f);
      t->weight_sum += t->weight[i];
      /* The tokens point into one buffer in written order: a token's place is the
       * number of tokens before it there. */
      for (guint k = 0; k < t->n; k++)
        t->pos[i] += toks[k] < toks[i];
    }
}

static void
tokens_init (Tokens *t, const char *name)
{
  tokens_init_words (t, screen_fold (name, -1, NULL));
}

static void
tokens_clear (Tokens *t)
{
  g_free (t->norm);
  g_free (t->skels);
}

/* The ways a name is screened: as folded, and transliterated to Latin when it has
 * letters of another script. */
#define MAX_PREPARED_FORMS 2

typedef struct {
  Tokens t;
  char  *words; /* the folded words in written order, for joining and splitting */
  guint  flags; /* ScreenHitFlags that a hit through this form carries */
} Form;

struct _ScreenName {
  Form  forms[MAX_PREPARED_FORMS];
  guint n_forms;
};

/* @words: folded words, copied. */
static void
form_init (Form *f, const char *words, guint flags)
{
  f->words = g_strdup (words);
  f->flags = flags;
  tokens_init_words (&f->t, g_strdup (words));
}

static void
form_clear (Form *f)
{
  tokens_clear (&f->t);
  g_free (f->words);
}

ScreenName *
screen_name_new (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  if (!g_utf8_validate (name, -1, NULL))
    return NULL;
  ScreenName *n = g_new0 (ScreenName, 1);
  guint fold_flags = 0;
  g_autofree char *words = screen_fold (name, -1, &fold_flags);
  guint flags = fold_flags & (SCREEN_FOLD_INVISIBLE | SCREEN_FOLD_CONFUSABLE
                              | SCREEN_FOLD_SIMPLIFIED) ? SCREEN_HIT_FOLDED : 0;
  form_init (&n->forms[n->n_forms++], words, flags);
  g_autofree char *latin = (fold_flags & SCREEN_FOLD_OTHER_SCRIPT)
                             ? screen_fold_latin (name, -1, NULL) : NULL;
  if (latin != NULL)
    form_init (&n->forms[n->n_forms++], latin, flags | SCREEN_HIT_TRANSLITERATED);
  return n;
}

void
screen_name_free (ScreenName *name)
{
  if (name == NULL)
    return;
  for (guint i = 0; i < name->n_forms; i++)
    form_clear (&name->forms[i]);
  g_free (name);
}

double
screen_name_similarity (const char *query, const char *listed)
{
  g_return_val_if_fail (query != NULL && listed != NULL, 0.0);

  Tokens q, l;
  tokens_init (&q, query);
  tokens_init (&l, listed);
  double score = 0;
  if (q.n > 0 && l.n > 0)
    {
      float sim[MAX_NAME_TOKENS * MAX_NAME_TOKENS];
      for (guint i = 0; i < q.n; i++)
        for (guint j = 0; j < l.n; j++)
          sim[i * l.n + j] = token_sim (q.text[i], q.len[i], q.skel[i], q.skel_len[i],
                                        l.text[j], l.len[j], l.skel[j], l.skel_len[j]);
      ScreenOptions opts;
      screen_options_init (&opts);
      score = align_score (sim, q.n, l.n, q.weight, q.weight_sum, l.weight, l.weight_sum,
                           q.generic, q.len, opts.query_weight);
    }
  tokens_clear (&q);
  tokens_clear (&l);
  return score;
}

void
screen_options_init (ScreenOptions *opts)
{
  g_return_if_fail (opts != NULL);
  *opts = (ScreenOptions) {
    .match_threshold = 0.92,
    .possible_threshold = 0.80,
    .query_weight = 0.75,
    .country_penalty = 0.10,
    .country_excludes = FALSE,
    .max_results = 10,
  };
}

/* ------------------------------------------------------------------------------
 * Building the index
 */

/* A table of @size bytes (any, 0 too) that is read or written at random places: from
 * HUGE_TABLE up, on 2 MiB pages where the system has them, so that the accesses miss
 * the TLB far less (at a million members the variant table, 0.9 GB, was built in 8.0 s
 * on 4 KiB pages and in 5.9 s on 2 MiB pages; with the query's tables there too, a
 * query took 0.8 of the time). Smaller tables stay on small pages: a huge page is
 * resident whole, and rounding every table up to 2 MiB cost the CSL's index 4 MB
 * (of 78) and bought nothing measurable. Freed with table_free(). */
#define HUGE_PAGE  ((gsize) 2 << 20)
#define HUGE_TABLE ((gsize) 16 << 20)
static gpointer
table_alloc (gsize size)
{
  gsize align = size >= HUGE_TABLE ? HUGE_PAGE : 64;
  size = MAX ((size + align - 1) & ~(align - 1), align);
  void *p = NULL;
  if (posix_memalign (&p, align, size) != 0)
    g_error ("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, size);
#ifdef MADV_HUGEPAGE
  if (align == HUGE_PAGE)
    (void) madvise (p, size, MADV_HUGEPAGE); /* a hint: without, only slower */
#endif
  return p;
}

static void
table_free (gpointer p)
{
  free (p);
}


/* Variant hashes. A string's hash is a polynomial in its bytes, mod 2^64, then mixed:
 * the strings with one or two bytes deleted are sums of the prefix hashes, so a
 * token's hundred variants cost a few multiplications each, not a pass over the
 * token each. Collisions only add candidates, which related() rules out. */
#define HASH_BASE G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)

/* Prefix hashes of @s: pre[k] of its first k bytes, and the powers of HASH_BASE. */
typedef struct {
  guint64 pre[MAX_TOKEN_BYTES + 1], pow[MAX_TOKEN_BYTES + 1];
} Prefixes;

static void
prefixes_init (Prefixes *p, const char *s, gsize len)
{
  p->pre[0] = 0;
  p->pow[0] = 1;
  for (gsize k = 0; k < len; k++)
    {
      p->pre[k + 1] = p->pre[k] * HASH_BASE + (guchar) s[k] + 1;
      p->pow[k + 1] = p->pow[k] * HASH_BASE;
    }
}

/* The polynomial of bytes [a, b). */
static inline guint64
segment (const Prefixes *p, gsize a, gsize b)
{
  return p->pre[b] - p->pre[a] * p->pow[b - a];
}

/* murmur3's finalizer: every bit of the result depends on every bit of @h, so that
 * tables may take their slot from any of its bits. */
static inline guint64
fmix64 (guint64 h)
{
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  h ^= h >> 33;
  h *= G_GUINT64_CONSTANT (0xc4ceb9fe1a85ec53);
  h ^= h >> 33;
  return h;
}

/* The hash of a string of @len bytes with polynomial @poly, from @seed (the variant
 * table takes a home line from its top bits and keeps some of its low bits). */
static inline guint64
seal (guint64 seed, guint64 poly, gsize len)
{
  return fmix64 (poly ^ seed ^ ((guint64) len << 56));
}

#define SEED_TEXT   G_GUINT64_CONSTANT (14695981039346656037)
#define SEED_SKEL   G_GUINT64_CONSTANT (1099511628211)
#define SEED_WHOLE  G_GUINT64_CONSTANT (0x9e3779b97f4a7c15) /* a token, as a prefix target */
#define SEED_PREFIX G_GUINT64_CONSTANT (0xc2b2ae3d27d4eb4f) /* a proper prefix of a token */
#define MIN_PREFIX  4
#define MAX_PREFIX  12
/* Room for the hashes of one string's deletions (MAX_DELETIONS (64) = 2081) and of
 * its prefixes, for text and skeleton. */
#define MAX_VARIANTS (2 * (1 + MAX_TOKEN_BYTES + MAX_TOKEN_BYTES * (MAX_TOKEN_BYTES - 1) / 2) \
                      + MAX_PREFIX + 1)

/* Deletions allowed between two strings, by the longer one's length in bytes. */
static inline guint
max_deletions (gsize longer)
{
  return longer >= 6 ? 2 : 1;
}

/* Appends to @out the hashes of @s and of each string with up to max_deletions (len)
 * bytes of @s deleted; @p holds the prefix hashes of @s. */
static guint
deletions (guint64 seed, const char *s, gsize len, const Prefixes *p, guint64 *out)
{
  guint n = 0;
  out[n++] = seal (seed, p->pre[len], len);
  for (gsize i = 0; i < len && len > 1; i++)
    {
      if (i == 0 || s[i] != s[i - 1])
        out[n++] = seal (seed, p->pre[i] * p->pow[len - 1 - i] + segment (p, i + 1, len),
                         len - 1);
      for (gsize j = i + 1; max_deletions (len) >= 2 && j < len && len > 2; j++)
        {
          guint64 head = p->pre[i] * p->pow[j - i - 1] + segment (p, i + 1, j);
          out[n++] = seal (seed, head * p->pow[len - 1 - j] + segment (p, j + 1, len),
                           len - 2);
        }
    }
  return n;
}

/* The variants of a token (text and skeleton without '^' and '$', hashed from
 * different seeds so that they never meet): its deletions, and for abbreviations
 * either the token as a whole and its proper prefixes (@lookup FALSE: what the index
 * stores), or the token as a prefix and its own proper prefixes as whole tokens
 * (@lookup TRUE: what a search looks for). Room for MAX_VARIANTS hashes in @out. */
static guint
variants (const char *text, gsize len, const char *skel, gsize skel_len, gboolean lookup,
          guint64 *out)
{
  Prefixes p;
  len = MIN (len, MAX_TOKEN_BYTES);
  prefixes_init (&p, text, len);
  guint n = deletions (SEED_TEXT, text, len, &p, out);
  if (len >= MIN_PREFIX && len <= MAX_PREFIX)
    out[n++] = seal (lookup ? SEED_PREFIX : SEED_WHOLE, p.pre[len], len);
  for (gsize k = MIN_PREFIX; k < len && k <= MAX_PREFIX; k++)
    if (((guchar) text[k] & 0xC0) != 0x80)
      out[n++] = seal (lookup ? SEED_WHOLE : SEED_PREFIX, p.pre[k], k);
  gsize sk_len = MIN (skel_len - 2, MAX_TOKEN_BYTES);
  prefixes_init (&p, skel + 1, sk_len);
  n += deletions (SEED_SKEL, skel + 1, sk_len, &p, out + n);
  return n;
}

/* Length of the longest common subsequence of @a (its byte positions in @peq_a) and
 * @b, both at most MAX_TOKEN_BYTES, bit-parallel (Hyyro, "Bit-parallel LCS-length
 * computation revisited", 2004): one word operation per byte of @b instead of a row of
 * the dynamic program. */
static guint
lcs_peq (const guint64 *peq_a, gsize alen, const char *b, gsize blen)
{
  guint64 v = ~G_GUINT64_CONSTANT (0);
  for (gsize j = 0; j < blen; j++)
    {
      guint64 u = v & peq_a[(guchar) b[j]];
      v = (v + u) | (v - u);
    }
  guint64 mask = alen == 64 ? ~G_GUINT64_CONSTANT (0) : (G_GUINT64_CONSTANT (1) << alen) - 1;
  return (guint) __builtin_popcountll (~v & mask);
}

/* Whether a string of @alen bytes whose byte positions are in @peq_a and @b are
 * within max_deletions() of each other. */
static gboolean
within_deletions (const guint64 *peq_a, gsize alen, const char *b, gsize blen)
{
  alen = MIN (alen, MAX_TOKEN_BYTES);
  blen = MIN (blen, MAX_TOKEN_BYTES);
  gsize longer = MAX (alen, blen);
  guint d = max_deletions (longer);
  if (longer - MIN (alen, blen) > d)
    return FALSE;
  return lcs_peq (peq_a, alen, b, blen) + d >= longer;
}

static gboolean
proper_prefix (const char *a, gsize alen, const char *b, gsize blen)
{
  return alen >= MIN_PREFIX && alen <= MAX_PREFIX && alen < blen
         && memcmp (a, b, alen) == 0 && ((guchar) b[alen] & 0xC0) != 0x80;
}

/* Whether two tokens may be compared at all: their texts or their skeletons are
 * within max_deletions() of each other (they share a subsequence that long), or one
 * is a proper prefix of the other (3 to 12 bytes: "tech" and "technologies"). This is
 * exactly the relation the index's variant table finds, so that the candidate search
 * can be exact. Skeletons first: most related pairs are related by their skeletons
 * (at a million members, 7 of 10 compared tokens are not related by their texts; only
 * 12 % of neighbours are related by their texts alone). */
static gboolean
related (const Probe *p, const char *b, gsize blen, const char *bskel, gsize bskel_len)
{
  return within_deletions (p->skel_peq, p->skel_len - 2, bskel + 1, bskel_len - 2)
         || within_deletions (p->text_peq, p->len, b, blen)
         || proper_prefix (p->text, p->len, b, blen) || proper_prefix (b, blen, p->text, p->len);
}


/* The variant table. Each variant of each token (its hash h) has a home line of
 * VARIANT_LINE 4-byte slots, one cache line, chosen by the top 32 bits of h; its slot
 * holds the low 31 - token_bits bits of h (a fragment), a 0 bit and the token id. A
 * line's variants fill it from its start, or from where the line before's ended if
 * they ran over (linear probing by lines), so a lookup scans from its home line to
 * the first free slot, and compares its slots four at a time (slots_holding()). A
 * slot with the fragment of h but from another hash only adds a candidate, which
 * related() rules out. No table of offsets: a lookup misses the cache once, where a
 * table of buckets and their offsets missed it two or three times in a row.
 *
 * Shared variants. A variant that MIN_SHARED tokens or more share (a short skeleton
 * with two letters deleted, a common prefix) would fill lines with one run that
 * every lookup homed nearby scans through: at a million members a sixth of the
 * variants were in such runs, a lookup scanned 75 slots, and waiting for those lines
 * was a sixth of a query's time. So once the table is built, each such variant's run
 * becomes one slot: its fragment, a 1 bit and its id among the shared variants, whose
 * tokens are in ScreenIndex.shared_tokens (its shared_runs entry), one after the
 * other. A lookup that meets it reads them there, in a second step that the lookups
 * of a word make together. A random home line is then followed by about 13 slots to
 * the first free one. */
#define VARIANT_LINE 16
#define VARIANT_LOAD 0.7
#define VARIANT_FREE G_MAXUINT32 /* its shared bit is 1, and no shared variant's id is all ones */
#define MIN_SHARED   8

static inline gsize
variant_home (const ScreenIndex *ix, guint64 h)
{
  return (gsize) (((h >> 32) * ix->n_variant_lines) >> 32) * VARIANT_LINE;
}

static inline guint32
variant_slot (const ScreenIndex *ix, guint64 h, guint32 token)
{
  return (guint32) (h << (ix->token_bits + 1)) | token;
}

/* Whether slot @v is a shared variant's (its id in the token bits). */
static inline gboolean
variant_shared (const ScreenIndex *ix, guint32 v)
{
  return (v >> ix->token_bits) & 1;
}

/* The slots among four (16-byte aligned) whose fragment (the bits from @shift up) is
 * @fragment, as bits 0 to 3, up to the first free one; *@end is TRUE when there is a
 * free one (the lookup stops there). A free slot's fragment may equal @fragment: it
 * never counts. With SSE2 the four are compared at once (comparing one at a time was
 * 8 % of a query's instructions when a lookup scanned 50 slots). */
static inline guint
slots_holding (const guint32 *four, guint32 fragment, guint shift, gboolean *end)
{
#ifdef __SSE2__
  __m128i v = _mm_load_si128 ((const __m128i *) four);
  guint free = (guint) _mm_movemask_ps (_mm_castsi128_ps (
    _mm_cmpeq_epi32 (v, _mm_set1_epi32 ((int) VARIANT_FREE))));
  guint hits = (guint) _mm_movemask_ps (_mm_castsi128_ps (_mm_cmpeq_epi32 (
    _mm_srl_epi32 (v, _mm_cvtsi32_si128 ((int) shift)), _mm_set1_epi32 ((int) fragment))));
#else
  guint free = 0, hits = 0;
  for (guint k = 0; k < 4; k++)
    {
      free |= (guint) (four[k] == VARIANT_FREE) << k;
      hits |= (guint) (four[k] >> shift == fragment) << k;
    }
#endif
  *end = free != 0;
  return free != 0 ? hits & ((free & -free) - 1) : hits;
}

/* How many items ahead the lookups of a pipeline ask for what they will read: enough
 * for a few dozen cache misses to be under way, few enough that the lines arrive
 * before they are evicted. */
#define PREFETCH_AHEAD 8

/* The tokens a word's lookups find, each once: with @marks (one zeroed byte per
 * vocabulary token) where the caller has them, else in a small open-addressing set
 * (at a million members a word has about 200 candidates: room for 512 before it
 * grows); in @touched in the order found. */
typedef struct {
  guint8  *marks;
  guint32 *set;
  guint    set_mask;
  GArray  *touched;
  guint    n;          /* of @touched in use; its length is set when done */
  guint32  set_stack[1024];
} Candidates;

static void
candidates_init (Candidates *c, guint8 *marks, GArray *touched)
{
  c->marks = marks;
  c->set = c->set_stack;
  c->set_mask = G_N_ELEMENTS (c->set_stack) - 1;
  if (marks == NULL)
    memset (c->set, 0xff, sizeof c->set_stack);
  c->touched = touched;
  g_array_set_size (touched, 0);
  c->n = 0;
}

/* Appends @t to c->touched, doubling its length when full: a call of
 * g_array_append_val() for each candidate token was 5 % of a query's instructions. */
static inline void
candidates_push (Candidates *c, guint32 t)
{
  if (c->n == c->touched->len)
    g_array_set_size (c->touched, MAX (2 * c->touched->len, 256));
  g_array_index (c->touched, guint32, c->n++) = t;
}

/* Doubles the set four times, and adds the tokens found so far again. */
static void
candidates_grow (Candidates *c)
{
  guint size = 4 * (c->set_mask + 1);
  if (c->set != c->set_stack)
    g_free (c->set);
  c->set = g_new (guint32, size);
  memset (c->set, 0xff, size * sizeof *c->set);
  c->set_mask = size - 1;
  for (guint j = 0; j < c->n; j++)
    {
      guint32 u = g_array_index (c->touched, guint32, j);
      guint g = (u * 2654435761u) & c->set_mask;
      while (c->set[g] != G_MAXUINT32)
        g = (g + 1) & c->set_mask;
      c->set[g] = u;
    }
}

static inline void
candidates_add (Candidates *c, guint32 t)
{
  if (c->marks != NULL)
    {
      if (!c->marks[t])
        {
          c->marks[t] = 1;
          candidates_push (c, t);
        }
      return;
    }
  guint h = (t * 2654435761u) & c->set_mask;
  while (c->set[h] != G_MAXUINT32 && c->set[h] != t)
    h = (h + 1) & c->set_mask;
  if (c->set[h] == t)
    return;
  c->set[h] = t;
  candidates_push (c, t);
  if (2 * c->n > c->set_mask)
    candidates_grow (c);
}

/* The tokens found, in c->touched; frees the set. */
static void
candidates_finish (Candidates *c)
{
  if (c->set != c->set_stack)
    g_free (c->set);
  g_array_set_size (c->touched, c->n);
}

/* How many shared variants a word's lookups note before they read their tokens. */
#define MAX_NOTED_SHARED 64

/* Adds the tokens of the shared variants @ids (see "Shared variants") to @c. Their
 * runs were asked for when the lookups met them; this asks for the lines of every
 * run's tokens, then reads them, so that those misses too are under way together. */
static void
add_shared (const ScreenIndex *ix, const guint32 *ids, guint n, Candidates *c)
{
  for (guint k = 0; k < n; k++)
    {
      const Run *r = &ix->shared_runs[ids[k]];
      const guint32 *first = &ix->shared_tokens[r->start];
      __builtin_prefetch (first);
      __builtin_prefetch (first + r->len - 1);
    }
  for (guint k = 0; k < n; k++)
    {
      const Run *r = &ix->shared_runs[ids[k]];
      for (guint32 j = 0; j < r->len; j++)
        candidates_add (c, ix->shared_tokens[r->start + j]);
    }
}

/* Appends to @out the vocabulary tokens similar to the token of @probe, in no
 * particular order (what reads them takes the best similarity per token, whatever the
 * order).
 *
 * Candidates are the tokens whose text or skeleton shares a deletion variant with
 * this one's (symmetric deletion, as in SymSpell): texts or skeletons within one
 * substitution, insertion, deletion or transposition of each other. Skeletons already map
 * spelling variants together, so this reaches Mohammed/Muhammad and Gaddafi/Qadhafi
 * as well as typos. Each candidate is then scored with probe_sim().
 *
 * @defer (a query): candidates are not scored but appended with their probe_bound(),
 * negated (see "Deferred similarities"), unless it is below TOKEN_FLOOR; the index's
 * own neighbour lists are all scored.
 * @marks is scratch of one zeroed byte per vocabulary token, zeroed again on return;
 * or NULL (a query: a 1 MB array for each of a million tokens would cost more than the
 * search). */
static void
find_similar (const ScreenIndex *ix, const Probe *probe, gboolean defer, guint8 *marks,
              GArray *touched, GArray *out)
{
  guint64 hashes[MAX_VARIANTS];
  guint nv = variants (probe->text, probe->len, probe->skel, probe->skel_len, TRUE, hashes);
  Candidates found;
  candidates_init (&found, marks, touched);

  /* Each lookup misses the cache once, on its home line: a pipeline asks for the
   * line of lookup i + 2 * PREFETCH_AHEAD while it scans lookup i, so that a few dozen
   * misses are under way at any time. The shared variants met are read after. */
  const guint32 *slots = ix->variant_slots;
  guint tb = ix->token_bits;
  guint32 token_mask = (guint32) ((G_GUINT64_CONSTANT (1) << tb) - 1);
  guint32 shared[MAX_NOTED_SHARED];
  guint n_shared = 0;
  for (guint i = 0; i < MIN (nv, 2 * PREFETCH_AHEAD); i++)
    __builtin_prefetch (&slots[variant_home (ix, hashes[i])]);
  for (guint i = 0; i < nv; i++)
    {
      if (i + 2 * PREFETCH_AHEAD < nv)
        __builtin_prefetch (&slots[variant_home (ix, hashes[i + 2 * PREFETCH_AHEAD])]);
      guint32 fragment = variant_slot (ix, hashes[i], 0) >> (tb + 1);
      gboolean end = FALSE;
      for (gsize k = variant_home (ix, hashes[i]); !end; k += 4)
        for (guint hits = slots_holding (&slots[k], fragment, tb + 1, &end); hits != 0;
             hits &= hits - 1)
          {
            guint32 v = slots[k + (guint) __builtin_ctz (hits)];
            if (!variant_shared (ix, v))
              candidates_add (&found, v & token_mask);
            else
              {
                if (n_shared == MAX_NOTED_SHARED)
                  {
                    add_shared (ix, shared, n_shared, &found);
                    n_shared = 0;
                  }
                shared[n_shared++] = v & token_mask;
                __builtin_prefetch (&ix->shared_runs[v & token_mask]);
              }
          }
    }
  add_shared (ix, shared, n_shared, &found);
  candidates_finish (&found);

  /* Each candidate's Token (and the strings of the few that are not in it, and for
   * @defer its letters), in the same kind of pipeline. */
  const Token *tokens = ix->tokens;
  const guint32 *cand = (const guint32 *) touched->data;
  guint n_cand = touched->len;
  guint n_out = out->len; /* room for every candidate, then the length of those kept */
  g_array_set_size (out, n_out + n_cand);
  for (guint k = 0; k < MIN (n_cand, 2 * PREFETCH_AHEAD); k++)
    {
      __builtin_prefetch (&tokens[cand[k]]);
      if (defer)
        __builtin_prefetch (ix->tokens[cand[k]].letters);
    }
  for (guint k = 0; k < MIN (n_cand, PREFETCH_AHEAD); k++)
    if (!tokens[cand[k]].inline_strings)
      __builtin_prefetch (tokens[cand[k]].u.ptr.text);
  for (guint k = 0; k < n_cand; k++)
    {
      if (k + 2 * PREFETCH_AHEAD < n_cand)
        {
          __builtin_prefetch (&tokens[cand[k + 2 * PREFETCH_AHEAD]]);
          if (defer)
            __builtin_prefetch (ix->tokens[cand[k + 2 * PREFETCH_AHEAD]].letters);
        }
      if (k + PREFETCH_AHEAD < n_cand && !tokens[cand[k + PREFETCH_AHEAD]].inline_strings)
        __builtin_prefetch (tokens[cand[k + PREFETCH_AHEAD]].u.ptr.text);
      guint32 t = cand[k];
      const Token *tok = &tokens[t];
      if (marks != NULL)
        marks[t] = 0;
      if (defer)
        {
          /* A text bound of SKELETON_DISCOUNT or more is above the skeleton's too. */
          double bound = probe_bound (probe, token_text (tok), tok->len, token_skel (tok),
                                      tok->skel_len, ix->tokens[t].letters,
                                      SKELETON_DISCOUNT);
          if (bound < TOKEN_FLOOR - BOUND_SLACK)
            continue;
          float most = (float) MIN (bound + BOUND_SLACK, 1.0);
          g_array_index (out, Neighbour, n_out++) = (Neighbour) { t, -most };
          continue;
        }
      float sim = probe_sim (probe, token_text (tok), tok->len, token_skel (tok),
                             tok->skel_len);
      if (sim > 0)
        g_array_index (out, Neighbour, n_out++) = (Neighbour) { t, sim };
    }
  g_array_set_size (out, n_out);
}

/* What the index is built from while the names are added: growing arrays, copied
 * into the index's tables by builder_freeze(). */
typedef struct {
  GStringChunk *strings;     /* token texts and skeletons */
  GHashTable   *ids;         /* text -> token id + 1 */
  GArray       *tokens;      /* of Token; text and skeleton in strings */
  GArray       *names;       /* of NameDraft */
  GArray       *name_tokens; /* of guint32 */
} Builder;

/* Frees what @b holds, for an index that is not built after all. */
static void
builder_discard (Builder *b)
{
  g_array_unref (b->tokens);
  g_array_unref (b->names);
  g_array_unref (b->name_tokens);
  g_hash_table_unref (b->ids);
  g_string_chunk_free (b->strings);
}

/* A name as the builder has it: its tokens in Builder.name_tokens. */
typedef struct {
  guint32     entry;
  guint32     tok_start;
  guint32     n_toks;
  const char *text;
  gboolean    alias;
  guint       flags;
} NameDraft;

static guint32
intern_token (Builder *b, const char *text, gsize len)
{
  gpointer id = g_hash_table_lookup (b->ids, text);
  if (id != NULL)
    return GPOINTER_TO_UINT (id) - 1;

  char skel[SKELETON_SIZE (MAX_TOKEN_BYTES)];
  gsize skel_len = skeleton (text, MIN (len, MAX_TOKEN_BYTES), skel);
  Token t = {
    .u.ptr.text = g_string_chunk_insert (b->strings, text),
    .u.ptr.skel = g_string_chunk_insert (b->strings, skel),
    .len = (guint16) MIN (len, G_MAXUINT16),
    .skel_len = (guint16) skel_len,
    .weight = (float) g_utf8_strlen (text, (gssize) len),
    .generic = is_generic (text, len),
  };
  guint32 n = b->tokens->len;
  g_array_append_val (b->tokens, t);
  g_hash_table_insert (b->ids, (gpointer) t.u.ptr.text, GUINT_TO_POINTER (n + 1));
  return n;
}

/* Adds folded @words (taken over) as a name of entry @e unless they are empty or
 * already a name of @e (@seen holds the sorted words of @e's names so far). */
static void
index_words (Builder *b, const ScreenEntry *e, const char *text, gboolean alias,
             char *words, guint flags, GPtrArray *seen)
{
  char *toks[MAX_NAME_TOKENS];
  guint n = split_tokens (words, toks);
  GString *key = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (key, ' ');
      g_string_append (key, toks[i]);
    }
  if (n == 0 || g_ptr_array_find_with_equal_func (seen, key->str, g_str_equal, NULL))
    {
      g_string_free (key, TRUE);
      g_free (words);
      return;
    }
  g_ptr_array_add (seen, g_string_free (key, FALSE));

  /* The weights come with build_weights(). */
  NameDraft name = { e->index, b->name_tokens->len, 0, text, alias, flags };
  for (guint i = 0; i < n; i++)
    {
      guint32 id = intern_token (b, toks[i], strlen (toks[i]));
      g_array_append_val (b->name_tokens, id);
      name.n_toks++;
    }
  g_array_append_val (b->names, name);
  g_free (words);
}

#define VOCAB_FREE G_MAXUINT64

/* The hash of a token's text for ScreenIndex.vocab: FNV-1a, mixed (the slot comes
 * from the low bits, the check from the high). */
static guint64
vocab_hash (const char *s, gsize len)
{
  guint64 h = G_GUINT64_CONSTANT (14695981039346656037);
  for (gsize i = 0; i < len; i++)
    h = (h ^ (guchar) s[i]) * G_GUINT64_CONSTANT (1099511628211);
  return fmix64 (h);
}

/* The numbering. A query at a million members reads about 240 words that the variant
 * table gives as alike to one of its words, and about 370 names they and its other
 * words are in: reads scattered over a gigabyte, nearly each on a page of its own. Words
 * alike mostly begin alike (Jaro-Winkler rewards a common beginning), so the tokens
 * are numbered in the order of their texts, and the names in the order of their
 * anchors (their rarest words, most often the word of that name alone): a query's
 * candidate words, with their letters, then lie on 0.62 pages of 4 KiB each instead of
 * 0.99, and its names on 0.80 instead of 0.95 (docs/performance.md). The results do
 * not depend on the numbering: between equal candidates of one entry the name added
 * first is taken, by its ScreenIndex.name_order, as before. */

/* Numbers the tokens of @b in the order of the first 8 bytes of their texts (the
 * order they were added among equals: an LSD radix sort of 64-bit keys, stable), and
 * renumbers the names' tokens. Returns the old id of each new one (to be freed). */
static guint32 *
number_tokens_by_text (Builder *b)
{
  typedef struct {
    guint64 key;
    guint32 id;
  } Key;
  guint32 n = b->tokens->len;
  Key *keys = g_new (Key, MAX (n, 1)), *tmp = g_new (Key, MAX (n, 1));
  for (guint32 t = 0; t < n; t++)
    {
      const Token *tok = &g_array_index (b->tokens, Token, t);
      guint64 key = 0;
      for (guint i = 0; i < 8; i++)
        key = key << 8 | (i < tok->len ? (guchar) tok->u.ptr.text[i] : 0);
      keys[t] = (Key) { key, t };
    }
  for (guint shift = 0; shift < 64 && n > 0; shift += 8)
    {
      guint32 count[257] = { 0 };
      for (guint32 t = 0; t < n; t++)
        count[((keys[t].key >> shift) & 0xff) + 1]++;
      if (count[((keys[0].key >> shift) & 0xff) + 1] == n)
        continue; /* the same byte in every key */
      for (guint i = 1; i < 257; i++)
        count[i] += count[i - 1];
      for (guint32 t = 0; t < n; t++)
        tmp[count[(keys[t].key >> shift) & 0xff]++] = keys[t];
      Key *swap = keys;
      keys = tmp;
      tmp = swap;
    }
  /* n guint32 fit in the room of n Keys: the old ids into one, the new into the other. */
  guint32 *old_id = (guint32 *) (gpointer) tmp, *new_id = (guint32 *) (gpointer) keys;
  for (guint32 r = 0; r < n; r++)
    old_id[r] = keys[r].id;
  for (guint32 r = 0; r < n; r++)
    new_id[old_id[r]] = r;
  for (guint i = 0; i < b->name_tokens->len; i++)
    {
      guint32 *id = &g_array_index (b->name_tokens, guint32, i);
      *id = new_id[*id];
    }
  g_free (keys);
  return old_id;
}

/* Numbers the names of @b in the order of their anchors, each name's token with the
 * fewest names (the lowest id among equals), and in the order added among equals (a
 * counting sort). Returns the old index of each new one and sets *@anchor_out to
 * each name's anchor, in the new order, and *@names_of_out to the number of names of
 * each token, by its new id (the lengths of its postings; to be freed). */
static guint32 *
number_names_by_anchor (Builder *b, guint32 **anchor_out, guint32 **names_of_out)
{
  guint32 n = b->names->len, n_tokens = b->tokens->len;
  const guint32 *toks = (const guint32 *) (gpointer) b->name_tokens->data;
  guint32 *count = g_new0 (guint32, (gsize) n_tokens + 1);
  for (guint32 i = 0; i < n; i++)
    {
      /* A name's tokens are sorted by text: a word twice in it is adjacent. */
      const NameDraft *d = &g_array_index (b->names, NameDraft, i);
      for (guint32 k = 0; k < d->n_toks; k++)
        if (k == 0 || toks[d->tok_start + k] != toks[d->tok_start + k - 1])
          count[toks[d->tok_start + k]]++;
    }
  guint32 *anchor = g_new (guint32, MAX (n, 1));
  for (guint32 i = 0; i < n; i++)
    {
      const NameDraft *d = &g_array_index (b->names, NameDraft, i);
      guint32 best = toks[d->tok_start];
      for (guint32 k = 1; k < d->n_toks; k++)
        {
          guint32 t = toks[d->tok_start + k];
          if (count[t] < count[best] || (count[t] == count[best] && t < best))
            best = t;
        }
      anchor[i] = best;
    }
  *names_of_out = count; /* handed over; the sort below counts in an array of its own */
  count = g_new0 (guint32, (gsize) n_tokens + 1);
  for (guint32 i = 0; i < n; i++)
    count[anchor[i] + 1]++;
  for (guint32 t = 1; t <= n_tokens; t++)
    count[t] += count[t - 1];
  guint32 *old_index = g_new (guint32, MAX (n, 1));
  for (guint32 i = 0; i < n; i++)
    old_index[count[anchor[i]]++] = i;
  guint32 *new_anchor = g_new (guint32, MAX (n, 1));
  for (guint32 r = 0; r < n; r++)
    new_anchor[r] = anchor[old_index[r]];
  g_free (anchor);
  g_free (count);
  *anchor_out = new_anchor;
  return old_index;
}

/* Numbers the tokens and names of @b (see "The numbering") and moves what it holds
 * into @ix's tables, each token's text and skeleton into its Token when they fit,
 * else next to each other in ScreenIndex.token_strings, and frees @b. Returns each
 * name's anchor, for build_anchors() (to be freed). */
static guint32 *
builder_freeze (Builder *b, ScreenIndex *ix)
{
  g_autofree guint32 *old_id = number_tokens_by_text (b);
  guint32 *anchor;
  g_autofree guint32 *names_of = NULL;
  ix->name_order = number_names_by_anchor (b, &anchor, &names_of);
  ix->n_tokens = b->tokens->len;
  ix->tokens = table_alloc ((gsize) ix->n_tokens * sizeof (Token));
  for (guint32 t = 0; t < ix->n_tokens; t++)
    {
      ix->tokens[t] = g_array_index (b->tokens, Token, old_id[t]);
      ix->tokens[t].post.len = names_of[t]; /* placed by build_postings() */
    }
  ix->n_names = b->names->len;
  ix->names = table_alloc ((gsize) ix->n_names * sizeof (Name));
  ix->name_texts = table_alloc ((gsize) ix->n_names * sizeof (const char *));
  guint32 n_long = 0;
  for (guint32 i = 0; i < ix->n_names; i++)
    {
      const NameDraft *d = &g_array_index (b->names, NameDraft, i);
      n_long += d->n_toks > NAME_INLINE_TOKENS ? d->n_toks : 0;
    }
  ix->name_tokens = table_alloc ((gsize) n_long * sizeof (guint32));
  ix->name_weights = table_alloc ((gsize) n_long * sizeof (float));
  n_long = 0;
  for (guint32 i = 0; i < ix->n_names; i++)
    {
      const NameDraft *d = &g_array_index (b->names, NameDraft, ix->name_order[i]);
      const guint32 *toks = &g_array_index (b->name_tokens, guint32, d->tok_start);
      Name *name = &ix->names[i];
      *name = (Name) { .entry = d->entry, .n_toks = (guint8) d->n_toks,
                       .alias = (guint8) d->alias, .flags = (guint16) d->flags };
      ix->name_texts[i] = d->text;
      if (d->n_toks <= NAME_INLINE_TOKENS)
        memcpy (name->tok, toks, d->n_toks * sizeof (guint32));
      else
        {
          name->tok_start = n_long;
          memcpy (&ix->name_tokens[n_long], toks, d->n_toks * sizeof (guint32));
          n_long += d->n_toks;
        }
    }
  for (guint32 t = 0; t < ix->n_tokens; t++)
    {
      const Token *tok = &ix->tokens[t];
      letters_of (tok->u.ptr.text, tok->len, ix->tokens[t].letters);
      letters_of (tok->u.ptr.skel + 1, tok->skel_len - 2u, &ix->tokens[t].letters[1]);
    }
  gsize bytes = 0;
  for (guint32 t = 0; t < ix->n_tokens; t++)
    if (ix->tokens[t].len + ix->tokens[t].skel_len > TOKEN_INLINE_BYTES)
      bytes += ix->tokens[t].len + 1u + ix->tokens[t].skel_len + 1u;
  ix->token_strings = table_alloc (bytes);
  char *w = ix->token_strings;
  for (guint32 t = 0; t < ix->n_tokens; t++)
    {
      Token *tok = &ix->tokens[t];
      const char *text = tok->u.ptr.text, *skel = tok->u.ptr.skel;
      if (tok->len + tok->skel_len <= TOKEN_INLINE_BYTES)
        {
          memcpy (tok->u.bytes, text, tok->len);
          memcpy (tok->u.bytes + tok->len, skel, tok->skel_len);
          tok->inline_strings = TRUE;
          continue;
        }
      memcpy (w, text, tok->len + 1u);
      tok->u.ptr.text = w;
      w += tok->len + 1u;
      memcpy (w, skel, tok->skel_len + 1u);
      tok->u.ptr.skel = w;
      w += tok->skel_len + 1u;
    }
  builder_discard (b);

  guint32 size = 16;
  while (size < 2 * ix->n_tokens)
    size *= 2;
  ix->vocab = table_alloc ((gsize) size * sizeof (guint64));
  memset (ix->vocab, 0xff, (gsize) size * sizeof (guint64));
  ix->vocab_mask = size - 1;
  for (guint32 t = 0; t < ix->n_tokens; t++)
    {
      guint64 h = vocab_hash (token_text (&ix->tokens[t]), ix->tokens[t].len);
      guint32 i = (guint32) h & ix->vocab_mask;
      while (ix->vocab[i] != VOCAB_FREE)
        i = (i + 1) & ix->vocab_mask;
      ix->vocab[i] = (h >> 32) << 32 | t;
    }
  return anchor;
}

/* The token whose text is the @len bytes at @s, or G_MAXUINT32. */
static guint32
vocab_find (const ScreenIndex *ix, const char *s, gsize len)
{
  if (len > G_MAXUINT16)
    return G_MAXUINT32;
  guint64 h = vocab_hash (s, len);
  for (guint32 i = (guint32) h & ix->vocab_mask;; i = (i + 1) & ix->vocab_mask)
    {
      guint64 slot = ix->vocab[i];
      if (slot == VOCAB_FREE)
        return G_MAXUINT32;
      const Token *t = &ix->tokens[(guint32) slot];
      if (slot >> 32 == h >> 32 && t->len == len && memcmp (token_text (t), s, len) == 0)
        return (guint32) slot;
    }
}

/* Adds one name of entry @e as folded and, when it has letters of another script,
 * as transliterated to Latin. */
static void
index_name (Builder *b, const ScreenEntry *e, const char *text, gboolean alias,
            GPtrArray *seen)
{
  guint fold_flags = 0;
  index_words (b, e, text, alias, screen_fold (text, -1, &fold_flags), 0, seen);
  if (fold_flags & SCREEN_FOLD_OTHER_SCRIPT)
    {
      char *latin = screen_fold_latin (text, -1, NULL);
      if (latin != NULL)
        index_words (b, e, text, alias, latin, SCREEN_HIT_TRANSLITERATED, seen);
    }
}

/* The distinct token ids of @name into @out; a name's tokens are sorted by text, so
 * repeats ("abu abu") are adjacent. Returns how many. */
static guint
distinct_tokens (const ScreenIndex *ix, const Name *name, guint32 *out)
{
  const guint32 *toks = name_toks (ix, name);
  guint n = 0;
  for (guint k = 0; k < name->n_toks; k++)
    if (n == 0 || out[n - 1] != toks[k])
      out[n++] = toks[k];
  return n;
}

/* Places the runs at byte @offset of each token (Token.post or Token.anchor) in a
 * table of all of them, from their lengths, and returns the table's length. A run of
 * one keeps its only item in its start itself (see run_items()); any other gets the
 * *end* of its place, which fill_run() moves back to its start. */
static guint32
place_runs (Token *tokens, guint32 n_tokens, gsize offset)
{
  guint32 total = 0;
  for (guint32 t = 0; t < n_tokens; t++)
    {
      Run *r = (Run *) ((char *) &tokens[t] + offset);
      if (r->len > 1)
        total += r->len;
      r->start = total;
    }
  return total;
}

/* Adds item @i to run @r placed by place_runs() in @table; items added in decreasing
 * order end up in increasing order. */
static inline void
fill_run (guint32 *table, Run *r, guint32 i)
{
  if (r->len == 1)
    r->start = i;
  else
    table[--r->start] = i;
}

/* The r->len items of run @r of @table, in increasing order. A run of one holds its
 * item itself: in a large list most tokens are the word of a single name, and a query
 * that reaches them as neighbours then reads no postings. */
static inline const guint32 *
run_items (const guint32 *table, const Run *r)
{
  return r->len == 1 ? &r->start : &table[r->start];
}

/* The postings of each token, whose lengths builder_freeze() set. */
static void
build_postings (ScreenIndex *ix)
{
  Token *tokens = ix->tokens;
  guint32 toks[MAX_NAME_TOKENS];
  guint32 total = place_runs (tokens, ix->n_tokens, G_STRUCT_OFFSET (Token, post));
  ix->postings = table_alloc ((gsize) total * sizeof (guint32));
  for (guint i = ix->n_names; i-- > 0;)
    {
      guint n = distinct_tokens (ix, &ix->names[i], toks);
      for (guint k = 0; k < n; k++)
        fill_run (ix->postings, &tokens[toks[k]].post, i);
    }
}

/* Token weights: length times an inverse document frequency factor,
 * ln (N / df) / ln 1000 within [MIN_IDF_FACTOR, 1] with N the number of names (at
 * least 1000, so that a small list does not make every word common): a word in one
 * name in a thousand or fewer weighs its full length. Generic words weigh
 * GENERIC_FACTOR. Then each name's token weights and their sum. */
static void
build_weights (ScreenIndex *ix)
{
  double n = MAX (ix->n_names, 1000);
  for (guint t = 0; t < ix->n_tokens; t++)
    {
      Token *tok = &ix->tokens[t];
      double f = tok->generic ? GENERIC_FACTOR
                              : CLAMP (log (n / MAX (tok->post.len, 1)) / log (1000.0),
                                       MIN_IDF_FACTOR, 1.0);
      tok->weight = (float) (tok->weight * f);
    }
  for (guint i = 0; i < ix->n_names; i++)
    {
      Name *name = &ix->names[i];
      const guint32 *toks = name_toks (ix, name);
      float *weights = name_tok_weights (ix, name);
      name->weight = 0;
      for (guint k = 0; k < name->n_toks; k++)
        {
          weights[k] = ix->tokens[toks[k]].weight;
          name->weight += weights[k];
        }
    }
}

/* The names grouped by their anchors (@anchor, from builder_freeze()). */
static void
build_anchors (ScreenIndex *ix, const guint32 *anchor)
{
  Token *tokens = ix->tokens;
  for (guint i = 0; i < ix->n_names; i++)
    tokens[anchor[i]].anchor.len++;
  guint32 total = place_runs (tokens, ix->n_tokens, G_STRUCT_OFFSET (Token, anchor));
  ix->anchors = table_alloc ((gsize) total * sizeof (guint32));
  for (guint i = ix->n_names; i-- > 0;)
    fill_run (ix->anchors, &tokens[anchor[i]].anchor, i);
}

/* The variant hashes of token @tok into @hashes; returns how many. (Repeats, such as
 * the deletions of either of two equal letters, are rare, and harmless: a lookup
 * marks each token once.) */
static guint
token_variants (const Token *tok, guint64 *hashes)
{
  return variants (token_text (tok), tok->len, token_skel (tok), tok->skel_len, FALSE,
                   hashes);
}

/* ------------------------------------------------------------------------------
 * Building on several threads
 *
 * The variant table and the neighbours of a large index are built by up to
 * build_threads() threads. Each takes the next part of the work from a shared
 * counter until none is left; what they build does not depend on which thread took
 * which part (the variant lines are sorted, the neighbours kept by part), so the
 * index is the same on any number of threads.
 */

/* Up to this many threads; below MIN_THREADED_TOKENS, one (threads cost more than
 * they save on a small list). */
#define MAX_BUILD_THREADS    8
#define MIN_THREADED_TOKENS  100000
#define MAX_PART_TOKENS      4096   /* tokens in a part of the work, at most */
#define PART_LINES           65536  /* variant lines in a part of the sorting */

/* Tokens in a part: a few dozen parts a thread, so that they share the work evenly. */
static guint
part_tokens (guint n_tokens, guint n_threads)
{
  return CLAMP (n_tokens / (32 * n_threads), 64, MAX_PART_TOKENS);
}

static guint
build_threads (guint n_tokens, guint requested)
{
  if (requested > 0)
    return MIN (requested, MAX_BUILD_THREADS);
  if (n_tokens < MIN_THREADED_TOKENS)
    return 1;
  return (guint) CLAMP (g_get_num_processors (), 1, MAX_BUILD_THREADS);
}

/* Runs @func (@data) on up to @n_threads threads, this one among them, and returns
 * when every one has returned. A thread the system refuses is one fewer: the others
 * take its parts. */
static void
run_on_threads (GThreadFunc func, gpointer data, guint n_threads)
{
  GThread *threads[MAX_BUILD_THREADS];
  guint n = 0;
  for (guint i = 1; i < n_threads; i++)
    {
      GThread *t = g_thread_try_new ("screen-index", func, data, NULL);
      if (t != NULL)
        threads[n++] = t;
    }
  func (data);
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
}

/* The next part of @n_parts from the shared counter @next, or @n_parts when none is
 * left. */
static guint
next_part (gint *next, guint n_parts)
{
  gint p = g_atomic_int_add (next, 1);
  return p < 0 || (guint) p >= n_parts ? n_parts : (guint) p;
}

/* The variant table is filled in two passes over the tokens' variants, count and
 * place, each a round of tokens at a time. In a round, threads first hash parts of its
 * tokens and sort each part's variants by the partition of their home line (a range
 * of PARTITION_LINES lines); then threads take partitions and apply every part's
 * variants of theirs. The counts and slots one partition touches (a few hundred KB)
 * stay in the cache, where applying the variants in token order missed it for nearly
 * every variant, and no two threads touch the same line's count or fill point. */
#define ROUND_VARIANTS  (4u << 20) /* variants in a round, at most: a 32 MB buffer */
#define PARTITION_LINES 4096       /* lines in a partition: 16 KB of counts */

typedef struct {
  guint32 first, end;  /* its tokens */
  gsize   base;        /* where its variants start in the round's buffer */
  gsize   most;        /* max_variants() of its tokens, in all */
} VariantsPart;

/* Variants that this many tokens share or more are counted together when the lines
 * are sorted; below, one by one (to choose VariantsWork.min_shared). */
#define SHARED_SIZES 256

typedef struct {
  ScreenIndex  *ix;
  guint         pass;         /* 0: count each line's variants; 1: place them; 2: sort;
                                 3: move the shared variants out of line */
  guint         phase;        /* 0: hash and sort parts; 1: apply partitions */
  VariantsPart *parts;        /* of the round */
  guint         n_parts;
  guint32       n_partitions;
  guint32      *offsets;      /* per part, n_partitions + 1: each partition's start */
  guint64      *buffer;       /* the round's variants: home line << 32 | slot */
  gsize         most_in_part; /* the largest VariantsPart.most */
  gsize         n_slots;
  gint          next;         /* the next part or partition to take (atomic) */
  guint32      *count;        /* each home line's variants */
  gsize        *end;          /* each home line's run ends here (in pass 1, its fill point) */
  /* Pass 2: for each part of PART_LINES lines, the number of variants shared by k
   * tokens (k from MIN_SHARED to SHARED_SIZES - 1; at [SHARED_SIZES], by
   * SHARED_SIZES or more, and at [SHARED_SIZES + 1] their tokens in all). */
  guint64      *sizes;
  guint32       min_shared;   /* pass 3: variants of this many tokens or more move */
  guint64      *shared_base;  /* pass 3: each part's first shared variant id and the
                                 first of its tokens in ScreenIndex.shared_tokens */
} VariantsWork;

#define SIZES_STRIDE (SHARED_SIZES + 2)

/* The end of the group of slots from @i among @n sorted slots @v with the same
 * fragment, whose slots are the tokens that share one variant (bar collisions). */
static inline guint32
same_fragment_end (const guint32 *v, guint32 i, guint32 n, guint shift)
{
  guint32 j = i + 1;
  while (j < n && v[j] >> shift == v[i] >> shift)
    j++;
  return j;
}

/* Sorts each home line's run of lines [first, end), part @part (the threads placed
 * them in any order; a handful of slots each, by insertion), marks the slots between
 * it and the next line's run free, and counts the variants that MIN_SHARED tokens
 * share or more, by size (VariantsWork.sizes). */
static void
sort_variant_lines (VariantsWork *w, guint part, guint32 first, guint32 end)
{
  guint64 *sizes = &w->sizes[(gsize) part * SIZES_STRIDE];
  guint shift = w->ix->token_bits + 1;
  for (guint32 l = first; l < end; l++)
    {
      guint32 *v = w->ix->variant_slots + w->end[l] - w->count[l];
      guint32 n = w->count[l];
      gsize next = l + 1 < w->ix->n_variant_lines ? w->end[l + 1] - w->count[l + 1]
                                                  : w->n_slots;
      for (gsize k = w->end[l]; k < next; k++)
        w->ix->variant_slots[k] = VARIANT_FREE;
      for (guint32 i = 1; i < n; i++)
        {
          guint32 x = v[i];
          guint32 j = i;
          for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
          v[j] = x;
        }
      for (guint32 i = 0; i < n;)
        {
          guint32 j = same_fragment_end (v, i, n, shift);
          if (j - i >= MIN_SHARED)
            {
              sizes[MIN (j - i, SHARED_SIZES)]++;
              if (j - i >= SHARED_SIZES)
                sizes[SHARED_SIZES + 1] += j - i;
            }
          i = j;
        }
    }
}

/* Moves the variants that w->min_shared tokens share or more out of the lines
 * [first, end), part @part: their tokens to ScreenIndex.shared_tokens, and a slot
 * with their id in their place. Each line's run stays where it starts, shorter. */
static void
move_shared_variants (VariantsWork *w, guint part, guint32 first, guint32 end)
{
  ScreenIndex *ix = w->ix;
  guint tb = ix->token_bits;
  guint32 token_mask = (guint32) ((G_GUINT64_CONSTANT (1) << tb) - 1);
  guint32 id = (guint32) w->shared_base[2 * part];
  gsize at = w->shared_base[2 * part + 1];
  for (guint32 l = first; l < end; l++)
    {
      guint32 *v = ix->variant_slots + w->end[l] - w->count[l];
      guint32 n = w->count[l], kept = 0;
      for (guint32 i = 0; i < n;)
        {
          guint32 j = same_fragment_end (v, i, n, tb + 1);
          if (j - i < w->min_shared)
            {
              memmove (v + kept, v + i, (j - i) * sizeof *v);
              kept += j - i;
            }
          else
            {
              ix->shared_runs[id] = (Run) { (guint32) at, j - i };
              for (guint32 k = i; k < j; k++)
                ix->shared_tokens[at++] = v[k] & token_mask;
              /* Its fragment, the shared bit and its id (see variant_slot()). */
              v[kept++] = (v[i] >> (tb + 1) << (tb + 1)) | (1u << tb) | id++;
            }
          i = j;
        }
      w->end[l] -= n - kept;
      w->count[l] = kept;
    }
}

/* Hashes the variants of part @k into the round's buffer, sorted by partition. */
static void
hash_variants_part (VariantsWork *w, guint k, guint64 *scratch, guint64 *hashes)
{
  ScreenIndex *ix = w->ix;
  const VariantsPart *part = &w->parts[k];
  guint32 *offsets = &w->offsets[(gsize) k * (w->n_partitions + 1)];
  memset (offsets, 0, (w->n_partitions + 1) * sizeof (guint32));
  gsize n = 0;
  for (guint32 t = part->first; t < part->end; t++)
    {
      guint nv = token_variants (&ix->tokens[t], hashes);
      for (guint i = 0; i < nv; i++)
        {
          guint32 line = (guint32) (variant_home (ix, hashes[i]) / VARIANT_LINE);
          scratch[n++] = (guint64) line << 32 | variant_slot (ix, hashes[i], t);
          offsets[line / PARTITION_LINES + 1]++;
        }
    }
  for (guint32 p = 0; p < w->n_partitions; p++)
    offsets[p + 1] += offsets[p];
  /* offsets[p] serves as partition p's fill point, then is restored. */
  guint64 *out = w->buffer + part->base;
  for (gsize i = 0; i < n; i++)
    out[offsets[(scratch[i] >> 32) / PARTITION_LINES]++] = scratch[i];
  for (guint32 p = w->n_partitions; p > 0; p--)
    offsets[p] = offsets[p - 1];
  offsets[0] = 0;
}

/* Counts or places every variant of the round whose home line is in partition @p. */
static void
apply_variants_partition (VariantsWork *w, guint32 p)
{
  guint32 *slots = w->ix->variant_slots;
  for (guint k = 0; k < w->n_parts; k++)
    {
      const guint32 *offsets = &w->offsets[(gsize) k * (w->n_partitions + 1)];
      const guint64 *v = w->buffer + w->parts[k].base;
      for (guint32 i = offsets[p]; i < offsets[p + 1]; i++)
        {
          guint32 line = (guint32) (v[i] >> 32);
          if (w->pass == 0)
            w->count[line]++;
          else
            slots[w->end[line]++] = (guint32) v[i];
        }
    }
}

static gpointer
variants_worker (gpointer data)
{
  VariantsWork *w = data;
  if (w->pass >= 2)
    {
      guint n = (w->ix->n_variant_lines + PART_LINES - 1) / PART_LINES;
      for (guint p; (p = next_part (&w->next, n)) < n;)
        (w->pass == 2 ? sort_variant_lines : move_shared_variants) (
          w, p, p * PART_LINES, MIN ((p + 1) * PART_LINES, w->ix->n_variant_lines));
    }
  else if (w->phase == 0)
    {
      g_autofree guint64 *scratch = g_new (guint64, MAX (w->most_in_part, 1));
      g_autofree guint64 *hashes = g_new (guint64, MAX_VARIANTS);
      for (guint k; (k = next_part (&w->next, w->n_parts)) < w->n_parts;)
        hash_variants_part (w, k, scratch, hashes);
    }
  else
    for (guint p; (p = next_part (&w->next, w->n_partitions)) < w->n_partitions;)
      apply_variants_partition (w, p);
  return NULL;
}

/* Groups @parts into rounds: parts while their variants fit ROUND_VARIANTS, or one
 * that does not alone. Sets each part's base; returns the round starts (n_rounds + 1
 * of them) and the most parts in a round. */
static guint *
variants_rounds (VariantsPart *parts, guint n_parts, guint *n_rounds, guint *most_parts)
{
  guint *starts = g_new (guint, n_parts + 1);
  *n_rounds = 0;
  *most_parts = 0;
  for (guint first = 0; first < n_parts;)
    {
      gsize total = 0;
      guint end = first;
      while (end < n_parts && (end == first || total + parts[end].most <= ROUND_VARIANTS))
        {
          parts[end].base = total;
          total += parts[end++].most;
        }
      starts[(*n_rounds)++] = first;
      *most_parts = MAX (*most_parts, end - first);
      first = end;
    }
  starts[*n_rounds] = n_parts;
  return starts;
}

/* Runs pass @pass (0: count, 1: place) of @w over the rounds of @parts. */
static void
variants_pass (VariantsWork *w, guint pass, VariantsPart *parts, const guint *starts,
               guint n_rounds, guint n_threads)
{
  w->pass = pass;
  for (guint r = 0; r < n_rounds; r++)
    {
      w->parts = parts + starts[r];
      w->n_parts = starts[r + 1] - starts[r];
      for (w->phase = 0; w->phase < 2; w->phase++)
        {
          w->next = 0;
          run_on_threads (variants_worker, w, n_threads);
        }
    }
}

/* At least as many variants as token_variants() gives a token of @len bytes whose
 * padded skeleton has @skel_len: deletions of text and skeleton, and prefixes. */
static gsize
max_variants (gsize len, gsize skel_len)
{
  gsize n = 0;
  for (guint k = 0; k < 2; k++)
    {
      gsize l = MIN (k == 0 ? len : skel_len - 2, MAX_TOKEN_BYTES);
      n += 1 + l + (max_deletions (l) >= 2 ? l * (l - 1) / 2 : 0);
    }
  return n + 1 + MIN (len, MAX_PREFIX + 1);
}

/* The fewest tokens, from MIN_SHARED, that a variant moved out of line has, such that
 * the shared variants' ids fit in a slot's token bits and none is all ones; 0 when
 * there are none to move. */
static guint32
choose_min_shared (const VariantsWork *w, guint n_line_parts)
{
  guint64 by_size[SIZES_STRIDE] = { 0 };
  for (guint p = 0; p < n_line_parts; p++)
    for (guint k = MIN_SHARED; k <= SHARED_SIZES; k++)
      by_size[k] += w->sizes[(gsize) p * SIZES_STRIDE + k];
  guint64 ids = (G_GUINT64_CONSTANT (1) << w->ix->token_bits) - 1, at_least = 0;
  guint32 k = SHARED_SIZES;
  for (; k >= MIN_SHARED && at_least + by_size[k] <= ids; k--)
    at_least += by_size[k];
  return at_least == 0 ? 0 : k + 1;
}

/* Moves the variants of w->min_shared tokens or more out of line (see "Shared
 * variants"), then lays the shorter runs out again from the first line on. */
static void
move_shared (VariantsWork *w, guint n_line_parts, guint n_threads)
{
  ScreenIndex *ix = w->ix;
  w->min_shared = choose_min_shared (w, n_line_parts);
  if (w->min_shared == 0)
    return;

  /* Each part's first shared variant and token, so that the threads write apart. */
  w->shared_base = g_new (guint64, 2 * (gsize) n_line_parts);
  guint64 ids = 0, tokens = 0;
  for (guint p = 0; p < n_line_parts; p++)
    {
      const guint64 *sizes = &w->sizes[(gsize) p * SIZES_STRIDE];
      w->shared_base[2 * p] = ids;
      w->shared_base[2 * p + 1] = tokens;
      for (guint k = w->min_shared; k < SHARED_SIZES; k++)
        {
          ids += sizes[k];
          tokens += sizes[k] * k;
        }
      ids += sizes[SHARED_SIZES];
      tokens += sizes[SHARED_SIZES + 1];
    }
  ix->shared_runs = table_alloc (ids * sizeof (Run));
  ix->shared_tokens = table_alloc (tokens * sizeof (guint32));
  w->pass = 3;
  w->next = 0;
  run_on_threads (variants_worker, w, n_threads);
  g_free (w->shared_base);

  /* Each run moves down to where its line starts, or to where the run before now
   * ends; a run never moves up, so one pass in line order does it. */
  guint32 *slots = ix->variant_slots;
  gsize at = 0;
  for (guint32 l = 0; l < ix->n_variant_lines; l++)
    {
      gsize start = w->end[l] - w->count[l];
      gsize to = MAX (at, (gsize) l * VARIANT_LINE);
      for (gsize k = at; k < to; k++)
        slots[k] = VARIANT_FREE;
      memmove (slots + to, slots + start, w->count[l] * sizeof *slots);
      at = to + w->count[l];
    }
  for (gsize k = at; k < w->n_slots; k++)
    slots[k] = VARIANT_FREE;
}

/* Two passes over the tokens' variants: count each home line's, then place them;
 * then sort each line's run, so that the table does not depend on which thread
 * placed what; then move the shared variants out of line. */
static void
build_variants (ScreenIndex *ix, guint n_threads)
{
  guint n_tokens = ix->n_tokens;
  ix->token_bits = 1;
  while (ix->token_bits < 30 && (G_GUINT64_CONSTANT (1) << ix->token_bits) <= n_tokens)
    ix->token_bits++; /* and a bit for shared variants: a slot keeps a fragment */

  /* The parts of the work, and the table's size from their most variants. */
  guint part_size = part_tokens (n_tokens, n_threads);
  guint n_parts = (n_tokens + part_size - 1) / part_size;
  g_autofree VariantsPart *parts = g_new0 (VariantsPart, MAX (n_parts, 1));
  gsize most = 0, most_in_part = 0;
  for (guint k = 0; k < n_parts; k++)
    {
      parts[k].first = k * part_size;
      parts[k].end = MIN ((k + 1) * part_size, n_tokens);
      for (guint32 t = parts[k].first; t < parts[k].end; t++)
        parts[k].most += max_variants (ix->tokens[t].len, ix->tokens[t].skel_len);
      most += parts[k].most;
      most_in_part = MAX (most_in_part, parts[k].most);
    }
  ix->n_variant_lines = (guint32) MIN ((gsize) (most / (VARIANT_LINE * VARIANT_LOAD)) + 1,
                                       G_MAXUINT32);
  guint32 n_lines = ix->n_variant_lines;

  VariantsWork w = {
    .ix = ix,
    .n_partitions = (n_lines + PARTITION_LINES - 1) / PARTITION_LINES,
    .most_in_part = most_in_part,
    .count = g_new0 (guint32, n_lines),
    .end = g_new (gsize, n_lines),
  };
  guint n_rounds, most_parts;
  g_autofree guint *starts = variants_rounds (parts, n_parts, &n_rounds, &most_parts);
  w.offsets = g_new (guint32, (gsize) MAX (most_parts, 1) * (w.n_partitions + 1));
  w.buffer = g_new (guint64, MAX (MAX ((gsize) ROUND_VARIANTS, most_in_part), 1));
  variants_pass (&w, 0, parts, starts, n_rounds, n_threads);

  /* Each line's run starts where its line does, or where the line before's ended. */
  gsize at = 0;
  for (guint32 l = 0; l < n_lines; l++)
    {
      w.end[l] = MAX (at, (gsize) l * VARIANT_LINE); /* the fill point, for now */
      at = w.end[l] + w.count[l];
    }
  /* A free slot after the last run, and the last line whole. The free slots are
   * marked when the lines are sorted, on every thread: a memset of the whole table
   * here took a million-member build 1.2 s on one. */
  w.n_slots = (at / VARIANT_LINE + 1) * VARIANT_LINE;
  ix->variant_slots = table_alloc (w.n_slots * sizeof (guint32));

  variants_pass (&w, 1, parts, starts, n_rounds, n_threads);
  g_free (w.buffer);
  g_free (w.offsets);

  guint n_line_parts = (n_lines + PART_LINES - 1) / PART_LINES;
  w.sizes = g_new0 (guint64, (gsize) n_line_parts * SIZES_STRIDE);
  w.pass = 2;
  w.next = 0;
  run_on_threads (variants_worker, &w, n_threads);
  move_shared (&w, n_line_parts, n_threads);
  g_free (w.sizes);
  g_free (w.count);
  g_free (w.end);
}

/* Neighbours are computed when the index is built for every token of a vocabulary of
 * up to PRECOMPUTE_ALL tokens (the whole CSL has about 60,000); in a larger one only
 * for tokens in MIN_PRECOMPUTED_POSTINGS names or more. A query finds those of the
 * others (most of the vocabulary of a large list: a surname, a company's own word)
 * the way it finds those of an unknown token, with the same find_similar(), so the
 * results are the same either way. The build of a large index then costs in
 * proportion to its common words, not to its vocabulary. A word of two names is
 * hardly more likely in a query than one of a single name: in a rule file of a
 * million generated names, precomputing theirs took 1.8 s of a 15.5 s load and
 * 120 MB. */
#define PRECOMPUTE_ALL           200000
#define MIN_PRECOMPUTED_POSTINGS 3
#define NOT_PRECOMPUTED          G_MAXUINT32

typedef struct {
  ScreenIndex *ix;
  guint        part;       /* tokens in a part */
  guint        n_parts;
  gint         next;       /* the next part to take (atomic) */
  GArray     **found;      /* each part's neighbours, nb.start relative to them */
} NeighboursWork;

static gpointer
neighbours_worker (gpointer data)
{
  NeighboursWork *w = data;
  ScreenIndex *ix = w->ix;
  guint n_tokens = ix->n_tokens;
  g_autofree guint8 *marks = g_new0 (guint8, MAX (n_tokens, 1));
  g_autoptr (GArray) touched = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint p; (p = next_part (&w->next, w->n_parts)) < w->n_parts;)
    {
      GArray *found = w->found[p] = g_array_new (FALSE, FALSE, sizeof (Neighbour));
      guint end = MIN ((p + 1) * w->part, n_tokens);
      for (guint t = p * w->part; t < end; t++)
        {
          Token *tok = &ix->tokens[t];
          if (n_tokens > PRECOMPUTE_ALL && tok->post.len < MIN_PRECOMPUTED_POSTINGS)
            {
              tok->nb.start = NOT_PRECOMPUTED;
              tok->nb.len = 0;
              continue;
            }
          tok->nb.start = found->len;
          Probe probe;
          probe_init (&probe, token_text (tok), tok->len, token_skel (tok), tok->skel_len);
          find_similar (ix, &probe, FALSE, marks, touched, found);
          tok->nb.len = found->len - tok->nb.start;
        }
    }
  return NULL;
}

static void
build_neighbours (ScreenIndex *ix, guint n_threads)
{
  guint n_tokens = ix->n_tokens;
  guint part = part_tokens (n_tokens, n_threads);
  NeighboursWork w = { ix, part, (n_tokens + part - 1) / part, 0, NULL };
  w.found = g_new0 (GArray *, MAX (w.n_parts, 1));
  run_on_threads (neighbours_worker, &w, n_threads);

  /* The parts' neighbours one after the other, in the order of the parts. */
  gsize total = 0;
  for (guint p = 0; p < w.n_parts; p++)
    total += w.found[p]->len;
  ix->neighbours = table_alloc (total * sizeof (Neighbour));
  gsize at = 0;
  for (guint p = 0; p < w.n_parts; p++)
    {
      if (w.found[p]->len > 0)
        memcpy (ix->neighbours + at, w.found[p]->data, w.found[p]->len * sizeof (Neighbour));
      guint end = MIN ((p + 1) * part, n_tokens);
      for (guint t = p * part; t < end; t++)
        if (ix->tokens[t].nb.start != NOT_PRECOMPUTED)
          ix->tokens[t].nb.start += (guint32) at;
      at += w.found[p]->len;
      g_array_unref (w.found[p]);
    }
  g_free (w.found);

  /* What a query pays to take a token's candidates, known without reading the
   * Token of every neighbour. */
  for (guint t = 0; t < n_tokens; t++)
    {
      Token *tok = &ix->tokens[t];
      guint64 cost = 0;
      for (guint32 k = 0; tok->nb.start != NOT_PRECOMPUTED && k < tok->nb.len; k++)
        cost += ix->tokens[ix->neighbours[tok->nb.start + k].token].post.len;
      tok->nb_cost = (guint32) MIN (cost, G_MAXUINT32);
    }
}

static char *
identifier_key (const char *kind, const char *value)
{
  return g_strconcat (kind, "\x1F", value, NULL);
}

static void
build_identifiers (ScreenIndex *ix, const ScreenEntry *e)
{
  for (guint i = 0; i < e->identifiers->len; i++)
    {
      const ScreenIdentifier *id = &g_array_index (e->identifiers, ScreenIdentifier, i);
      g_autofree char *key = identifier_key (id->kind, id->value);
      GArray *entries = g_hash_table_lookup (ix->identifiers, key);
      if (entries == NULL)
        {
          entries = g_array_new (FALSE, FALSE, sizeof (guint));
          g_hash_table_insert (ix->identifiers, g_steal_pointer (&key), entries);
        }
      if (entries->len == 0 || g_array_index (entries, guint, entries->len - 1) != e->index)
        g_array_append_val (entries, e->index);
    }
}

ScreenIndex *
screen_index_new (ScreenList *list)
{
  return screen_index_new_threads (list, 0);
}

/* An index that has its names but not yet its tables, and the builder of its names:
 * room for @n_names names and aliases (the transliterations of other scripts come on
 * top), about two words each, and a new word in every name (a large list's vocabulary
 * is about as large as its names): growing these arrays by doubling copied them over
 * and over. */
static ScreenIndex *
index_begin (ScreenList *list, guint n_names, Builder *b)
{
  ScreenIndex *ix = g_new0 (ScreenIndex, 1);
  ix->list = screen_list_ref (list);
  ix->identifiers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_array_unref);
  *b = (Builder) {
    .strings = g_string_chunk_new (64 * 1024),
    .ids = g_hash_table_new (g_str_hash, g_str_equal),
    .tokens = g_array_sized_new (FALSE, FALSE, sizeof (Token), n_names),
    .names = g_array_sized_new (FALSE, FALSE, sizeof (NameDraft), n_names),
    .name_tokens = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 2 * n_names),
  };
  return ix;
}

/* Adds the names, aliases and identifiers of entry @e; @seen is scratch. */
static void
index_entry (Builder *b, ScreenIndex *ix, const ScreenEntry *e, GPtrArray *seen)
{
  g_ptr_array_set_size (seen, 0);
  index_name (b, e, e->name, FALSE, seen);
  for (guint a = 0; a < e->aliases->len; a++)
    index_name (b, e, g_ptr_array_index (e->aliases, a), TRUE, seen);
  build_identifiers (ix, e);
}

/* Freezes the list and builds the index's tables from @b (freed). */
static ScreenIndex *
index_finish (ScreenIndex *ix, Builder *b, guint n_threads)
{
  screen_list_freeze (ix->list);
  g_autofree guint32 *anchor = builder_freeze (b, ix);
  build_postings (ix);
  build_weights (ix);
  build_anchors (ix, anchor);
  n_threads = build_threads (ix->n_tokens, n_threads);
  build_variants (ix, n_threads);
  build_neighbours (ix, n_threads);
  return ix;
}

ScreenIndex *
screen_index_new_threads (ScreenList *list, guint n_threads)
{
  g_return_val_if_fail (list != NULL, NULL);

  guint n_names = 0;
  for (guint i = 0; i < screen_list_get_n_entries (list); i++)
    n_names += 1 + screen_list_get_entry (list, i)->aliases->len;
  Builder b;
  ScreenIndex *ix = index_begin (list, n_names, &b);
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < screen_list_get_n_entries (list); i++)
    index_entry (&b, ix, screen_list_get_entry (list, i), seen);
  return index_finish (ix, &b, n_threads);
}

/* ------------------------------------------------------------------------------
 * Building while the list is filled
 *
 * A ScreenIndexBuilder indexes the names of each entry on a thread of its own as the
 * entries are added, in batches through a queue, so that a loader that adds a long
 * list one member at a time and then builds the index waits for the names' words
 * only as long as its own reading takes. The entries are the list's, complete once
 * screen_list_add() has returned them; the builder takes them in the order added.
 *
 * The queue is a GQueue under a POSIX mutex and condition, not a GAsyncQueue: GLib
 * 2.74's GMutex is built on futexes of its own, which ThreadSanitizer cannot see, so
 * it would report every entry handed over as a race.
 */
#define BUILDER_BATCH 4096

struct _ScreenIndexBuilder {
  ScreenIndex    *ix;
  Builder         b;
  pthread_mutex_t lock;
  pthread_cond_t  queued;
  GQueue          batches;  /* of GPtrArray; the builder itself ends them (under lock) */
  GPtrArray      *batch;    /* entries not yet queued */
  GThread        *thread;   /* NULL: the entries are indexed as they come */
  GPtrArray      *seen;
  guint           n_added;
};

static void
builder_push (ScreenIndexBuilder *bld, gpointer batch)
{
  pthread_mutex_lock (&bld->lock);
  g_queue_push_tail (&bld->batches, batch);
  pthread_cond_signal (&bld->queued);
  pthread_mutex_unlock (&bld->lock);
}

static void
builder_take (ScreenIndexBuilder *bld, GPtrArray *batch)
{
  for (guint i = 0; i < batch->len; i++)
    index_entry (&bld->b, bld->ix, g_ptr_array_index (batch, i), bld->seen);
  g_ptr_array_unref (batch);
}

/* Gives the current batch to the thread, or indexes it here when there is none. */
static void
builder_hand_over (ScreenIndexBuilder *bld)
{
  if (bld->thread != NULL)
    builder_push (bld, bld->batch);
  else
    builder_take (bld, bld->batch);
  bld->batch = NULL;
}

static gpointer
builder_thread (gpointer data)
{
  ScreenIndexBuilder *bld = data;
  for (;;)
    {
      pthread_mutex_lock (&bld->lock);
      while (g_queue_is_empty (&bld->batches))
        pthread_cond_wait (&bld->queued, &bld->lock);
      gpointer batch = g_queue_pop_head (&bld->batches);
      pthread_mutex_unlock (&bld->lock);
      if (batch == bld)
        return NULL;
      builder_take (bld, batch);
    }
}

ScreenIndexBuilder *
screen_index_builder_new (ScreenList *list, guint expected)
{
  g_return_val_if_fail (list != NULL, NULL);
  g_return_val_if_fail (screen_list_get_n_entries (list) == 0, NULL);

  ScreenIndexBuilder *bld = g_new0 (ScreenIndexBuilder, 1);
  bld->ix = index_begin (list, expected, &bld->b);
  pthread_mutex_init (&bld->lock, NULL);
  pthread_cond_init (&bld->queued, NULL);
  g_queue_init (&bld->batches);
  bld->batch = g_ptr_array_sized_new (BUILDER_BATCH);
  bld->seen = g_ptr_array_new_with_free_func (g_free);
  bld->thread = g_thread_try_new ("screen-names", builder_thread, bld, NULL);
  return bld;
}

void
screen_index_builder_add (ScreenIndexBuilder *bld, const ScreenEntry *entry)
{
  g_return_if_fail (bld != NULL && entry != NULL);
  g_return_if_fail (entry->index == bld->n_added);

  bld->n_added++;
  g_ptr_array_add (bld->batch, (gpointer) entry);
  if (bld->batch->len < BUILDER_BATCH)
    return;
  builder_hand_over (bld);
  bld->batch = g_ptr_array_sized_new (BUILDER_BATCH);
}

/* Hands over the last batch and waits for the thread to index it. */
static void
builder_drain (ScreenIndexBuilder *bld)
{
  builder_hand_over (bld);
  if (bld->thread != NULL)
    {
      builder_push (bld, bld); /* the end */
      g_thread_join (bld->thread);
      bld->thread = NULL;
    }
}

/* Frees @bld itself, once drained. */
static void
builder_end (ScreenIndexBuilder *bld)
{
  pthread_mutex_destroy (&bld->lock);
  pthread_cond_destroy (&bld->queued);
  g_ptr_array_unref (bld->seen);
  g_free (bld);
}

ScreenIndex *
screen_index_builder_finish (ScreenIndexBuilder *bld, guint n_threads)
{
  g_return_val_if_fail (bld != NULL, NULL);

  builder_drain (bld);
  ScreenIndex *ix = bld->ix;
  ScreenList *list = ix->list;
  gboolean whole = bld->n_added == screen_list_get_n_entries (list);
  Builder b = bld->b;
  builder_end (bld);
  if (whole)
    return index_finish (ix, &b, n_threads);

  /* Entries came into the list some other way: index the list as it is. */
  ScreenIndex *fresh = screen_index_new_threads (list, n_threads);
  builder_discard (&b);
  screen_index_free (ix);
  return fresh;
}

void
screen_index_builder_free (ScreenIndexBuilder *bld)
{
  if (bld == NULL)
    return;
  builder_drain (bld);
  builder_discard (&bld->b);
  screen_index_free (bld->ix);
  builder_end (bld);
}

void
screen_index_free (ScreenIndex *ix)
{
  if (ix == NULL)
    return;
  g_hash_table_unref (ix->identifiers);
  table_free (ix->variant_slots);
  table_free (ix->shared_runs);
  table_free (ix->shared_tokens);
  table_free (ix->neighbours);
  table_free (ix->postings);
  table_free (ix->anchors);
  table_free (ix->name_tokens);
  table_free (ix->name_weights);
  table_free (ix->names);
  table_free (ix->name_texts);
  g_free (ix->name_order);
  table_free (ix->token_strings);
  table_free (ix->tokens);
  table_free (ix->vocab);
  screen_list_unref (ix->list);
  g_free (ix);
}

ScreenList *
screen_index_get_list (const ScreenIndex *ix)
{
  g_return_val_if_fail (ix != NULL, NULL);
  return ix->list;
}

/* ------------------------------------------------------------------------------
 * Screening
 */

#define ROW_CLOSE 1u /* in a query_slot(): the token is within MIN_CLOSEST of a
                        distinctive query token, or its deferred bound is */

/* Deferred similarities. A query token that is not in the vocabulary, or whose
 * neighbours are not precomputed, finds them with find_similar(): at a million
 * members about 200 candidates, each compared by two Jaro-Winklers and two LCS would
 * be half of a query's instructions. Instead each enters the query's rows with the
 * bound of the letters it shares with the query token (probe_bound()), negated, and
 * score_name() computes the similarity only for a name whose bound, with those
 * bounds in it, reaches its threshold (a few a query). The bound is above the
 * similarity, so a name bounded out is below the threshold either way, and every name
 * scored has its exact similarities: the results are those of computing all of them.
 * A word whose bound reaches MIN_CLOSEST counts as close (ROW_CLOSE) until computed:
 * that lets a few more names through to their bound, and spares the quarter of the
 * candidates that close by their letters a comparison that most never need. */

/* The query name: its tokens, their vocabulary ids (G_MAXUINT32 when unknown) and
 * their neighbours (pointers into the index, or into @own_neighbours, found with
 * @probe[i]). */
typedef struct {
  Tokens           t;          /* borrowed from a Form */
  guint32          id[MAX_NAME_TOKENS];
  const Neighbour *nb[MAX_NAME_TOKENS];
  guint            n_nb[MAX_NAME_TOKENS];
  Probe           *probe[MAX_NAME_TOKENS]; /* NULL where nb[i] is the index's, for id[i] */
  GArray          *own_neighbours;
  /* Every vocabulary token similar to some query token, in an open-addressing table
   * (slot_token, G_MAXUINT32 when free) that gives its row of n similarities, one per
   * query token (rows), and whether it is (or its bound is) within MIN_CLOSEST of a
   * distinctive query token, which a name needs to be a hit: slot_row is (the row's
   * index + 1) << 1 | ROW_CLOSE. Scoring a name is one probe per name token, and most
   * names end at the probes. A negative similarity is a deferred one, which
   * score_name() replaces when it needs it. */
  guint32         *slot_token;
  guint32         *slot_row;
  guint            slot_mask;
  float           *rows;
  /* Of each row r (in query_row() order), for name_quick_bound(): row_most[r], its
   * largest |similarity|, and row_weighted[r], the sum of each |similarity| times
   * its query token's weight. A deferred similarity counts as its bound. */
  float           *row_most;
  float           *row_weighted;
  /* Bit filters of those tokens (row_bits) and of those with ROW_CLOSE (close_bits),
   * one bit each, at query_bit(): a token similar to no query token, which most name
   * tokens are, is told by one load instead of a probe of the table, and a name with
   * no close token by one load a token. */
  guint64         *row_bits;
  guint64         *close_bits;
  guint            bits_shift;
} Query;

/* Whether bit filter @bits (of 2^(32 - @shift) bits) may hold @token: FALSE only when
 * it does not. */
static inline gboolean
query_bit (const guint64 *bits, guint shift, guint32 token)
{
  guint32 h = (token * 2654435761u) >> shift;
  return (bits[h >> 6] >> (h & 63)) & 1;
}

static inline void
query_bit_set (guint64 *bits, guint shift, guint32 token)
{
  guint32 h = (token * 2654435761u) >> shift;
  bits[h >> 6] |= G_GUINT64_CONSTANT (1) << (h & 63);
}

/* The index of the row of query_slot() @found (not 0): in rows (times the query's
 * tokens), row_most and row_weighted. */
static inline guint32
query_row_index (guint32 found)
{
  return (found >> 1) - 1;
}

/* The row of similarities of query_slot() @found (not 0): writable, for
 * score_name(), which puts in the deferred ones it computes (as strchr() hands back a
 * pointer into its argument). */
static inline float *
query_row (const Query *q, guint32 found)
{
  return &q->rows[(gsize) query_row_index (found) * q->t.n];
}

/* Fills the token -> similarities table of @q from its neighbour lists. */
static void
query_build_rows (Query *q)
{
  guint total = 0;
  for (guint i = 0; i < q->t.n; i++)
    total += q->n_nb[i];
  guint size = 16;
  while (size < 2 * total)
    size *= 2;
  q->slot_mask = size - 1;
  q->slot_token = g_new (guint32, 2 * size);
  q->slot_row = q->slot_token + size;
  memset (q->slot_token, 0xff, size * sizeof (guint32));
  gsize room = MAX (total, 1); /* rows at most */
  q->rows = g_new0 (float, room * (q->t.n + 2));
  q->row_most = q->rows + room * q->t.n;
  q->row_weighted = q->row_most + room;
  /* At least 8 bits a token, 4,096 in all: under one false positive in ten. */
  guint log_bits = 12;
  while ((G_GUINT64_CONSTANT (1) << log_bits) < 8 * (guint64) total && log_bits < 30)
    log_bits++;
  gsize words = ((gsize) 1 << log_bits) / 64;
  q->bits_shift = 32 - log_bits;
  q->row_bits = g_new0 (guint64, 2 * words);
  q->close_bits = q->row_bits + words;
  guint n_rows = 0;
  for (guint i = 0; i < q->t.n; i++)
    for (guint k = 0; k < q->n_nb[i]; k++)
      {
        guint32 t = q->nb[i][k].token;
        float sim = q->nb[i][k].sim;
        guint h = (t * 2654435761u) & q->slot_mask;
        while (q->slot_token[h] != G_MAXUINT32 && q->slot_token[h] != t)
          h = (h + 1) & q->slot_mask;
        if (q->slot_token[h] == G_MAXUINT32)
          {
            q->slot_token[h] = t;
            q->slot_row[h] = ++n_rows << 1;
            query_bit_set (q->row_bits, q->bits_shift, t);
          }
        guint32 r = query_row_index (q->slot_row[h]);
        query_row (q, q->slot_row[h])[i] = sim; /* a token is once in a neighbour list */
        q->row_most[r] = MAX (q->row_most[r], fabsf (sim));
        q->row_weighted[r] += fabsf (sim) * q->t.weight[i];
        if (!q->t.generic[i] && fabsf (sim) >= (float) MIN_CLOSEST)
          {
            q->slot_row[h] |= ROW_CLOSE;
            query_bit_set (q->close_bits, q->bits_shift, t);
          }
      }
}

/* The vocabulary tokens similar to the token of @probe by comparing it with every
 * one: what find_similar() must find, for screen_index_scan(). */
static void
scan_similar (const ScreenIndex *ix, const Probe *probe, GArray *out)
{
  for (guint32 t = 0; t < ix->n_tokens; t++)
    {
      const Token *tok = &ix->tokens[t];
      float sim = probe_sim (probe, token_text (tok), tok->len, token_skel (tok),
                             tok->skel_len);
      if (sim > 0)
        g_array_append_val (out, ((Neighbour) { t, sim }));
    }
}

/* @exhaustive: neighbours by comparing with the whole vocabulary, not from the index. */
static void
query_init (const ScreenIndex *ix, const Tokens *t, gboolean exhaustive, Query *q)
{
  q->t = *t; /* borrowed: query_clear() leaves its strings alone */
  q->own_neighbours = NULL;
  memset (q->probe, 0, sizeof q->probe);

  guint own_start[MAX_NAME_TOKENS] = { 0 };
  g_autoptr (GArray) touched = NULL;
  for (guint i = 0; i < q->t.n; i++)
    {
      guint32 id = vocab_find (ix, q->t.text[i], strlen (q->t.text[i]));
      if (id != G_MAXUINT32 && !exhaustive && ix->tokens[id].nb.start != NOT_PRECOMPUTED)
        {
          const Token *tok = &ix->tokens[id];
          q->id[i] = id;
          q->nb[i] = &ix->neighbours[tok->nb.start];
          q->n_nb[i] = tok->nb.len;
          continue;
        }
      if (q->own_neighbours == NULL)
        {
          q->own_neighbours = g_array_new (FALSE, FALSE, sizeof (Neighbour));
          touched = g_array_new (FALSE, FALSE, sizeof (guint32));
        }
      q->id[i] = id;
      own_start[i] = q->own_neighbours->len;
      q->probe[i] = g_new (Probe, 1);
      probe_init (q->probe[i], q->t.text[i], q->t.len[i], q->t.skel[i], q->t.skel_len[i]);
      if (exhaustive)
        scan_similar (ix, q->probe[i], q->own_neighbours);
      else
        find_similar (ix, q->probe[i], TRUE, NULL, touched, q->own_neighbours);
      q->n_nb[i] = q->own_neighbours->len - own_start[i];
    }
  /* Known tokens weigh what the index says (their rarity in the lists). */
  q->t.weight_sum = 0;
  for (guint i = 0; i < q->t.n; i++)
    {
      if (q->id[i] != G_MAXUINT32)
        q->t.weight[i] = ix->tokens[q->id[i]].weight;
      q->t.weight_sum += q->t.weight[i];
    }
  /* The array may have moved while growing: point into it only now. */
  for (guint i = 0; i < q->t.n; i++)
    if (q->probe[i] != NULL)
      q->nb[i] = q->n_nb[i] ? &g_array_index (q->own_neighbours, Neighbour, own_start[i])
                            : NULL; /* an empty GArray has no data to point into */
  query_build_rows (q);
}

static void
query_clear (Query *q)
{
  g_free (q->slot_token);
  g_free (q->rows);
  g_free (q->row_bits);
  for (guint i = 0; i < q->t.n; i++)
    g_free (q->probe[i]);
  if (q->own_neighbours != NULL)
    g_array_unref (q->own_neighbours);
}

/* The row of vocabulary token @token ((index + 1) << 1, with ROW_CLOSE), or 0 when it
 * is similar to no query token: query_row() gives its similarities. */
static inline guint32
query_slot (const Query *q, guint32 token)
{
  if (!query_bit (q->row_bits, q->bits_shift, token))
    return 0;
  for (guint h = (token * 2654435761u) & q->slot_mask;; h = (h + 1) & q->slot_mask)
    {
      if (q->slot_token[h] == token)
        return q->slot_row[h];
      if (q->slot_token[h] == G_MAXUINT32)
        return 0;
    }
}

/* An upper bound of the score of @name (its tokens' weights @wl, their rows @row_of)
 * against the query: each query token's best similarity in the name, and each name
 * token's best in the query; the one-to-one alignment can only do worse. A deferred
 * similarity counts as its bound; *@deferred tells whether there was one. */
static double
name_bound (const Query *q, const Name *name, const float *wl, float *const *row_of,
            double query_weight, gboolean *deferred)
{
  guint n = q->t.n, m = name->n_toks, n_rows = 0;
  const float *rows[MAX_NAME_TOKENS]; /* of the name's tokens similar to some query token */
  gboolean some = FALSE;
  double sl_bound = 0;
  for (guint j = 0; j < m; j++)
    {
      const float *row = row_of[j];
      if (row == NULL)
        continue;
      rows[n_rows++] = row;
      float lbest = 0;
      for (guint i = 0; i < n; i++)
        {
          some |= row[i] < 0;
          lbest = MAX (lbest, fabsf (row[i]));
        }
      sl_bound += lbest * wl[j];
    }
  double sq_bound = 0;
  for (guint i = 0; i < n; i++)
    {
      float qbest = 0;
      for (guint k = 0; k < n_rows; k++)
        qbest = MAX (qbest, fabsf (rows[k][i]));
      sq_bound += qbest * q->t.weight[i];
    }
  *deferred = some;
  return query_weight * sq_bound / q->t.weight_sum
         + (1 - query_weight) * sl_bound / name->weight;
}

/* An upper bound of name_bound() in one step a token of @name (its query_slot()s
 * @found, its tokens' weights @wl), from the summaries of its rows: each name token's
 * best similarity is its row's row_most, as in name_bound(), and the query side's sum
 * of each query token's best similarity in the name is at most the sum over the
 * name's rows of row_weighted (each best is one of the terms), and at most the
 * query's weight. Most names a query scores are ruled out by it: their one similar
 * token is a relative of one query word, and name_bound() would find the same. */
static inline double
name_quick_bound (const Query *q, const Name *name, const guint32 *found, const float *wl,
                  double query_weight)
{
  double sq = 0, sl = 0;
  for (guint j = 0; j < name->n_toks; j++)
    if (found[j] != 0)
      {
        guint32 r = query_row_index (found[j]);
        sl += q->row_most[r] * wl[j];
        sq += q->row_weighted[r];
      }
  return query_weight * MIN (sq, q->t.weight_sum) / q->t.weight_sum
         + (1 - query_weight) * sl / name->weight;
}

/* The query_slot() of each token of @name, into @found; ROW_CLOSE when one of them
 * is within MIN_CLOSEST of a distinctive query token. */
static inline guint32
name_slots (const ScreenIndex *ix, const Query *q, const Name *name, guint32 *found)
{
  const guint32 *toks = name_toks (ix, name);
  guint32 close = 0;
  for (guint j = 0; j < name->n_toks; j++)
    {
      found[j] = query_slot (q, toks[j]);
      close |= found[j] & ROW_CLOSE;
    }
  return close;
}

/* Whether a token of @name may be within MIN_CLOSEST of a distinctive query token
 * (the close_bits filter): FALSE only when none is, as name_slots() would find. */
static inline gboolean
name_may_be_close (const ScreenIndex *ix, const Query *q, const Name *name)
{
  const guint32 *toks = name_toks (ix, name);
  for (guint j = 0; j < name->n_toks; j++)
    if (query_bit (q->close_bits, q->bits_shift, toks[j]))
      return TRUE;
  return FALSE;
}

/* The score of @name (its name_slots() @found) against the query, or, when a cheap
 * upper bound already shows it is below @threshold, that bound (name_quick_bound(),
 * then name_bound(); the caller only compares it with @threshold). The deferred
 * similarities of a name the bounds let through are computed here, into @q's rows,
 * where every later name finds them. */
static double
score_name (const ScreenIndex *ix, const Query *q, const Name *name, const guint32 *found,
            double query_weight, double threshold)
{
  const guint32 *toks = name_toks (ix, name);
  const float *wl = name_tok_weights (ix, name);
  guint n = q->t.n, m = name->n_toks;
  double quick = name_quick_bound (q, name, found, wl, query_weight);
  if (quick < threshold - 1e-6)
    return quick;
  float *row_of[MAX_NAME_TOKENS]; /* NULL for a token similar to no query token */
  for (guint j = 0; j < m; j++)
    row_of[j] = found[j] != 0 ? query_row (q, found[j]) : NULL;

  gboolean deferred;
  double bound = name_bound (q, name, wl, row_of, query_weight, &deferred);
  if (bound < threshold - 1e-6)
    return bound;
  if (deferred)
    {
      /* The similarities the bound took on trust (see "Deferred similarities"). */
      for (guint j = 0; j < m; j++)
        for (guint i = 0; row_of[j] != NULL && i < n; i++)
          if (row_of[j][i] < 0)
            {
              const Token *tok = &ix->tokens[toks[j]];
              row_of[j][i] = probe_sim (q->probe[i], token_text (tok), tok->len,
                                        token_skel (tok), tok->skel_len);
            }
      bound = name_bound (q, name, wl, row_of, query_weight, &deferred);
      if (bound < threshold - 1e-6)
        return bound;
    }

  /* Few names get here (4 of 372 a query at a million members): only now the matrix. */
  float sim[MAX_NAME_TOKENS * MAX_NAME_TOKENS];
  for (guint j = 0; j < m; j++)
    for (guint i = 0; i < n; i++)
      sim[i * m + j] = row_of[j] != NULL ? row_of[j][i] : 0.0f;
  return align_score (sim, n, m, q->t.weight, q->t.weight_sum, wl, name->weight, q->t.generic,
                      q->t.len, query_weight);
}

/* The neighbour postings a query token brings: the cost of using it for candidates.
 * Precomputed for a vocabulary token's own neighbours; the Tokens of neighbours found
 * for this query are in the cache. */
static guint64
token_cost (const ScreenIndex *ix, const Query *q, guint i)
{
  if (q->probe[i] == NULL)
    return ix->tokens[q->id[i]].nb_cost;
  guint64 cost = 0;
  for (guint k = 0; k < q->n_nb[i]; k++)
    cost += ix->tokens[q->nb[i][k].token].post.len;
  return cost;
}

static gboolean
in_vocabulary (const ScreenIndex *ix, const char *s, gsize len)
{
  return vocab_find (ix, s, len) != G_MAXUINT32;
}

/* TRUE when tokens @a and @b are both in some listed name. Postings are sorted by
 * name id: each name of the shorter list is searched for in the rest of the longer
 * one, by doubling steps and then bisection. */
static gboolean
share_a_name (const ScreenIndex *ix, guint32 a, guint32 b)
{
  const Token *ta = &ix->tokens[a];
  const Token *tb = &ix->tokens[b];
  if (ta->post.len > tb->post.len)
    {
      const Token *t = ta;
      ta = tb;
      tb = t;
    }
  const guint32 *small = run_items (ix->postings, &ta->post);
  const guint32 *big = run_items (ix->postings, &tb->post);
  guint32 lo = 0, n_big = tb->post.len;
  for (guint32 k = 0; k < ta->post.len && lo < n_big; k++)
    {
      guint32 x = small[k], step = 1, hi = lo;
      while (hi < n_big && big[hi] < x)
        {
          lo = hi + 1;
          hi += step;
          step *= 2;
        }
      hi = MIN (hi, n_big);
      while (lo < hi) /* the first of big[lo .. hi) that is >= x, else hi */
        {
          guint32 mid = lo + (hi - lo) / 2;
          if (big[mid] < x)
            lo = mid + 1;
          else
            hi = mid;
        }
      if (lo < n_big && big[lo] == x)
        return TRUE;
    }
  return FALSE;
}

/* Whether @word of @len bytes, split after byte @at, gives two listed tokens that
 * are words of one listed name: "mahanair" as "mahan air". Two listed words that no
 * listed name has together are no name run together, only a coincidence of spelling
 * (in a large list nearly every short word is listed somewhere). */
static gboolean
listed_split (const ScreenIndex *ix, const char *word, gsize at, gsize len)
{
  if (((guchar) word[at] & 0xC0) == 0x80)
    return FALSE;
  guint32 a = vocab_find (ix, word, at);
  if (a == G_MAXUINT32)
    return FALSE;
  guint32 b = vocab_find (ix, word + at, len - at);
  return b != G_MAXUINT32 && share_a_name (ix, a, b);
}

/* Forms of @f with adjacent words joined where the result is in the vocabulary ("hua
 * wei" as "huawei"), and with unlisted words split where the halves are words of one
 * listed name ("mahanair" as "mahan air": a zero-width space removed, or words run
 * together). Appends at most two to @out; returns how many. */
static guint
derive_forms (const ScreenIndex *ix, const Form *f, Form *out)
{
  g_auto (GStrv) w = g_strsplit (f->words, " ", MAX_NAME_TOKENS);
  guint n = g_strv_length (w), n_out = 0;
  if (n == 0 || w[0][0] == '\0')
    return 0;

  GString *joined = g_string_new (NULL);
  gboolean any = FALSE;
  for (guint i = 0; i < n; i++)
    {
      if (joined->len > 0)
        g_string_append_c (joined, ' ');
      if (i + 1 < n)
        {
          g_autofree char *cat = g_strconcat (w[i], w[i + 1], NULL);
          if (in_vocabulary (ix, cat, strlen (cat)))
            {
              g_string_append (joined, cat);
              i++;
              any = TRUE;
              continue;
            }
        }
      g_string_append (joined, w[i]);
    }
  if (any)
    form_init (&out[n_out++], joined->str, f->flags | SCREEN_HIT_JOINED);
  g_string_free (joined, TRUE);

  GString *split = g_string_new (NULL);
  any = FALSE;
  for (guint i = 0; i < n; i++)
    {
      if (split->len > 0)
        g_string_append_c (split, ' ');
      gsize len = strlen (w[i]);
      gsize at = 0;
      for (gsize k = len >= 4 && !in_vocabulary (ix, w[i], len) ? len - 2 : 0; k >= 2; k--)
        if (listed_split (ix, w[i], k, len))
          {
            at = k;
            break;
          }
      if (at > 0)
        {
          g_string_append_len (split, w[i], (gssize) at);
          g_string_append_c (split, ' ');
          any = TRUE;
        }
      g_string_append (split, w[i] + at);
    }
  if (any)
    form_init (&out[n_out++], split->str, f->flags | SCREEN_HIT_JOINED);
  g_string_free (split, TRUE);
  return n_out;
}

typedef struct {
  guint32 entry;
  guint32 name;     /* G_MAXUINT32: found by identifier only */
  guint32 order;    /* the name's ScreenIndex.name_order */
  float   score;
  guint   flags;
} Candidate;

/* TRUE when the tokens of @name are, in any order, adjacent words of the query (the
 * same vocabulary tokens, as many times as listed) and the name says something: two
 * tokens or more, not all of them generic words. "Mahan Air" in "Mahan Air (Tehran
 * Branch Office)"; not "Sayed Ahmad" in "Sayed Habib Ahmad Rios Lopez", nor "Sa'id
 * Sa'id" in "Nazem Said Sanchez". */
static gboolean
contained (const ScreenIndex *ix, const Query *q, const Name *name)
{
  guint m = name->n_toks, n = q->t.n;
  if (m < 2 || m >= n)
    return FALSE;
  const guint32 *toks = name_toks (ix, name);
  for (guint j = 0; j < m; j++) /* each a query word, before the Tokens are read */
    {
      guint i = 0;
      while (i < n && q->id[i] != toks[j])
        i++;
      if (i == n)
        return FALSE;
    }
  gboolean distinctive = FALSE;
  for (guint j = 0; j < m; j++)
    distinctive = distinctive || !ix->tokens[toks[j]].generic;
  if (!distinctive)
    return FALSE;
  guint32 by_pos[MAX_NAME_TOKENS];
  for (guint i = 0; i < n; i++)
    by_pos[q->t.pos[i]] = q->id[i];
  for (guint start = 0; start + m <= n; start++)
    {
      gboolean used[MAX_NAME_TOKENS] = { FALSE };
      guint j = 0;
      for (; j < m; j++)
        {
          guint p = start;
          while (p < start + m && (used[p - start] || by_pos[p] != toks[j]))
            p++;
          if (p == start + m)
            break;
          used[p - start] = TRUE;
        }
      if (j == m)
        return TRUE;
    }
  return FALSE;
}

/* Whether @name is the query's words exactly: the same vocabulary tokens. */
static gboolean
name_is_query (const ScreenIndex *ix, const Query *q, const Name *name)
{
  if (name->n_toks != q->t.n)
    return FALSE;
  const guint32 *toks = name_toks (ix, name);
  for (guint j = 0; j < name->n_toks; j++)
    if (q->id[j] != toks[j])
      return FALSE;
  return TRUE;
}

/* Scores name @name_id (its name_slots() @found) and appends it to @out when it
 * reaches the possible threshold, or when it is contained in the query (then at the
 * possible threshold at least). @bound_threshold: score_name()'s shortcut (0 to always
 * align). */
static void
consider (const ScreenIndex *ix, const Query *q, guint32 name_id, const guint32 *found,
          const ScreenOptions *opts, double bound_threshold, guint form_flags, GArray *out)
{
  const Name *name = &ix->names[name_id];
  double score = score_name (ix, q, name, found, opts->query_weight, bound_threshold);
  guint flags;
  if (score >= opts->possible_threshold)
    flags = (name_is_query (ix, q, name) ? SCREEN_HIT_EXACT : SCREEN_HIT_FUZZY) | form_flags
            | name->flags;
  else if (contained (ix, q, name))
    {
      score = opts->possible_threshold;
      flags = SCREEN_HIT_CONTAINED | form_flags | name->flags;
    }
  else
    return;
  if (score >= opts->possible_threshold)
    {
      Candidate cand = { .entry = name->entry, .name = name_id,
                         .order = ix->name_order[name_id],
                         .score = (float) MIN (score, 1.0), .flags = flags };
      if (cand.score < opts->possible_threshold) /* rounded down to float */
        cand.score = nextafterf ((float) opts->possible_threshold, 2.0f);
      g_array_append_val (out, cand);
    }
}

/* A set of name ids (open addressing, G_MAXUINT32 free) that also lists them in the
 * order first added. */
typedef struct {
  guint32 *slots;
  guint    mask;
  guint32 *ids;
  guint    n;
} NameSet;

static void
name_set_init (NameSet *set, guint64 expected)
{
  guint size = 64;
  while (size < 2 * expected && size < G_MAXUINT / 4)
    size *= 2;
  set->slots = g_new (guint32, 2 * (gsize) size);
  memset (set->slots, 0xff, size * sizeof (guint32));
  set->ids = set->slots + size;
  set->mask = size - 1;
  set->n = 0;
}

static gboolean name_set_add (NameSet *set, guint32 id);

/* Doubles the set's room, and adds its ids again. */
G_NO_INLINE static void
name_set_grow (NameSet *set)
{
  NameSet bigger;
  name_set_init (&bigger, 2 * (guint64) set->n + 2);
  for (guint k = 0; k < set->n; k++)
    name_set_add (&bigger, set->ids[k]);
  g_free (set->slots);
  *set = bigger;
}

/* Adds @id; FALSE when it was in the set already. */
static inline gboolean
name_set_add (NameSet *set, guint32 id)
{
  if (2 * (set->n + 1) > set->mask + 1)
    name_set_grow (set);
  guint h = (id * 2654435761u) & set->mask;
  while (set->slots[h] != G_MAXUINT32)
    {
      if (set->slots[h] == id)
        return FALSE;
      h = (h + 1) & set->mask;
    }
  set->slots[h] = id;
  set->ids[set->n++] = id;
  return TRUE;
}

static void
name_set_clear (NameSet *set)
{
  g_free (set->slots);
}

/* Name ids in the order met, repeats and all. */
typedef struct {
  guint32 *ids;
  gsize    n, size;
} NameList;

static void
name_list_init (NameList *l, guint64 expected)
{
  l->size = (gsize) CLAMP (expected, 64, 1u << 20);
  l->ids = g_new (guint32, l->size);
  l->n = 0;
}

/* Appends the @len ids at @ids: a loop, not memcpy(), for runs of two or three. */
static inline void
name_list_append (NameList *l, const guint32 *ids, guint32 len)
{
  if (l->n + len > l->size)
    {
      l->size = MAX (2 * l->size, l->n + len);
      l->ids = g_renew (guint32, l->ids, l->size);
    }
  for (guint32 p = 0; p < len; p++)
    l->ids[l->n + p] = ids[p];
  l->n += len;
}

/* Appends every name scoring >= opts->possible_threshold, or contained in the query,
 * to @out, its flags with @form_flags (how the query form was made). @exhaustive:
 * every name of the index, not only the candidates (screen_index_scan()). */
static void
screen_name (const ScreenIndex *ix, const Query *q, const ScreenOptions *opts,
             guint form_flags, gboolean exhaustive, GArray *out)
{
  guint n = q->t.n;
  double a = opts->query_weight;
  double sq_min = a > 0 ? (opts->possible_threshold - (1 - a)) / a : 0;

  if (exhaustive)
    {
      for (guint32 name_id = 0; name_id < ix->n_names; name_id++)
        {
          guint32 found[MAX_NAME_TOKENS];
          name_slots (ix, q, &ix->names[name_id], found);
          consider (ix, q, name_id, found, opts, 0.0, form_flags, out);
        }
      return;
    }

  /* The cover: query tokens by increasing cost until any name outside their
   * postings is provably below the threshold. */
  guint order[MAX_NAME_TOKENS];
  guint64 cost[MAX_NAME_TOKENS];
  for (guint i = 0; i < n; i++)
    {
      cost[i] = token_cost (ix, q, i);
      guint k = i;
      while (k > 0 && cost[order[k - 1]] > cost[i])
        {
          order[k] = order[k - 1];
          k--;
        }
      order[k] = i;
    }
  float needed = (float) (q->t.weight_sum * (1 - MAX (sq_min, 0.0)));
  float covered = 0;
  guint n_cover = 0;
  while (n_cover < n && (covered <= needed || sq_min <= 0))
    covered += q->t.weight[order[n_cover++]];

  /* The candidates: names in the postings of the cover's neighbours and, since a name
   * contained in the query has its anchor (its rarest token) among the query's tokens,
   * the names anchored at a query token; a name may come more than once. */
  guint64 expected = 0;
  for (guint c = 0; c < n_cover; c++)
    expected += cost[order[c]];
  NameList reached;
  name_list_init (&reached, expected);
  const Token *tokens = ix->tokens;
  for (guint c = 0; c < n_cover; c++)
    {
      guint i = order[c];
      const Neighbour *nb = q->nb[i];
      guint n_nb = q->n_nb[i];
      for (guint k = 0; k < MIN (n_nb, 2 * PREFETCH_AHEAD); k++)
        __builtin_prefetch (&tokens[nb[k].token]);
      for (guint k = 0; k < MIN (n_nb, PREFETCH_AHEAD); k++)
        __builtin_prefetch (run_items (ix->postings, &tokens[nb[k].token].post));
      for (guint k = 0; k < n_nb; k++)
        {
          if (k + 2 * PREFETCH_AHEAD < n_nb)
            __builtin_prefetch (&tokens[nb[k + 2 * PREFETCH_AHEAD].token]);
          if (k + PREFETCH_AHEAD < n_nb)
            __builtin_prefetch (run_items (ix->postings, &tokens[nb[k + PREFETCH_AHEAD].token].post));
          const Token *tok = &tokens[nb[k].token];
          name_list_append (&reached, run_items (ix->postings, &tok->post), tok->post.len);
        }
    }
  for (guint i = 0; i < n; i++)
    if (q->id[i] != G_MAXUINT32)
      {
        const Token *tok = &ix->tokens[q->id[i]];
        name_list_append (&reached, run_items (ix->anchors, &tok->anchor), tok->anchor.len);
      }

  /* A name none of whose words is within MIN_CLOSEST of a distinctive query word
   * scores at most PARTIAL_CAP (align_score()) unless it agrees exactly, which it
   * cannot when missing those words costs more than 1e-6 of the score (2e-6: room for
   * rounding). Nor is it contained in the query (its words would be query words, not
   * all generic, each at 1 to itself). So when PARTIAL_CAP is below the threshold, it
   * is not scored at all: two names in three that a query at a million members
   * reaches end there, most at the close_bits filter (name_may_be_close()), before
   * they are looked up in the set of names met or in the query's rows. */
  double w_distinctive = 0;
  for (guint i = 0; i < n; i++)
    if (!q->t.generic[i])
      w_distinctive += q->t.weight[i];
  gboolean need_close = opts->possible_threshold > PARTIAL_CAP
                        && a * (1 - MIN_CLOSEST) * w_distinctive > 2e-6 * q->t.weight_sum;

  /* Scoring reads each name and its tokens from all over the index: ask for them a
   * few names ahead, so that the cache misses overlap. Each name is scored once, in
   * the order first met. */
  const Name *names = ix->names;
  const guint32 *ids = reached.ids;
  gsize n_reached = reached.n;
  NameSet set;
  name_set_init (&set, need_close ? n_reached / 2 : n_reached);
  for (gsize k = 0; k < n_reached; k++)
    {
      if (k + 2 * PREFETCH_AHEAD < n_reached)
        __builtin_prefetch (&names[ids[k + 2 * PREFETCH_AHEAD]]);
      if (k + PREFETCH_AHEAD < n_reached)
        {
          const Name *ahead = &names[ids[k + PREFETCH_AHEAD]];
          if (ahead->n_toks > NAME_INLINE_TOKENS)
            {
              __builtin_prefetch (&ix->name_tokens[ahead->tok_start]);
              __builtin_prefetch (&ix->name_weights[ahead->tok_start]);
            }
        }
      const Name *name = &names[ids[k]];
      if ((need_close && !name_may_be_close (ix, q, name)) || !name_set_add (&set, ids[k]))
        continue;
      guint32 found[MAX_NAME_TOKENS];
      if (name_slots (ix, q, name, found) == 0 && need_close)
        continue;
      consider (ix, q, ids[k], found, opts, opts->possible_threshold, form_flags, out);
    }
  name_set_clear (&set);
  g_free (reached.ids);
}

/* Appends the entries sharing an identifier with the query. */
static void
screen_identifiers (const ScreenIndex *ix, const ScreenQuery *query, GArray *out)
{
  for (gsize i = 0; i < query->n_identifiers; i++)
    {
      const ScreenIdentifier *id = &query->identifiers[i];
      g_autofree char *key = identifier_key (id->kind, id->value);
      GArray *entries = g_hash_table_lookup (ix->identifiers, key);
      for (guint k = 0; entries != NULL && k < entries->len; k++)
        {
          Candidate cand = { .entry = g_array_index (entries, guint, k),
                             .name = G_MAXUINT32, .order = G_MAXUINT32, .score = 1.0f,
                             .flags = SCREEN_HIT_IDENTIFIER };
          g_array_append_val (out, cand);
        }
    }
}

/* TRUE when the query and @e both have identifiers of some kind and share none of
 * that kind: the same kind with different numbers means different parties. */
static gboolean
identifiers_conflict (const ScreenQuery *query, const ScreenEntry *e)
{
  for (gsize i = 0; i < query->n_identifiers; i++)
    {
      const ScreenIdentifier *qid = &query->identifiers[i];
      gboolean same_kind = FALSE;
      for (guint k = 0; k < e->identifiers->len; k++)
        {
          const ScreenIdentifier *eid = &g_array_index (e->identifiers, ScreenIdentifier, k);
          if (strcmp (eid->kind, qid->kind) == 0)
            {
              if (strcmp (eid->value, qid->value) == 0)
                return FALSE;
              same_kind = TRUE;
            }
        }
      if (same_kind)
        return TRUE;
    }
  return FALSE;
}

static int
cmp_candidate (const void *a, const void *b)
{
  const Candidate *x = a, *y = b;
  if (x->entry != y->entry)
    return (x->entry > y->entry) - (x->entry < y->entry);
  if (x->score != y->score)
    return (x->score < y->score) - (x->score > y->score);
  return (x->order > y->order) - (x->order < y->order);
}

static int
cmp_hit (const void *a, const void *b)
{
  const ScreenHit *x = a, *y = b;
  if (x->score != y->score)
    return (x->score < y->score) - (x->score > y->score);
  return (x->entry->index > y->entry->index) - (x->entry->index < y->entry->index);
}

/* Canonical copies of the query identifiers (so that "92/664" finds "92664"),
 * without those whose value has no letter or digit. Strings go to @storage. */
static ScreenIdentifier *
canonical_identifiers (const ScreenQuery *query, GPtrArray *storage, gsize *n_out)
{
  ScreenIdentifier *ids = g_new0 (ScreenIdentifier, MAX (query->n_identifiers, 1));
  gsize n = 0;
  for (gsize i = 0; i < query->n_identifiers; i++)
    {
      const ScreenIdentifier *id = &query->identifiers[i];
      if (id->kind == NULL || id->value == NULL)
        continue;
      const char *kind = screen_identifier_kind (id->kind);
      if (kind == NULL)
        kind = id->kind;
      GString *v = g_string_new (NULL);
      for (const char *p = id->value; *p; p++)
        if (g_ascii_isalnum (*p))
          g_string_append_c (v, g_ascii_toupper (*p));
      if (strcmp (kind, "imo") == 0 && g_str_has_prefix (v->str, "IMO"))
        g_string_erase (v, 0, 3);
      if (v->len == 0)
        {
          g_string_free (v, TRUE);
          continue;
        }
      ids[n].kind = kind;
      ids[n].value = g_string_free (v, FALSE);
      g_ptr_array_add (storage, (gpointer) ids[n++].value);
    }
  *n_out = n;
  return ids;
}

static GArray *screen_full (const ScreenIndex *ix, const ScreenQuery *query,
                            const ScreenOptions *opts, gboolean exhaustive, GError **error);

GArray *
screen_index_screen (const ScreenIndex *ix, const ScreenQuery *query,
                     const ScreenOptions *opts, GError **error)
{
  return screen_full (ix, query, opts, FALSE, error);
}

GArray *
screen_index_scan (const ScreenIndex *ix, const ScreenQuery *query,
                   const ScreenOptions *opts, GError **error)
{
  return screen_full (ix, query, opts, TRUE, error);
}

static GArray *
screen_full (const ScreenIndex *ix, const ScreenQuery *query, const ScreenOptions *opts,
             gboolean exhaustive, GError **error)
{
  g_return_val_if_fail (ix != NULL && query != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ScreenOptions defaults;
  if (opts == NULL)
    {
      screen_options_init (&defaults);
      opts = &defaults;
    }
  if (!(opts->possible_threshold > 0 && opts->possible_threshold <= opts->match_threshold
        && opts->match_threshold <= 1 && opts->query_weight >= 0 && opts->query_weight <= 1))
    {
      g_set_error_literal (error, SCREEN_ERROR, SCREEN_ERROR_INVALID,
                           "thresholds must satisfy 0 < possible <= match <= 1, "
                           "and query_weight lie in [0, 1]");
      return NULL;
    }
  if ((query->name == NULL || query->name[0] == '\0') && query->n_identifiers == 0)
    {
      g_set_error_literal (error, SCREEN_ERROR, SCREEN_ERROR_INVALID,
                           "the query has neither a name nor identifiers");
      return NULL;
    }
  if (query->name != NULL && !g_utf8_validate (query->name, -1, NULL))
    {
      g_set_error_literal (error, SCREEN_ERROR, SCREEN_ERROR_INVALID,
                           "the query name is not valid UTF-8");
      return NULL;
    }

  g_autoptr (GPtrArray) id_storage = g_ptr_array_new_with_free_func (g_free);
  ScreenQuery q = *query;
  g_autofree ScreenIdentifier *ids = canonical_identifiers (query, id_storage,
                                                            &q.n_identifiers);
  q.identifiers = ids;

  g_autoptr (GArray) cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
  if (q.name != NULL || q.prepared != NULL)
    {
      g_autoptr (ScreenName) own = q.prepared == NULL ? screen_name_new (q.name) : NULL;
      const ScreenName *prepared = q.prepared != NULL ? q.prepared : own;
      Form derived[2 * MAX_PREPARED_FORMS];
      guint n_derived = 0;
      for (guint f = 0; f < prepared->n_forms; f++)
        n_derived += derive_forms (ix, &prepared->forms[f], &derived[n_derived]);
      for (guint f = 0; f < prepared->n_forms + n_derived; f++)
        {
          const Form *form = f < prepared->n_forms ? &prepared->forms[f]
                                                   : &derived[f - prepared->n_forms];
          Query qn;
          query_init (ix, &form->t, exhaustive, &qn);
          if (qn.t.n > 0)
            screen_name (ix, &qn, opts, form->flags, exhaustive, cands);
          query_clear (&qn);
        }
      for (guint f = 0; f < n_derived; f++)
        form_clear (&derived[f]);
    }
  screen_identifiers (ix, &q, cands);
  g_array_sort (cands, cmp_candidate);

  const char *country = q.country != NULL ? screen_country_code (q.country) : NULL;
  GArray *hits = g_array_new (FALSE, FALSE, sizeof (ScreenHit));
  for (guint i = 0; i < cands->len;)
    {
      /* Candidates of one entry are adjacent, best first: keep the best name and
       * the union of the flags. */
      guint32 entry = g_array_index (cands, Candidate, i).entry;
      const Candidate *best = NULL;
      guint flags = 0;
      for (; i < cands->len && g_array_index (cands, Candidate, i).entry == entry; i++)
        {
          const Candidate *c = &g_array_index (cands, Candidate, i);
          if (c->name == G_MAXUINT32)
            flags |= c->flags; /* an identifier */
          else if (best == NULL)
            best = c;
        }
      if (best != NULL)
        flags |= best->flags;

      const ScreenEntry *e = screen_list_get_entry (ix->list, entry);
      const Name *name = best != NULL ? &ix->names[best->name] : NULL;
      ScreenHit hit = {
        .entry = e,
        .matched_name = name != NULL ? ix->name_texts[best->name] : e->name,
        .matched_alias = name != NULL && name->alias,
        .name_score = best != NULL ? best->score : 0.0,
        .flags = flags,
      };

      if (flags & SCREEN_HIT_IDENTIFIER)
        hit.score = 1.0;
      else
        {
          hit.score = hit.name_score;
          /* Identifiers and type come from whoever wrote the query: differing ones
           * rule out a weak name match, but lower a strong one only to possible. */
          if (identifiers_conflict (&q, e)
              || (q.type != SCREEN_TYPE_UNKNOWN && e->type != SCREEN_TYPE_UNKNOWN
                  && q.type != e->type))
            {
              if (hit.name_score < opts->match_threshold)
                continue;
              hit.score = MAX (opts->possible_threshold, opts->match_threshold - 0.01);
              hit.flags = (hit.flags & ~SCREEN_HIT_EXACT) | SCREEN_HIT_CONFLICT;
            }
          if (country != NULL && e->countries->len > 0
              && !g_ptr_array_find_with_equal_func (e->countries, country, g_str_equal, NULL))
            {
              if (opts->country_excludes)
                continue;
              hit.score -= opts->country_penalty;
              hit.flags |= SCREEN_HIT_COUNTRY_MISMATCH;
            }
          if (hit.score < opts->possible_threshold)
            continue;
        }
      hit.verdict = hit.score >= opts->match_threshold && !(hit.flags & SCREEN_HIT_CONFLICT)
                      ? SCREEN_VERDICT_MATCH : SCREEN_VERDICT_POSSIBLE;
      g_array_append_val (hits, hit);
    }

  g_array_sort (hits, cmp_hit);
  if (opts->max_results > 0 && hits->len > opts->max_results)
    g_array_set_size (hits, opts->max_results);
  return hits;
}

const char *
screen_hit_how (const ScreenHit *hit)
{
  g_return_val_if_fail (hit != NULL, NULL);
  guint f = hit->flags;
  GString *how = g_string_new (f & SCREEN_HIT_IDENTIFIER ? "identifier"
                               : f & SCREEN_HIT_CONTAINED ? "contained name"
                               : f & SCREEN_HIT_EXACT ? "exact" : "fuzzy tokens");
  if (f & SCREEN_HIT_FOLDED)
    g_string_append (how, ", look-alikes folded");
  if (f & SCREEN_HIT_TRANSLITERATED)
    g_string_append (how, ", transliterated");
  if (f & SCREEN_HIT_JOINED)
    g_string_append (how, ", words joined");
  if (f & SCREEN_HIT_CONFLICT)
    g_string_append (how, ", identifiers or type differ");
  const char *interned = g_intern_string (how->str);
  g_string_free (how, TRUE);
  return interned;
}
