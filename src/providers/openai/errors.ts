import { type ErrorBody, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";

/** OpenAI's error body: `{"error":{"message","type","param","code"}}`. */
export interface OpenAIErrorObject {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
}

const MODERATION_CODES = new Set(["content_policy_violation", "moderation_blocked"]);

/** Wire parameter → the gateway request field a user would fix. Others keep their wire name. */
const FIELD_FOR_PARAM: Record<string, string> = {
  prompt: "prompt",
  size: "size",
  quality: "quality",
  style: "style",
  n: "n",
  output_format: "outputFormat",
  image: "imageList",
  "image[]": "imageList",
  mask: "maskImage",
  model: "model",
};

export function errorObject(body: unknown): OpenAIErrorObject | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const err = (body as { error?: unknown }).error;
  return err !== null && typeof err === "object" ? (err as OpenAIErrorObject) : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * Parse an OpenAI-shaped error. Content-policy and moderation blocks arrive as 400s and become
 * ContentModerationError; `param` names the offending field; `x-should-retry` (which the official
 * SDK honours) overrides the status-based retry decision.
 */
export function parseOpenAIError(input: ErrorBody): ProviderErrorInfo | undefined {
  const err = errorObject(input.body);
  const message = str(err?.message);
  const code = str(err?.code) ?? str(err?.type);
  const param = str(err?.param);
  const info: ProviderErrorInfo = { message, code, retryAfterMs: retryAfterMs(input.headers) };
  if (param) info.field = ownEntry(FIELD_FOR_PARAM, param) ?? param;

  const safetyBlock = str(err?.type) === "image_generation_user_error" && /safety/i.test(message ?? "");
  if ((code && MODERATION_CODES.has(code)) || safetyBlock) {
    info.kind = "moderation";
    return info;
  }
  const shouldRetry = input.headers.get("x-should-retry");
  if (shouldRetry === "true" && input.status !== 429) info.kind = "transient";
  else if (shouldRetry === "false" && input.status >= 500) info.kind = "failed";
  return info;
}
