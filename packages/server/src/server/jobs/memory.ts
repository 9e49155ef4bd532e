import { randomUUID } from "node:crypto";
import { CancelledError } from "../../../../../src/core/errors.js";
import type { Logger } from "../../../../../src/core/logger.js";
import { toApiError } from "../errors.js";
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
  TERMINAL_STATUSES,
} from "./queue.js";
import { approxBytes, summarizeRequest } from "./request-summary.js";

export interface MemoryQueueOptions {
  concurrency: number;
  maxQueued: number;
  /** Finished jobs are forgotten after this long. */
  retentionSeconds: number;
  /** Finished jobs kept at most; beyond it the oldest finished are forgotten first (default 10,000). */
  maxRetainedJobs?: number | undefined;
  /** About how many bytes finished job records (result, request summary, events) may hold in all (default 64 MiB). */
  maxRetainedBytes?: number | undefined;
  /** Request payloads of waiting jobs in all; an enqueue beyond it is refused as a full queue (default 512 MiB). */
  maxQueuedBytes?: number | undefined;
  /** Where jobs are also written, so they outlive the process (./durable.ts); absent: memory only. */
  journal?: JobJournal | undefined;
  logger: Logger;
}

/**
 * The durable half of the single-node queue. The queue runs jobs and streams their events in memory;
 * the journal records each step where a restart finds it, and answers for jobs memory no longer holds.
 */
export interface JobJournal {
  /** Record an accepted job with its full request; a throw refuses the job (nothing runs). */
  accept(job: Job, request: Record<string, unknown>): Promise<void>;
  /** The job started running here (best effort: never throws). */
  start(job: Job): Promise<void>;
  /** Record the provider job it submitted; a throw means it could not (the provider job is then stopped). */
  submitted(job: Job, ref: string): Promise<void>;
  /** Record the terminal status (and queue its webhook); never throws, retries within bounds. */
  settle(job: Job): Promise<void>;
  get(id: string, tenant: string): Promise<Job | undefined>;
  list(tenant: string, options: { kind?: JobKind | undefined; limit?: number | undefined; after?: string | undefined }): Promise<Job[]>;
  counts(): Promise<Record<JobStatus, number>>;
  /** Delete a finished job's record; true when one was deleted. */
  remove(id: string, tenant: string): Promise<boolean>;
  /** Unfinished jobs a previous process left, oldest first, in pages; `runs`: how often one was started. */
  unfinished(): AsyncIterable<{ job: Job; request: Record<string, unknown>; runs: number }>;
  close(): void;
}

const MiB = 1024 * 1024;
export const MEMORY_QUEUE_DEFAULTS = { maxRetainedJobs: 10_000, maxRetainedBytes: 64 * MiB, maxQueuedBytes: 512 * MiB } as const;

/**
 * A job that was running each time its process died this often is not started again (it may be what
 * kills the process): it fails with the reason instead, so a crash loop ends.
 */
export const MAX_JOB_RUNS = 3;

/** Progress events kept per job for late subscribers; older progress is dropped, other events never. */
const MAX_PROGRESS_EVENTS = 500;

interface Entry {
  /** The record clients read: its `request` is a summary (request-summary.ts), never the payload. */
  job: Job;
  /** The request payload, held only until the job is handed to the handler (or cancelled while waiting). */
  payload?: { request: Record<string, unknown>; bytes: number } | undefined;
  events: JobEvent[];
  seq: number;
  waiters: Set<() => void>;
  controller?: AbortController | undefined;
  settled: Promise<void>;
  resolveSettled: () => void;
}

/** Describe an error for a job record (no stack, no internals). */
export function jobError(error: unknown): JobError {
  const { api, internal } = toApiError(error);
  const type = internal ? "InternalError" : error instanceof Error && error.name !== "ApiError" ? error.name : api.type;
  return { type, message: api.message, status: api.status, param: api.param, code: api.code };
}

/**
 * Jobs in this process: a FIFO with a concurrency limit, an event log per job, and AbortControllers
 * for cancellation. Nothing survives a restart, which is why close() settles every job it holds.
 * Memory is bounded by configuration, not by clients: a job record keeps a summary of its request (the
 * payload goes to the handler and is dropped), waiting payloads are capped in bytes, and finished jobs
 * are capped by count and bytes, the oldest finished forgotten first.
 */
export class MemoryJobQueue implements JobQueue {
  readonly kind = "memory";
  private readonly entries = new Map<string, Entry>();
  private readonly pending: string[] = [];
  private running = 0;
  private handler: JobHandler | undefined;
  private readonly listeners: JobSettledListener[] = [];
  private readonly listenerRuns = new Set<Promise<void>>();
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;
  /** Finished job ids in the order they finished, with the bytes each record holds. */
  private readonly finished = new Map<string, number>();
  private retainedBytes = 0;
  private queuedBytes = 0;
  /** Enqueues between their checks and their journal write: they hold a place in the queue meanwhile. */
  private accepting = 0;
  private readonly journal: JobJournal | undefined;
  private readonly limits: { maxRetainedJobs: number; maxRetainedBytes: number; maxQueuedBytes: number };

  constructor(private readonly options: MemoryQueueOptions) {
    this.limits = {
      maxRetainedJobs: options.maxRetainedJobs ?? MEMORY_QUEUE_DEFAULTS.maxRetainedJobs,
      maxRetainedBytes: options.maxRetainedBytes ?? MEMORY_QUEUE_DEFAULTS.maxRetainedBytes,
      maxQueuedBytes: options.maxQueuedBytes ?? MEMORY_QUEUE_DEFAULTS.maxQueuedBytes,
    };
    this.journal = options.journal;
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, options.retentionSeconds * 1000)).unref();
  }

  process(handler: JobHandler): void {
    this.handler = handler;
  }

  onSettled(listener: JobSettledListener): void {
    this.listeners.push(listener);
  }

  async enqueue(input: JobInput): Promise<Job> {
    if (this.closed) throw new QueueClosedError("the server is shutting down and accepts no new jobs");
    if (!this.handler) throw new Error("no job handler registered");
    if (this.pending.length + this.accepting >= this.options.maxQueued) throw new QueueFullError(`the job queue is full (${this.options.maxQueued} waiting)`);
    const bytes = approxBytes(input.request);
    if (this.queuedBytes + bytes > this.limits.maxQueuedBytes) {
      throw new QueueFullError(`the job queue is full (waiting requests hold ${this.queuedBytes} of ${this.limits.maxQueuedBytes} bytes; queue.maxQueuedBytes)`);
    }
    const job: Job = {
      ...input,
      request: summarizeRequest(input.request),
      id: `job_${randomUUID().replace(/-/g, "")}`,
      status: "queued",
      createdAt: new Date().toISOString(),
    };
    this.queuedBytes += bytes;
    if (this.journal) {
      // Written before the client hears 202, and before anything runs: a job the database did not take
      // is refused (503) with no provider call.
      this.accepting += 1;
      try {
        await this.journal.accept(job, input.request);
      } catch (error) {
        this.queuedBytes -= bytes;
        throw error;
      } finally {
        this.accepting -= 1;
      }
    }
    const entry = this.admit(job, input.request, bytes);
    if (this.closed) {
      // Shutdown began while the record was written: settle it (recorded as cancelled) rather than run it.
      this.takePayload(entry);
      this.finish(entry, "cancelled", { error: jobError(new CancelledError("the server is shutting down")) });
      throw new QueueClosedError("the server is shutting down and accepts no new jobs");
    }
    return structuredClone(job);
  }

  /** Put a recorded job in line (a new one, or one a previous process left unfinished). */
  private admit(job: Job, request: Record<string, unknown>, bytes: number): Entry {
    let resolveSettled!: () => void;
    const settled = new Promise<void>((r) => (resolveSettled = r));
    const entry: Entry = { job, payload: { request, bytes }, events: [], seq: 0, waiters: new Set(), settled, resolveSettled };
    this.entries.set(job.id, entry);
    this.emit(entry, { type: "queued" });
    this.pending.push(job.id);
    queueMicrotask(() => this.pump());
    return entry;
  }

  /**
   * Take over the jobs a previous process left unfinished (durable queue only): each runs again from
   * its recorded request, and a video whose provider job was already submitted re-attaches to it.
   * Resolves with how many were taken.
   */
  async recover(): Promise<number> {
    if (!this.journal || this.closed) return 0;
    let count = 0;
    for await (const { job, request, runs } of this.journal.unfinished()) {
      if (this.closed) break;
      if (this.entries.has(job.id)) continue;
      const bytes = approxBytes(request);
      this.queuedBytes += bytes;
      const entry = this.admit({ ...job, status: "queued", progress: undefined }, request, bytes);
      if (runs >= MAX_JOB_RUNS) {
        const at = this.pending.indexOf(job.id);
        if (at >= 0) this.pending.splice(at, 1);
        this.takePayload(entry);
        const message = `the gateway stopped ${runs} times while running this job; it is not started again`;
        this.finish(entry, "failed", { error: { type: "WorkerLostError", message, status: 500, code: "worker_lost" } });
      }
      count += 1;
    }
    if (count > 0) this.options.logger.info({ jobs: count }, "resumed the unfinished jobs of a previous run");
    return count;
  }

  /** A webhook delivery report for a job this queue holds (the outbox dispatcher's). */
  noteWebhookDelivery(id: string, delivery: NonNullable<Job["webhookDelivery"]>): void {
    const entry = this.entries.get(id);
    if (entry) entry.job.webhookDelivery = delivery;
  }

  private visible(id: string, tenant: string): Entry | undefined {
    const entry = this.entries.get(id);
    return entry && entry.job.tenant === tenant ? entry : undefined;
  }

  async get(id: string, tenant: string): Promise<Job | undefined> {
    const entry = this.visible(id, tenant);
    if (entry) return structuredClone(entry.job);
    return this.journal?.get(id, tenant);
  }

  async list(tenant: string, options: { kind?: "image" | "video" | undefined; limit?: number | undefined; after?: string | undefined } = {}): Promise<Job[]> {
    if (this.journal) {
      // The database has every job; a job this process runs is fresher in memory (progress).
      const listed = await this.journal.list(tenant, options);
      return listed.map((j) => {
        const live = this.entries.get(j.id);
        return live ? structuredClone(live.job) : j;
      });
    }
    const all = [...this.entries.values()]
      .map((e) => e.job)
      .filter((j) => j.tenant === tenant && (!options.kind || j.kind === options.kind))
      .reverse();
    const start = options.after ? all.findIndex((j) => j.id === options.after) + 1 : 0;
    return all.slice(start, start + (options.limit ?? 20)).map((j) => structuredClone(j));
  }

  async cancel(id: string, tenant: string, reason: string): Promise<Job | undefined> {
    const entry = this.visible(id, tenant);
    // Not held here: finished (returned unchanged), or unknown.
    if (!entry) return this.journal?.get(id, tenant);
    await this.cancelEntry(entry, reason);
    return structuredClone(entry.job);
  }

  async remove(id: string, tenant: string): Promise<boolean> {
    const entry = this.visible(id, tenant);
    if (entry && !TERMINAL_STATUSES.has(entry.job.status)) return false;
    if (entry) this.forget(id);
    const recorded = this.journal ? await this.journal.remove(id, tenant) : false;
    return entry !== undefined || recorded;
  }

  private async cancelEntry(entry: Entry, reason: string): Promise<void> {
    if (entry.job.status === "queued") {
      const at = this.pending.indexOf(entry.job.id);
      if (at >= 0) this.pending.splice(at, 1);
      this.takePayload(entry);
      this.finish(entry, "cancelled", { error: jobError(new CancelledError(reason)) });
    } else if (entry.job.status === "running") {
      entry.controller?.abort(new CancelledError(reason));
      await entry.settled;
    }
  }

  async events(
    id: string,
    tenant: string,
    options: { afterSeq?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<AsyncIterable<JobEvent> | undefined> {
    const entry = this.visible(id, tenant);
    if (!entry) {
      const job = await this.journal?.get(id, tenant);
      return job ? recordedEvents(job, options.afterSeq ?? 0) : undefined;
    }
    const signal = options.signal;
    let cursor = options.afterSeq ?? 0;
    return {
      async *[Symbol.asyncIterator]() {
        while (!signal?.aborted) {
          const next = entry.events.filter((e) => e.seq > cursor);
          for (const event of next) {
            cursor = event.seq;
            yield event;
            if (event.type === "completed" || event.type === "failed" || event.type === "cancelled") return;
          }
          // Events may have arrived while the consumer held the last one; only sleep when none did.
          if (entry.seq > cursor) continue;
          if (TERMINAL_STATUSES.has(entry.job.status)) return;
          await new Promise<void>((resolve) => {
            const wake = () => {
              entry.waiters.delete(wake);
              signal?.removeEventListener("abort", wake);
              resolve();
            };
            entry.waiters.add(wake);
            signal?.addEventListener("abort", wake, { once: true });
          });
        }
      },
    };
  }

  async counts(): Promise<Record<JobStatus, number>> {
    if (this.journal) return this.journal.counts();
    const out = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const e of this.entries.values()) out[e.job.status] += 1;
    return out;
  }

  async health(): Promise<{ ok: boolean; detail?: string | undefined }> {
    if (this.closed) return { ok: false, detail: "shutting down" };
    return { ok: true, detail: `${this.running} running, ${this.pending.length} waiting${this.journal ? " (durable)" : ""}` };
  }

  async close(reason: string, options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const live = [...this.entries.values()].filter((e) => !TERMINAL_STATUSES.has(e.job.status));
    // Waiting jobs first, so none starts while running ones are being cancelled.
    const order = [...live.filter((e) => e.job.status === "queued"), ...live.filter((e) => e.job.status === "running")];
    const work = Promise.all(order.map((e) => this.cancelEntry(e, reason))).then(async () => {
      while (this.listenerRuns.size > 0) await Promise.all([...this.listenerRuns]);
      this.journal?.close();
    });
    const limit = options.timeoutMs;
    if (limit === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([work, new Promise<void>((r) => (timer = setTimeout(r, limit)))]);
    clearTimeout(timer);
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.pending.length > 0 && this.handler) {
      const entry = this.entries.get(this.pending.shift()!);
      if (!entry || entry.job.status !== "queued") continue;
      this.running += 1;
      void this.run(entry, this.handler).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  /** The payload leaves the queue's books (to the handler, or dropped on cancel). */
  private takePayload(entry: Entry): Record<string, unknown> {
    const payload = entry.payload;
    entry.payload = undefined;
    if (!payload) return entry.job.request;
    this.queuedBytes -= payload.bytes;
    return payload.request;
  }

  private async run(entry: Entry, handler: JobHandler): Promise<void> {
    const controller = new AbortController();
    entry.controller = controller;
    entry.job.status = "running";
    entry.job.startedAt = new Date().toISOString();
    this.emit(entry, { type: "started" });
    // The handler owns the payload from here; the record keeps only its summary.
    const request = this.takePayload(entry);
    const journal = this.journal;
    try {
      await journal?.start(entry.job);
      const { result, outputs } = await handler({ ...structuredClone(entry.job), request }, {
        signal: controller.signal,
        submitted: journal
          ? async (ref) => {
              await journal.submitted(entry.job, ref);
              entry.job.providerRef = ref;
            }
          : undefined,
        progress: async (progress) => {
          if (TERMINAL_STATUSES.has(entry.job.status)) return;
          entry.job.progress = progress;
          this.emit(entry, { type: "progress", progress });
        },
      });
      if (controller.signal.aborted) throw controller.signal.reason;
      this.finish(entry, "completed", { result, outputs });
    } catch (error) {
      const cancelled = controller.signal.aborted || error instanceof CancelledError;
      const reason = controller.signal.aborted && controller.signal.reason instanceof CancelledError ? controller.signal.reason : error;
      if (!cancelled && toApiError(error).internal) this.options.logger.error({ jobId: entry.job.id, error }, "job failed unexpectedly");
      this.finish(entry, cancelled ? "cancelled" : "failed", { error: jobError(reason) });
    } finally {
      entry.controller = undefined;
    }
  }

  private finish(
    entry: Entry,
    status: "completed" | "failed" | "cancelled",
    outcome: { result?: Record<string, unknown>; outputs?: Job["outputs"]; error?: JobError },
  ): void {
    if (TERMINAL_STATUSES.has(entry.job.status)) return;
    const job = entry.job;
    job.status = status;
    job.finishedAt = new Date().toISOString();
    if (outcome.result) job.result = outcome.result;
    if (outcome.outputs) job.outputs = outcome.outputs;
    if (outcome.error) job.error = outcome.error;
    if (status === "completed") this.emit(entry, { type: "completed", result: outcome.result ?? {} });
    else this.emit(entry, { type: status, error: outcome.error! });
    // The durable record (and its webhook in the outbox) first, then the listeners.
    const recorded = this.journal ? this.journal.settle(structuredClone(job)) : Promise.resolve();
    const run = recorded.then(() => this.notify(job)).finally(() => {
      this.listenerRuns.delete(run);
      entry.resolveSettled();
    });
    this.listenerRuns.add(run);
    this.retain(entry);
  }

  /** Book a finished job and forget the oldest finished ones beyond the count and byte caps. */
  private retain(entry: Entry): void {
    // The completed event carries the same result object as the record: count it once.
    const events = entry.events.map((e) => (e.type === "completed" ? { ...e, result: undefined } : e));
    const bytes = approxBytes(entry.job) + approxBytes(events);
    this.finished.set(entry.job.id, bytes);
    this.retainedBytes += bytes;
    // The job that just finished stays even when it alone is over the byte cap: its client is about to read it.
    while (this.finished.size > 1 && (this.finished.size > this.limits.maxRetainedJobs || this.retainedBytes > this.limits.maxRetainedBytes)) {
      const [oldest] = this.finished.keys();
      this.forget(oldest!);
    }
  }

  private forget(id: string): void {
    this.retainedBytes -= this.finished.get(id) ?? 0;
    this.finished.delete(id);
    this.entries.delete(id);
  }

  /** What the queue holds now: finished records and their bytes, and the bytes of waiting payloads. */
  usage(): { finishedJobs: number; retainedBytes: number; queuedBytes: number } {
    return { finishedJobs: this.finished.size, retainedBytes: this.retainedBytes, queuedBytes: this.queuedBytes };
  }

  private async notify(job: Job): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(job);
      } catch (error) {
        this.options.logger.error({ jobId: job.id, error }, "job listener failed");
      }
    }
  }

  private emit(entry: Entry, event: { type: JobEvent["type"]; progress?: JobProgress; result?: Record<string, unknown>; error?: JobError }): void {
    entry.seq += 1;
    const full = { ...event, seq: entry.seq, at: new Date().toISOString() } as JobEvent;
    entry.events.push(full);
    if (event.type === "progress") {
      const progress = entry.events.filter((e) => e.type === "progress");
      if (progress.length > MAX_PROGRESS_EVENTS) entry.events.splice(entry.events.indexOf(progress[0]!), 1);
    }
    for (const wake of [...entry.waiters]) wake();
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.retentionSeconds * 1000;
    // Oldest finished first, so the walk stops at the first job still inside the retention window.
    for (const id of this.finished.keys()) {
      const finishedAt = this.entries.get(id)?.job.finishedAt;
      if (finishedAt && Date.parse(finishedAt) >= cutoff) break;
      this.forget(id);
    }
  }
}

/** The events of a job known only from its record (finished, or left by a previous process). */
function recordedEvents(job: Job, afterSeq: number): AsyncIterable<JobEvent> {
  const events: JobEvent[] = [{ seq: 1, type: "queued", at: job.createdAt }];
  if (job.startedAt) events.push({ seq: events.length + 1, type: "started", at: job.startedAt });
  const at = job.finishedAt ?? job.createdAt;
  if (job.status === "completed") events.push({ seq: events.length + 1, type: "completed", at, result: job.result ?? {} });
  else if ((job.status === "failed" || job.status === "cancelled") && job.error) events.push({ seq: events.length + 1, type: job.status, at, error: job.error });
  const out = events.filter((e) => e.seq > afterSeq);
  return {
    async *[Symbol.asyncIterator]() {
      yield* out;
    },
  };
}
