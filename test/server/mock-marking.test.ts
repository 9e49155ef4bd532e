import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runServe } from "../../packages/server/src/server/serve.js";
import { type TestServer, startTestServer } from "./helpers.js";

/**
 * Issue #10 row 15: a mocked response says so everywhere: the response (isMock, cost 0), the
 * x-tarash-mock header, the request log, the metrics, and the start-up banner ("mock mode").
 */
describe("a mocked real model through the gateway", () => {
  let gw: TestServer;
  const logs: Record<string, unknown>[] = [];
  before(async () => {
    gw = await startTestServer({ logLevel: "info", mock: { enabled: true, latencyMs: 0 } }, { logger: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  });
  after(() => gw.stop());

  it("marks the response, its headers, its log line and the metrics", async () => {
    const res = await gw.json("/v1/images/generations", { body: { model: "grok-imagine-image", prompt: "x", size: "1024x1024", response_format: "url" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-tarash-mock"), "true");
    assert.equal(res.headers.get("x-tarash-cost-usd"), "0", "nothing was billed");
    const requestId = res.headers.get("x-request-id");
    const line = logs.find((l) => l.requestId === requestId && l.msg === "request");
    assert.equal(line?.mock, true, `request log: ${JSON.stringify(line)}`);

    const legacy = await gw.json("/image/generate", { body: { prompt: "x", settings: { image: { model: "grok-imagine-image", width: 1024, height: 1024 } }, customer_id: 1 } });
    assert.equal(legacy.status, 200);
    assert.equal(legacy.headers.get("x-tarash-mock"), "true");
    assert.equal((legacy.body.data as { settings: { cost_usd: number } }).settings.cost_usd, 0);

    const metrics = await fetch(`${gw.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /^tarash_mock_generations_total\{kind="image"\} 2$/m);
  });

  it("marks a job's result: isMock, cost 0 with the real estimate apart, and the header", async () => {
    const created = await gw.json("/v1/jobs", { body: { kind: "image", model: "grok-imagine-image", request: { prompt: "x", size: "1024x1024" } } });
    assert.equal(created.status, 202);
    let job = created;
    for (let i = 0; i < 200 && job.body.status !== "completed"; i++) {
      await new Promise((r) => setTimeout(r, 25));
      job = await gw.json(`/v1/jobs/${created.body.id as string}`);
    }
    const result = job.body.result as { isMock: boolean; provider: string; cost: unknown };
    assert.equal(result.isMock, true);
    assert.deepEqual(result.cost, { amountUsd: 0, basis: "mock", estimated: true, estimatedRealUsd: 0.02 });
    assert.equal(job.headers.get("x-tarash-mock"), "true");
  });

  it("marks an OpenAI video object whose job was mocked", async () => {
    const created = await gw.json("/v1/videos", { body: { model: "veo-3.1-fast-generate-001", prompt: "waves", seconds: "4", size: "1280x720" } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    let video = created;
    for (let i = 0; i < 400 && video.body.status !== "completed"; i++) {
      await new Promise((r) => setTimeout(r, 25));
      video = await gw.json(`/v1/videos/${created.body.id as string}`);
    }
    assert.equal(video.body.status, "completed");
    assert.equal(video.headers.get("x-tarash-mock"), "true");
  });

  it("leaves a real response unmarked", async () => {
    const res = await gw.json("/healthz");
    assert.equal(res.headers.get("x-tarash-mock"), null);
  });
});

describe("the start-up banner", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-banner-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const banner = async (config: Record<string, unknown>, env: Record<string, string> = {}) => {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, JSON.stringify({ logLevel: "silent", server: { port: 0 }, storage: { dir }, ...config }));
    const lines: string[] = [];
    const code = await runServe(["--config", path], {
      out: (l) => void lines.push(l),
      err: (l) => void lines.push(l),
      env,
      handleSignals: false,
      onListening: (s) => void s.close(),
    });
    assert.equal(code, 0);
    return lines.join("\n");
  };

  it('says "mock mode" when the config enables the mock, and not otherwise', async () => {
    assert.match(await banner({ mock: { enabled: true } }), /mock mode: every generation runs on the offline mock provider/);
    assert.doesNotMatch(await banner({ mock: { enabled: false } }), /mock mode/);
    // The library's gateway-wide switch mocks every call of this gateway too, so it is mock mode as well.
    assert.match(await banner({ mock: { enabled: false } }, { TARASH_MOCK: "1" }), /mock mode/);
  });
});
