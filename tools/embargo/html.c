/* html.c: --format html: one self-contained page (check, eval --summary, diff).
 *
 * The page carries its own style sheet and nothing else: no script, no image, no font,
 * no request to anywhere, so it can be mailed, archived or opened offline. Every string
 * that came from input or rule files goes through html_text(): control and
 * bidirectional characters are escaped as on a terminal (embargo_text_escape()), then
 * the markup characters (& < > " '). Links are written only for http and https URLs.
 */
#include "html.h"

#include <stdarg.h>
#include <string.h>

struct _HtmlPage {
  char *title;
  GString *body;
};

static const char style[] =
  "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;"
  "color:#1d1d1f}"
  "h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em}h3{font-size:1.05em}"
  "table{border-collapse:collapse;margin:.5em 0 1em}"
  "th,td{border:1px solid #d0d0d7;padding:.3em .6em;text-align:left;vertical-align:top}"
  "th{background:#f3f3f6}"
  "dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}"
  "dd{margin:0}"
  ".o{display:inline-block;padding:.05em .5em;border-radius:.3em;font-weight:700;"
  "color:#fff}"
  ".allow{background:#1a7f37}.review{background:#9a6700}"
  ".license_required{background:#8250df}.deny{background:#cf222e}"
  ".fail{color:#cf222e;font-weight:700}"
  "code{font-family:ui-monospace,monospace;font-size:.93em}"
  "section{border-top:2px solid #d0d0d7;margin-top:1.5em}"
  "footer{margin-top:3em;color:#57606a;font-size:.9em}";

HtmlPage *
html_page_new (const char *title)
{
  HtmlPage *p = g_new0 (HtmlPage, 1);
  p->title = g_strdup (title);
  p->body = g_string_new (NULL);
  return p;
}

void
html_page_free (HtmlPage *p)
{
  if (p == NULL)
    return;
  g_free (p->title);
  g_string_free (p->body, TRUE);
  g_free (p);
}

GString *
html_body (HtmlPage *p)
{
  return p->body;
}

void
html_text (GString *out, const char *s)
{
  if (s == NULL)
    return;
  g_autofree char *safe = embargo_text_escape (s, -1, EMBARGO_ESCAPE_TEXT);
  g_autofree char *markup = g_markup_escape_text (safe, -1);
  g_string_append (out, markup);
}

void
html_add (GString *out, const char *fmt, ...)
{
  /* Arguments are text: each %s is escaped. Markup is in FMT only. */
  va_list ap;
  va_start (ap, fmt);
  for (const char *p = fmt; *p; p++)
    {
      if (p[0] != '%')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      if (*p == 's')
        html_text (out, va_arg (ap, const char *));
      else if (*p == 'u')
        g_string_append_printf (out, "%u", va_arg (ap, unsigned));
      else if (*p == 'z')
        {
          p++; /* %zu */
          g_string_append_printf (out, "%zu", va_arg (ap, gsize));
        }
      else
        g_string_append_c (out, *p); /* %% */
    }
  va_end (ap);
}

void
html_outcome (GString *out, EmbargoOutcome o)
{
  const char *name = embargo_outcome_to_string (o);
  g_string_append_printf (out, "<span class=\"o %s\">%s</span>", name, name);
}

void
html_link (GString *out, const char *url)
{
  if (url && (g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://"))
      && !strpbrk (url, " \"'<>\\"))
    html_add (out, "<a href=\"%s\">%s</a>", url, url);
  else
    html_text (out, url);
}

/* The deciding rule: id, title, regime, authority, citation, source. */
void
html_rule (GString *out, const EmbargoRule *r)
{
  html_add (out, "<dl><dt>rule</dt><dd><code>%s</code>: %s</dd>", embargo_rule_get_id (r),
            embargo_rule_get_title (r));
  html_add (out, "<dt>regime</dt><dd>%s (%s)</dd>", embargo_rule_get_regime (r),
            embargo_rule_get_authority (r));
  html_add (out, "<dt>citation</dt><dd>%s</dd><dt>source</dt><dd>",
            embargo_rule_get_citation (r));
  html_link (out, embargo_rule_get_source_url (r));
  html_add (out, " <code>%s:%u</code></dd>", embargo_rule_get_source_name (r),
            embargo_rule_get_line (r));
  if (embargo_rule_get_unverified (r))
    html_add (out, "<dt>unverified</dt><dd>%s</dd>", embargo_rule_get_unverified (r));
  g_string_append (out, "</dl>\n");
}

static const char *
rule_id_or_dash (const EmbargoRule *r)
{
  return r ? embargo_rule_get_id (r) : "-";
}

void
html_decision (HtmlPage *page, const EmbargoDecision *d, const EmbargoRuleset *rs,
               const char *file)
{
  GString *out = page->body;
  g_string_append (out, "<section>\n<h2>");
  html_outcome (out, embargo_decision_get_outcome (d));
  html_add (out, " <code>%s</code></h2>\n<p>as of %s", embargo_decision_get_transaction_id (d),
            embargo_decision_get_as_of (d));
  if (file)
    html_add (out, ", from <code>%s</code>", file);
  g_string_append (out, "</p>\n<h3>Deciding rule</h3>\n");
  const EmbargoRule *r = embargo_decision_get_rule (d);
  if (r == NULL)
    g_string_append (out, "<p>No rule applies.</p>\n");
  else
    html_rule (out, r);
  if (embargo_decision_get_message (d))
    html_add (out, "<p class=\"why\">%s</p>\n", embargo_decision_get_message (d));

  g_string_append (out, "<h3>Items</h3>\n<table><tr><th>item</th><th>outcome</th>"
                        "<th>rule</th></tr>\n");
  for (gsize i = 0; i < embargo_decision_get_item_count (d); i++)
    {
      html_add (out, "<tr><td><code>%s</code></td><td>", embargo_decision_get_item_id (d, i));
      html_outcome (out, embargo_decision_get_item_outcome (d, i));
      html_add (out, "</td><td><code>%s</code></td></tr>\n",
                rule_id_or_dash (embargo_decision_get_item_rule (d, i)));
    }
  g_string_append (out, "</table>\n<h3>Outcome per regime</h3>\n<table><tr><th>regime</th>"
                        "<th>outcome</th></tr>\n");
  const char *const *regimes = embargo_ruleset_get_regimes (rs);
  for (gsize i = 0; regimes[i]; i++)
    {
      html_add (out, "<tr><td>%s</td><td>", regimes[i]);
      html_outcome (out, embargo_decision_get_regime_outcome (d, regimes[i]));
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n<h3>Missing facts</h3>\n");
  gsize nmissing = embargo_decision_get_missing_count (d);
  if (nmissing == 0)
    g_string_append (out, "<p>None.</p>\n");
  else
    g_string_append (out, "<table><tr><th>field</th><th>item</th><th>needed by</th></tr>\n");
  for (gsize i = 0; i < nmissing; i++)
    {
      const EmbargoMissing *m = embargo_decision_get_missing (d, i);
      html_add (out, "<tr><td><code>%s</code></td><td><code>%s</code></td><td><code>%s</code>"
                     "</td></tr>\n", m->field, embargo_decision_get_item_id (d, m->item),
                embargo_rule_get_id (m->rule));
    }
  if (nmissing)
    g_string_append (out, "</table>\n");
  gsize nhits = embargo_decision_get_screening_count (d);
  if (nhits)
    g_string_append (out, "<h3>Screening</h3>\n<table><tr><th>party</th><th>name</th>"
                          "<th>verdict</th><th>list entry</th><th>list</th><th>score</th>"
                          "<th>rule</th></tr>\n");
  for (gsize i = 0; i < nhits; i++)
    {
      const EmbargoScreeningHit *h = embargo_decision_get_screening (d, i);
      char score[16];
      g_ascii_formatd (score, sizeof score, "%.3f", h->score);
      html_add (out, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                     "<td><code>%s</code></td></tr>\n", h->party, h->name,
                h->verdict == EMBARGO_SCREEN_MATCH ? "match" : "possible match", h->entry,
                h->list, score, embargo_rule_get_id (h->rule));
    }
  if (nhits)
    g_string_append (out, "</table>\n");
  for (gsize i = 0; i < embargo_decision_get_match_count (d); i++)
    {
      const EmbargoMatch *m = embargo_decision_get_match (d, i);
      if (m->status == EMBARGO_MATCH_LIFTED)
        html_add (out, "<p>Lifted: <code>%s</code> (item <code>%s</code>) by <code>%s</code>"
                       "</p>\n", embargo_rule_get_id (m->rule),
                  embargo_decision_get_item_id (d, m->item), embargo_rule_get_id (m->lifted_by));
    }
  html_add (out, "<p><small>rule set <code>%s</code> (%zu rules)</small></p>\n</section>\n",
            embargo_ruleset_get_digest (rs), embargo_ruleset_get_rule_count (rs));
}

gboolean
html_page_write (HtmlPage *p, FILE *f)
{
  g_autoptr (GString) out = g_string_new ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                                          "<meta charset=\"utf-8\">\n"
                                          "<meta name=\"viewport\" "
                                          "content=\"width=device-width\">\n");
  /* Nothing may be fetched from anywhere, even if a URL slipped through. */
  g_string_append (out, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                        "'none'; style-src 'unsafe-inline'\">\n");
  html_add (out, "<title>%s</title>\n", p->title);
  g_string_append_printf (out, "<style>%s</style>\n</head>\n<body>\n", style);
  html_add (out, "<h1>%s</h1>\n", p->title);
  g_string_append_len (out, p->body->str, (gssize) p->body->len);
  html_add (out, "<footer>embargo %s</footer>\n</body>\n</html>\n", embargo_version_string ());
  return fwrite (out->str, 1, out->len, f) == out->len;
}
