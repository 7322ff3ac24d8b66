-- wrk script: POST /v1/check, cycling through the first 1,000 transactions of $TXNS.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for line in io.lines(os.getenv("TXNS")) do
  bodies[#bodies + 1] = line
  if #bodies == 1000 then break end
end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/v1/check", nil, bodies[i])
end
local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  non-200 %d (per thread)\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, non200))
end
