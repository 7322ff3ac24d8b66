#!/usr/bin/env bash
# `embargo serve`, end to end over HTTP on loopback: every endpoint, every error path,
# reloads (POST /v1/reload, SIGHUP, --watch; good and bad), the bearer token, TLS, the
# limits on body, headers and time, the request log, and a graceful SIGTERM.
# Usage: serve.sh EMBARGO_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=../cli/expect.sh
source "$src/tests/cli/expect.sh"
cd "$src" || exit 2

# start NAME ARGS...: starts `embargo serve --listen 127.0.0.1:0 ARGS` and sets $pid and
# $url from the line it prints; its stderr (the log) goes to $tmp/NAME.log.
start() {
  local name=$1
  shift
  "$bin" serve --listen 127.0.0.1:0 "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  pid=$!
  pids+=("$pid")
  url=
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^embargo serve: listening on \(.*\)$/\1/p' "$tmp/$name.out")
    [[ -n $url ]] && return 0
    sleep 0.1
  done
  echo "FAIL $name: the service did not start"
  cat "$tmp/$name.log"
  exit 1
}

# http METHOD URL [CURL ARGS...]: the body on one line, then " status=NNN".
http() {
  local method=$1 u=$2
  shift 2
  curl -sS --max-time 20 -X "$method" -w ' status=%{http_code}' "$@" "$u" | tr '\n' ' '
  echo
}

# until_ok SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds.
until_ok() {
  local n=$(($1 * 10))
  shift
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

digest_of() { curl -s "$1/readyz" | sed -n 's/.*"digest":"\([^"]*\)".*/\1/p'; }
yaml=(-H 'Content-Type: application/yaml')
json=(-H 'Content-Type: application/json')

# --- endpoints ----------------------------------------------------------------------
cp -r rules "$tmp/rules"
start main --rules "$tmp/rules" --max-body-bytes 8192 --max-stream-bytes 200000 --timeout 2
main_pid=$pid
u=$url
expect "listening line names a port" 0 '^http://127\.0\.0\.1:[1-9][0-9]*$' -- echo "$u"

"$bin" check --rules "$tmp/rules" --format json examples/micron-ciio.yaml >"$tmp/cli.json"
curl -s "${yaml[@]}" --data-binary @examples/micron-ciio.yaml "$u/v1/check" >"$tmp/http.json"
expect "check: exactly the decision JSON of embargo check --format json" 0 '' -- \
  cmp "$tmp/cli.json" "$tmp/http.json"
expect "check: YAML by Content-Type, 200 deny" 0 '"decision":"deny".*status=200' -- \
  http POST "$u/v1/check" "${yaml[@]}" --data-binary @examples/micron-ciio.yaml
head -1 tests/lint/diff/corpus.jsonl >"$tmp/one.json"
expect "check: JSON body" 0 '^\{"transaction":"T1".*status=200' -- \
  http POST "$u/v1/check" "${json[@]}" --data-binary @"$tmp/one.json"
expect "check: as_of" 0 '"decision":"allow".*"as_of":"2023-05-20".*status=200' -- \
  http POST "$u/v1/check?as_of=2023-05-20" "${yaml[@]}" --data-binary @examples/micron-ciio.yaml
expect "check: review for a missing fact" 0 '"decision":"review".*"field":"buyer.ciio".*status=200' -- \
  http POST "$u/v1/check" "${yaml[@]}" --data-binary @examples/micron-unknown-ciio.yaml
expect "check: the request id header" 0 'Embargo-Request-Id: [0-9]+' -- \
  curl -s -i "${yaml[@]}" --data-binary @examples/micron-ciio.yaml "$u/v1/check"

# Errors: positioned, never a decision.
expect "check: schema error is 400 with code and position" 0 \
  '^\{"error":\{"code":"E-TRANSACTION","message":"'"'"'date'"'"': '"'"'2023-13-01'"'"' is not a valid date \(YYYY-MM-DD\)","line":1,"column":18,' -- \
  http POST "$u/v1/check" "${json[@]}" --data-binary '{"id":"x","date":"2023-13-01"}'
expect "check: malformed JSON is 400 E-SYNTAX at line 2" 0 '"code":"E-SYNTAX".*"line":2,.*status=400' -- \
  http POST "$u/v1/check" "${json[@]}" --data-binary $'{"id": "x",\n  bad'
expect "check: misspelt key is 400" 0 '"code":"E-TRANSACTION".*destination.*status=400' -- \
  http POST "$u/v1/check" "${yaml[@]}" --data-binary "$(sed 's/^destination:/destinaton:/' examples/micron-ciio.yaml)"
expect "check: JSON Content-Type, YAML body is 400" 0 '"code":"E-SYNTAX".*not a JSON object.*status=400' -- \
  http POST "$u/v1/check" "${json[@]}" --data-binary @examples/micron-ciio.yaml
expect "check: empty body is 400" 0 '"error".*status=400' -- \
  http POST "$u/v1/check" "${yaml[@]}" --data-binary ''
expect "check: bad as_of is 400 E-DATE" 0 '"code":"E-DATE".*status=400' -- \
  http POST "$u/v1/check?as_of=2023-02-30" "${yaml[@]}" --data-binary @examples/micron-ciio.yaml
expect "check: unknown query parameter is 400" 0 '"code":"E-REQUEST".*as_of.*status=400' -- \
  http POST "$u/v1/check?asof=2023-05-20" "${yaml[@]}" --data-binary @examples/micron-ciio.yaml
expect "check: other media type is 415" 0 '"code":"E-MEDIA-TYPE".*status=415' -- \
  http POST "$u/v1/check" -H 'Content-Type: text/xml' --data-binary '<x/>'
no_decision() { # BODY: answered 400, and nothing in the answer is a decision
  local out
  out=$(http POST "$u/v1/check" "${yaml[@]}" --data-binary "$1")
  [[ $out == '{"error":'*' status=400' && $out != *'"decision"'* ]] || { echo "$out"; return 1; }
}
for body in '{"id":"x"}' '{"id":"x","date":"2023-06-15","destination":{"country":"CNN"},"buyer":{"name":"B"},"items":[{"id":"1"}]}' '[]' 'id: [' $'\xff'; do
  expect "check: no decision for undecidable input ${body:0:12}" 0 '' -- no_decision "$body"
done
expect "unknown path is 404" 0 '"code":"E-NOT-FOUND".*status=404' -- http GET "$u/v2/check"
expect "GET on a POST endpoint is 405 with Allow" 0 'Allow: POST' -- curl -s -i "$u/v1/check"
expect "POST on a GET endpoint is 405" 0 '"code":"E-METHOD".*status=405' -- \
  http POST "$u/metrics" --data-binary x

# Limits: body, headers, time.
head -c 9000 /dev/zero | tr '\0' ' ' >"$tmp/big.yaml"
expect "body over --max-body-bytes is 413" 0 '"code":"E-TOO-LARGE".*status=413' -- \
  http POST "$u/v1/check" "${yaml[@]}" --data-binary @"$tmp/big.yaml"
expect "chunked body over the limit is 413" 0 '"code":"E-TOO-LARGE".*status=413' -- \
  http POST "$u/v1/check" "${yaml[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big.yaml"
expect "headers over the limit are refused (431)" 0 'status=431' -- \
  http GET "$u/healthz" -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)"
slow() { # a client that sends half a request and waits: the service must close it
  exec 3<>"/dev/tcp/127.0.0.1/${u##*:}"
  printf 'POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{' >&3
  timeout 8 cat <&3 >/dev/null
  local st=$?
  exec 3<&-
  return $st
}
expect "a slow client is dropped after --timeout" 0 '' -- slow

# eval: JSON Lines in and out, in order, errors per line.
{ cat tests/lint/diff/corpus.jsonl; echo '{"id": "broken", "date": '; head -2 tests/lint/diff/corpus.jsonl; } >"$tmp/in.jsonl"
"$bin" eval --rules "$tmp/rules" - <"$tmp/in.jsonl" 2>/dev/null | sed 's/<stdin>/<body>/' >"$tmp/cli.jsonl"
curl -s -H 'Content-Type: application/x-ndjson' --data-binary @"$tmp/in.jsonl" "$u/v1/eval" >"$tmp/http.jsonl"
expect "eval: the lines of embargo eval, in input order" 0 '' -- cmp "$tmp/cli.jsonl" "$tmp/http.jsonl"
expect "eval: one line out per line in, error object on line 8" 0 '^10 .*"line":8,"error":"<body>:8:' -- \
  bash -c "echo \$(wc -l <'$tmp/http.jsonl') \$(sed -n 8p '$tmp/http.jsonl')"
awk '{ l[NR] = $0 } END { for (i = 1; i <= 400; i++) print l[(i % NR) + 1] }' \
  tests/lint/diff/corpus.jsonl >"$tmp/many.jsonl"
expect "eval: 400 lines, order kept" 0 '^400 400$' -- bash -c "
  curl -s --data-binary @'$tmp/many.jsonl' -H 'Content-Type: application/x-ndjson' '$u/v1/eval' \
    | sed -n 's/^{\"transaction\":\"\\([^\"]*\\)\".*/\\1/p' > '$tmp/ids'
  sed -n 's/^{\"id\":\"\\([^\"]*\\)\".*/\\1/p' '$tmp/many.jsonl' | cmp -s - '$tmp/ids' && echo \$(wc -l <'$tmp/ids') \$(wc -l <'$tmp/many.jsonl')"
expect "eval: as_of" 0 '"as_of":"2020-01-01"' -- \
  http POST "$u/v1/eval?as_of=2020-01-01" -H 'Content-Type: application/x-ndjson' --data-binary @"$tmp/one.json"
expect "eval: YAML stream by Content-Type" 0 '"transaction":"PO-2023-0415","decision":"deny".*"transaction":"PO-2023-0416","decision":"allow"' -- \
  http POST "$u/v1/eval" "${yaml[@]}" --data-binary "$(cat examples/micron-ciio.yaml; echo ---; cat examples/micron-non-ciio.yaml)"
head -c 210000 /dev/zero | tr '\0' '\n' >"$tmp/big.jsonl"
expect "eval: over --max-stream-bytes is 413" 0 'status=413' -- \
  http POST "$u/v1/eval" -H 'Content-Type: application/x-ndjson' --data-binary @"$tmp/big.jsonl"

# screen, ruleset, health, readiness, metrics.
expect "screen: answered as embargo screen --format json" 0 '' -- cmp \
  <("$bin" screen --lists "$tmp/rules" --format json "Huawei Technologies Co") \
  <(curl -s "${json[@]}" -d '{"name": "Huawei Technologies Co"}' "$u/v1/screen")
expect "screen: country and ids" 0 '"name":"Nobody Known","country":"DE","decision":"allow","candidates":\[\].*status=200' -- \
  http POST "$u/v1/screen" "${json[@]}" -d '{"name": "Nobody Known", "country": "DE", "type": "entity", "ids": ["lei:1234"]}'
expect "screen: unknown key is 400" 0 '"code":"E-REQUEST".*'"'"'nmae'"'"'.*status=400' -- \
  http POST "$u/v1/screen" "${json[@]}" -d '{"nmae": "Huawei"}'
expect "screen: no name, no ids is 400" 0 '"code":"E-REQUEST".*status=400' -- \
  http POST "$u/v1/screen" "${json[@]}" -d '{"country": "CN"}'
expect "screen: not JSON is 400" 0 '"code":"E-SYNTAX".*status=400' -- \
  http POST "$u/v1/screen" "${json[@]}" -d '{"name": '
nrules=$("$bin" check --rules "$tmp/rules" --format json examples/micron-ciio.yaml | sed 's/.*"rules":\([0-9]*\)}}$/\1/')
expect "ruleset: digest, counts, packs, rules" 0 "^\\{\"digest\":\"sha256:[0-9a-f]{64}\",\"loaded\":\"[^\"]+\",\"counts\":\\{\"rules\":$nrules,.*\"packs\":\\[\\{\"path\":\"[^\"]*/rules/cn\",\"rules\":[0-9]+\\}.*\\{\"id\":\"cn-cac-micron-ciio\",\"title\":\"[^\"]+\",\"regime\":\"CN-CAC\",\"effect\":\"deny\",\"citation\":\"[^\"]+\",\"effective_from\":\"2023-05-21\",\"effective_until\":null,\"source\":\"[^\"]*cac-micron.yaml:[0-9]+\"" -- \
  curl -s "$u/v1/ruleset"
expect "healthz" 0 '^\{"status":"ok"\}' -- curl -s "$u/healthz"
d0=$(digest_of "$u")
expect "readyz names the digest" 0 "^\\{\"ready\":true,\"digest\":\"$d0\",\"rules\":$nrules\\}" -- curl -s "$u/readyz"
curl -s "$u/metrics" >"$tmp/metrics"
expect "metrics: decisions by outcome" 0 'embargo_decisions_total\{outcome="deny"\} [1-9]' -- cat "$tmp/metrics"
expect "metrics: decisions by regime" 0 'embargo_regime_decisions_total\{regime="CN-CAC",outcome="deny"\} [1-9]' -- cat "$tmp/metrics"
expect "metrics: latency histogram" 0 'embargo_request_duration_seconds_bucket\{le="\+Inf"\} [1-9]' -- cat "$tmp/metrics"
expect "metrics: in flight" 0 '^embargo_requests_in_flight 1$' -- cat "$tmp/metrics"
expect "metrics: digest and load time" 0 "embargo_ruleset_info\\{digest=\"$d0\"\\} 1" -- cat "$tmp/metrics"
expect "metrics: load time" 0 'embargo_ruleset_loaded_timestamp_seconds [1-9][0-9]{9}' -- cat "$tmp/metrics"
expect "metrics: eval lines not decided" 0 'embargo_undecided_total [1-9]' -- cat "$tmp/metrics"
expect "metrics: responses by status" 0 'embargo_http_responses_total\{code="413"\} [1-9]' -- cat "$tmp/metrics"
expect "log: one JSON line per request" 0 '"method":"POST","path":"/v1/check","status":200,"decision":"deny","rule":"cn-cac-micron-ciio","duration_ms":[0-9.]+\}' -- \
  cat "$tmp/main.log"
expect "log: errors with their code" 0 '"path":"/v2/check","status":404,"error":"E-NOT-FOUND"' -- cat "$tmp/main.log"
expect "log: every line is JSON" 0 '^ok$' -- bash -c "python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <'$tmp/main.log' && echo ok"

# --- reloads --------------------------------------------------------------------------
f="$tmp/rules/cn/cac-micron.yaml"
cp "$f" "$tmp/good.yaml"
echo '  bogus: [' >>"$f"
expect "reload: a bad rule set is 422 and lists the errors" 0 '"code":"E-RELOAD".*"diagnostics":\[".*cac-micron.yaml:[0-9]+:[0-9]+: error: .*status=422' -- \
  http POST "$u/v1/reload"
expect "reload: the old set stays" 0 "^$d0\$" -- digest_of "$u"
expect "reload: deciding goes on under the old set" 0 "\"digest\":\"$d0\".*status=200" -- \
  http POST "$u/v1/check" "${yaml[@]}" --data-binary @examples/micron-ciio.yaml
expect "reload: failure counted" 0 'embargo_reloads_total\{result="failure"\} 1' -- curl -s "$u/metrics"
expect "reload: failure logged" 0 '"event":"reload-failed".*kept the rules served before' -- cat "$tmp/main.log"
{ cat "$tmp/good.yaml"; echo '# edited'; } >"$f"
expect "reload: a good set is served" 0 '^\{"reloaded":true,"digest":"sha256:[0-9a-f]{64}","rules":[0-9]+\}' -- \
  http POST "$u/v1/reload"
d1=$(digest_of "$u")
expect "reload: new digest" 0 '' -- test "$d1" != "$d0"
expect "reload: decisions name the new set" 0 "\"digest\":\"$d1\"" -- \
  http POST "$u/v1/check" "${yaml[@]}" --data-binary @examples/micron-ciio.yaml
expect "reload: success counted" 0 'embargo_reloads_total\{result="success"\} 1' -- curl -s "$u/metrics"
{ cat "$tmp/good.yaml"; echo '# edited twice'; } >"$f"
kill -HUP "$main_pid"
expect "SIGHUP reloads" 0 '' -- until_ok 5 bash -c "[[ \$(curl -s '$u/readyz') != *'$d1'* ]]"
d2=$(digest_of "$u")
echo ' : bad [' >>"$f"
kill -HUP "$main_pid"
expect "SIGHUP with bad rules keeps the set" 0 '' -- \
  until_ok 5 bash -c "curl -s '$u/metrics' | grep -q 'embargo_reloads_total{result=\"failure\"} 2'"
expect "... still serving the set before" 0 "^$d2\$" -- digest_of "$u"
cp "$tmp/good.yaml" "$f"

kill -TERM "$main_pid"
wait "$main_pid"

# --- graceful shutdown: a request in flight finishes, then the service exits 0 ---------
start drain --rules "$tmp/rules"
main_pid=$pid
u=$url
awk '{ l[NR] = $0 } END { for (i = 0; i < 700; i++) print l[(i % NR) + 1] }' \
  tests/lint/diff/corpus.jsonl >"$tmp/slow.jsonl"
curl -s --limit-rate 20k -H 'Content-Type: application/x-ndjson' --data-binary @"$tmp/slow.jsonl" \
  "$u/v1/eval" >"$tmp/slow.out" &
cpid=$!
until_ok 5 bash -c "curl -s '$u/metrics' | grep -q '^embargo_requests_in_flight 2$'"
kill -TERM "$main_pid"
wait "$cpid"
wait "$main_pid"
st=$?
expect "SIGTERM: the request in flight got every decision" 0 '^700$' -- bash -c "wc -l <'$tmp/slow.out'"
expect "SIGTERM: exit 0 after draining" 0 '^0$' -- echo "$st"
expect "SIGTERM: logged" 0 '"event":"shutdown".*"event":"stopped"' -- bash -c "tr '\n' ' ' <'$tmp/drain.log'"
expect "SIGTERM: no longer listening" 7 '' -- curl -s "$u/healthz"

# --- --watch ------------------------------------------------------------------------
start watch --rules "$tmp/rules" --watch
w0=$(digest_of "$url")
sleep 1.1
{ cat "$tmp/good.yaml"; echo '# watched'; } >"$f"
expect "--watch: an edited file is reloaded" 0 '' -- \
  until_ok 6 bash -c "[[ \$(curl -s '$url/readyz') != *'$w0'* ]]"
w1=$(digest_of "$url")
echo '  bogus: [' >>"$f"
expect "--watch: a broken file keeps the set" 0 '' -- \
  until_ok 6 bash -c "curl -s '$url/metrics' | grep -q 'embargo_reloads_total{result=\"failure\"} 1'"
expect "--watch: ... the set before" 0 "^$w1\$" -- digest_of "$url"
cp "$tmp/good.yaml" "$f"
kill -TERM "$pid"
wait "$pid"

# --- the bearer token ----------------------------------------------------------------
echo "s3cret-token-0123456789" >"$tmp/token"
start token --rules "$tmp/rules" --token-file "$tmp/token"
expect "token: reload without it is 401" 0 '"code":"E-UNAUTHORIZED".*status=401' -- http POST "$url/v1/reload"
expect "token: a wrong one is 401" 0 'status=401' -- \
  http POST "$url/v1/reload" -H 'Authorization: Bearer s3cret-token-0123456788'
expect "token: the right one reloads" 0 '"reloaded":true.*status=200' -- \
  http POST "$url/v1/reload" -H 'Authorization: Bearer s3cret-token-0123456789'
expect "token: deciding needs none" 0 'status=200' -- \
  http POST "$url/v1/check" "${yaml[@]}" --data-binary @examples/micron-ciio.yaml
kill -TERM "$pid"
wait "$pid"
echo short >"$tmp/short"
expect "token: too short a token is refused" 2 'at least 16' -- \
  "$bin" serve --listen 127.0.0.1:0 --token-file "$tmp/short"

# --- TLS ----------------------------------------------------------------------------
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
     -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
  start tls --rules "$tmp/rules" --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
  expect "TLS: https URL" 0 '^https://127\.0\.0\.1:' -- echo "$url"
  expect "TLS: check over HTTPS" 0 '"decision":"deny".*status=200' -- \
    http POST "$url/v1/check" --cacert "$tmp/cert.pem" "${yaml[@]}" --data-binary @examples/micron-ciio.yaml
  kill -TERM "$pid"
  wait "$pid"
else
  echo "FAIL TLS: openssl could not make a certificate"
  fail=$((fail + 1))
fi

# --- start-up errors ------------------------------------------------------------------
expect "bad --listen" 2 'ADDR:PORT' -- "$bin" serve --listen localhost
expect "rules that do not load: nothing served" 2 'nothing is served' -- \
  "$bin" serve --listen 127.0.0.1:0 --rules "$tmp/nonexistent"
start busy --rules "$tmp/rules"
expect "port in use" 2 'cannot listen' -- "$bin" serve --rules "$tmp/rules" --listen "${url#http://}"
kill -TERM "$pid"
wait "$pid"

echo "serve: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
