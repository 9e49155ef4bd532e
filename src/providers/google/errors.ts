import { type ErrorParser, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";

/**
 * Google's error model (google.rpc.Status) is shared by the Gemini API and Vertex AI, for images and
 * video alike: `{"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT","details":[…]}}`.
 */
export interface GoogleRpcStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: unknown[];
}

type Kind = ProviderErrorInfo["kind"];

const KIND_BY_STATUS: Record<string, Kind> = {
  INVALID_ARGUMENT: "validation",
  OUT_OF_RANGE: "validation",
  FAILED_PRECONDITION: "failed",
  UNAUTHENTICATED: "authentication",
  PERMISSION_DENIED: "authentication",
  RESOURCE_EXHAUSTED: "rate_limit",
  CANCELLED: "transient",
  ABORTED: "transient",
  UNAVAILABLE: "transient",
  INTERNAL: "transient",
  DEADLINE_EXCEEDED: "transient",
  UNKNOWN: "transient",
};

/** ErrorInfo reasons that mean the credential itself is wrong, although Google answers 400. */
const AUTH_REASONS = new Set([
  "API_KEY_INVALID",
  "API_KEY_EXPIRED",
  "API_KEY_SERVICE_BLOCKED",
  "API_KEY_HTTP_REFERRER_BLOCKED",
  "API_KEY_IP_ADDRESS_BLOCKED",
  "ACCESS_TOKEN_EXPIRED",
  "ACCESS_TOKEN_TYPE_UNSUPPORTED",
  "CREDENTIALS_MISSING",
]);

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function detailsOf(status: GoogleRpcStatus): Record<string, unknown>[] {
  return (status.details ?? []).map(record).filter((d): d is Record<string, unknown> => d !== undefined);
}

/** `"41s"` / `"0.5s"` (protobuf Duration JSON) → ms. */
export function durationToMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** Google reports paths in proto (snake_case) spelling; requests are written in JSON (camelCase). */
function camel(path: string): string {
  return path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The request field an INVALID_ARGUMENT names: a BadRequest field violation, or `Unknown name "x"`. */
function fieldOf(status: GoogleRpcStatus): string | undefined {
  const unknown = /Unknown name "([^"]+)"(?: at '([^']+)')?/.exec(status.message ?? "");
  if (unknown) return camel(unknown[2] ? `${unknown[2]}.${unknown[1]}` : unknown[1]!);
  for (const d of detailsOf(status)) {
    const violations = d.fieldViolations;
    if (Array.isArray(violations)) {
      const field = record(violations[0])?.field;
      if (typeof field === "string" && field) return camel(field);
    }
  }
  return undefined;
}

/** Classify a google.rpc.Status (an HTTP error body's `error`, or a failed long-running operation's). */
export function classifyGoogleStatus(status: GoogleRpcStatus, httpStatus?: number): ProviderErrorInfo {
  const details = detailsOf(status);
  const reason = details.map((d) => d.reason).find((r): r is string => typeof r === "string");
  const retryDelay = details.map((d) => durationToMs(d.retryDelay)).find((ms) => ms !== undefined);
  let kind: Kind = typeof status.status === "string" ? ownEntry(KIND_BY_STATUS, status.status) : undefined;
  if (reason && AUTH_REASONS.has(reason)) kind = "authentication";
  // 5xx statuses keep their HTTP classification (retryable HTTPError with the status code).
  if (kind === "transient" && httpStatus !== undefined && httpStatus >= 500) kind = undefined;
  return {
    message: status.message,
    code: reason ?? status.status,
    kind,
    field: kind === "validation" ? fieldOf(status) : undefined,
    retryAfterMs: retryDelay,
  };
}

export const parseGoogleError: ErrorParser = ({ status, body }) => {
  const error = record(record(body)?.error);
  if (!error) return undefined;
  return classifyGoogleStatus(error as GoogleRpcStatus, status);
};
