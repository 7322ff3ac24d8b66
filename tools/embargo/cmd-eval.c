/* cmd-eval.c: `embargo eval`: a stream of transactions in, one decision per line out.
 *
 * Reads standard input or a file in blocks, cuts each block at its last whole line (or,
 * for a YAML stream, its last document separator), and hands the chunks to an
 * EmbargoBatch, which decides them on all cores; output is written in input order as
 * chunks complete. At most a few chunks per thread are in flight, so memory stays flat
 * whatever the input's length. Line-in, line-out: it runs unchanged as a Hadoop
 * Streaming mapper or under Spark's RDD.pipe (docs/scaling.md).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "html.h"
#include "records.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK (256 * 1024)

typedef struct {
  gboolean tty;
  gint64 start, last;
  guint64 total_bytes; /* 0 when unknown (a pipe) */
} Progress;

static void
progress (Progress *p, const EmbargoBatch *b, guint64 bytes_read, gboolean final)
{
  if (!p->tty)
    return;
  gint64 now = g_get_monotonic_time ();
  if (!final && now - p->last < 250000)
    return;
  p->last = now;
  EmbargoBatchCounts c = EMBARGO_BATCH_COUNTS_INIT;
  embargo_batch_get_counts (b, &c);
  double secs = (now - p->start) / 1e6;
  double rate = secs > 0 ? c.lines / secs : 0;
  fprintf (stderr, "\r%" G_GUINT64_FORMAT " transactions, %.0f/s", c.lines, rate);
  if (p->total_bytes && bytes_read && !final)
    {
      double left = secs * ((double) p->total_bytes / bytes_read - 1);
      fprintf (stderr, ", %.0f%%, about %.0f s left  ", 100.0 * bytes_read / p->total_bytes,
               left);
    }
  fprintf (stderr, final ? "\n" : "   ");
}

/* Where the last whole unit ends in BUF: after the last newline (JSON Lines), or at the
 * start of the last "---" line (a YAML stream). 0 when there is none yet. Only bytes from
 * FROM on are scanned: what came before was scanned already and holds no cut point (a
 * long line costs linear time, not quadratic). */
static gsize
cut_point (const char *buf, gsize len, gsize from, gboolean yaml)
{
  if (!yaml)
    {
      for (gsize i = len; i > from; i--)
        if (buf[i - 1] == '\n')
          return i;
      return 0;
    }
  gsize cut = 0;
  for (gsize i = from > 4 ? from - 4 : 0; i < len; i++)
    if ((i == 0 || buf[i - 1] == '\n') && len - i >= 4 && memcmp (buf + i, "---", 3) == 0
        && (buf[i + 3] == '\n' || buf[i + 3] == ' ' || buf[i + 3] == '\r'))
      cut = i;
  return cut;
}

static guint64
count_lines (const char *p, gsize n)
{
  guint64 k = 0;
  for (const char *q = p; (q = memchr (q, '\n', p + n - q)); q++)
    k++;
  return k;
}

static int
cmp_count (gconstpointer a, gconstpointer b, gpointer data)
{
  const EmbargoBatch *batch = data;
  guint64 x = embargo_batch_get_rule_count (batch, *(const EmbargoRule *const *) a);
  guint64 y = embargo_batch_get_rule_count (batch, *(const EmbargoRule *const *) b);
  return x > y ? -1 : x < y;
}

static void
summary (const EmbargoBatch *b, const EmbargoRuleset *rs)
{
  EmbargoBatchCounts c = EMBARGO_BATCH_COUNTS_INIT;
  embargo_batch_get_counts (b, &c);
  fprintf (stderr, "%" G_GUINT64_FORMAT " transactions: ", c.lines);
  for (int o = EMBARGO_OUTCOME_DENY; o >= EMBARGO_OUTCOME_ALLOW; o--)
    fprintf (stderr, "%" G_GUINT64_FORMAT " %s, ", c.outcomes[o],
             embargo_outcome_to_string ((EmbargoOutcome) o));
  fprintf (stderr, "%" G_GUINT64_FORMAT " failed\n", c.failed);
  g_autoptr (GPtrArray) rules = g_ptr_array_new ();
  for (gsize i = 0; i < embargo_ruleset_get_rule_count (rs); i++)
    {
      const EmbargoRule *r = embargo_ruleset_get_rule (rs, i);
      if (embargo_batch_get_rule_count (b, r))
        g_ptr_array_add (rules, (gpointer) r);
    }
  g_ptr_array_sort_with_data (rules, cmp_count, (gpointer) b);
  if (rules->len)
    fprintf (stderr, "deciding rules:\n");
  for (guint i = 0; i < rules->len; i++)
    {
      const EmbargoRule *r = g_ptr_array_index (rules, i);
      fprintf (stderr, "  %10" G_GUINT64_FORMAT "  %-16s %s\n", embargo_batch_get_rule_count (b, r),
               embargo_outcome_to_string (embargo_rule_get_effect (r)),
               cli_safe (embargo_rule_get_id (r)));
    }
}

/* The summary as one page: counts per outcome, and each deciding rule with its
 * citation and source. */
static gboolean
summary_html (const EmbargoBatch *b, const EmbargoRuleset *rs, const char *input)
{
  g_autoptr (HtmlPage) page = html_page_new ("embargo eval: summary");
  GString *out = html_body (page);
  EmbargoBatchCounts c = EMBARGO_BATCH_COUNTS_INIT;
  if (!embargo_batch_get_counts (b, &c))
    return FALSE;
  g_autofree char *lines = g_strdup_printf ("%" G_GUINT64_FORMAT, c.lines);
  html_add (out, "<p>%s transactions from <code>%s</code>, rule set <code>%s</code> (%zu rules)"
                 "</p>\n<table><tr><th>outcome</th><th>transactions</th></tr>\n", lines,
            input, embargo_ruleset_get_digest (rs), embargo_ruleset_get_rule_count (rs));
  for (int o = EMBARGO_OUTCOME_DENY; o >= EMBARGO_OUTCOME_ALLOW; o--)
    {
      g_string_append (out, "<tr><td>");
      html_outcome (out, (EmbargoOutcome) o);
      g_string_append_printf (out, "</td><td>%" G_GUINT64_FORMAT "</td></tr>\n", c.outcomes[o]);
    }
  g_string_append_printf (out, "<tr><td class=\"fail\">failed (no decision)</td><td>%"
                               G_GUINT64_FORMAT "</td></tr>\n</table>\n", c.failed);
  g_autoptr (GPtrArray) rules = g_ptr_array_new ();
  for (gsize i = 0; i < embargo_ruleset_get_rule_count (rs); i++)
    {
      const EmbargoRule *r = embargo_ruleset_get_rule (rs, i);
      if (embargo_batch_get_rule_count (b, r))
        g_ptr_array_add (rules, (gpointer) r);
    }
  g_ptr_array_sort_with_data (rules, cmp_count, (gpointer) b);
  g_string_append (out, "<h2>Deciding rules</h2>\n");
  if (rules->len == 0)
    g_string_append (out, "<p>No rule decided a transaction.</p>\n");
  for (guint i = 0; i < rules->len; i++)
    {
      const EmbargoRule *r = g_ptr_array_index (rules, i);
      g_string_append_printf (out, "<h3>%" G_GUINT64_FORMAT " transactions: ",
                              embargo_batch_get_rule_count (b, r));
      html_outcome (out, embargo_rule_get_effect (r));
      g_string_append (out, "</h3>\n");
      html_rule (out, r);
    }
  return html_page_write (page, stdout);
}

static gboolean
write_all (const char *p, gsize n)
{
  return n == 0 || fwrite (p, 1, n, stdout) == n;
}

/* Pops the oldest chunk and writes it, after recording its decisions when RECORDS is
 * set (INPUTS holds the text of the chunks pushed, oldest first). A chunk whose
 * decisions could not be recorded is not written; WRITE false (--format html) records
 * without writing. */
static gboolean
pop_and_write (EmbargoBatch *batch, Records *records, GQueue *inputs, gboolean write)
{
  gsize len;
  g_autofree char *out = embargo_batch_pop (batch, &len);
  if (records)
    {
      g_autoptr (GBytes) in = g_queue_pop_head (inputs);
      gsize in_len;
      const char *in_data = g_bytes_get_data (in, &in_len);
      GError *e = NULL;
      if (!records_append_lines (records, in_data, in_len, out, len, &e))
        {
          fprintf (stderr, "embargo eval: error: --records: %s: these decisions were not "
                           "recorded, so they are not given\n", e->message);
          g_error_free (e);
          return FALSE;
        }
    }
  return !write || write_all (out, len);
}

int
cmd_eval (int argc, char **argv)
{
  g_auto (GStrv) rules = NULL;
  g_autofree char *as_of = NULL, *format = NULL, *records_path = NULL;
  gint threads = 0;
  gboolean want_summary = FALSE, yaml = FALSE, no_progress = FALSE, strict = FALSE;
  GOptionEntry entries[] = {
    { "strict", 0, 0, G_OPTION_ARG_NONE, &strict,
      "Refuse a key that is neither in the contract nor read by a rule", NULL },
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME_ARRAY, &rules,
      "Rule file or directory (repeatable; default: the bundled rules)", "PATH" },
    { "as-of", 0, 0, G_OPTION_ARG_STRING, &as_of,
      "Decide every transaction as of this date", "YYYY-MM-DD" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads,
      "Worker threads (default: one per core)", "N" },
    { "yaml", 0, 0, G_OPTION_ARG_NONE, &yaml,
      "The input is a YAML stream (documents separated by ---), not JSON Lines", NULL },
    { "summary", 0, 0, G_OPTION_ARG_NONE, &want_summary,
      "Print counts per outcome and per deciding rule to standard error at the end", NULL },
    { "no-progress", 0, 0, G_OPTION_ARG_NONE, &no_progress,
      "No progress line, even on a terminal", NULL },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      "json: one decision a line (default); html: only the summary, as one page", "json|html" },
    { "records", 0, 0, G_OPTION_ARG_FILENAME, &records_path,
      "Record every decision in this SQLite file (JSON Lines only; docs/records.md)", "FILE" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("[FILE|-] — decide a stream of transactions, one decision a line");
  g_option_context_add_main_entries (ctx, entries, NULL);
  CliLimits limit_opts;
  cli_add_limit_options (ctx, &limit_opts);
  g_option_context_set_description (
    ctx, "Reads JSON Lines (one transaction a line) from FILE or standard input and writes\n"
         "one decision JSON a line to standard output, in input order. A line that cannot\n"
         "be decided gets {\"line\": N, \"error\": \"...\"} and the stream goes on.\n\n"
         "Examples:\n"
         "  embargo eval orders.jsonl > decisions.jsonl\n"
         "  zcat orders.jsonl.gz | embargo eval --summary --threads 8 - | gzip > out.gz\n"
         "  embargo eval --yaml orders.yaml\n"
         "  embargo eval --summary --format html orders.jsonl > summary.html\n\n"
         "Exit status: 0 every transaction allowed, 1 some were not (review,\n"
         "license_required, deny), 2 a line or the input could not be decided.");
  GError *e = NULL;
  EmbargoLimits limits;
  if (!cli_parse_options (ctx, &argc, &argv, "eval", &limit_opts, &limits))
    return EXIT_NO_DECISION;
  if (argc > 2 || threads < 0 || threads > 1024)
    {
      fprintf (stderr, "embargo eval: error: give at most one input, and --threads from 1 to "
                       "1024; see embargo eval --help\n");
      return EXIT_NO_DECISION;
    }
  gboolean html = format && strcmp (format, "html") == 0;
  if (format && !html && strcmp (format, "json") != 0)
    {
      fprintf (stderr, "embargo eval: error: --format is json or html, not '%s'\n",
               cli_safe (format));
      return EXIT_NO_DECISION;
    }
  if (records_path && yaml)
    {
      fprintf (stderr, "embargo eval: error: --records takes JSON Lines, not --yaml\n");
      return EXIT_NO_DECISION;
    }
  const char *input = argc == 2 ? argv[1] : "-";
  FILE *in = stdin;
  if (strcmp (input, "-") != 0 && (in = fopen (input, "rb")) == NULL)
    {
      fprintf (stderr, "embargo eval: error: %s: %s\n", cli_safe (input), g_strerror (errno));
      return EXIT_NO_DECISION;
    }
  EmbargoRuleset *rs = cli_load_rules_limited (rules, &limits);
  if (rs == NULL)
    {
      if (in != stdin)
        fclose (in);
      return EXIT_NO_DECISION;
    }
  EmbargoBatchOptions bo = EMBARGO_BATCH_OPTIONS_INIT;
  bo.threads = (unsigned) threads;
  bo.as_of = as_of;
  bo.source = strcmp (input, "-") == 0 ? "<stdin>" : input;
  bo.yaml_stream = yaml;
  bo.strict = strict;
  bo.limits = &limits;
  EmbargoBatch *batch = embargo_batch_new (rs, &bo, &e);
  if (batch == NULL)
    {
      fprintf (stderr, "embargo eval: error: %s\n", cli_safe_lines (e->message));
      g_error_free (e);
      embargo_ruleset_unref (rs);
      if (in != stdin)
        fclose (in);
      return EXIT_NO_DECISION;
    }

  Records *records = NULL;
  if (records_path && (records = records_open (records_path, &e)) == NULL)
    {
      fprintf (stderr, "embargo eval: error: --records: %s\n", e->message);
      g_error_free (e);
      embargo_batch_free (batch);
      embargo_ruleset_unref (rs);
      if (in != stdin)
        fclose (in);
      return EXIT_NO_DECISION;
    }
  GQueue inputs = G_QUEUE_INIT;

  Progress prog = { !no_progress && isatty (fileno (stderr)), g_get_monotonic_time (), 0, 0 };
  struct stat st;
  if (fstat (fileno (in), &st) == 0 && S_ISREG (st.st_mode))
    prog.total_bytes = (guint64) st.st_size;
  guint max_pending = 4 * (threads ? (guint) threads : g_get_num_processors ());
  GString *buf = g_string_sized_new (2 * BLOCK);
  guint64 next_line = 1, bytes_read = 0;
  gboolean io_ok = TRUE, eof = FALSE;
  while (!eof)
    {
      gsize old = buf->len;
      g_string_set_size (buf, old + BLOCK);
      size_t n = fread (buf->str + old, 1, BLOCK, in);
      g_string_set_size (buf, old + n);
      bytes_read += n;
      if (n < BLOCK)
        {
          eof = TRUE;
          if (ferror (in))
            {
              fprintf (stderr, "embargo eval: error: reading %s: %s\n", cli_safe (input),
                       g_strerror (errno));
              io_ok = FALSE;
              break;
            }
        }
      gsize cut = eof ? buf->len : cut_point (buf->str, buf->len, old, yaml);
      if (cut == 0 && buf->len > limits.max_input_bytes)
        {
          /* One line (or document) that never ends, such as /dev/zero: stop here. */
          fprintf (stderr, "%s:%" G_GUINT64_FORMAT ": error: input exceeds the limit of %zu "
                   "bytes (--max-input-bytes) [E-LIMIT]\n", bo.source, next_line,
                   limits.max_input_bytes);
          io_ok = FALSE;
          break;
        }
      if (cut == 0)
        continue;
      /* A final line without its newline still counts as a line. */
      embargo_batch_push (batch, buf->str, cut, next_line);
      if (records)
        g_queue_push_tail (&inputs, g_bytes_new (buf->str, cut));
      next_line += count_lines (buf->str, cut);
      g_string_erase (buf, 0, cut);
      while (embargo_batch_get_pending (batch) >= max_pending)
        {
          io_ok = pop_and_write (batch, records, &inputs, !html) && io_ok;
          progress (&prog, batch, bytes_read, FALSE);
        }
    }
  while (embargo_batch_get_pending (batch))
    {
      io_ok = pop_and_write (batch, records, &inputs, !html) && io_ok;
      progress (&prog, batch, bytes_read, FALSE);
    }
  progress (&prog, batch, bytes_read, TRUE);
  if (want_summary)
    summary (batch, rs);
  if (html && !summary_html (batch, rs, bo.source))
    io_ok = FALSE;
  if (fflush (stdout) != 0)
    io_ok = FALSE;

  EmbargoBatchCounts c = EMBARGO_BATCH_COUNTS_INIT;
  embargo_batch_get_counts (batch, &c);
  int status = EXIT_ALLOW;
  if (!io_ok || c.failed)
    status = EXIT_NO_DECISION;
  else if (c.outcomes[EMBARGO_OUTCOME_REVIEW] || c.outcomes[EMBARGO_OUTCOME_LICENSE_REQUIRED]
           || c.outcomes[EMBARGO_OUTCOME_DENY])
    status = EXIT_NOT_ALLOWED;
  if (!io_ok)
    fprintf (stderr, "embargo eval: error: could not write all decisions\n");
  g_string_free (buf, TRUE);
  g_queue_clear_full (&inputs, (GDestroyNotify) g_bytes_unref);
  records_close (records);
  embargo_batch_free (batch);
  embargo_ruleset_unref (rs);
  if (in != stdin)
    fclose (in);
  return status;
}
