import type { Logger } from "../../../../../src/core/logger.js";
import type { Job, JobEvent, JobHandler, JobInput, JobKind, JobQueue, JobSettledListener, JobStatus } from "./queue.js";
import type { JobStore } from "./store.js";

/**
 * A queue that runs elsewhere (Redis) with its job records and results copied into the database: each
 * accepted job is recorded when accepted, and again with its result when it settles (by the process
 * that settles it, when that process has the database). Redis stays the source of truth for running
 * jobs; the copy is written best effort (a failed write is logged, never the job's failure) and kept
 * within the retention settings by the same sweep as single-node jobs.
 */
export class RecordedJobQueue implements JobQueue {
  constructor(
    private readonly inner: JobQueue,
    private readonly store: JobStore,
    private readonly logger: Logger,
  ) {}

  /** Copy settled jobs from now on: called after the other settled listeners are registered, so the copy has what they did (the webhook delivery). */
  recordSettled(): void {
    this.inner.onSettled((job) => this.record(job));
  }

  get kind(): string {
    return this.inner.kind;
  }

  private async record(job: Job): Promise<void> {
    try {
      await this.store.upsertRecord(job);
    } catch (error) {
      this.logger.warn({ jobId: job.id, status: job.status, error: (error as Error).message }, "could not copy a job's record into the database");
    }
  }

  process(handler: JobHandler): void {
    this.inner.process(handler);
  }

  onSettled(listener: JobSettledListener): void {
    this.inner.onSettled(listener);
  }

  async enqueue(input: JobInput): Promise<Job> {
    const job = await this.inner.enqueue(input);
    // Written after Redis took it (Redis decides whether it is accepted); the settle upsert fills it in.
    await this.record(job);
    return job;
  }

  get(id: string, tenant: string): Promise<Job | undefined> {
    return this.inner.get(id, tenant);
  }

  list(tenant: string, options?: { kind?: JobKind | undefined; limit?: number | undefined; after?: string | undefined }): Promise<Job[]> {
    return this.inner.list(tenant, options);
  }

  cancel(id: string, tenant: string, reason: string): Promise<Job | undefined> {
    return this.inner.cancel(id, tenant, reason);
  }

  async remove(id: string, tenant: string): Promise<boolean> {
    const removed = await this.inner.remove(id, tenant);
    if (removed) {
      try {
        await this.store.remove(id, tenant);
      } catch (error) {
        this.logger.warn({ jobId: id, error: (error as Error).message }, "could not delete a job's record from the database");
      }
    }
    return removed;
  }

  events(id: string, tenant: string, options?: { afterSeq?: number | undefined; signal?: AbortSignal | undefined }): Promise<AsyncIterable<JobEvent> | undefined> {
    return this.inner.events(id, tenant, options);
  }

  counts(): Promise<Record<JobStatus, number>> {
    return this.inner.counts();
  }

  health(): Promise<{ ok: boolean; detail?: string | undefined }> {
    return this.inner.health();
  }

  close(reason: string, options?: { timeoutMs?: number | undefined }): Promise<void> {
    return this.inner.close(reason, options);
  }
}
