/* bench-memory.c: what a random read costs on this machine, alone and overlapped.
 *
 *   bench-memory [MAX_MIB]
 *
 * For tables of 4 MiB up to MAX_MIB (default 1024), on 2 MiB pages where the system
 * has them (madvise(MADV_HUGEPAGE), as the screening index's large tables are), links
 * every cache line of the table into one random cycle and follows it: with 1 chain each
 * read waits for the one before (the latency of a dependent read); with 4 or 16 chains
 * followed in turn, that many reads are in flight at once (what a query that prefetches
 * can overlap). Prints nanoseconds per read. docs/performance.md ("Large lists") uses
 * it to tell whether screening is bound by memory or by work.
 */
#define _DEFAULT_SOURCE /* madvise() */
#include <glib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define LINE_WORDS 8 /* a 64-byte line of guint64 */
#define READS 4000000

static double
ns_per_read (const guint64 *table, gsize n_lines, guint chains, GRand *rand)
{
  gsize at[16];
  for (guint c = 0; c < chains; c++)
    at[c] = (gsize) g_rand_int_range (rand, 0, (gint32) n_lines) * LINE_WORDS;
  guint64 steps = READS / chains;
  gint64 start = g_get_monotonic_time ();
  for (guint64 k = 0; k < steps; k++)
    for (guint c = 0; c < chains; c++)
      at[c] = table[at[c]];
  double ns = (double) (g_get_monotonic_time () - start) * 1000.0 / (double) (steps * chains);
  gsize sink = 0;
  for (guint c = 0; c < chains; c++)
    sink ^= at[c];
  return sink == G_MAXSIZE ? -1 : ns; /* keeps the reads from being optimised away */
}

int
main (int argc, char **argv)
{
  gsize max_mib = argc > 1 ? strtoul (argv[1], NULL, 10) : 1024;
  if (max_mib < 4 || max_mib > 16384)
    {
      fprintf (stderr, "bench-memory: MAX_MIB is 4 to 16384\n");
      return 2;
    }
  GRand *rand = g_rand_new_with_seed (20261203);
  for (gsize mib = 4; mib <= max_mib; mib *= 4)
    {
      gsize bytes = mib << 20, n_lines = bytes / 64;
      guint64 *table = NULL;
      if (posix_memalign ((void **) &table, (gsize) 2 << 20, bytes) != 0)
        {
          fprintf (stderr, "bench-memory: cannot allocate %zu MiB\n", mib);
          return 1;
        }
      madvise (table, bytes, MADV_HUGEPAGE);
      /* One random cycle through all lines (Sattolo's algorithm). */
      guint32 *order = g_new (guint32, n_lines);
      for (gsize i = 0; i < n_lines; i++)
        order[i] = (guint32) i;
      for (gsize i = n_lines - 1; i > 0; i--)
        {
          gsize j = (gsize) g_rand_int_range (rand, 0, (gint32) i);
          guint32 t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      for (gsize i = 0; i < n_lines; i++)
        table[(gsize) order[i] * LINE_WORDS] = (guint64) order[(i + 1) % n_lines] * LINE_WORDS;
      g_free (order);
      ns_per_read (table, n_lines, 16, rand); /* warm up: pages, TLB, clock speed */
      printf ("%6zu MiB:", mib);
      for (guint chains = 1; chains <= 16; chains *= 4)
        printf ("  %2u in flight %6.1f ns", chains, ns_per_read (table, n_lines, chains, rand));
      printf ("\n");
      free (table);
    }
  g_rand_free (rand);
  return 0;
}
