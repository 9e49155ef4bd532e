import {
  AuthenticationError,
  CancelledError,
  StorageError,
  ContentModerationError,
  GenerationFailedError,
  RateLimitError,
  TarashError,
  TimeoutError,
  ValidationError,
} from "../../../../src/core/errors.js";
import { redactPrefix } from "../../../../src/core/redact.js";
import { zodToValidationError } from "../../../../src/core/validate.js";
import { STORAGE_RETRY_AFTER_SECONDS, StorageBackendError } from "./storage/errors.js";
import type { z } from "zod";

const MAX_MESSAGE_CHARS = 8192;
const MAX_NAME_CHARS = 256;

/**
 * An error with its HTTP face. Handlers throw these (or library errors, mapped by `toApiError`); the
 * app's error handler renders them in the envelope of the endpoint family (OpenAI-style or legacy).
 */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: number;
  /** OpenAI error `type`: invalid_request_error, authentication_error, not_found_error, ... */
  readonly type: string;
  /** The request field at fault (OpenAI `param`, legacy `field`). */
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: { type?: string; param?: string | null | undefined; code?: string | null | undefined; headers?: Record<string, string> } = {},
  ) {
    // Everything here reaches a client, a job record, an SSE event and the log; much of it can come
    // from a provider (its message, the parameter it blamed, its error code), so each is redacted
    // whole and only then bounded.
    super(redactPrefix(message, MAX_MESSAGE_CHARS));
    this.status = status;
    this.type = options.type ?? defaultType(status);
    this.param = typeof options.param === "string" ? redactPrefix(options.param, MAX_NAME_CHARS) : null;
    this.code = typeof options.code === "string" ? redactPrefix(options.code, MAX_NAME_CHARS) : null;
    this.headers = options.headers ?? {};
  }
}

function defaultType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 409) return "conflict_error";
  if (status === 413) return "invalid_request_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return status === 500 ? "server_error" : "api_error";
  return "invalid_request_error";
}

export const badRequest = (message: string, param?: string, code = "invalid_value") => new ApiError(400, message, { param, code });
export const notFound = (what: string) => new ApiError(404, `${what} not found`, { code: "not_found" });

/** A zod failure on a request body → 400 naming the first offending field. */
export function fromZod(error: z.ZodError, prefix = ""): ApiError {
  const v = zodToValidationError(error, "request");
  const issue = v.issues[0];
  const field = issue ? `${prefix}${issue.field}` : prefix || "body";
  return new ApiError(400, `${field}: ${issue?.message ?? "invalid"}`, { param: field, code: "invalid_value" });
}

/** Map anything thrown while serving a request to its HTTP status, without leaking internals. */
export function toApiError(error: unknown): { api: ApiError; internal: boolean } {
  if (error instanceof ApiError) return { api: error, internal: false };
  // The library wraps an exception that is not its own (an adapter bug, a registered provider throwing
  // a plain Error) so fallbacks still run; when the whole chain ends on one, it is ours, not the provider's.
  if (error instanceof GenerationFailedError && error.cause instanceof Error && !(error.cause instanceof TarashError)) {
    return { api: new ApiError(500, "internal server error", { type: "server_error", code: "internal_error" }), internal: true };
  }
  if (error instanceof TarashError) {
    const message = error.message;
    if (error instanceof ValidationError) {
      const field = error.field ?? null;
      return { api: new ApiError(400, message, { param: field, code: "invalid_value" }), internal: false };
    }
    if (error instanceof ContentModerationError) {
      return { api: new ApiError(400, message, { code: error.code ?? "content_policy_violation" }), internal: false };
    }
    if (error instanceof RateLimitError) {
      const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
      return {
        api: new ApiError(429, `the provider is rate limiting: ${message}`, { code: "provider_rate_limited", headers: { "Retry-After": String(seconds) } }),
        internal: false,
      };
    }
    if (error instanceof AuthenticationError) {
      // The caller authenticated fine; the gateway's provider credentials did not.
      return { api: new ApiError(502, `provider authentication failed: ${message}`, { type: "api_error", code: "provider_authentication_failed" }), internal: false };
    }
    if (error instanceof TimeoutError) return { api: new ApiError(504, message, { type: "api_error", code: "provider_timeout" }), internal: false };
    if (error instanceof CancelledError) return { api: new ApiError(503, message, { type: "api_error", code: "cancelled" }), internal: false };
    if (error instanceof StorageError) return { api: storageApiError(error), internal: false };
    return { api: new ApiError(502, message, { type: "api_error", code: "provider_error" }), internal: false };
  }
  return { api: new ApiError(500, "internal server error", { type: "server_error", code: "internal_error" }), internal: true };
}

/** A store that never answered is an outage (503, come back later); one that answered with an error is a 502. */
function storageApiError(error: StorageError): ApiError {
  if (error instanceof StorageBackendError && error.unreachable) {
    const headers = { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) };
    return new ApiError(503, error.message, { type: "api_error", code: "storage_unavailable", headers });
  }
  return new ApiError(502, error.message, { type: "api_error", code: "storage_error" });
}

export function openAIErrorBody(e: ApiError): { error: { message: string; type: string; param: string | null; code: string | null } } {
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
}

export function legacyErrorBody(e: ApiError): { success: false; code: number; error: { message: string; field: string | null } } {
  return { success: false, code: e.status, error: { message: e.message, field: e.param } };
}
