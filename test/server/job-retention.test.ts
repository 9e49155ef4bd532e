import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createLogger } from "../../src/core/logger.js";
import { type Job, MemoryJobQueue } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const logger = createLogger({ level: "silent" });
const MB = 1024 * 1024;

async function settle(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function waitFor(gw: TestServer, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const res = await gw.json(`/v1/jobs/${id}`);
    if (res.body.status !== "queued" && res.body.status !== "running") return res.body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not finish`);
}

describe("in-memory jobs: memory is bounded by configuration, not by what clients send", () => {
  let gw: TestServer;
  before(async () => {
    // The in-memory queue (durable: false). The durable queue also writes each payload to the database
    // until its job ends; embedded PGlite's WASM heap grows to the largest payload and keeps that size
    // (docs/server.md, "Durable jobs"), which is the database's cost, not the job records'.
    gw = await startTestServer({ queue: { concurrency: 2, durable: false } });
  });
  after(() => gw.stop());

  it("20 finished jobs that each carried a 40 MB request field hold a summary, not the payload", async () => {
    const queue = gw.gateway.state.queue as MemoryJobQueue;
    // The usage ledger's database opens on first use; its memory (PGlite's WASM heap) is a fixed cost of
    // the process, not of the jobs: open it before measuring.
    await gw.gateway.state.database.db();
    const baseline = await settle();
    const rssBefore = process.memoryUsage().rss;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const body = `{"kind":"image","model":"mock/mock-image","request":{"prompt":"job ${i}","size":"32x32","notes":"${"x".repeat(40 * MB)}"}}`;
      const res = await gw.json("/v1/jobs", { body });
      assert.equal(res.status, 202, JSON.stringify(res.body).slice(0, 200));
      ids.push(res.body.id as string);
      await waitFor(gw, res.body.id as string);
    }
    for (const id of ids) assert.equal((await waitFor(gw, id)).status, "completed");
    const held = (await settle()) - baseline;
    const usage = queue.usage();
    // 20 × 40 MB went through; what stays is the records: results, summaries, events.
    assert.ok(usage.retainedBytes < 1 * MB, `finished records hold ${usage.retainedBytes} bytes`);
    assert.equal(usage.queuedBytes, 0);
    assert.ok(held < 64 * MB, `the heap grew by ${Math.round(held / MB)} MB after 20 × 40 MB jobs finished`);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    assert.ok(rssGrowth < 300 * MB, `RSS grew by ${Math.round(rssGrowth / MB)} MB`);
    const listed = await gw.json("/v1/jobs?limit=100");
    assert.equal((listed.body.data as unknown[]).length, 20, "every finished job is still listed");
  });
});

describe("MemoryJobQueue caps", () => {
  const enqueue = (q: MemoryJobQueue, request: Record<string, unknown> = { prompt: "x" }) =>
    q.enqueue({ tenant: "t", kind: "image", config: { model: "mock/mock-image" }, request });
  async function drain(q: MemoryJobQueue, ids: string[]) {
    for (let i = 0; i < 200; i++) {
      const jobs = await Promise.all(ids.map((id) => q.get(id, "t")));
      if (jobs.every((j) => !j || (j.status !== "queued" && j.status !== "running"))) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error("jobs did not finish");
  }

  it("the handler gets the full request; the record keeps a summary (prompt, scalars; no payloads)", async () => {
    const q = new MemoryJobQueue({ concurrency: 1, maxQueued: 10, retentionSeconds: 60, logger });
    let seen: Job | undefined;
    q.process(async (job) => {
      seen = job;
      return { result: { ok: true } };
    });
    const image = `data:image/png;base64,${"A".repeat(100_000)}`;
    const job = await enqueue(q, { prompt: "a lighthouse", n: 2, imageList: [{ image, type: "reference" }], extraParams: { deep: { x: 1 } }, note: "y".repeat(10_000) });
    await drain(q, [job.id]);
    assert.deepEqual(seen?.request.imageList, [{ image, type: "reference" }], "the handler saw the payload");
    const record = (await q.get(job.id, "t"))!;
    assert.equal(record.status, "completed");
    assert.equal(record.request.prompt, "a lighthouse");
    assert.equal(record.request.n, 2);
    assert.deepEqual(record.request.imageList, [{ image: "data:image/png;base64,… (100022 characters)", type: "reference" }]);
    assert.deepEqual(record.request.extraParams, { deep: { x: 1 } });
    assert.ok(String(record.request.note).length < 4_100);
    assert.ok(JSON.stringify(record).length < 6_000, "the record is small");
    await q.close("done");
  });

  it("finished jobs beyond maxRetainedJobs are forgotten, oldest finished first", async () => {
    const q = new MemoryJobQueue({ concurrency: 1, maxQueued: 10, retentionSeconds: 60, maxRetainedJobs: 3, logger });
    q.process(async () => ({ result: {} }));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await enqueue(q)).id);
      await drain(q, ids);
    }
    const kept = await Promise.all(ids.map((id) => q.get(id, "t")));
    assert.deepEqual(kept.map((j) => j?.status ?? "forgotten"), ["forgotten", "forgotten", "completed", "completed", "completed"]);
    assert.equal(q.usage().finishedJobs, 3);
    assert.equal((await q.list("t", { limit: 10 })).length, 3);
    await q.close("done");
  });

  it("finished jobs beyond maxRetainedBytes are forgotten, oldest first; the newest always stays", async () => {
    const q = new MemoryJobQueue({ concurrency: 1, maxQueued: 10, retentionSeconds: 60, maxRetainedBytes: 30_000, logger });
    q.process(async () => ({ result: { revisedPrompt: "r".repeat(10_000) } }));
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await enqueue(q)).id);
      await drain(q, ids);
      assert.ok(q.usage().retainedBytes <= 30_000 || q.usage().finishedJobs === 1, `${q.usage().retainedBytes} bytes retained`);
    }
    const kept = (await Promise.all(ids.map((id) => q.get(id, "t")))).map((j) => Boolean(j));
    assert.deepEqual(kept, [false, false, false, false, true, true]);
    await q.close("done");
  });

  it("waiting payloads beyond maxQueuedBytes: the submit is refused as a full queue", async () => {
    const q = new MemoryJobQueue({ concurrency: 1, maxQueued: 100, retentionSeconds: 60, maxQueuedBytes: 2 * MB, logger });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    q.process(async () => {
      await gate;
      return { result: {} };
    });
    const big = { prompt: "x", notes: "z".repeat(MB) };
    const first = await enqueue(q, big); // runs: its payload left the queue's books
    await new Promise((r) => setTimeout(r, 10));
    await enqueue(q, big);
    await assert.rejects(enqueue(q, { ...big, notes: "z".repeat(1.5 * MB) }), { name: "QueueFullError", message: /queue\.maxQueuedBytes/ });
    release();
    await drain(q, [first.id]);
    await q.close("done");
  });
});
