import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createGateway } from "../../src/index.js";

/**
 * Issue #10 row 15: a mocked real model bills nothing and must not look as if it did. Its cost is 0 with
 * basis "mock"; the mocked model's own catalog estimate is reported apart, as estimatedRealUsd.
 */
const gw = createGateway({ logLevel: "silent" });

describe("the cost of a mocked call", () => {
  it("is 0 for a mocked grok-imagine-image, with the real estimate apart", async () => {
    const res = await gw.generateImage({ model: "grok-imagine-image", mock: { enabled: true, latencyMs: 0 } }, { prompt: "x", size: "1024x1024" });
    assert.equal(res.isMock, true);
    assert.equal(res.provider, "xai", "provider and model stay the mocked model's (its catalog validated the request)");
    assert.deepEqual(res.cost, { amountUsd: 0, basis: "mock", estimated: true, estimatedRealUsd: 0.02 });
  });

  it("is 0 for a mocked video model, the real estimate counting its seconds", async () => {
    const res = await gw.generateVideo({ model: "veo-3.1-fast-generate-001", mock: { enabled: true, latencyMs: 10 } }, { prompt: "x", durationSeconds: 4 });
    assert.equal(res.isMock, true);
    assert.deepEqual(res.cost, { amountUsd: 0, basis: "mock", estimated: true, estimatedRealUsd: 0.6 });
  });

  it("is 0 for the mock's own models", async () => {
    const res = await gw.generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "x", size: "16x16" });
    assert.equal(res.cost?.amountUsd, 0);
    assert.equal(res.cost?.basis, "mock");
  });

  it("is unchanged for a real call", () => {
    assert.deepEqual(gw.estimateCost({ model: "grok-imagine-image" }, { prompt: "x", size: "1024x1024" }), { amountUsd: 0.02, basis: "per_image", estimated: true });
  });
});
