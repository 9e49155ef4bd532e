import type { ErrorBody, ProviderErrorInfo } from "../../core/http-errors.js";

/** One FastAPI-style validation item: `{loc:["body","prompt"], msg, type}`. */
interface FalDetailItem {
  loc?: unknown[];
  msg?: unknown;
  type?: unknown;
}

const MODERATION_TYPES = new Set(["content_policy_violation", "nsfw_content_detected", "content_moderation"]);

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

/** The wire field a detail item points at, without the leading `body`. */
export function detailField(item: FalDetailItem): string | undefined {
  const loc = Array.isArray(item.loc) ? item.loc.map(String) : [];
  const path = loc[0] === "body" || loc[0] === "query" ? loc.slice(1) : loc;
  return path.length > 0 ? path.join(".") : undefined;
}

/**
 * fal error bodies: `{detail:[{loc,msg,type}]}` from model validation (usually 422), `{detail:"…",
 * error_type}` from the queue and infrastructure, sometimes `{message}`. `X-Fal-Retryable` says whether
 * a retry can help, and a 504 of `x-fal-request-timeout-type: user` is the caller's own limit.
 * `fieldName` maps a wire field back to the request field a user set.
 */
export function parseFalError(input: ErrorBody, fieldName: (wire: string) => string = (w) => w): ProviderErrorInfo | undefined {
  const { status, headers, body } = input;
  const b = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const info: ProviderErrorInfo = {};
  const detail = b.detail;
  if (Array.isArray(detail)) {
    const items = detail.filter((d): d is FalDetailItem => d !== null && typeof d === "object");
    info.message = items.map((d) => [detailField(d), str(d.msg)].filter(Boolean).join(": ")).join("; ") || undefined;
    const first = items[0];
    const wire = first ? detailField(first) : undefined;
    // The adapter's mapping is a lookup by the provider's string; only a string result is a field name.
    const mapped = wire ? fieldName(wire) : undefined;
    if (wire) info.field = typeof mapped === "string" ? mapped : wire;
    info.code = str(first?.type);
    if (items.some((d) => MODERATION_TYPES.has(String(d.type)))) info.kind = "moderation";
  } else {
    info.message = str(detail) ?? str(b.message) ?? str(b.error);
  }
  const errorType = str(b.error_type) ?? str(headers.get("x-fal-error-type"));
  info.code ??= errorType;
  if (errorType && MODERATION_TYPES.has(errorType)) info.kind = "moderation";
  if (info.kind) return info;

  const retryable = (headers.get("x-fal-retryable") ?? headers.get("x-fal-needs-retry"))?.toLowerCase();
  if (status === 504 && headers.get("x-fal-request-timeout-type")?.toLowerCase() === "user") info.kind = "failed";
  else if (retryable === "false" && status >= 500) info.kind = "failed";
  else if (retryable === "true" && status !== 429 && status < 500 && status !== 401 && status !== 403) info.kind = "transient";
  return info;
}
