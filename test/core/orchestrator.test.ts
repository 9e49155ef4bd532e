import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay } from "../../src/core/abort.js";
import {
  CancelledError,
  ContentModerationError,
  HTTPError,
  RateLimitError,
  StorageError,
  TimeoutError,
  ValidationError,
  createGateway,
  type ProgressUpdate,
  type TarashError,
} from "../../src/index.js";

const quiet = { logLevel: "silent" as const, retry: { baseDelayMs: 1, maxDelayMs: 5 } };
const fast = { latencyMs: 0 };

describe("orchestrator", () => {
  it("retries retryable errors up to maxRetries, then succeeds on the same config", async () => {
    const gw = createGateway(quiet);
    const res = await gw.generateImage(
      { provider: "mock", maxRetries: 2, mock: { ...fast, sequence: true, responses: [{ error: "server_error" }, { error: "connection" }, {}] } },
      { prompt: "p", size: "64x64" },
    );
    const m = res.executionMetadata;
    assert.equal(m.totalAttempts, 3);
    assert.equal(m.successfulAttempt, 3);
    assert.equal(m.fallbackTriggered, false);
    assert.deepEqual(m.attempts.map((a) => a.status), ["failed", "failed", "success"]);
    assert.deepEqual(m.attempts.map((a) => a.errorType), ["HTTPError", "HTTPConnectionError", undefined]);
  });

  it("honours Retry-After before retrying", async () => {
    const gw = createGateway(quiet);
    const t0 = performance.now();
    await gw.generateImage(
      { provider: "mock", maxRetries: 1, mock: { ...fast, sequence: true, responses: [{ error: "rate_limit", retryAfterMs: 200 }, {}] } },
      { prompt: "p", size: "32x32" },
    );
    assert.ok(performance.now() - t0 >= 190);
  });

  it("honours Retry-After on a 503 too, not only on a 429", async () => {
    const gw = createGateway(quiet);
    const t0 = performance.now();
    const res = await gw.generateImage(
      { provider: "mock", maxRetries: 1, mock: { ...fast, sequence: true, responses: [{ error: "server_error", retryAfterMs: 200 }, {}] } },
      { prompt: "p", size: "32x32" },
    );
    assert.ok(performance.now() - t0 >= 190);
    assert.deepEqual(res.executionMetadata.attempts.map((a) => a.statusCode), [503, undefined]);
  });

  it("backs off exponentially with full jitter: a uniform draw below min(cap, base·2^n)", () => {
    assert.equal(backoffDelay(3, 100, 10_000, () => 0), 0);
    assert.equal(backoffDelay(0, 100, 10_000, () => 0.999_999), 100);
    assert.equal(backoffDelay(3, 100, 10_000, () => 0.5), 400);
    assert.equal(backoffDelay(20, 100, 10_000, () => 0.999_999), 10_000);
    const draws = Array.from({ length: 200 }, () => backoffDelay(4, 100, 10_000));
    assert.ok(draws.every((d) => d >= 0 && d <= 1_600));
    assert.ok(new Set(draws).size > 50, "delays are spread, not fixed");
  });

  it("caps a huge Retry-After", async () => {
    const gw = createGateway({ ...quiet, retry: { maxRetryAfterMs: 20 } });
    const t0 = performance.now();
    await gw.generateImage(
      { provider: "mock", maxRetries: 1, mock: { ...fast, sequence: true, responses: [{ error: "rate_limit", retryAfterMs: 3_600_000 }, {}] } },
      { prompt: "p", size: "32x32" },
    );
    assert.ok(performance.now() - t0 < 10_000);
  });

  it("falls back depth-first after retries are exhausted", async () => {
    const gw = createGateway(quiet);
    const failing = (model: string) => ({ provider: "mock", model, maxRetries: 0, mock: { ...fast, failureRate: 1, errorType: "server_error" as const } });
    const res = await gw.generateImage(
      {
        ...failing("mock-image"),
        fallbacks: [
          { ...failing("a"), fallbacks: [{ ...failing("a1") }] },
          { provider: "mock", model: "b", mock: fast },
          { provider: "mock", model: "c", mock: fast },
        ],
      },
      { prompt: "p", size: "32x32" },
    );
    assert.deepEqual(res.executionMetadata.attempts.map((a) => `${a.model}:${a.status}`), ["mock-image:failed", "a:failed", "a1:failed", "b:success"]);
    assert.equal(res.executionMetadata.fallbackTriggered, true);
    assert.equal(res.executionMetadata.configsInChain, 5);
    assert.equal(res.model, "b");
  });

  it("stops the chain at a non-retryable error and attaches every attempt to the error", async () => {
    const gw = createGateway(quiet);
    await assert.rejects(
      gw.generateImage(
        { provider: "mock", mock: { ...fast, failureRate: 1, errorType: "moderation" }, fallbacks: [{ provider: "mock", mock: fast }] },
        { prompt: "p", size: "32x32" },
      ),
      (e: unknown) => {
        const err = e as TarashError;
        assert.ok(err instanceof ContentModerationError);
        assert.equal(err.executionMetadata?.totalAttempts, 1);
        assert.equal(err.executionMetadata?.attempts[0]?.errorType, "ContentModerationError");
        assert.match(err.requestId ?? "", /^req_/);
        return true;
      },
    );
  });

  it("reports the whole chain on the error when every config fails", async () => {
    const gw = createGateway(quiet);
    await assert.rejects(
      gw.generateImage(
        { provider: "mock", maxRetries: 1, mock: { ...fast, failureRate: 1, errorType: "rate_limit" }, fallbacks: [{ provider: "mock", maxRetries: 0, mock: { ...fast, failureRate: 1, errorType: "server_error" } }] },
        { prompt: "p", size: "32x32" },
      ),
      (e: unknown) => {
        const m = (e as TarashError).executionMetadata!;
        assert.deepEqual(m.attempts.map((a) => a.errorType), ["RateLimitError", "RateLimitError", "HTTPError"]);
        assert.equal(m.successfulAttempt, undefined);
        assert.equal(m.fallbackTriggered, true);
        return true;
      },
    );
  });

  it("bounds an attempt with timeoutMs (polling included) → TimeoutError, then retries", async () => {
    const gw = createGateway(quiet);
    const t0 = performance.now();
    await assert.rejects(
      gw.generateVideo({ provider: "mock", timeoutMs: 150, maxRetries: 1, mock: { latencyMs: 60_000 } }, { prompt: "p" }),
      (e: unknown) => e instanceof TimeoutError && (e as TarashError).executionMetadata?.totalAttempts === 2,
    );
    assert.ok(performance.now() - t0 < 10_000);
  });

  it("cancels promptly on abort, mid-poll, without retrying or falling back", async () => {
    const gw = createGateway(quiet);
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(
      gw.generateVideo({ provider: "mock", maxRetries: 3, mock: { latencyMs: 60_000 }, fallbacks: [{ provider: "mock" }] }, { prompt: "p" }, { signal: ac.signal }),
      (e: unknown) => e instanceof CancelledError && (e as TarashError).executionMetadata?.totalAttempts === 1,
    );
    assert.ok(performance.now() - t0 < 5_000);
  });

  it("cancels during a retry backoff sleep", async () => {
    const gw = createGateway({ logLevel: "silent", retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = performance.now();
    await assert.rejects(
      gw.generateImage({ provider: "mock", maxRetries: 2, mock: { ...fast, failureRate: 1, errorType: "server_error" } }, { prompt: "p", size: "32x32" }, { signal: ac.signal }),
      CancelledError,
    );
    assert.ok(performance.now() - t0 < 5_000);
  });

  it("a throwing onProgress never causes a retry or fallback; async callbacks are awaited", async () => {
    const gw = createGateway(quiet);
    const seen: ProgressUpdate[] = [];
    const res = await gw.generateImage(
      { provider: "mock", mock: { latencyMs: 10 }, fallbacks: [{ provider: "mock", model: "other" }] },
      { prompt: "p", size: "32x32" },
      {
        onProgress: async (u) => {
          await new Promise((r) => setTimeout(r, 1));
          seen.push(u);
          throw new Error("callback bug");
        },
      },
    );
    assert.equal(res.executionMetadata.totalAttempts, 1);
    assert.equal(res.model, "mock-image");
    assert.deepEqual([...new Set(seen.map((u) => u.status))], ["queued", "processing", "completed"]);
    assert.ok(seen.every((u) => u.requestId === res.requestId && u.provider === "mock" && u.attempt === 1));
    assert.ok(seen.some((u) => u.queuePosition === 2));
    assert.ok(seen.at(-1)!.elapsedMs >= 0);
  });

  it("skips a fallback that cannot take the request and records why", async () => {
    const gw = createGateway(quiet);
    const res = await gw.generateImage(
      {
        provider: "mock",
        maxRetries: 0,
        mock: { ...fast, failureRate: 1, errorType: "rate_limit" },
        fallbacks: [{ provider: "nonexistent-provider" }, { provider: "mock", mock: fast }],
      },
      { prompt: "p", size: "32x32" },
    );
    assert.deepEqual(res.executionMetadata.attempts.map((a) => a.errorType ?? a.status), ["RateLimitError", "ValidationError", "success"]);
  });

  it("re-reads a video job's status after a transient failure instead of submitting it again", async () => {
    const gw = createGateway(quiet);
    let submits = 0;
    let reads = 0;
    gw.registerProvider({
      id: "jobs",
      models: [{ provider: "jobs", model: "v", kind: "video" }],
      async submitVideo() {
        submits++;
        return { providerJobId: "job-1" };
      },
      async getVideoStatus() {
        reads++;
        if (reads <= 2) throw new HTTPError("status read failed", { statusCode: 503 });
        return { status: "completed", result: { videos: [{ url: "https://cdn.example/v.mp4" }], rawResponse: {} } };
      },
    });
    const res = await gw.generateVideo({ provider: "jobs", model: "v", pollIntervalMs: 1 }, { prompt: "p" });
    assert.equal(submits, 1);
    assert.equal(reads, 3);
    assert.equal(res.executionMetadata.totalAttempts, 1);
  });

  it("a storage failure is a StorageError: no retry, no fallback (they would bill again into the same storage)", async () => {
    const gw = createGateway({ ...quiet, storage: { put: async () => Promise.reject(new Error("disk full")) } });
    await assert.rejects(
      gw.generateImage({ provider: "mock", maxRetries: 2, mock: fast, fallbacks: [{ provider: "mock", mock: fast }] }, { prompt: "p", size: "32x32" }),
      (e: unknown) => e instanceof StorageError && /disk full/.test(e.message) && e.executionMetadata?.totalAttempts === 1,
    );
  });

  it("rejects invalid configs naming the field", async () => {
    const gw = createGateway(quiet);
    await assert.rejects(gw.generateImage({ provider: "mock", maxRetries: -1 }, { prompt: "p" }), (e: unknown) => e instanceof ValidationError && e.field === "maxRetries");
    await assert.rejects(
      gw.generateImage({ provider: "mock", timeoutMs: "soon" as unknown as number }, { prompt: "p" }),
      (e: unknown) => e instanceof ValidationError && e.field === "timeoutMs",
    );
  });

  it("treats RateLimitError from a provider as retryable but stops on validation", async () => {
    const gw = createGateway(quiet);
    await assert.rejects(
      gw.generateImage({ provider: "mock", maxRetries: 3, mock: { ...fast, failureRate: 1, errorType: "validation" } }, { prompt: "p", size: "32x32" }),
      (e: unknown) => e instanceof ValidationError && (e as TarashError).executionMetadata?.totalAttempts === 1,
    );
    assert.ok(new RateLimitError("x").retryable);
  });
});
