-- wrk script for the identity flag (自动标识): each request asks for a random person of the demo county.
-- Usage (see README "Measured"): wrk -t1 -c8 -d20s --latency -H "X-Api-Key: KEY" -s scripts/flag.lua http://127.0.0.1:5080
local county = os.getenv("FLAG_COUNTY") or "330108"
local persons = tonumber(os.getenv("FLAG_PERSONS") or "2000")
math.randomseed(42)
request = function()
  local psn = string.format("%s%010d", county, math.random(1, persons))
  return wrk.format("GET", "/api/flag?psn_no=" .. psn)
end
