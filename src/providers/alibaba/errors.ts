import type { ErrorParser, ProviderErrorInfo } from "../../core/http-errors.js";

/** DashScope's error body: top-level `{code, message, request_id}`. */
export interface DashScopeErrorBody {
  code?: string;
  message?: string;
  request_id?: string;
}

const MODERATION_CODES = /DataInspection|data_inspection|IPInfringement|Inappropriate/i;
const TRANSIENT_CODES = /^(InternalError.*|SystemError|ServiceUnavailable|RequestTimeOut|InternalError\.Timeout|InternalError\.Algo)$/i;

/** DashScope parameter names → the request field a user set. */
const FIELD_BY_PARAM: Readonly<Record<string, string>> = {
  size: "size",
  n: "n",
  seed: "seed",
  negative_prompt: "negativePrompt",
  prompt_extend: "enhancePrompt",
  style: "style",
  prompt: "prompt",
  text: "prompt",
  model: "model",
  image: "imageList",
  messages: "imageList",
  ref_img: "imageList",
  watermark: "extraParams.watermark",
};

/** The request field a DashScope InvalidParameter message names, if it names one. */
export function fieldFromMessage(message: string | undefined): string | undefined {
  if (!message) return undefined;
  if (/model not exist|model .*not (found|supported)/i.test(message)) return "model";
  const raw = (message.match(/[A-Za-z_.]+/g) ?? []).map((w) => w.replace(/\.$/, ""));
  const words = raw.map((w) => w.replace(/^(parameters|input)\./, ""));
  // Prefer the longest matching name so "negative_prompt" is not read as "prompt".
  const hits = words.filter((w) => Object.hasOwn(FIELD_BY_PARAM, w)).sort((a, b) => b.length - a.length);
  const hit = hits[0];
  if (hit) return FIELD_BY_PARAM[hit];
  // A section-qualified name we do not map can only have come from extraParams.
  const qualified = raw.find((w) => /^(parameters|input)\.[A-Za-z_]+$/.test(w));
  if (qualified) return `extraParams.${qualified.slice(qualified.indexOf(".") + 1)}`;
  return /\b(url|download)\b/i.test(message) ? "imageList" : undefined;
}

/** Classify a DashScope error code (from an HTTP error or a FAILED task). */
export function classifyCode(code: string | undefined, message: string | undefined): ProviderErrorInfo["kind"] {
  if (!code) return undefined;
  if (MODERATION_CODES.test(code)) return "moderation";
  if (code === "InvalidApiKey" || code.startsWith("AccessDenied") || code === "Arrearage" || code === "Unauthorized") return "authentication";
  if (code.startsWith("Throttling")) return "rate_limit";
  if (code.startsWith("InvalidParameter") || code === "BadRequest" || code.startsWith("BadRequest.") || code === "ModelNotFound") {
    return "validation";
  }
  if (TRANSIENT_CODES.test(code)) return "transient";
  if (message && /inappropriate|sensitive|data inspection/i.test(message)) return "moderation";
  return undefined;
}

export function isDashScopeError(body: unknown): body is DashScopeErrorBody {
  return body !== null && typeof body === "object" && typeof (body as DashScopeErrorBody).code === "string" && (body as DashScopeErrorBody).code !== "";
}

export const parseDashScopeError: ErrorParser = ({ status, body }) => {
  if (!isDashScopeError(body)) return undefined;
  const { code, message } = body;
  let kind = classifyCode(code, message);
  // A 5xx keeps its status semantics (retryable HTTPError) unless the code says something more specific.
  if (kind === "transient" && status >= 500) kind = undefined;
  const text = message ? `${code}: ${message}` : code;
  return {
    code,
    message: text,
    kind,
    field: kind === "validation" ? (fieldFromMessage(message) ?? "request") : undefined,
  };
};
