/* test-lists.c: sanctions lists in their publishers' formats (embargo_screener_add_list,
 * embargo_list_format_detect, embargo_screener_to_names_list), on the fixtures of
 * tests/screen/lists/: each written from the published format, with real entries. */
#include "tests.h"

#include <glib.h>
#include <string.h>

#define LISTS_DIR EMBARGO_SOURCE_DIR "/tests/screen/lists/"

static char *
fixture (const char *name, gsize *len)
{
  g_autofree char *path = g_strconcat (LISTS_DIR, name, NULL);
  char *data = NULL;
  CU_ASSERT_FATAL (g_file_get_contents (path, &data, len, NULL));
  return data;
}

/* Screens NAME against S and returns the best candidate's "list|ref|matched|verdict",
 * or "" when there is none. */
static char *
best (EmbargoScreener *s, const char *name, const char *const *ids)
{
  EmbargoScreenQuery q = EMBARGO_SCREEN_QUERY_INIT;
  q.name = name;
  q.ids = ids;
  GError *error = NULL;
  EmbargoScreenResult *r = embargo_screener_screen (s, &q, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL (r);
  char *out;
  if (embargo_screen_result_get_count (r) == 0)
    out = g_strdup ("");
  else
    {
      const EmbargoScreenCandidate *c = embargo_screen_result_get (r, 0);
      out = g_strdup_printf ("%s|%s|%s|%s", c->list, c->ref ? c->ref : "", c->matched,
                             embargo_screen_verdict_to_string (c->verdict));
    }
  embargo_screen_result_free (r);
  return out;
}

static void
add (EmbargoScreener *s, const char *name, EmbargoListFormat format)
{
  gsize len;
  g_autofree char *data = fixture (name, &len);
  GError *error = NULL;
  gboolean ok = embargo_screener_add_list (s, format, data, len, name, &error);
  if (!ok)
    fprintf (stderr, "%s: %s\n", name, error->message);
  CU_ASSERT_TRUE_FATAL (ok);
}

static void
test_detect (void)
{
  static const struct { const char *file; EmbargoListFormat format; } files[] = {
    { "eu-fsf.xml", EMBARGO_LIST_FORMAT_EU_FSF },
    { "un-sc.xml", EMBARGO_LIST_FORMAT_UN_SC },
    { "uk.xml", EMBARGO_LIST_FORMAT_UK },
    { "opensanctions.ftm.json", EMBARGO_LIST_FORMAT_FTM },
    { "targets.simple.csv", EMBARGO_LIST_FORMAT_OS_SIMPLE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      gsize len;
      g_autofree char *data = fixture (files[i].file, &len);
      CU_ASSERT_EQUAL (embargo_list_format_detect (data, len), files[i].format);
    }
  static const char csl[] = "source,entity_number,type,programs,name\n";
  CU_ASSERT_EQUAL (embargo_list_format_detect (csl, strlen (csl)), EMBARGO_LIST_FORMAT_CSL);
  static const char bom_xml[] = "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- x -->\n<Designations>";
  CU_ASSERT_EQUAL (embargo_list_format_detect (bom_xml, strlen (bom_xml)), EMBARGO_LIST_FORMAT_UK);
  static const char other[] = "<html><body>not a list</body></html>";
  CU_ASSERT_EQUAL (embargo_list_format_detect (other, strlen (other)), EMBARGO_LIST_FORMAT_AUTO);
  CU_ASSERT_EQUAL (embargo_list_format_detect ("", 0), EMBARGO_LIST_FORMAT_AUTO);
  EmbargoListFormat f = EMBARGO_LIST_FORMAT_AUTO;
  CU_ASSERT_TRUE (embargo_list_format_from_string ("un-sc", &f));
  CU_ASSERT_EQUAL (f, EMBARGO_LIST_FORMAT_UN_SC);
  CU_ASSERT_FALSE (embargo_list_format_from_string ("un", &f));
  CU_ASSERT_EQUAL (f, EMBARGO_LIST_FORMAT_UN_SC);
  CU_ASSERT_STRING_EQUAL (embargo_list_format_to_string (EMBARGO_LIST_FORMAT_OS_SIMPLE), "os-simple");
  CU_ASSERT_PTR_NULL (embargo_list_format_to_string ((EmbargoListFormat) 99));
}

/* Every format: names, non-Latin aliases, identifiers and references are screened. */
static void
test_each_format (void)
{
  EmbargoScreener *s = embargo_screener_new ();
  add (s, "eu-fsf.xml", EMBARGO_LIST_FORMAT_AUTO);
  CU_ASSERT_EQUAL (embargo_screener_get_entry_count (s), 2);
  add (s, "un-sc.xml", EMBARGO_LIST_FORMAT_UN_SC);
  CU_ASSERT_EQUAL (embargo_screener_get_entry_count (s), 4);
  add (s, "uk.xml", EMBARGO_LIST_FORMAT_AUTO);
  CU_ASSERT_EQUAL (embargo_screener_get_entry_count (s), 6);
  add (s, "opensanctions.ftm.json", EMBARGO_LIST_FORMAT_AUTO); /* the Address line is skipped */
  CU_ASSERT_EQUAL (embargo_screener_get_entry_count (s), 9);
  add (s, "targets.simple.csv", EMBARGO_LIST_FORMAT_AUTO);
  CU_ASSERT_EQUAL (embargo_screener_get_entry_count (s), 11);

  static const struct { const char *query; const char *const *ids; const char *want; } cases[] = {
    { "Sovcombank", NULL, "EU|EU.8224.26|Sovcombank|match" },
    { "ПАО Совкомбанк", NULL, "EU|EU.8224.26|ПАО Совкомбанк|match" },
    { "Saddam Hussein Al-Tikriti", NULL, "EU|EU.27.28|Saddam Hussein Al-Tikriti|match" },
    { "박도춘", NULL, "UN|KPi.004|박도춘|match" },
    { "KOMID", NULL, "UN|KPe.001|KOMID|match" },
    { "Joint Stock Company Rosoboronexport", NULL,
      "UK|RUS1234|JOINT STOCK COMPANY ROSOBORONEXPORT|match" },
    { "АО Рособоронэкспорт", NULL, "UK|RUS1234|АО Рособоронэкспорт|match" },
    { "Виктор Анатольевич Бут", NULL,
      "OpenSanctions|NK-2dRr6rTN5ZqSVK5ftXdFNR|Виктор Анатольевич Бут|match" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = best (s, cases[i].query, cases[i].ids);
      if (strcmp (got, cases[i].want) != 0)
        fprintf (stderr, "\n%s: got '%s', want '%s'\n", cases[i].query, got, cases[i].want);
      CU_ASSERT_STRING_EQUAL (got, cases[i].want);
    }
  /* Identifiers carry over: the EU registration number, the UK's IMO number, the UN
   * passport. */
  const char *reg[] = { "registration:1144400000425", NULL };
  const char *imo[] = { "imo:9262089", NULL };
  const char *passport[] = { "passport:563410081", NULL };
  g_autofree char *by_reg = best (s, "Unrelated Name Ltd", reg);
  g_autofree char *by_imo = best (s, "Unrelated Vessel", imo);
  g_autofree char *by_passport = best (s, "Someone Else", passport);
  CU_ASSERT_TRUE (g_str_has_prefix (by_reg, "EU|EU.8224.26|"));
  CU_ASSERT_TRUE (g_str_has_prefix (by_imo, "UK|RUS2041|") || g_str_has_prefix (by_imo, "OpenSanctions|NK-vessel-1|"));
  CU_ASSERT_TRUE (g_str_has_prefix (by_passport, "UN|KPi.004|"));
  embargo_screener_unref (s);
}

/* Errors are positioned, and a list that fails adds nothing. */
static void
test_errors (void)
{
  static const struct { EmbargoListFormat format; const char *text; const char *want; } bad[] = {
    { EMBARGO_LIST_FORMAT_AUTO, "<export xmlns=\"http://eu.europa.ec/fpi/fsd/export\">\n"
      "<sanctionEntity logicalId=\"1\"><nameAlias wholeName=\"A\"/></sanctionEntity>\n<oops>\n</export>",
      "bad.xml:4: " },
    { EMBARGO_LIST_FORMAT_UN_SC, "<Designations></Designations>",
      "bad.xml:1: root element <Designations>, not <CONSOLIDATED_LIST>" },
    { EMBARGO_LIST_FORMAT_AUTO, "<export>\n<sanctionEntity logicalId=\"7\">\n"
      "<subjectType code=\"person\"/></sanctionEntity>\n</export>",
      "bad.xml:2: sanctionEntity 7 has no nameAlias with a name" },
    { EMBARGO_LIST_FORMAT_AUTO, "<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>",
      "bad.xml:1: no listed party in the file" },
    { EMBARGO_LIST_FORMAT_FTM, "{\"schema\": \"Person\", \"properties\": {\"name\": [\"A\"]}}\n{\"schema\": ",
      "bad.xml:2: not a JSON object" },
    { EMBARGO_LIST_FORMAT_FTM, "{\"id\": \"x\", \"schema\": \"Company\", \"properties\": {}}",
      "bad.xml:1: entity x has no \"name\" property" },
    { EMBARGO_LIST_FORMAT_AUTO, "name,country\nA,B\n", "bad.xml:1: not a list format" },
    { EMBARGO_LIST_FORMAT_OS_SIMPLE, "id,schema,name\nx,Person\n",
      "bad.xml:2: 2 fields where the header has 3" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      EmbargoScreener *s = embargo_screener_new ();
      GError *error = NULL;
      CU_ASSERT_FALSE (embargo_screener_add_list (s, bad[i].format, bad[i].text,
                                                  strlen (bad[i].text), "bad.xml", &error));
      CU_ASSERT_PTR_NOT_NULL_FATAL (error);
      CU_ASSERT_TRUE (g_error_matches (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_SYNTAX));
      if (!g_str_has_prefix (error->message, bad[i].want))
        fprintf (stderr, "\ncase %" G_GSIZE_FORMAT ": '%s' lacks '%s'\n", i, error->message, bad[i].want);
      CU_ASSERT_TRUE (g_str_has_prefix (error->message, bad[i].want));
      CU_ASSERT_EQUAL (embargo_screener_get_entry_count (s), 0);
      g_error_free (error);
      embargo_screener_unref (s);
    }
}

/* An external entity is not read: the XML reader has no network and loads no file. */
static void
test_no_external_entities (void)
{
  static const char xxe[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE export [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>\n"
    "<export><sanctionEntity logicalId=\"1\"><nameAlias wholeName=\"A &x; B\"/>"
    "</sanctionEntity></export>";
  EmbargoScreener *s = embargo_screener_new ();
  GError *error = NULL;
  gboolean ok = embargo_screener_add_list (s, EMBARGO_LIST_FORMAT_AUTO, xxe, strlen (xxe), "x.xml", &error);
  if (ok)
    {
      g_autofree char *yaml = embargo_screener_to_names_list (s, "x", NULL, NULL);
      g_autofree char *host = NULL;
      g_file_get_contents ("/etc/hostname", &host, NULL, NULL);
      if (host && g_strstrip (host)[0])
        CU_ASSERT_PTR_NULL (strstr (yaml, host));
    }
  else
    g_error_free (error);
  embargo_screener_unref (s);
}

/* The names list written from a screener loads as a rule file and keeps what matters. */
static void
test_to_names_list (void)
{
  EmbargoScreener *s = embargo_screener_new ();
  GError *error = NULL;
  CU_ASSERT_PTR_NULL (embargo_screener_to_names_list (s, "empty", NULL, &error));
  CU_ASSERT_TRUE (g_error_matches (error, EMBARGO_LOAD_ERROR, EMBARGO_LOAD_ERROR_INVALID));
  g_clear_error (&error);
  add (s, "un-sc.xml", EMBARGO_LIST_FORMAT_AUTO);
  CU_ASSERT_PTR_NULL (embargo_screener_to_names_list (s, "bad id!", NULL, &error));
  g_clear_error (&error);
  g_autofree char *yaml = embargo_screener_to_names_list (s, "un-sc", "UN \"consolidated\" list", &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL (yaml);
  static const char want[] =
    "lists:\n"
    "- id: \"un-sc\"\n"
    "  kind: names\n"
    "  title: \"UN \\\"consolidated\\\" list\"\n"
    "  members:\n"
    "  - name: \"PAK TO CHUN\"\n"
    "    aliases:\n"
    "    - \"박도춘\"\n"
    "    - \"Pak To-Chun\"\n"
    "    country: \"KP\"\n"
    "    type: \"individual\"\n"
    "    program: \"DPRK\"\n"
    "    from: \"2013-03-07\"\n"
    "    ids:\n"
    "      \"passport\": [\"563410081\"]\n"
    "    notes: \"UN KPi.004\"\n"
    "  - name: \"KOREA MINING DEVELOPMENT TRADING CORPORATION\"\n"
    "    aliases:\n"
    "    - \"조선광업개발무역회사\"\n"
    "    - \"CHANGGWANG SINYONG CORPORATION\"\n"
    "    - \"KOMID\"\n"
    "    country: \"KP\"\n"
    "    type: \"entity\"\n"
    "    program: \"DPRK\"\n"
    "    from: \"2009-04-24\"\n"
    "    notes: \"UN KPe.001\"\n";
  if (strcmp (yaml, want) != 0)
    fprintf (stderr, "\n--- got\n%s--- want\n%s", yaml, want);
  CU_ASSERT_STRING_EQUAL (yaml, want);

  /* It loads as a rule file, and a rule screening against it denies the listed party. */
  static const char rule[] =
    "rules:\n  - id: un-party\n    title: a UN-listed party\n    regime: UN\n"
    "    authority: UN Security Council\n    citation: test\n"
    "    source_url: https://example.org\n    effective_from: 2000-01-01\n    effect: deny\n"
    "    when: {party: any, when: {field: party.name, in_list: un-sc}}\n";
  EmbargoLoader *ld = embargo_loader_new (NULL);
  CU_ASSERT_TRUE (embargo_loader_add_data (ld, yaml, strlen (yaml), "un-sc.yaml", NULL));
  CU_ASSERT_TRUE (embargo_loader_add_data (ld, rule, strlen (rule), "rule.yaml", NULL));
  EmbargoRuleset *rs = embargo_loader_finish (ld, &error);
  embargo_loader_free (ld);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rs);
  static const char txn[] = "{\"id\": \"T\", \"date\": \"2024-01-01\", \"destination\": {\"country\": \"CN\"},"
                            " \"buyer\": {\"name\": \"KOMID\"}, \"items\": [{\"id\": \"1\"}]}";
  EmbargoTransaction *t = embargo_transaction_new_from_data (txn, strlen (txn), "t.json", NULL, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL (t);
  EmbargoDecision *d = embargo_evaluate (rs, t, NULL, &error);
  CU_ASSERT_PTR_NOT_NULL_FATAL (d);
  CU_ASSERT_EQUAL (embargo_decision_get_outcome (d), EMBARGO_OUTCOME_DENY);
  embargo_decision_free (d);
  embargo_transaction_free (t);
  embargo_ruleset_unref (rs);
  embargo_screener_unref (s);
}

void
register_lists_tests (void)
{
  static const TestDef tests[] = {
    { "formats are detected from their content", test_detect },
    { "EU, UN, UK and OpenSanctions entries are screened", test_each_format },
    { "bad list files: positioned errors, nothing added", test_errors },
    { "XML external entities are not loaded", test_no_external_entities },
    { "a screener's entries as a rule file's names list", test_to_names_list },
    { NULL, NULL },
  };
  add_suite ("lists", tests);
}
