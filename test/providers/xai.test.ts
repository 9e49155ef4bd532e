import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  HTTPError,
  RateLimitError,
  type Logger,
  TimeoutError,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import { type FakeServer, ONE_PIXEL_PNG } from "../helpers/fake-server.js";
import { XAI_KEY, startXaiFake } from "../fakes/xai.js";

const lines: string[] = [];
const sink = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push(`${level} ${msg} ${JSON.stringify(fields)}`);
const logger: Logger = { debug: sink("debug"), info: sink("info"), warn: sink("warn"), error: sink("error") };
const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logger, logLevel: "debug" });

describe("xai image adapter", () => {
  let fake: FakeServer;
  let cfg: { provider: string; model: string; apiKey: string; baseUrl: string };
  before(async () => {
    fake = await startXaiFake();
    cfg = { provider: "xai", model: "grok-imagine-image", apiKey: XAI_KEY, baseUrl: `${fake.url}/v1` };
  });
  after(() => fake.close());
  afterEach(() => void fake.requests.splice(0));

  it("sends a generation with aspect_ratio, resolution and n, and normalises the response", async () => {
    const progress: string[] = [];
    const res = await gw.generateImage(cfg, { prompt: "a red fox", aspectRatio: "16:9", resolution: "2K", n: 2 }, { onProgress: (u) => void progress.push(u.status) });
    assert.deepEqual(progress, ["processing", "completed"]);
    const [req] = fake.calls("POST", "/v1/images/generations");
    assert.ok(req);
    assert.equal(req.headers.authorization, `Bearer ${XAI_KEY}`);
    assert.equal(req.contentType, "application/json");
    assert.deepEqual(req.json, {
      model: "grok-imagine-image",
      prompt: "a red fox",
      n: 2,
      aspect_ratio: "16:9",
      resolution: "2k",
      response_format: "url",
    });
    assert.equal(res.images.length, 2);
    assert.equal(res.images[0]!.url, `${fake.url}/xai-imgen/xai-tmp-imgen-0.jpeg`);
    assert.equal(res.images[0]!.mediaType, "image/jpeg");
    assert.equal(res.images[0]!.revisedPrompt, "A detailed rendering of a red fox");
    assert.equal(res.revisedPrompt, "A detailed rendering of a red fox");
    assert.deepEqual(res.usage, { images: 2 });
    assert.deepEqual(res.cost, { amountUsd: 0.04, basis: "provider", estimated: false });
    assert.equal(res.provider, "xai");
  });

  it("turns a pixel size into the nearest aspect ratio with a warning (never sends size)", async () => {
    const res = await gw.generateImage({ ...cfg, validation: "coerce" }, { prompt: "wide", size: "1800x1000" });
    const body = fake.calls("POST", "/v1/images/generations")[0]!.json as Record<string, unknown>;
    assert.equal(body.aspect_ratio, "16:9");
    assert.equal("size" in body, false);
    assert.ok(res.warnings.some((w) => /size 1800x1000 was sent as aspect ratio 16:9/.test(w)));
    const strict = await gw.generateImage(cfg, { prompt: "square", size: "1024x1024" });
    assert.equal((fake.calls("POST", "/v1/images/generations")[1]!.json as Record<string, unknown>).aspect_ratio, "1:1");
    assert.ok(strict.warnings.length > 0);
  });

  it("returns bytes as data URLs with providerConfig.responseFormat b64_json", async () => {
    const res = await gw.generateImage({ ...cfg, providerConfig: { responseFormat: "b64_json" } }, { prompt: "bytes please" });
    assert.equal((fake.requests[0]!.json as Record<string, unknown>).response_format, "b64_json");
    assert.match(res.images[0]!.url, /^data:image\/png;base64,/);
    assert.equal(res.images[0]!.width, 1);
    assert.doesNotMatch(JSON.stringify(res.rawResponse), /iVBOR/);
  });

  it("sends one input image as JSON `image` (data URI for bytes) to /images/edits", async () => {
    await gw.generateImage(cfg, { prompt: "make it blue", imageList: [{ image: new Uint8Array(ONE_PIXEL_PNG) }] });
    const [req] = fake.calls("POST", "/v1/images/edits");
    const body = req!.json as { image: { url: string; type: string }; images?: unknown };
    assert.equal(body.image.type, "image_url");
    assert.match(body.image.url, /^data:image\/png;base64,iVBOR/);
    assert.equal(body.images, undefined);
  });

  it("sends several input images as `images`, URLs untouched", async () => {
    await gw.generateImage(cfg, {
      prompt: "merge",
      imageList: [{ image: "https://example.com/a.png" }, { image: "https://example.com/b.png", type: "style" }],
    });
    const body = fake.calls("POST", "/v1/images/edits")[0]!.json as { images: { url: string }[] };
    assert.deepEqual(body.images.map((i) => i.url), ["https://example.com/a.png", "https://example.com/b.png"]);
  });

  it("passes extraParams verbatim (aspect_ratio auto, user)", async () => {
    await gw.generateImage(cfg, { prompt: "auto", extraParams: { aspect_ratio: "auto", user: "u-1" } });
    const body = fake.requests[0]!.json as Record<string, unknown>;
    assert.equal(body.aspect_ratio, "auto");
    assert.equal(body.user, "u-1");
  });

  it("rejects parameters the model does not take before calling xAI", async () => {
    await assert.rejects(gw.generateImage({ ...cfg, model: "grok-2-image" }, { prompt: "x", aspectRatio: "16:9" }), (e: unknown) => {
      return e instanceof ValidationError && e.field === "aspectRatio";
    });
    await assert.rejects(gw.generateImage(cfg, { prompt: "x", quality: "hd" }), ValidationError);
    assert.equal(fake.requests.length, 0);
  });

  it("a provider 422 for an unknown field is a ValidationError naming it", async () => {
    await assert.rejects(gw.generateImage(cfg, { prompt: "x", extraParams: { foo: 1 } }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "extraParams.foo");
      assert.match(e.message, /unknown field `foo`/);
      return true;
    });
    await assert.rejects(gw.generateImage(cfg, { prompt: "x", extraParams: { style: "vivid" } }), (e: unknown) => {
      return e instanceof ValidationError && e.field === "style" && /not supported by xAI/.test(e.message);
    });
  });

  it("a wrong key (xAI answers 400) is an AuthenticationError without the key", async () => {
    const secret = "xai-WRONGSECRET-987654321";
    lines.splice(0);
    let thrown: unknown;
    await gw.generateImage({ ...cfg, apiKey: secret }, { prompt: "x" }).catch((e: unknown) => (thrown = e));
    assert.ok(thrown instanceof AuthenticationError);
    assert.equal(thrown.statusCode, 400);
    assert.equal(fake.requests.length, 1, "not retried");
    const all = [thrown.message, JSON.stringify(thrown), JSON.stringify(thrown.rawResponse), JSON.stringify(thrown.executionMetadata), lines.join("\n")].join("\n");
    assert.equal(all.includes("WRONGSECRET"), false);
    assert.ok(!JSON.stringify(fake.requests[0]!.json).includes(secret));
  });

  it("an unknown model reaches xAI with a warning and its 404 is an HTTPError", async () => {
    await assert.rejects(gw.generateImage({ ...cfg, model: "grok-imagine-image-9" }, { prompt: "x" }), (e: unknown) => {
      return e instanceof HTTPError && e.statusCode === 404 && /does not exist/.test(e.message) && !e.retryable;
    });
  });

  it("retries a 429 after Retry-After, then succeeds", async () => {
    fake.script("POST", "/v1/images/generations", { status: 429, headers: { "retry-after": "0" }, json: { code: "Too many requests", error: "Rate limit exceeded" } });
    const res = await gw.generateImage(cfg, { prompt: "again" });
    assert.equal(res.executionMetadata.totalAttempts, 2);
    assert.equal(res.executionMetadata.attempts[0]!.errorType, "RateLimitError");
  });

  it("retries a 5xx, then succeeds", async () => {
    fake.script("POST", "/v1/images/generations", { status: 503, json: { code: "Service unavailable", error: "The service is currently unavailable" } });
    const res = await gw.generateImage(cfg, { prompt: "again" });
    assert.equal(res.executionMetadata.attempts[0]!.statusCode, 503);
    assert.equal(res.images.length, 1);
  });

  it("falls back to another provider when xAI keeps failing", async () => {
    fake.script("POST", "/v1/images/generations", { status: 500, json: { code: "Internal error", error: "boom" } });
    const res = await gw.generateImage({ ...cfg, maxRetries: 0, fallbacks: [{ provider: "mock", model: "mock-image", mock: { latencyMs: 0 } }] }, { prompt: "fallback" });
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
  });

  it("every image withheld by moderation is a ContentModerationError; some withheld are dropped with a warning", async () => {
    await assert.rejects(gw.generateImage(cfg, { prompt: "forbidden thing" }), ContentModerationError);
    const res = await gw.generateImage(cfg, { prompt: "mixed bag", n: 3 });
    assert.equal(res.images.length, 2);
    assert.ok(res.warnings.some((w) => /1 of 3 images were withheld/.test(w)));
  });

  it("honours the caller's AbortSignal and timeoutMs", async () => {
    fake.script("POST", "/v1/images/generations", { delayMs: 300, json: { data: [] } }, { delayMs: 300, json: { data: [] } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(gw.generateImage(cfg, { prompt: "slow" }, { signal: controller.signal }), CancelledError);
    await assert.rejects(gw.generateImage({ ...cfg, timeoutMs: 30, maxRetries: 0 }, { prompt: "slow" }), TimeoutError);
  });

  it("maps each status to its typed error, keeping xAI's message", async () => {
    const cases: [number, new (...a: never[]) => Error, Record<string, unknown>][] = [
      [400, ValidationError, { code: "Client specified an invalid argument", error: "xai says 400" }],
      [401, AuthenticationError, { code: "Unauthenticated", error: "xai says 401" }],
      [403, AuthenticationError, { code: "The caller does not have permission to execute the specified operation", error: "xai says 403" }],
      [404, HTTPError, { code: "Some requested entity was not found", error: "xai says 404" }],
      [422, ValidationError, { code: "Client specified an invalid argument", error: "xai says 422" }],
      [429, RateLimitError, { error: { message: "xai says 429", type: "rate_limit_exceeded" } }],
      [500, HTTPError, { code: "Internal error", error: "xai says 500" }],
    ];
    for (const [status, type, json] of cases) {
      fake.script("POST", "/v1/images/generations", { status, json });
      const err = await gw.generateImage({ ...cfg, maxRetries: 0 }, { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof type, `${status}: ${String(err)}`);
      assert.equal((err as HTTPError).statusCode, status);
      assert.match((err as Error).message, new RegExp(`xai says ${status}`));
      assert.equal((err as HTTPError).retryable, status === 429 || status >= 500, `${status} retryable`);
    }
  });
});
