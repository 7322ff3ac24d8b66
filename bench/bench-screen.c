/* bench-screen.c: how fast screening is, and what an index costs.
 *
 *   bench-screen [DATA_DIR [LABELS_TSV]]
 *   bench-screen --csl CSL_CSV
 *   bench-screen --synthetic N [SECONDS]
 *
 * The first form loads DATA_DIR/ofac-sdn-2021 (default: the shared data directory this
 * was built with), times the index build, then screens two sets of names on one
 * thread, each repeatedly for at least a second:
 *   - listed: every SDN primary name as printed (exact hits, the common case of a
 *     re-screened customer who is on the list);
 *   - variants: the first column of tests/screen/labelled.tsv (transliterations,
 *     typos, reordered names and near misses: fuzzy work, unknown tokens).
 * --csl loads a Consolidated Screening List export instead (the listed names are its
 * names; the variants, SDN names, are mostly not on it).
 * --synthetic N fills a names list as a rule set's `kind: names` list does
 * (screen_list_add(), one member at a time) with N distinct generated names
 * (synthetic_name() below; deterministic), and screens generated names: listed ones,
 * listed ones with one letter changed, and names of the same make that are not listed,
 * each for at least SECONDS (default 1): two builds compared side by side, one on each
 * core, then spend nearly all their time screening at once.
 * Prints the load and index build times, names per second for each set and the peak
 * resident memory (VmHWM from /proc/self/status). Exits 1 if the data cannot be loaded.
 *
 * Built by bench/screen/ab.sh as bench-screen-ab (BENCH_AGAINST_OLD: linked with the
 * screening code of an earlier revision too, its functions renamed old_*),
 * `--synthetic N [ROUNDS]` builds a second index of the same list with that code,
 * checks that both give the same hits for every generated name, then screens batches of
 * 500 names of each set with one index and then the other, the order alternating, for
 * ROUNDS rounds (default 40): the two are compared in the same minutes, which this
 * VM's speed (it moves by two to one between minutes) does not allow between runs.
 * The other forms compare the listed names and the labelled variants the same way.
 */
#include "screen.h"
#include "sdn-dir.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* CPU seconds of this process: on a shared machine the fair measure of one core. */
static double
cpu_seconds (void)
{
  return (double) clock () / CLOCKS_PER_SEC;
}

static double last_cpu_rate; /* screen_rate()'s names per CPU second */
static double min_seconds = 1.0;
#ifdef BENCH_AGAINST_OLD
static guint ab_rounds = 40; /* --synthetic N ROUNDS */
#endif

/* Screens @names round after round for at least min_seconds; returns names/second
 * (wall clock) and sets last_cpu_rate. */
static double
screen_rate (const ScreenIndex *index, GPtrArray *names, guint *n_hits)
{
  guint screened = 0;
  *n_hits = 0;
  double cpu = cpu_seconds ();
  gint64 start = g_get_monotonic_time ();
  do
    {
      for (guint i = 0; i < names->len; i++)
        {
          ScreenQuery query = { .name = g_ptr_array_index (names, i) };
          g_autoptr (GArray) hits = screen_index_screen (index, &query, NULL, NULL);
          if (screened == 0)
            *n_hits += hits->len; /* in the first round */
        }
      screened += names->len;
    }
  while (seconds_since (start) < min_seconds);
  last_cpu_rate = screened / (cpu_seconds () - cpu);
  return screened / seconds_since (start);
}

static long
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  const char *line = strstr (status, "VmHWM:");
  return line != NULL ? strtol (line + strlen ("VmHWM:"), NULL, 10) : -1;
}

#ifdef BENCH_AGAINST_OLD
ScreenIndex *old_screen_index_new (ScreenList *list);
GArray *old_screen_index_screen (const ScreenIndex *index, const ScreenQuery *query,
                                 const ScreenOptions *opts, GError **error);
void old_screen_index_free (ScreenIndex *index);

#define AB_BATCH 500

/* The queries of @names whose hits from @a and @b differ (entry, name, score, flags or
 * verdict). */
static guint
hits_differ (const ScreenIndex *a, const ScreenIndex *b, GPtrArray *names)
{
  guint differ = 0;
  for (guint i = 0; i < names->len; i++)
    {
      ScreenQuery query = { .name = g_ptr_array_index (names, i) };
      g_autoptr (GArray) x = old_screen_index_screen (a, &query, NULL, NULL);
      g_autoptr (GArray) y = screen_index_screen (b, &query, NULL, NULL);
      gboolean same = x->len == y->len;
      for (guint k = 0; same && k < x->len; k++)
        {
          const ScreenHit *p = &g_array_index (x, ScreenHit, k);
          const ScreenHit *q = &g_array_index (y, ScreenHit, k);
          same = p->entry == q->entry && p->score == q->score && p->flags == q->flags
                 && p->verdict == q->verdict
                 && g_strcmp0 (p->matched_name, q->matched_name) == 0;
        }
      differ += !same;
    }
  return differ;
}

/* Screens batches of @names[s] with the old index and the new one alternately (see the
 * comment at the top); prints names per second of each, and how often the new was
 * faster. */
static void
against_old (const ScreenIndex *old_index, const ScreenIndex *index, GPtrArray **names,
             const char *const *labels, guint n_sets, guint rounds)
{
  double seconds[2][3] = { { 0 } };
  guint ahead[3] = { 0 }, batches = 0;
  for (guint r = 0; r < rounds; r++)
    for (guint s = 0; s < n_sets; s++)
      {
        double t[2];
        guint first = (r * AB_BATCH) % (names[s]->len - AB_BATCH + 1);
        for (guint o = 0; o < 2; o++)
          {
            guint which = (r + o) % 2; /* 0 old, 1 new; old first in even rounds */
            gint64 start = g_get_monotonic_time ();
            for (guint i = first; i < first + AB_BATCH; i++)
              {
                ScreenQuery query = { .name = g_ptr_array_index (names[s], i) };
                g_autoptr (GArray) hits
                  = which == 0 ? old_screen_index_screen (old_index, &query, NULL, NULL)
                               : screen_index_screen (index, &query, NULL, NULL);
              }
            t[which] = seconds_since (start);
            seconds[which][s] += t[which];
          }
        ahead[s] += t[1] < t[0];
        batches += s == 0;
      }
  for (guint s = 0; s < n_sets; s++)
    printf ("%-18s old %.0f names/s, new %.0f names/s, new/old %.3f, new faster in %u of %u "
            "batches\n", labels[s], batches * AB_BATCH / seconds[0][s],
            batches * AB_BATCH / seconds[1][s], seconds[0][s] / seconds[1][s], ahead[s],
            batches);
}

/* Builds the old code's index of @list beside @index, checks that both give the same
 * hits for each name of the @n_sets (at most 3) @sets, then compares their speed
 * (against_old()). Returns 1 when some hits differ. */
static int
compare_with_old (ScreenList *list, const ScreenIndex *index, GPtrArray **sets,
                  const char *const *labels, guint n_sets, guint rounds)
{
  ScreenIndex *old_index = old_screen_index_new (list);
  printf ("old index built    peak memory %ld KiB (VmHWM, both indexes)\n", peak_rss_kib ());
  guint differ = 0, names = 0;
  for (guint s = 0; s < n_sets; s++)
    {
      differ += hits_differ (old_index, index, sets[s]);
      names += sets[s]->len;
    }
  printf ("hits differ        for %u of %u names\n", differ, names);
  against_old (old_index, index, sets, labels, n_sets, rounds);
  old_screen_index_free (old_index);
  return differ != 0;
}
#endif

/* ---- Synthetic names ------------------------------------------------------- */

static guint64
mix (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static const char *const syllables[] = {
  "ka", "ri", "mo", "al", "sha", "dar", "in", "tek", "bor", "na", "le", "vo", "zan",
  "ha", "mi", "ser", "ton", "ga", "li", "ro", "ba", "dy", "fa", "ke", "lu", "mar",
  "nu", "pe", "qa", "ra", "si", "ta", "ul", "ve", "wa", "xi", "yo", "za", "che",
  "dov", "el", "fi", "gor", "hu", "is", "jan", "kov", "lan", "men", "nik", "or",
  "pav", "rin", "sol", "tur", "us", "vik", "yan", "zor", "ab", "ed", "om", "ib", "ak",
};
G_STATIC_ASSERT (G_N_ELEMENTS (syllables) == 64);
#define N_SYLLABLES G_N_ELEMENTS (syllables)

/* A pseudo-word of 2 to 4 syllables for @x. */
static void
append_word (GString *s, guint64 x)
{
  guint n = 2 + (guint) (x % 3);
  x /= 3;
  if (s->len > 0)
    g_string_append_c (s, ' ');
  for (guint i = 0; i < n; i++, x /= N_SYLLABLES)
    g_string_append (s, syllables[x % N_SYLLABLES]);
}

/* The word of four syllables spelling the 24 bits of @p. */
static void
append_unique (GString *s, guint64 p)
{
  if (s->len > 0)
    g_string_append_c (s, ' ');
  for (guint k = 0; k < 4; k++, p >>= 6)
    g_string_append (s, syllables[p & 63]);
}

/* A word from a vocabulary of @v words, the low ranks far more often (rank v * u^3,
 * u uniform): a few words are in many names, most in few. */
static void
append_common (GString *s, guint64 r, guint v)
{
  double u = (double) (r >> 11) / (double) (G_GUINT64_CONSTANT (1) << 53);
  append_word (s, mix ((guint64) (v * u * u * u) + 77));
}

static const char *const generic[] = {
  "Trading", "International", "Group", "Holding", "Industries", "Technologies",
  "Shipping", "Logistics", "Energy", "Investment", "General", "Services",
};
static const char *const legal[] = {
  "LLC", "Ltd.", "Co., Ltd.", "GmbH", "S.A.", "JSC", "OOO", "FZE", "Inc.", "S.A. de C.V.",
};

/* Name number @i: a person (given name, sometimes a second, a surname and sometimes a
 * second surname) or an organisation (one to three words, sometimes a generic word
 * and a legal form). One word of each is unique to it: a scrambled spelling of @i (so
 * the N names are distinct, and most names have a rare word, as listed names do); the
 * others come from vocabularies of common words. Up to 2^24 names. */
static char *
synthetic_name (guint64 i)
{
  GString *s = g_string_new (NULL);
  guint64 r = mix (i);
  /* Four syllables of six bits from a bijection of the low 24 bits of i: a word of
   * its own for each of the first 16,777,216 names. */
  guint64 p = i & 0xffffff;
  p = (p * 0x9e3779u) & 0xffffff; /* odd multiplier: a bijection mod 2^24 */
  p ^= p >> 12;
  p = (p * 0x5bd1e9u) & 0xffffff;
  p ^= p >> 11;
  if (r % 2 == 0)
    {
      append_common (s, mix (r + 1), 3000); /* given names */
      if (r % 10 < 3)
        append_common (s, mix (r + 2), 3000);
      append_unique (s, p);
      if (r % 10 == 4)
        append_common (s, mix (r + 3), 50000);
    }
  else
    {
      if (r % 7 < 3)
        append_common (s, mix (r + 4), 50000);
      append_unique (s, p);
      if (r % 5 < 2)
        append_common (s, mix (r + 5), 50000);
      if (r % 5 < 2)
        g_string_append_printf (s, " %s", generic[mix (r + 6) % G_N_ELEMENTS (generic)]);
      if (r % 10 < 6)
        g_string_append_printf (s, " %s", legal[mix (r + 7) % G_N_ELEMENTS (legal)]);
    }
  s->str[0] = g_ascii_toupper (s->str[0]);
  return g_string_free (s, FALSE);
}

/* @name with one letter of its longest word replaced. */
static char *
with_typo (const char *name, guint64 r)
{
  char *t = g_strdup (name);
  gsize best = 0, best_len = 0, start = 0;
  for (gsize k = 0;; k++)
    if (t[k] == ' ' || t[k] == '\0')
      {
        if (k - start > best_len)
          best = start, best_len = k - start;
        if (t[k] == '\0')
          break;
        start = k + 1;
      }
  if (best_len >= 4)
    {
      gsize p = best + 1 + r % (best_len - 2);
      t[p] = t[p] == 'e' ? 'a' : 'e';
    }
  return t;
}

static int
run_synthetic (guint64 n)
{
  /* The names are made first, so that what is timed is adding them, not making them. */
  g_autoptr (GPtrArray) made = g_ptr_array_new_full ((guint) n, g_free);
  g_autoptr (GPtrArray) refs = g_ptr_array_new_full ((guint) n, g_free);
  for (guint64 i = 0; i < n; i++)
    {
      g_ptr_array_add (made, synthetic_name (i));
      g_ptr_array_add (refs, g_strdup_printf ("%" G_GUINT64_FORMAT, i + 1));
    }
  g_autoptr (ScreenList) list = screen_list_new ();
  double cpu = cpu_seconds ();
  gint64 start = g_get_monotonic_time ();
  for (guint64 i = 0; i < n; i++)
    {
      ScreenEntrySpec spec = { .name = g_ptr_array_index (made, i),
                               .ref = g_ptr_array_index (refs, i),
                               .type = mix (i) % 2 == 0 ? SCREEN_TYPE_INDIVIDUAL
                                                        : SCREEN_TYPE_ENTITY };
      if (screen_list_add (list, &spec, NULL) == NULL)
        return 1;
    }
  double load_s = seconds_since (start), load_cpu = cpu_seconds () - cpu;
  g_clear_pointer (&made, g_ptr_array_unref);
  g_clear_pointer (&refs, g_ptr_array_unref);
  cpu = cpu_seconds ();
  start = g_get_monotonic_time ();
  g_autoptr (ScreenIndex) index = screen_index_new (list);
  double build_s = seconds_since (start), build_cpu = cpu_seconds () - cpu;
  long rss_built = peak_rss_kib ();

  g_autoptr (GPtrArray) listed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) typos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) unlisted = g_ptr_array_new_with_free_func (g_free);
  for (guint64 k = 0; k < 10000; k++)
    {
      guint64 i = mix (k + 12345) % n;
      g_ptr_array_add (listed, synthetic_name (i));
      g_ptr_array_add (typos, with_typo (g_ptr_array_index (listed, k), mix (k)));
      g_ptr_array_add (unlisted, synthetic_name (n + k));
    }

  printf ("synthetic members  %" G_GUINT64_FORMAT " (added in %.3f s, %.3f s CPU), such as\n",
          n, load_s, load_cpu);
  for (guint k = 0; k < 6; k++)
    printf ("                   %s\n", (const char *) g_ptr_array_index (listed, k));
  printf ("index build        %.3f s, %.3f s CPU on %u processors (load and index %.3f s, "
          "%.3f s CPU)\n", build_s, build_cpu, g_get_num_processors (), load_s + build_s,
          load_cpu + build_cpu);
  printf ("peak memory built  %ld KiB (VmHWM)\n", rss_built);
#ifdef BENCH_AGAINST_OLD
  {
    GPtrArray *sets[3] = { listed, typos, unlisted };
    const char *labels[3] = { "listed names", "one letter changed", "not listed" };
    return compare_with_old (list, index, sets, labels, 3, ab_rounds);
  }
#endif
  guint n_hits;
  double rate = screen_rate (index, listed, &n_hits);
  printf ("listed names       %.0f names/s, %.0f per CPU second (%u names, %u hits)\n", rate,
          last_cpu_rate, listed->len, n_hits);
  rate = screen_rate (index, typos, &n_hits);
  printf ("one letter changed %.0f names/s, %.0f per CPU second (%u names, %u hits)\n", rate,
          last_cpu_rate, typos->len, n_hits);
  rate = screen_rate (index, unlisted, &n_hits);
  printf ("not listed         %.0f names/s, %.0f per CPU second (%u names, %u hits)\n", rate,
          last_cpu_rate, unlisted->len, n_hits);
  printf ("peak memory        %ld KiB (VmHWM)\n", peak_rss_kib ());
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc > 2 && strcmp (argv[1], "--synthetic") == 0)
    {
      guint64 n;
#ifdef BENCH_AGAINST_OLD
      guint64 seconds = ab_rounds; /* rounds, in this build */
#else
      guint64 seconds = 1;
#endif
      if (!g_ascii_string_to_unsigned (argv[2], 10, 1, 1u << 24, &n, NULL)
          || (argc > 3 && !g_ascii_string_to_unsigned (argv[3], 10, 1, 3600, &seconds, NULL)))
        {
          fprintf (stderr, "bench-screen: --synthetic takes a number of names, "
                           "and perhaps of seconds\n");
          return 2;
        }
#ifdef BENCH_AGAINST_OLD
      ab_rounds = (guint) seconds;
#else
      min_seconds = (double) seconds;
#endif
      return run_synthetic (n);
    }
  gboolean csl = argc > 2 && strcmp (argv[1], "--csl") == 0;
  const char *data_dir = argc > 1 && !csl ? argv[1] : EMBARGO_SHARED_DATA;
  const char *labels = argc > 2 && !csl ? argv[2] : EMBARGO_SCREEN_LABELS;
  g_autofree char *sdn_dir = g_build_filename (data_dir, "ofac-sdn-2021", NULL);
  g_autoptr (GError) error = NULL;

  g_autoptr (ScreenList) list = screen_list_new ();
  gint64 start = g_get_monotonic_time ();
  gboolean loaded;
  if (csl)
    {
      g_autoptr (GMappedFile) file = g_mapped_file_new (argv[2], FALSE, &error);
      g_autoptr (GBytes) bytes = file != NULL ? g_mapped_file_get_bytes (file) : NULL;
      loaded = bytes != NULL && screen_list_load_csl (list, bytes, argv[2], &error);
    }
  else
    loaded = screen_list_load_sdn_dir (list, sdn_dir, &error);
  if (!loaded)
    {
      fprintf (stderr, "bench-screen: %s\n", error->message);
      return 1;
    }
  double load_s = seconds_since (start);

  double cpu = cpu_seconds ();
  start = g_get_monotonic_time ();
  g_autoptr (ScreenIndex) index = screen_index_new (list);
  double build_s = seconds_since (start), build_cpu = cpu_seconds () - cpu;

  g_autoptr (GPtrArray) listed = g_ptr_array_new ();
  for (guint i = 0; i < screen_list_get_n_entries (list); i++)
    g_ptr_array_add (listed, (gpointer) screen_list_get_entry (list, i)->name);

  g_autoptr (GPtrArray) variants = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *tsv = NULL;
  if (g_file_get_contents (labels, &tsv, NULL, NULL))
    {
      g_auto (GStrv) lines = g_strsplit (tsv, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0' && lines[i][0] != '#')
          {
            char *tab = strchr (lines[i], '\t');
            g_ptr_array_add (variants, g_strndup (lines[i], tab != NULL ? (gsize) (tab - lines[i])
                                                                         : strlen (lines[i])));
          }
    }

  printf ("entries            %u (loaded in %.3f s)\n", screen_list_get_n_entries (list), load_s);
  printf ("index build        %.3f s, %.3f s CPU\n", build_s, build_cpu);
#ifdef BENCH_AGAINST_OLD
  if (listed->len >= AB_BATCH && variants->len >= AB_BATCH)
    {
      GPtrArray *sets[2] = { listed, variants };
      const char *set_labels[2] = { "listed names", "labelled variants" };
      return compare_with_old (list, index, sets, set_labels, 2, ab_rounds);
    }
#endif
  guint n_hits;
  double rate = screen_rate (index, listed, &n_hits);
  printf ("listed names       %.0f names/s, %.0f per CPU second (%u names)\n", rate,
          last_cpu_rate, listed->len);
  if (variants->len > 0)
    {
      rate = screen_rate (index, variants, &n_hits);
      printf ("labelled variants  %.0f names/s, %.0f per CPU second (%u names)\n", rate,
              last_cpu_rate, variants->len);
    }
  printf ("peak memory        %ld KiB (VmHWM)\n", peak_rss_kib ());
  return 0;
}
