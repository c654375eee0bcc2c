-- Mark a worker instance alive at the Redis clock, and prune instances silent for longer than the window.
-- KEYS[1] the sorted set of live worker instances   KEYS[2] the hash of worker infos
-- KEYS[3] the hash of settings versions applied per instance
-- ARGV[1] instance id   ARGV[2] liveness window (ms)   ARGV[3] info (JSON)
-- Returns the instances pruned.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[2])))
if #dead > 0 then
  redis.call('ZREM', KEYS[1], unpack(dead))
  redis.call('HDEL', KEYS[2], unpack(dead))
  redis.call('HDEL', KEYS[3], unpack(dead))
end
return dead
