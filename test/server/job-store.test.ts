import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { MigrationError } from "../../packages/server/src/server/db/migrations.js";
import { startServer } from "../../packages/server/src/server/index.js";
import type { Job } from "../../packages/server/src/server/jobs/queue.js";
import { JobStore } from "../../packages/server/src/server/jobs/store.js";
import { DurableJournal } from "../../packages/server/src/server/jobs/durable.js";
import { MAX_JOB_RUNS, MemoryJobQueue } from "../../packages/server/src/server/jobs/memory.js";
import { createLogger } from "../../src/core/logger.js";
import { type TestPostgres, startPostgres } from "../helpers/postgres.js";

let n = 0;
function job(tenant: string, overrides: Partial<Job> = {}): Job {
  n += 1;
  return {
    id: `job_store_${process.pid}_${n}`,
    tenant,
    kind: "video",
    status: "queued",
    createdAt: new Date(Date.now() + n).toISOString(),
    config: { model: "luma/ray-2" },
    request: { prompt: `take ${n}` },
    webhook: { url: "https://hooks.example.com/x", secret: "s3cret" },
    meta: { route: "r" },
    ...overrides,
  };
}

/** The job tables' contract, on embedded PGlite and on a real PostgreSQL server. */
function jobStoreContract(name: string, open: () => Promise<DatabaseHandle>) {
  describe(`job store on ${name}`, () => {
    let handle: DatabaseHandle;
    let store: JobStore;
    before(async () => {
      handle = await open();
      store = new JobStore(handle);
    });
    after(() => handle.close());

    it("records an accepted job with its full request; reads are tenant-scoped, newest first, paginated by id", async () => {
      const tenant = `t${n}a`;
      const jobs = [job(tenant, { kind: "image" }), job(tenant), job(tenant)];
      const payload = { prompt: "x", imageList: [{ image: `data:image/png;base64,${"A".repeat(10_000)}`, type: "reference" }], note: "nul \u0000 ok" };
      for (const j of jobs) await store.insert(j, payload, "node_a");
      const read = await store.get(jobs[1]!.id, tenant);
      assert.equal(read?.status, "queued");
      assert.deepEqual(read?.request, jobs[1]!.request, "the record holds the summary, not the payload");
      assert.deepEqual(read?.webhook, jobs[1]!.webhook);
      assert.equal(await store.get(jobs[1]!.id, "someone-else"), undefined);
      const listed = await store.list(tenant, { limit: 2 });
      assert.deepEqual(listed.map((j) => j.id), [jobs[2]!.id, jobs[1]!.id]);
      const page2 = await store.list(tenant, { limit: 2, after: jobs[1]!.id });
      assert.deepEqual(page2.map((j) => j.id), [jobs[0]!.id]);
      assert.deepEqual((await store.list(tenant, { kind: "image" })).map((j) => j.id), [jobs[0]!.id]);
      const { jobs: open } = await store.unfinished({ exceptNodes: [], limit: 1000 });
      const mine = open.find((u) => u.job.id === jobs[0]!.id);
      assert.deepEqual(mine?.request, payload, "an unfinished job keeps its full request (NUL characters included)");
    });

    it("a provider job is recorded before polling; the terminal status and its webhook row are written together", async () => {
      const tenant = `t${n}b`;
      const j = job(tenant);
      await store.insert(j, { prompt: "x" }, "node_b");
      await store.started(j.id, new Date().toISOString(), "node_b");
      await store.submitted(j.id, "vj_ref");
      assert.equal((await store.get(j.id, tenant))?.providerRef, "vj_ref");
      await assert.rejects(store.submitted("job_missing", "vj_x"), /not in the database/);
      const done: Job = { ...j, status: "completed", startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), providerRef: "vj_ref", result: { videos: [{ url: "u" }] }, outputs: [] };
      await store.settle(done, { url: j.webhook!.url, secret: null, event: "job.completed", body: '{"id":"evt_1"}' });
      const read = await store.get(j.id, tenant);
      assert.equal(read?.status, "completed");
      assert.deepEqual(read?.result, { videos: [{ url: "u" }] });
      const rows = await handle.run((db) => db.selectFrom("jobs").select(["request", "runs"]).where("id", "=", j.id).execute());
      assert.deepEqual(rows, [{ request: null, runs: 1 }], "the payload is dropped once finished");
      const outbox = await handle.run((db) => db.selectFrom("webhook_outbox").selectAll().where("job_id", "=", j.id).execute());
      assert.equal(outbox.length, 1);
      assert.equal(outbox[0]!.status, "pending");
      assert.equal(outbox[0]!.body, '{"id":"evt_1"}');
    });

    it("unfinished jobs come oldest first, in pages, without those of a live node", async () => {
      const tenant = `t${n}c`;
      const mine = [job(tenant), job(tenant), job(tenant)];
      for (const j of mine) await store.insert(j, { prompt: j.id }, "node_gone");
      await store.insert(job(tenant), { prompt: "live" }, "node_live");
      const seen: string[] = [];
      let afterSeq: number | undefined;
      for (;;) {
        const page = await store.unfinished({ exceptNodes: ["node_live"], limit: 2, afterSeq });
        seen.push(...page.jobs.filter((u) => u.job.tenant === tenant).map((u) => u.job.id));
        if (page.jobs.length < 2) break;
        afterSeq = page.lastSeq;
      }
      assert.deepEqual(seen, mine.map((j) => j.id));
    });

    it("outbox rows are leased when claimed, due again after a failed attempt's backoff, never after delivery", async () => {
      const j = job(`t${n}d`);
      await store.insert(j, {}, null);
      await store.settle({ ...j, status: "failed", finishedAt: new Date().toISOString(), error: { type: "X", message: "m", status: 502 } }, { url: "https://h.example/x", secret: "s", event: "job.failed", body: "{}" });
      const claimed = (await store.claimDue(100, 60_000)).filter((r) => r.job_id === j.id);
      assert.equal(claimed.length, 1);
      assert.equal((await store.claimDue(100, 60_000)).filter((r) => r.job_id === j.id).length, 0, "leased: not handed out twice");
      await store.outboxAttempt(claimed[0]!.id, { status: "pending", attempts: 1, lastStatus: 500, lastError: "HTTP 500", nextAttemptInMs: 0 });
      const again = (await store.claimDue(100, 60_000)).filter((r) => r.job_id === j.id);
      assert.equal(again[0]?.attempts, 1);
      await store.outboxAttempt(again[0]!.id, { status: "delivered", attempts: 2, lastStatus: 200 });
      assert.equal((await store.claimDue(100, 0)).filter((r) => r.job_id === j.id).length, 0);
    });

    it("the sweep deletes finished jobs past retention and beyond the retained count, never unfinished ones", async () => {
      const tenant = `t${n}e`;
      const old = job(tenant);
      const kept = [job(tenant), job(tenant)];
      const running = job(tenant);
      for (const j of [old, ...kept, running]) await store.insert(j, {}, null);
      await store.settle({ ...old, status: "completed", finishedAt: new Date(Date.now() - 3_600_000).toISOString(), result: {} }, undefined);
      for (const j of kept) await store.settle({ ...j, status: "completed", finishedAt: new Date().toISOString(), result: {} }, undefined);
      await store.sweep(new Date(Date.now() - 60_000), 1_000_000);
      assert.equal(await store.get(old.id, tenant), undefined, "past retention");
      assert.equal((await store.get(kept[0]!.id, tenant))?.status, "completed");
      await store.sweep(new Date(Date.now() - 60_000), 1);
      assert.equal(await store.get(kept[0]!.id, tenant), undefined, "beyond the retained count, oldest first");
      assert.equal((await store.get(kept[1]!.id, tenant))?.status, "completed");
      assert.equal((await store.get(running.id, tenant))?.status, "queued", "unfinished jobs are never swept");
    });

    it("a job record from another queue (Redis) is inserted, then updated with its result", async () => {
      const tenant = `t${n}f`;
      const j = job(tenant);
      await store.upsertRecord(j);
      await store.upsertRecord({ ...j, status: "completed", finishedAt: new Date().toISOString(), result: { images: [] }, webhookDelivery: { attempts: 1, delivered: true } });
      const read = await store.get(j.id, tenant);
      assert.equal(read?.status, "completed");
      assert.deepEqual(read?.webhookDelivery, { attempts: 1, delivered: true });
      assert.deepEqual(read?.webhook, { url: j.webhook!.url }, "no webhook secret in a copied record");
      await store.upsertRecord(j);
      assert.equal((await store.get(j.id, tenant))?.status, "completed", "a late write of the accepted state does not undo the end");
      assert.equal((await store.counts()).completed >= 1, true);
    });
  });
}

jobStoreContract("PGlite", async () => {
  const handle = new DatabaseHandle({ dir: "memory://" });
  await handle.db();
  return handle;
});

describe("on a real PostgreSQL server", () => {
  let postgres: TestPostgres;
  before(async () => {
    postgres = await startPostgres();
  });
  after(() => postgres.stop());

  jobStoreContract("PostgreSQL", async () => {
    const handle = new DatabaseHandle({ url: postgres.url });
    await handle.db();
    return handle;
  });

  it("a failing job-tables migration stops start-up, naming migration 2", async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    await client.query("CREATE DATABASE jobs_in_the_way");
    await client.end();
    const url = postgres.url.replace(/\/postgres$/, "/jobs_in_the_way");
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query("CREATE TABLE jobs (id int)");
    await other.end();
    await assert.rejects(
      startServer({ config: { logLevel: "silent", mock: { enabled: true }, database: { url }, storage: { dir: join(tmpdir(), "tarash-jobs-in-the-way") } }, port: 0, env: {} }),
      (e: unknown) => e instanceof MigrationError && /migration 2 \(durable_jobs\) failed/.test(e.message),
    );
  });
});

describe("a restart takes over unfinished jobs (durable queue on PGlite)", () => {
  let handle: DatabaseHandle;
  let store: JobStore;
  before(async () => {
    handle = new DatabaseHandle({ dir: "memory://" });
    await handle.db();
    store = new JobStore(handle);
  });
  after(() => handle.close());

  it("re-attaches a submitted video by its provider ref, runs a waiting job from its request, and fails one that kept killing the process", async () => {
    const tenant = "restart";
    const submittedJob = job(tenant);
    const waiting = job(tenant, { kind: "image" });
    const crashy = job(tenant);
    // What a process killed mid-run leaves behind.
    await store.insert(submittedJob, { prompt: "submitted" }, "node_dead");
    await store.started(submittedJob.id, new Date().toISOString(), "node_dead");
    await store.submitted(submittedJob.id, "vj_recorded");
    await store.insert(waiting, { prompt: "waiting", imageList: [{ image: "data:image/png;base64,AAAA", type: "reference" }] }, "node_dead");
    await store.insert(crashy, { prompt: "crashy" }, "node_dead");
    for (let i = 0; i < MAX_JOB_RUNS; i++) await store.started(crashy.id, new Date().toISOString(), "node_dead");

    const logger = createLogger({ level: "silent" });
    const journal = new DurableJournal({ store, logger, retentionSeconds: 3600, maxRetainedJobs: 100, webhook: async () => undefined });
    const queue = new MemoryJobQueue({ concurrency: 2, maxQueued: 10, retentionSeconds: 3600, logger, journal });
    const seen = new Map<string, { providerRef: string | undefined; request: Record<string, unknown> }>();
    queue.process(async (j) => {
      seen.set(j.id, { providerRef: j.providerRef, request: j.request });
      return { result: { ok: true } };
    });
    assert.equal(await queue.recover(), 3);
    for (let i = 0; i < 200; i++) {
      const all = await Promise.all([submittedJob, waiting, crashy].map((j) => store.get(j.id, tenant)));
      if (all.every((j) => j && j.status !== "queued" && j.status !== "running")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(seen.get(submittedJob.id)?.providerRef, "vj_recorded", "the handler re-attaches instead of submitting");
    assert.deepEqual(seen.get(waiting.id)?.request, { prompt: "waiting", imageList: [{ image: "data:image/png;base64,AAAA", type: "reference" }] }, "run from its full request");
    assert.equal(seen.has(crashy.id), false, "not started a fourth time");
    assert.equal((await store.get(submittedJob.id, tenant))?.status, "completed");
    assert.equal((await store.get(waiting.id, tenant))?.status, "completed");
    const failed = await store.get(crashy.id, tenant);
    assert.deepEqual([failed?.status, failed?.error?.type], ["failed", "WorkerLostError"]);
    assert.equal(await queue.recover(), 0, "a second look finds nothing: the jobs are this queue's");
    await queue.close("done");
  });
});
