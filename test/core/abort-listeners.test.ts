import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, it } from "node:test";
import { NEVER, raceAbort, sleep } from "../../src/core/abort.js";
import { poll } from "../../src/core/polling.js";
import { CancelledError, createGateway } from "../../src/index.js";

const neverListeners = () => getEventListeners(NEVER, "abort").length;

describe("the shared never-firing signal", () => {
  it("gets no listener from sleeps, races or polls, however many run at once", async () => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 500; i++) {
      pending.push(sleep(20, NEVER));
      pending.push(raceAbort(sleep(20), NEVER, 1000));
      let n = 0;
      pending.push(poll({ intervalMs: 5, backoff: 1, signal: NEVER, check: async () => (++n < 3 ? { done: false } : { done: true, value: n }) }));
    }
    // Mid-flight: every sleep and poll is waiting on its timer.
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(neverListeners(), 0);
    await Promise.all(pending);
    assert.equal(neverListeners(), 0);
  });

  it("lets 200 concurrent video jobs without timeoutMs run with no listener on it and no MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const gateway = createGateway({ logLevel: "silent" });
      const config = { provider: "mock", model: "mock-video", mock: { enabled: true, latencyMs: 80 } };
      const jobs = Array.from({ length: 200 }, (_, i) => gateway.generateVideo(config, { prompt: `job ${i}`, durationSeconds: 2 }));
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(neverListeners(), 0, "listeners on NEVER while the jobs poll");
      const results = await Promise.all(jobs);
      assert.ok(results.every((r) => r.status === "completed" && r.video.url.startsWith("data:video/mp4;base64,")));
      // A warning is emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message), []);
      assert.equal(neverListeners(), 0);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("still wakes a sleep and a race at once when a real signal aborts", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const slept = sleep(10_000, controller.signal);
    const raced = raceAbort(new Promise(() => {}), controller.signal);
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(slept, CancelledError);
    await assert.rejects(raced, CancelledError);
    assert.ok(performance.now() - started < 1000);
    assert.equal(getEventListeners(controller.signal, "abort").length, 0, "listeners removed once settled");
  });
});
