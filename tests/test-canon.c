/* test-canon.c: the canonical form of each identifier of the transaction contract
 * (engine/canon.c, docs/transactions.md "Identifiers"), as a table; and transactions
 * built field by field, whose setters write that form. */
#include "tests.h"

#include "doc.h"
#include "rules.h"

#include <string.h>

static const struct {
  CanonKind kind;
  gboolean prefix;
  const char *in;
  const char *out; /* NULL: no canonical form */
} table[] = {
  { CANON_ECCN, FALSE, "3A090", "3A090" },
  { CANON_ECCN, FALSE, " 3a090 ", "3A090" },
  { CANON_ECCN, FALSE, "３Ａ０９０", "3A090" },          /* fullwidth */
  { CANON_ECCN, FALSE, "\u00a03A090\u3000", "3A090" },    /* no-break, ideographic space */
  { CANON_ECCN, FALSE, "3a001.Z.1.B", "3A001.z.1.b" },
  { CANON_ECCN, FALSE, "ear99", "EAR99" },
  { CANON_ECCN, FALSE, "3А090", NULL },                   /* Cyrillic A */
  { CANON_ECCN, FALSE, "3Α090", NULL },                   /* Greek Alpha */
  { CANON_ECCN, FALSE, "3A09O", NULL },                   /* letter O for zero */
  { CANON_ECCN, FALSE, "3A090a", NULL },
  { CANON_ECCN, FALSE, "3A090.", NULL },
  { CANON_ECCN, FALSE, "3A090..a", NULL },
  { CANON_ECCN, FALSE, "3F090", NULL },                   /* product groups are A-E */
  { CANON_ECCN, FALSE, "3A09", NULL },
  { CANON_ECCN, FALSE, "3A0\u200b90", NULL },             /* zero-width space */
  { CANON_ECCN, FALSE, "EAR", NULL },
  { CANON_ECCN, FALSE, "  ", NULL },
  { CANON_ECCN, TRUE, "3a", "3A" },
  { CANON_ECCN, TRUE, "3a611.Y.", "3A611.y." },
  { CANON_ECCN, TRUE, "ear", "EAR" },
  { CANON_ECCN, TRUE, "3A0900", NULL },
  { CANON_HS, FALSE, "854232", "854232" },
  { CANON_HS, FALSE, "8542.32", "854232" },
  { CANON_HS, FALSE, " 8542 32 ", "854232" },
  { CANON_HS, FALSE, "８５４２３２", "854232" },
  { CANON_HS, FALSE, "8542.31.00.00", "8542310000" },
  { CANON_HS, FALSE, "8542", NULL },                      /* fewer than 6 digits */
  { CANON_HS, FALSE, "85423100001", NULL },               /* more than 10 */
  { CANON_HS, FALSE, "8542-32", NULL },
  { CANON_HS, FALSE, "85423x", NULL },
  { CANON_HS, TRUE, "8542", "8542" },
  { CANON_HS, TRUE, "85.42", "8542" },
  { CANON_COUNTRY, FALSE, "CN", "CN" },
  { CANON_COUNTRY, FALSE, " cn ", "CN" },
  { CANON_COUNTRY, FALSE, "ｃｎ", "CN" },
  { CANON_COUNTRY, FALSE, "СN", "СN" },                   /* Cyrillic: left for the ISO check */
  { CANON_REGION, FALSE, "ua-43", "UA-43" },
  { CANON_TAG, FALSE, "military", "military" },
  { CANON_TAG, FALSE, " Military-Intelligence ", "military-intelligence" },
  { CANON_TAG, FALSE, "Metal \t Gallium", "metal gallium" },
  { CANON_TAG, FALSE, "ＦＡＢ", "fab" },
  { CANON_TAG, FALSE, "militаry", NULL },                 /* Cyrillic a */
  { CANON_TAG, FALSE, "", NULL },
};

static void
test_canon_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      char *out = NULL, *why = NULL;
      CanonResult r = canon_value (table[i].kind, table[i].prefix, table[i].in,
                                   strlen (table[i].in), &out, &why);
      const char *got = r == CANON_BAD ? NULL : r == CANON_SAME ? table[i].in : out;
      if (g_strcmp0 (got, table[i].out) != 0)
        fprintf (stderr, "\ncanon row %zu: '%s' gave '%s', expected '%s'\n", i, table[i].in,
                 got ? got : "(none)", table[i].out ? table[i].out : "(none)");
      CU_ASSERT_STRING_EQUAL (got ? got : "(none)", table[i].out ? table[i].out : "(none)");
      CU_ASSERT ((r == CANON_BAD) == (why != NULL));
      CU_ASSERT ((r == CANON_CHANGED) == (out != NULL));
      g_free (out);
      g_free (why);
    }
}

static const char rules[] =
  "defaults: {regime: T, authority: A, citation: c, source_url: https://x.org,"
  " effective_from: 2020-01-01}\n"
  "rules:\n"
  "  - {id: ac, title: t, effect: deny, when: [{field: destination.country, equals: CN},"
  " {field: item.eccn, equals: 3A090}, {field: end_use, equals: military},"
  " {field: buyer.tags, equals: us-person}, {field: item.hs_code, equals: \"854232\"}]}\n";

/* A transaction built field by field gets the same canonical forms as one parsed: the
 * setters write them. */
static void
test_builder_canonical (void)
{
  EmbargoLoader *ld = embargo_loader_new (NULL);
  CU_ASSERT_FATAL (embargo_loader_add_data (ld, rules, strlen (rules), "r.yaml", NULL));
  EmbargoRuleset *rs = embargo_loader_finish (ld, NULL);
  embargo_loader_free (ld);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  EmbargoTransaction *t = embargo_transaction_new ("T", "2024-01-01");
  CU_ASSERT (embargo_transaction_set_string (t, "destination.country", " cn", NULL));
  CU_ASSERT (embargo_transaction_set_string (t, "buyer.name", "B", NULL));
  CU_ASSERT (embargo_transaction_append_string (t, "buyer.tags", "US-Person", NULL));
  CU_ASSERT (embargo_transaction_append_string (t, "end_use", "Military", NULL));
  embargo_transaction_add_item (t, "1");
  CU_ASSERT (embargo_transaction_set_string (t, "items.0.eccn", "３ａ０９０", NULL));
  CU_ASSERT (embargo_transaction_set_string (t, "items.0.hs_code", "8542.32", NULL));
  GError *e = NULL;
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, &e);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_DENY);
  embargo_decision_free (d);

  /* no canonical form: the transaction is refused, never decided */
  CU_ASSERT (embargo_transaction_set_string (t, "items.0.eccn", "3А090", NULL));
  d = embargo_evaluate (rs, t, NULL, &e);
  CU_ASSERT_PTR_NULL (d);
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  CU_ASSERT_PTR_NOT_NULL (strstr (e->message, "'items[0].eccn': '3А090' holds 'А' (U+0410)"));
  g_clear_error (&e);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
}

void
register_canon_tests (void)
{
  static const TestDef tests[] = {
    { "identifiers: the canonical form of each kind, as a table", test_canon_table },
    { "identifiers: a transaction built by hand gets them too", test_builder_canonical },
    { NULL, NULL },
  };
  add_suite ("canon", tests);
}
