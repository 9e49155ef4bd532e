import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
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
} from "../../src/index.js";
import type { ImageGenerationConfig, ProgressUpdate } from "../../src/index.js";
import { FAKE_TOKEN, type ReplicateFake, startReplicateFake } from "../fakes/replicate.js";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";

const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent" });
let fake: ReplicateFake;

const cfg = (model: string, extra: Partial<ImageGenerationConfig> = {}): ImageGenerationConfig => ({
  provider: "replicate",
  model,
  apiKey: FAKE_TOKEN,
  baseUrl: fake.baseUrl,
  pollIntervalMs: 1,
  ...extra,
});
const lastInput = () => (fake.creates().at(-1)!.json as { input: Record<string, unknown> }).input;

before(async () => {
  fake = await startReplicateFake();
});
after(() => fake.close());
beforeEach(() => {
  fake.server.requests.length = 0;
  fake.plan = () => [{ status: "succeeded", output: "default" }];
});

describe("replicate: request on the wire", () => {
  it("creates an official-model prediction with auth, Prefer: wait=60 and the mapped inputs", async () => {
    const res = await gw.generateImage(cfg("black-forest-labs/flux-schnell"), {
      prompt: "a red fox",
      aspectRatio: "16:9",
      n: 2,
      seed: 42,
      outputFormat: "jpeg",
    });
    const [req] = fake.creates();
    assert.equal(req!.path, "/v1/models/black-forest-labs/flux-schnell/predictions");
    assert.equal(req!.headers.authorization, `Bearer ${FAKE_TOKEN}`);
    assert.equal(req!.headers.prefer, "wait=60");
    assert.equal(req!.contentType, "application/json");
    assert.deepEqual(req!.json, { input: { prompt: "a red fox", aspect_ratio: "16:9", num_outputs: 2, seed: 42, output_format: "jpg" } });
    assert.equal(res.images.length, 2);
    assert.match(res.images[0]!.url, /^https:\/\/replicate\.delivery\/.+\/out-0\.jpg$/);
    assert.equal(res.images[0]!.mediaType, "image/jpeg");
    assert.deepEqual(res.cost, { amountUsd: 0.006, basis: "per_image", estimated: true });
    assert.equal(res.usage?.images, 2);
    assert.equal(res.providerRequestId, (res.rawResponse as { id: string }).id);
  });

  it("uses black-forest-labs/flux-schnell when only the provider is named", async () => {
    const res = await gw.generateImage({ provider: "replicate", apiKey: FAKE_TOKEN, baseUrl: fake.baseUrl }, { prompt: "a cat" });
    assert.equal(res.model, "black-forest-labs/flux-schnell");
    assert.equal(fake.creates()[0]!.path, "/v1/models/black-forest-labs/flux-schnell/predictions");
  });

  it("normalises a single-string output (flux-1.1-pro) and maps enhancePrompt, image_prompt and size", async () => {
    const res = await gw.generateImage(cfg("black-forest-labs/flux-1.1-pro"), {
      prompt: "a poster",
      size: "1920x1080",
      enhancePrompt: true,
      imageList: [{ image: "https://example.com/ref.png", type: "reference" }],
    });
    assert.deepEqual(lastInput(), { prompt: "a poster", aspect_ratio: "16:9", prompt_upsampling: true, image_prompt: "https://example.com/ref.png" });
    assert.equal(res.images.length, 1);
    assert.equal(res.images[0]!.mediaType, "image/webp");
    assert.ok(res.warnings.some((w) => w.includes("aspect ratio 16:9")), res.warnings.join("; "));
    assert.equal(res.cost?.amountUsd, 0.04);
  });

  const cases: { model: string; request: Record<string, unknown>; input: Record<string, unknown> }[] = [
    {
      model: "black-forest-labs/flux-dev",
      request: { prompt: "p", n: 3, aspectRatio: "9:16", imageList: [{ image: new Uint8Array(ONE_PIXEL_PNG), type: "reference" }], extraParams: { prompt_strength: 0.6, guidance: 3 } },
      input: { prompt: "p", num_outputs: 3, aspect_ratio: "9:16", image: `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`, prompt_strength: 0.6, guidance: 3 },
    },
    {
      model: "black-forest-labs/flux-1.1-pro-ultra",
      request: { prompt: "p", aspectRatio: "21:9", outputFormat: "png", seed: 7, imageList: [{ image: "https://example.com/a.jpg" }], raw: true },
      input: { prompt: "p", aspect_ratio: "21:9", output_format: "png", seed: 7, image_prompt: "https://example.com/a.jpg", raw: true },
    },
    {
      model: "black-forest-labs/flux-2-pro",
      request: {
        prompt: "p",
        resolution: "2K",
        aspectRatio: "3:2",
        imageList: [{ image: "https://example.com/1.png" }, { image: "https://example.com/2.png", type: "style" }],
        extraParams: { safety_tolerance: 3 },
      },
      input: { prompt: "p", resolution: "4 MP", aspect_ratio: "3:2", input_images: ["https://example.com/1.png", "https://example.com/2.png"], safety_tolerance: 3 },
    },
    {
      model: "stability-ai/stable-diffusion-3.5-large",
      request: { prompt: "p", negativePrompt: "blurry", seed: 1, aspectRatio: "3:2", imageList: [{ image: "https://example.com/i.png" }], extraParams: { cfg: 4.5, steps: 30 } },
      input: { prompt: "p", negative_prompt: "blurry", seed: 1, aspect_ratio: "3:2", image: "https://example.com/i.png", cfg: 4.5, steps: 30 },
    },
    {
      model: "ideogram-ai/ideogram-v3-turbo",
      request: {
        prompt: "p",
        style: "Realistic",
        enhancePrompt: false,
        aspectRatio: "10:16",
        imageList: [
          { image: "https://example.com/base.png", type: "reference" },
          { image: "https://example.com/s1.png", type: "style" },
          { image: "https://example.com/s2.png", type: "style" },
        ],
        maskImage: "https://example.com/mask.png",
      },
      input: {
        prompt: "p",
        style_type: "Realistic",
        magic_prompt_option: "Off",
        aspect_ratio: "10:16",
        image: "https://example.com/base.png",
        style_reference_images: ["https://example.com/s1.png", "https://example.com/s2.png"],
        mask: "https://example.com/mask.png",
      },
    },
    {
      model: "recraft-ai/recraft-v3",
      request: { prompt: "p", size: "1365x1024", style: "digital_illustration/pixel_art" },
      input: { prompt: "p", size: "1365x1024", style: "digital_illustration/pixel_art" },
    },
    {
      model: "recraft-ai/recraft-v3",
      request: { prompt: "p", aspectRatio: "1:1" },
      input: { prompt: "p", size: "1024x1024" },
    },
    {
      model: "google/imagen-4",
      request: { prompt: "p", aspectRatio: "9:16", outputFormat: "jpeg", extraParams: { safety_filter_level: "block_only_high" } },
      input: { prompt: "p", aspect_ratio: "9:16", output_format: "jpg", safety_filter_level: "block_only_high" },
    },
  ];
  for (const c of cases) {
    it(`maps ${c.model} inputs: ${Object.keys(c.input).filter((k) => k !== "prompt").join(", ")}`, async () => {
      const res = await gw.generateImage(cfg(c.model), c.request as { prompt: string });
      assert.equal(fake.creates().at(-1)!.path, `/v1/models/${c.model}/predictions`);
      assert.deepEqual(lastInput(), c.input);
      assert.ok(res.images.length >= 1);
    });
  }

  it("splits n over one-image models into parallel predictions and sums the cost", async () => {
    const res = await gw.generateImage(cfg("google/imagen-4"), { prompt: "p", n: 3 });
    assert.equal(fake.creates().length, 3);
    assert.equal(res.images.length, 3);
    assert.equal(res.cost?.amountUsd, 0.12);
    assert.ok(fake.creates().every((r) => !("num_outputs" in (r.json as { input: object }).input)));
  });

  it("maps an unknown model generically: prompt, aspect_ratio and extraParams, warning about the rest", async () => {
    const res = await gw.generateImage(cfg("acme/custom-model"), { prompt: "p", aspectRatio: "4:3", seed: 5, extraParams: { guidance_scale: 2 } });
    assert.deepEqual(lastInput(), { prompt: "p", aspect_ratio: "4:3", guidance_scale: 2 });
    assert.ok(res.warnings.some((w) => w.startsWith("seed is not mapped")), res.warnings.join("; "));
  });

  it("refuses input images an unknown model has no mapped field for, instead of ignoring them", async () => {
    await assert.rejects(
      gw.generateImage(cfg("acme/custom-model"), { prompt: "p", imageList: [{ image: "https://example.com/x.png" }] }),
      (e: unknown) => e instanceof ValidationError && e.field === "imageList.0.type",
    );
    assert.equal(fake.creates().length, 0);
  });

  it("sends owner/name:version to POST /predictions with the version, keeping the model's field names", async () => {
    const version = "5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637";
    const res = await gw.generateImage(cfg(`black-forest-labs/flux-schnell:${version}`), { prompt: "p", n: 2 });
    const req = fake.creates()[0]!;
    assert.equal(req.path, "/v1/predictions");
    assert.deepEqual(req.json, { version, input: { prompt: "p", num_outputs: 2 } });
    assert.equal(res.images.length, 2);
  });

  it("takes Prefer: wait from providerConfig, can turn it off, and rejects unknown providerConfig keys", async () => {
    await gw.generateImage(cfg("google/imagen-4", { providerConfig: { wait: 2 } }), { prompt: "p" });
    assert.equal(fake.creates()[0]!.headers.prefer, "wait=2");
    await gw.generateImage(cfg("google/imagen-4", { providerConfig: { wait: false } }), { prompt: "p" });
    assert.equal(fake.creates()[1]!.headers.prefer, undefined);
    await assert.rejects(
      gw.generateImage(cfg("google/imagen-4", { providerConfig: { wiat: 2 } }), { prompt: "p" }),
      (e: unknown) => e instanceof ValidationError && e.field === "providerConfig.wiat",
    );
  });

  it("runs on a deployment when providerConfig.deployment is set", async () => {
    fake.server.route("POST", "/v1/deployments/:owner/:name/predictions", (req) => ({
      status: 201,
      json: { id: "dep1", status: "succeeded", output: "https://replicate.delivery/dep1/out.png", urls: {}, input: (req.json as { input: unknown }).input },
    }));
    const res = await gw.generateImage(cfg("google/imagen-4", { providerConfig: { deployment: "acme/imagen" } }), { prompt: "p" });
    assert.equal(fake.server.calls("POST", "/v1/deployments/acme/imagen/predictions").length, 1);
    assert.equal(res.images[0]!.url, "https://replicate.delivery/dep1/out.png");
  });
});

describe("replicate: outputs, polling and progress", () => {
  it("reports starting → processing with logs and percentages → completed", async () => {
    fake.plan = () => [
      { status: "starting" },
      { status: "processing", logs: "Using seed: 1\n 50%|█████     | 2/4 [00:01<00:01,  1.9it/s]" },
      { status: "processing", logs: "Using seed: 1\n 50%|█████     | 2/4 [00:01<00:01,  1.9it/s]\n100%|██████████| 4/4 [00:02<00:00,  2.0it/s]" },
      { status: "succeeded", output: "default" },
    ];
    const updates: ProgressUpdate[] = [];
    const res = await gw.generateImage(cfg("black-forest-labs/flux-schnell"), { prompt: "p" }, { onProgress: (u) => void updates.push(u) });
    assert.equal(res.images.length, 1);
    assert.deepEqual(
      updates.map((u) => [u.status, u.progressPercent]),
      [
        ["queued", undefined],
        ["processing", 50],
        ["processing", 100],
        ["completed", 100],
      ],
    );
    assert.deepEqual(updates[1]!.logs, ["Using seed: 1", " 50%|█████     | 2/4 [00:01<00:01,  1.9it/s]"]);
    assert.deepEqual(updates[2]!.logs, ["100%|██████████| 4/4 [00:02<00:00,  2.0it/s]"]);
    assert.equal(fake.server.calls("GET", "/v1/predictions/:id").length, 3);
  });

  it("accepts {url} objects and data: URLs as outputs", async () => {
    const dataUrl = `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`;
    fake.plan = () => [{ status: "succeeded", output: [{ url: "https://replicate.delivery/a/out-0.png" }, dataUrl] }];
    const res = await gw.generateImage(cfg("black-forest-labs/flux-schnell"), { prompt: "p", n: 2 });
    assert.equal(res.images[0]!.url, "https://replicate.delivery/a/out-0.png");
    assert.equal(res.images[1]!.url, dataUrl);
    assert.equal(res.images[1]!.width, 1);
  });

  it("turns a succeeded prediction with a null output into GenerationFailedError, not a crash", async () => {
    fake.plan = () => [{ status: "starting" }, { status: "succeeded", output: null }];
    await assert.rejects(
      gw.generateImage(cfg("black-forest-labs/flux-schnell", { maxRetries: 0 }), { prompt: "p" }),
      (e: unknown) => e instanceof GenerationFailedError && /no output/.test(e.message) && !e.retryable,
    );
  });

  it("maps a failed NSFW prediction to ContentModerationError without retrying", async () => {
    fake.plan = () => [{ status: "processing" }, { status: "failed", error: "NSFW content detected. Try running it again, or try a different prompt." }];
    await assert.rejects(
      gw.generateImage(cfg("black-forest-labs/flux-schnell"), { prompt: "p" }),
      (e: unknown) => e instanceof ContentModerationError && /NSFW/.test(e.message),
    );
    assert.equal(fake.creates().length, 1);
  });

  it("retries a prediction that failed transiently and succeeds", async () => {
    let calls = 0;
    fake.plan = () => (++calls === 1 ? [{ status: "failed", error: "Prediction interrupted; please retry (code: PA)" }] : [{ status: "succeeded", output: "default" }]);
    const res = await gw.generateImage(cfg("google/imagen-4"), { prompt: "p" });
    assert.equal(res.executionMetadata.totalAttempts, 2);
    assert.equal(res.executionMetadata.attempts[0]!.errorType, "GenerationFailedError");
  });

  it("a failed prediction with another error is a non-retryable GenerationFailedError", async () => {
    fake.plan = () => [{ status: "failed", error: "Invalid image dimensions" }];
    await assert.rejects(
      gw.generateImage(cfg("google/imagen-4"), { prompt: "p" }),
      (e: unknown) => e instanceof GenerationFailedError && !e.retryable && /Invalid image dimensions/.test(e.message),
    );
    assert.equal(fake.creates().length, 1);
  });

  it("cancels the prediction on Replicate when the caller aborts", async () => {
    fake.plan = () => [{ status: "starting" }, { status: "processing", logs: "working" }];
    const controller = new AbortController();
    const pending = gw.generateImage(cfg("black-forest-labs/flux-schnell", { pollIntervalMs: 5 }), { prompt: "p" }, {
      signal: controller.signal,
      onProgress: (u) => {
        if (u.status === "processing") controller.abort();
      },
    });
    await assert.rejects(pending, (e: unknown) => e instanceof CancelledError);
    for (let i = 0; i < 50 && fake.server.calls("POST", "/v1/predictions/:id/cancel").length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const cancels = fake.server.calls("POST", "/v1/predictions/:id/cancel");
    assert.equal(cancels.length, 1);
    assert.equal(cancels[0]!.headers.authorization, `Bearer ${FAKE_TOKEN}`);
    assert.equal([...fake.predictions.values()].at(-1)!.canceled, true);
  });

  it("cancels the prediction when polling gives up (maxPollAttempts) or the attempt times out", async () => {
    fake.plan = () => [{ status: "starting" }, { status: "processing" }];
    await assert.rejects(
      gw.generateImage(cfg("black-forest-labs/flux-schnell", { maxPollAttempts: 3, maxRetries: 0 }), { prompt: "p" }),
      (e: unknown) => e instanceof TimeoutError,
    );
    assert.equal(fake.server.calls("POST", "/v1/predictions/:id/cancel").length, 1);
    await assert.rejects(
      gw.generateImage(cfg("black-forest-labs/flux-schnell", { timeoutMs: 150, pollIntervalMs: 10, maxRetries: 0 }), { prompt: "p" }),
      (e: unknown) => e instanceof TimeoutError,
    );
    for (let i = 0; i < 50 && fake.server.calls("POST", "/v1/predictions/:id/cancel").length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(fake.server.calls("POST", "/v1/predictions/:id/cancel").length, 2);
  });

  it("polls through baseUrl, not a urls.get on another host (the key stays with the API)", async () => {
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", {
      status: 201,
      json: { id: "x1", status: "starting", output: null, urls: { get: "https://elsewhere.example/v1/predictions/x1", cancel: "https://elsewhere.example/c" } },
    });
    fake.server.script("GET", "/v1/predictions/x1", { json: { id: "x1", status: "succeeded", output: "https://replicate.delivery/x1/o.png" } });
    const res = await gw.generateImage(cfg("google/imagen-4"), { prompt: "p" });
    assert.equal(res.images[0]!.url, "https://replicate.delivery/x1/o.png");
    assert.equal(fake.server.calls("GET", "/v1/predictions/x1").length, 1);
  });
});

describe("replicate: errors", () => {
  const rejectsWith = async (config: ImageGenerationConfig, request: Record<string, unknown>, check: (e: unknown) => boolean) =>
    assert.rejects(gw.generateImage(config, request as { prompt: string }), (e: unknown) => {
      assert.ok(check(e), `unexpected ${String(e)}: ${(e as Error).message}`);
      return true;
    });

  it("wrong token → AuthenticationError carrying Replicate's detail", async () => {
    await rejectsWith(cfg("google/imagen-4", { apiKey: "r8_wrongwrongwrong123" }), { prompt: "p" }, (e) =>
      e instanceof AuthenticationError && e.statusCode === 401 && /valid authentication token/.test(e.message) && !e.message.includes("r8_wrong"),
    );
  });

  it("no token at all → AuthenticationError naming REPLICATE_API_TOKEN, before any request", async () => {
    const bare = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent", env: {} });
    await assert.rejects(
      bare.generateImage({ provider: "replicate", model: "google/imagen-4", baseUrl: fake.baseUrl }, { prompt: "p" }),
      (e: unknown) => e instanceof AuthenticationError && /REPLICATE_API_TOKEN/.test(e.message),
    );
    assert.equal(fake.creates().length, 0);
  });

  it("403 → AuthenticationError", async () => {
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", {
      status: 403,
      json: { title: "Forbidden", detail: "You do not have permission to run this model", status: 403 },
    });
    await rejectsWith(cfg("google/imagen-4"), { prompt: "p" }, (e) => e instanceof AuthenticationError && e.statusCode === 403);
  });

  it("422 invalid_fields → ValidationError naming the request field (mapped, extraParams, unknown input)", async () => {
    const pinned = "black-forest-labs/flux-schnell:5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637";
    await rejectsWith(cfg(pinned), { prompt: "p", aspectRatio: "7:3" }, (e) =>
      e instanceof ValidationError && e.statusCode === 422 && e.field === "aspectRatio" && /must be one of/.test(e.message),
    );
    await rejectsWith(cfg("black-forest-labs/flux-schnell"), { prompt: "p", extraParams: { megapixels: "3" } }, (e) =>
      e instanceof ValidationError && e.field === "extraParams.megapixels",
    );
    await rejectsWith(cfg("black-forest-labs/flux-schnell"), { prompt: "p", extraParams: { guidance_scale: 3 } }, (e) =>
      e instanceof ValidationError && e.field === "extraParams.guidance_scale" && /not allowed/.test(e.message),
    );
  });

  it("unknown model (404) and unknown version (422) → ValidationError on model", async () => {
    await rejectsWith(cfg("acme/nope"), { prompt: "p" }, (e) => e instanceof ValidationError && e.statusCode === 404 && e.field === "model");
    await rejectsWith(cfg(`acme/custom-model:${"ab".repeat(32)}`), { prompt: "p" }, (e) =>
      e instanceof ValidationError && e.statusCode === 422 && e.field === "model" && /version/i.test(e.message),
    );
    await rejectsWith(cfg("not a model id"), { prompt: "p" }, (e) => e instanceof ValidationError && e.field === "model");
  });

  it("400 → ValidationError", async () => {
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", { status: 400, json: { title: "Bad request", detail: "Malformed input", status: 400 } });
    await rejectsWith(cfg("google/imagen-4"), { prompt: "p" }, (e) => e instanceof ValidationError && e.statusCode === 400 && /Malformed input/.test(e.message));
  });

  it("429 with Retry-After is retried, then succeeds", async () => {
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", {
      status: 429,
      headers: { "retry-after": "0" },
      json: { title: "Too Many Requests", detail: "Request was throttled. Expected available in 1 second.", status: 429 },
    });
    const res = await gw.generateImage(cfg("google/imagen-4"), { prompt: "p" });
    assert.equal(fake.creates().length, 2);
    assert.equal(res.executionMetadata.totalAttempts, 2);
    assert.equal(res.executionMetadata.attempts[0]!.errorType, "RateLimitError");
  });

  it("429 that persists → RateLimitError with the provider's wait", async () => {
    const throttled = { status: 429, headers: { "retry-after": "0" }, json: { detail: "Too many requests", status: 429 } };
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", throttled, throttled);
    await rejectsWith(cfg("google/imagen-4", { maxRetries: 1 }), { prompt: "p" }, (e) => e instanceof RateLimitError && e.retryAfterMs === 0);
  });

  it("429 without Retry-After takes the wait from Replicate's detail", async () => {
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", {
      status: 429,
      json: { title: "Too Many Requests", detail: "Request was throttled. Expected available in 4 seconds.", status: 429 },
    });
    await rejectsWith(cfg("google/imagen-4", { maxRetries: 0 }), { prompt: "p" }, (e) => e instanceof RateLimitError && e.retryAfterMs === 4000);
  });

  it("5xx is retried; a persistent 5xx is a retryable HTTPError", async () => {
    const boom = { status: 500, json: { detail: "Internal server error", status: 500 } };
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", boom);
    const ok = await gw.generateImage(cfg("google/imagen-4"), { prompt: "p" });
    assert.equal(ok.executionMetadata.totalAttempts, 2);
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", boom, { status: 503, json: { detail: "Service unavailable", status: 503 } });
    await rejectsWith(cfg("google/imagen-4", { maxRetries: 1 }), { prompt: "p" }, (e) => e instanceof HTTPError && e.retryable && e.statusCode === 503);
  });

  it("a 5xx while polling is retried as a new attempt after cancelling the old prediction", async () => {
    fake.plan = () => [{ status: "starting" }, { status: "succeeded", output: "default" }];
    fake.server.script("GET", "/v1/predictions/:id", { status: 502, json: { detail: "Bad gateway", status: 502 } });
    const res = await gw.generateImage(cfg("google/imagen-4"), { prompt: "p" });
    assert.equal(res.executionMetadata.totalAttempts, 2);
    assert.equal(fake.server.calls("POST", "/v1/predictions/:id/cancel").length, 1);
  });

  it("falls back from replicate to another provider (mock) when replicate keeps failing", async () => {
    const boom = { status: 503, json: { detail: "Service unavailable", status: 503 } };
    fake.server.script("POST", "/v1/models/:owner/:name/predictions", boom);
    const res = await gw.generateImage(
      { ...cfg("google/imagen-4", { maxRetries: 0 }), fallbacks: [{ provider: "mock", model: "mock-image" }] },
      { prompt: "p" },
    );
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
    assert.equal(res.executionMetadata.attempts[0]!.provider, "replicate");
    assert.equal(res.executionMetadata.attempts[0]!.statusCode, 503);
  });

  it("never leaks the key into errors, rawResponse or logs", async () => {
    const secret = "r8_SuperSecretToken0123456789";
    const lines: string[] = [];
    const sink = (fields: Record<string, unknown>, message: string) => void lines.push(`${message} ${JSON.stringify(fields)}`);
    const logged = createGateway({
      network: { allowPrivateNetwork: true },
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      logger: { debug: sink, info: sink, warn: sink, error: sink },
    });
    let caught: unknown;
    try {
      await logged.generateImage(cfg("google/imagen-4", { apiKey: secret, maxRetries: 0 }), { prompt: "p" });
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof AuthenticationError);
    const everything = [caught.message, JSON.stringify(caught.rawResponse), JSON.stringify(caught), ...lines].join("\n");
    assert.ok(lines.length > 0, "debug logs were captured");
    assert.ok(!everything.includes(secret), "secret leaked");
    assert.ok(!everything.includes("SuperSecret"), "secret fragment leaked");
  });
});

describe("replicate fake strictness", () => {
  it("answers a non-JSON body with 415 problem+json", async () => {
    const res = await fetch(`${fake.baseUrl}/models/google/imagen-4/predictions`, {
      method: "POST",
      headers: { authorization: `Bearer ${FAKE_TOKEN}`, "content-type": "text/plain" },
      body: "prompt=p",
    });
    assert.equal(res.status, 415);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    assert.match(((await res.json()) as { detail: string }).detail, /JSON/);
  });
});
