/* fuzz-txn.c: libFuzzer target for the transaction parser and the evaluator.
 *
 * The input is one transaction document (YAML or JSON). It is parsed with small
 * limits, so the limit paths are reached quickly, then decided against a fixed rule
 * set that uses every kind of condition (lists, party scans, numbers, dates, prefixes,
 * exceptions, message templates) and rendered as JSON.
 */
#include "fuzz.h"

#include <embargo/embargo.h>
#include <string.h>

static const char rules_yaml[] =
  "defaults: {regime: US-EAR, authority: BIS, citation: 15 CFR 744,\n"
  "           source_url: https://example.org/ear, effective_from: 2020-01-01}\n"
  "lists:\n"
  "  - {id: embargoed, kind: countries, members: [CU, IR, KP, SY, {code: RU, from: 2022-02-24}]}\n"
  "  - {id: entities, kind: names, members: [{name: \"Huawei Technologies Co., Ltd.\",\n"
  "                                           aliases: [Huawei], country: CN}]}\n"
  "  - {id: uses, kind: values, members: [military, nuclear, {value: 3A090, until: 2030-01-01}]}\n"
  "rules:\n"
  "  - id: embargo\n"
  "    title: Embargoed destination\n"
  "    effect: deny\n"
  "    message: \"{destination.country} is embargoed for {item.id} ({buyer.name})\"\n"
  "    when: {any: [{field: destination.country, in_list: embargoed},\n"
  "                 {field: destination.region, equals: UA-43}]}\n"
  "  - id: entity\n"
  "    title: Listed party\n"
  "    effect: license_required\n"
  "    tags: [entity]\n"
  "    when: {party: any, when: {any: [{field: party.name, in_list: entities},\n"
  "                                    {field: party.tags, in: [sdn, entity]}]}}\n"
  "  - id: eccn\n"
  "    title: Controlled item\n"
  "    effect: license_required\n"
  "    priority: 5\n"
  "    when:\n"
  "      all:\n"
  "        - {field: item.eccn, prefix: [3A, 4A, 5A002]}\n"
  "        - {field: item.us_content_pct, gt: 25, if_missing: unknown}\n"
  "        - not: {field: destination.country, in: [CA, GB]}\n"
  "  - id: end-use\n"
  "    title: Prohibited end use\n"
  "    effect: review\n"
  "    effective_until: 2030-01-01\n"
  "    when: {field: end_use, in_list: uses}\n"
  "  - id: value\n"
  "    title: Large order\n"
  "    effect: review\n"
  "    when: [{field: item.unit_value, gte: 1000000}, {field: date, lt: 2024-01-01},\n"
  "           {field: buyer.ciio, equals: true, if_missing: false},\n"
  "           {field: consignee.facility.kind, present: true}]\n"
  "  - id: gl\n"
  "    title: General licence\n"
  "    effect: allow\n"
  "    lifts: [eccn, tag:entity]\n"
  "    when: {field: contract.general_licence, equals: GL-1}\n";

static EmbargoRuleset *
rules (void)
{
  static EmbargoRuleset *rs;
  if (rs == NULL)
    {
      rs = embargo_ruleset_new_from_data (rules_yaml, strlen (rules_yaml), "fuzz.yaml", NULL);
      g_assert (rs != NULL);
    }
  return rs;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_setup ();
  EmbargoLimits lim = EMBARGO_LIMITS_INIT;
  lim.max_input_bytes = 1 << 20;
  lim.max_depth = 16;
  lim.max_string_bytes = 4096;
  lim.max_items = 64;
  lim.max_parties = 16;
  GError *e = NULL;
  EmbargoTransaction *txn = embargo_transaction_new_from_data ((const char *) data, size,
                                                               "t.yaml", &lim, &e);
  g_assert ((txn == NULL) == (e != NULL));
  if (txn == NULL)
    {
      /* Every refusal names the input. */
      g_assert (g_str_has_prefix (e->message, "t.yaml"));
      g_error_free (e);
      return 0;
    }
  EmbargoDecision *d = embargo_evaluate (rules (), txn, NULL, &e);
  /* Parsed transactions passed the schema: they always get a decision. */
  g_assert (d != NULL);
  g_free (embargo_decision_to_json (d));
  for (gsize i = 0; i < embargo_decision_get_item_count (d); i++)
    g_assert (embargo_decision_get_item_id (d, i) != NULL);
  embargo_decision_free (d);

  EmbargoEvalOptions opts = EMBARGO_EVAL_OPTIONS_INIT;
  opts.as_of = embargo_transaction_get_id (txn); /* usually not a date: must be refused */
  d = embargo_evaluate (rules (), txn, &opts, &e);
  g_assert ((d == NULL) == (e != NULL));
  g_clear_error (&e);
  embargo_decision_free (d);
  embargo_transaction_free (txn);
  return 0;
}
