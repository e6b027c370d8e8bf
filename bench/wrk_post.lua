-- wrk script of the mock benchmark: every request posts one transcript message with a fresh
-- messageId, and every 50 requests open a new vendorCallKey, so the mock's validation and ledger
-- do their real work. Environment: BENCH_TOKEN (the bearer token; empty sends no Authorization
-- header) and BENCH_RUN (a prefix that keeps ids unique across runs against one mock).
-- At the end it prints one line: BENCH_JSON {...} with counts and latency in microseconds.

local counter = 0
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  prefix = (os.getenv("BENCH_RUN") or "wrk") .. "-t" .. tostring(thread_id or 0)
  headers = {["Content-Type"] = "application/json"}
  local token = os.getenv("BENCH_TOKEN") or ""
  if token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  counter = counter + 1
  local call = prefix .. "-c" .. tostring(math.floor(counter / 50))
  local now_ms = os.time() * 1000
  local body = string.format(
    '{"participantId":"%sEND_USER","messageId":"m%d","startTime":%d,"endTime":%d,' ..
    '"content":"Thanks for waiting, I can see the order on your account and it shipped this ' ..
    'morning, so it should arrive by Thursday.","senderType":"END_USER"}',
    call, counter, now_ms - 1500, now_ms)
  return wrk.format("POST", "/telephony/v1/voiceCalls/" .. call .. "/messages", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%d,"requests":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean))
end
