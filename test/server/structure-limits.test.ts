import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type { ProviderDefinition } from "../../src/core/provider.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";
import { PNG_SIGNATURE, type TestServer, startTestServer } from "./helpers.js";

const errorOf = (body: Record<string, unknown>) => body.error as { message: string; param?: string | null; field?: string | null; code?: string | null };
const nestedObject = (levels: number, leaf = "1") => '{"a":'.repeat(levels) + leaf + "}".repeat(levels);
/** A fallback chain `levels` deep, written as JSON text (the raw shape a hostile client sends). */
/** A client fallback chain of a real model (a client may not name the mock on a gateway that does not enable it). */
function fallbackChain(levels: number): string {
  let chain = '{"model":"openai/gpt-image-2"}';
  for (let i = 0; i < levels; i++) chain = `{"model":"openai/gpt-image-2","fallbacks":[${chain}]}`;
  return chain;
}

describe("structure limits: too deep or too long is a 400 before any work", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({ mock: { enabled: false } });
  });
  after(() => gw.stop());

  const files = async () => (await readdir(gw.dir, { recursive: true })).filter((p) => /\.\w+$/.test(p));

  it("a fallback chain nested 565 levels deep on /v1/jobs: 400 naming limits.maxJsonDepth, no job", async () => {
    const res = await gw.json("/v1/jobs", { body: `{"kind":"image","config":${fallbackChain(565)},"request":{"prompt":"x","size":"1024x1024"}}` });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(errorOf(res.body).message, /limits\.maxJsonDepth/);
    assert.match(errorOf(res.body).message, /32 levels/);
    assert.equal(errorOf(res.body).param, "config.fallbacks.0");
    assert.deepEqual((await gw.json("/v1/jobs")).body.data, []);
  });

  it("a request object nested 20,000 levels deep on /v1/jobs and /v1/images/generations: 400, nothing runs", async () => {
    const job = await gw.json("/v1/jobs", { body: `{"kind":"image","model":"mock/mock-image","request":{"prompt":"x","deep":${nestedObject(20_000)}}}` });
    assert.equal(job.status, 400, JSON.stringify(job.body));
    assert.equal(errorOf(job.body).param, "request.deep.a");
    assert.equal(errorOf(job.body).code, "too_deep");
    const images = await gw.json("/v1/images/generations", { body: `{"model":"mock/mock-image","prompt":"x","size":"32x32","deep":${nestedObject(20_000)}}` });
    assert.equal(images.status, 400);
    assert.match(errorOf(images.body).message, /limits\.maxJsonDepth/);
    const video = await gw.json("/v1/videos", { body: `{"model":"mock/mock-video","prompt":"x","deep":[${nestedObject(20_000)}]}` });
    assert.equal(video.status, 400);
    assert.deepEqual((await gw.json("/v1/jobs")).body.data, []);
  });

  it("/image/generate settings nested 20,000 levels deep: 400 naming the field, and no file stored", async () => {
    const res = await gw.json("/image/generate", {
      body: `{"prompt":"x","customer_id":1,"save_to_db":true,"settings":{"image":{"model":"mock/mock-image","width":32,"height":32,"extra":${nestedObject(20_000)}}}}`,
    });
    assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
    assert.equal(errorOf(res.body).field, "settings.image.extra");
    assert.match(errorOf(res.body).message, /limits\.maxJsonDepth/);
    assert.deepEqual(await files(), []);
  });

  it("a fallback chain deeper than limits.maxFallbackDepth (3) or longer than limits.maxFallbackTargets (10): 400 naming the limit", async () => {
    const deep = await gw.json("/v1/jobs", { body: `{"kind":"image","config":${fallbackChain(4)},"request":{"prompt":"x","size":"1024x1024"}}` });
    assert.equal(deep.status, 400, JSON.stringify(deep.body));
    assert.match(errorOf(deep.body).message, /limits\.maxFallbackDepth/);
    assert.equal(errorOf(deep.body).param, "config.fallbacks.0.fallbacks.0.fallbacks.0.fallbacks.0");

    const wide = { model: "openai/gpt-image-2", fallbacks: Array.from({ length: 5 }, () => ({ model: "openai/gpt-image-2", fallbacks: [{ model: "openai/gpt-image-2" }] })) };
    const long = await gw.json("/v1/jobs", { body: { kind: "image", config: wide, request: { prompt: "x", size: "1024x1024" } } });
    assert.equal(long.status, 400, JSON.stringify(long.body));
    assert.match(errorOf(long.body).message, /limits\.maxFallbackTargets/);
    assert.equal(errorOf(long.body).param, "config.fallbacks");
    assert.deepEqual((await gw.json("/v1/jobs")).body.data, []);

    const ok = await gw.json("/v1/jobs", { body: `{"kind":"image","config":${fallbackChain(3)},"request":{"prompt":"x","size":"1024x1024"}}` });
    assert.equal(ok.status, 202, "a chain within the limits is accepted");
  });

  it("the limits are configuration: maxJsonDepth 6 refuses 7 levels and accepts 6", async () => {
    const strict = await startTestServer({ limits: { maxJsonDepth: 6 } });
    try {
      // body(1) → settings(2) → image(3) → extra(4..)
      const at = (levels: number) =>
        strict.json("/image/generate", { body: `{"prompt":"x","customer_id":1,"settings":{"image":{"width":32,"height":32,"extra":${nestedObject(levels)}}}}` });
      assert.equal((await at(3)).status, 200);
      const refused = await at(4);
      assert.equal(refused.status, 400);
      assert.match(errorOf(refused.body).message, /more than 6 levels deep \(limits\.maxJsonDepth\)/);
    } finally {
      await strict.stop();
    }
  });
});

describe("a request that fails after storing an output removes what it stored", () => {
  let upstream: FakeServer;
  let gw: TestServer;
  before(async () => {
    upstream = await startFakeServer();
    upstream.route("GET", "/first.png", () => ({ headers: { "content-type": "image/png" }, body: new Uint8Array([...PNG_SIGNATURE, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]) }));
    upstream.route("GET", "/second.png", () => ({ status: 404, body: "gone" }));
    const twoOutputs: ProviderDefinition = {
      id: "two-outputs",
      requiresApiKey: false,
      models: [{ provider: "two-outputs", model: "pair", kind: "image", maxN: 2 }],
      async generateImage() {
        return { images: [{ url: `${upstream.url}/first.png` }, { url: `${upstream.url}/second.png` }], rawResponse: {} };
      },
    };
    gw = await startTestServer({ mock: { enabled: false }, network: { allowPrivateNetwork: true } }, { providers: [twoOutputs] });
  });
  after(async () => {
    await gw.stop();
    await upstream.close();
  });

  it("the first output is stored, the second cannot be fetched: an error, and storage is empty again", async () => {
    const res = await gw.json("/v1/images/generations", { body: { model: "two-outputs/pair", prompt: "x", n: 2, response_format: "url" } });
    assert.ok(res.status >= 400, JSON.stringify(res.body));
    assert.equal(upstream.calls("GET", "/first.png").length, 1, "the first output was fetched (and stored)");
    assert.equal(upstream.calls("GET", "/second.png").length, 1);
    const left = (await readdir(gw.dir, { recursive: true })).filter((p) => /\.\w+$/.test(p));
    assert.deepEqual(left, []);
  });
});
