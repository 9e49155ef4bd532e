import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { type ServerConfigInput, hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestRedis, type WorkerProcess, startRedis, startWorkerProcess } from "../helpers/redis.js";
import { type Receiver, type TestServer, readSse, startReceiver, startTestServer } from "./helpers.js";

const KEY_ACME = "tk_acme_0123456789abcdef";
const KEY_GLOBEX = "tk_globex_0123456789abcdef";
const WEBHOOK_SECRET = "whsec_redis_0123456789";
const acme = { authorization: `Bearer ${KEY_ACME}` };
const globex = { authorization: `Bearer ${KEY_GLOBEX}` };

function gatewayConfig(redisUrl: string, storageDir: string, prefix: string, queue: Record<string, unknown> = {}): ServerConfigInput {
  return {
    logLevel: "silent",
    mock: { enabled: true, latencyMs: 200 },
    routes: {
      quick: { model: "mock/mock-image", mock: { latencyMs: 400 } },
      slow: { model: "mock/mock-image", mock: { latencyMs: 3_000 } },
      slowvideo: { model: "mock/mock-video", mock: { latencyMs: 20_000 } },
    },
    auth: {
      apiKeys: [
        { sha256: hashApiKey(KEY_ACME), tenant: "acme" },
        { sha256: hashApiKey(KEY_GLOBEX), tenant: "globex" },
      ],
    },
    storage: { dir: storageDir, signingSecret: "shared-signing-secret-0123456789" },
    queue: { type: "redis", url: redisUrl, prefix, concurrency: 1, lockDurationMs: 1_000, stalledIntervalMs: 500, maxStalledCount: 1, ...queue },
    webhooks: { allowPrivateNetwork: true, initialBackoffMs: 20, maxAttempts: 3, secret: WEBHOOK_SECRET },
    server: { port: 0, shutdownTimeoutMs: 5_000 },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("redis job queue: API nodes and worker processes sharing one Redis", { timeout: 90_000 }, () => {
  let redis: TestRedis;
  let db: Redis;
  let dir: string;
  let configPath: string;
  let apiA: TestServer;
  let apiB: TestServer | undefined;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];

  const workerIdOf = (w: WorkerProcess) => `${hostname()}:${w.pid}`;
  const jobField = (id: string, field: string) => db.hget(`t:job:${id}`, field);
  const submit = async (api: TestServer, route: string, extra: Record<string, unknown> = {}) => {
    const kind = route === "slowvideo" ? "video" : "image";
    const request = kind === "image" ? { prompt: `a ${route} lighthouse`, size: "64x64" } : { prompt: "a long take" };
    const created = await api.json("/v1/jobs", { body: { kind, route, request, ...extra }, headers: acme });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    return created.body.id as string;
  };
  const settled = (api: TestServer, id: string, timeoutMs?: number) =>
    until(
      `job ${id} to settle`,
      async () => {
        const job = await api.json(`/v1/jobs/${id}`, { headers: acme });
        return ["completed", "failed", "cancelled"].includes(job.body.status as string) ? job.body : undefined;
      },
      timeoutMs,
    );
  const runningOn = (id: string) =>
    until(`job ${id} to run on a worker`, async () => ((await jobField(id, "status")) === "running" ? ((await jobField(id, "worker")) ?? undefined) : undefined));

  before(async () => {
    redis = await startRedis();
    db = new Redis(redis.url);
    dir = await mkdtemp(join(tmpdir(), "tarash-redis-queue-"));
    configPath = join(dir, "tarash.config.json");
    const config = gatewayConfig(redis.url, join(dir, "storage"), "t");
    await writeFile(configPath, JSON.stringify({ ...config, logLevel: "warn" }));
    receiver = await startReceiver();
    [apiA] = await Promise.all([
      startTestServer(config),
      ...[0, 1].map(async () => {
        workers.push(await startWorkerProcess(configPath));
      }),
    ]);
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.kill("SIGKILL")));
    await apiA?.stop().catch(() => undefined);
    await apiB?.stop().catch(() => undefined);
    await receiver?.close();
    db?.disconnect();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("/healthz reports the redis queue", async () => {
    const health = await apiA.json("/healthz");
    assert.equal(health.status, 200);
    const queue = (health.body.dependencies as { queue: { ok: boolean; kind: string; detail: string } }).queue;
    assert.equal(queue.kind, "redis");
    assert.equal(queue.ok, true);
    assert.match(queue.detail, /^redis: \d+ waiting, \d+ running$/);
  });

  it("jobs submitted over HTTP run in the worker processes; SSE streams their progress; the webhook fires once", async () => {
    const first = await submit(apiA, "quick", { webhook: { url: `${receiver.url}/hook` } });
    const second = await submit(apiA, "quick");
    const events = await readSse(await fetch(`${apiA.url}/v1/jobs/${first}/events`, { headers: acme }));
    const types = events.map((e) => e.event);
    assert.deepEqual(types.slice(0, 2), ["queued", "started"]);
    assert.equal(types.at(-1), "completed");
    assert.ok(types.filter((t) => t === "progress").length >= 4, `progress from the worker: ${types.join(",")}`);
    assert.deepEqual(events.map((e) => Number(e.id)), events.map((_, i) => i + 1));
    const result = events.at(-1)!.data.result as { images: { url: string }[] };
    const file = await fetch(result.images[0]!.url);
    assert.equal(file.status, 200);
    assert.deepEqual([...new Uint8Array(await file.arrayBuffer()).slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);

    assert.equal((await settled(apiA, second)).status, "completed");
    const ran = new Set([await jobField(first, "worker"), await jobField(second, "worker")]);
    const pids = new Set(workers.map(workerIdOf));
    for (const w of ran) assert.ok(pids.has(w!), `ran on a worker process (${w})`);

    await receiver.next(1);
    const job = await until("the webhook delivery to be recorded", async () => {
      const body = (await apiA.json(`/v1/jobs/${first}`, { headers: acme })).body;
      return (body.webhook as { delivered: boolean }).delivered ? body : undefined;
    });
    assert.equal((job.webhook as { attempts: number }).attempts, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.requests.length, 1, "one delivery per settled job");
    const delivery = receiver.requests[0]!;
    assert.equal(delivery.headers["x-tarash-event"], "job.completed");
    const { t, v1 } = Object.fromEntries(String(delivery.headers["x-tarash-signature"]).split(",").map((p) => p.split("=") as [string, string]));
    assert.equal(v1, createHmac("sha256", WEBHOOK_SECRET).update(`${t}.${delivery.body}`).digest("hex"));
    assert.equal((JSON.parse(delivery.body) as { data: { id: string } }).data.id, first);
  });

  it("SIGKILL of the worker running a job: the other worker runs it to completion", async () => {
    const id = await submit(apiA, "slow");
    const owner = await runningOn(id);
    await until("progress from the first worker", async () => ((await jobField(id, "progress")) ? true : undefined));
    const victim = workers.find((w) => workerIdOf(w) === owner)!;
    assert.ok(victim, "the job runs on one of our worker processes");
    assert.equal(await victim.kill("SIGKILL"), null);
    workers.splice(workers.indexOf(victim), 1);

    const job = await settled(apiA, id, 20_000);
    assert.equal(job.status, "completed", JSON.stringify(job.error));
    assert.equal(await jobField(id, "worker"), workerIdOf(workers[0]!), "finished by the surviving worker");
    const events = await readSse(await fetch(`${apiA.url}/v1/jobs/${id}/events`, { headers: acme }));
    const types = events.map((e) => e.event);
    assert.equal(types.filter((t) => t === "started").length, 2, types.join(","));
    assert.ok(events.some((e) => e.event === "progress" && /runs again on another worker/.test(String((e.data.progress as { message?: string }).message))));
    assert.equal(types.at(-1), "completed");
    // Back to two workers for the rest.
    workers.push(await startWorkerProcess(configPath));
  });

  it("a second API instance sees the same jobs, and they survive the first one's restart", async () => {
    const id = await submit(apiA, "quick");
    const before = await settled(apiA, id);
    await apiA.stop();
    apiB = await startTestServer(gatewayConfig(redis.url, join(dir, "storage"), "t"));
    const seen = await apiB.json(`/v1/jobs/${id}`, { headers: acme });
    assert.equal(seen.status, 200);
    assert.equal(seen.body.status, "completed");
    assert.deepEqual({ ...seen.body, result: null }, { ...before, result: null });
    const image = (seen.body.result as { images: { url: string }[] }).images[0]!;
    assert.equal((await fetch(image.url)).status, 200, "the output is readable through the new node");
    const replay = await readSse(await fetch(`${apiB.url}/v1/jobs/${id}/events`, { headers: acme }));
    assert.deepEqual(replay.map((e) => e.event).slice(0, 2), ["queued", "started"]);
    assert.equal(replay.at(-1)!.event, "completed");
  });

  it("DELETE on an API node cancels a queued job at once and stops a job running in a worker", async () => {
    const api = apiB!;
    const running = [await submit(api, "slowvideo"), await submit(api, "slowvideo")];
    await Promise.all(running.map((id) => runningOn(id)));
    const stream = fetch(`${api.url}/v1/jobs/${running[0]}/events`, { headers: acme }).then(readSse);
    // Both workers are busy (concurrency 1 each), so this one waits.
    const waiting = await submit(api, "quick");
    const dropped = await api.json(`/v1/jobs/${waiting}`, { method: "DELETE", headers: acme });
    assert.equal(dropped.status, 200);
    assert.equal(dropped.body.status, "cancelled");
    assert.equal(dropped.body.started_at, null, "it never ran");

    const started = Date.now();
    const cancelled = await api.json(`/v1/jobs/${running[0]}`, { method: "DELETE", headers: acme });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, "cancelled");
    const error = cancelled.body.error as { type: string; message: string };
    assert.equal(error.type, "CancelledError");
    assert.match(error.message, /cancelled by the client/);
    assert.ok(Date.now() - started < 5_000, "the worker stopped it well before the provider would have finished");
    const events = await stream;
    assert.equal(events.at(-1)!.event, "cancelled");
    assert.ok(events.some((e) => e.event === "progress"), "progress came from the worker before the cancel");
    assert.equal((await api.json(`/v1/jobs/${running[1]}`, { method: "DELETE", headers: acme })).body.status, "cancelled");
  });

  it("another tenant's job is 404 on every job route", async () => {
    const api = apiB!;
    const id = await submit(api, "quick");
    for (const [method, path] of [
      ["GET", `/v1/jobs/${id}`],
      ["GET", `/v1/jobs/${id}/events`],
      ["DELETE", `/v1/jobs/${id}`],
    ] as const) {
      const res = await api.json(path, { method, headers: globex });
      assert.equal(res.status, 404, `${method} ${path}`);
    }
    assert.equal((await api.json("/v1/jobs/job_doesnotexist", { headers: acme })).status, 404);
    assert.equal((await settled(api, id)).status, "completed", "untouched by the other tenant");
  });

  it("SIGTERM: a worker finishes its running job before it exits", async () => {
    const api = apiB!;
    const id = await submit(api, "slow");
    const owner = await runningOn(id);
    const worker = workers.find((w) => workerIdOf(w) === owner)!;
    worker.child.kill("SIGTERM");
    assert.equal(await worker.exit, 0);
    workers.splice(workers.indexOf(worker), 1);
    const job = await settled(api, id);
    assert.equal(job.status, "completed");
    assert.equal(await jobField(id, "worker"), owner, "the same worker finished it");
  });

  it("SIGTERM past the shutdown timeout: the worker hands its job back and another worker finishes it", async () => {
    const api = apiB!;
    // Only an impatient worker is left to take the next job.
    for (const w of workers.splice(0)) assert.equal(await w.kill("SIGTERM"), 0);
    const impatientPath = join(dir, "impatient.config.json");
    await writeFile(impatientPath, JSON.stringify({ ...gatewayConfig(redis.url, join(dir, "storage"), "t"), logLevel: "warn", server: { port: 0, shutdownTimeoutMs: 200 } }));
    const impatient = await startWorkerProcess(impatientPath);
    const id = await submit(api, "slow");
    assert.equal(await runningOn(id), workerIdOf(impatient));
    impatient.child.kill("SIGTERM");
    assert.equal(await impatient.exit, 0);
    assert.equal(await jobField(id, "status"), "queued", "handed back, not dropped");
    const next = await startWorkerProcess(configPath);
    workers.push(next);
    const job = await settled(api, id);
    assert.equal(job.status, "completed");
    assert.equal(await jobField(id, "worker"), workerIdOf(next));
    const events = await readSse(await fetch(`${api.url}/v1/jobs/${id}/events`, { headers: acme }));
    assert.ok(events.some((e) => e.event === "progress" && /handed back to the queue/.test(String((e.data.progress as { message?: string }).message))));
  });

  it("a job whose workers keep dying beyond maxStalledCount fails with a reason (never stuck)", async () => {
    const strictConfig = gatewayConfig(redis.url, join(dir, "storage"), "strict", { maxStalledCount: 0 });
    const strictPath = join(dir, "strict.config.json");
    await writeFile(strictPath, JSON.stringify({ ...strictConfig, logLevel: "warn" }));
    const api = await startTestServer(strictConfig);
    try {
      const first = await startWorkerProcess(strictPath);
      const id = await submit(api, "slow");
      await until("the strict job to run", async () => ((await db.hget(`strict:job:${id}`, "status")) === "running" ? true : undefined));
      await first.kill("SIGKILL");
      const second = await startWorkerProcess(strictPath);
      workers.push(second);
      const job = await settled(api, id, 20_000);
      assert.equal(job.status, "failed");
      const error = job.error as { type: string; message: string };
      assert.equal(error.type, "WorkerLostError");
      assert.match(error.message, /stalled/);
    } finally {
      await api.stop();
    }
  });
});
