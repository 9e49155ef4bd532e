import { ContentModerationError, GenerationFailedError, type TarashError } from "../../core/errors.js";
import type { HttpClient } from "../../core/http.js";
import type { AdapterContext, ProgressReport } from "../../core/provider.js";
import { MODERATION_TEXT, parseLumaError } from "./errors.js";

/**
 * Luma Dream Machine's generation protocol, shared by Photon images and Ray videos: create a
 * generation (`POST /generations/image` or `/generations/video`), poll `GET /generations/{id}` from
 * `queued` → `dreaming` → `completed` | `failed`, and `DELETE /generations/{id}` to drop one.
 * Paths are relative to the base URL, which includes `/dream-machine/v1`.
 */

export type GenerationState = "queued" | "dreaming" | "completed" | "failed";

export interface LumaGeneration {
  id: string;
  generation_type?: string;
  state: GenerationState | (string & {});
  failure_reason?: string | null;
  created_at?: string;
  model?: string;
  assets?: { image?: string | null; video?: string | null; progress_video?: string | null } | null;
  request?: Record<string, unknown>;
}

export const GENERATIONS_PATH = "/generations";

/** An HTTP client with Luma auth and error parsing; `afterAbort` for the clean-up call after a cancel. */
export function lumaHttp(ctx: AdapterContext, options: { afterAbort?: boolean } = {}): HttpClient {
  const headers = { authorization: `Bearer ${ctx.requireApiKey()}` };
  return options.afterAbort
    ? ctx.http({ headers, parseError: parseLumaError, signal: undefined })
    : ctx.http({ headers, parseError: parseLumaError });
}

function unusable(ctx: AdapterContext, what: string, raw: unknown): GenerationFailedError {
  return new GenerationFailedError(`${ctx.provider}: ${what}`, {
    provider: ctx.provider,
    model: ctx.model,
    requestId: ctx.requestId,
    rawResponse: raw,
    transient: true,
  });
}

function checkGeneration(ctx: AdapterContext, gen: LumaGeneration): LumaGeneration {
  if (!gen || typeof gen.id !== "string" || !gen.id || typeof gen.state !== "string") {
    throw unusable(ctx, "the generation in the response has no id or state", gen);
  }
  return gen;
}

/** Create a generation; `path` is e.g. `/generations/image`. */
export async function createGeneration(ctx: AdapterContext, path: string, body: unknown): Promise<LumaGeneration> {
  return checkGeneration(ctx, await lumaHttp(ctx).json<LumaGeneration>(path, { method: "POST", json: body }));
}

export async function getGeneration(ctx: AdapterContext, id: string): Promise<LumaGeneration> {
  return checkGeneration(ctx, await lumaHttp(ctx).json<LumaGeneration>(`${GENERATIONS_PATH}/${encodeURIComponent(id)}`));
}

/** Luma has no separate cancel: deleting the generation stops it and frees the slot. */
export async function deleteGeneration(ctx: AdapterContext, id: string): Promise<void> {
  await lumaHttp(ctx, { afterAbort: true }).request(`${GENERATIONS_PATH}/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** The typed error for a `failed` generation: moderation when the reason says so, else a plain failure. */
export function generationError(ctx: AdapterContext, gen: LumaGeneration): TarashError {
  const reason = gen.failure_reason ?? "no failure_reason given";
  const message = `${ctx.provider}: generation ${gen.id} failed: ${reason}`;
  const options = { provider: ctx.provider, model: ctx.model, requestId: ctx.requestId, rawResponse: gen };
  if (MODERATION_TEXT.test(reason)) return new ContentModerationError(message, { ...options, code: "moderation" });
  // Capacity and internal errors are worth another attempt; anything else is about the request.
  const transient = /internal|timeout|timed out|capacity|overload|try again|unavailable/i.test(reason);
  return new GenerationFailedError(message, { ...options, transient });
}

export type GenerationStep =
  | { status: "queued" | "processing"; progress: ProgressReport }
  | { status: "completed"; generation: LumaGeneration }
  | { status: "failed"; error: TarashError };

/** Where a generation stands, in the gateway's terms (video adapters map this onto VideoJobState). */
export function classifyGeneration(ctx: AdapterContext, gen: LumaGeneration): GenerationStep {
  switch (gen.state) {
    case "completed":
      return { status: "completed", generation: gen };
    case "failed":
      return { status: "failed", error: generationError(ctx, gen) };
    case "queued":
      return { status: "queued", progress: { status: "queued" } };
    case "dreaming":
      return { status: "processing", progress: { status: "processing", message: "dreaming" } };
    default:
      return { status: "processing", progress: { status: "processing", message: gen.state } };
  }
}

/** Poll a generation to `completed` (returned) or `failed` (thrown); an abort deletes it on Luma's side. */
export async function waitForGeneration(ctx: AdapterContext, created: LumaGeneration): Promise<LumaGeneration> {
  const first = classifyGeneration(ctx, created);
  if (first.status === "completed") return first.generation;
  if (first.status === "failed") throw first.error;
  return ctx.poll<LumaGeneration>({
    intervalMs: ctx.pollIntervalMs,
    what: `${ctx.provider} ${ctx.model} generation ${created.id}`,
    onCancel: () => deleteGeneration(ctx, created.id),
    check: async () => {
      const step = classifyGeneration(ctx, await getGeneration(ctx, created.id));
      if (step.status === "completed") return { done: true, value: step.generation };
      if (step.status === "failed") throw step.error;
      return { done: false, progress: step.progress };
    },
  });
}

/** The output URL of a completed generation, or a (retryable) error when Luma left it empty. */
export function assetUrl(ctx: AdapterContext, gen: LumaGeneration, kind: "image" | "video"): string {
  const url = gen.assets?.[kind];
  if (typeof url !== "string" || !url) throw unusable(ctx, `generation ${gen.id} completed without assets.${kind}`, gen);
  return url;
}
