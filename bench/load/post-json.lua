-- wrk script of the bench: POSTs one JSON body and prints one machine-readable line at the end.
--   BENCH_BODY_FILE   file holding the request body (sent as application/json)
-- The last line printed is `BENCH_RESULT {json}`: requests, duration, errors by kind, latency percentiles (µs)
-- and `timeline`, the responses answered in each second of the run (from every thread), so a throughput
-- cliff shows. Counting a response costs wrk one Lua call per response, the same for every stack measured.

local body_file = os.getenv("BENCH_BODY_FILE")
if not body_file then
  error("BENCH_BODY_FILE is not set")
end
local handle = assert(io.open(body_file, "rb"))
local body = handle:read("*a")
handle:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  statuses = {}
end

function response(status, headers, response_body)
  local second = os.time()
  counts[second] = (counts[second] or 0) + 1
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_object(map)
  local parts = {}
  for key, value in pairs(map) do
    table.insert(parts, string.format('"%s":%d', tostring(key), value))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local per_second, by_status = {}, {}
  for _, thread in ipairs(threads) do
    for second, count in pairs(thread:get("counts") or {}) do
      per_second[second] = (per_second[second] or 0) + count
    end
    for status, count in pairs(thread:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local seconds = {}
  for second in pairs(per_second) do
    table.insert(seconds, second)
  end
  table.sort(seconds)
  local timeline = {}
  for _, second in ipairs(seconds) do
    table.insert(timeline, string.format("[%d,%d]", second, per_second[second]))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"statuses":%s,"timeline":[%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    json_object(by_status), table.concat(timeline, ",")))
end
