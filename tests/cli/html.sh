#!/usr/bin/env bash
# --format html (check, eval --summary, diff): one self-contained page that says what the
# text says, with everything from input escaped. Each page is read twice: as written
# (python3's HTML parser) and as headless Chromium renders it (--dump-dom), the DOM then
# searched for the content. Without Chromium the second reading is skipped, and says so.
# Usage: html.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
cd "$src" || exit 2

chromium=$(command -v chromium || command -v chromium-browser || true)
[[ -n $chromium ]] || echo "skipped: Chromium rendering (no chromium; tools/install-deps.sh --test installs it)"

# page NAME STATUS FILE -- COMMAND...: COMMAND writes the page into FILE with STATUS.
page() {
  local name=$1 want=$2 file=$3
  shift 4
  "$@" >"$file" 2>"$tmp/err"
  local got=$?
  if [[ $got -eq $want ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: exit $got (want $want)"
    sed 's/^/    /' "$tmp/err"
  fi
}

# look NAME FILE TEXT...: the page in FILE, and its DOM as Chromium renders it, hold
# each TEXT in their text content; neither has an element outside the page's own
# vocabulary (no script, no img, no link to elsewhere but the rules' http(s) sources)
# nor a raw control or bidirectional character.
look() {
  local name=$1 file=$2
  shift 2
  local -a copies=("$file")
  if [[ -n $chromium ]]; then
    mkdir -p "$tmp/profile-$name"
    if timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
      --disable-background-networking --disable-component-update --disable-sync \
      --no-first-run --user-data-dir="$tmp/profile-$name" --dump-dom "file://$file" \
      >"$file.dom" 2>"$tmp/chromium.err" && [[ -s $file.dom ]]; then
      copies+=("$file.dom")
    else
      fail=$((fail + 1))
      echo "FAIL $name: Chromium did not render the page:"
      tail -5 "$tmp/chromium.err" | sed 's/^/    /'
    fi
  fi
  for copy in "${copies[@]}"; do
    if python3 - "$copy" "$@" <<'EOF'; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name ($copy)"; fi
import re, sys
from html.parser import HTMLParser

allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "table",
           "tbody", "tr", "th", "td", "dl", "dt", "dd", "code", "span", "small", "section",
           "footer", "a", "br"}

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.bad, self.skip = [], [], 0
    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th", "tr", "dt", "dd", "p", "br", "h1", "h2", "h3", "section",
                   "table", "footer"):
            self.text.append(" ")
        if tag not in allowed:
            self.bad.append(tag)
        for k, v in attrs:
            if k.startswith("on") or (k == "href" and not re.match(r"https?://", v or "")):
                self.bad.append(f"{tag} {k}={v}")
        if tag in ("style", "title"):
            self.skip += 1
    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self.skip -= 1
    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)

raw = open(sys.argv[1], encoding="utf-8").read()
p = Page()
p.feed(raw)
text = re.sub(r"\s+", " ", "".join(p.text))
ok = True
if p.bad:
    print("  elements or attributes that must not be there:", p.bad)
    ok = False
if re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]", raw):
    print("  a raw control or bidirectional character")
    ok = False
for want in sys.argv[2:]:
    if want not in text:
        print("  text lacks:", want)
        ok = False
if not ok:
    print("  text:", text[:3000])
sys.exit(0 if ok else 1)
EOF
  done
}

# check: a decision with a missing fact, for a transaction whose id tries markup, an
# event handler and a terminal escape; and a second file, decided on the same page.
sed -e 's/^id: PO-2023-0417/id: "<script>alert(1)<\/script><img src=x onerror=alert(2)>\\e[31m\\u202e"/' \
  examples/micron-unknown-ciio.yaml >"$tmp/hostile.yaml"
# The rule's line, as its source is shown: the pack changes, the test follows it.
ciio_line=$(grep -n '^  - id: cn-cac-micron-ciio$' rules/cn/cac-micron.yaml | cut -d: -f1)
page "check html" 1 "$tmp/check.html" -- "$bin" check --rules rules --format html \
  "$tmp/hostile.yaml" examples/micron-ciio.yaml
look check "$tmp/check.html" \
  'review <script>alert(1)</script><img src=x onerror=alert(2)>\x1b[31m\u202e' \
  'cn-cac-micron-ciio: CIIOs in China must stop buying Micron products' \
  'CAC Cybersecurity Review Office, conclusion of the cybersecurity review of Micron products, 2023-05-21' \
  "http://wsyb.we54.com/redian/2023/0521/10267.html rules/cn/cac-micron.yaml:$ciio_line" \
  'Missing facts field item needed by buyer.ciio 1 cn-cac-micron-ciio' \
  'CN-CAC review' 'US-EAR allow' \
  'deny PO-2023-0415' 'CN-CAC deny'

# eval --summary --format html: counts per outcome and the deciding rules.
printf '%s\n' \
  '{"id":"A","date":"2023-06-15","destination":{"country":"CN"},"buyer":{"name":"Shanghai Grid","country":"CN","ciio":true},"items":[{"id":"1","manufacturer":"Micron Technology"}]}' \
  '{"id":"B","date":"2023-06-15","destination":{"country":"DE"},"buyer":{"name":"Example Maschinenbau GmbH","country":"DE"},"items":[{"id":"1"}]}' \
  '{"id":"C","date":"2023-06-15","destination":{"country":"CN"},"buyer":{"name":"Shanghai Grid","country":"CN","ciio":true},"items":[{"id":"1","manufacturer":"Micron Technology"}]}' \
  >"$tmp/orders.jsonl"
page "eval html" 1 "$tmp/eval.html" -- "$bin" eval --rules rules --summary --format html \
  --no-progress "$tmp/orders.jsonl"
look eval "$tmp/eval.html" '3 transactions from' 'deny 2' 'allow 1' 'failed (no decision) 0' \
  'Deciding rules 2 transactions: deny' \
  'cn-cac-micron-ciio: CIIOs in China must stop buying Micron products' \
  'CAC Cybersecurity Review Office, conclusion of the cybersecurity review of Micron products'

# diff: what changed and why, the rules before and after with their citations.
l=tests/lint/diff
page "diff html" 1 "$tmp/diff.html" -- "$bin" diff --format html --corpus $l/corpus.jsonl \
  $l/base $l/head
look diff "$tmp/diff.html" '3 of 7 transactions changed; 2 fail the gate (--fail-on loosened)' \
  'FAIL 2 license_required b: Russia 15 CFR 744.21; tests/lint/diff/base/rules.yaml:12 review b: Russia 15 CFR 744.21; tests/lint/diff/head/rules.yaml:15 T4, T5' \
  'ok 1 allow no rule applies deny c: Iran' \
  'added c Iran 15 CFR 744.21 tests/lint/diff/head/rules.yaml:19' \
  'changed b Russia'

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
