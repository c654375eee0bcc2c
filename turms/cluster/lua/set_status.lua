-- Set an online user's status; a user with no session hash stays absent.
-- KEYS[1] the user's session hash   ARGV[1] status   ARGV[2] TTL (s)
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], '$', ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
