import {
  AuthenticationError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  RateLimitError,
  type TarashError,
  type TarashErrorOptions,
  ValidationError,
  parseRetryAfter,
} from "./errors.js";
import { redactPrefix } from "./redact.js";

/** What a provider's error body says, as parsed by the provider's own `parseError`. */
export interface ProviderErrorInfo {
  message?: string | undefined;
  code?: string | undefined;
  /** Overrides the status-based classification (e.g. a 400 that is really a moderation block). */
  kind?: "moderation" | "authentication" | "validation" | "rate_limit" | "transient" | "failed" | undefined;
  /** The request field the provider complained about, for ValidationError. */
  field?: string | undefined;
  retryAfterMs?: number | undefined;
}

export interface ErrorBody {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body was JSON, else undefined. */
  body: unknown;
  text: string;
}

export type ErrorParser = (input: ErrorBody) => ProviderErrorInfo | undefined;

/**
 * `table[key]` for a key a provider sent: only the table's own entries, so `constructor`, `__proto__`
 * or `toString` are unknown names like any other, never a function off Object.prototype.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

function pick(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === "object" ? (obj as Record<string, unknown>)[key] : undefined;
}

/** The message most JSON APIs put somewhere in their error body. */
export function genericErrorMessage(body: unknown, text: string): string | undefined {
  const candidates = [
    pick(pick(body, "error"), "message"),
    pick(body, "error"),
    pick(body, "message"),
    pick(body, "detail"),
    pick(body, "title"),
  ];
  for (const c of candidates) if (typeof c === "string" && c.trim()) return c.trim();
  const trimmed = text.trim();
  // Redacted before it is cut: a key straddling the cut would otherwise leak its first part.
  if (trimmed && !trimmed.startsWith("<")) return redactPrefix(trimmed, 500);
  return undefined;
}

const REASON: Record<number, string> = {
  400: "bad request",
  401: "unauthorized",
  403: "forbidden",
  404: "not found",
  408: "request timeout",
  409: "conflict",
  413: "payload too large",
  422: "unprocessable entity",
  429: "rate limited",
  500: "internal server error",
  502: "bad gateway",
  503: "service unavailable",
  504: "gateway timeout",
};

/**
 * Map a non-2xx provider response to the typed error, in one place for every provider: the adapter's
 * parser may name the kind; otherwise the status decides.
 */
export function errorFromResponse(
  input: ErrorBody,
  info: ProviderErrorInfo | undefined,
  ids: { provider: string; model: string; requestId?: string | undefined },
): TarashError {
  const { status, headers, body, text } = input;
  const detail = info?.message ?? genericErrorMessage(body, text) ?? REASON[status] ?? "request failed";
  const message = `${ids.provider} returned ${status}: ${detail}`;
  const options: TarashErrorOptions = {
    provider: ids.provider,
    model: ids.model,
    requestId: ids.requestId,
    statusCode: status,
    code: info?.code,
    rawResponse: body ?? (text ? redactPrefix(text, 2000) : undefined),
  };
  const kind =
    info?.kind ??
    (status === 401 || status === 403
      ? "authentication"
      : status === 400 || status === 422
        ? "validation"
        : status === 429
          ? "rate_limit"
          : undefined);
  return errorOfKind(kind, message, { ...options, field: info?.field, detail, retryAfterMs: info?.retryAfterMs ?? parseRetryAfter(headers.get("retry-after")) }, "http");
}

export type ErrorKind = NonNullable<ProviderErrorInfo["kind"]>;

/**
 * The typed error for a kind of failure. One mapping serves HTTP errors and jobs that failed at the
 * provider (a FAILED task, a finished operation with an error); they differ only in what an
 * unclassified failure is: an HTTPError for a response, a GenerationFailedError for a job.
 */
export function errorOfKind(
  kind: ErrorKind | undefined,
  message: string,
  options: TarashErrorOptions & { field?: string | undefined; detail?: string | undefined; retryAfterMs?: number | undefined },
  unclassified: "http" | "job",
): TarashError {
  const { field, detail, retryAfterMs, ...base } = options;
  switch (kind) {
    case "moderation":
      return new ContentModerationError(message, base);
    case "authentication":
      return new AuthenticationError(message, base);
    case "validation":
      return new ValidationError(message, { ...base, issues: [{ field: field ?? "request", message: detail ?? message }] });
    case "rate_limit":
      return new RateLimitError(message, { ...base, retryAfterMs });
    case "transient":
      return new GenerationFailedError(message, { ...base, transient: true });
    case "failed":
      return new GenerationFailedError(message, base);
    default:
      return unclassified === "http" ? new HTTPError(message, { ...base, retryAfterMs }) : new GenerationFailedError(message, base);
  }
}
