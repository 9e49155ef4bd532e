import type { RedisOptions } from "ioredis";

/**
 * How the Redis job queue talks to Redis when Redis goes away: API requests fail fast (a 503 in at most
 * a command timeout, at once while the connection is known to be down), workers wait for Redis to come
 * back before giving up on a job they finished, and every connection reconnects on its own, at most a
 * second after Redis answers again.
 */

/** A healthy Redis answers our commands (small scripts, reads) in milliseconds; beyond this it is down or hung. */
export const COMMAND_TIMEOUT_MS = 2_000;
/** What a client that met an outage is told to wait. */
export const QUEUE_RETRY_AFTER_SECONDS = 5;
/** Reconnect backoff: 100 ms, 200 ms, … capped at this, so recovery follows Redis within about a second. */
const RECONNECT_MAX_DELAY_MS = 1_000;

export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS);
}

/**
 * The connection for job records, scripts and BullMQ's Queue. Commands issued before the first connect
 * wait in the offline queue (bounded by the command timeout); once connected, callers check
 * `status === "ready"` first so a known outage fails at once (see RedisJobQueue.guard).
 */
export const commandConnectionOptions: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: COMMAND_TIMEOUT_MS,
  retryStrategy: reconnectDelay,
};

/**
 * The worker's BullMQ connection (blocking commands: no command timeout, no retry limit, as BullMQ
 * requires); only the reconnect backoff is ours.
 */
export const workerConnectionOptions: RedisOptions = {
  maxRetriesPerRequest: null,
  retryStrategy: reconnectDelay,
};

/** Replies that mean Redis cannot serve right now (loading, read-only replica, out of memory, busy script). */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|OOM|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF)\b/;
/** ioredis' own words for a connection that is gone, not writable, or a command that got no answer. */
const CONNECTION_MESSAGE = /Connection is closed|Stream isn't writeable|Command timed out|max retries per request|connect E[A-Z]+|read E[A-Z]+|write E[A-Z]+|Socket closed/i;
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** Whether an error from a Redis call means Redis is unavailable (as opposed to a bug in the call). */
export function isRedisOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  if (error.name === "MaxRetriesPerRequestError") return true;
  return CONNECTION_MESSAGE.test(error.message) || UNAVAILABLE_REPLY.test(error.message);
}


/** Wait for `promise` at most `ms` (it is left to settle on its own). */
export async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
