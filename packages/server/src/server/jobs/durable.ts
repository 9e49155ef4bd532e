import { randomUUID } from "node:crypto";
import type { Logger } from "../../../../../src/core/logger.js";
import { DatabaseUnavailableError } from "../db/handle.js";
import type { JobJournal } from "./memory.js";
import type { Job, JobKind, JobStatus } from "./queue.js";
import type { JobStore, OutboxEntry } from "./store.js";

export interface DurableJournalOptions {
  store: JobStore;
  logger: Logger;
  /** Finished jobs are deleted this long after they finished. */
  retentionSeconds: number;
  /** Finished jobs kept at most; the oldest go first. */
  maxRetainedJobs: number;
  /** The webhook of a settled job (the signed body is built here, once), or undefined when it has none. */
  webhook: (job: Job) => Promise<OutboxEntry | undefined>;
  /** A webhook was queued in the outbox: wake its dispatcher. */
  onOutbox?: (() => void) | undefined;
  /** Waits between tries of a terminal-status write while the database is down (default ~2 min in all). */
  settleRetryMs?: readonly number[] | undefined;
  /** How often old finished jobs are deleted (default min(60 s, retention)). */
  sweepIntervalMs?: number | undefined;
}

/** Queues of this process that are running jobs now: a start-up never takes over their jobs. */
const LIVE_NODES = new Set<string>();

/** A wait that does not keep a stopping process alive. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Unfinished jobs read per page at start-up. */
const RECOVERY_PAGE = 200;
const SETTLE_RETRY_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 30_000, 30_000];

/**
 * The single-node queue's database journal (see MemoryJobQueue's `journal`): a job is written when
 * accepted, marked when it starts, its provider job recorded when submitted, and its terminal status
 * written together with its webhook's outbox row. Reads of jobs memory no longer holds come from here,
 * and a sweep keeps the table within the retention settings.
 */
export class DurableJournal implements JobJournal {
  /** This process's queue, as written in `jobs.node_id`. */
  readonly nodeId = `node_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: DurableJournalOptions) {
    LIVE_NODES.add(this.nodeId);
    const every = options.sweepIntervalMs ?? Math.min(60_000, options.retentionSeconds * 1000);
    this.sweeper = setInterval(() => void this.sweep(), every).unref();
  }

  private get store(): JobStore {
    return this.options.store;
  }

  async accept(job: Job, request: Record<string, unknown>): Promise<void> {
    await this.store.insert(job, request, this.nodeId);
  }

  async start(job: Job): Promise<void> {
    try {
      await this.store.started(job.id, job.startedAt ?? new Date().toISOString(), this.nodeId);
    } catch (error) {
      // The job runs anyway; a crash before its next write runs it again from its request.
      this.options.logger.warn({ jobId: job.id, error: (error as Error).message }, "could not record that a job started");
    }
  }

  async submitted(job: Job, ref: string): Promise<void> {
    // A few quick tries: a provider job nobody recorded would be submitted again after a crash, so the
    // caller stops it when this throws.
    let last: unknown;
    for (const wait of [0, 250, 1_000]) {
      if (wait) await pause(wait);
      try {
        await this.store.submitted(job.id, ref);
        return;
      } catch (error) {
        last = error;
        if (!(error instanceof DatabaseUnavailableError)) break;
      }
    }
    throw last;
  }

  async settle(job: Job): Promise<void> {
    let outbox: OutboxEntry | undefined;
    try {
      outbox = await this.options.webhook(job);
    } catch (error) {
      this.options.logger.error({ jobId: job.id, error }, "could not build the job's webhook");
    }
    const waits = this.options.settleRetryMs ?? SETTLE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.settle(job, outbox);
        if (outbox) this.options.onOutbox?.();
        return;
      } catch (error) {
        const retry = error instanceof DatabaseUnavailableError && !this.closed && attempt < waits.length;
        if (!retry) {
          // Left as it was in the database: a restart runs (or re-attaches to) the job again.
          this.options.logger.error({ jobId: job.id, status: job.status, error: (error as Error).message }, "could not record a job's end");
          return;
        }
        await pause(waits[attempt]!);
      }
    }
  }

  get(id: string, tenant: string): Promise<Job | undefined> {
    return this.store.get(id, tenant);
  }

  list(tenant: string, options: { kind?: JobKind | undefined; limit?: number | undefined; after?: string | undefined }): Promise<Job[]> {
    return this.store.list(tenant, options);
  }

  counts(): Promise<Record<JobStatus, number>> {
    return this.store.counts();
  }

  async *unfinished(): AsyncIterable<{ job: Job; request: Record<string, unknown>; runs: number }> {
    let afterSeq: number | undefined;
    for (;;) {
      const page = await this.store.unfinished({ exceptNodes: [...LIVE_NODES], limit: RECOVERY_PAGE, afterSeq });
      for (const item of page.jobs) {
        await this.store.claim(item.job.id, this.nodeId);
        yield item;
      }
      if (page.jobs.length < RECOVERY_PAGE || page.lastSeq === undefined) return;
      afterSeq = page.lastSeq;
    }
  }

  remove(id: string, tenant: string): Promise<boolean> {
    return this.store.remove(id, tenant);
  }

  /** Delete finished jobs past the retention window or beyond the retained count. */
  async sweep(): Promise<number> {
    try {
      const cutoff = new Date(Date.now() - this.options.retentionSeconds * 1000);
      return await this.store.sweep(cutoff, this.options.maxRetainedJobs);
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) this.options.logger.warn({ error }, "sweeping old jobs failed");
      return 0;
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    LIVE_NODES.delete(this.nodeId);
  }
}
