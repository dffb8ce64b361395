-- Loaded into every wrk run (bench/load.py): one line of counts, bytes and latency
-- percentiles, which bench/load.py reads back. `reused` counts first-visit sessions that had
-- to be used twice because the prepared ones ran out (first_visit.lua).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local reused = 0
  for _, thread in ipairs(threads) do
    reused = reused + (thread:get("reused") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "socket_errors": %d, '
      .. '"status_errors": %d, "p50_us": %d, "p99_us": %d, "reused": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(99), reused))
end
