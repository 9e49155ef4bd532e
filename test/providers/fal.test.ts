import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  RateLimitError,
  type Logger,
  type ProgressUpdate,
  TimeoutError,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import { withJumpingClock } from "../helpers/clock.js";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";
import { DEFAULT_STEPS, FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";

const lines: string[] = [];
const sink = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push(`${level} ${msg} ${JSON.stringify(fields)}`);
const logger: Logger = { debug: sink("debug"), info: sink("info"), warn: sink("warn"), error: sink("error") };
const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logger, logLevel: "debug" });

type Body = Record<string, unknown>;

/** The cancel call runs after the caller's promise has already rejected; give it a moment to land. */
async function eventually(check: () => boolean, ms = 1_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return check();
}

describe("fal image adapter (queue API)", () => {
  let fake: FalFake;
  let cfg: { provider: string; model: string; apiKey: string; baseUrl: string; pollIntervalMs: number };
  const submits = (model: string) => fake.server.calls("POST", `/${model}`);
  const lastInput = () => [...fake.jobs.values()].at(-1)!.input;

  before(async () => {
    fake = await startFalFake();
    cfg = { provider: "fal", model: "fal-ai/flux/dev", apiKey: FAL_KEY, baseUrl: fake.url, pollIntervalMs: 1 };
  });
  after(() => fake.close());
  afterEach(() => {
    fake.server.requests.splice(0);
    fake.steps = DEFAULT_STEPS;
    fake.omitUrls = false;
  });

  it("submits to the full model id, waits on the status stream and reads the result at the app root", async () => {
    const res = await gw.generateImage(cfg, { prompt: "a lighthouse", aspectRatio: "16:9", n: 2, seed: 7, outputFormat: "png" });
    const [submit] = submits("fal-ai/flux/dev");
    assert.ok(submit);
    assert.equal(submit.headers.authorization, `Key ${FAL_KEY}`);
    assert.equal(submit.headers["x-fal-queue-priority"], "normal");
    assert.equal(submit.contentType, "application/json");
    assert.deepEqual(submit.json, { prompt: "a lighthouse", image_size: "landscape_16_9", num_images: 2, seed: 7, output_format: "png" });
    const id = res.providerRequestId!;
    const streams = fake.server.calls("GET", `/fal-ai/flux/requests/${id}/status/stream`);
    assert.equal(streams.length, 1);
    assert.equal(streams[0]!.query.get("logs"), "1");
    assert.equal(streams[0]!.headers.authorization, `Key ${FAL_KEY}`);
    // The stream said COMPLETED: no status was polled, the result was read once.
    assert.equal(fake.server.calls("GET", `/fal-ai/flux/requests/${id}/status`).length, 0);
    assert.equal(fake.server.calls("GET", `/fal-ai/flux/requests/${id}`).length, 1);
    assert.equal(res.images.length, 2);
    assert.equal(res.images[0]!.url, `${fake.url}/files/${id}-0.png`);
    assert.equal(res.images[0]!.mediaType, "image/png");
    assert.equal(res.images[0]!.width, 1024);
    assert.equal(res.images[0]!.height, 576);
    assert.deepEqual(res.usage, { images: 2 });
    assert.equal(res.cost?.basis, "per_megapixel");
    assert.equal(res.cost?.estimated, true);
  });

  it("reports queued (with position) → processing (with logs) → completed", async () => {
    const seen: ProgressUpdate[] = [];
    await gw.generateImage(cfg, { prompt: "progress" }, { onProgress: (u) => void seen.push(u) });
    const steps = seen.map((u) => [u.status, u.queuePosition, u.logs?.join("|")]);
    assert.deepEqual(steps, [
      ["queued", 2, undefined],
      ["queued", 1, undefined],
      ["processing", undefined, "Loading model"],
      ["processing", undefined, "Loading model|Generating: step 4/4"],
      ["completed", undefined, undefined],
    ]);
    assert.equal(seen[3]!.message, "Generating: step 4/4");
  });

  it("maps size and aspect ratio to image_size presets or {width,height}", async () => {
    const sizes: unknown[] = [];
    for (const req of [{ size: "1024x768" }, { size: "1200x800" }, { aspectRatio: "1:1" }, { aspectRatio: "9:16" }, { aspectRatio: "21:9" }]) {
      await gw.generateImage(cfg, { prompt: "sizes", ...req });
      sizes.push(lastInput().image_size);
    }
    assert.deepEqual(sizes.slice(0, 4), ["landscape_4_3", { width: 1200, height: 800 }, "square_hd", "portrait_16_9"]);
    const wide = sizes[4] as { width: number; height: number };
    assert.ok(Math.abs(wide.width / wide.height - 21 / 9) < 0.05, JSON.stringify(wide));
    assert.equal(wide.width % 16, 0);
  });

  it("passes extraParams verbatim and lets them override mapped fields", async () => {
    await gw.generateImage(cfg, { prompt: "x", size: "512x512", extraParams: { num_inference_steps: 12, acceleration: "high" } });
    assert.deepEqual(lastInput(), { prompt: "x", image_size: "square", num_inference_steps: 12, acceleration: "high" });
  });

  it("ultra: size becomes aspect_ratio with a warning; image prompt, enhance and safety settings mapped", async () => {
    const res = await gw.generateImage(
      { ...cfg, model: "fal-ai/flux-pro/v1.1-ultra", providerConfig: { safetyTolerance: 5, enableSafetyChecker: false } },
      { prompt: "ultra", size: "1920x1080", enhancePrompt: true, imageList: [{ image: new Uint8Array(ONE_PIXEL_PNG) }] },
    );
    const input = submits("fal-ai/flux-pro/v1.1-ultra")[0]!.json as Body;
    assert.equal(input.aspect_ratio, "16:9");
    assert.equal(input.image_size, undefined);
    assert.equal(input.enhance_prompt, true);
    assert.equal(input.safety_tolerance, "5");
    assert.equal(input.enable_safety_checker, false);
    assert.match(input.image_url as string, /^data:image\/png;base64,/);
    assert.ok(res.warnings.some((w) => /size 1920x1080 was sent as aspect ratio 16:9/.test(w)));
    assert.equal(fake.server.calls("GET", `/fal-ai/flux-pro/requests/${res.providerRequestId}/status/stream`).length, 1);
    assert.deepEqual(res.cost, { amountUsd: 0.06, basis: "per_image", estimated: true });
  });

  it("nano-banana edit: image_urls (URLs untouched) and aspect_ratio; description becomes text", async () => {
    const res = await gw.generateImage(
      { ...cfg, model: "fal-ai/nano-banana/edit" },
      { prompt: "combine", aspectRatio: "4:5", imageList: [{ image: "https://example.com/a.png" }, { image: "https://example.com/b.png" }] },
    );
    assert.deepEqual(submits("fal-ai/nano-banana/edit")[0]!.json, {
      prompt: "combine",
      aspect_ratio: "4:5",
      image_urls: ["https://example.com/a.png", "https://example.com/b.png"],
    });
    assert.equal(res.text, "Here is your image.");
    await assert.rejects(gw.generateImage({ ...cfg, model: "fal-ai/nano-banana/edit" }, { prompt: "no input" }), (e: unknown) => {
      return e instanceof ValidationError && e.field === "imageList";
    });
  });

  it("ideogram: quality → rendering_speed, style, negative prompt, expand_prompt; revised prompt and cost by tier", async () => {
    const res = await gw.generateImage(
      { ...cfg, model: "fal-ai/ideogram/v3" },
      { prompt: "a poster", quality: "turbo", style: "design", negativePrompt: "blur", enhancePrompt: true, n: 3, imageList: [{ image: "https://example.com/s.png", type: "style" }] },
    );
    assert.deepEqual(lastInput(), {
      prompt: "a poster",
      num_images: 3,
      negative_prompt: "blur",
      expand_prompt: true,
      rendering_speed: "TURBO",
      style: "DESIGN",
      image_urls: ["https://example.com/s.png"],
    });
    assert.equal(res.revisedPrompt, "a poster, with dramatic lighting and rich detail");
    assert.deepEqual(res.cost, { amountUsd: 0.09, basis: "per_image", estimated: true });
  });

  it("flux-2-pro (alias fal-ai/flux-2/pro) has no num_images: n=2 runs two queued requests", async () => {
    const res = await gw.generateImage({ ...cfg, model: "fal-ai/flux-2/pro" }, { prompt: "two", n: 2, size: "1024x1024" });
    const calls = submits("fal-ai/flux-2-pro");
    assert.equal(calls.length, 2);
    assert.ok(calls.every((c) => !("num_images" in (c.json as Body)) && (c.json as Body).image_size === "square_hd"));
    assert.equal(res.images.length, 2);
    assert.equal(res.model, "fal-ai/flux-2-pro");
  });

  it("recraft alias resolves to fal-ai/recraft/v3/text-to-image and polls /fal-ai/recraft", async () => {
    const res = await gw.generateImage({ ...cfg, model: "fal-ai/recraft-v3" }, { prompt: "logo", style: "vector_illustration/line_art" });
    assert.equal(submits("fal-ai/recraft/v3/text-to-image").length, 1);
    assert.equal((lastInput() as Body).style, "vector_illustration/line_art");
    assert.ok(fake.server.calls("GET", `/fal-ai/recraft/requests/${res.providerRequestId}`).length === 1);
  });

  it("z-image turbo takes webp and the safety checker switch", async () => {
    await gw.generateImage({ ...cfg, model: "fal-ai/z-image/turbo", providerConfig: { enableSafetyChecker: false } }, { prompt: "z", outputFormat: "webp" });
    assert.deepEqual(lastInput(), { prompt: "z", output_format: "webp", enable_safety_checker: false });
  });

  it("an unknown fal model works generically with the core's warning", async () => {
    const res = await gw.generateImage(
      { ...cfg, model: "fal-ai/brand-new-model" },
      { prompt: "new", aspectRatio: "4:3", n: 2, seed: 3, custom_knob: 0.7 },
    );
    assert.deepEqual(lastInput(), { prompt: "new", image_size: "landscape_4_3", num_images: 2, seed: 3, custom_knob: 0.7 });
    assert.ok(res.warnings.some((w) => /not in the fal catalog/.test(w)));
  });

  it("providerConfig: queue priority header, webhook query and sync_mode (data URIs back)", async () => {
    const res = await gw.generateImage(
      { ...cfg, providerConfig: { queuePriority: "low", webhookUrl: "https://example.com/hook", syncMode: true } },
      { prompt: "sync" },
    );
    const [submit] = submits("fal-ai/flux/dev");
    assert.equal(submit!.headers["x-fal-queue-priority"], "low");
    assert.equal(submit!.query.get("fal_webhook"), "https://example.com/hook");
    assert.equal((submit!.json as Body).sync_mode, true);
    assert.match(res.images[0]!.url, /^data:image\/jpeg;base64,/);
    await assert.rejects(gw.generateImage({ ...cfg, providerConfig: { queuePriority: "urgent" } }, { prompt: "x" }), (e: unknown) => {
      return e instanceof ValidationError && e.field === "providerConfig.queuePriority";
    });
  });

  it("builds status/result URLs from the app root when submit returns none", async () => {
    fake.omitUrls = true;
    const res = await gw.generateImage({ ...cfg, model: "fal-ai/flux/schnell" }, { prompt: "no urls" });
    assert.equal(fake.server.calls("GET", `/fal-ai/flux/requests/${res.providerRequestId}/status/stream`).length, 1);
  });

  it("polls status with logs when the status stream is not served (a proxy without SSE), with the same progress", async () => {
    fake.stream = false;
    try {
      const seen: string[] = [];
      const res = await gw.generateImage({ ...cfg, pollIntervalMs: 5 }, { prompt: "polled" }, { onProgress: (u) => void seen.push(`${u.status}:${u.queuePosition ?? u.message ?? ""}`) });
      const statuses = fake.server.calls("GET", `/fal-ai/flux/requests/${res.providerRequestId}/status`);
      assert.equal(statuses.length, DEFAULT_STEPS.length);
      assert.ok(statuses.every((r) => r.query.get("logs") === "1" && r.headers.authorization === `Key ${FAL_KEY}`));
      assert.deepEqual(seen, ["queued:2", "queued:1", "processing:Loading model", "processing:Generating: step 4/4", "completed:"]);
    } finally {
      fake.stream = true;
    }
  });

  it("the result arrives when fal finishes, not a poll interval later", async () => {
    fake.completeAfterMs = () => 300;
    try {
      const started = Date.now();
      // A 20 s poll interval: polling could not have answered before it.
      const res = await gw.generateImage({ ...cfg, pollIntervalMs: 20_000 }, { prompt: "prompt result" });
      assert.equal(res.images.length, 1);
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
      assert.equal(fake.server.calls("GET", `/fal-ai/flux/requests/${res.providerRequestId}/status`).length, 0);
    } finally {
      fake.completeAfterMs = undefined;
    }
  });

  it("falls back to polling when the stream drops, without submitting twice", async () => {
    fake.server.script("GET", "/fal-ai/flux/requests/:id/status/stream", { destroy: true });
    const res = await gw.generateImage({ ...cfg, pollIntervalMs: 5 }, { prompt: "dropped stream" });
    assert.equal(submits("fal-ai/flux/dev").filter((r) => (r.json as Body).prompt === "dropped stream").length, 1);
    assert.ok(fake.server.calls("GET", `/fal-ai/flux/requests/${res.providerRequestId}/status`).length >= 1);
    assert.equal(res.images.length, 1);
  });

  it("cancels the fal request when the caller aborts", async () => {
    fake.steps = "hang";
    const controller = new AbortController();
    const seen: string[] = [];
    const run = gw.generateImage(cfg, { prompt: "forever" }, {
      signal: controller.signal,
      onProgress: (u) => {
        seen.push(u.status);
        if (u.status === "processing") controller.abort();
      },
    });
    await assert.rejects(run, CancelledError);
    const job = [...fake.jobs.values()].at(-1)!;
    assert.equal(await eventually(() => job.cancelled), true);
    const [cancel] = fake.server.calls("PUT", `/fal-ai/flux/requests/${job.id}/cancel`);
    assert.equal(cancel!.headers.authorization, `Key ${FAL_KEY}`);
    assert.deepEqual(seen.slice(0, 2), ["queued", "processing"]);
  });

  it("cancels on timeoutMs too, and maxPollAttempts bounds polling", async () => {
    fake.steps = "hang";
    await assert.rejects(gw.generateImage({ ...cfg, pollIntervalMs: 5, timeoutMs: 400, maxRetries: 0 }, { prompt: "slow" }), TimeoutError);
    const job = [...fake.jobs.values()].at(-1)!;
    assert.equal(await eventually(() => job.cancelled), true);
    await assert.rejects(gw.generateImage({ ...cfg, maxPollAttempts: 3, maxRetries: 0 }, { prompt: "slow" }), (e: unknown) => {
      return e instanceof TimeoutError && /3 status checks/.test(e.message);
    });
    const bounded = [...fake.jobs.values()].at(-1)!;
    assert.equal(bounded.checks, 3);
    assert.equal(await eventually(() => bounded.cancelled), true);
  });

  it("with neither timeoutMs nor maxPollAttempts, a job that never completes is polled for an hour at most", async () => {
    fake.steps = "hang";
    // The clock jumps past the hour once the job is running, instead of the test waiting an hour.
    const err = await withJumpingClock((jump) =>
      gw
        .generateImage({ ...cfg, maxRetries: 0 }, { prompt: "forever" }, {
          // Only a safety net: without the limit this would be a CancelledError, not a hang.
          signal: AbortSignal.timeout(30_000),
          onProgress: (u) => {
            if (u.status === "processing") jump(61 * 60_000);
          },
        })
        .catch((e: unknown) => e),
    );
    assert.ok(err instanceof TimeoutError, String(err));
    assert.match(err.message, /deadline/);
    const job = [...fake.jobs.values()].at(-1)!;
    assert.equal(await eventually(() => job.cancelled), true, "the abandoned job is cancelled on fal");
  });

  it("has_nsfw_concepts for every image → ContentModerationError; for some → dropped with a warning", async () => {
    await assert.rejects(gw.generateImage(cfg, { prompt: "nsfw scene", n: 2 }), ContentModerationError);
    const res = await gw.generateImage(cfg, { prompt: "partly fine", n: 3 });
    assert.equal(res.images.length, 2);
    assert.ok(res.warnings.some((w) => /1 of 3 images were flagged NSFW/.test(w)));
  });

  it("a content_policy_violation from the result is a ContentModerationError", async () => {
    await assert.rejects(gw.generateImage(cfg, { prompt: "policy breaker" }), (e: unknown) => {
      return e instanceof ContentModerationError && e.code === "content_policy_violation" && e.statusCode === 422;
    });
  });

  it("a 422 detail is a ValidationError naming the field", async () => {
    await assert.rejects(gw.generateImage({ ...cfg, model: "fal-ai/flux-pro/v1.1" }, { prompt: "x", extraParams: { num_inference_steps: 10 } }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "extraParams.num_inference_steps");
      assert.match(e.message, /num_inference_steps: Extra inputs are not permitted/);
      return true;
    });
    await assert.rejects(gw.generateImage(cfg, { prompt: "x", extraParams: { image_size: "huge" } }), (e: unknown) => {
      return e instanceof ValidationError && e.field === "size";
    });
    assert.equal(fake.server.calls("POST", "/fal-ai/flux/dev").length, 1, "validation errors are not retried");
  });

  it("a wrong key is an AuthenticationError, not retried, and the key is never exposed", async () => {
    const secret = "falkey-SUPERSECRET:abcdef012345";
    lines.splice(0);
    let thrown: unknown;
    await gw.generateImage({ ...cfg, apiKey: secret }, { prompt: "x" }).catch((e: unknown) => (thrown = e));
    assert.ok(thrown instanceof AuthenticationError);
    assert.equal(thrown.statusCode, 401);
    assert.match(thrown.message, /No user found/);
    assert.equal(fake.server.requests.length, 1);
    const all = [thrown.message, JSON.stringify(thrown), JSON.stringify(thrown.rawResponse), JSON.stringify(thrown.executionMetadata), lines.join("\n")].join("\n");
    assert.equal(all.includes("SUPERSECRET"), false);
  });

  it("a missing key fails before any request and names FAL_KEY", async () => {
    const saved = process.env.FAL_KEY;
    delete process.env.FAL_KEY;
    try {
      const gw2 = createGateway({ logLevel: "silent", network: { allowPrivateNetwork: true } });
      await assert.rejects(gw2.generateImage({ provider: "fal", baseUrl: fake.url }, { prompt: "x" }), (e: unknown) => {
        return e instanceof AuthenticationError && /FAL_KEY/.test(e.message);
      });
      assert.equal(fake.server.requests.length, 0);
    } finally {
      if (saved !== undefined) process.env.FAL_KEY = saved;
    }
  });

  it("an unknown application is a 404 HTTPError (not retried)", async () => {
    await assert.rejects(gw.generateImage({ ...cfg, model: "fal-ai/does-not-exist" }, { prompt: "x" }), (e: unknown) => {
      return e instanceof HTTPError && e.statusCode === 404 && /not found/.test(e.message) && !e.retryable;
    });
  });

  it("a 429 at submit is retried after Retry-After (the Python original gave up)", async () => {
    fake.server.script("POST", "/fal-ai/flux/dev", { status: 429, headers: { "retry-after": "0" }, json: { detail: "Too many concurrent requests" } });
    const res = await gw.generateImage(cfg, { prompt: "busy" });
    assert.equal(res.executionMetadata.totalAttempts, 2);
    assert.equal(res.executionMetadata.attempts[0]!.errorType, "RateLimitError");
    assert.equal(submits("fal-ai/flux/dev").length, 2);
  });

  it("a 5xx at submit is retried", async () => {
    fake.server.script("POST", "/fal-ai/flux/dev", {
      status: 503,
      headers: { "x-fal-error-type": "runner_scheduling_failure" },
      json: { detail: "Could not schedule a runner", error_type: "runner_scheduling_failure" },
    });
    const res = await gw.generateImage(cfg, { prompt: "flaky" });
    assert.equal(res.executionMetadata.attempts[0]!.statusCode, 503);
    assert.equal(res.images.length, 1);
  });

  it("a failed status or result read is read again, never resubmitted (no double billing)", async () => {
    fake.server.script("GET", "/fal-ai/flux/requests/:id/status", { status: 503, json: { detail: "Service unavailable" } });
    fake.server.script("GET", "/fal-ai/flux/requests/:id", { status: 502, json: { detail: "Bad gateway" } }, { destroy: true });
    const res = await gw.generateImage(cfg, { prompt: "blips" });
    assert.equal(submits("fal-ai/flux/dev").length, 1);
    assert.equal(res.executionMetadata.totalAttempts, 1);
    assert.equal(fake.server.calls("GET", `/fal-ai/flux/requests/${res.providerRequestId}`).length, 3);
  });

  it("a result error marked X-Fal-Retryable: false is a final GenerationFailedError", async () => {
    fake.server.script("GET", "/fal-ai/flux/requests/:id", { status: 500, headers: { "x-fal-retryable": "false" }, json: { detail: "Model crashed" } });
    await assert.rejects(gw.generateImage(cfg, { prompt: "crash" }), (e: unknown) => {
      return e instanceof GenerationFailedError && !e.retryable && /Model crashed/.test(e.message);
    });
  });

  it("falls back from fal to another provider", async () => {
    fake.server.script("POST", "/fal-ai/flux/dev", { status: 502, json: { detail: "Bad gateway" } });
    const res = await gw.generateImage({ ...cfg, maxRetries: 0, fallbacks: [{ provider: "mock", model: "mock-image", mock: { latencyMs: 0 } }] }, { prompt: "fallback" });
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
    assert.equal(res.executionMetadata.attempts[0]!.provider, "fal");
  });

  it("maps each submit status to its typed error, keeping fal's message", async () => {
    const cases: [number, new (...a: never[]) => Error, Record<string, unknown>][] = [
      [400, ValidationError, { detail: "fal says 400" }],
      [401, AuthenticationError, { detail: "fal says 401" }],
      [403, AuthenticationError, { detail: "fal says 403" }],
      [404, HTTPError, { detail: "fal says 404" }],
      [422, ValidationError, { detail: [{ loc: ["body", "seed"], msg: "fal says 422", type: "int_parsing" }] }],
      [429, RateLimitError, { detail: "fal says 429" }],
      [500, HTTPError, { detail: "fal says 500" }],
    ];
    for (const [status, type, json] of cases) {
      fake.server.script("POST", "/fal-ai/flux/dev", { status, json });
      const err = await gw.generateImage({ ...cfg, maxRetries: 0 }, { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof type, `${status}: ${String(err)}`);
      assert.equal((err as HTTPError).statusCode, status);
      assert.match((err as Error).message, new RegExp(`fal says ${status}`));
      assert.equal((err as HTTPError).retryable, status === 429 || status >= 500, `${status} retryable`);
      if (status === 422) assert.equal((err as ValidationError).field, "seed");
    }
  });
});
