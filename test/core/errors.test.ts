import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPConnectionError,
  HTTPError,
  RateLimitError,
  TimeoutError,
  ValidationError,
  isRetryableError,
} from "../../src/index.js";
import { parseRetryAfter } from "../../src/core/errors.js";
import { errorFromResponse } from "../../src/core/http-errors.js";

describe("error classes", () => {
  it("classifies retryability as PRODUCT.md says", () => {
    const cases: [unknown, boolean][] = [
      [new HTTPConnectionError("x"), true],
      [new TimeoutError("x"), true],
      [new RateLimitError("x"), true],
      [new HTTPError("x", { statusCode: 408 }), true],
      [new HTTPError("x", { statusCode: 409 }), true],
      [new HTTPError("x", { statusCode: 503 }), true],
      [new HTTPError("x", { statusCode: 404 }), false],
      [new GenerationFailedError("x", { transient: true }), true],
      [new GenerationFailedError("x"), false],
      [new ValidationError("x"), false],
      [new AuthenticationError("x"), false],
      [new ContentModerationError("x"), false],
      [new CancelledError("x"), false],
      [new Error("plain"), false],
    ];
    for (const [error, expected] of cases) assert.equal(isRetryableError(error), expected, (error as Error).name);
  });

  it("parses Retry-After in seconds and as an HTTP date", () => {
    assert.equal(parseRetryAfter("3"), 3000);
    assert.equal(parseRetryAfter("0.5"), 500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now), 10_000);
    assert.equal(parseRetryAfter("soon"), undefined);
  });

  it("maps statuses and provider kinds to typed errors in one place", () => {
    const ids = { provider: "p", model: "m" };
    const make = (status: number, body: unknown, info?: Parameters<typeof errorFromResponse>[1], headers = new Headers()) =>
      errorFromResponse({ status, headers, body, text: JSON.stringify(body) }, info, ids);
    assert.ok(make(401, { error: { message: "bad key" } }) instanceof AuthenticationError);
    assert.ok(make(403, {}) instanceof AuthenticationError);
    const v = make(422, { detail: "width too big" }, { field: "width" });
    assert.ok(v instanceof ValidationError);
    assert.equal((v as ValidationError).field, "width");
    assert.match(v.message, /width too big/);
    const rl = make(429, {}, undefined, new Headers({ "retry-after": "2" }));
    assert.ok(rl instanceof RateLimitError);
    assert.equal((rl as RateLimitError).retryAfterMs, 2000);
    assert.ok(make(400, { error: { code: "moderation_blocked" } }, { kind: "moderation" }) instanceof ContentModerationError);
    const five = make(502, "<html>");
    assert.ok(five instanceof HTTPError && five.retryable);
    assert.equal(make(404, {}).retryable, false);
  });
});
