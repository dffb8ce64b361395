-- Appended to report.lua for the completion page's first visit: every request carries a
-- session that has just come back from the gateway (its 303 done, its page never rendered),
-- so every request renders a first visit. Arguments: the file of session keys, one per line,
-- and the number of threads; thread n takes lines n+1, n+1+threads, ...
local sessions = {}
local position = 1
local step = 1
reused = 0

function init(args)
  for line in io.lines(args[1]) do
    table.insert(sessions, line)
  end
  step = tonumber(args[2])
  position = id + 1
end

function request()
  if position > #sessions then
    reused = reused + 1
    position = (position - 1) % #sessions + 1
  end
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Cookie"] = "sessionid=" .. sessions[position]
  position = position + step
  return wrk.format(nil, nil, headers)
end
