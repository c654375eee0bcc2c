-- Remove one session entry if it is still ours (a newer login may have replaced it), and the whole hash when
-- no device is left. With restore pairs (undoing a login whose connection closed while it registered), the
-- entries that login displaced are put back where their device type is still free.
-- KEYS[1] the user's session hash   ARGV[1] device type   ARGV[2] the entry we registered
-- ARGV[3], ARGV[4] …  device type, entry to restore (optional)
-- Returns 1 when removed, 0 when the entry was not ours; the second element is 1 when the user is now offline.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return {0, 0}
end
redis.call('HDEL', KEYS[1], ARGV[1])
for i = 3, #ARGV, 2 do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
end
local fields = redis.call('HKEYS', KEYS[1])
for _, f in ipairs(fields) do
  if f ~= '$' then
    return {1, 0}
  end
end
redis.call('DEL', KEYS[1])
return {1, 1}
