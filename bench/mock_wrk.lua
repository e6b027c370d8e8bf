-- wrk script: POST transcript messages to the mock, each with a new messageId.
--   MOCK_TOKEN=<jwt> wrk -t1 -c64 -d10s -s bench/mock_wrk.lua http://127.0.0.1:8080
-- MOCK_TOKEN is optional (omit it against `--no-auth`); MOCK_CALLS spreads messages over that
-- many vendorCallKeys (default 1000). Each wrk thread numbers its messages from its own id, so
-- messageIds never repeat and every post is stored (no duplicates).
local token = os.getenv("MOCK_TOKEN")
local calls = tonumber(os.getenv("MOCK_CALLS") or "1000")
local thread_id = 0
local counter = 0

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

local headers = { ["Content-Type"] = "application/json; charset=utf-8" }
if token and token ~= "" then
  headers["Authorization"] = "Bearer " .. token
end

local body_format = '{"participantId":"p","messageId":"t%d-m%d","startTime":%d,"endTime":%d,'
  .. '"content":"Hello, I would like to ask about my last invoice, please.","senderType":"END_USER"}'

function request()
  counter = counter + 1
  local start = 1764086400000 + counter
  local path = "/telephony/v1/voiceCalls/call-" .. (counter % calls) .. "/messages"
  local body = string.format(body_format, thread_id, counter, start, start + 1500)
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("posts/s %.0f  p50 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
