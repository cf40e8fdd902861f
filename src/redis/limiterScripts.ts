/**
 * The shared budget's Lua: each call reads and changes a scope's state in one step, on
 * Redis' own clock (`TIME`), so processes on machines whose clocks differ still share one
 * pace. Requests and tokens are each a GCRA (a theoretical arrival time, TAT, in ms): a
 * charge may go when the TAT it leaves is at most one burst ahead of now, which is a
 * token bucket that refills continuously, smooth rather than per-minute windows.
 *
 * Keys of a scope (one hash tag, so they stay together on a cluster):
 *   state: learned limits from headers (hrpm, htpm), the 429 factor (cut, cutAt), the hold
 *          (held), the learned rate when nothing else is known (probe, probeAt), and the
 *          ms one token costs at the current pace (tokMs), for settling;
 *   req, tok: the two TATs;
 *   use: per-second counts (r:<sec>, t:<sec>) for the rate everyone achieves.
 */

/** Shared by every script: the clock, the limits in force now, the per-second counts. */
const PREAMBLE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function num(v) if v == false or v == nil then return nil end return tonumber(v) end
local function minp(a, b)
  if a ~= nil and a > 0 then if b ~= nil and b > 0 and b < a then return b end return a end
  if b ~= nil and b > 0 then return b end
  return nil
end
local s = redis.call('HMGET', KEYS[1], 'hrpm', 'htpm', 'cut', 'cutAt', 'held', 'probe', 'probeAt')
local flagRpm = num(ARGV[1]); local flagTpm = num(ARGV[2]); local burst = num(ARGV[3])
local knownRpm = minp(flagRpm, num(s[1]))
local knownTpm = minp(flagTpm, num(s[2]))
-- The 429 factor recovers with time: after 2 s quiet, 1/60000 a ms (as in-process).
local function factor()
  local cut = num(s[3]) or 1
  if cut >= 1 then return 1 end
  return math.min(1, cut + math.max(0, now - (num(s[4]) or now) - 2000) / 60000)
end
-- With nothing known but 429s: the learned rate grows 0.15 % a second once quiet, to 1.5x its cut.
local function probe()
  local p = num(s[6])
  if p == nil then return nil end
  local grown = p * (1 + math.max(0, now - (num(s[7]) or now) - 2000) * 0.0000015)
  return math.min(grown, p * 1.5)
end
local rpm, tpm
if knownRpm == nil and knownTpm == nil then
  rpm = probe()
else
  local f = factor()
  if knownRpm then rpm = knownRpm * f end
  if knownTpm then tpm = knownTpm * f end
end
local held = num(s[5]) or 0
local function tat(key) return math.max(num(redis.call('GET', key)) or now, now) end
local function setTat(key, value) redis.call('SET', key, string.format('%.3f', value), 'PX', math.max(1000, math.ceil(value - now) + 60000)) end
local sec = math.floor(now / 1000)
local function count(field, amount)
  redis.call('HINCRBYFLOAT', KEYS[4], field .. ':' .. sec, amount)
  redis.call('PEXPIRE', KEYS[4], 120000)
end
local function recent(prefix, seconds)
  local all = redis.call('HGETALL', KEYS[4])
  local sum = 0
  local oldest = sec
  for i = 1, #all, 2 do
    local p, at = string.match(all[i], '^(%a):(%d+)$')
    at = tonumber(at)
    if at ~= nil and at <= sec - 60 then redis.call('HDEL', KEYS[4], all[i])
    elseif p == prefix and at ~= nil and at > sec - seconds then sum = sum + tonumber(all[i + 1]); if at < oldest then oldest = at end end
  end
  return sum, oldest
end
`;

/**
 * ARGV: flagRpm, flagTpm, burstMs, tokens. Returns {1} when the charge went, or
 * {0, waitMs} for how long until it could.
 */
export const ACQUIRE = `${PREAMBLE}
local tokens = num(ARGV[4]) or 0
local wait = held - now
local reqTat, tokTat, tokMs
if rpm then
  local T = 60000 / rpm
  local at = tat(KEYS[2])
  wait = math.max(wait, at + T - now - math.max(burst, T))
  reqTat = at + T
end
if tpm and tokens > 0 then
  tokMs = 60000 / tpm
  local charge = tokens * tokMs
  local at = tat(KEYS[3])
  -- A charge above the burst waits for a full bucket, then goes alone.
  wait = math.max(wait, at + charge - now - math.max(burst, charge))
  tokTat = at + charge
end
if wait > 0 then return {0, math.ceil(wait)} end
if reqTat then setTat(KEYS[2], reqTat) end
if tokTat then setTat(KEYS[3], tokTat); redis.call('HSET', KEYS[1], 'tokMs', tostring(tokMs)) end
count('r', 1)
count('t', tokens)
return {1}
`;

/** ARGV: flagRpm, flagTpm, burstMs, deltaTokens (the real usage less the estimate). */
export const SETTLE = `${PREAMBLE}
local delta = num(ARGV[4]) or 0
local tokMs = num(redis.call('HGET', KEYS[1], 'tokMs'))
if tokMs and delta ~= 0 then
  local at = num(redis.call('GET', KEYS[3]))
  if at then setTat(KEYS[3], at + delta * tokMs) end
end
if delta ~= 0 then count('t', delta) end
return 1
`;

/**
 * ARGV: flagRpm, flagTpm, burstMs, limitRequests, limitTokens, usedRequests, usedTokens
 * (-1 where a header was missing). The limits become everyone's; what the server says is
 * spent beyond one burst holds the TAT back, as the in-process bucket's syncUsed does.
 */
export const HEADERS = `${PREAMBLE}
local lr = num(ARGV[4]); local lt = num(ARGV[5]); local ur = num(ARGV[6]); local ut = num(ARGV[7])
if lr and lr > 0 and lr ~= num(s[1]) then redis.call('HSET', KEYS[1], 'hrpm', ARGV[4]); redis.call('HDEL', KEYS[1], 'probe', 'probeAt') end
if lt and lt > 0 and lt ~= num(s[2]) then redis.call('HSET', KEYS[1], 'htpm', ARGV[5]); redis.call('HDEL', KEYS[1], 'probe', 'probeAt') end
if rpm and ur and ur >= 0 then
  local T = 60000 / rpm
  local excess = ur - math.max(1, math.max(burst, T) / T)
  if excess > 0 then setTat(KEYS[2], math.max(tat(KEYS[2]), now + excess * T)) end
end
if tpm and ut and ut >= 0 then
  local T = 60000 / tpm
  local excess = ut - math.max(1, math.max(burst, T) / T)
  if excess > 0 then setTat(KEYS[3], math.max(tat(KEYS[3]), now + excess * T)) end
end
redis.call('PEXPIRE', KEYS[1], 86400000)
return 1
`;

/**
 * A 429. ARGV: flagRpm, flagTpm, burstMs, retryAfterMs (-1: none), hold (1: every
 * dispatch waits it out), cut (the factor's multiplier, 0 for none), learn (1: nothing
 * is known, set the learned rate), letThrough (the share of answers the server let
 * through lately). Returns 1 when this 429 slowed everyone, 0 when one before it already
 * had (a burst of 429s from one overshoot is one signal).
 */
export const RATE_LIMITED = `${PREAMBLE}
local retryAfter = num(ARGV[4]) or -1
local hold = ARGV[5] == '1'
local cut = num(ARGV[6]) or 0
local learn = ARGV[7] == '1'
local letThrough = num(ARGV[8]) or 0.7
if hold and retryAfter >= 0 and now + retryAfter > held then
  held = now + retryAfter
  redis.call('HSET', KEYS[1], 'held', tostring(held))
end
local slowed = 0
if knownRpm == nil and knownTpm == nil then
  if learn then
    local current = probe()
    local last = num(s[7]) or 0
    if current == nil or now - math.max(last, held) >= math.max(1000, 120000 / current) then
      local sent = current
      if sent == nil then local n = recent('r', 3); sent = math.max(1, n * 20) end
      local learned = math.max(1, sent * math.max(0.7, letThrough) * 0.9)
      redis.call('HSET', KEYS[1], 'probe', tostring(learned), 'probeAt', tostring(now))
      rpm = learned
      slowed = 1
    end
  end
elseif cut > 0 and now - (num(s[4]) or 0) >= 1000 then
  local f = math.max(0.1, factor() * cut)
  redis.call('HSET', KEYS[1], 'cut', tostring(f), 'cutAt', tostring(now))
  if knownRpm then rpm = knownRpm * f end
  slowed = 1
end
-- Out of budget: after the hold, go on at the pace, not with a burst saved meanwhile.
if hold and rpm and held > now then
  local T = 60000 / rpm
  setTat(KEYS[2], math.max(tat(KEYS[2]), held + math.max(burst, T) - T))
end
redis.call('PEXPIRE', KEYS[1], 86400000)
return slowed
`;

/**
 * What every process sees. ARGV: flagRpm, flagTpm, burstMs. Returns {rpmLimit, tpmLimit,
 * source (0 none, 1 flags, 2 headers, 3 both), heldUntil, requests and tokens of the last
 * 60 s} as strings.
 */
export const SNAPSHOT = `${PREAMBLE}
local flags = (flagRpm ~= nil and flagRpm > 0) or (flagTpm ~= nil and flagTpm > 0)
local headers = num(s[1]) ~= nil or num(s[2]) ~= nil
local source = 0
if flags then source = source + 1 end
if headers then source = source + 2 end
local r = recent('r', 60)
local tk = recent('t', 60)
local h = 0
if held > now then h = held end
return {tostring(rpm or 0), tostring(tpm or 0), tostring(source), tostring(h), tostring(r), tostring(tk)}
`;
