-- wrk script: every request carries a new ?utm_source=<random>, as links shared on
-- social media do, so a cache keyed on the whole URL never sees the same one twice.
-- usage: wrk -s bench/wrk/random_utm.lua http://127.0.0.1:8000/article/slug/

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  -- Threads have their own Lua state: seed each differently.
  math.randomseed(os.time() * 1000 + (id or 0))
  n = 0
  separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
end

function request()
  n = n + 1
  local value = string.format("%x%x%x", id or 0, n, math.random(0, 0x7fffffff))
  return wrk.format(nil, wrk.path .. separator .. "utm_source=" .. value)
end
