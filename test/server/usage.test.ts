import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../src/core/logger.js";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { openDatabase } from "../../packages/server/src/server/db/connect.js";
import { Metrics } from "../../packages/server/src/server/metrics.js";
import { startServer } from "../../packages/server/src/server/index.js";
import { UsageLedger } from "../../packages/server/src/server/usage/ledger.js";
import { startOpenAIFake } from "../fakes/openai.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { type TestPostgres, startPostgres } from "../helpers/postgres.js";
import { type TestServer, startTestServer } from "./helpers.js";

const ACME_KEY = "tk-acme-0123456789abcdef";
const BETA_KEY = "tk-beta-0123456789abcdef";
const sha = (k: string) => createHash("sha256").update(k).digest("hex");
const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const OPENAI_KEY = "test-key-1234567890";

async function waitForJob(gw: TestServer, path: string, key: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await gw.json(path, { headers: auth(key) });
    if (["completed", "failed", "cancelled"].includes(res.body.status as string)) return res.body;
    if (Date.now() > deadline) throw new Error(`job ${path} did not finish: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("usage ledger through the gateway", () => {
  let gw: TestServer;
  let openai: FakeServer;
  before(async () => {
    openai = await startOpenAIFake({ apiKey: OPENAI_KEY });
    gw = await startTestServer({
      mock: { enabled: false },
      providers: { openai: { apiKey: OPENAI_KEY, baseUrl: openai.url } },
      network: { allowPrivateNetwork: true },
      auth: {
        apiKeys: [
          { sha256: sha(ACME_KEY), tenant: "acme" },
          { sha256: sha(BETA_KEY), tenant: "beta" },
        ],
      },
      routes: {
        real: { model: "openai/gpt-image-2", retries: 0 },
        fast: { model: "mock/mock-image", retries: 0, mock: { enabled: true, latencyMs: 5 } },
        flaky: {
          model: "mock/mock-image",
          retries: 0,
          mock: { enabled: true, latencyMs: 5, failureRate: 1, errorType: "rate_limit" },
          fallbacks: [{ model: "mock/mock-image", mock: { enabled: true, latencyMs: 5 } }],
        },
        clip: { model: "mock/mock-video", retries: 0, mock: { enabled: true, latencyMs: 5 } },
      },
    });
  });
  after(async () => {
    await gw.stop();
    await openai.close();
  });

  it("records a paid provider call with its key id (never the key), route, units and cost; spend reaches Prometheus", async () => {
    const res = await gw.json("/v1/images/generations", { body: { model: "real", prompt: "a red kite", n: 2, size: "1024x1024", quality: "low" }, headers: auth(ACME_KEY) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const costHeader = Number(res.headers.get("x-tarash-cost-usd"));
    assert.ok(costHeader > 0);
    const usage = await gw.json("/v1/usage?group_by=route", { headers: auth(ACME_KEY) });
    assert.equal(usage.status, 200);
    const totals = usage.body.totals as Record<string, number>;
    assert.equal(totals.attempts, 1);
    assert.equal(totals.succeeded, 1);
    assert.equal(totals.images, 2);
    assert.equal(totals.mock_attempts, 0);
    assert.ok(Math.abs(totals.spend_usd! - costHeader) < 1e-6, `${totals.spend_usd} vs ${costHeader}`);
    assert.deepEqual((usage.body.groups as { key: string }[]).map((g) => g.key), ["real"]);
    const byKey = await gw.json("/v1/usage?group_by=key", { headers: auth(ACME_KEY) });
    assert.deepEqual((byKey.body.groups as { key: string }[]).map((g) => g.key), [sha(ACME_KEY).slice(0, 12)]);
    const rows = await (await gw.gateway.state.database.db()).selectFrom("usage_events").selectAll().where("tenant", "=", "acme").execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.provider, "openai");
    assert.equal(rows[0]!.model, "gpt-image-2");
    assert.ok(rows[0]!.latency_ms >= 0);
    assert.ok(!JSON.stringify(rows).includes(ACME_KEY));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const line = metrics.split("\n").find((l) => l.startsWith('tarash_spend_usd_total{provider="openai",route="real"}'));
    assert.ok(line, metrics);
    assert.ok(Math.abs(Number(line.split(" ")[1]) - costHeader) < 1e-9);
  });

  it("records every attempt of a fallback chain (the failed one with its error type), jobs and videos too, per tenant", async () => {
    const res = await gw.json("/v1/images/generations", { body: { model: "flaky", prompt: "x" }, headers: auth(BETA_KEY) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const job = await gw.json("/v1/jobs", { body: { kind: "image", route: "fast", request: { prompt: "a job" } }, headers: auth(BETA_KEY) });
    assert.equal(job.status, 202);
    assert.equal((await waitForJob(gw, `/v1/jobs/${job.body.id as string}`, BETA_KEY)).status, "completed");
    const video = await gw.json("/v1/videos", { body: { model: "clip", prompt: "waves", seconds: "4" }, headers: auth(BETA_KEY) });
    assert.equal(video.status, 200, JSON.stringify(video.body));
    assert.equal((await waitForJob(gw, `/v1/videos/${video.body.id as string}`, BETA_KEY)).status, "completed");
    const videoJob = await gw.json(`/v1/jobs/${video.body.id as string}`, { headers: auth(BETA_KEY) });
    const videos = (videoJob.body.result as { videos: { durationSeconds?: number }[] }).videos;
    const seconds = videos.reduce((sum, v) => sum + (v.durationSeconds ?? 4), 0);
    assert.ok(seconds > 0);

    const usage = await gw.json("/v1/usage?group_by=route", { headers: auth(BETA_KEY) });
    const groups = new Map((usage.body.groups as { key: string; attempts: number; failed: number; video_seconds: number; mock_attempts: number }[]).map((g) => [g.key, g]));
    assert.deepEqual([...groups.keys()], ["clip", "fast", "flaky"]);
    assert.equal(groups.get("flaky")!.attempts, 2);
    assert.equal(groups.get("flaky")!.failed, 1);
    assert.equal(groups.get("fast")!.attempts, 1);
    assert.equal(groups.get("clip")!.video_seconds, seconds);
    assert.equal((usage.body.totals as Record<string, number>).mock_attempts, 4);
    assert.equal((usage.body.totals as Record<string, number>).spend_usd, 0, "mock calls are never spend");
    const failed = await (await gw.gateway.state.database.db())
      .selectFrom("usage_events")
      .select(["error_type", "status"])
      .where("tenant", "=", "beta")
      .where("status", "=", "failed")
      .execute();
    assert.deepEqual(failed, [{ error_type: "RateLimitError", status: "failed" }]);
    // Tenants see only their own usage.
    const acme = await gw.json("/v1/usage", { headers: auth(ACME_KEY) });
    assert.equal((acme.body.totals as Record<string, number>).attempts, 1);
  });

  it("groups by day, model and provider within from..to", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const byDay = await gw.json(`/v1/usage?from=${today}&to=${today}&group_by=day`, { headers: auth(ACME_KEY) });
    assert.equal(byDay.status, 200);
    assert.deepEqual((byDay.body.groups as { key: string }[]).map((g) => g.key), [today]);
    const byModel = await gw.json("/v1/usage?group_by=model", { headers: auth(ACME_KEY) });
    assert.deepEqual((byModel.body.groups as { key: string }[]).map((g) => g.key), ["openai/gpt-image-2"]);
    const past = await gw.json("/v1/usage?from=2020-01-01&to=2020-01-31&group_by=provider", { headers: auth(ACME_KEY) });
    assert.equal((past.body.totals as Record<string, number>).attempts, 0);
    assert.deepEqual(past.body.groups, []);
  });

  it("bad query parameters are a 400 naming the field and what it takes", async () => {
    const cases: [string, string, RegExp][] = [
      ["group_by=week", "group_by", /group_by must be one of day, model, provider, route, key/],
      ["from=yesterday", "from", /from must be an ISO 8601 date/],
      ["to=2026-13-45", "to", /to must be an ISO 8601 date/],
      ["from=2026-02-01&to=2026-01-01", "from", /from must be before to/],
      ["from=2020-01-01&to=2026-01-01", "from", /at most 366 days/],
    ];
    for (const [query, param, message] of cases) {
      const res = await gw.json(`/v1/usage?${query}`, { headers: auth(ACME_KEY) });
      assert.equal(res.status, 400, query);
      const error = res.body.error as { param: string; message: string };
      assert.equal(error.param, param, query);
      assert.match(error.message, message);
    }
    assert.equal((await gw.json("/v1/usage")).status, 401);
  });
});

describe("usage ledger durability and outages", () => {
  let postgres: TestPostgres;
  let dir: string;
  before(async () => {
    postgres = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), "tarash-usage-"));
  });
  after(async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("the database going down never fails a generation; /v1/usage answers 503 with Retry-After until it is back", async () => {
    const gw = await startServer({ config: { logLevel: "silent", mock: { enabled: true, latencyMs: 5 }, database: { url: postgres.url }, storage: { dir } }, port: 0, env: {} });
    const call = () => fetch(`${gw.url}/v1/images/generations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "p" }) });
    try {
      assert.equal((await call()).status, 200);
      assert.equal((await fetch(`${gw.url}/v1/usage`)).status, 200);
      await postgres.stop();
      assert.equal((await call()).status, 200, "a generation does not need the database");
      const down = await fetch(`${gw.url}/v1/usage`);
      assert.equal(down.status, 503);
      assert.equal(down.headers.get("retry-after"), "5");
      const body = (await down.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "database_unavailable");
      assert.ok(!body.error.message.includes(postgres.url));
    } finally {
      await gw.close();
    }
  });

  it("events still buffered at shutdown are written before the database closes", async () => {
    const dbDir = join(dir, "embedded");
    const gw = await startServer({ config: { logLevel: "silent", mock: { enabled: true, latencyMs: 5 }, database: { dir: dbDir }, storage: { dir } }, port: 0, env: {} });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v1/images/generations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: `p${i}` }) });
      assert.equal(res.status, 200);
    }
    assert.ok(gw.gateway.state.usage!.pending > 0, "the writes are batched, not done in the request");
    await gw.close();
    const reopened = await openDatabase({ dir: dbDir });
    try {
      const rows = await reopened.db.selectFrom("usage_events").select("request_id").execute();
      assert.equal(rows.length, 3);
    } finally {
      await reopened.close();
    }
  });

  it("a full buffer drops new events and counts them, without failing the caller", async () => {
    const metrics = new Metrics();
    // Nothing listens on port 1: every write fails as "unavailable" and events stay buffered.
    const handle = new DatabaseHandle({ url: "postgres://tarash@127.0.0.1:1/none" });
    const ledger = new UsageLedger(handle, metrics, silentLogger, { maxBuffered: 3, flushIntervalMs: 10_000 });
    const event = {
      created_at: new Date().toISOString(),
      tenant: "t",
      key_id: null,
      route: null,
      request_id: "r",
      kind: "image" as const,
      provider: "mock",
      model: "mock-image",
      status: "success" as const,
      error_type: null,
      latency_ms: 1,
      images: 1,
      video_seconds: 0,
      input_tokens: null,
      output_tokens: null,
      estimated_usd: 0,
      actual_usd: null,
      is_mock: true,
    };
    ledger.record([event, event, event, event, event]);
    assert.equal(ledger.pending, 3);
    await ledger.flush();
    assert.equal(ledger.pending, 3, "kept for the next try while the database is down");
    await ledger.close(200);
    await handle.close();
    const text = metrics.render({});
    assert.match(text, /tarash_usage_events_dropped_total\{reason="buffer_full"\} 2/);
    assert.match(text, /tarash_usage_events_dropped_total\{reason="shutdown"\} 3/);
  });
});
