import { createHmac, randomUUID } from "node:crypto";
import { sleep } from "../../core/abort.js";
import type { Logger } from "../../core/logger.js";
import { type NetworkPolicy, BlockedAddressError, checkUrl, guardedLookup } from "../../core/media/ssrf.js";
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

/** Deliver one settled job's webhook; resolves when delivered or given up (never throws). */
export async function deliverWebhook(job: Job, data: Record<string, unknown>, options: WebhookOptions, signal?: AbortSignal): Promise<NonNullable<Job["webhookDelivery"]>> {
  const hook = job.webhook!;
  const secret = hook.secret ?? options.defaultSecret!;
  const state: NonNullable<Job["webhookDelivery"]> = { attempts: 0, delivered: false };
  let url: URL;
  try {
    url = new URL(hook.url);
  } catch {
    return { ...state, lastError: "invalid URL" };
  }
  const problem = checkUrl(url, options.policy);
  if (problem) {
    options.logger.warn({ jobId: job.id }, `webhook refused: ${problem}`);
    options.metrics.webhookDeliveries.inc({ outcome: "refused" });
    return { ...state, lastError: `refused: ${problem}` };
  }
  const body = webhookPayload(job, data);
  const post = await poster(options.policy);
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    state.attempts = attempt;
    const t = Math.floor(Date.now() / 1000);
    const headers = {
      "content-type": "application/json",
      "user-agent": "tarash-gateway-webhook",
      "x-tarash-event": `job.${job.status}`,
      "x-tarash-job-id": job.id,
      "x-tarash-delivery-attempt": String(attempt),
      "x-tarash-signature": signWebhook(secret, body, t),
    };
    let retry = true;
    try {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const res = await post(url.toString(), { body, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      state.lastStatus = res.status;
      if (res.status >= 200 && res.status < 300) {
        state.delivered = true;
        options.metrics.webhookDeliveries.inc({ outcome: "delivered" });
        return state;
      }
      state.lastError = `HTTP ${res.status}`;
      retry = retryable(res.status);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof BlockedAddressError) {
        state.lastError = `refused: ${cause.message}`;
        options.metrics.webhookDeliveries.inc({ outcome: "refused" });
        return state;
      }
      state.lastError = (error as Error).name === "TimeoutError" ? "timed out" : "connection failed";
    }
    options.metrics.webhookDeliveries.inc({ outcome: "failed_attempt" });
    if (!retry || attempt === options.maxAttempts || signal?.aborted) break;
    const delay = options.initialBackoffMs * 2 ** (attempt - 1);
    try {
      await sleep(delay / 2 + Math.random() * (delay / 2), signal);
    } catch {
      break;
    }
  }
  options.logger.warn({ jobId: job.id, attempts: state.attempts, lastError: state.lastError }, "webhook delivery gave up");
  return state;
}
