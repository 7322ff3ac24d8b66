#!/usr/bin/env bash
# `embargo lists` and `embargo screen --lists` on lists in their publishers' formats
# (tests/screen/lists: EU FSF XML, UN SC XML, UK Sanctions List XML, OpenSanctions).
# Usage: lists.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
cd "$src" || exit 2
l=tests/screen/lists
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect "detect: each format" 0 "^$l/eu-fsf.xml	eu-fsf$" -- "$bin" lists detect $l/eu-fsf.xml
expect "detect: UN" 0 "un-sc.xml	un-sc$" -- "$bin" lists detect $l/un-sc.xml
expect "detect: not a list" 2 "README.md: not a list format" -- "$bin" lists detect README.md

# screen --lists reads the XML and JSON formats by their content.
expect "screen: EU by a Cyrillic alias" 1 '^deny  ПАО Совкомбанк' -- \
  "$bin" screen --lists $l/eu-fsf.xml "ПАО Совкомбанк"
expect "screen: UN by its original script" 1 'UN .*PAK TO CHUN \[KPi.004\]  \(alias: 박도춘\)' -- \
  "$bin" screen --lists $l/un-sc.xml "박도춘"
expect "screen: UK vessel by IMO number" 1 '"list":"UK","ref":"RUS2041"' -- \
  "$bin" screen --lists $l/uk.xml --id imo:9262089 --format json "Some Tanker"
expect "screen: OpenSanctions JSON Lines" 1 'OpenSanctions .*Mahan Air' -- \
  "$bin" screen --lists $l/opensanctions.ftm.json "Mahan Airlines"
expect "screen: clean name" 0 '^allow  Alpha Beta Gamma GmbH' -- \
  "$bin" screen --lists $l/eu-fsf.xml --lists $l/un-sc.xml "Alpha Beta Gamma GmbH"
printf '<export>\n<sanctionEntity>\n' >"$tmp/broken.xml"
expect "screen: broken XML is no decision" 2 'broken.xml:3: ' -- \
  "$bin" screen --lists "$tmp/broken.xml" "Anyone"

# convert: a names list that rules can use, every value quoted.
expect "convert: needs --id" 2 'give --id' -- "$bin" lists convert $l/un-sc.xml
expect "convert: bad --format" 2 "unknown --format 'xml'" -- \
  "$bin" lists convert --format xml --id x $l/un-sc.xml
"$bin" lists convert --id un-sc --title "UN consolidated list" $l/un-sc.xml >"$tmp/un-sc.yaml" 2>"$tmp/err"
expect "convert: counts" 0 "2 entries written as list 'un-sc'" -- cat "$tmp/err"
expect "convert: member" 0 '^  - name: "KOREA MINING DEVELOPMENT TRADING CORPORATION"$' -- cat "$tmp/un-sc.yaml"
mkdir "$tmp/rules"
cp "$tmp/un-sc.yaml" "$tmp/rules/"
cat >"$tmp/rules/un.yaml" <<'YAML'
rules:
  - id: un-listed-party
    title: a party on the UN consolidated list
    regime: UN
    authority: UN Security Council
    citation: UN Security Council Consolidated List
    source_url: https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list
    effective_from: 2000-01-01
    effect: deny
    when: {party: any, when: {field: party.name, in_list: un-sc}}
YAML
cat >"$tmp/order.yaml" <<'YAML'
id: PO-77
date: 2024-06-01
destination: {country: AE}
buyer: {name: KOMID}
items: [{id: "1"}]
YAML
expect "convert: the list decides in a rule" 1 '^DENY  PO-77' -- \
  "$bin" check --rules "$tmp/rules" "$tmp/order.yaml"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
