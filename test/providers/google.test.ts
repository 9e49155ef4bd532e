import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  RateLimitError,
  TimeoutError,
  ValidationError,
  createGateway,
  type ImageGenerationConfig,
} from "../../src/index.js";
import { parseDataUrl } from "../../src/core/media/tools.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";
import { GOOGLE_FAKE_KEY, PNG_BASE64, STORYBOARD_FRAMES, startGoogleFake } from "../fakes/google.js";

type Body = Record<string, unknown> & {
  contents: { role: string; parts: Record<string, unknown>[] }[];
  generationConfig: Record<string, unknown> & { imageConfig?: Record<string, unknown> };
};

const GEN = "/v1beta/models/:action";
const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });

let fake: FakeServer;
before(async () => {
  fake = await startGoogleFake();
});
after(() => fake.close());

const cfg = (extra: Partial<ImageGenerationConfig> = {}): ImageGenerationConfig => ({
  provider: "google",
  model: "gemini-2.5-flash-image",
  apiKey: GOOGLE_FAKE_KEY,
  baseUrl: fake.url,
  ...extra,
});
const lastBody = () => fake.requests.at(-1)!.json as Body;

describe("google (Gemini API) image: request on the wire", () => {
  it("posts generateContent with x-goog-api-key, the prompt as a text part and response modalities", async () => {
    const res = await gw.generateImage(cfg(), { prompt: "a lighthouse at dusk" });
    const req = fake.requests.at(-1)!;
    assert.equal(req.path, "/v1beta/models/gemini-2.5-flash-image:generateContent");
    assert.equal(req.headers["x-goog-api-key"], GOOGLE_FAKE_KEY);
    assert.equal(req.headers.authorization, undefined);
    assert.equal(req.contentType, "application/json");
    const body = lastBody();
    assert.deepEqual(body.contents, [{ role: "user", parts: [{ text: "a lighthouse at dusk" }] }]);
    assert.deepEqual(body.generationConfig.responseModalities, ["TEXT", "IMAGE"]);
    assert.equal(body.generationConfig.imageConfig, undefined);
    assert.equal(res.images.length, 1);
  });

  it("maps aspectRatio to imageConfig.aspectRatio and a pixel size to its ratio (with a warning)", async () => {
    await gw.generateImage(cfg(), { prompt: "wide", aspectRatio: "21:9" });
    assert.deepEqual(lastBody().generationConfig.imageConfig, { aspectRatio: "21:9" });
    const res = await gw.generateImage(cfg(), { prompt: "tall", size: "720x1280" });
    assert.deepEqual(lastBody().generationConfig.imageConfig, { aspectRatio: "9:16" });
    assert.ok(res.warnings.some((w) => w.includes("aspect ratio 9:16")));
  });

  it("maps resolution to imageConfig.imageSize on models that take it, and not on 2.5 Flash Image", async () => {
    await gw.generateImage(cfg({ model: "gemini-3-pro-image-preview" }), { prompt: "poster", resolution: "4K", aspectRatio: "16:9" });
    assert.deepEqual(lastBody().generationConfig.imageConfig, { aspectRatio: "16:9", imageSize: "4K" });
    await gw.generateImage(cfg(), { prompt: "poster", resolution: "1K" });
    assert.equal(lastBody().generationConfig.imageConfig, undefined);
    await assert.rejects(gw.generateImage(cfg(), { prompt: "poster", resolution: "4K" }), (e: unknown) => e instanceof ValidationError && e.field === "resolution");
  });

  it("reaches 3.1 Flash Image's 512 tier through extraParams.imageSize (the request's resolution is 1K/2K/4K)", async () => {
    const res = await gw.generateImage(cfg({ model: "gemini-3.1-flash-image-preview" }), { prompt: "icon", extraParams: { imageSize: "512" } });
    assert.deepEqual(lastBody().generationConfig.imageConfig, { imageSize: "512" });
    assert.equal(res.usage?.outputImageTokens, 747);
    // Priced from the reported tokens: 747 at $60/M + 10 input tokens at $0.50/M.
    assert.deepEqual(res.cost, {
      amountUsd: 0.044825,
      basis: "per_token",
      estimated: false,
      breakdown: { output: { amountUsd: 0.04482, tokens: 747, estimated: false }, inputText: { amountUsd: 0.000005, tokens: 10, estimated: false } },
    });
  });

  it("sends input images as inlineData parts after the prompt (editing, multi-image fusion)", async () => {
    const dataUrl = `data:image/png;base64,${PNG_BASE64}`;
    await gw.generateImage(cfg({ model: "gemini-3-pro-image-preview" }), {
      prompt: "put the cat on the sofa",
      imageList: [{ image: new Uint8Array(ONE_PIXEL_PNG) }, { image: dataUrl, type: "reference" }],
    });
    const parts = lastBody().contents[0]!.parts;
    assert.deepEqual(parts, [
      { text: "put the cat on the sofa" },
      { inlineData: { mimeType: "image/png", data: PNG_BASE64 } },
      { inlineData: { mimeType: "image/png", data: PNG_BASE64 } },
    ]);
  });

  it("refuses more input images than the model takes, and image kinds it cannot express", async () => {
    const image = new Uint8Array(ONE_PIXEL_PNG);
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x", imageList: [1, 2, 3, 4].map(() => ({ image })) }), (e: unknown) => e instanceof ValidationError && e.field === "imageList");
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x", imageList: [{ image, type: "asset" }] }), (e: unknown) => e instanceof ValidationError && e.field === "imageList.0.type");
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x", maskImage: image }), (e: unknown) => e instanceof ValidationError && e.field === "maskImage");
  });

  it("sends seed in generationConfig; routes extraParams to generationConfig, imageConfig or the top level", async () => {
    await gw.generateImage(cfg({ model: "gemini-3.1-flash-image-preview" }), {
      prompt: "x",
      seed: 42,
      aspectRatio: "8:1",
      temperature: 0.4,
      imageSize: "512",
      safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_ONLY_HIGH" }],
      generationConfig: { topK: 20 },
    });
    const body = lastBody();
    assert.deepEqual(body.generationConfig, {
      responseModalities: ["TEXT", "IMAGE"],
      seed: 42,
      imageConfig: { aspectRatio: "8:1", imageSize: "512" },
      temperature: 0.4,
      topK: 20,
    });
    assert.deepEqual(body.safetySettings, [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_ONLY_HIGH" }]);
  });

  it("rejects Vertex-only parameters on the Gemini API instead of sending them", async () => {
    const before = fake.requests.length;
    await assert.rejects(
      gw.generateImage(cfg(), { prompt: "x", personGeneration: "allow_adult" }),
      (e: unknown) => e instanceof ValidationError && e.field === "personGeneration" && /Vertex AI/.test(e.message),
    );
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x", labels: { team: "a" } }), (e: unknown) => e instanceof ValidationError && e.field === "labels");
    assert.equal(fake.requests.length, before);
  });

  it("rejects negativePrompt (no such field for Gemini image models) in strict mode and drops it with a warning in coerce mode", async () => {
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x", negativePrompt: "blur" }), (e: unknown) => e instanceof ValidationError && e.field === "negativePrompt");
    const res = await gw.generateImage(cfg({ validation: "coerce" }), { prompt: "x", negativePrompt: "blur" });
    assert.equal(JSON.stringify(lastBody()).includes("blur"), false);
    assert.ok(res.warnings.some((w) => w.includes("negativePrompt")));
  });
});

describe("google (Gemini API) image: response normalisation", () => {
  it("returns every image part as bytes, text parts as text, usage and token cost", async () => {
    const progress: string[] = [];
    const res = await gw.generateImage(cfg(), { prompt: "a red bicycle" }, { onProgress: (u) => void progress.push(u.status) });
    assert.equal(res.images.length, 1);
    assert.equal(res.images[0]!.mediaType, "image/png");
    assert.deepEqual(parseDataUrl(res.images[0]!.url, "url").data, new Uint8Array(ONE_PIXEL_PNG));
    assert.equal(res.images[0]!.width, 1);
    assert.equal(res.text, "Here is your image.");
    assert.deepEqual(res.usage, { inputTokens: 10, outputTokens: 1290, totalTokens: 1300, outputImageTokens: 1290 });
    // 1290 output tokens at $30/M + 10 input tokens at $0.30/M.
    assert.deepEqual(res.cost, {
      amountUsd: 0.038703,
      basis: "per_token",
      estimated: false,
      breakdown: { output: { amountUsd: 0.0387, tokens: 1290, estimated: false }, inputText: { amountUsd: 0.000003, tokens: 10, estimated: false } },
    });
    assert.match(res.providerRequestId ?? "", /^resp-\d+$/);
    assert.deepEqual(progress, ["processing", "completed"]);
    // The base64 payload is returned as the image, not repeated in rawResponse.
    assert.equal(JSON.stringify(res.rawResponse).includes(PNG_BASE64), false);
  });

  it("skips thought parts (Gemini 3 interim images and reasoning) and prices the pro model per its tiers", async () => {
    const res = await gw.generateImage(cfg({ model: "gemini-3-pro-image-preview" }), { prompt: "a map", resolution: "4K" });
    assert.equal(res.images.length, 1);
    assert.equal(res.text, "Here is your image.");
    assert.equal(res.usage?.outputTokens, 2000);
    // 2000 image tokens at $120/M + 10 input tokens at $2/M.
    assert.equal(res.cost?.amountUsd, 0.24002);
  });

  it("splits n into one call per image (the model returns one image per call) and sums usage and cost", async () => {
    const before = fake.calls("POST", GEN).length;
    const res = await gw.generateImage(cfg(), { prompt: "three variations", n: 3 });
    assert.equal(fake.calls("POST", GEN).length - before, 3);
    assert.equal(res.images.length, 3);
    assert.equal(res.usage?.outputTokens, 3 * 1290);
    assert.equal(res.cost?.amountUsd, 3 * 0.038703);
    assert.equal(res.providerRequestId?.split(",").length, 3);
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x", n: 9 }), (e: unknown) => e instanceof ValidationError && e.field === "n");
  });

  it("maps promptFeedback.blockReason on a 200 to ContentModerationError, without retrying", async () => {
    const before = fake.requests.length;
    await assert.rejects(gw.generateImage(cfg(), { prompt: "block-prompt please" }), (e: unknown) => {
      assert.ok(e instanceof ContentModerationError);
      assert.equal(e.code, "PROHIBITED_CONTENT");
      return true;
    });
    assert.equal(fake.requests.length - before, 1);
  });

  it("maps finishReason IMAGE_SAFETY on a 200 to ContentModerationError", async () => {
    await assert.rejects(gw.generateImage(cfg(), { prompt: "unsafe-image" }), (e: unknown) => {
      assert.ok(e instanceof ContentModerationError);
      assert.equal(e.code, "IMAGE_SAFETY");
      assert.match(e.message, /Unable to show the generated image/);
      return true;
    });
  });

  for (const reason of ["PROHIBITED_CONTENT", "SAFETY", "IMAGE_PROHIBITED_CONTENT"]) {
    it(`maps finishReason ${reason} on a 200 to ContentModerationError, without retrying`, async () => {
      const before = fake.requests.length;
      await assert.rejects(gw.generateImage(cfg(), { prompt: `unsafe-image:${reason}` }), (e: unknown) => e instanceof ContentModerationError && e.code === reason);
      assert.equal(fake.requests.length - before, 1);
    });
  }

  it("returns every image part of one response, in order, with the text parts joined", async () => {
    const res = await gw.generateImage(cfg(), { prompt: "a storyboard of a day" });
    assert.deepEqual(res.images.map((i) => i.width), [1, 2, 3]);
    res.images.forEach((image, i) => assert.deepEqual(parseDataUrl(image.url, "url").data, new Uint8Array(STORYBOARD_FRAMES[i]!)));
    assert.equal(res.text, "Dawn.\nNoon.\nDusk.");
    assert.deepEqual(res.usage, { inputTokens: 10, outputTokens: 3 * 1290 + 6, totalTokens: 10 + 3 * 1290 + 6, outputImageTokens: 3 * 1290 });
    // Priced from the reported tokens: 3876 output tokens at $30/M + 10 input tokens at $0.30/M.
    assert.deepEqual(res.cost, {
      amountUsd: 0.116283,
      basis: "per_token",
      estimated: false,
      breakdown: { output: { amountUsd: 0.11628, tokens: 3876, estimated: false }, inputText: { amountUsd: 0.000003, tokens: 10, estimated: false } },
    });
  });

  it("fails with the model's text when it answers without an image", async () => {
    await assert.rejects(gw.generateImage(cfg({ maxRetries: 0 }), { prompt: "text-only" }), (e: unknown) => {
      assert.ok(e instanceof GenerationFailedError);
      assert.match(e.message, /a quiet harbour/);
      return true;
    });
  });

  it("maps an uncatalogued model generically (with a warning) and makes n calls itself", async () => {
    const before = fake.calls("POST", GEN).length;
    const res = await gw.generateImage(cfg({ model: "gemini-experimental-image" }), { prompt: "x", n: 2, size: "1024x1024" });
    assert.equal(fake.calls("POST", GEN).length - before, 2);
    assert.equal(res.images.length, 2);
    assert.deepEqual(lastBody().generationConfig.imageConfig, { aspectRatio: "1:1" });
    assert.ok(res.warnings.length > 0);
  });

  it("uses gemini-2.5-flash-image when a config names only the provider", async () => {
    const res = await gw.generateImage({ provider: "google", apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url }, { prompt: "x" });
    assert.equal(res.model, "gemini-2.5-flash-image");
    assert.equal(fake.requests.at(-1)!.path, "/v1beta/models/gemini-2.5-flash-image:generateContent");
  });

  it("fails fast on retired ids with the catalog's text", async () => {
    await assert.rejects(gw.generateImage(cfg({ model: "gemini-2.5-flash-image-preview" }), { prompt: "x" }), (e: unknown) => e instanceof ValidationError && /gemini-2\.5-flash-image/.test(e.message));
  });
});

describe("google (Gemini API) image: errors, keys, retries, cancellation, fallback", () => {
  it("maps an invalid key (400 API_KEY_INVALID) to AuthenticationError, never retried, key not leaked", async () => {
    const before = fake.requests.length;
    const badKey = "AIzaSy-wrong-key-0000000000";
    await assert.rejects(gw.generateImage(cfg({ apiKey: badKey }), { prompt: "x" }), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError);
      assert.equal(e.statusCode, 400);
      assert.equal(e.code, "API_KEY_INVALID");
      assert.match(e.message, /API key not valid/);
      assert.equal(JSON.stringify({ m: e.message, r: e.rawResponse, j: e.toJSON() }).includes(badKey), false);
      return true;
    });
    assert.equal(fake.requests.length - before, 1);
  });

  it("maps a missing key to AuthenticationError before calling, naming both env vars", async () => {
    const before = fake.requests.length;
    await assert.rejects(gw.generateImage({ provider: "google", baseUrl: fake.url }, { prompt: "x" }), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError);
      assert.match(e.message, /GEMINI_API_KEY/);
      assert.match(e.message, /GOOGLE_API_KEY/);
      return true;
    });
    assert.equal(fake.requests.length, before);
  });

  it("reads GEMINI_API_KEY, then GOOGLE_API_KEY, from the environment", async () => {
    for (const env of [{ GEMINI_API_KEY: GOOGLE_FAKE_KEY }, { GOOGLE_API_KEY: GOOGLE_FAKE_KEY }]) {
      const g = createGateway({ logLevel: "silent", env });
      const res = await g.generateImage({ provider: "google", baseUrl: fake.url }, { prompt: "x" });
      assert.equal(res.images.length, 1);
      assert.equal(fake.requests.at(-1)!.headers["x-goog-api-key"], GOOGLE_FAKE_KEY);
    }
  });

  it("maps 403 PERMISSION_DENIED to AuthenticationError", async () => {
    fake.script("POST", GEN, { status: 403, json: { error: { code: 403, message: "The caller does not have permission", status: "PERMISSION_DENIED" } } });
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x" }), (e: unknown) => e instanceof AuthenticationError && e.statusCode === 403 && e.code === "PERMISSION_DENIED");
  });

  it("maps the real unknown-field 400 to ValidationError naming the field", async () => {
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x", generationConfig: { bogusKnob: 1 } }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.statusCode, 400);
      assert.equal(e.field, "generationConfig.bogusKnob");
      assert.match(e.message, /Unknown name "bogusKnob"/);
      return true;
    });
  });

  it("maps a 404 for a model the API does not serve to a non-retried HTTPError", async () => {
    const before = fake.requests.length;
    await assert.rejects(gw.generateImage(cfg({ model: "gemini-9-image-nope" }), { prompt: "x" }), (e: unknown) => e instanceof HTTPError && e.statusCode === 404 && /not found/.test(e.message));
    assert.equal(fake.requests.length - before, 1);
  });

  it("retries 429 RESOURCE_EXHAUSTED (honouring RetryInfo) and then succeeds", async () => {
    const before = fake.requests.length;
    fake.script("POST", GEN, {
      status: 429,
      json: {
        error: {
          code: 429,
          message: "You exceeded your current quota.",
          status: "RESOURCE_EXHAUSTED",
          details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "0.01s" }],
        },
      },
    });
    const res = await gw.generateImage(cfg(), { prompt: "x" });
    assert.equal(res.images.length, 1);
    assert.equal(fake.requests.length - before, 2);
    assert.equal(res.executionMetadata.totalAttempts, 2);
    assert.equal(res.executionMetadata.attempts[0]!.errorType, "RateLimitError");
  });

  it("surfaces RateLimitError with the provider's retry delay when retries run out", async () => {
    fake.script("POST", GEN, {
      status: 429,
      json: { error: { code: 429, message: "quota", status: "RESOURCE_EXHAUSTED", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "41s" }] } },
    });
    await assert.rejects(gw.generateImage(cfg({ maxRetries: 0 }), { prompt: "x" }), (e: unknown) => e instanceof RateLimitError && e.retryAfterMs === 41_000);
  });

  it("retries 500 INTERNAL and 503 UNAVAILABLE", async () => {
    const before = fake.requests.length;
    fake.script(
      "POST",
      GEN,
      { status: 500, json: { error: { code: 500, message: "An internal error has occurred.", status: "INTERNAL" } } },
      { status: 503, json: { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } } },
    );
    const res = await gw.generateImage(cfg(), { prompt: "x" });
    assert.equal(res.images.length, 1);
    assert.equal(fake.requests.length - before, 3);
  });

  it("cancels an in-flight call via AbortSignal", async () => {
    fake.script("POST", GEN, { delayMs: 2_000, json: {} });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x" }, { signal: controller.signal }), CancelledError);
    assert.ok(Date.now() - started < 1_500);
  });

  it("times out per the config's timeoutMs", async () => {
    fake.script("POST", GEN, { delayMs: 2_000, json: {} });
    await assert.rejects(gw.generateImage(cfg({ timeoutMs: 60, maxRetries: 0 }), { prompt: "x" }), TimeoutError);
  });

  it("falls back to another config (mock) after retryable failures", async () => {
    const unavailable = { status: 503, json: { error: { code: 503, message: "overloaded", status: "UNAVAILABLE" } } };
    fake.script("POST", GEN, unavailable, unavailable);
    const res = await gw.generateImage(cfg({ maxRetries: 1, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x" });
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
    assert.deepEqual(res.executionMetadata.attempts.map((a) => a.provider), ["google", "google", "mock"]);
  });

  it("rejects a wrong content type the way Google does (fake strictness)", async () => {
    const res = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash-image:generateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": GOOGLE_FAKE_KEY, "content-type": "text/plain" },
      body: "prompt=x",
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { status: string; message: string } };
    assert.equal(body.error.status, "INVALID_ARGUMENT");
    assert.match(body.error.message, /Invalid JSON payload/);
  });

  it("keeps the key out of log lines", async () => {
    const lines: string[] = [];
    const sink = (...args: unknown[]) => void lines.push(JSON.stringify(args));
    const g = createGateway({ logger: { debug: sink, info: sink, warn: sink, error: sink }, env: {} });
    await g.generateImage(cfg(), { prompt: "x" });
    await assert.rejects(g.generateImage(cfg({ apiKey: "AIzaSy-another-bad-key-123" }), { prompt: "x" }));
    assert.ok(lines.length > 0);
    assert.equal(lines.some((l) => l.includes(GOOGLE_FAKE_KEY) || l.includes("AIzaSy-another-bad-key-123")), false);
  });
});
