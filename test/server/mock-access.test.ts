import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type TestServer, startTestServer } from "./helpers.js";

/**
 * Issue #10 row 2 (second half): only the gateway's configuration turns the mock on. A client naming the
 * mock model, or sending mock settings or a mock target in a jobs config, gets a 400 naming the field.
 */

type ErrorBody = { error: { param: string | null; message: string } };

describe("the mock on a gateway that does not enable it", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({
      mock: { enabled: false },
      routes: { demo: { model: "mock/mock-image", mock: { latencyMs: 0 } } },
      aliases: { sketch: "mock/mock-image" },
    });
  });
  after(() => gw.stop());

  const refused = async (path: string, body: unknown, param: string) => {
    const res = await gw.json(path, { body });
    assert.equal(res.status, 400, `${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
    const error = (res.body as ErrorBody).error;
    assert.equal(error.param, param);
    assert.match(error.message, /mock/);
    return error.message;
  };

  it("refuses a client naming the mock model, whatever the endpoint", async () => {
    const message = await refused("/v1/images/generations", { model: "mock/mock-image", prompt: "x", size: "4096x4096", n: 10 }, "model");
    assert.match(message, /mock\.enabled/);
    assert.match(message, /demo/, "names the routes the client may use");
    await refused("/v1/images/generations", { model: "mock-image", prompt: "x" }, "model");
    await refused("/v1/videos", { model: "mock/mock-video", prompt: "x" }, "model");
    await refused("/v1/jobs", { kind: "image", model: "mock/mock-image", request: { prompt: "x" } }, "model");
    const legacy = await gw.json("/image/generate", { body: { prompt: "x", settings: { image: { model: "mock/mock-image" } }, customer_id: 1 } });
    assert.equal(legacy.status, 400);
    assert.equal((legacy.body as { error: { field: string } }).error.field, "settings.image.model");
  });

  it("refuses mock settings and mock targets in a jobs config", async () => {
    await refused("/v1/jobs", { kind: "image", config: { model: "dall-e-3", mock: { enabled: true } }, request: { prompt: "x" } }, "config.mock");
    await refused("/v1/jobs", { kind: "image", config: { provider: "mock" }, request: { prompt: "x" } }, "config.provider");
    await refused("/v1/jobs", { kind: "image", config: { model: "mock/mock-image" }, request: { prompt: "x" } }, "config.model");
    await refused(
      "/v1/jobs",
      { kind: "image", config: { model: "dall-e-3", fallbacks: [{ model: "mock-image" }] }, request: { prompt: "x" } },
      "config.fallbacks.0.model",
    );
    await refused(
      "/v1/jobs",
      { kind: "image", config: { model: "dall-e-3", fallbacks: [{ model: "dall-e-2", mock: { latencyMs: 1 } }] }, request: { prompt: "x" } },
      "config.fallbacks.0.mock",
    );
  });

  it("serves the mock through what the operator configured: a route, an alias, the default route", async () => {
    for (const model of ["demo", "sketch", undefined]) {
      const res = await gw.json("/v1/images/generations", { body: { ...(model ? { model } : {}), prompt: "x", size: "32x32" } });
      assert.equal(res.status, 200, `${model}: ${JSON.stringify(res.body)}`);
      assert.equal(res.headers.get("x-tarash-mock"), "true");
    }
  });
});

describe("the mock on a gateway in mock mode", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({ mock: { enabled: true, latencyMs: 0 } });
  });
  after(() => gw.stop());

  it("serves the mock model by name", async () => {
    const res = await gw.json("/v1/images/generations", { body: { model: "mock/mock-image", prompt: "x", size: "32x32" } });
    assert.equal(res.status, 200);
  });

  it("still refuses a client's mock settings: a client cannot switch mock mode off (or tune it) either", async () => {
    const res = await gw.json("/v1/jobs", { body: { kind: "image", config: { model: "dall-e-3", mock: { enabled: false } }, request: { prompt: "x" } } });
    assert.equal(res.status, 400);
    assert.equal((res.body as ErrorBody).error.param, "config.mock");
  });
});

describe("the mock on a gateway whose environment has TARASH_MOCK=1", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({ mock: { enabled: false } }, { env: { TARASH_MOCK: "1" } });
  });
  after(() => gw.stop());

  it("serves the mock model by name: the operator switched every call to the mock", async () => {
    const res = await gw.json("/v1/images/generations", { body: { model: "mock/mock-image", prompt: "x", size: "32x32" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.headers.get("x-tarash-mock"), "true");
  });
});
