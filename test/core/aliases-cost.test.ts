import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError, createGateway } from "../../src/index.js";
import { costFromUsage, estimateImageCost, estimateVideoCost, sumCosts } from "../../src/core/cost.js";
import type { ModelCapability } from "../../src/core/capabilities.js";

describe("resolveModel", () => {
  const gw = createGateway({ aliases: { fast: "mock/mock-image", house: { provider: "mock", model: "mock-image" } } });
  it("maps aliases by pattern", () => {
    const table: [string | undefined, string, string][] = [
      [undefined, "openai", "gpt-image-2"],
      ["openai", "openai", "gpt-image-2"],
      ["dall-e-3", "openai", "dall-e-3"],
      ["gpt-image-1.5", "openai", "gpt-image-1.5"],
      ["flux-pro-1.1", "bfl", "flux-pro-1.1"],
      ["flux", "bfl", "flux-pro-1.1"],
      ["sd", "stability", "sd3.5-large"],
      ["sd3.5-large", "stability", "sd3.5-large"],
      ["core", "stability", "stable-image-core"],
      ["stability", "stability", "stable-image-core"],
      ["sdxl-custom", "stability", "sdxl-custom"],
      ["flux-kontext-max", "bfl", "flux-kontext-max"],
      ["gpt-image-1-mini", "openai", "gpt-image-1-mini"],
      ["dall-e-2", "openai", "dall-e-2"],
      ["gemini-2.5-flash-image", "google", "gemini-2.5-flash-image"],
      ["imagen-4.0-generate-001", "google", "imagen-4.0-generate-001"],
      ["grok-2-image", "xai", "grok-2-image"],
      ["fal-ai/flux/dev", "fal", "fal-ai/flux/dev"],
      ["mock", "mock", "mock-image"],
    ];
    for (const [alias, provider, model] of table) {
      const r = gw.resolveModel(alias);
      assert.equal(r.provider, provider, String(alias));
      assert.equal(r.model, model, String(alias));
    }
  });
  it("splits provider/model strings, keeping slashes inside the model id", () => {
    assert.deepEqual(gw.resolveModel("replicate/black-forest-labs/flux-schnell"), { provider: "replicate", model: "black-forest-labs/flux-schnell" });
    assert.deepEqual(gw.resolveModel("fal/fal-ai/flux/schnell"), { provider: "fal", model: "fal-ai/flux/schnell" });
  });
  it("uses user-defined aliases", () => {
    assert.deepEqual(gw.resolveModel("fast"), { provider: "mock", model: "mock-image" });
    assert.deepEqual(gw.resolveModel("house"), { provider: "mock", model: "mock-image" });
  });
  it("gives the video default and rejects unknown names with the providers listed", () => {
    assert.deepEqual(gw.resolveModel(undefined, { kind: "video" }), { provider: "google", model: "veo-3.1-generate-001" });
    assert.throws(() => gw.resolveModel("who-knows"), (e: unknown) => e instanceof ValidationError && /provider\/model/.test(e.message) && e.field === "model");
  });
});

describe("cost", () => {
  const dalle: ModelCapability = {
    provider: "openai",
    model: "dall-e-3",
    kind: "image",
    sizes: ["1024x1024", "1792x1024"],
    qualities: ["standard", "hd"],
    defaultQuality: "standard",
    price: { unit: "image", usd: 0.04, byQualityAndSize: { standard: { "1024x1024": 0.04, "1792x1024": 0.08 }, hd: { "1024x1024": 0.08, "1792x1024": 0.12 } } },
  };
  const gemini: ModelCapability = { provider: "google", model: "gemini-2.5-flash-image", kind: "image", price: { unit: "token", outputUsdPerMillion: 30, tokensPerImage: 1290 } };
  it("prices per image by quality and size, times n", () => {
    assert.equal(estimateImageCost(dalle, { prompt: "x", quality: "hd", size: "1792x1024", n: 2 })?.amountUsd, 0.24);
    assert.equal(estimateImageCost(dalle, { prompt: "x" })?.amountUsd, 0.04);
  });
  it("prices Gemini images by output tokens: 1290 tokens at $30 per 1M", () => {
    assert.deepEqual(estimateImageCost(gemini, { prompt: "x" }), {
      amountUsd: 0.0387,
      basis: "per_token",
      estimated: true,
      breakdown: { output: { amountUsd: 0.0387, tokens: 1290, estimated: true } },
    });
    assert.deepEqual(costFromUsage(gemini, { inputTokens: 10, outputTokens: 1290 }), {
      amountUsd: 0.0387,
      basis: "per_token",
      estimated: false,
      breakdown: { output: { amountUsd: 0.0387, tokens: 1290, estimated: false }, inputText: { amountUsd: 0, tokens: 10, estimated: false } },
    });
  });
  it("prices video per second, with audio and resolution rates", () => {
    const veo: ModelCapability = { provider: "google", model: "veo", kind: "video", durations: [4, 8], price: { unit: "second", usd: 0.2, withAudioUsd: 0.4, byResolution: { "1080p": 0.3 } } };
    assert.equal(estimateVideoCost(veo, { prompt: "x", durationSeconds: 8 })?.amountUsd, 1.6);
    assert.equal(estimateVideoCost(veo, { prompt: "x", durationSeconds: 8, generateAudio: true })?.amountUsd, 3.2);
    assert.equal(estimateVideoCost(veo, { prompt: "x", durationSeconds: 4, resolution: "1080p", numberOfVideos: 2 })?.amountUsd, 2.4);
  });
  it("bills megapixels of 1024² pixels, rounded up", () => {
    const flux: ModelCapability = { provider: "fal", model: "f", kind: "image", sizeConstraints: {}, price: { unit: "megapixel", usd: 0.025 } };
    assert.equal(estimateImageCost(flux, { prompt: "x", size: "1024x1024", n: 2 })?.amountUsd, 0.05);
    assert.equal(estimateImageCost(flux, { prompt: "x", size: "1920x1080" })?.amountUsd, 0.05);
  });

  it("prices video without audio where the model has a cheaper silent rate", () => {
    const veo: ModelCapability = { provider: "google", model: "veo", kind: "video", durations: [8], price: { unit: "second", usd: 0.4, withoutAudioUsd: 0.2 } };
    assert.equal(estimateVideoCost(veo, { prompt: "x", durationSeconds: 8, generateAudio: false })?.amountUsd, 1.6);
    assert.equal(estimateVideoCost(veo, { prompt: "x", durationSeconds: 8 })?.amountUsd, 3.2);
  });

  it("sums split calls instead of overwriting, and is unknown if any part is unknown", () => {
    assert.equal(sumCosts([{ amountUsd: 0.04, basis: "per_image", estimated: false }, { amountUsd: 0.04, basis: "per_image", estimated: true }])?.amountUsd, 0.08);
    assert.equal(sumCosts([{ amountUsd: 0.04, basis: "per_image", estimated: false }, undefined]), undefined);
  });
  it("a response split across calls is priced once per call: token usage summed, never multiplied by n", async () => {
    const gw = createGateway({ logLevel: "silent" });
    let calls = 0;
    gw.registerProvider({
      id: "tokens",
      models: [{ provider: "tokens", model: "t", kind: "image", maxN: 4, maxNPerCall: 1, price: { unit: "token", outputUsdPerMillion: 30, tokensPerImage: 1290 } }],
      async generateImage(_ctx, req) {
        calls++;
        // Each call reports its own total, as Gemini's usageMetadata does.
        return { images: [{ url: `https://cdn.example/${calls}.png` }], usage: { outputTokens: 1290 * (req.n ?? 1) }, rawResponse: {} };
      },
    });
    const res = await gw.generateImage({ provider: "tokens", model: "t" }, { prompt: "x", n: 3 });
    assert.equal(calls, 3);
    assert.equal(res.images.length, 3);
    assert.deepEqual(res.usage, { outputTokens: 3870 });
    assert.deepEqual(res.cost, { amountUsd: 0.1161, basis: "per_token", estimated: false, breakdown: { output: { amountUsd: 0.1161, tokens: 3870, estimated: false } } });
    assert.deepEqual(gw.estimateCost({ provider: "tokens", model: "t" }, { prompt: "x", n: 3 }), {
      amountUsd: 0.1161,
      basis: "per_token",
      estimated: true,
      breakdown: { output: { amountUsd: 0.1161, tokens: 3870, estimated: true } },
    });
  });

  it("estimateCost prices a request through the public API", () => {
    const gw = createGateway();
    assert.deepEqual(gw.estimateCost({ provider: "mock" }, { prompt: "x", n: 3 }), { amountUsd: 0, basis: "per_image", estimated: true });
  });
});
