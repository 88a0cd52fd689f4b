-- tests/bench/compare_etcd.lua - the wrk script of compare_etcd.sh: the same
-- client loads GAIA_GO (REST) and etcd (v3 JSON gateway).
--
--   wrk ... -s compare_etcd.lua URL -- TARGET OP [KEYS] [VALUE_SIZE] [PREFIX]
--
--   TARGET  gaia | etcd
--   OP      put  : a 100-byte value (VALUE_SIZE) to a random key of KEYS
--           get  : a linearizable read of a random key
--           fill : a put of every key once, in order, then the thread stops
--                  (run with -t1: each thread counts on its own)
--   KEYS    size of the key space (default 1000), keys are PREFIX0 ..
--   PREFIX  default "k"
--
-- done() prints one machine-readable line for the caller:
--   RESULT requests=N duration_us=N rps=X p50_us=N p99_us=N non2xx=N
--          connect=N read=N write=N timeout=N
-- and, when some answers were not 2xx, a few of them ("BAD status body").

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function b64(s)
	local out, n = {}, #s
	for i = 1, n, 3 do
		local a, b, c = s:byte(i, i + 2)
		local v = a * 65536 + (b or 0) * 256 + (c or 0)
		local c1 = math.floor(v / 262144) % 64
		local c2 = math.floor(v / 4096) % 64
		local c3 = math.floor(v / 64) % 64
		local c4 = v % 64
		out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1)
			.. (b and b64chars:sub(c3 + 1, c3 + 1) or "=")
			.. (c and b64chars:sub(c4 + 1, c4 + 1) or "=")
	end
	return table.concat(out)
end

-- setup phase (main environment): number the threads, keep them for done()
local threads = {}
function setup(thread)
	thread:set("id", #threads + 1)
	threads[#threads + 1] = thread
end

-- running phase: one environment per thread
local reqs = {}     -- pre-built requests, one per key
local nkeys = 1000
local op = "put"
local next_key = 0  -- fill: the next key to write
local done_keys = 0 -- fill: answers received
bad = {}            -- the first few non-2xx answers, read by done()
nbad = 0

function init(args)
	local target = args[1] or "gaia"
	op = args[2] or "put"
	nkeys = tonumber(args[3] or "1000")
	local vsize = tonumber(args[4] or "100")
	local prefix = args[5] or "k"
	math.randomseed(os.time() * 1000 + (id or 0) * 7919)
	-- a value of vsize printable bytes, the same for every key
	local value = string.rep("0123456789abcdef", math.ceil(vsize / 16)):sub(1, vsize)
	local hdr_json = { ["Content-Type"] = "application/json" }
	local hdr_raw = { ["Content-Type"] = "application/octet-stream" }
	local kind = (op == "get") and "get" or "put"
	for i = 0, nkeys - 1 do
		local key = prefix .. i
		local r
		if target == "etcd" then
			if kind == "put" then
				r = wrk.format("POST", "/v3/kv/put", hdr_json,
					'{"key":"' .. b64(key) .. '","value":"' .. b64(value) .. '"}')
			else
				r = wrk.format("POST", "/v3/kv/range", hdr_json,
					'{"key":"' .. b64(key) .. '"}')
			end
		else
			if kind == "put" then
				r = wrk.format("PUT", "/api/kv/" .. key, hdr_raw, value)
			else
				r = wrk.format("GET", "/api/kv/" .. key, nil, nil)
			end
		end
		reqs[i] = r
	end
	if op == "fill" then
		-- wrk parses answers only when response is set after init()
		response = function(status, headers, body)
			if status < 200 or status > 299 then
				nbad = nbad + 1
				if #bad < 3 then bad[#bad + 1] = status .. " " .. (body or "") end
			end
			done_keys = done_keys + 1
			if done_keys >= nkeys then wrk.thread:stop() end
		end
	elseif os.getenv("COMPARE_ETCD_CAPTURE") == "1" then
		-- only when asked: parsing every answer costs the client time
		response = function(status, headers, body)
			if status < 200 or status > 299 then
				nbad = nbad + 1
				if #bad < 3 then bad[#bad + 1] = status .. " " .. (body or "") end
			end
		end
	end
end

function request()
	local k
	if op == "fill" then
		k = next_key % nkeys
		next_key = next_key + 1
	else
		k = math.random(0, nkeys - 1)
	end
	return reqs[k]
end

function done(summary, latency, requests)
	local e = summary.errors
	local secs = summary.duration / 1e6
	io.write(string.format(
		"RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
		summary.requests, summary.duration, summary.requests / secs,
		latency:percentile(50), latency:percentile(99),
		e.status, e.connect, e.read, e.write, e.timeout))
	for _, t in ipairs(threads) do
		local b = t:get("bad")
		if b then
			for _, s in ipairs(b) do
				io.write("BAD " .. tostring(s):gsub("\n", " "):sub(1, 300) .. "\n")
			end
		end
	end
end
