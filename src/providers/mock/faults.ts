import {
  AuthenticationError,
  ContentModerationError,
  GenerationFailedError,
  HTTPConnectionError,
  HTTPError,
  RateLimitError,
  type TarashError,
  TimeoutError,
  ValidationError,
} from "../../core/errors.js";
import type { MockConfig } from "../../core/types.js";

type ErrorType = NonNullable<MockConfig["errorType"]>;

export function mockError(type: ErrorType, message?: string, retryAfterMs?: number): TarashError {
  const text = message ?? `mock ${type.replace("_", " ")}`;
  switch (type) {
    case "rate_limit":
      return new RateLimitError(text, { retryAfterMs: retryAfterMs ?? 50 });
    case "server_error":
      return new HTTPError(text, { statusCode: 503, retryAfterMs });
    case "timeout":
      return new TimeoutError(text);
    case "connection":
      return new HTTPConnectionError(text);
    case "moderation":
      return new ContentModerationError(text, { code: "content_policy_violation" });
    case "authentication":
      return new AuthenticationError(text, { statusCode: 401 });
    case "validation":
      return new ValidationError(text, { statusCode: 400, issues: [{ field: "prompt", message: text }] });
    case "generation_failed":
      return new GenerationFailedError(text, { transient: true });
  }
}

/**
 * The outcome of one mocked attempt. `responses` with `sequence: true` plays in attempt order (the
 * last entry repeats), so "fail once, then succeed" demonstrates retries deterministically.
 */
export function pickOutcome(mock: MockConfig | undefined, attempt: number, random: () => number = Math.random): TarashError | undefined {
  if (!mock) return undefined;
  const responses = mock.responses;
  if (responses && responses.length > 0) {
    let chosen = responses[responses.length - 1]!;
    if (mock.sequence) chosen = responses[Math.min(attempt - 1, responses.length - 1)]!;
    else {
      const total = responses.reduce((s, r) => s + (r.weight ?? 1), 0);
      let x = random() * total;
      for (const r of responses) {
        x -= r.weight ?? 1;
        if (x < 0) {
          chosen = r;
          break;
        }
      }
    }
    return chosen.error ? mockError(chosen.error, chosen.message, chosen.retryAfterMs) : undefined;
  }
  if (mock.failureRate !== undefined && random() < mock.failureRate) return mockError(mock.errorType ?? "server_error");
  return undefined;
}
