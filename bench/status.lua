-- wrk script (bench/throughput.py): counts the responses whose status is the one expected,
-- given as the script's argument (`wrk ... <url> -- 304`), and prints them as one line.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   expected = tonumber(args[1])
   good = 0
   other = 0
end

function response(status, headers, body)
   if status == expected then
      good = good + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local g, o = 0, 0
   for _, thread in ipairs(threads) do
      g = g + thread:get("good")
      o = o + thread:get("other")
   end
   io.write(string.format("STATUS expected=%d other=%d\n", g, o))
end
