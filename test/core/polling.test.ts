import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { poll } from "../../src/core/polling.js";
import { CancelledError, TimeoutError } from "../../src/index.js";
import type { ProgressReport } from "../../src/core/provider.js";

describe("poll", () => {
  it("checks until done and reports each distinct progress state once", async () => {
    const seen: ProgressReport[] = [];
    const states: ProgressReport[] = [
      { status: "queued", queuePosition: 2 },
      { status: "queued", queuePosition: 2 },
      { status: "queued", queuePosition: 1 },
      { status: "processing", progressPercent: 50 },
    ];
    const value = await poll({
      intervalMs: 1,
      check: async (n) => (n <= states.length ? { done: false, progress: states[n - 1] } : { done: true, value: "ok" }),
      onProgress: async (p) => void seen.push(p),
    });
    assert.equal(value, "ok");
    assert.deepEqual(seen.map((s) => s.queuePosition ?? s.progressPercent), [2, 1, 50]);
  });

  it("backs off between checks, up to the cap", async () => {
    const times: number[] = [];
    await poll({
      intervalMs: 20,
      backoff: 2,
      maxIntervalMs: 60,
      check: async (n) => {
        times.push(performance.now());
        return n < 5 ? { done: false } : { done: true, value: 1 };
      },
    });
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    assert.ok(gaps[0]! >= 15 && gaps[1]! >= 35 && gaps[2]! >= 55, `gaps ${gaps.map(Math.round)}`);
    assert.ok(gaps[3]! < 120, "capped at maxIntervalMs");
  });

  it("waits as long as Retry-After says instead of its own interval", async () => {
    const t0 = performance.now();
    await poll({ intervalMs: 1, check: async (n) => (n === 1 ? { done: false, retryAfterMs: 150 } : { done: true, value: 1 }) });
    assert.ok(performance.now() - t0 >= 140);
  });

  it("gives up after maxAttempts with TimeoutError", async () => {
    let calls = 0;
    await assert.rejects(
      poll({ intervalMs: 1, maxAttempts: 3, check: async () => (calls++, { done: false }) }),
      (e: unknown) => e instanceof TimeoutError && /3 status checks/.test(e.message),
    );
    assert.equal(calls, 3);
  });

  it("cancels the provider job when it gives up on its own limits, not only on abort", async () => {
    let cancelled = 0;
    await assert.rejects(
      poll({ intervalMs: 1, maxAttempts: 2, onCancel: async () => void cancelled++, check: async () => ({ done: false }) }),
      TimeoutError,
    );
    assert.equal(cancelled, 1);
    await assert.rejects(poll({ intervalMs: 1, onCancel: async () => void cancelled++, check: async () => Promise.reject(new Error("job failed")) }), /job failed/);
    assert.equal(cancelled, 1, "a failed job is not cancelled");
  });

  it("gives up at the deadline", async () => {
    await assert.rejects(poll({ intervalMs: 30, deadline: Date.now() + 80, check: async () => ({ done: false }) }), TimeoutError);
  });

  it("wakes at once on abort, calls the cancel hook and throws CancelledError", async () => {
    const ac = new AbortController();
    let cancelled = 0;
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 40);
    await assert.rejects(
      poll({ intervalMs: 10_000, signal: ac.signal, onCancel: async () => void cancelled++, check: async () => ({ done: false }) }),
      CancelledError,
    );
    assert.equal(cancelled, 1);
    assert.ok(performance.now() - t0 < 1_000);
  });
});
