-- Parley token buckets in one Redis hash per key: one atomic decision per call, on Redis time.
--
-- KEYS[1]  the key's hash
-- ARGV[1]  'acquire', 'charge' (take unconditionally, into debt) or 'release' (give back, up to capacity)
-- ARGV[2]  permits
-- ARGV[3]  number of limits n, followed by 7 values per limit:
--          field prefix, refill ('g' greedy / 'i' intervally), capacity (tokens),
--          capacity in units, units per token, refill units (per microsecond when greedy,
--          per period when intervally), period in microseconds
--
-- Units are exact integers (tokens x period / gcd) held in Lua doubles, all below 2^52, so no
-- arithmetic here ever rounds. Returns {admitted (1/0), then per limit: remaining tokens,
-- microseconds until full, microseconds until it admits the request (0 if it does)}.

if redis.replicate_commands then
  pcall(redis.replicate_commands)
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local charge = ARGV[1] == 'charge'
local release = ARGV[1] == 'release'
local permits = tonumber(ARGV[2])
local n = tonumber(ARGV[3])

local fields = {}
for i = 1, n do
  local prefix = ARGV[4 + (i - 1) * 7]
  fields[#fields + 1] = prefix .. ':u'
  fields[#fields + 1] = prefix .. ':t'
end
local stored = redis.call('HMGET', KEYS[1], unpack(fields))

local function ceil_div(x, y)
  return math.ceil(x / y)
end

-- Microseconds from now until the bucket holds target units.
local function until_units(limit, units, last, target)
  local deficit = target - units
  if deficit <= 0 then
    return 0
  end
  if limit.greedy then
    return ceil_div(deficit, limit.rate)
  end
  return math.max(0, last + ceil_div(deficit, limit.rate) * limit.period - now)
end

local limits, units, last = {}, {}, {}
local admitted = true
for i = 1, n do
  local b = 4 + (i - 1) * 7
  local limit = {
    greedy = ARGV[b + 1] == 'g',
    capacity = tonumber(ARGV[b + 2]),
    cap = tonumber(ARGV[b + 3]),
    upt = tonumber(ARGV[b + 4]),
    rate = tonumber(ARGV[b + 5]),
    period = tonumber(ARGV[b + 6])
  }
  limits[i] = limit
  local u = tonumber(stored[2 * i - 1])
  local t = tonumber(stored[2 * i])
  if u == nil or t == nil then
    u = limit.cap
    t = now
  end
  if u > limit.cap then
    u = limit.cap
  end
  local elapsed = now - t
  if limit.greedy then
    if elapsed > 0 then
      local missing = limit.cap - u
      if missing > 0 then
        if elapsed >= ceil_div(missing, limit.rate) then
          u = limit.cap
        else
          u = u + elapsed * limit.rate
        end
      end
      t = now
    end
  elseif elapsed >= limit.period then
    local periods = math.floor(elapsed / limit.period)
    local missing = limit.cap - u
    if missing > 0 then
      if periods >= ceil_div(missing, limit.rate) then
        u = limit.cap
      else
        u = u + periods * limit.rate
      end
    end
    t = t + periods * limit.period
  end
  units[i] = u
  last[i] = t
  if u < permits * limit.upt then
    admitted = false
  end
end

local result = {0}
local all_admit = true
local ttl = 0
local write = {}
for i = 1, n do
  local limit = limits[i]
  local need = permits * limit.upt
  local admits = units[i] >= need
  if release then
    units[i] = math.min(units[i] + math.min(permits, limit.capacity) * limit.upt, limit.cap)
    need = limit.upt
    admits = units[i] >= need
  elseif charge then
    local charged = math.min(permits, 2 * limit.capacity) * limit.upt
    units[i] = math.max(units[i] - charged, -limit.cap)
    need = limit.upt
    admits = units[i] >= need
  elseif admitted then
    units[i] = units[i] - need
  end
  local remaining = 0
  if units[i] > 0 then
    remaining = math.floor(units[i] / limit.upt)
  end
  local retry = 0
  if not admits then
    all_admit = false
    retry = math.max(1, until_units(limit, units[i], last[i], need))
  end
  result[#result + 1] = remaining
  result[#result + 1] = until_units(limit, units[i], last[i], limit.cap)
  result[#result + 1] = retry
  ttl = math.max(ttl, until_units(limit, units[i], last[i], limit.cap) + limit.period)
  write[#write + 1] = fields[2 * i - 1]
  write[#write + 1] = string.format('%.0f', units[i])
  write[#write + 1] = fields[2 * i]
  write[#write + 1] = string.format('%.0f', last[i])
end

if charge or release or admitted then
  redis.call('HSET', KEYS[1], unpack(write))
  -- Idle until full again: forgetting the key then loses nothing.
  redis.call('PEXPIRE', KEYS[1], ceil_div(ttl, 1000) + 1000)
end
if ((charge or release) and all_admit) or (not charge and not release and admitted) then
  result[1] = 1
end
return result
