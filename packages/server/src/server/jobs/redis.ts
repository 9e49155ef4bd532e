import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type Job as BullJob, Queue, WaitingError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { CancelledError } from "../../../../../src/core/errors.js";
import type { Logger } from "../../../../../src/core/logger.js";
import { registerSecret } from "../../../../../src/core/redact.js";
import type { ServerConfig } from "../config.js";
import { toApiError } from "../errors.js";
import { jobError } from "./memory.js";
import {
  JOB_STATUSES,
  type Job,
  type JobError,
  type JobEvent,
  type JobHandler,
  type JobInput,
  type JobKind,
  type JobProgress,
  type JobQueue,
  type JobSettledListener,
  type JobStatus,
  QueueClosedError,
  QueueFullError,
  QueueUnavailableError,
  TERMINAL_STATUSES,
} from "./queue.js";
import { COMMAND_TIMEOUT_MS, QUEUE_RETRY_AFTER_SECONDS, atMost, commandConnectionOptions, isRedisOutage, workerConnectionOptions } from "./redis-connection.js";
import { pause } from "../../../../../src/core/abort.js";
import { type JobScripts, jobScripts } from "./redis-scripts.js";

export interface RedisQueueOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Namespace of every key and channel (default `tarash`); nodes sharing jobs use the same one. */
  prefix?: string | undefined;
  /**
   * `api`: accept, read and cancel jobs; run none (worker processes do). `worker`: also run jobs.
   * Any number of both may share one Redis.
   */
  role: "api" | "worker";
  /** Jobs a worker process runs at once. */
  concurrency: number;
  /** Waiting jobs beyond this are refused (QueueFullError → 429). */
  maxQueued: number;
  /** Finished jobs (and their events) expire after this long. */
  retentionSeconds: number;
  /** A worker's lock on a running job; a worker that stops renewing it (killed, hung) loses the job after this. */
  lockDurationMs?: number | undefined;
  /** How often workers look for jobs whose worker went away. */
  stalledIntervalMs?: number | undefined;
  /** A job whose worker went away more often than this fails with a reason instead of running again. */
  maxStalledCount?: number | undefined;
  /** How long DELETE waits for a running job's worker to settle it. */
  cancelWaitMs?: number | undefined;
  logger: Logger;
}

/** Progress events kept per job for late subscribers; older progress is dropped, other events never. */
const MAX_PROGRESS_EVENTS = 500;
/** Subscribers re-read the stream at least this often, in case a notification was missed (reconnect). */
const EVENT_POLL_MS = 2_000;
/** Workers re-check their running jobs for cancel requests this often (pub/sub is the fast path). */
const CANCEL_POLL_MS = 1_000;
const BULL_QUEUE = "jobs";
/** An SSE stream rides out a Redis outage this long (polling), then ends; the client reconnects with Last-Event-ID. */
const FOLLOW_OUTAGE_MS = 30_000;
/**
 * A worker holding a job's outcome keeps trying to record it through a Redis outage for at least this
 * long (or twice the lock duration): the outcome exists only in this process.
 */
const MIN_SETTLE_PATIENCE_MS = 60_000;

/** Aborts a running job without settling it: its worker is shutting down and hands it back. */
class HandBack extends Error {
  override name = "HandBack";
}

interface Active {
  controller: AbortController;
  handBack: boolean;
}

type JobFields = Record<string, string>;

function parse<T>(text: string | undefined): T | undefined {
  return text === undefined || text === "" ? undefined : (JSON.parse(text) as T);
}

function fromFields(fields: JobFields): Job | undefined {
  if (!fields.id || !fields.status) return undefined;
  const input = parse<Pick<JobInput, "config" | "request" | "webhook" | "meta">>(fields.input) ?? { config: {}, request: {} };
  const job: Job = {
    id: fields.id,
    tenant: fields.tenant!,
    kind: fields.kind as JobKind,
    config: input.config,
    request: input.request,
    status: fields.status as JobStatus,
    createdAt: fields.createdAt!,
  };
  if (input.webhook) job.webhook = input.webhook;
  if (input.meta) job.meta = input.meta;
  if (fields.startedAt) job.startedAt = fields.startedAt;
  if (fields.finishedAt) job.finishedAt = fields.finishedAt;
  const progress = parse<JobProgress>(fields.progress);
  if (progress) job.progress = progress;
  const result = parse<Record<string, unknown>>(fields.result);
  if (result) job.result = result;
  const outputs = parse<Job["outputs"]>(fields.outputs);
  if (outputs) job.outputs = outputs;
  const error = parse<JobError>(fields.error);
  if (error) job.error = error;
  const delivery = parse<Job["webhookDelivery"]>(fields.webhookDelivery);
  if (delivery) job.webhookDelivery = delivery;
  return job;
}

function redisPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

function isTerminalEvent(event: JobEvent): boolean {
  return event.type === "completed" || event.type === "failed" || event.type === "cancelled";
}

/** A JobError for a job whose worker vanished more often than maxStalledCount allows (or that BullMQ failed itself). */
function workerLostError(reason: string): JobError {
  const why = /stalled/i.test(reason) ? `its worker stopped responding too often (${reason})` : reason;
  return { type: "WorkerLostError", message: `the job was abandoned by the workers: ${why}`, status: 503, code: "worker_lost" };
}

/**
 * Durable jobs on Redis + BullMQ, shared by any number of API nodes and worker processes.
 *
 * BullMQ owns scheduling: waiting jobs, worker locks, and stalled-job recovery (a worker killed
 * mid-job loses its lock after `lockDurationMs`; another worker runs the job again, or after
 * `maxStalledCount` such losses it fails with a reason). The job record, its event stream and the
 * cancel requests are ours (see ./redis-scripts.ts): a hash per job, a stream per job (SSE replays
 * it, then follows notifications on a per-job pub/sub channel), status indexes for counts, a sorted
 * set per tenant for listing, and a cancel channel the workers listen on.
 */
export class RedisJobQueue implements JobQueue {
  readonly kind = "redis";
  private readonly prefix: string;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly scripts: JobScripts;
  private readonly bullQueue: Queue;
  private worker: Worker | undefined;
  private workerConnection: Redis | undefined;
  private handler: JobHandler | undefined;
  private readonly listeners: JobSettledListener[] = [];
  private readonly listenerRuns = new Set<Promise<void>>();
  private readonly active = new Map<string, Active>();
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly stopping = new AbortController();
  private cancelPoll: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly workerId = `${hostname()}:${process.pid}`;
  private lastConnectionError = 0;
  /** Set once the first connection is up: from then on a connection that is not ready is an outage, failed at once. */
  private everReady = false;
  /** Aborted when shutdown stops waiting for Redis to record outcomes. */
  private readonly giveUp = new AbortController();
  /**
   * Set while a command timed out on a connection that still looks up (a hung Redis): requests fail at
   * once instead of each waiting the timeout, until Redis answers anything again (a PING loop, or any
   * other command that succeeds: see answered()).
   */
  private hung = false;
  private pinging: Promise<void> | undefined;

  constructor(private readonly options: RedisQueueOptions) {
    this.prefix = options.prefix ?? "tarash";
    registerSecret(redisPassword(options.url));
    this.redis = new Redis(options.url, { ...commandConnectionOptions, lazyConnect: false });
    this.redis.on("ready", () => {
      if (this.everReady) this.options.logger.info({ queue: "redis" }, "redis connection restored");
      this.everReady = true;
    });
    this.sub = this.redis.duplicate();
    for (const connection of [this.redis, this.sub]) connection.on("error", (error: Error) => this.connectionError(error));
    this.scripts = jobScripts(this.redis);
    this.sub.on("message", (channel: string, message: string) => this.onMessage(channel, message));
    this.bullQueue = new Queue(BULL_QUEUE, { connection: this.redis, prefix: `${this.prefix}:bull` });
    this.bullQueue.on("error", (error: Error) => this.connectionError(error));
  }

  private connectionError(error: Error): void {
    // ioredis reconnects on its own; one line per few seconds is enough to tell an operator.
    if (Date.now() - this.lastConnectionError < 5_000) return;
    this.lastConnectionError = Date.now();
    this.options.logger.warn({ queue: "redis", error: error.message }, "redis connection error");
  }

  /** Redis is known to be unreachable right now (the connection dropped and has not come back). */
  private get down(): boolean {
    return this.everReady && (this.redis.status !== "ready" || this.hung);
  }

  /** Redis just answered a command: it is not hung (whatever a timed-out command suggested). */
  private answered(): void {
    this.hung = false;
  }

  private suspectHung(): void {
    this.hung = true;
    this.pinging ??= (async () => {
      while (this.hung && !this.closed) {
        const sent = Date.now();
        try {
          await this.redis.ping();
          this.answered();
        } catch {
          // A ping that timed out already waited; one refused at once waits a little before the next.
          if (Date.now() - sent < 250) await pause(250, this.stopping.signal);
        }
      }
    })().finally(() => (this.pinging = undefined));
  }

  private unavailable(): QueueUnavailableError {
    return new QueueUnavailableError("the job queue (redis) is unavailable; retry shortly", QUEUE_RETRY_AFTER_SECONDS);
  }

  /**
   * Run an API-side operation: at once a 503 while Redis is known to be down, and a 503 when a command
   * fails for want of Redis (refused, reset, timed out); anything else is a real error.
   */
  private async guard<T>(op: () => Promise<T>): Promise<T> {
    if (this.down) throw this.unavailable();
    try {
      const result = await op();
      this.answered();
      return result;
    } catch (error) {
      if (!isRedisOutage(error)) throw error;
      this.connectionError(error as Error);
      if (/Command timed out/.test((error as Error).message)) this.suspectHung();
      throw this.unavailable();
    }
  }

  /**
   * Run a worker-side write that must not be lost to a short outage (start, settle): retried while Redis
   * is unreachable, for the settle patience or until shutdown gives up; then the outage error is thrown.
   */
  private async durable<T>(op: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + Math.max(MIN_SETTLE_PATIENCE_MS, 2 * (this.options.lockDurationMs ?? 30_000));
    let delay = 100;
    for (;;) {
      try {
        const result = await op();
        this.answered();
        return result;
      } catch (error) {
        if (!isRedisOutage(error) || Date.now() >= deadline || this.giveUp.signal.aborted) throw error;
        this.connectionError(error as Error);
        await pause(delay, this.giveUp.signal);
        delay = Math.min(delay * 2, 1_000);
      }
    }
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(":");
  }

  private jobKeys(id: string): string[] {
    return [
      this.key("job", id),
      this.key("job", id, "events"),
      this.key("job", id, "progress-ids"),
      ...JOB_STATUSES.map((s) => this.key("status", s)),
    ];
  }

  private channel(id: string): string {
    return this.key("events", id);
  }

  private get cancelChannel(): string {
    return this.key("cancel");
  }

  process(handler: JobHandler): void {
    this.handler = handler;
    if (this.options.role !== "worker" || this.worker) return;
    this.workerConnection = new Redis(this.options.url, workerConnectionOptions);
    this.workerConnection.on("error", (error: Error) => this.connectionError(error));
    this.worker = new Worker(BULL_QUEUE, (job, token) => this.runBullJob(job, token), {
      connection: this.workerConnection,
      prefix: `${this.prefix}:bull`,
      concurrency: this.options.concurrency,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      maxStalledCount: this.options.maxStalledCount ?? 1,
    });
    this.worker.on("error", (error: Error) => this.connectionError(error));
    // Our processor settles every job it runs and never throws, so a BullMQ failure means the job never
    // reached it: it stalled more than maxStalledCount times (deferred failure) or BullMQ gave up on it.
    // A job this process is still running is not lost (its lock lapsed during an outage): it settles itself.
    this.worker.on("failed", (job: BullJob | undefined, error: Error) => {
      if (job?.id && !this.active.has(job.id)) void this.settleLost(job.id, error.message);
    });
    void this.sub.subscribe(this.cancelChannel).catch((error: Error) => this.connectionError(error));
    this.cancelPoll = setInterval(() => void this.pollCancels(), CANCEL_POLL_MS).unref();
  }

  onSettled(listener: JobSettledListener): void {
    this.listeners.push(listener);
  }

  async enqueue(input: JobInput): Promise<Job> {
    if (this.closed) throw new QueueClosedError("the server is shutting down and accepts no new jobs");
    if (!this.handler) throw new Error("no job handler registered");
    return this.guard(() => this.add(input));
  }

  private async add(input: JobInput): Promise<Job> {
    const waiting = await this.redis.zcard(this.key("status", "queued"));
    if (waiting >= this.options.maxQueued) throw new QueueFullError(`the job queue is full (${this.options.maxQueued} waiting)`);
    const job: Job = { ...input, id: `job_${randomUUID().replace(/-/g, "")}`, status: "queued", createdAt: new Date().toISOString() };
    const fields: Record<string, string> = {
      id: job.id,
      tenant: job.tenant,
      kind: job.kind,
      status: "queued",
      createdAt: job.createdAt,
      input: JSON.stringify({ config: job.config, request: job.request, webhook: job.webhook, meta: job.meta }),
    };
    const now = Date.now();
    await this.scripts.create(
      [...this.jobKeys(job.id), this.key("tenant", job.tenant)],
      [job.id, now, JSON.stringify({ type: "queued", at: job.createdAt }), ...Object.entries(fields).flat()],
    );
    try {
      await this.bullQueue.add("run", { id: job.id }, { jobId: job.id, attempts: 1, removeOnComplete: true, removeOnFail: { age: this.options.retentionSeconds } });
    } catch (error) {
      // Accepted means runnable: a job BullMQ did not take is settled now rather than left waiting forever.
      await this.settle(job.id, "failed", { error: { type: "QueueError", message: "the job could not be queued", status: 503, code: "queue_unavailable" } }).catch(() => false);
      throw error;
    }
    return job;
  }

  private async read(id: string): Promise<Job | undefined> {
    const fields = (await this.redis.hgetall(this.key("job", id))) as JobFields;
    return fromFields(fields);
  }

  private async owns(id: string, tenant: string): Promise<boolean> {
    return (await this.redis.hget(this.key("job", id), "tenant")) === tenant;
  }

  async get(id: string, tenant: string): Promise<Job | undefined> {
    return this.guard(async () => {
      const job = await this.read(id);
      return job && job.tenant === tenant ? job : undefined;
    });
  }

  list(tenant: string, options: { kind?: JobKind | undefined; limit?: number | undefined; after?: string | undefined } = {}): Promise<Job[]> {
    return this.guard(() => this.listPage(tenant, options));
  }

  private async listPage(tenant: string, options: { kind?: JobKind | undefined; limit?: number | undefined; after?: string | undefined }): Promise<Job[]> {
    const index = this.key("tenant", tenant);
    const limit = options.limit ?? 20;
    let start = 0;
    if (options.after) {
      const rank = await this.redis.zrevrank(index, options.after);
      start = rank === null ? 0 : rank + 1;
    }
    const out: Job[] = [];
    const batch = Math.max(limit, 50);
    while (out.length < limit) {
      const ids = await this.redis.zrevrange(index, start, start + batch - 1);
      if (ids.length === 0) break;
      start += ids.length;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.key("job", id));
      const rows = (await pipeline.exec()) ?? [];
      const gone: string[] = [];
      rows.forEach(([error, fields], i) => {
        const job = error ? undefined : fromFields(fields as JobFields);
        if (!job) gone.push(ids[i]!);
        else if (job.tenant === tenant && (!options.kind || job.kind === options.kind) && out.length < limit) out.push(job);
      });
      // Finished jobs expire with their retention; their index entries go when a listing meets them.
      if (gone.length > 0) {
        await this.redis.zrem(index, ...gone);
        start -= gone.length;
      }
    }
    return out;
  }

  cancel(id: string, tenant: string, reason: string): Promise<Job | undefined> {
    return this.guard(() => this.requestCancel(id, tenant, reason));
  }

  remove(id: string, tenant: string): Promise<boolean> {
    return this.guard(async () => {
      const job = await this.read(id);
      if (!job || job.tenant !== tenant || !TERMINAL_STATUSES.has(job.status)) return false;
      const [record, events, progressIds] = this.jobKeys(id);
      await this.redis
        .multi()
        .del(record!, events!, progressIds!)
        .zrem(this.key("status", job.status), id)
        .zrem(this.key("tenant", tenant), id)
        .exec();
      return true;
    });
  }

  private async requestCancel(id: string, tenant: string, reason: string): Promise<Job | undefined> {
    if (!(await this.owns(id, tenant))) return undefined;
    const at = new Date().toISOString();
    const error = jobError(new CancelledError(reason));
    const outcome = await this.scripts.cancel(this.jobKeys(id), [
      id,
      at,
      Date.now(),
      JSON.stringify({ type: "cancelled", at, error }),
      this.options.retentionSeconds,
      this.channel(id),
      this.cancelChannel,
      reason,
      "error",
      JSON.stringify(error),
    ]);
    if (outcome === "cancelled") {
      // Settled here, so the listeners (webhook) run here. The BullMQ entry is dropped; should a worker
      // have fetched it already, it finds the job settled and skips it.
      await this.bullQueue.remove(id).catch(() => 0);
      const job = await this.read(id);
      if (job) this.notify(job);
    } else if (outcome === "running") {
      await this.waitSettled(id, this.options.cancelWaitMs ?? 10_000);
    }
    const job = await this.read(id);
    return job && job.tenant === tenant ? job : undefined;
  }

  async events(
    id: string,
    tenant: string,
    options: { afterSeq?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<AsyncIterable<JobEvent> | undefined> {
    if (!(await this.guard(() => this.owns(id, tenant)))) return undefined;
    const signal = options.signal ? AbortSignal.any([options.signal, this.stopping.signal]) : this.stopping.signal;
    const afterSeq = options.afterSeq ?? 0;
    return { [Symbol.asyncIterator]: () => this.follow(id, afterSeq, signal) };
  }

  private async *follow(id: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<JobEvent> {
    const streamKey = this.key("job", id, "events");
    const jobKey = this.key("job", id);
    let cursor = afterSeq;
    const watch = await this.watch(id);
    let outageSince: number | undefined;
    try {
      while (!signal.aborted) {
        watch.reset();
        let entries: [string, string[]][];
        let status: string | null = null;
        try {
          entries = await this.redis.xrange(streamKey, `(0-${cursor}`, "+");
          if (entries.length === 0 && !watch.dirty) status = await this.redis.hget(jobKey, "status");
          outageSince = undefined;
          this.answered();
        } catch (error) {
          // Keep the stream open through a short outage; pub/sub resubscribes on reconnect and the
          // stream is re-read from the cursor, so nothing is skipped.
          if (!isRedisOutage(error)) throw error;
          outageSince ??= Date.now();
          if (Date.now() - outageSince > FOLLOW_OUTAGE_MS) return;
          await pause(EVENT_POLL_MS / 4, signal);
          continue;
        }
        for (const [streamId, values] of entries) {
          const seq = Number(streamId.split("-")[1]);
          const event = { ...(JSON.parse(values[1] ?? "{}") as Omit<JobEvent, "seq">), seq } as JobEvent;
          cursor = seq;
          yield event;
          if (isTerminalEvent(event)) return;
        }
        if (entries.length > 0 || watch.dirty) continue;
        // Gone (expired) or settled with nothing left to send after the cursor.
        if (status === null || TERMINAL_STATUSES.has(status as JobStatus)) return;
        await watch.wait(EVENT_POLL_MS, signal);
      }
    } finally {
      watch.release();
    }
  }

  /** Follow a job's notification channel: `dirty` turns true when something happened since `reset()`. */
  private async watch(id: string): Promise<{ dirty: boolean; reset(): void; wait(ms: number, signal: AbortSignal): Promise<void>; release(): void }> {
    const channel = this.channel(id);
    let wake: (() => void) | undefined;
    const state = {
      dirty: false,
      reset() {
        state.dirty = false;
      },
      wait(ms: number, signal: AbortSignal) {
        if (state.dirty || signal.aborted) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            wake = undefined;
            resolve();
          };
          const timer = setTimeout(done, ms);
          signal.addEventListener("abort", done, { once: true });
          wake = done;
        });
      },
      release: () => {
        const set = this.watchers.get(channel);
        set?.delete(listener);
        if (set && set.size === 0) {
          this.watchers.delete(channel);
          if (!this.closed) void this.sub.unsubscribe(channel).catch(() => undefined);
        }
      },
    };
    const listener = () => {
      state.dirty = true;
      wake?.();
    };
    let set = this.watchers.get(channel);
    if (!set) {
      set = new Set();
      this.watchers.set(channel, set);
    }
    set.add(listener);
    // Subscribed before the first read, so nothing published after that read is missed.
    await this.sub.subscribe(channel).catch((error: Error) => this.connectionError(error));
    return state;
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.cancelChannel) {
      try {
        const { id, reason } = JSON.parse(message) as { id: string; reason: string };
        this.active.get(id)?.controller.abort(new CancelledError(reason));
      } catch {
        // Not ours to act on.
      }
      return;
    }
    for (const listener of this.watchers.get(channel) ?? []) listener();
  }

  private async waitSettled(id: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const watch = await this.watch(id);
    try {
      while (Date.now() < deadline && !this.stopping.signal.aborted) {
        watch.reset();
        const status = await this.redis.hget(this.key("job", id), "status");
        if (status === null || TERMINAL_STATUSES.has(status as JobStatus)) return;
        await watch.wait(Math.min(500, deadline - Date.now()), this.stopping.signal);
      }
    } finally {
      watch.release();
    }
  }

  counts(): Promise<Record<JobStatus, number>> {
    return this.guard(async () => {
      const cutoff = Date.now() - this.options.retentionSeconds * 1000;
      const pipeline = this.redis.pipeline();
      for (const status of TERMINAL_STATUSES) pipeline.zremrangebyscore(this.key("status", status), "-inf", cutoff);
      for (const status of JOB_STATUSES) pipeline.zcard(this.key("status", status));
      const rows = (await pipeline.exec()) ?? [];
      // A count that failed is unknown, not zero: the whole sample fails (→ no tarash_jobs, queue down).
      const failed = rows.find(([error]) => error);
      if (failed?.[0] || rows.length !== TERMINAL_STATUSES.size + JOB_STATUSES.length) throw failed?.[0] ?? new Error("Connection is closed.");
      const counts = rows.slice(TERMINAL_STATUSES.size).map(([, n]) => Number(n));
      return Object.fromEntries(JOB_STATUSES.map((s, i) => [s, counts[i]!])) as Record<JobStatus, number>;
    });
  }

  async health(): Promise<{ ok: boolean; detail?: string | undefined }> {
    if (this.closed) return { ok: false, detail: "shutting down" };
    if (this.down) return { ok: false, detail: `redis unavailable: ${this.hung ? "not answering (command timed out)" : `connection ${this.redis.status}`}` };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), 2_000)));
    try {
      const [queued, running] = await Promise.race([
        Promise.all([this.redis.zcard(this.key("status", "queued")), this.redis.zcard(this.key("status", "running"))]),
        timeout,
      ]);
      const role = this.options.role === "worker" ? `, this process runs ${this.active.size} of them` : "";
      return { ok: true, detail: `redis: ${queued} waiting, ${running} running${role}` };
    } catch (error) {
      return { ok: false, detail: `redis unavailable: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * API role: stop accepting jobs and end event streams; jobs stay in Redis. Worker role: stop taking
   * jobs and let the running ones finish; those still running after `timeoutMs` are handed back to the
   * queue (another worker runs them), never dropped.
   */
  async close(reason: string, options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.cancelPoll);
    this.stopping.abort();
    if (this.worker) {
      const closing = this.worker.close();
      const limit = options.timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const timedOut =
        limit === undefined ? false : await Promise.race([closing.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), limit)))]);
      clearTimeout(timer);
      if (timedOut) {
        // Past the shutdown timeout nothing waits for Redis any longer: unrecorded jobs run again elsewhere.
        this.giveUp.abort();
        for (const entry of this.active.values()) {
          entry.handBack = true;
          entry.controller.abort(new HandBack(reason));
        }
      }
      await closing;
    }
    while (this.listenerRuns.size > 0) await Promise.all([...this.listenerRuns]);
    // During an outage QUIT would wait for a connection that is not there: drop those at once.
    await atMost(this.bullQueue.close(), COMMAND_TIMEOUT_MS);
    await Promise.all(
      [this.sub, this.redis, this.workerConnection].map((c) => (c?.status === "ready" ? c.quit().catch(() => c.disconnect()) : c?.disconnect())),
    );
  }

  /**
   * The BullMQ processor. Settles the job record itself and never throws, except to leave the job to
   * BullMQ (WaitingError): when it is handed back on shutdown, or when Redis stayed unreachable past the
   * settle patience (the job is not failed: its lock lapses and it runs again, like a crashed worker's).
   */
  private async runBullJob(bullJob: BullJob, token: string | undefined): Promise<void> {
    try {
      await this.runJob(bullJob, token);
    } catch (error) {
      if (!isRedisOutage(error)) throw error;
      this.options.logger.error(
        { jobId: bullJob.id, error: (error as Error).message },
        "redis stayed unreachable: the job's outcome could not be recorded; it runs again once its lock expires",
      );
      throw new WaitingError();
    }
  }

  private async runJob(bullJob: BullJob, token: string | undefined): Promise<void> {
    const id = bullJob.id!;
    const handler = this.handler!;
    const at = new Date().toISOString();
    // A run token makes a retried START (its reply lost to an outage) a no-op rather than a second start.
    const run = randomUUID();
    const [outcome, cancelReason] = (await this.durable(() =>
      this.scripts.start(this.jobKeys(id), [
        id,
        at,
        Date.now(),
        JSON.stringify({ type: "started", at }),
        JSON.stringify({
          type: "progress",
          at,
          progress: { status: "queued", message: "the worker running this job stopped; it runs again on another worker" },
        }),
        this.workerId,
        this.channel(id),
        run,
      ]),
    )) as [string, string | undefined];
    if (outcome === "cancel") {
      await this.durable(() => this.settle(id, "cancelled", { error: jobError(new CancelledError(cancelReason ?? "cancelled")) }, run));
      return;
    }
    if (outcome !== "started" && outcome !== "resumed") return;
    const job = await this.durable(() => this.read(id));
    if (!job) return;
    const controller = new AbortController();
    const entry: Active = { controller, handBack: false };
    this.active.set(id, entry);
    try {
      let status: "completed" | "failed" | "cancelled";
      let settled: { result?: Record<string, unknown> | undefined; outputs?: Job["outputs"]; error?: JobError | undefined };
      try {
        const { result, outputs } = await handler(job, {
          signal: controller.signal,
          progress: async (progress) => {
            // Progress is best effort: during an outage it is dropped rather than hold the job up.
            if (this.down) return;
            const stamp = new Date().toISOString();
            await this.scripts
              .progress(this.jobKeys(id), [JSON.stringify(progress), JSON.stringify({ type: "progress", at: stamp, progress }), MAX_PROGRESS_EVENTS, this.channel(id)])
              .catch((error: Error) => this.connectionError(error));
          },
        });
        if (controller.signal.aborted) throw controller.signal.reason;
        [status, settled] = ["completed", { result, outputs }];
      } catch (error) {
        if (entry.handBack) {
          await this.handBack(bullJob, token, (controller.signal.reason as Error).message);
          throw new WaitingError();
        }
        const cancelled = controller.signal.aborted || error instanceof CancelledError;
        const reason = controller.signal.aborted && controller.signal.reason instanceof CancelledError ? controller.signal.reason : error;
        if (!cancelled && toApiError(error).internal) this.options.logger.error({ jobId: id, error }, "job failed unexpectedly");
        [status, settled] = [cancelled ? "cancelled" : "failed", { error: jobError(reason) }];
      }
      // The outcome exists only here until it is recorded: ride out a Redis outage rather than lose it.
      await this.durable(() => this.settle(id, status, settled, run));
    } finally {
      this.active.delete(id);
    }
  }

  private async handBack(bullJob: BullJob, token: string | undefined, reason: string): Promise<void> {
    const at = new Date().toISOString();
    const progress: JobProgress = { status: "queued", message: `handed back to the queue: ${reason}` };
    await this.scripts.requeue(this.jobKeys(bullJob.id!), [bullJob.id!, Date.now(), JSON.stringify(progress), JSON.stringify({ type: "progress", at, progress }), this.channel(bullJob.id!)]);
    await bullJob.moveToWait(token);
    this.options.logger.info({ jobId: bullJob.id }, "job handed back to the queue");
  }

  private async pollCancels(): Promise<void> {
    if (this.active.size === 0 || this.down) return;
    const ids = [...this.active.keys()];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.key("job", id), "cancel");
    const rows = (await pipeline.exec().catch(() => null)) ?? [];
    rows.forEach(([error, reason], i) => {
      if (!error && typeof reason === "string") this.active.get(ids[i]!)?.controller.abort(new CancelledError(reason));
    });
  }

  private async settleLost(id: string, reason: string): Promise<void> {
    try {
      await this.settle(id, "failed", { error: workerLostError(reason) });
    } catch (error) {
      this.options.logger.error({ jobId: id, error }, "could not settle an abandoned job");
    }
  }

  /**
   * Settle a job (once across all nodes); the process whose call settles it runs the listeners. With a
   * `token`, a retry of a call whose reply was lost (the job already settled with this token) counts as
   * this call's settlement, so the listeners still run exactly once.
   */
  private async settle(
    id: string,
    status: "completed" | "failed" | "cancelled",
    outcome: { result?: Record<string, unknown> | undefined; outputs?: Job["outputs"]; error?: JobError | undefined },
    token = "",
  ): Promise<boolean> {
    const at = new Date().toISOString();
    const event = status === "completed" ? { type: status, at, result: outcome.result ?? {} } : { type: status, at, error: outcome.error };
    const settled = await this.scripts.finish(this.jobKeys(id), [
      id,
      status,
      at,
      Date.now(),
      JSON.stringify(event),
      this.options.retentionSeconds,
      this.channel(id),
      token,
      "settle",
      token,
      "result",
      outcome.result ? JSON.stringify(outcome.result) : "",
      "outputs",
      outcome.outputs ? JSON.stringify(outcome.outputs) : "",
      "error",
      outcome.error ? JSON.stringify(outcome.error) : "",
    ]);
    if (settled !== 1) return false;
    const job = await this.read(id);
    if (job) this.notify(job);
    return true;
  }

  private notify(job: Job): void {
    const run = (async () => {
      for (const listener of this.listeners) {
        try {
          await listener(job);
        } catch (error) {
          this.options.logger.error({ jobId: job.id, error }, "job listener failed");
        }
      }
      // Listeners may record what they did (the webhook delivery); keep it with the job.
      if (job.webhookDelivery) {
        await this.scripts.patch([this.key("job", job.id)], ["webhookDelivery", JSON.stringify(job.webhookDelivery)]).catch(() => undefined);
      }
    })().finally(() => this.listenerRuns.delete(run));
    this.listenerRuns.add(run);
  }
}

/** The queue options for a validated `queue: { type: "redis", … }` config. */
export function redisQueueOptions(config: ServerConfig, role: RedisQueueOptions["role"], logger: Logger): RedisQueueOptions {
  const q = config.queue;
  if (q.type !== "redis" || !q.url) throw new Error("queue.type must be redis with a queue.url");
  return {
    url: q.url,
    prefix: q.prefix,
    role,
    concurrency: q.concurrency,
    maxQueued: q.maxQueued,
    retentionSeconds: q.retentionSeconds,
    lockDurationMs: q.lockDurationMs,
    stalledIntervalMs: q.stalledIntervalMs,
    maxStalledCount: q.maxStalledCount,
    cancelWaitMs: q.cancelWaitMs,
    logger,
  };
}
