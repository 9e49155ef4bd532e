import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  TimeoutError,
  ValidationError,
  createGateway,
  type ImageGenerationConfig,
} from "../../src/index.js";
import { ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";
import { type BflFake, DEFAULT_PLAN, startBflFake } from "../fakes/bfl.js";

const KEY = "test-key-1234567890";
const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent" });
const PNG_B64 = ONE_PIXEL_PNG.toString("base64");

let fake: BflFake;
before(async () => {
  fake = await startBflFake(KEY);
});
after(() => fake.close());

const cfg = (model: string, extra: Partial<ImageGenerationConfig> = {}): ImageGenerationConfig => ({
  provider: "bfl",
  model,
  apiKey: KEY,
  baseUrl: fake.url,
  pollIntervalMs: 1,
  ...extra,
});
const lastSubmit = (model: string) => {
  const calls = fake.calls("POST", `/v1/${model}`);
  const req = calls[calls.length - 1];
  assert.ok(req, `no submit for ${model}`);
  return req;
};
const bodyOf = (model: string) => lastSubmit(model).json as Record<string, unknown>;
const submits = () => fake.requests.filter((r) => r.method === "POST").length;

describe("bfl: submit, poll, download", () => {
  it("flux-pro-1.1: JSON + x-key on submit and poll, every mapped field, sample downloaded without the key", async () => {
    const statuses: string[] = [];
    const res = await gw.generateImage(
      cfg("flux-pro-1.1", { providerConfig: { safetyTolerance: 4 } }),
      { prompt: "a lighthouse", size: "1024x768", seed: 99, enhancePrompt: true, outputFormat: "png" },
      { onProgress: (u) => void statuses.push(`${u.status}:${u.message ?? u.progressPercent ?? ""}`) },
    );
    const submit = lastSubmit("flux-pro-1.1");
    assert.equal(submit.headers["x-key"], KEY);
    assert.equal(submit.contentType, "application/json");
    assert.deepEqual(submit.json, { prompt: "a lighthouse", seed: 99, prompt_upsampling: true, output_format: "png", safety_tolerance: 4, width: 1024, height: 768 });
    const id = res.providerRequestId!;
    const polls = fake.requests.filter((r) => r.path === "/v1/get_result" && r.query.get("id") === id);
    assert.equal(polls.length, 3);
    assert.ok(polls.every((p) => p.headers["x-key"] === KEY));
    const delivery = fake.requests.find((r) => r.path === `/delivery/${id}/sample.png`);
    assert.ok(delivery);
    assert.equal(delivery.headers["x-key"], undefined);
    assert.match(res.images[0]!.url, /^data:image\/png;base64,/);
    assert.equal(res.images[0]!.mediaType, "image/png");
    assert.equal(res.revisedPrompt, "a lighthouse, cinematic lighting, highly detailed");
    assert.deepEqual(res.cost, { amountUsd: 0.04, basis: "per_image", estimated: true });
    assert.deepEqual(statuses, ["queued:submitted", "queued:Pending", "processing:50", "completed:100"]);
    assert.ok(!JSON.stringify(res.rawResponse).includes("abc123signature"), "the delivery URL signature is redacted");
  });

  it("is the provider's default model and what flux-* ids resolve to", async () => {
    const a = await gw.generateImage({ provider: "bfl", apiKey: KEY, baseUrl: fake.url, pollIntervalMs: 1 }, { prompt: "x" });
    assert.equal(a.model, "flux-pro-1.1");
    assert.equal(gw.resolveModel("flux-kontext-pro").provider, "bfl");
  });

  it("rounds width/height to the multiple of 32 (core, with a warning) and refuses out-of-range sizes in strict mode", async () => {
    const res = await gw.generateImage(cfg("flux-dev"), { prompt: "x", size: "1000x700" });
    assert.equal(bodyOf("flux-dev").width, 992);
    assert.equal(bodyOf("flux-dev").height, 704);
    assert.ok(res.warnings.some((w) => /1000x700 was adjusted to 992x704/.test(w) && /multiples of 32/.test(w)));
    const before = submits();
    await assert.rejects(gw.generateImage(cfg("flux-pro-1.1"), { prompt: "x", size: "2048x2048" }), (e: unknown) => e instanceof ValidationError && e.field === "size");
    assert.equal(submits(), before);
    await gw.generateImage(cfg("flux-pro-1.1", { validation: "coerce" }), { prompt: "x", size: "2048x1024" });
    assert.deepEqual([bodyOf("flux-pro-1.1").width, bodyOf("flux-pro-1.1").height], [1440, 736]);
  });

  it("an aspect ratio on a width/height model becomes ~1 MP on the grid (with a warning)", async () => {
    const res = await gw.generateImage(cfg("flux-pro-1.1"), { prompt: "wide", aspectRatio: "16:9" });
    const { width, height } = bodyOf("flux-pro-1.1") as { width: number; height: number };
    assert.equal(width % 32, 0);
    assert.equal(height % 32, 0);
    assert.ok(Math.abs(width / height - 16 / 9) < 0.05);
    assert.equal(bodyOf("flux-pro-1.1").aspect_ratio, undefined);
    assert.ok(res.warnings.some((w) => w.includes(`aspectRatio 16:9 was sent as ${width}x${height}`)));
  });

  it("ultra: aspect_ratio, raw from style, image_prompt as base64, extraParams verbatim", async () => {
    await gw.generateImage(cfg("flux-pro-1.1-ultra"), {
      prompt: "portrait",
      aspectRatio: "9:16",
      style: "raw",
      outputFormat: "webp",
      imageList: [{ image: ONE_PIXEL_PNG }],
      extraParams: { image_prompt_strength: 0.3 },
    });
    assert.deepEqual(bodyOf("flux-pro-1.1-ultra"), { prompt: "portrait", output_format: "webp", aspect_ratio: "9:16", raw: true, image_prompt: PNG_B64, image_prompt_strength: 0.3 });
    // A pixel size is turned into the nearest ratio by the core.
    await gw.generateImage(cfg("flux-pro-1.1-ultra"), { prompt: "x", size: "2048x1536" });
    assert.equal(bodyOf("flux-pro-1.1-ultra").aspect_ratio, "4:3");
  });

  it("kontext: input_image keeps URLs, base64s bytes, numbers further images; aspect_ratio", async () => {
    await gw.generateImage(cfg("flux-kontext-pro"), {
      prompt: "make it night",
      aspectRatio: "1:1",
      imageList: [{ image: "https://example.com/in.png" }, { image: `data:image/png;base64,${PNG_B64}` }],
    });
    assert.deepEqual(bodyOf("flux-kontext-pro"), { prompt: "make it night", aspect_ratio: "1:1", input_image: "https://example.com/in.png", input_image_2: PNG_B64 });
  });

  it("flux-2-pro: up to 8 input_image_N, sides on a 16 px grid, cost from BFL's reported credits", async () => {
    const res = await gw.generateImage(cfg("flux-2-pro"), {
      prompt: "collage",
      size: "1040x1040",
      imageList: [{ image: ONE_PIXEL_PNG }, { image: ONE_PIXEL_PNG }, { image: ONE_PIXEL_PNG }],
    });
    const body = bodyOf("flux-2-pro");
    assert.equal(body.width, 1040);
    assert.equal(body.input_image, PNG_B64);
    assert.equal(body.input_image_3, PNG_B64);
    assert.equal(body.input_image_4, undefined);
    assert.deepEqual(res.cost, { amountUsd: 0.0324, basis: "provider", estimated: false });
  });

  it("fill: image + mask as base64; flux-dev: steps/guidance through extraParams", async () => {
    await gw.generateImage(cfg("flux-pro-1.0-fill"), { prompt: "a hat", imageList: [{ image: ONE_PIXEL_PNG }], maskImage: ONE_PIXEL_PNG });
    assert.deepEqual(bodyOf("flux-pro-1.0-fill"), { prompt: "a hat", image: PNG_B64, mask: PNG_B64 });
    await gw.generateImage(cfg("flux-dev"), { prompt: "x", extraParams: { steps: 28, guidance: 3 } });
    assert.equal(bodyOf("flux-dev").steps, 28);
    assert.equal(bodyOf("flux-dev").guidance, 3);
  });

  it("a newer model id goes to POST /v1/{model} generically, with a warning; its sides go on the 32 px grid", async () => {
    const res = await gw.generateImage(cfg("flux-2-turbo"), { prompt: "x", size: "512x512", seed: 1 });
    assert.deepEqual(bodyOf("flux-2-turbo"), { prompt: "x", seed: 1, width: 512, height: 512 });
    assert.ok(res.warnings.some((w) => /not in the bfl catalog/.test(w)));
    assert.equal(res.warnings.some((w) => /multiples of 32/.test(w)), false);
    assert.equal(res.cost?.basis, "provider");
    const odd = await gw.generateImage(cfg("flux-2-turbo"), { prompt: "x", size: "1000x700" });
    assert.deepEqual([bodyOf("flux-2-turbo").width, bodyOf("flux-2-turbo").height], [992, 704]);
    assert.ok(odd.warnings.some((w) => /size 1000x700 was sent as 992x704/.test(w) && /multiples of 32/.test(w)));
  });

  it("a base URL already ending in /v1 is not doubled", async () => {
    await gw.generateImage(cfg("flux-dev", { baseUrl: `${fake.url}/v1` }), { prompt: "v1 base" });
    assert.equal(bodyOf("flux-dev").prompt, "v1 base");
  });

  it("polls a polling_url on another host without sending it the key", async () => {
    const region = await startFakeServer();
    try {
      region.route("GET", "/v1/get_result", (req) => ({
        json: { id: req.query.get("id"), status: "Ready", result: { sample: `${fake.url}/delivery/${req.query.get("id")}/sample.jpeg`, prompt: "x" }, progress: null, details: null },
      }));
      fake.script("POST", "/v1/flux-dev", { json: { id: "regional-1", polling_url: `${region.url}/v1/get_result?id=regional-1` } });
      fake.tasks.set("regional-1", { model: "flux-dev", body: { prompt: "x" }, steps: DEFAULT_PLAN, polls: 0 });
      const res = await gw.generateImage(cfg("flux-dev"), { prompt: "x" });
      assert.equal(res.providerRequestId, "regional-1");
      assert.equal(region.requests.length, 1);
      assert.equal(region.requests[0]!.headers["x-key"], undefined);
    } finally {
      await region.close();
    }
  });
});

describe("bfl: statuses", () => {
  it("Request Moderated → ContentModerationError with the reason, not retried", async () => {
    const before = submits();
    const error = await gw.generateImage(cfg("flux-pro-1.1"), { prompt: "moderate-request please" }).catch((e: unknown) => e);
    assert.ok(error instanceof ContentModerationError);
    assert.equal(error.code, "request_moderated");
    assert.match(error.message, /Derivative Works Filter/);
    assert.equal(submits() - before, 1);
  });

  it("Content Moderated → ContentModerationError", async () => {
    await assert.rejects(gw.generateImage(cfg("flux-pro-1.1"), { prompt: "moderate-content" }), (e: unknown) => e instanceof ContentModerationError && e.code === "content_moderated");
  });

  it("Error → transient GenerationFailedError: retried with a new task, then falls back", async () => {
    const before = submits();
    const res = await gw.generateImage(cfg("flux-pro-1.1", { maxRetries: 1, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "explode" });
    assert.equal(submits() - before, 2);
    assert.equal(res.provider, "mock");
    assert.deepEqual(res.executionMetadata.attempts.map((a) => a.errorType ?? "ok"), ["GenerationFailedError", "GenerationFailedError", "ok"]);
  });

  it("Task not found → GenerationFailedError, not retried", async () => {
    fake.script("POST", "/v1/flux-dev", { json: { id: "gone", polling_url: `${fake.url}/v1/get_result?id=gone` } });
    const before = submits();
    const error = await gw.generateImage(cfg("flux-dev", { maxRetries: 2 }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(error instanceof GenerationFailedError);
    assert.equal(error.code, "task_not_found");
    assert.equal(error.retryable, false);
    assert.equal(submits() - before, 1);
  });

  it("an unlisted status keeps polling; progress as a percentage is reported as is", async () => {
    fake.plan = () => [{ status: "Queued" }, { status: "Pending", progress: 40 }, { status: "Ready" }];
    const statuses: string[] = [];
    try {
      await gw.generateImage(cfg("flux-dev"), { prompt: "x" }, { onProgress: (u) => void statuses.push(`${u.status}:${u.message ?? u.progressPercent ?? ""}`) });
    } finally {
      fake.plan = () => DEFAULT_PLAN;
    }
    assert.deepEqual(statuses, ["queued:submitted", "processing:Queued", "processing:40", "completed:100"]);
  });

  it("abort wakes the poll sleep at once (no waiting out the interval)", async () => {
    fake.plan = () => [{ status: "Pending", progress: 0.1 }];
    const controller = new AbortController();
    const started = Date.now();
    try {
      await assert.rejects(
        gw.generateImage(cfg("flux-dev", { pollIntervalMs: 30_000 }), { prompt: "x" }, {
          signal: controller.signal,
          onProgress: (u) => {
            if (u.status === "processing") setTimeout(() => controller.abort(), 5);
          },
        }),
        CancelledError,
      );
    } finally {
      fake.plan = () => DEFAULT_PLAN;
    }
    assert.ok(Date.now() - started < 1_000);
  });

  it("a task that never finishes hits the attempt timeout (TimeoutError)", async () => {
    fake.plan = () => [{ status: "Pending", progress: null }];
    try {
      await assert.rejects(gw.generateImage(cfg("flux-dev", { timeoutMs: 80, maxRetries: 0, pollIntervalMs: 10 }), { prompt: "x" }), TimeoutError);
    } finally {
      fake.plan = () => DEFAULT_PLAN;
    }
  });
});

describe("bfl: errors", () => {
  it("wrong key → AuthenticationError (403) that never shows the key, in errors or logs", async () => {
    const wrong = "wrong-key-abcdefghijkl";
    const lines: string[] = [];
    const sink = (f: Record<string, unknown>, m: string) => void lines.push(m + JSON.stringify(f));
    const loud = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "debug", logger: { debug: sink, info: sink, warn: sink, error: sink } });
    const error = await loud.generateImage(cfg("flux-pro-1.1", { apiKey: wrong }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.statusCode, 403);
    assert.match(error.message, /Not authenticated/);
    const ok = await loud.generateImage(cfg("flux-pro-1.1"), { prompt: "x" });
    const seen = JSON.stringify({ m: error.message, r: error.rawResponse, ok: ok.rawResponse }) + lines.join("\n");
    assert.ok(lines.length > 0);
    assert.ok(!seen.includes(wrong));
    assert.ok(!seen.includes(KEY));
  });

  it("no key → AuthenticationError naming BFL_API_KEY", async () => {
    const bare = createGateway({ logLevel: "silent", env: {} });
    await assert.rejects(bare.generateImage({ provider: "bfl", model: "flux-dev", baseUrl: fake.url }, { prompt: "x" }), (e: unknown) => e instanceof AuthenticationError && /BFL_API_KEY/.test(e.message));
  });

  it("422 detail list → ValidationError naming the field", async () => {
    await assert.rejects(
      gw.generateImage(cfg("flux-dev"), { prompt: "x", extraParams: { cfg: 7 } }),
      (e: unknown) => e instanceof ValidationError && e.field === "extraParams.cfg" && /Extra inputs are not permitted/.test(e.message),
    );
    await assert.rejects(
      gw.generateImage(cfg("flux-dev"), { prompt: "x", extraParams: { safety_tolerance: 9 } }),
      (e: unknown) => e instanceof ValidationError && e.field === "extraParams.safety_tolerance",
    );
    await assert.rejects(
      gw.generateImage(cfg("flux-dev", { providerConfig: { safetyTolerance: 9 } }), { prompt: "x" }),
      (e: unknown) => e instanceof ValidationError && e.field === "providerConfig.safetyTolerance",
    );
  });

  it("the fake is strict: a form body is a 422, a bearer header instead of x-key is a 403", async () => {
    const form = await fetch(`${fake.url}/v1/flux-dev`, { method: "POST", headers: { "x-key": KEY }, body: new URLSearchParams({ prompt: "x" }) });
    assert.equal(form.status, 422);
    const bearer = await fetch(`${fake.url}/v1/flux-dev`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ prompt: "x" }) });
    assert.equal(bearer.status, 403);
  });

  it("402 → AuthenticationError about credits, not retried", async () => {
    fake.script("POST", "/v1/flux-dev", { status: 402, json: { detail: "Insufficient credits" } });
    const before = submits();
    await assert.rejects(gw.generateImage(cfg("flux-dev"), { prompt: "x" }), (e: unknown) => e instanceof AuthenticationError && e.statusCode === 402 && /out of credits/.test(e.message));
    assert.equal(submits() - before, 1);
  });

  it("429 with Retry-After and 503 are retried, then succeed", async () => {
    fake.script("POST", "/v1/flux-dev", { status: 429, headers: { "retry-after": "0" }, json: { detail: "Too many active tasks" } }, { status: 503, json: { detail: "Service Unavailable" } });
    const res = await gw.generateImage(cfg("flux-dev", { maxRetries: 2 }), { prompt: "x" });
    assert.deepEqual(res.executionMetadata.attempts.map((a) => a.errorType ?? "ok"), ["RateLimitError", "HTTPError", "ok"]);
  });

  it("a 5xx while polling fails the attempt and falls back to another provider", async () => {
    fake.script("GET", "/v1/get_result", { status: 500, json: { detail: "Internal Server Error" } });
    const res = await gw.generateImage(cfg("flux-dev", { maxRetries: 0, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x" });
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.attempts[0]!.statusCode, 500);
  });
});
