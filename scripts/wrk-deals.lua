-- wrk script for scripts/bench-serve: POSTs deals to /v1/decide, cycling through the first
-- 1,000 lines of the file in DEALS (one JSON deal a line), each connection from its own place.
local deals = {}
local path = os.getenv("DEALS")
for line in io.lines(path) do
  deals[#deals + 1] = line
  if #deals == 1000 then break end
end
local counter = 0
local next_index = 1

function setup(thread)
  counter = counter + 1
  thread:set("start", counter * 97)
end

function init(args)
  next_index = (start or 1) % #deals + 1
end

function request()
  local body = deals[next_index]
  next_index = next_index % #deals + 1
  return wrk.format("POST", os.getenv("ROUTE") or "/v1/decide?today=2026-12-01", {["Content-Type"] = "application/json"}, body)
end
