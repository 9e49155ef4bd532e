import type { Context } from "hono";
import { redactString } from "../../../../src/core/redact.js";
import type { Gateway } from "../../../../src/core/gateway.js";
import type { Logger } from "../../../../src/core/logger.js";
import type { KeyStore } from "./admin/store.js";
import type { Authenticator, Principal } from "./auth.js";
import type { ServerConfig } from "./config.js";
import type { DatabaseHandle } from "./db/handle.js";
import type { UsageLedger } from "./usage/ledger.js";
import type { AssetStore } from "./assets/store.js";
import type { Generator } from "./generation.js";
import type { Job, JobQueue } from "./jobs/queue.js";
import type { Metrics } from "./metrics.js";
import type { RateLimiter } from "./rate-limit.js";
import type { Router } from "./routing.js";
import type { UrlSigner } from "./storage/signing.js";
import type { Storage } from "./storage/storage.js";

/** Everything a route needs, built once per app. */
export interface AppState {
  config: ServerConfig;
  /** The gateway's database (usage ledger), opened on first use. */
  database: DatabaseHandle;
  /** The usage ledger's writer (absent when this process records no usage). */
  usage: UsageLedger | undefined;
  /** The asset library (absent where this process records no assets, as for usage). */
  assets: AssetStore | undefined;
  gateway: Gateway;
  generator: Generator;
  storage: Storage;
  signer: UrlSigner;
  queue: JobQueue;
  router: Router;
  metrics: Metrics;
  logger: Logger;
  /** Tenants and API keys issued through the admin API (cached lookups). */
  keys: KeyStore;
  auth: Authenticator;
  limiter: RateLimiter;
  /** Origin used in file URLs; set once the server listens. */
  baseUrl: string;
  startedAt: number;
  draining: boolean;
  /** Aborted at the very end of shutdown (webhook retries stop). */
  shutdown: AbortController;
}

export type AppEnv = { Variables: { principal: Principal; requestId: string } };
export type AppContext = Context<AppEnv>;

/** A library response with its stored media URLs signed afresh (results outlive URL lifetimes). */
export async function signedResult(state: AppState, job: Pick<Job, "result" | "outputs">): Promise<Record<string, unknown> | null> {
  if (!job.result) return null;
  const result = structuredClone(job.result) as Record<string, unknown> & {
    images?: { url: string }[];
    videos?: { url: string }[];
    video?: { url: string };
  };
  const list = result.images ?? result.videos ?? [];
  const outputs = job.outputs ?? [];
  for (let i = 0; i < list.length; i++) {
    const out = outputs[i];
    if (out) list[i]!.url = await state.storage.url(out.key);
  }
  if (result.video && result.videos?.[0]) result.video = result.videos[0];
  delete result.rawResponse;
  return result;
}

/** The public representation of a job. */
export async function jobView(state: AppState, job: Job): Promise<Record<string, unknown>> {
  return {
    id: job.id,
    object: "job",
    kind: job.kind,
    status: job.status,
    created_at: job.createdAt,
    started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null,
    progress: job.progress
      ? { status: job.progress.status, progressPercent: job.progress.progressPercent, queuePosition: job.progress.queuePosition, message: job.progress.message }
      : null,
    result: await signedResult(state, job),
    error: job.error ?? null,
    webhook: job.webhook
      ? { url: redactString(job.webhook.url), attempts: job.webhookDelivery?.attempts ?? 0, delivered: job.webhookDelivery?.delivered ?? false }
      : null,
  };
}
