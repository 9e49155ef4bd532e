import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createGateway } from "../../src/index.js";
import { scheduleFor } from "../../src/core/poll-schedule.js";
import { FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";

/**
 * Issue #12 item 4, elsewhere than fal's stream and Replicate's Prefer: wait: a polled job is found soon
 * after the provider finishes it, because the checks follow the model's expected duration (catalog data,
 * else what this gateway has observed), not a fixed 2 s pace. Exercised on the fal fake with its status
 * stream switched off, so the adapter polls like any queue-and-poll provider.
 */
describe("adaptive polling", () => {
  let fake: FalFake;
  before(async () => {
    fake = await startFalFake();
    fake.stream = false;
  });
  after(() => fake.close());

  const gateway = () => createGateway({ providers: { fal: { apiKey: FAL_KEY, baseUrl: fake.url } }, logLevel: "silent" });
  const cfg = { model: "fal/fal-ai/flux/dev", maxRetries: 0 };

  /** One request finishing `ms` after submit: how late we had the result, and how many status checks it took. */
  async function one(gw: ReturnType<typeof gateway>, config: Record<string, unknown>, ms: number) {
    fake.completeAfterMs = () => ms;
    try {
      const res = await gw.generateImage({ ...cfg, ...config }, { prompt: "a lighthouse" });
      const job = fake.jobs.get(res.providerRequestId!)!;
      return { lateMs: Date.now() - job.finishAt!, checks: fake.server.calls("GET", `/fal-ai/flux/requests/${res.providerRequestId}/status`).length };
    } finally {
      fake.completeAfterMs = undefined;
    }
  }

  it("after a few jobs of a model, finds the next one within a fraction of its duration", async () => {
    const gw = gateway();
    // The first jobs run on the fixed schedule (checks at 0 and 2 s): each is found ~1.4 s late.
    for (let i = 0; i < 3; i++) await one(gw, {}, 600);
    const late = [];
    for (let i = 0; i < 3; i++) late.push(await one(gw, {}, 550 + i * 50));
    for (const r of late) {
      assert.ok(r.lateMs < 400, `found ${r.lateMs} ms after it finished (fixed 2 s polling: ~1,400 ms)`);
      assert.ok(r.checks <= 8, `${r.checks} status checks`);
    }
  });

  it("uses a model's typicalDuration from the catalog from its first job", async () => {
    const gw = gateway();
    const cap = gw.getModelCapabilities("fal-ai/flux/dev", "fal")!;
    gw.registerModel({ ...cap, typicalDuration: { seconds: 0.8, source: "builtin:test/core/adaptive-polling.test.ts", verifiedOn: "2026-12-07" } });
    const r = await one(gw, {}, 700);
    assert.ok(r.lateMs < 400, `found ${r.lateMs} ms after it finished`);
  });

  it("a caller's pollIntervalMs wins over the schedule", async () => {
    const gw = gateway();
    for (let i = 0; i < 3; i++) await one(gw, { pollIntervalMs: 1_500 }, 300);
    // Checks at 0 and 1.5 s, as asked, although three 300 ms jobs have been seen.
    const r = await one(gw, { pollIntervalMs: 1_500 }, 300);
    assert.equal(r.checks, 2);
    assert.ok(r.lateMs >= 1_000, `found ${r.lateMs} ms after it finished`);
  });

  it("the schedule puts its second check near the expected time and bounds its pace", () => {
    assert.deepEqual(scheduleFor(1_000), { firstIntervalMs: 700, intervalMs: 100, backoff: 1.2, maxIntervalMs: 500 });
    assert.deepEqual(scheduleFor(120_000), { firstIntervalMs: 84_000, intervalMs: 5_000, backoff: 1.2, maxIntervalMs: 15_000 });
    assert.equal(scheduleFor(50).intervalMs, 100);
    // Observed durations spread from 300 ms: the second check goes there, not at 0.7 of the median.
    assert.equal(scheduleFor(1_100, 300).firstIntervalMs, 300);
    assert.equal(scheduleFor(1_100, 900).firstIntervalMs, 770);
  });
});
