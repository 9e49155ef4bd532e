import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "./helpers.js";

const KEY = "tk_named_sizes_0123456789abcdef";

describe("gateway /v1/images/generations: named sizes and response_modalities", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({ auth: { apiKeys: [{ sha256: hashApiKey(KEY), tenant: "acme", service: true }] } });
  });
  after(() => gw.stop());
  const headers = { authorization: `Bearer ${KEY}` };

  it("a named size is accepted and the image has the preset's pixels", async () => {
    const res = await gw.json("/v1/images/generations", { headers, body: { model: "mock-image", prompt: "a lighthouse", size: "landscape_16_9", response_format: "b64_json" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const item = (res.body.data as { b64_json: string }[])[0]!;
    const meta = await sharp(Buffer.from(item.b64_json, "base64")).metadata();
    assert.deepEqual([meta.width, meta.height], [1024, 576]);
  });

  it("an unknown name is a 400 naming size and the allowed names", async () => {
    const res = await gw.json("/v1/images/generations", { headers, body: { model: "mock-image", prompt: "x", size: "landscape_2_1" } });
    assert.equal(res.status, 400);
    const error = res.body.error as { param: string; message: string };
    assert.equal(error.param, "size");
    assert.match(error.message, /landscape_16_9/);
  });

  it("response_modalities is validated, and refused by name on a model without it", async () => {
    const bad = await gw.json("/v1/images/generations", { headers, body: { model: "mock-image", prompt: "x", response_modalities: ["AUDIO"] } });
    assert.equal(bad.status, 400);
    assert.match((bad.body.error as { param: string }).param, /^response_modalities/);
    const unsupported = await gw.json("/v1/images/generations", { headers, body: { model: "mock-image", prompt: "x", response_modalities: ["IMAGE"] } });
    assert.equal(unsupported.status, 400);
    const error = unsupported.body.error as { param: string; message: string };
    assert.equal(error.param, "response_modalities");
    assert.match(error.message, /not supported by mock\/mock-image/);
  });
});
