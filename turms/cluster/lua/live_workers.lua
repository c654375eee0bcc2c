-- The live worker instances: those that beat within the window, judged by this Redis's clock (the same
-- clock worker_heartbeat.lua scores with, which a client-side TIME on a cluster could not promise).
-- KEYS[1] the sorted set of live worker instances   ARGV[1] liveness window (ms)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[1]), '+inf')
