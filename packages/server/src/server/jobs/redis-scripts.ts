import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Lua scripts for the Redis job queue. Every state transition of a job runs as one script, so the
 * status, the status indexes and the event stream never disagree and a job settles exactly once even
 * when an API node (cancel) and a worker (finish) race.
 *
 * Transition scripts share this key layout:
 *   KEYS[1] job hash, KEYS[2] event stream, KEYS[3] list of progress event ids,
 *   KEYS[4..8] status indexes (sorted sets) for queued, running, completed, failed, cancelled.
 * Events are stream entries with the explicit id `0-<seq>`, so the sequence number is the stream id.
 */

const PRELUDE = `
local SETS = { queued = KEYS[4], running = KEYS[5], completed = KEYS[6], failed = KEYS[7], cancelled = KEYS[8] }
local function terminal(st) return st == 'completed' or st == 'failed' or st == 'cancelled' end
local function emit(ev)
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('XADD', KEYS[2], '0-' .. seq, 'e', ev)
  return seq
end
local function move(id, from, to, now)
  if SETS[from] then redis.call('ZREM', SETS[from], id) end
  redis.call('ZADD', SETS[to], now, id)
end
-- fields: flat list of name, value pairs starting at ARGV[first]
local function finish(id, status, at, now, ev, retention, channel, first)
  local st = redis.call('HGET', KEYS[1], 'status')
  if (not st) or terminal(st) then return 0 end
  redis.call('HSET', KEYS[1], 'status', status, 'finishedAt', at)
  for i = first, #ARGV, 2 do
    if ARGV[i + 1] ~= '' then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  end
  move(id, st, status, now)
  emit(ev)
  redis.call('EXPIRE', KEYS[1], retention)
  redis.call('EXPIRE', KEYS[2], retention)
  redis.call('DEL', KEYS[3])
  redis.call('PUBLISH', channel, status)
  return 1
end
`;

/** ARGV: id, nowMs, queuedEvent, field pairs… (+ KEYS[9] tenant index). */
const CREATE = `${PRELUDE}
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
emit(ARGV[3])
redis.call('ZADD', SETS.queued, ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[9], ARGV[2], ARGV[1])
return 1
`;

/**
 * ARGV: id, at, nowMs, startedEvent, resumedEvent, worker, channel, runToken.
 * Returns {outcome, cancelReason?}: missing | <terminal status> | cancel | started | resumed.
 * A call repeated with the same run token (its reply was lost to an outage) changes nothing.
 */
const START = `${PRELUDE}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return { 'missing' } end
if terminal(st) then return { st } end
if st == 'running' and redis.call('HGET', KEYS[1], 'run') == ARGV[8] then return { 'started' } end
local reason = redis.call('HGET', KEYS[1], 'cancel')
if reason then return { 'cancel', reason } end
local outcome = 'started'
if st == 'running' then
  emit(ARGV[5])
  outcome = 'resumed'
end
redis.call('HSET', KEYS[1], 'status', 'running', 'worker', ARGV[6], 'run', ARGV[8])
redis.call('HSETNX', KEYS[1], 'startedAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'runs', 1)
move(ARGV[1], st, 'running', ARGV[3])
emit(ARGV[4])
redis.call('PUBLISH', ARGV[7], 'running')
return { outcome }
`;

/** ARGV: progressJson, event, maxProgressEvents, channel. */
const PROGRESS = `${PRELUDE}
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[1])
local seq = emit(ARGV[2])
redis.call('RPUSH', KEYS[3], '0-' .. seq)
if redis.call('LLEN', KEYS[3]) > tonumber(ARGV[3]) then
  redis.call('XDEL', KEYS[2], redis.call('LPOP', KEYS[3]))
end
redis.call('PUBLISH', ARGV[4], 'progress')
return 1
`;

/**
 * ARGV: id, status, at, nowMs, event, retentionSeconds, channel, settleToken, field pairs… (including
 * 'settle', settleToken). Returns 1 when this call settled the job, or when a call with the same
 * non-empty token already did (a retry whose first reply was lost to an outage).
 */
const FINISH = `${PRELUDE}
if ARGV[8] ~= '' and redis.call('HGET', KEYS[1], 'settle') == ARGV[8] then return 1 end
return finish(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], 9)
`;

/**
 * ARGV: id, at, nowMs, cancelledEvent, retentionSeconds, channel, cancelChannel, reason, 'error', errorJson.
 * A queued job is settled here; a running one gets a cancel request its worker acts on.
 * Returns missing | <terminal status> | cancelled | running.
 */
const CANCEL = `${PRELUDE}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 'missing' end
if terminal(st) then return st end
if st == 'queued' then
  finish(ARGV[1], 'cancelled', ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], 9)
  return 'cancelled'
end
redis.call('HSET', KEYS[1], 'cancel', ARGV[8])
redis.call('PUBLISH', ARGV[7], cjson.encode({ id = ARGV[1], reason = ARGV[8] }))
return 'running'
`;

/** A running job handed back by a worker that shuts down. ARGV: id, nowMs, progressJson, event, channel. */
const REQUEUE = `${PRELUDE}
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'queued', 'progress', ARGV[3])
redis.call('HDEL', KEYS[1], 'worker')
move(ARGV[1], 'running', 'queued', ARGV[2])
emit(ARGV[4])
redis.call('PUBLISH', ARGV[5], 'queued')
return 1
`;

/** Update fields of a job that still exists (never resurrects an expired one). ARGV: field pairs. */
const PATCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

export type ScriptFn = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

/** EVALSHA with a fallback to EVAL when the server does not have the script cached (restart, flush). */
function script(redis: Redis, lua: string): ScriptFn {
  const sha = createHash("sha1").update(lua).digest("hex");
  return async (keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).includes("NOSCRIPT")) throw error;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

export function jobScripts(redis: Redis) {
  return {
    create: script(redis, CREATE),
    start: script(redis, START),
    progress: script(redis, PROGRESS),
    finish: script(redis, FINISH),
    cancel: script(redis, CANCEL),
    requeue: script(redis, REQUEUE),
    patch: script(redis, PATCH),
  };
}

export type JobScripts = ReturnType<typeof jobScripts>;
