import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import type { ProviderDefinition } from "../../src/index.js";
import { type ServerConfigInput, hashApiKey } from "../../packages/server/src/server/index.js";
import { type RunningWorker, runWorker } from "../../packages/server/src/server/worker.js";
import { type TestRedis, startRedis } from "../helpers/redis.js";
import { type TestServer, readSse, startTestServer } from "./helpers.js";

const KEY = "tk_outage_0123456789abcdef";
const auth = { authorization: `Bearer ${KEY}` };
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/**
 * Read an SSE response until `marker` has arrived (bounded), and hand back a Response that yields everything,
 * from the first byte, so the caller parses the whole stream as usual.
 */
async function subscribedBefore(response: Response, marker: string): Promise<Response> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const head: Uint8Array[] = [];
  let text = "";
  const deadline = Date.now() + 10_000;
  while (!text.includes(marker) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    head.push(value);
    text += decoder.decode(value, { stream: true });
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of head) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
  return new Response(body, { headers: response.headers });
}

/** A provider whose generations finish when the test says so (so a job can finish while Redis is down). */
function gatedProvider() {
  const waiting: (() => void)[] = [];
  let started = 0;
  const definition: ProviderDefinition = {
    id: "gated",
    requiresApiKey: false,
    models: [{ provider: "gated", model: "gated-image", kind: "image", maxN: 1 }],
    defaultModels: { image: "gated-image" },
    load: async () => ({
      generateImage: async () => {
        started += 1;
        await new Promise<void>((resolve) => waiting.push(resolve));
        return { images: [{ data: new Uint8Array(PNG), mediaType: "image/png" }], rawResponse: {} };
      },
    }),
  };
  return {
    definition,
    get started() {
      return started;
    },
    releaseAll: () => waiting.splice(0).forEach((r) => r()),
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe("redis outage while the gateway runs with queue.type redis", { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let restarted: ChildProcess | undefined;
  let dir: string;
  let api: TestServer;
  let worker: RunningWorker;
  let workerExit: Promise<number>;
  const provider = gatedProvider();

  /** SHUTDOWN SAVE: Redis stops (connections refused) and comes back later with its data, as a restarted Redis does. */
  const stopRedis = async () => {
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    admin.on("error", () => undefined);
    await admin.shutdown("SAVE").catch(() => undefined);
    admin.disconnect();
    await until("redis to refuse connections", async () => {
      const probe = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      probe.on("error", () => undefined);
      const refused = await probe.connect().then(
        () => false,
        () => true,
      );
      probe.disconnect();
      return refused ? true : undefined;
    });
  };
  const startAgain = async () => {
    restarted = spawn("redis-server", ["--port", String(redis.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redis.dir], { stdio: "ignore" });
    await until("redis to answer again", async () => {
      const probe = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => undefined);
      const pong = await probe.ping().catch(() => undefined);
      probe.disconnect();
      return pong === "PONG" ? true : undefined;
    });
  };

  before(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), "tarash-redis-outage-"));
    const config: ServerConfigInput = {
      logLevel: "silent",
      mock: { enabled: false },
      auth: { apiKeys: [{ sha256: hashApiKey(KEY), tenant: "acme" }] },
      storage: { dir: join(dir, "storage"), signingSecret: "outage-signing-secret-0123456789" },
      // The 3 s outage below is well inside the lock; maxStalledCount 0 would fail a job whose lock lapsed.
      queue: { type: "redis", url: redis.url, prefix: "outage", concurrency: 1, lockDurationMs: 10_000, stalledIntervalMs: 1_000, maxStalledCount: 0 },
      server: { port: 0, shutdownTimeoutMs: 3_000 },
    };
    const configPath = join(dir, "tarash.config.json");
    await writeFile(configPath, JSON.stringify(config));
    api = await startTestServer(config, { providers: [provider.definition] });
    let ready!: (w: RunningWorker) => void;
    const running = new Promise<RunningWorker>((r) => (ready = r));
    workerExit = runWorker(["--config", configPath], { providers: [provider.definition], handleSignals: false, out: () => undefined, onReady: ready });
    worker = await running;
  });

  after(async () => {
    provider.releaseAll();
    await worker?.close();
    await workerExit;
    await api?.stop();
    restarted?.kill("SIGKILL");
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("Redis stopped for 3 s: 503 + Retry-After at once, queue_up 0 without job counts, /healthz 503; the running job keeps going and everything recovers without a restart", async () => {
    const metricsBefore = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(metricsBefore, /^tarash_queue_up 1$/m);
    assert.match(metricsBefore, /^tarash_jobs\{state="queued"\} \d+$/m);

    const created = await api.json("/v1/jobs", { body: { kind: "image", model: "gated/gated-image", request: { prompt: "through the outage" } }, headers: auth });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const id = created.body.id as string;
    await until("the job to run on the worker", async () => ((await api.json(`/v1/jobs/${id}`, { headers: auth })).body.status === "running" ? true : undefined));
    await until("the provider call", async () => (provider.started === 1 ? true : undefined));
    // A client following the job across the outage.
    // Subscribed for real before the outage: its first event has arrived (on a loaded machine a fixed pause was not enough).
    const stream = readSse(await subscribedBefore(await fetch(`${api.url}/v1/jobs/${id}/events`, { headers: auth }), "event: started"));

    await stopRedis();
    const outageStarted = Date.now();
    const calls: [string, string, unknown?][] = [
      ["POST", "/v1/jobs", { kind: "image", model: "gated/gated-image", request: { prompt: "during the outage" } }],
      ["GET", `/v1/jobs/${id}`],
      ["GET", "/v1/jobs"],
      ["GET", `/v1/jobs/${id}/events`],
      ["DELETE", `/v1/jobs/${id}`],
      ["GET", `/v1/videos/${id}`],
    ];
    for (const [method, path, body] of calls) {
      const { value: res, ms } = await timed(() => api.json(path, { method, body, headers: auth }));
      assert.equal(res.status, 503, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.headers.get("retry-after"), "5", `${method} ${path}`);
      assert.equal((res.body.error as { code: string }).code, "queue_unavailable");
      assert.ok(ms < 1_000, `${method} ${path} failed fast (${ms} ms)`);
    }
    const metrics = await fetch(`${api.url}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /^tarash_queue_up 0$/m);
    assert.doesNotMatch(text, /^tarash_jobs\{/m, "no job counts while they are unknown (never zeros)");
    const health = await api.json("/healthz");
    assert.equal(health.status, 503);
    assert.equal(health.headers.get("retry-after"), "5");
    const queue = (health.body.dependencies as { queue: { ok: boolean; kind: string; detail: string } }).queue;
    assert.deepEqual([queue.ok, queue.kind], [false, "redis"]);
    assert.match(queue.detail, /redis unavailable/);
    assert.equal((await api.json("/livez")).status, 200, "liveness does not depend on Redis");

    // The provider finishes while Redis is down: the worker holds the outcome until Redis is back.
    provider.releaseAll();
    await new Promise((r) => setTimeout(r, Math.max(0, 3_000 - (Date.now() - outageStarted))));
    await startAgain();

    const job = await until(
      "the job to settle after the outage",
      async () => {
        const res = await api.json(`/v1/jobs/${id}`, { headers: auth });
        return ["completed", "failed", "cancelled"].includes(res.body.status as string) ? res.body : undefined;
      },
      15_000,
    );
    assert.equal(job.status, "completed", `not lost to the outage: ${JSON.stringify(job.error)}`);
    assert.equal(provider.started, 1, "ran once: the job was neither re-run nor failed as WorkerLostError");
    const events = await stream;
    assert.equal(events.at(-1)?.event, "completed", "the SSE stream opened before the outage ends with the result");
    assert.equal(events.filter((e) => e.event === "started").length, 1);

    // Recovered without a restart: the same processes accept and run jobs again.
    const after = await until("job submission to work again", async () => {
      const res = await api.json("/v1/jobs", { body: { kind: "image", model: "gated/gated-image", request: { prompt: "after" } }, headers: auth });
      return res.status === 202 ? res : undefined;
    });
    await until("the new job to run", async () => (provider.started === 2 ? true : undefined));
    provider.releaseAll();
    const second = await until("the new job to complete", async () => {
      const res = await api.json(`/v1/jobs/${after.body.id as string}`, { headers: auth });
      return res.body.status === "completed" ? res.body : undefined;
    });
    assert.equal(second.status, "completed");
    assert.match(await (await fetch(`${api.url}/metrics`)).text(), /^tarash_queue_up 1$/m);
    assert.equal((await api.json("/healthz")).status, 200);
  });

  it("a hung Redis (CLIENT PAUSE): requests answer 503 within the command timeout instead of hanging", async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.client("PAUSE", 4_500, "ALL");
      const { value: res, ms } = await timed(() => api.json("/v1/jobs", { headers: auth }));
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.headers.get("retry-after"), "5");
      assert.ok(ms < 3_500, `bounded by the 2 s command timeout (${ms} ms)`);
      // Known hung now: the next requests fail at once rather than each waiting the timeout again.
      const next = await timed(() => api.json(`/v1/jobs/job_${"0".repeat(32)}`, { headers: auth }));
      assert.equal(next.value.status, 503);
      assert.ok(next.ms < 500, `fails fast while Redis is known to hang (${next.ms} ms)`);
      await until("the paused redis to answer again", async () => ((await api.json("/v1/jobs", { headers: auth })).status === 200 ? true : undefined));
    } finally {
      await admin.client("UNPAUSE").catch(() => undefined);
      admin.disconnect();
    }
  });
});
