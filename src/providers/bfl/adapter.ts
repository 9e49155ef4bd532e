import { ContentModerationError, GenerationFailedError } from "../../core/errors.js";
import type { PollStep } from "../../core/polling.js";
import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { buildBody, hintsFor } from "./body.js";
import { parseBflError } from "./errors.js";
import { parseBflOptions } from "./options.js";

interface SubmitResponse {
  id?: string;
  polling_url?: string;
  cost?: number;
  input_mp?: number;
  output_mp?: number;
}

interface ResultResponse {
  id?: string;
  status?: string;
  /** An alias of `status` seen in some responses. */
  state?: string;
  result?: { sample?: string; prompt?: string; seed?: number; [k: string]: unknown } | null;
  progress?: number | null;
  details?: Record<string, unknown> | null;
}

/** `…/v1` in a configured base URL (as the AI SDK writes it) is not doubled. */
function apiRoot(baseUrl: string): string {
  return /\/v1$/i.test(baseUrl) ? baseUrl : `${baseUrl}/v1`;
}

/**
 * Whether the polling URL may see the key: BFL's own hosts (the global host hands out regional
 * `api.<region>.bfl.ai` URLs) and the configured base URL's origin. Anything else gets no key.
 */
function sendsKey(pollingUrl: string, baseUrl: string): boolean {
  try {
    const url = new URL(pollingUrl);
    if (url.origin === new URL(baseUrl).origin) return true;
    return url.protocol === "https:" && /(^|\.)bfl\.(ai|ml)$/i.test(url.hostname);
  } catch {
    return false;
  }
}

/** BFL reports progress as a fraction or a percentage depending on the model; normalise to 0–100. */
function percent(progress: number | null | undefined): number | undefined {
  if (typeof progress !== "number" || !Number.isFinite(progress)) return undefined;
  const p = progress <= 1 ? progress * 100 : progress;
  return Math.max(0, Math.min(100, Math.round(p)));
}

function moderationReasons(details: Record<string, unknown> | null | undefined): string {
  if (!details) return "";
  const reasons = Object.values(details).flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v): v is string => typeof v === "string");
  return reasons.length > 0 ? ` (${reasons.join(", ")})` : "";
}

async function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  const options = parseBflOptions(ctx.providerConfig);
  const key = ctx.requireApiKey();
  const ids = { provider: ctx.provider, model: ctx.model, requestId: ctx.requestId };
  const hints = hintsFor(ctx.model, ctx.capability?.adapterHints);
  const body = await buildBody(ctx, req, hints, options);
  const api = ctx.http({ headers: { "x-key": key }, parseError: parseBflError });

  const root = apiRoot(ctx.baseUrl);
  const submit = await api.json<SubmitResponse>(`${root}/${ctx.model}`, { method: "POST", json: body });
  if (typeof submit.id !== "string" || submit.id === "") {
    throw new GenerationFailedError("bfl accepted the request but returned no task id", { ...ids, rawResponse: submit });
  }
  const taskId = submit.id;
  const pollingUrl = typeof submit.polling_url === "string" && submit.polling_url ? submit.polling_url : `${root}/get_result?id=${encodeURIComponent(taskId)}`;
  const poller = sendsKey(pollingUrl, ctx.baseUrl) ? api : ctx.http({ parseError: parseBflError });
  await ctx.progress({ status: "queued", message: "submitted" });

  const done = await ctx.poll({
    what: `bfl task ${taskId}`,
    intervalMs: ctx.pollIntervalMs,
    check: async (): Promise<PollStep<ResultResponse>> => {
      const res = await poller.json<ResultResponse>(pollingUrl, { method: "GET" });
      const status = res.status ?? res.state;
      const raw = { submit, result: res };
      switch (status) {
        case "Ready":
          return { done: true, value: res };
        case "Pending": {
          const p = percent(res.progress);
          return { done: false, progress: p === undefined ? { status: "queued", message: "Pending" } : { status: "processing", progressPercent: p } };
        }
        case "Request Moderated":
          throw new ContentModerationError(`bfl moderated the request (input flagged)${moderationReasons(res.details)}`, { ...ids, code: "request_moderated", rawResponse: raw });
        case "Content Moderated":
          throw new ContentModerationError(`bfl moderated the generated image (output flagged)${moderationReasons(res.details)}`, { ...ids, code: "content_moderated", rawResponse: raw });
        case "Error":
        case "Failed":
          // BFL gives no reason class; a fresh task usually succeeds, so let the core retry it.
          throw new GenerationFailedError(`bfl task ${taskId} failed (${status})`, { ...ids, code: status.toLowerCase(), transient: true, rawResponse: raw });
        case "Task not found":
          throw new GenerationFailedError(`bfl task ${taskId} was not found (expired, or created with another key or region)`, { ...ids, code: "task_not_found", rawResponse: raw });
        default:
          // An unlisted status is treated as still running; the deadline and maxPollAttempts bound it.
          ctx.logger.debug({ provider: "bfl", status }, "unrecognised bfl status");
          return { done: false, progress: { status: "processing", message: String(status) } };
      }
    },
  });

  const sample = done.result?.sample;
  if (typeof sample !== "string" || sample === "") {
    throw new GenerationFailedError(`bfl task ${taskId} is Ready but has no result.sample`, { ...ids, rawResponse: { submit, result: done } });
  }
  // Delivery URLs expire after 10 minutes, so the bytes are fetched now (delivery hosts take no key).
  const image = await ctx.media.download(sample, { field: "result.sample" });
  const revised = typeof done.result?.prompt === "string" && done.result.prompt !== req.prompt ? done.result.prompt : undefined;
  return {
    images: [{ data: image.data, mediaType: image.mediaType, revisedPrompt: revised }],
    providerRequestId: taskId,
    revisedPrompt: revised,
    usage: { images: 1 },
    // BFL reports the charge in credits (1 credit = $0.01).
    costUsd: typeof submit.cost === "number" && submit.cost >= 0 ? Math.round(submit.cost * 10_000) / 1_000_000 : undefined,
    rawResponse: { submit, result: done },
  };
}

export const adapter: ProviderAdapter = { generateImage };
