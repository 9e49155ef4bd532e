import { randomUUID } from "node:crypto";
import type { TarashError } from "../../../../../src/core/errors.js";
import type { AttemptRecord, GenerationConfigInput, ImageGenerationResponse, MediaKind, VideoGenerationResponse } from "../../../../../src/core/types.js";
import type { UsageEvent } from "./ledger.js";

/** Who asked: the caller's tenant, API key id and the configured route the request named (if any). */
export interface UsageCaller {
  tenant: string;
  keyId?: string | undefined;
  route?: string | undefined;
}

/** The chain in the order the library runs it (depth-first), so an attempt's configIndex finds its config. */
function flatten(config: GenerationConfigInput): GenerationConfigInput[] {
  return [config, ...(config.fallbacks ?? []).flatMap(flatten)];
}

function mocked(chain: readonly GenerationConfigInput[], attempt: AttemptRecord): boolean {
  const mock = chain[attempt.configIndex]?.mock;
  return attempt.provider === "mock" || (mock !== undefined && mock.enabled !== false);
}

function base(kind: MediaKind, caller: UsageCaller, requestId: string, attempt: AttemptRecord, isMock: boolean) {
  return {
    created_at: attempt.endedAt,
    tenant: caller.tenant,
    key_id: caller.keyId ?? null,
    route: caller.route ?? null,
    request_id: requestId,
    kind,
    provider: attempt.provider,
    model: attempt.model,
    latency_ms: Math.max(0, Math.round(attempt.durationMs)),
    is_mock: isMock,
  };
}

const failedAttempt = (a: AttemptRecord) => ({
  status: "failed" as const,
  error_type: a.errorType ?? (a.status === "cancelled" ? "CancelledError" : "UnknownError"),
  images: 0,
  video_seconds: 0,
  input_tokens: null,
  output_tokens: null,
  estimated_usd: 0,
  actual_usd: null,
});

/**
 * One ledger row per attempt of a generation that succeeded: the successful attempt carries the units and
 * the cost (the provider's own figure as `actual_usd` where it reported one); failed attempts before it
 * cost nothing (providers do not bill a refused or failed call) but are recorded with their error type.
 */
export function successEvents(
  kind: MediaKind,
  caller: UsageCaller,
  config: GenerationConfigInput,
  response: ImageGenerationResponse | VideoGenerationResponse,
  /** Seconds asked for, when the provider does not report a video's duration. */
  requestedSeconds?: number | undefined,
): UsageEvent[] {
  const chain = flatten(config);
  return response.executionMetadata.attempts.map((a) => {
    if (a.status !== "success") return { ...base(kind, caller, response.requestId, a, mocked(chain, a)), ...failedAttempt(a) };
    const videos = "videos" in response ? response.videos : [];
    const cost = response.cost;
    return {
      ...base(kind, caller, response.requestId, a, response.isMock || mocked(chain, a)),
      status: "success" as const,
      error_type: null,
      images: "images" in response ? response.images.length : 0,
      video_seconds: videos.reduce((sum, v) => sum + (v.durationSeconds ?? requestedSeconds ?? 0), 0),
      input_tokens: response.usage?.inputTokens ?? null,
      output_tokens: response.usage?.outputTokens ?? null,
      estimated_usd: cost?.amountUsd ?? 0,
      actual_usd: cost && !cost.estimated ? cost.amountUsd : null,
    };
  });
}

/** One row per attempt of a generation that failed (nothing when it failed before any attempt, e.g. validation). */
export function failureEvents(kind: MediaKind, caller: UsageCaller, config: GenerationConfigInput, error: TarashError | undefined): UsageEvent[] {
  const attempts = error?.executionMetadata?.attempts ?? [];
  if (attempts.length === 0) return [];
  const chain = flatten(config);
  const requestId = error?.requestId ?? `gen_${randomUUID().replace(/-/g, "")}`;
  return attempts.map((a) => ({ ...base(kind, caller, requestId, a, mocked(chain, a)), ...failedAttempt(a) }));
}

/** What a job keeps (in its `meta`) so the worker that runs it can record who asked. */
export function usageMeta(keyId: string | undefined, route: string | undefined): Record<string, string> {
  return { ...(keyId ? { usageKeyId: keyId } : {}), ...(route ? { usageRoute: route } : {}) };
}

/** The key id and route a job's `meta` carries (see usageMeta). */
export function usageCaller(meta: Record<string, unknown> | undefined): Pick<UsageCaller, "keyId" | "route"> {
  const keyId = meta && Object.hasOwn(meta, "usageKeyId") && typeof meta.usageKeyId === "string" ? meta.usageKeyId : undefined;
  const route = meta && Object.hasOwn(meta, "usageRoute") && typeof meta.usageRoute === "string" ? meta.usageRoute : undefined;
  return { keyId, route };
}
