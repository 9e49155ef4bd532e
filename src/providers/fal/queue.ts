/**
 * fal's queue protocol, independent of what a model generates (image and video adapters share it):
 * submit to the full model id, then status / result / cancel at the app root, which drops the model's
 * sub-path (`fal-ai/flux/dev` → `…/fal-ai/flux/requests/{id}/status`).
 */
import { abortError } from "../../core/abort.js";
import { HTTPError, TarashError, TimeoutError, isRetryableError } from "../../core/errors.js";
import type { HttpClient } from "../../core/http.js";
import type { ErrorParser } from "../../core/http-errors.js";
import { DEFAULT_POLL_LIMIT_MS } from "../../core/context.js";
import type { AdapterContext, ProgressReport } from "../../core/provider.js";
import { readServerSentEvents } from "../../core/sse.js";
import { parseFalError } from "./errors.js";

export type FalQueueStatusName = "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED";

export interface FalLog {
  message?: string;
  level?: string;
  source?: string;
  timestamp?: string;
}

export interface FalQueueStatus {
  status: FalQueueStatusName | (string & {});
  request_id?: string;
  response_url?: string;
  status_url?: string;
  cancel_url?: string;
  queue_position?: number;
  logs?: FalLog[] | null;
  metrics?: { inference_time?: number | null } | null;
  error?: string | null;
  error_type?: string | null;
}

/** Where one queued request lives. Rebuildable from the model id and request id alone (durable job ids). */
export interface FalQueueHandle {
  modelId: string;
  requestId: string;
  statusUrl: string;
  responseUrl: string;
  cancelUrl: string;
}

export interface FalEndpointId {
  namespace?: string | undefined;
  owner: string;
  app: string;
  path?: string | undefined;
}

const NAMESPACES = new Set(["workflows", "comfy"]);
const FAL_HOST = /(^|\.)fal\.(run|ai|media)$/i;

/** `owner/app[/path…]`, `workflows|comfy/owner/app[/path]`, or a legacy `123-app`. */
export function parseEndpointId(id: string): FalEndpointId {
  const legacy = /^(\d+)-([a-z0-9-]+)$/i.exec(id);
  if (legacy) return { owner: legacy[1]!, app: legacy[2]! };
  const parts = id.split("/").filter(Boolean);
  const namespace = parts[0] && NAMESPACES.has(parts[0]) ? parts.shift() : undefined;
  const [owner = "", app = "", ...rest] = parts;
  return { namespace, owner, app, path: rest.length > 0 ? rest.join("/") : undefined };
}

/** The app root that status, result and cancel live under: `[ns/]owner/app`. */
export function appRoot(modelId: string): string {
  const e = parseEndpointId(modelId);
  return [e.namespace, e.owner, e.app].filter(Boolean).join("/");
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`.replace(/([^:]\/)\/+/g, "$1");
}

/** The submit URL: the full model id, path included. A full fal URL as model id is used as-is. */
export function submitUrl(baseUrl: string, modelId: string): string {
  if (/^https?:\/\//i.test(modelId)) return modelId.replace(/\/+$/, "");
  const legacy = /^(\d+)-([a-z0-9-]+)$/i.exec(modelId);
  return join(baseUrl, legacy ? `${legacy[1]}/${legacy[2]}` : modelId);
}

/**
 * A URL fal returned is followed only when it stays on the configured queue host or on fal's own
 * domains: the request carries the API key, and a proxy configured as baseUrl must not be bypassed
 * for some third host.
 */
function trusted(url: unknown, baseUrl: string): url is string {
  if (typeof url !== "string") return false;
  try {
    const u = new URL(url);
    const base = new URL(baseUrl);
    if (u.protocol !== "https:" && u.protocol !== "http:") return false;
    if (u.origin === base.origin) return true;
    return u.protocol === "https:" && FAL_HOST.test(u.hostname) && FAL_HOST.test(base.hostname);
  } catch {
    return false;
  }
}

/** URLs of a queued request, preferring those fal returned at submit. */
export function queueHandle(
  baseUrl: string,
  modelId: string,
  requestId: string,
  returned: Pick<FalQueueStatus, "status_url" | "response_url" | "cancel_url"> = {},
): FalQueueHandle {
  const root = /^https?:\/\//i.test(modelId) ? join(new URL(modelId).origin, appRoot(new URL(modelId).pathname)) : join(baseUrl, appRoot(modelId));
  const responseUrl = join(root, `requests/${encodeURIComponent(requestId)}`);
  return {
    modelId,
    requestId,
    statusUrl: trusted(returned.status_url, baseUrl) ? returned.status_url : `${responseUrl}/status`,
    responseUrl: trusted(returned.response_url, baseUrl) ? returned.response_url : responseUrl,
    cancelUrl: trusted(returned.cancel_url, baseUrl) ? returned.cancel_url : `${responseUrl}/cancel`,
  };
}

export interface FalClientOptions {
  /** Maps a wire field named in a 422 back to the request field the user set. */
  fieldName?: ((wire: string) => string) | undefined;
  /** Pass `undefined` for a call made after the attempt was aborted (cancel). */
  signal?: AbortSignal | undefined;
}

/** An HTTP client with fal's auth (`Authorization: Key …`) and error parsing. */
export function falClient(ctx: AdapterContext, options: FalClientOptions = {}): HttpClient {
  const parseError: ErrorParser = (input) => parseFalError(input, options.fieldName);
  const headers: Record<string, string> = { accept: "application/json", authorization: `Key ${ctx.requireApiKey()}` };
  return ctx.http("signal" in options ? { headers, parseError, signal: options.signal } : { headers, parseError });
}

export interface SubmitOptions extends FalClientOptions {
  webhookUrl?: string | undefined;
  priority?: "normal" | "low" | undefined;
  /** Server-side bound on the request, in seconds (fal requires more than 1). */
  requestTimeoutSeconds?: number | undefined;
}

export interface Submitted {
  handle: FalQueueHandle;
  queuePosition: number | undefined;
  raw: FalQueueStatus;
}

/** Submit a model input to the queue. A 429 or 5xx here is a typed, retryable error (the core retries). */
export async function submitToQueue(
  ctx: AdapterContext,
  modelId: string,
  input: Record<string, unknown>,
  options: SubmitOptions = {},
): Promise<Submitted> {
  const headers: Record<string, string> = { "x-fal-queue-priority": options.priority ?? "normal" };
  if (options.requestTimeoutSeconds !== undefined) headers["x-fal-request-timeout"] = String(Math.max(2, Math.ceil(options.requestTimeoutSeconds)));
  const raw = await falClient(ctx, options).json<FalQueueStatus>(submitUrl(ctx.baseUrl, modelId), {
    json: input,
    headers,
    query: options.webhookUrl ? { fal_webhook: options.webhookUrl } : undefined,
  });
  if (typeof raw.request_id !== "string" || !raw.request_id) {
    throw new HTTPError(`fal returned no request_id for ${modelId}`, { rawResponse: raw });
  }
  return {
    handle: queueHandle(ctx.baseUrl, modelId, raw.request_id, raw),
    queuePosition: typeof raw.queue_position === "number" ? raw.queue_position : undefined,
    raw,
  };
}

/** One status check (`?logs=1` to receive the model's logs while it runs). */
export async function fetchQueueStatus(ctx: AdapterContext, handle: FalQueueHandle, options: { logs?: boolean } = {}): Promise<FalQueueStatus> {
  return falClient(ctx).json<FalQueueStatus>(handle.statusUrl, { query: { logs: options.logs === false ? 0 : 1 } });
}

const MAX_LOG_LINES = 50;
/** Consecutive failed status/result reads tolerated before the attempt fails. */
const MAX_READ_FAILURES = 4;

/** A status as a progress report: queued with its position, processing with its logs; undefined when done. */
export function statusProgress(status: FalQueueStatus): ProgressReport | undefined {
  if (status.status === "COMPLETED") return undefined;
  if (status.status === "IN_QUEUE") {
    return {
      status: "queued",
      queuePosition: typeof status.queue_position === "number" ? status.queue_position : undefined,
      message: typeof status.queue_position === "number" ? `in queue at position ${status.queue_position}` : "in queue",
    };
  }
  const logs = (status.logs ?? []).map((l) => l.message).filter((m): m is string => typeof m === "string" && m.length > 0);
  return {
    status: "processing",
    message: logs.at(-1) ?? "in progress",
    logs: logs.length > 0 ? logs.slice(-MAX_LOG_LINES) : undefined,
  };
}

/** The model's output. A model that failed answers here with its own error status and body. */
export async function fetchQueueResult<T>(
  ctx: AdapterContext,
  handle: FalQueueHandle,
  options: FalClientOptions = {},
): Promise<{ data: T; requestId: string }> {
  const response = await falClient(ctx, options).request(handle.responseUrl);
  const text = await response.text();
  let data: T;
  try {
    data = JSON.parse(text) as T;
  } catch {
    throw new HTTPError(`fal returned a result that is not JSON (status ${response.status})`, { rawResponse: text.slice(0, 500) });
  }
  return { data, requestId: response.headers.get("x-fal-request-id") ?? handle.requestId };
}

/** Ask fal to cancel; works after the attempt was aborted (own short timeout). Best effort. */
export async function cancelQueued(ctx: AdapterContext, handle: FalQueueHandle): Promise<void> {
  await falClient(ctx, { signal: undefined }).request(handle.cancelUrl, { method: "PUT", acceptStatus: [400, 404, 409] });
}

export interface RunOptions extends SubmitOptions {
  /** What is being run, for progress and timeout messages. */
  what?: string | undefined;
}

/**
 * Submit, wait for COMPLETED on fal's status stream (or, where it cannot be used, by polling; each state
 * reported as progress, bounded by the core's deadline and maxPollAttempts), then fetch the result. An abort or timeout while waiting cancels the request
 * on fal's side. Only the submit is retried by the core; reads are re-polled instead.
 */
export async function runQueued<T>(
  ctx: AdapterContext,
  modelId: string,
  input: Record<string, unknown>,
  options: RunOptions = {},
): Promise<{ data: T; requestId: string; handle: FalQueueHandle }> {
  const { handle, queuePosition } = await submitToQueue(ctx, modelId, input, options);
  await ctx.progress({
    status: "queued",
    queuePosition,
    message: queuePosition !== undefined ? `in queue at position ${queuePosition}` : "submitted",
  });
  // A poll-count bound (`maxPollAttempts`) is honoured literally, by polling.
  const streamed = ctx.maxPollAttempts === undefined ? await waitOnStatusStream(ctx, handle) : "unavailable";
  let failures = 0;
  return ctx.poll({
      what: options.what ?? `fal ${modelId} request ${handle.requestId}`,
      intervalMs: ctx.pollIntervalMs,
      backoff: 1.25,
      maxIntervalMs: Math.max(ctx.pollIntervalMs, 5_000),
      onCancel: () => cancelQueued(ctx, handle),
      async check(attempt) {
        try {
          // The stream already said COMPLETED: read the result at once (and again, like any read, on a blip).
          if (attempt > 1 || streamed !== "completed") {
            const status = await fetchQueueStatus(ctx, handle);
            const progress = statusProgress(status);
            if (progress) {
              failures = 0;
              return { done: false, progress };
            }
          }
          const result = await fetchQueueResult<T>(ctx, handle, options);
          return { done: true, value: { ...result, handle } };
        } catch (error) {
          // A blip while reading status or result must not fail the attempt: the core would then
          // resubmit, and fal would run (and bill) the request twice. Read again, a few times.
          if (isRetryableError(error) && !ctx.signal.aborted && ++failures < MAX_READ_FAILURES) {
            return { done: false, retryAfterMs: error instanceof HTTPError ? error.retryAfterMs : undefined };
          }
          throw error;
        }
      },
    });
}

/** fal sends a keep-alive comment every 15 s; three missed ones mean the stream is dead. */
const STREAM_IDLE_MS = 45_000;
/** One status event (logs included) is small; anything near this is not a status. */
const MAX_STATUS_EVENT_BYTES = 1 << 20;

/**
 * Wait for a request on fal's status stream (`…/status/stream`, server-sent events, closed after
 * COMPLETED), so the result is fetched the moment fal says it is ready instead of up to a poll interval
 * later. Every state is reported as progress. Resolves "completed", or "unavailable" when the stream
 * cannot be used (not served, dropped, silent) and the caller should poll instead; a non-retryable
 * error (bad key) is thrown as it would be from a status poll.
 */
export async function waitOnStatusStream(ctx: AdapterContext, handle: FalQueueHandle): Promise<"completed" | "unavailable"> {
  // Bounded like polling: the attempt deadline, else the same default limit, after which fal is asked to cancel.
  const deadline = ctx.deadline ?? Date.now() + DEFAULT_POLL_LIMIT_MS;
  let response: Response;
  try {
    response = await falClient(ctx).request(`${handle.statusUrl}/stream`, { query: { logs: 1 }, acceptStatus: [404, 405] });
  } catch (error) {
    if (ctx.signal.aborted) throw await cancelOnAbort(ctx, handle, error);
    if (isRetryableError(error)) return "unavailable";
    throw error;
  }
  if (response.status !== 200 || !/^text\/event-stream\b/i.test(response.headers.get("content-type") ?? "") || !response.body) {
    await response.body?.cancel();
    return "unavailable";
  }
  let last: string | undefined;
  try {
    for await (const event of readServerSentEvents(response.body, {
      signal: ctx.signal,
      idleMs: STREAM_IDLE_MS,
      maxEventBytes: MAX_STATUS_EVENT_BYTES,
      source: `fal status stream for ${handle.requestId}`,
    })) {
      let status: FalQueueStatus;
      try {
        status = JSON.parse(event.data) as FalQueueStatus;
      } catch {
        continue;
      }
      if (status.status === "COMPLETED") return "completed";
      const progress = statusProgress(status);
      const key = progress && `${progress.status}|${progress.queuePosition}|${progress.message}|${progress.logs?.length}`;
      if (progress && key !== last) {
        last = key;
        await ctx.progress(progress);
      }
      if (Date.now() >= deadline) break;
    }
  } catch (error) {
    if (ctx.signal.aborted) throw await cancelOnAbort(ctx, handle, error);
    // A dropped or silent stream is no verdict on the request: poll it instead.
    if (!isRetryableError(error)) throw error;
  }
  if (Date.now() >= deadline) {
    await cancelQueued(ctx, handle).catch(() => undefined);
    throw new TimeoutError(`fal ${handle.modelId} request ${handle.requestId} did not finish before the deadline`);
  }
  return "unavailable";
}

/** As when polling: the caller stopped waiting, so fal stops running (and billing) the request. */
async function cancelOnAbort(ctx: AdapterContext, handle: FalQueueHandle, error: unknown): Promise<unknown> {
  await cancelQueued(ctx, handle).catch(() => undefined);
  return error instanceof TarashError ? error : abortError(ctx.signal);
}
