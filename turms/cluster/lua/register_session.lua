-- Register a session of one user on one device type, resolving conflicts atomically.
-- KEYS[1]  the user's session hash (field = device type, value = "instance|session_id|login_ms";
--          field "$" = the user's status)
-- KEYS[2]  the sorted set of live worker instances (score = last heartbeat, ms, Redis clock)
-- ARGV[1]  device type   ARGV[2] entry   ARGV[3] "1" to reject the new login on a live conflict
-- ARGV[4]  key TTL (s)   ARGV[5] worker liveness window (ms)   ARGV[6] user status
-- ARGV[7…] device types that conflict with ARGV[1] (including itself)
-- Returns {1, d1, e1, d2, e2 …} when registered (the live sessions it displaced), {0, …} when rejected by
-- the policy, or {2, …} when a live conflicting session's login started later than this one (a slow login
-- never displaces a newer one, e.g. the same client's login after a reconnect).
local t = redis.call('TIME')
local min_alive = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[5])
local login_ms = tonumber(string.match(ARGV[2], '|(%d+)$'))
local result = {1}
local superseded = false
for i = 7, #ARGV do
  local entry = redis.call('HGET', KEYS[1], ARGV[i])
  if entry then
    local instance = string.match(entry, '^([^|]+)')
    local seen = redis.call('ZSCORE', KEYS[2], instance)
    if seen and tonumber(seen) >= min_alive then
      table.insert(result, ARGV[i])
      table.insert(result, entry)
      if tonumber(string.match(entry, '|(%d+)$')) > login_ms then
        superseded = true
      end
    else
      redis.call('HDEL', KEYS[1], ARGV[i])
    end
  end
end
if superseded then
  result[1] = 2
  return result
end
if #result > 1 and ARGV[3] == '1' then
  result[1] = 0
  return result
end
for i = 2, #result, 2 do
  redis.call('HDEL', KEYS[1], result[i])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], '$', ARGV[6])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return result
