-- A token bucket of failed logins (turms.cluster.login_throttle).
-- KEYS[1]: the bucket, a hash {t = tokens, at = ms of the last take}
-- ARGV: now (ms), burst, refill (ms per token), take (1: take one token first)
-- Returns the ms until the bucket holds a token (0: it holds one now).
local now = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local refill = tonumber(ARGV[3])
local tokens = burst
local stored = redis.call('HMGET', KEYS[1], 't', 'at')
if stored[1] then
  local elapsed = math.max(0, now - tonumber(stored[2]))
  tokens = math.min(burst, tonumber(stored[1]) + elapsed / refill)
end
if ARGV[4] == '1' then
  tokens = math.max(0, tokens - 1)
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', ARGV[1])
  -- Gone once full again: a full bucket and no bucket are the same.
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * refill) + 1000)
end
if tokens >= 1 then
  return 0
end
return math.ceil((1 - tokens) * refill)
