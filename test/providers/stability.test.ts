import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  TimeoutError,
  ValidationError,
  createGateway,
  type ImageGenerationConfig,
} from "../../src/index.js";
import { parseDataUrl } from "../../src/core/media/tools.js";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";
import { type StabilityFake, startStabilityFake } from "../fakes/stability.js";

const KEY = "test-key-1234567890";
const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent" });
const PNG_DATA_URL = `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`;

let fake: StabilityFake;
before(async () => {
  fake = await startStabilityFake(KEY);
});
after(() => fake.close());

const cfg = (model: string, extra: Partial<ImageGenerationConfig> = {}): ImageGenerationConfig => ({
  provider: "stability",
  model,
  apiKey: KEY,
  baseUrl: fake.url,
  pollIntervalMs: 1,
  ...extra,
});
const last = (path: string) => {
  const calls = fake.calls("POST", path);
  const req = calls[calls.length - 1];
  assert.ok(req, `no call to ${path}`);
  return req;
};
const field = (path: string, name: string) => last(path).form?.get(name);
const countPosts = () => fake.requests.filter((r) => r.method === "POST").length;

describe("stability: generate endpoints", () => {
  it("core: sends every mapped field as multipart with bearer auth and accept image/*, returns the bytes", async () => {
    const res = await gw.generateImage(cfg("stable-image-core"), {
      prompt: "a red fox",
      negativePrompt: "blurry hands",
      aspectRatio: "16:9",
      seed: 1234,
      outputFormat: "webp",
      style: "anime",
    });
    const req = last("/v2beta/stable-image/generate/core");
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.equal(req.headers.accept, "image/*");
    assert.equal(req.contentType, "multipart/form-data");
    assert.equal(field("/v2beta/stable-image/generate/core", "prompt"), "a red fox");
    assert.equal(field("/v2beta/stable-image/generate/core", "negative_prompt"), "blurry hands");
    assert.equal(field("/v2beta/stable-image/generate/core", "aspect_ratio"), "16:9");
    assert.equal(field("/v2beta/stable-image/generate/core", "seed"), "1234");
    assert.equal(field("/v2beta/stable-image/generate/core", "output_format"), "webp");
    assert.equal(field("/v2beta/stable-image/generate/core", "style_preset"), "anime");
    assert.equal(res.images.length, 1);
    assert.equal(res.images[0]!.mediaType, "image/webp");
    assert.match(res.images[0]!.url, /^data:image\/webp;base64,/);
    assert.deepEqual(res.cost, { amountUsd: 0.03, basis: "per_image", estimated: true });
    assert.deepEqual(res.usage, { images: 1 });
    assert.match(res.providerRequestId ?? "", /^[0-9a-f]{32}$/);
    assert.equal((res.rawResponse as { finish_reason: string }).finish_reason, "SUCCESS");
    assert.equal((res.rawResponse as { seed: string }).seed, "1234");
  });

  it("is the default model of the provider and the target of the `core` alias", async () => {
    const a = await gw.generateImage({ provider: "stability", apiKey: KEY, baseUrl: fake.url }, { prompt: "x" });
    assert.equal(a.model, "stable-image-core");
    const b = await gw.generateImage({ model: "core", apiKey: KEY, baseUrl: fake.url }, { prompt: "x" });
    assert.equal(b.provider, "stability");
    assert.equal(b.model, "stable-image-core");
  });

  it("turns a pixel size into Stability's aspect ratio (with a warning)", async () => {
    const res = await gw.generateImage(cfg("stable-image-ultra"), { prompt: "wide", size: "1536x1024" });
    assert.equal(field("/v2beta/stable-image/generate/ultra", "aspect_ratio"), "3:2");
    assert.ok(res.warnings.some((w) => /aspect ratio 3:2/.test(w)));
    assert.equal(res.cost?.amountUsd, 0.08);
  });

  it("ultra image-to-image: sends image as a file and strength from extraParams; missing strength fails before sending", async () => {
    await gw.generateImage(cfg("stable-image-ultra"), { prompt: "repaint", imageList: [{ image: PNG_DATA_URL }], extraParams: { strength: 0.6 } });
    const image = field("/v2beta/stable-image/generate/ultra", "image");
    assert.ok(image instanceof Blob);
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), ONE_PIXEL_PNG);
    assert.equal(field("/v2beta/stable-image/generate/ultra", "strength"), "0.6");

    const before = countPosts();
    await assert.rejects(
      gw.generateImage(cfg("stable-image-ultra"), { prompt: "repaint", imageList: [{ image: PNG_DATA_URL }] }),
      (e: unknown) => e instanceof ValidationError && e.field === "extraParams.strength",
    );
    assert.equal(countPosts(), before);
  });

  it("sd3 models: sends model, mode=image-to-image with image, no aspect_ratio in i2i (warned)", async () => {
    await gw.generateImage(cfg("sd3.5-large-turbo"), { prompt: "t2i", aspectRatio: "9:16", outputFormat: "jpeg" });
    assert.equal(field("/v2beta/stable-image/generate/sd3", "model"), "sd3.5-large-turbo");
    assert.equal(field("/v2beta/stable-image/generate/sd3", "mode"), null);
    assert.equal(field("/v2beta/stable-image/generate/sd3", "aspect_ratio"), "9:16");

    const res = await gw.generateImage(cfg("sd3.5-medium"), {
      prompt: "i2i",
      aspectRatio: "1:1",
      imageList: [{ image: ONE_PIXEL_PNG }],
      extraParams: { strength: 0.4, cfg_scale: 5 },
    });
    assert.equal(field("/v2beta/stable-image/generate/sd3", "model"), "sd3.5-medium");
    assert.equal(field("/v2beta/stable-image/generate/sd3", "mode"), "image-to-image");
    assert.equal(field("/v2beta/stable-image/generate/sd3", "aspect_ratio"), null);
    assert.equal(field("/v2beta/stable-image/generate/sd3", "cfg_scale"), "5");
    assert.ok(res.warnings.some((w) => /aspectRatio is not used/.test(w)));
  });

  it("sd3 rejects webp before any call (the catalog says png|jpeg)", async () => {
    const before = countPosts();
    await assert.rejects(gw.generateImage(cfg("sd3.5-large"), { prompt: "x", outputFormat: "webp" }), (e: unknown) => e instanceof ValidationError && e.field === "outputFormat");
    assert.equal(countPosts(), before);
  });

  it("n > 1 runs one call per image and sums the cost", async () => {
    const before = fake.calls("POST", "/v2beta/stable-image/generate/core").length;
    const res = await gw.generateImage(cfg("stable-image-core"), { prompt: "many", n: 3 });
    assert.equal(res.images.length, 3);
    assert.equal(fake.calls("POST", "/v2beta/stable-image/generate/core").length - before, 3);
    assert.equal(res.cost?.amountUsd, 0.09);
  });

  it("JSON mode: accept application/json, decodes {image, finish_reason, seed}", async () => {
    const res = await gw.generateImage(cfg("stable-image-core", { providerConfig: { responseMode: "json" } }), { prompt: "json please", outputFormat: "jpeg", seed: 7 });
    assert.equal(last("/v2beta/stable-image/generate/core").headers.accept, "application/json");
    assert.equal(res.images[0]!.mediaType, "image/jpeg");
    const raw = res.rawResponse as { finish_reason: string; seed: number; image: string };
    assert.equal(raw.finish_reason, "SUCCESS");
    assert.equal(raw.seed, 7);
    assert.match(raw.image, /base64 chars/);
  });

  it("rejects an unknown responseMode as a config error", async () => {
    await assert.rejects(
      gw.generateImage(cfg("stable-image-core", { providerConfig: { responseMode: "xml" } }), { prompt: "x" }),
      (e: unknown) => e instanceof ValidationError && e.field === "providerConfig.responseMode",
    );
  });

  it("maps unknown ids generically (group/operation path) and passes extraParams verbatim", async () => {
    const res = await gw.generateImage(cfg("edit/search-and-recolor"), { prompt: "make it blue", imageList: [{ image: PNG_DATA_URL }], extraParams: { select_prompt: "the car", grow_mask: 2 } });
    assert.equal(field("/v2beta/stable-image/edit/search-and-recolor", "select_prompt"), "the car");
    assert.equal(field("/v2beta/stable-image/edit/search-and-recolor", "grow_mask"), "2");
    assert.ok(res.warnings.some((w) => /not in the stability catalog/.test(w)));
  });
});

describe("stability: edit and upscale operations", () => {
  it("inpaint sends image + mask files and the prompt", async () => {
    await gw.generateImage(cfg("stable-image-inpaint"), { prompt: "a hat", negativePrompt: "no", imageList: [{ image: PNG_DATA_URL }], maskImage: ONE_PIXEL_PNG, extraParams: { grow_mask: 10 } });
    const path = "/v2beta/stable-image/edit/inpaint";
    assert.ok(field(path, "image") instanceof Blob);
    assert.ok(field(path, "mask") instanceof Blob);
    assert.equal(field(path, "prompt"), "a hat");
    assert.equal(field(path, "grow_mask"), "10");
  });

  it("the core refuses an edit without an image and a mask on a model without masks", async () => {
    const before = countPosts();
    await assert.rejects(gw.generateImage(cfg("stable-image-inpaint"), { prompt: "x" }), (e: unknown) => e instanceof ValidationError && e.field === "imageList");
    await assert.rejects(gw.generateImage(cfg("stable-image-core"), { prompt: "x", maskImage: ONE_PIXEL_PNG }), (e: unknown) => e instanceof ValidationError && e.field === "maskImage");
    assert.equal(countPosts(), before);
  });

  it("outpaint takes directions from extraParams and refuses a call without any", async () => {
    await gw.generateImage(cfg("stable-image-outpaint"), { prompt: "more sky", imageList: [{ image: PNG_DATA_URL }], extraParams: { up: 200, left: 100, creativity: 0.5 } });
    const path = "/v2beta/stable-image/edit/outpaint";
    assert.equal(field(path, "up"), "200");
    assert.equal(field(path, "left"), "100");
    assert.equal(field(path, "creativity"), "0.5");
    assert.equal(field(path, "prompt"), "more sky");
    await assert.rejects(gw.generateImage(cfg("stable-image-outpaint"), { prompt: "x", imageList: [{ image: PNG_DATA_URL }] }), (e: unknown) => e instanceof ValidationError && e.field === "extraParams");
  });

  it("search-and-replace needs search_prompt", async () => {
    await gw.generateImage(cfg("stable-image-search-and-replace"), { prompt: "a cat", imageList: [{ image: PNG_DATA_URL }], extraParams: { search_prompt: "dog" } });
    assert.equal(field("/v2beta/stable-image/edit/search-and-replace", "search_prompt"), "dog");
    await assert.rejects(
      gw.generateImage(cfg("stable-image-search-and-replace"), { prompt: "a cat", imageList: [{ image: PNG_DATA_URL }] }),
      (e: unknown) => e instanceof ValidationError && e.field === "extraParams.search_prompt",
    );
  });

  it("erase, remove-background and fast upscale send no prompt (and say so)", async () => {
    for (const [model, path] of [
      ["stable-image-erase", "/v2beta/stable-image/edit/erase"],
      ["stable-image-remove-background", "/v2beta/stable-image/edit/remove-background"],
      ["stable-image-upscale-fast", "/v2beta/stable-image/upscale/fast"],
    ] as const) {
      const res = await gw.generateImage(cfg(model), { prompt: "unused", imageList: [{ image: PNG_DATA_URL }], outputFormat: "webp" });
      assert.equal(field(path, "prompt"), null);
      assert.equal(field(path, "output_format"), "webp");
      assert.ok(res.warnings.some((w) => /prompt is not used/.test(w)), model);
    }
  });

  it("conservative upscale is synchronous with prompt and creativity", async () => {
    const res = await gw.generateImage(cfg("stable-image-upscale-conservative"), { prompt: "sharper", imageList: [{ image: PNG_DATA_URL }], extraParams: { creativity: 0.2 } });
    assert.equal(field("/v2beta/stable-image/upscale/conservative", "creativity"), "0.2");
    assert.equal(res.cost?.amountUsd, 0.4);
  });

  for (const mode of ["binary", "json"] as const) {
    it(`creative upscale (${mode}): POST returns {id}, GET /v2beta/results/{id} polled through 202s to the image`, async () => {
      fake.pendingPolls = 2;
      const statuses: string[] = [];
      const res = await gw.generateImage(
        cfg("stable-image-upscale-creative", { providerConfig: { responseMode: mode } }),
        { prompt: "detailed", imageList: [{ image: PNG_DATA_URL }], seed: 5, extraParams: { creativity: 0.35 } },
        { onProgress: (u) => void statuses.push(`${u.status}:${u.message ?? u.progressPercent ?? ""}`) },
      );
      const id = res.providerRequestId!;
      assert.match(id, /^[0-9a-f]{64}$/);
      const polls = fake.calls("GET", `/v2beta/results/${id}`);
      assert.equal(polls.length, 3);
      assert.equal(polls[0]!.headers.accept, mode === "json" ? "application/json" : "image/*");
      assert.equal(polls[0]!.headers.authorization, `Bearer ${KEY}`);
      assert.equal(field("/v2beta/stable-image/upscale/creative", "creativity"), "0.35");
      assert.equal(res.images[0]!.mediaType, "image/png");
      assert.deepEqual(parseDataUrl(res.images[0]!.url, "url").data, new Uint8Array(ONE_PIXEL_PNG));
      assert.deepEqual(statuses, ["processing:submitted", "processing:in-progress", "completed:100"]);
    });
  }

  it("creative upscale: an abort during polling cancels at once", async () => {
    fake.pendingPolls = 1_000;
    const controller = new AbortController();
    const started = Date.now();
    const pending = gw.generateImage(cfg("stable-image-upscale-creative", { pollIntervalMs: 5_000 }), { prompt: "slow", imageList: [{ image: PNG_DATA_URL }] }, {
      signal: controller.signal,
      onProgress: (u) => {
        if (u.message === "in-progress") controller.abort();
      },
    });
    await assert.rejects(pending, CancelledError);
    assert.ok(Date.now() - started < 2_000);
    fake.pendingPolls = 2;
  });
});

describe("stability: errors", () => {
  it("CONTENT_FILTERED (binary header and JSON field) → ContentModerationError, not retried", async () => {
    for (const mode of ["binary", "json"] as const) {
      const before = countPosts();
      await assert.rejects(
        gw.generateImage(cfg("stable-image-core", { providerConfig: { responseMode: mode } }), { prompt: "something blurry" }),
        (e: unknown) => e instanceof ContentModerationError && e.code === "CONTENT_FILTERED",
      );
      assert.equal(countPosts() - before, 1);
    }
  });

  it("403 content_moderation → ContentModerationError", async () => {
    await assert.rejects(gw.generateImage(cfg("stable-image-core"), { prompt: "forbidden thing" }), (e: unknown) => e instanceof ContentModerationError && e.statusCode === 403 && e.code === "content_moderation");
  });

  it("wrong key → AuthenticationError (401) that never shows the key", async () => {
    const wrong = "wrong-key-abcdefghijkl";
    const lines: string[] = [];
    const loud = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "debug", logger: { debug: (f, m) => void lines.push(m + JSON.stringify(f)), info: (f, m) => void lines.push(m + JSON.stringify(f)), warn: (f, m) => void lines.push(m + JSON.stringify(f)), error: (f, m) => void lines.push(m + JSON.stringify(f)) } });
    const error = await loud.generateImage(cfg("stable-image-core", { apiKey: wrong }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.statusCode, 401);
    assert.equal(error.code, "unauthorized");
    const seen = JSON.stringify({ m: error.message, r: error.rawResponse, meta: error.executionMetadata }) + lines.join("\n");
    assert.ok(!seen.includes(wrong));
    assert.ok(lines.length > 0);
    // A successful call's rawResponse and logs do not carry the key either.
    const ok = await loud.generateImage(cfg("stable-image-core"), { prompt: "x" });
    assert.ok(!JSON.stringify(ok.rawResponse).includes(KEY));
    assert.ok(!lines.join("\n").includes(KEY));
  });

  it("no key at all → AuthenticationError naming STABILITY_API_KEY, before any call", async () => {
    const bare = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent", env: {} });
    await assert.rejects(bare.generateImage({ provider: "stability", model: "stable-image-core", baseUrl: fake.url }, { prompt: "x" }), (e: unknown) => e instanceof AuthenticationError && /STABILITY_API_KEY/.test(e.message));
  });

  it("a field Stability rejects (400) → ValidationError naming the request field", async () => {
    await assert.rejects(
      gw.generateImage(cfg("stable-image-core"), { prompt: "x", extraParams: { bogus_field: "1" } }),
      (e: unknown) => e instanceof ValidationError && e.field === "extraParams.bogus_field" && e.statusCode === 400,
    );
    // An unknown model id reaches Stability unchecked; its 400 names `model`.
    await assert.rejects(gw.generateImage(cfg("sd9-imaginary"), { prompt: "x" }), (e: unknown) => e instanceof ValidationError && e.field === "model");
  });

  it("the fake is strict: a JSON body where multipart is required is a 400 naming content-type", async () => {
    const res = await fetch(`${fake.url}/v2beta/stable-image/generate/core`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", accept: "image/*" },
      body: JSON.stringify({ prompt: "x" }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { name: string; errors: string[] };
    assert.equal(body.name, "bad_request");
    assert.match(body.errors[0]!, /^content-type: must be multipart\/form-data/);
  });

  it("402 → AuthenticationError about credits; 413 → ValidationError; 404 → HTTPError; none retried", async () => {
    const path = "/v2beta/stable-image/generate/core";
    fake.script("POST", path, { status: 402, json: { id: "e1", name: "payment_required", errors: ["You lack sufficient credits to make this request."] } });
    await assert.rejects(gw.generateImage(cfg("stable-image-core"), { prompt: "x" }), (e: unknown) => e instanceof AuthenticationError && e.statusCode === 402 && /out of credits/.test(e.message));
    fake.script("POST", path, { status: 413, json: { id: "e2", name: "payload_too_large", errors: ["body: payloads cannot be larger than 10MiB in size"] } });
    await assert.rejects(gw.generateImage(cfg("stable-image-core"), { prompt: "x" }), (e: unknown) => e instanceof ValidationError && e.statusCode === 413 && /10 MiB/.test(e.message));
    const before = countPosts();
    fake.script("POST", path, { status: 404, json: { id: "e3", name: "not_found", errors: ["resource not found"] } });
    await assert.rejects(gw.generateImage(cfg("stable-image-core"), { prompt: "x" }), (e: unknown) => e instanceof HTTPError && e.statusCode === 404);
    assert.equal(countPosts() - before, 1);
  });

  it("429 with Retry-After and 500 are retried, then succeed", async () => {
    const path = "/v2beta/stable-image/generate/core";
    fake.script(
      "POST",
      path,
      { status: 429, headers: { "retry-after": "0" }, json: { id: "r1", name: "rate_limit_exceeded", errors: ["You have exceeded the rate limit of 150 requests within a 10 second period"] } },
      { status: 500, json: { id: "r2", name: "internal_error", errors: ["An unexpected server error occurred"] } },
    );
    const res = await gw.generateImage(cfg("stable-image-core", { maxRetries: 2 }), { prompt: "x" });
    assert.equal(res.executionMetadata.totalAttempts, 3);
    assert.deepEqual(res.executionMetadata.attempts.map((a) => a.errorType ?? "ok"), ["RateLimitError", "HTTPError", "ok"]);
  });

  it("a per-attempt timeout is a TimeoutError, then falls back to another config", async () => {
    fake.script("POST", "/v2beta/stable-image/generate/core", { delayMs: 300, status: 500, json: {} });
    await assert.rejects(gw.generateImage(cfg("stable-image-core", { timeoutMs: 50, maxRetries: 0 }), { prompt: "x" }), TimeoutError);
    fake.script("POST", "/v2beta/stable-image/generate/core", { status: 503, json: { id: "x", name: "service_unavailable", errors: ["try later"] } });
    const res = await gw.generateImage(cfg("stable-image-core", { maxRetries: 0, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x" });
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
    assert.equal(res.executionMetadata.attempts[0]!.provider, "stability");
  });

  it("an unknown result id while polling → HTTPError 404 from results", async () => {
    fake.script("POST", "/v2beta/stable-image/upscale/creative", { json: { id: "f".repeat(64) } });
    await assert.rejects(
      gw.generateImage(cfg("stable-image-upscale-creative", { maxRetries: 0 }), { prompt: "x", imageList: [{ image: PNG_DATA_URL }] }),
      (e: unknown) => e instanceof HTTPError && e.statusCode === 404 && /not found/.test(e.message),
    );
  });

  it("a 200 JSON with neither image nor id → GenerationFailedError", async () => {
    fake.script("POST", "/v2beta/stable-image/generate/core", { json: { finish_reason: "SUCCESS" } });
    await assert.rejects(gw.generateImage(cfg("stable-image-core", { maxRetries: 0 }), { prompt: "x" }), GenerationFailedError);
  });
});
