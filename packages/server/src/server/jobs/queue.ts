import type { GenerationConfigInput, ProgressUpdate } from "../../../../../src/core/types.js";
import { ApiError } from "../errors.js";
import type { StoredOutput } from "../generation.js";

/**
 * The job queue the gateway's async APIs (`/v1/jobs`, `/v1/videos`) run on. Everything a job carries is
 * JSON (uploads arrive as data URLs), so an implementation may keep jobs in another process: the
 * in-process queue (./memory.ts) is built in; a BullMQ/Redis implementation plugs in behind this same
 * interface (jobs in Redis, events over pub/sub or a stream, workers calling the registered handler).
 *
 * Contract: a job accepted is a job that ends `completed`, `failed` (with a reason) or `cancelled` (with
 * a reason). Jobs of one tenant are invisible to another: lookups take the tenant and answer
 * `undefined` for a job of someone else, exactly as for a job that does not exist.
 */

export type JobKind = "image" | "video";
export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled";
export const JOB_STATUSES: readonly JobStatus[] = ["queued", "running", "completed", "failed", "cancelled"];
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["completed", "failed", "cancelled"]);

export interface JobWebhook {
  url: string;
  /** HMAC secret for X-Tarash-Signature; falls back to the gateway's webhooks.secret. */
  secret?: string | undefined;
}

export interface JobError {
  /** Error class, e.g. ValidationError, GenerationFailedError, CancelledError. */
  type: string;
  message: string;
  /** HTTP status this error maps to on the synchronous APIs. */
  status: number;
  param?: string | null | undefined;
  code?: string | null | undefined;
}

/** What the API layer hands the queue. */
export interface JobInput {
  tenant: string;
  kind: JobKind;
  /** The library config chain to run (already resolved from a route or given by the caller). */
  config: GenerationConfigInput;
  /** The library request (ImageGenerationRequest / VideoGenerationRequest), JSON only. */
  request: Record<string, unknown>;
  webhook?: JobWebhook | undefined;
  /** Labels the API layer keeps with the job (e.g. the OpenAI video `model`, `size`, `seconds`). */
  meta?: Record<string, unknown> | undefined;
}

export interface JobProgress {
  status: ProgressUpdate["status"];
  progressPercent?: number | undefined;
  queuePosition?: number | undefined;
  message?: string | undefined;
  provider?: string | undefined;
  model?: string | undefined;
  attempt?: number | undefined;
}

export interface Job extends JobInput {
  id: string;
  status: JobStatus;
  /** ISO times. */
  createdAt: string;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  /** The latest progress report. */
  progress?: JobProgress | undefined;
  /** The library response (ImageGenerationResponse / VideoGenerationResponse) as JSON, when completed. */
  result?: Record<string, unknown> | undefined;
  /** Stored outputs, aligned with result.images / result.videos. */
  outputs?: (StoredOutput | undefined)[] | undefined;
  error?: JobError | undefined;
  /**
   * The provider job a video job submitted (a tarash video job id: provider, model, provider's id),
   * recorded before it is polled, so a restart re-attaches to it instead of submitting again.
   */
  providerRef?: string | undefined;
  webhookDelivery?: { attempts: number; delivered: boolean; lastStatus?: number | undefined; lastError?: string | undefined } | undefined;
}

export type JobEvent =
  | { seq: number; type: "queued"; at: string }
  | { seq: number; type: "started"; at: string }
  | { seq: number; type: "progress"; at: string; progress: JobProgress }
  | { seq: number; type: "completed"; at: string; result: Record<string, unknown> }
  | { seq: number; type: "failed"; at: string; error: JobError }
  | { seq: number; type: "cancelled"; at: string; error: JobError };

/** What runs a job (the worker side). It must honour `signal`: aborting it cancels the provider job. */
export type JobHandler = (
  job: Job,
  io: {
    signal: AbortSignal;
    progress(update: JobProgress): Promise<void>;
    /**
     * A provider accepted the job's video (`ref` from the library's onSubmitted): a durable queue
     * records it before the handler polls; a throw means it could not, and the provider job is stopped.
     */
    submitted?(ref: string): Promise<void>;
  },
) => Promise<{ result: Record<string, unknown>; outputs?: (StoredOutput | undefined)[] | undefined }>;

/** Called once per job after it reaches a terminal status (webhook delivery, metrics). */
export type JobSettledListener = (job: Job) => void | Promise<void>;

export class QueueFullError extends Error {
  override name = "QueueFullError";
}

export class QueueClosedError extends Error {
  override name = "QueueClosedError";
}

/**
 * The queue's store (Redis) cannot be reached: nothing about jobs can be read or written right now.
 * A 503 with Retry-After; the queue recovers on its own when the store is back.
 */
export class QueueUnavailableError extends ApiError {
  override name = "QueueUnavailableError";
  constructor(message: string, retryAfterSeconds: number) {
    super(503, message, { type: "api_error", code: "queue_unavailable", headers: { "Retry-After": String(retryAfterSeconds) } });
  }
}

export interface JobQueue {
  /** Short name for /healthz, e.g. `memory` or `redis`. */
  readonly kind: string;
  /** Register the handler that runs jobs. Called once at start-up, before any enqueue. */
  process(handler: JobHandler): void;
  /** Register a listener for settled jobs. */
  onSettled(listener: JobSettledListener): void;
  /**
   * Accept a job. Throws QueueFullError (→ 429) or QueueClosedError (→ 503). Every method that reads or
   * writes jobs throws QueueUnavailableError (→ 503 + Retry-After) when the queue's store is down.
   */
  enqueue(input: JobInput): Promise<Job>;
  get(id: string, tenant: string): Promise<Job | undefined>;
  /** A tenant's jobs, newest first. */
  list(tenant: string, options?: { kind?: JobKind | undefined; limit?: number | undefined; after?: string | undefined }): Promise<Job[]>;
  /**
   * Cancel a job: a queued job is cancelled at once, a running one is aborted (the provider job is
   * cancelled by the library) and settles as `cancelled`. A finished job is returned unchanged.
   */
  cancel(id: string, tenant: string, reason: string): Promise<Job | undefined>;
  /**
   * Forget a finished job of the tenant (its record and events): later lookups answer undefined. True
   * when a job was removed; false for an unknown job, another tenant's, or one not finished (cancel it first).
   */
  remove(id: string, tenant: string): Promise<boolean>;
  /**
   * The job's events: those after `afterSeq` first (late subscribers get the history), then live ones,
   * ending after the terminal event or when `signal` aborts. Undefined for an unknown job.
   */
  events(id: string, tenant: string, options?: { afterSeq?: number | undefined; signal?: AbortSignal | undefined }): Promise<AsyncIterable<JobEvent> | undefined>;
  /** Job counts by status (for /metrics); throws QueueUnavailableError rather than report zeros it does not know. */
  counts(): Promise<Record<JobStatus, number>>;
  health(): Promise<{ ok: boolean; detail?: string | undefined }>;
  /**
   * Stop accepting jobs; settle every job this process holds: queued and running jobs are cancelled
   * with `reason` (or, for a durable queue, handed back for another worker). Resolves when all have
   * settled and their listeners ran, or after `timeoutMs`.
   */
  close(reason: string, options?: { timeoutMs?: number | undefined }): Promise<void>;
}
