import { createHmac, randomUUID } from "node:crypto";
import { sleep } from "../../../../../src/core/abort.js";
import type { Logger } from "../../../../../src/core/logger.js";
import { type NetworkPolicy, BlockedAddressError, checkUrl, guardedLookup } from "../../../../../src/core/media/ssrf.js";
import type { Metrics } from "../metrics.js";
import type { Job } from "./queue.js";

/**
 * Signed job webhooks. Body: `{ id, type: "job.completed" | "job.failed" | "job.cancelled", createdAt, data }`.
 * Header `X-Tarash-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; receivers
 * recompute it over the raw body and reject stale `t`. Deliveries go through the SSRF guard and are
 * retried with exponential backoff on network errors, 408, 429 and 5xx.
 */

export interface WebhookOptions {
  maxAttempts: number;
  initialBackoffMs: number;
  timeoutMs: number;
  policy: NetworkPolicy;
  logger: Logger;
  metrics: Metrics;
  /** Fallback secret when a job's webhook has none. */
  defaultSecret?: string | undefined;
}

export function signWebhook(secret: string, body: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

type PostFn = (url: string, init: { body: string; headers: Record<string, string>; signal: AbortSignal }) => Promise<{ status: number }>;
let guardedPosts: Map<string, Promise<PostFn>> | undefined;

/** POST through an undici Agent whose DNS lookup refuses blocked addresses (DNS rebinding included). */
function poster(policy: NetworkPolicy): Promise<PostFn> {
  guardedPosts ??= new Map();
  const key = JSON.stringify([policy.allowPrivateNetwork === true, policy.allowedHosts ?? []]);
  let p = guardedPosts.get(key);
  if (!p) {
    p = import("undici").then(({ Agent, fetch }) => {
      const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy) } });
      return async (url, init) => {
        const res = await fetch(url, { method: "POST", body: init.body, headers: init.headers, signal: init.signal, redirect: "manual", dispatcher });
        await res.body?.cancel();
        return { status: res.status };
      };
    });
    guardedPosts.set(key, p);
  }
  return p;
}

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

export function webhookPayload(job: Job, data: Record<string, unknown>): string {
  return JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, "")}`, type: `job.${job.status}`, createdAt: new Date().toISOString(), data });
}

/** What one delivery attempt came to. */
export interface WebhookAttempt {
  delivered: boolean;
  /** Worth another attempt (network error, timeout, 408, 429, 5xx). */
  retry: boolean;
  /** Refused by the SSRF guard: never retried. */
  refused?: boolean | undefined;
  status?: number | undefined;
  error?: string | undefined;
}

/** Check a webhook URL against the policy: the reason it is refused, or undefined. */
export function refuseWebhookUrl(raw: string, policy: NetworkPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "invalid URL";
  }
  const problem = checkUrl(url, policy);
  return problem ? `refused: ${problem}` : undefined;
}

/**
 * One signed POST of a webhook body (signed afresh with the current time; the body, and so its event
 * id, is the same on every attempt, so a receiver drops the duplicates an at-least-once sender makes).
 */
export async function attemptWebhook(
  delivery: { url: string; secret: string; body: string; event: string; jobId: string; attempt: number },
  options: Pick<WebhookOptions, "timeoutMs" | "policy" | "metrics">,
  signal?: AbortSignal,
): Promise<WebhookAttempt> {
  const post = await poster(options.policy);
  const t = Math.floor(Date.now() / 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": "tarash-gateway-webhook",
    "x-tarash-event": delivery.event,
    "x-tarash-job-id": delivery.jobId,
    "x-tarash-delivery-attempt": String(delivery.attempt),
    "x-tarash-signature": signWebhook(delivery.secret, delivery.body, t),
  };
  try {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const res = await post(delivery.url, { body: delivery.body, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    if (res.status >= 200 && res.status < 300) {
      options.metrics.webhookDeliveries.inc({ outcome: "delivered" });
      return { delivered: true, retry: false, status: res.status };
    }
    options.metrics.webhookDeliveries.inc({ outcome: "failed_attempt" });
    return { delivered: false, retry: retryable(res.status), status: res.status, error: `HTTP ${res.status}` };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof BlockedAddressError) {
      options.metrics.webhookDeliveries.inc({ outcome: "refused" });
      return { delivered: false, retry: false, refused: true, error: `refused: ${cause.message}` };
    }
    options.metrics.webhookDeliveries.inc({ outcome: "failed_attempt" });
    return { delivered: false, retry: true, error: (error as Error).name === "TimeoutError" ? "timed out" : "connection failed" };
  }
}

/** The wait before attempt `attempt + 1`: exponential from the initial backoff, with half jitter. */
export function webhookBackoffMs(initialBackoffMs: number, attempt: number): number {
  const delay = initialBackoffMs * 2 ** (attempt - 1);
  return delay / 2 + Math.random() * (delay / 2);
}

/** Deliver one settled job's webhook in this process; resolves when delivered or given up (never throws). */
export async function deliverWebhook(job: Job, data: Record<string, unknown>, options: WebhookOptions, signal?: AbortSignal): Promise<NonNullable<Job["webhookDelivery"]>> {
  const hook = job.webhook!;
  const secret = hook.secret ?? options.defaultSecret!;
  const state: NonNullable<Job["webhookDelivery"]> = { attempts: 0, delivered: false };
  const refused = refuseWebhookUrl(hook.url, options.policy);
  if (refused) {
    options.logger.warn({ jobId: job.id }, `webhook ${refused}`);
    if (refused !== "invalid URL") options.metrics.webhookDeliveries.inc({ outcome: "refused" });
    return { ...state, lastError: refused };
  }
  const body = webhookPayload(job, data);
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    state.attempts = attempt;
    const outcome = await attemptWebhook({ url: new URL(hook.url).toString(), secret, body, event: `job.${job.status}`, jobId: job.id, attempt }, options, signal);
    state.lastStatus = outcome.status ?? state.lastStatus;
    if (outcome.delivered) {
      state.delivered = true;
      return state;
    }
    state.lastError = outcome.error;
    if (outcome.refused) return state;
    if (!outcome.retry || attempt === options.maxAttempts || signal?.aborted) break;
    try {
      await sleep(webhookBackoffMs(options.initialBackoffMs, attempt), signal);
    } catch {
      break;
    }
  }
  options.logger.warn({ jobId: job.id, attempts: state.attempts, lastError: state.lastError }, "webhook delivery gave up");
  return state;
}
