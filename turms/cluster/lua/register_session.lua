-- Register a session of one user on one device type, resolving conflicts atomically.
-- KEYS[1]  the user's session hash (field = device type, value = "instance|session_id|login_ms";
--          field "$" = the user's status). The only key: on a Redis Cluster it is the user's slot, so the
--          liveness of the instances named in it comes from the caller, which reads the membership.
-- ARGV[1]  device type   ARGV[2] entry   ARGV[3] "1" to reject the new login on a live conflict
-- ARGV[4]  key TTL (s)   ARGV[5] user status
-- ARGV[6]  instances the caller knows to be live, space-separated
-- ARGV[7]  instances the caller knows to be dead, space-separated
-- ARGV[8…] device types that conflict with ARGV[1] (including itself)
-- Returns {1, d1, e1, d2, e2 …} when registered (the live sessions it displaced), {0, …} when rejected by
-- the policy, {2, …} when a live conflicting session's login started later than this one (a slow login
-- never displaces a newer one, e.g. the same client's login after a reconnect), or {3, i1, i2 …} with nothing
-- written when conflicting entries name instances the caller has not judged: it asks the membership and
-- calls again with them in ARGV[6] or ARGV[7].
local live, dead = {}, {}
for id in string.gmatch(ARGV[6], '%S+') do live[id] = true end
for id in string.gmatch(ARGV[7], '%S+') do dead[id] = true end
local unknown = {3}
local found = {}
for i = 8, #ARGV do
  local entry = redis.call('HGET', KEYS[1], ARGV[i])
  if entry then
    local instance = string.match(entry, '^([^|]+)')
    if live[instance] then
      table.insert(found, {ARGV[i], entry})
    elseif dead[instance] then
      table.insert(found, {ARGV[i], false})
    else
      table.insert(unknown, instance)
    end
  end
end
if #unknown > 1 then
  return unknown
end
local login_ms = tonumber(string.match(ARGV[2], '|(%d+)$'))
local result = {1}
local superseded = false
for _, pair in ipairs(found) do
  if pair[2] then
    table.insert(result, pair[1])
    table.insert(result, pair[2])
    if tonumber(string.match(pair[2], '|(%d+)$')) > login_ms then
      superseded = true
    end
  else
    redis.call('HDEL', KEYS[1], pair[1])
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
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], '$', ARGV[5])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return result
