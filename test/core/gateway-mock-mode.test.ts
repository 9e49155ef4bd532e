import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuthenticationError, ValidationError, createGateway } from "../../src/index.js";

describe("gateway-wide mock mode", () => {
  it("TARASH_MOCK=1 runs a real model on the mock, validated against that model's catalog entry", async () => {
    const gateway = createGateway({ env: { TARASH_MOCK: "1" } });
    const res = await gateway.generateImage({ model: "gpt-image-2" }, { prompt: "a fox", size: "1536x1024" });
    assert.equal(res.isMock, true);
    assert.equal(res.provider, "openai");
    assert.equal(res.images[0]?.width, 1536);
    // Still the real model's rules: a size gpt-image-2 cannot make (4:1, beyond its 1:3 to 3:1 limit) is refused, as it would be for real.
    await assert.rejects(gateway.generateImage({ model: "gpt-image-2" }, { prompt: "a fox", size: "768x3072" }), ValidationError);
  });

  it("createGateway({ mock }) does the same, and a config's own mock setting wins", async () => {
    const gateway = createGateway({ mock: { enabled: true }, env: {}, logLevel: "silent" });
    assert.equal((await gateway.generateImage({ model: "gpt-image-2" }, { prompt: "a fox" })).isMock, true);
    // mock.enabled false on the config: the real provider is called, and without a key that fails before any request.
    await assert.rejects(gateway.generateImage({ model: "gpt-image-2", mock: { enabled: false } }, { prompt: "a fox" }), AuthenticationError);
  });

  it("without either, nothing is mocked", async () => {
    const gateway = createGateway({ env: {}, logLevel: "silent" });
    await assert.rejects(gateway.generateImage({ model: "gpt-image-2" }, { prompt: "a fox" }), AuthenticationError);
  });
});
