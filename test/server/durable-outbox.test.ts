import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Agent, fetch as undiciFetch } from "undici";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { startServer } from "../../packages/server/src/server/index.js";
import type { Job } from "../../packages/server/src/server/jobs/queue.js";
import { JobStore } from "../../packages/server/src/server/jobs/store.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";
import { type TestPostgres, startPostgres } from "../helpers/postgres.js";
import { type Receiver, type TestServer, startReceiver, startTestServer } from "./helpers.js";

const SECRET = "whsec_outbox_0123456789";

function verify(header: string, body: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A job that finished in a process that then died before its webhook went out: its outbox row is pending. */
async function leftByACrash(store: JobStore, url: string): Promise<{ job: Job; body: string }> {
  const job: Job = {
    id: `job_crashed_${Math.random().toString(36).slice(2)}`,
    tenant: "default",
    kind: "image",
    status: "queued",
    createdAt: new Date().toISOString(),
    config: { model: "mock/mock-image" },
    request: { prompt: "before the crash" },
    webhook: { url },
  };
  await store.insert(job, { prompt: "before the crash" }, "node_that_died");
  const done: Job = { ...job, status: "completed", startedAt: job.createdAt, finishedAt: new Date().toISOString(), result: { images: [] } };
  const body = JSON.stringify({ id: `evt_${job.id}`, type: "job.completed", createdAt: done.finishedAt, data: { id: job.id, status: "completed" } });
  await store.settle(done, { url, secret: null, event: "job.completed", body });
  return { job, body };
}

describe("webhook outbox", () => {
  let handle: DatabaseHandle;
  let store: JobStore;
  let receiver: Receiver;
  let gw: TestServer | undefined;
  before(async () => {
    handle = new DatabaseHandle({ dir: "memory://" });
    await handle.db();
    store = new JobStore(handle);
  });
  after(async () => {
    await gw?.stop();
    await handle.close();
  });

  it("a row left by a crash is delivered after the restart, retried after a 500, the same signed body each time", async () => {
    receiver = await startReceiver([500, 200]);
    const { job, body } = await leftByACrash(store, `${receiver.url}/hook`);
    gw = await startTestServer({ webhooks: { allowPrivateNetwork: true, initialBackoffMs: 50, maxAttempts: 3, secret: SECRET } }, { database: handle });
    await receiver.next(2, 10_000);
    assert.equal(receiver.requests.length, 2);
    for (const [i, request] of receiver.requests.entries()) {
      assert.equal(request.body, body, "the body (and its event id) is the one written with the job's end");
      assert.ok(verify(String(request.headers["x-tarash-signature"]), request.body, SECRET));
      assert.equal(request.headers["x-tarash-delivery-attempt"], String(i + 1));
      assert.equal(request.headers["x-tarash-job-id"], job.id);
    }
    assert.ok(receiver.requests[1]!.at - receiver.requests[0]!.at >= 20, "the retry waited for its backoff");
    const row = async () => (await handle.run((db) => db.selectFrom("webhook_outbox").selectAll().where("job_id", "=", job.id).executeTakeFirstOrThrow()));
    for (let i = 0; i < 100 && (await row()).status !== "delivered"; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([(await row()).status, (await row()).attempts], ["delivered", 2]);
    const view = await gw.json(`/v1/jobs/${job.id}`);
    assert.deepEqual(view.body.webhook, { url: `${receiver.url}/hook`, attempts: 2, delivered: true });
    await receiver.close();
  });

  it("attempts are bounded: a receiver that always fails gets maxAttempts tries, then the row is marked failed", async () => {
    receiver = await startReceiver([503]);
    const { job } = await leftByACrash(store, `${receiver.url}/hook`);
    gw!.gateway.resume().catch(() => undefined);
    await receiver.next(3, 10_000);
    const row = async () => handle.run((db) => db.selectFrom("webhook_outbox").selectAll().where("job_id", "=", job.id).executeTakeFirstOrThrow());
    for (let i = 0; i < 100 && (await row()).status === "pending"; i++) await new Promise((r) => setTimeout(r, 20));
    const final = await row();
    assert.deepEqual([final.status, final.attempts, final.last_status], ["failed", 3, 503]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.requests.length, 3, "no fourth attempt");
    await receiver.close();
  });
});

describe("database down: jobs answer 503 and nothing half-written runs", () => {
  let postgres: TestPostgres;
  let provider: FakeServer;
  let dir: string;
  before(async () => {
    postgres = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), "tarash-jobs-dbdown-"));
    provider = await startFakeServer((s) => {
      s.route("POST", "/dream-machine/v1/generations/video", () => ({ status: 201, json: { id: "gen-1", state: "queued" } }));
      s.route("GET", "/dream-machine/v1/generations/:id", (_req, srv) => ({ json: { id: "gen-1", state: "completed", assets: { video: `${srv.url}/v.mp4` } } }));
      s.route("GET", "/v.mp4", () => ({ headers: { "content-type": "video/mp4" }, body: "video" }));
    });
  });
  after(async () => {
    await provider.close();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("POST /v1/jobs → 503 with Retry-After and no provider call; reads answer 503 too", async () => {
    // Stopping PostgreSQL takes seconds on a loaded machine: long enough for the server to drop an idle
    // keep-alive socket just as the next request reuses it. Fresh connections keep that race out.
    const agent = new Agent({ keepAliveTimeout: 1, keepAliveMaxTimeout: 1 });
    const fetch = (url: string, init: Parameters<typeof undiciFetch>[1] = {}) => undiciFetch(url, { ...init, dispatcher: agent });
    const gw = await startServer({
      config: {
        logLevel: "silent",
        mock: { enabled: false },
        providers: { luma: { apiKey: "k", baseUrl: `${provider.url}/dream-machine/v1` } },
        defaults: { pollIntervalMs: 10 },
        network: { allowPrivateNetwork: true },
        database: { url: postgres.url },
        storage: { dir },
        server: { shutdownTimeoutMs: 1_000 },
      },
      port: 0,
      env: {},
    });
    const submit = () =>
      fetch(`${gw.url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ kind: "video", model: "luma/ray-2", request: { prompt: "p" } }) });
    try {
      const ok = await submit();
      assert.equal(ok.status, 202);
      const id = ((await ok.json()) as { id: string }).id;
      for (let i = 0; i < 200 && ((await (await fetch(`${gw.url}/v1/jobs/${id}`)).json()) as { status: string }).status !== "completed"; i++) await new Promise((r) => setTimeout(r, 20));
      const callsBefore = provider.calls("POST", "/dream-machine/v1/generations/video").length;
      assert.equal(callsBefore, 1);
      await postgres.stop();
      const down = await submit();
      assert.equal(down.status, 503);
      assert.equal(down.headers.get("retry-after"), "5");
      assert.equal(((await down.json()) as { error: { code: string } }).error.code, "database_unavailable");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(provider.calls("POST", "/dream-machine/v1/generations/video").length, callsBefore, "no provider call for a job that was not recorded");
      assert.equal((await fetch(`${gw.url}/v1/jobs`)).status, 503);
      const health = (await (await fetch(`${gw.url}/healthz`)).json()) as { dependencies: { queue: { detail?: string } } };
      assert.match(health.dependencies.queue.detail ?? "", /0 running, 0 waiting/, "the refused job is not waiting in memory either");
    } finally {
      await gw.close();
      await agent.close();
    }
  });
});
