import { redact, redactPrefix } from "./redact.js";
import type { ExecutionMetadata } from "./types.js";

export interface TarashErrorOptions {
  provider?: string | undefined;
  model?: string | undefined;
  requestId?: string | undefined;
  statusCode?: number | undefined;
  rawResponse?: unknown;
  code?: string | undefined;
  cause?: unknown;
}

/** Bounds on provider-supplied text kept on an error: a hostile provider can send a megabyte of message. */
const MAX_MESSAGE_CHARS = 8192;
const MAX_CODE_CHARS = 256;

/**
 * A provider-supplied string (code, field) made safe to show: redacted, then bounded. Providers send
 * whatever they like in these slots, including the key they were given and values that are not strings.
 */
export function safeProviderString(value: unknown, max = MAX_CODE_CHARS): string | undefined {
  if (typeof value === "string") return redactPrefix(value, max);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * Base of every error the library throws. Message, code and `rawResponse` are redacted on
 * construction (before anything is cut to length), so an error can be logged or serialised anywhere
 * without leaking a key, whole or in part.
 */
export class TarashError extends Error {
  override name = "TarashError";
  provider: string | undefined;
  model: string | undefined;
  requestId: string | undefined;
  readonly statusCode: number | undefined;
  /** Provider-specific error code when the provider gave one (e.g. `moderation_blocked`). */
  readonly code: string | undefined;
  readonly rawResponse: unknown;
  /** Set when the whole chain (retries and fallbacks) failed: every attempt that was made. */
  executionMetadata: ExecutionMetadata | undefined;

  constructor(message: string, options: TarashErrorOptions = {}) {
    super(redactPrefix(message, MAX_MESSAGE_CHARS), options.cause === undefined ? undefined : { cause: options.cause });
    this.provider = options.provider;
    this.model = options.model;
    this.requestId = options.requestId;
    this.statusCode = options.statusCode;
    this.code = safeProviderString(options.code);
    this.rawResponse = options.rawResponse === undefined ? undefined : redact(options.rawResponse);
    this.executionMetadata = undefined;
  }

  /** Whether the orchestrator may retry this error or move on to a fallback. */
  get retryable(): boolean {
    return false;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      provider: this.provider,
      model: this.model,
      requestId: this.requestId,
      statusCode: this.statusCode,
      code: this.code,
      retryable: this.retryable,
    };
  }
}

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `quality` or `imageList.0.type`. */
  field: string;
  message: string;
  allowed?: readonly (string | number)[] | undefined;
}

export class ValidationError extends TarashError {
  override name = "ValidationError";
  readonly issues: ValidationIssue[];
  constructor(message: string, options: TarashErrorOptions & { issues?: ValidationIssue[] } = {}) {
    super(message, options);
    // Issues can carry a provider's parameter name and text (an error `param`, a detail `loc`).
    this.issues = (options.issues ?? []).map((issue) => ({
      ...issue,
      field: safeProviderString(issue.field) ?? "request",
      message: safeProviderString(issue.message, MAX_MESSAGE_CHARS) ?? "invalid",
    }));
  }
  /** The first offending field, for one-line reporting. */
  get field(): string | undefined {
    return this.issues[0]?.field;
  }
}

export class ContentModerationError extends TarashError {
  override name = "ContentModerationError";
}

export class AuthenticationError extends TarashError {
  override name = "AuthenticationError";
}

export class HTTPError extends TarashError {
  override name = "HTTPError";
  /** How long the provider asked us to wait (`Retry-After` on a 429 or 503, or the body), when it said. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: TarashErrorOptions & { retryAfterMs?: number | undefined } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
  override get retryable(): boolean {
    const s = this.statusCode;
    return s === undefined || s === 408 || s === 409 || s === 429 || s >= 500;
  }
}

export class RateLimitError extends HTTPError {
  override name = "RateLimitError";
  constructor(message: string, options: TarashErrorOptions & { retryAfterMs?: number | undefined } = {}) {
    super(message, { statusCode: 429, ...options });
  }
  override get retryable(): boolean {
    return true;
  }
}

export class HTTPConnectionError extends TarashError {
  override name = "HTTPConnectionError";
  override get retryable(): boolean {
    return true;
  }
}

export class TimeoutError extends TarashError {
  override name = "TimeoutError";
  override get retryable(): boolean {
    return true;
  }
}

export class GenerationFailedError extends TarashError {
  override name = "GenerationFailedError";
  /** True when the provider says the failure is transient (capacity, internal error) and worth retrying. */
  readonly transient: boolean;
  constructor(message: string, options: TarashErrorOptions & { transient?: boolean } = {}) {
    super(message, options);
    this.transient = options.transient ?? false;
  }
  override get retryable(): boolean {
    return this.transient;
  }
}

/**
 * Storing a generated output failed (the gateway's storage, not the provider). Not retryable: another
 * attempt or provider would generate (and bill) again into the same broken storage.
 */
export class StorageError extends TarashError {
  override name = "StorageError";
}

export class CancelledError extends TarashError {
  override name = "CancelledError";
}

export function isRetryableError(error: unknown): boolean {
  return error instanceof TarashError && error.retryable;
}

/** Retry-After as milliseconds, accepting delta-seconds and HTTP-date forms. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Attach provider/model/request identity to an error that was thrown deep inside an adapter. */
export function stamp(error: TarashError, ids: { provider: string; model: string; requestId: string }): TarashError {
  error.provider ??= ids.provider;
  error.model ??= ids.model;
  error.requestId ??= ids.requestId;
  return error;
}
