-- wrk script: request the paths listed in a file, one per line, in the file's order,
-- each thread from a random line of its own (bench/newsroom writes the file, already
-- drawn from the newsroom mix, so the order is the mix).
-- usage: wrk -s bench/wrk/url_list.lua http://127.0.0.1:8000 -- PATHS.txt
-- No response() hook: wrk would then copy every body into Lua, and its own
-- "Non-2xx or 3xx responses" count is the error count bench/newsroom reports.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("no paths in " .. tostring(args[1])) end
  math.randomseed(os.time() * 1000 + (id or 0))
  n = math.random(1, #paths)
end

function request()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end
