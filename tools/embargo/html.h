/* html.h: --format html, one self-contained page (check, eval --summary, diff).
 *
 * A page is a title and a body the command fills; html_page_write() wraps them in a
 * document with its own style sheet, no script and no external resource. Text from
 * input goes in through html_text() or as a %s argument of html_add(), never raw. */
#ifndef EMBARGO_HTML_H
#define EMBARGO_HTML_H

#include <embargo/embargo.h>
#include <stdio.h>

typedef struct _HtmlPage HtmlPage;

/* A new page called TITLE (text). Free with html_page_free(). */
HtmlPage *html_page_new (const char *title);
void html_page_free (HtmlPage *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HtmlPage, html_page_free)

/* The body, to append to. */
GString *html_body (HtmlPage *p);

/* Appends S (may be NULL: nothing) as text: control and bidirectional characters
 * escaped as on a terminal, then & < > " ' as entities. */
void html_text (GString *out, const char *s);

/* Appends FMT, markup written by the program, with each %s argument appended as by
 * html_text(). Only %s, %u, %zu and %% are understood. */
void html_add (GString *out, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* An outcome as a coloured badge. */
void html_outcome (GString *out, EmbargoOutcome o);

/* URL as a link when it is http(s) and plain, else as text. */
void html_link (GString *out, const char *url);

/* A rule's id, title, regime, authority, citation, source URL and file:line. */
void html_rule (GString *out, const EmbargoRule *r);

/* A section for decision D under RS: outcome, deciding rule with citation and source,
 * items, per-regime outcomes, missing facts, screening hits, lifted rules. FILE (may be
 * NULL) names the input. */
void html_decision (HtmlPage *page, const EmbargoDecision *d, const EmbargoRuleset *rs,
                    const char *file);

/* Writes the whole document to F. FALSE when the write failed. */
gboolean html_page_write (HtmlPage *p, FILE *f);

#endif
