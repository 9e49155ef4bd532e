import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { createGateway, type Cost, type ModelCapability } from "../../src/index.js";
import { estimateTextTokens, imageInputTokens, inputImageDimensions } from "../../src/core/cost-tokens.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { startOpenAIFake } from "../fakes/openai.js";
import { GOOGLE_FAKE_KEY, startGoogleFake } from "../fakes/google.js";
import { SERVED_ON } from "../helpers/served-on.js";

const KEY = "test-key-1234567890";
// The GPT image tables priced here are gpt-image-1.5's (shut down 2026-12-01): run on a day it was served.
const gw = createGateway({ now: SERVED_ON, network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });
const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toBuffer();
const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;
/** The output part of an estimate: what the images cost, apart from the prompt and input images. */
const output = (cost: Cost | undefined) => cost!.breakdown!.output.amountUsd;

/** A model with the same price declarations as a catalog entry, under an id the fakes serve. */
function priceOf(provider: string, model: string): NonNullable<ModelCapability["price"]> {
  const cap = gw.getModelCapabilities(model, provider);
  assert.ok(cap?.price, `${provider}/${model} has a price`);
  return cap.price;
}

describe("GPT image cost follows OpenAI's quality × size table", () => {
  it("low, medium and high cost what OpenAI's table says, per size, times n", () => {
    const est = (quality: string, size: string, n = 1) => output(gw.estimateCost({ provider: "openai", model: "gpt-image-1.5" }, { prompt: "x", quality, size, n }));
    assert.equal(est("low", "1024x1024"), 0.009);
    assert.equal(est("medium", "1024x1024"), 0.034);
    assert.equal(est("high", "1024x1024"), 0.133);
    assert.equal(est("high", "1536x1024", 3), 0.6);
    assert.notEqual(est("low", "1024x1536"), est("high", "1024x1536"));
    assert.equal(output(gw.estimateCost({ provider: "openai", model: "gpt-image-1-mini" }, { prompt: "x", quality: "low", size: "1024x1024" })), 0.005);
  });

  it("auto quality is priced at its most expensive, and the table carries its source and date", () => {
    assert.equal(output(gw.estimateCost({ provider: "openai", model: "gpt-image-1.5" }, { prompt: "x", size: "1024x1536" })), 0.2);
    const price = priceOf("openai", "gpt-image-1");
    assert.equal(price.unit, "token");
    assert.match(price.source ?? "", /^https:\/\/developers\.openai\.com\//);
    assert.match(price.verifiedOn ?? "", /^\d{4}-\d{2}-\d{2}$/);
  });

  it("gpt-image-2 (any size) is priced by its table, an unlisted size as the nearest listed one", () => {
    const est = (quality: string, size: string) => output(gw.estimateCost({ provider: "openai", model: "gpt-image-2" }, { prompt: "x", quality, size }));
    assert.equal(est("low", "1024x1024"), 0.006);
    assert.equal(est("high", "1024x1024"), 0.211);
    assert.equal(est("high", "2048x2048"), 0.428);
    assert.equal(est("medium", "1008x1008"), 0.053);
    // 1280x720 is closer in price to 1536x1024 than to the 16:9 row four times its area.
    assert.equal(est("high", "1280x720"), 0.165);
    assert.equal(est("high", "3200x1808"), 0.4);
    // No size: a tier and ratio stand for their pixels (4K 16:9 ≈ 3840x2160), else the 1024² row.
    const tier = (resolution: "1K" | "2K" | "4K", aspectRatio?: string) =>
      output(gw.estimateCost({ provider: "openai", model: "gpt-image-2" }, { prompt: "x", quality: "high", resolution, ...(aspectRatio ? { aspectRatio } : {}) }));
    assert.equal(tier("4K", "16:9"), 0.4);
    assert.equal(tier("2K"), 0.428);
    assert.equal(output(gw.estimateCost({ provider: "openai", model: "gpt-image-2" }, { prompt: "x", quality: "high" })), 0.211);
  });
});

describe("estimateCost counts prompt and input-image tokens for token-priced models, and says they are estimates", () => {
  it("prompt tokens at ~4 characters per token, at the text input rate, once per image", () => {
    assert.equal(estimateTextTokens(""), 0);
    assert.equal(estimateTextTokens("a".repeat(41)), 11);
    const cost = gw.estimateCost({ provider: "openai", model: "gpt-image-1.5" }, { prompt: "a".repeat(40), quality: "low", size: "1024x1024", n: 2 })!;
    assert.deepEqual(cost.breakdown, {
      output: { amountUsd: 0.018, estimated: true },
      inputText: { amountUsd: 0.0001, tokens: 20, estimated: true },
    });
    assert.equal(cost.amountUsd, 0.0181);
    assert.equal(cost.estimated, true);
  });

  it("OpenAI input images: 65 + 129 per 512-px tile after scaling to a 512-px short side", async () => {
    const rule = { kind: "tiles", fitWithin: 2048, shortSide: 512, tileSize: 512, baseTokens: 65, tokensPerTile: 129 } as const;
    assert.equal(imageInputTokens(rule, { width: 1024, height: 1025 }), 194);
    assert.equal(imageInputTokens(rule, { width: 512, height: 513 }), 323);
    assert.equal(imageInputTokens(rule, { width: 4096, height: 1024 }), 65 + 129 * 4);
    const wide = await png(1536, 1024);
    assert.deepEqual(inputImageDimensions(new Uint8Array(wide)), { width: 1536, height: 1024 });
    assert.deepEqual(inputImageDimensions(`data:image/png;base64,${wide.toString("base64")}`), { width: 1536, height: 1024 });
    const cost = gw.estimateCost(
      { provider: "openai", model: "gpt-image-1.5" },
      { prompt: "x", quality: "low", size: "1024x1024", imageList: [{ image: new Uint8Array(wide) }, { image: "https://example.com/cat.png" }] },
    )!;
    // 1536x1024 → 768x512: two tiles, 323 tokens; a URL is assumed 1024², one tile, 194 tokens. $8 per million.
    assert.deepEqual(cost.breakdown?.inputImages, { amountUsd: 0.004136, tokens: 517, estimated: true });
  });

  it("Gemini input images follow Google's rules: 258-token tiles on 2.5, a fixed count on Gemini 3", async () => {
    const small = new Uint8Array(await png(300, 200));
    const big = new Uint8Array(await png(1024, 1024));
    const flash = { ...priceOf("google", "gemini-2.5-flash-image") };
    assert.equal(flash.unit, "token");
    const cap = (price: ModelCapability["price"]): ModelCapability => ({ provider: "google", model: "g", kind: "image", inputs: { maxImages: 4 }, price });
    const reg = createGateway({ now: SERVED_ON, logLevel: "silent", env: {} });
    reg.registerModel({ ...cap(flash), provider: "mock", model: "flash-priced" });
    const est = reg.estimateCost({ provider: "mock", model: "flash-priced" }, { prompt: "x", imageList: [{ image: small }, { image: big }] })!;
    // 300x200 → 258; 1024² → four 768² tiles → 1032. $0.30 per million.
    assert.equal(est.breakdown?.inputImages?.tokens, 258 + 1032);
    const pro = priceOf("google", "gemini-3-pro-image-preview");
    reg.registerModel({ ...cap(pro), provider: "mock", model: "pro-priced" });
    const est3 = reg.estimateCost({ provider: "mock", model: "pro-priced" }, { prompt: "x", imageList: [{ image: small }, { image: big }] })!;
    assert.equal(est3.breakdown?.inputImages?.tokens, 2 * 1120);
    assert.ok(close(est3.breakdown!.inputImages!.amountUsd, (2 * 1120 * 2) / 1e6));
  });

  it("models priced per image have no token breakdown", () => {
    const cost = gw.estimateCost({ provider: "mock" }, { prompt: "x" });
    assert.equal(cost?.breakdown, undefined);
  });
});

describe("after the call, the provider's usage replaces the estimate", () => {
  let openai: FakeServer;
  let google: FakeServer;
  before(async () => {
    [openai, google] = await Promise.all([startOpenAIFake({ apiKey: KEY }), startGoogleFake()]);
  });
  after(async () => {
    await Promise.all([openai.close(), google.close()]);
  });

  it("OpenAI: reported output, text and image tokens, each at its rate, none estimated", async () => {
    const cfg = { provider: "openai", model: "gpt-image-1.5", apiKey: KEY, baseUrl: openai.url };
    const image = new Uint8Array(await png(64, 64));
    const request = { prompt: "put a hat on it", quality: "low", size: "1024x1024", imageList: [{ image }] };
    const estimate = gw.estimateCost(cfg, request)!;
    const res = await gw.generateImage(cfg, request);
    // The fake reports 272 output tokens (low), 5 prompt words as text tokens and 323 image tokens.
    const cost = res.cost as Cost;
    assert.equal(cost.estimated, false);
    assert.deepEqual(cost.breakdown, {
      output: { amountUsd: (272 * 32) / 1e6, tokens: 272, estimated: false },
      inputText: { amountUsd: (5 * 5) / 1e6, tokens: 5, estimated: false },
      inputImages: { amountUsd: (323 * 8) / 1e6, tokens: 323, estimated: false },
    });
    assert.ok(close(cost.amountUsd, (272 * 32 + 5 * 5 + 323 * 8) / 1e6));
    assert.notEqual(cost.amountUsd, estimate.amountUsd);
    assert.equal(estimate.breakdown?.inputImages?.estimated, true);
  });

  it("Gemini: usageMetadata's image tokens are split out of the prompt count", async () => {
    // A Gemini-family capability of its own, priced like the catalog's 2.5 Flash Image.
    gw.registerModel({ provider: "google", model: "gemini-experimental-image", kind: "image", inputs: { maxImages: 3 }, price: priceOf("google", "gemini-2.5-flash-image"), adapterHints: { family: "gemini" } });
    const cfg = { provider: "google", model: "gemini-experimental-image", apiKey: GOOGLE_FAKE_KEY, baseUrl: google.url };
    const res = await gw.generateImage(cfg, { prompt: "a hat", imageList: [{ image: new Uint8Array(await png(64, 64)) }] });
    // The fake reports 10 text tokens + 258 per input image, and 1120 image tokens out (at $30 per million).
    assert.deepEqual(res.cost?.breakdown, {
      output: { amountUsd: 0.0336, tokens: 1120, estimated: false },
      inputText: { amountUsd: 0.000003, tokens: 10, estimated: false },
      inputImages: { amountUsd: 0.000077, tokens: 258, estimated: false },
    });
  });
});
