import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  type ProgressUpdate,
  ValidationError,
  type VideoGenerationConfig,
  createGateway,
} from "../../src/index.js";
import { FAKE_TOKEN, type ReplicateFake, VERSIONS, startReplicateFake } from "../fakes/replicate.js";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";

const gateway = (extra: Parameters<typeof createGateway>[0] = {}) =>
  createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", ...extra });
const gw = gateway();
let fake: ReplicateFake;

const FIRST = "https://assets.example.com/first.png";
const LAST = "https://assets.example.com/last.png";
const PNG_DATA_URL = `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`;

const cfg = (model: string, extra: Partial<VideoGenerationConfig> = {}): VideoGenerationConfig => ({
  provider: "replicate",
  model,
  apiKey: FAKE_TOKEN,
  baseUrl: fake.baseUrl,
  pollIntervalMs: 1,
  ...extra,
});
const lastCreate = () => fake.creates().at(-1)!;
const lastInput = () => (lastCreate().json as { input: Record<string, unknown> }).input;
const running = [{ status: "starting" as const }, { status: "processing" as const, logs: "loading model" }];

before(async () => {
  fake = await startReplicateFake();
});
after(() => fake.close());
beforeEach(() => {
  fake.server.requests.length = 0;
  fake.plan = () => [{ status: "starting" }, { status: "succeeded", output: "default" }];
});

describe("replicate video: request on the wire per model family", () => {
  it("veo-3: every mapped field, no Prefer header, one .mp4 URL with the expiry warning", async () => {
    const res = await gw.generateVideo(cfg("google/veo-3"), {
      prompt: "a fox in the snow",
      aspectRatio: "9:16",
      durationSeconds: 6,
      resolution: "1080p",
      seed: 7,
      negativePrompt: "blur",
      generateAudio: false,
      imageList: [{ image: FIRST, type: "first_frame" }],
    });
    const req = lastCreate();
    assert.equal(req.path, "/v1/models/google/veo-3/predictions");
    assert.equal(req.headers.authorization, `Bearer ${FAKE_TOKEN}`);
    assert.equal(req.headers.prefer, undefined);
    assert.deepEqual(req.json, {
      input: {
        prompt: "a fox in the snow",
        aspect_ratio: "9:16",
        duration: 6,
        resolution: "1080p",
        seed: 7,
        negative_prompt: "blur",
        generate_audio: false,
        image: FIRST,
      },
    });
    const id = (res.rawResponse as { id: string }).id;
    assert.equal(res.videos.length, 1);
    assert.equal(res.video.url, `https://replicate.delivery/xezq/${id}/out-0.mp4`);
    assert.equal(res.video.mediaType, "video/mp4");
    assert.equal(res.video.durationSeconds, 6);
    assert.equal(res.providerRequestId, id);
    assert.deepEqual(res.usage, { videos: 1, seconds: 6 });
    assert.ok(res.warnings.some((w) => /expire about an hour/.test(w)), res.warnings.join("; "));
    assert.equal(res.cost, undefined);
  });

  it("uses google/veo-3.1 when only the provider is named", async () => {
    const res = await gw.generateVideo({ provider: "replicate", apiKey: FAKE_TOKEN, baseUrl: fake.baseUrl, pollIntervalMs: 1 }, { prompt: "x" });
    assert.equal(res.model, "google/veo-3.1");
    assert.equal(lastCreate().path, "/v1/models/google/veo-3.1/predictions");
    assert.equal(res.video.durationSeconds, 8, "the model's default length when none was asked for");
  });

  it("veo-3.1: last frame and reference images (data URLs pass as data URIs)", async () => {
    await gw.generateVideo(cfg("google/veo-3.1"), {
      prompt: "morph",
      imageList: [
        { image: FIRST, type: "first_frame" },
        { image: LAST, type: "last_frame" },
        { image: "https://assets.example.com/r1.png", type: "reference" },
        { image: PNG_DATA_URL, type: "reference" },
      ],
    });
    assert.deepEqual(lastInput(), {
      prompt: "morph",
      image: FIRST,
      last_frame: LAST,
      reference_images: ["https://assets.example.com/r1.png", PNG_DATA_URL],
    });
  });

  it("kling-v2.1: start/end image, integer duration and resolution → mode", async () => {
    const res = await gw.generateVideo(cfg("kwaivgi/kling-v2.1"), {
      prompt: "a dancer",
      durationSeconds: 10,
      resolution: "1080p",
      negativePrompt: "text",
      imageList: [
        { image: FIRST, type: "first_frame" },
        { image: LAST, type: "last_frame" },
      ],
    });
    assert.deepEqual(lastInput(), { prompt: "a dancer", duration: 10, mode: "pro", negative_prompt: "text", start_image: FIRST, end_image: LAST });
    assert.ok(res.warnings.some((w) => /resolution 1080p was sent as mode "pro"/.test(w)), res.warnings.join("; "));
  });

  it("kling-v2.1 needs a start image: refused before any request", async () => {
    const err = await gw.generateVideo(cfg("kwaivgi/kling-v2.1"), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.issues[0]!.field, "imageList");
    assert.equal(fake.creates().length, 0);
  });

  it("kling-v2.5-turbo-pro and v1.6-pro: aspect ratio, references, extraParams verbatim", async () => {
    await gw.generateVideo(cfg("kwaivgi/kling-v2.5-turbo-pro"), { prompt: "p", aspectRatio: "1:1", durationSeconds: 5 });
    assert.deepEqual(lastInput(), { prompt: "p", aspect_ratio: "1:1", duration: 5 });
    await gw.generateVideo(cfg("kwaivgi/kling-v1.6-pro"), {
      prompt: "p",
      imageList: [{ image: FIRST, type: "reference" }],
      extraParams: { cfg_scale: 0.8 },
    });
    assert.deepEqual(lastInput(), { prompt: "p", reference_images: [FIRST], cfg_scale: 0.8 });
  });

  it("hailuo-02: 720p → 768p, enhancePrompt → prompt_optimizer, first/last frame images", async () => {
    const res = await gw.generateVideo(cfg("minimax/hailuo-02"), {
      prompt: "city",
      resolution: "720p",
      durationSeconds: 10,
      enhancePrompt: false,
      imageList: [
        { image: FIRST, type: "first_frame" },
        { image: LAST, type: "last_frame" },
      ],
    });
    assert.deepEqual(lastInput(), {
      prompt: "city",
      resolution: "768p",
      duration: 10,
      prompt_optimizer: false,
      first_frame_image: FIRST,
      last_frame_image: LAST,
    });
    assert.ok(res.warnings.some((w) => /720p was sent as resolution "768p"/.test(w)), res.warnings.join("; "));
  });

  it("hailuo-02: 10 s without a resolution picks 768p (its default 1080p makes 6 s only)", async () => {
    const res = await gw.generateVideo(cfg("minimax/hailuo-02"), { prompt: "city", durationSeconds: 10 });
    assert.deepEqual(lastInput(), { prompt: "city", duration: 10, resolution: "768p" });
    assert.ok(res.warnings.some((w) => /only at 768p/.test(w)), res.warnings.join("; "));
  });

  it("hailuo-2.3: 10 s at 1080p is refused (strict) or shortened to 6 s (coerce)", async () => {
    const err = await gw.generateVideo(cfg("minimax/hailuo-2.3"), { prompt: "c", durationSeconds: 10, resolution: "1080p" }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.issues[0]!.field, "durationSeconds");
    assert.equal(fake.creates().length, 0);
    const res = await gw.generateVideo(cfg("minimax/hailuo-2.3", { validation: "coerce" }), { prompt: "c", durationSeconds: 10, resolution: "1080p" });
    assert.deepEqual(lastInput(), { prompt: "c", resolution: "1080p", duration: 6 });
    assert.equal(res.video.durationSeconds, 6);
    assert.ok(res.warnings.some((w) => /using 6/.test(w)), res.warnings.join("; "));
  });

  it("minimax/video-01: fixed 6 s (nothing sent), subject reference, prompt optimiser", async () => {
    const res = await gw.generateVideo(cfg("minimax/video-01"), {
      prompt: "a cat",
      durationSeconds: 6,
      enhancePrompt: true,
      imageList: [
        { image: FIRST, type: "first_frame" },
        { image: LAST, type: "reference" },
      ],
    });
    assert.deepEqual(lastInput(), { prompt: "a cat", prompt_optimizer: true, first_frame_image: FIRST, subject_reference: LAST });
    assert.equal(res.video.durationSeconds, 6);
    assert.deepEqual(res.warnings.filter((w) => !/expire/.test(w)), []);
  });

  it("durations are validated against the model: strict refuses, coerce takes the nearest with a warning", async () => {
    const err = await gw.generateVideo(cfg("google/veo-3"), { prompt: "x", durationSeconds: 5 }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.issues[0]!.field, "durationSeconds");
    assert.deepEqual(err.issues[0]!.allowed, [4, 6, 8]);
    const res = await gw.generateVideo(cfg("kwaivgi/kling-v2.1-master", { validation: "coerce" }), { prompt: "x", durationSeconds: 9 });
    assert.equal(lastInput().duration, 10);
    assert.ok(res.warnings.some((w) => /durationSeconds 9 is not supported/.test(w)), res.warnings.join("; "));
  });

  it("numberOfVideos > 1: one video per prediction, so strict refuses and coerce makes one", async () => {
    const err = await gw.generateVideo(cfg("google/veo-3"), { prompt: "x", numberOfVideos: 2 }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.issues[0]!.field, "numberOfVideos");
    const res = await gw.generateVideo(cfg("google/veo-3", { validation: "coerce" }), { prompt: "x", numberOfVideos: 2 });
    assert.equal(fake.creates().length, 1);
    assert.equal(res.videos.length, 1);
    assert.ok(res.warnings.some((w) => /numberOfVideos 2/.test(w)));
  });

  it("a field the model lacks: strict ValidationError, coerce warning and not sent", async () => {
    const err = await gw.generateVideo(cfg("kwaivgi/kling-v2.1-master"), { prompt: "x", generateAudio: true }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.issues[0]!.field, "generateAudio");
    const res = await gw.generateVideo(cfg("kwaivgi/kling-v2.1-master", { validation: "coerce" }), { prompt: "x", generateAudio: true, seed: 3 });
    assert.deepEqual(lastInput(), { prompt: "x" });
    assert.equal(res.warnings.filter((w) => /not supported/.test(w)).length, 2);
  });

  it("returns every output file when a model gives several", async () => {
    fake.plan = (_input, model) => [{ status: "succeeded", output: [`https://replicate.delivery/x/${model.length}/a.mp4`, "https://replicate.delivery/x/b.webm"] }];
    const res = await gw.generateVideo(cfg("google/veo-2"), { prompt: "x", durationSeconds: 7 });
    assert.deepEqual(
      res.videos.map((v) => [v.mediaType, v.durationSeconds]),
      [
        ["video/mp4", 7],
        ["video/webm", 7],
      ],
    );
    assert.deepEqual(res.usage, { videos: 2, seconds: 14 });
  });

  it("a version-pinned catalog model keeps the model's input names", async () => {
    const spec = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee01";
    VERSIONS[spec] = "minimax/hailuo-02";
    await gw.generateVideo(cfg(`minimax/hailuo-02:${spec}`), { prompt: "x", enhancePrompt: false });
    assert.equal(lastCreate().path, "/v1/predictions");
    assert.deepEqual(lastCreate().json, { version: spec, input: { prompt: "x", prompt_optimizer: false } });
  });
});

describe("replicate video: states, failures, cancellation", () => {
  it("reports queued → processing with log percentages → completed", async () => {
    fake.plan = () => [
      { status: "starting" },
      { status: "starting", logs: "" },
      { status: "processing", logs: "Generating video\n 10%|█         | 1/10 [00:01<00:09]" },
      { status: "processing", logs: "Generating video\n 10%|█         | 1/10 [00:01<00:09]\n 60%|██████    | 6/10 [00:06<00:04]" },
      { status: "succeeded", output: "default" },
    ];
    const updates: ProgressUpdate[] = [];
    await gw.generateVideo(cfg("google/veo-3-fast"), { prompt: "x" }, { onProgress: (u) => void updates.push(u) });
    assert.deepEqual(
      updates.map((u) => [u.status, u.progressPercent]),
      [
        ["queued", undefined],
        ["queued", undefined],
        ["processing", 10],
        ["processing", 60],
        ["completed", 100],
      ],
    );
    const processing = updates.filter((u) => u.status === "processing");
    assert.deepEqual(processing[0]!.logs, ["Generating video", " 10%|█         | 1/10 [00:01<00:09]"]);
    assert.deepEqual(processing[1]!.logs, [" 60%|██████    | 6/10 [00:06<00:04]"], "only new log lines");
  });

  it("a failed prediction → GenerationFailedError; a safety refusal → ContentModerationError", async () => {
    fake.plan = () => [{ status: "starting" }, { status: "failed", error: "Video generation failed: invalid start frame" }];
    const failed = await gw.generateVideo(cfg("google/veo-3", { maxRetries: 0 }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(failed instanceof GenerationFailedError);
    assert.match(failed.message, /invalid start frame/);
    fake.plan = () => [{ status: "starting" }, { status: "failed", error: "The input or output was flagged as sensitive. Please try again with different inputs. (E005)" }];
    const refused = await gw.generateVideo(cfg("google/veo-3", { maxRetries: 2 }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(refused instanceof ContentModerationError);
    assert.equal(fake.creates().length, 2, "moderation is not retried");
  });

  it("a 422 naming an extraParams input → ValidationError on that field; a bad key → AuthenticationError without the key", async () => {
    const bad = await gw.generateVideo(cfg("google/veo-3"), { prompt: "x", extraParams: { fps: 30 } }).catch((e: unknown) => e);
    assert.ok(bad instanceof ValidationError);
    assert.equal(bad.issues[0]!.field, "extraParams.fps");
    const key = "r8_wrong_key_abcdefghijkl";
    const auth = await gw.generateVideo(cfg("google/veo-3", { apiKey: key }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(auth instanceof AuthenticationError);
    assert.ok(!JSON.stringify({ m: auth.message, r: auth.rawResponse }).includes(key));
  });

  it("abort while processing → CancelledError and POST /predictions/{id}/cancel", async () => {
    fake.plan = () => running;
    const controller = new AbortController();
    const err = await gw
      .generateVideo(cfg("google/veo-3", { pollIntervalMs: 5 }), { prompt: "x" }, {
        signal: controller.signal,
        onProgress: (u) => {
          if (u.status === "processing") controller.abort();
        },
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof CancelledError, String(err));
    const id = [...fake.predictions.values()].at(-1)!.id;
    // The caller is released at once; the provider-side cancel follows in the background.
    for (let i = 0; i < 100 && fake.server.calls("POST", `/v1/predictions/${id}/cancel`).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(fake.server.calls("POST", `/v1/predictions/${id}/cancel`).length, 1);
    assert.equal(fake.server.calls("POST", `/v1/predictions/${id}/cancel`)[0]!.headers.authorization, `Bearer ${FAKE_TOKEN}`);
    assert.equal(fake.predictions.get(id)!.canceled, true);
  });

  it("falls back from replicate to { provider: 'mock' } after retryable failures", async () => {
    const path = "/v1/models/google/veo-3/predictions";
    fake.server.script("POST", path, { status: 503, json: { title: "Service unavailable", detail: "try again", status: 503 } }, { status: 503, json: { title: "Service unavailable", detail: "try again", status: 503 } });
    const res = await gw.generateVideo(cfg("google/veo-3", { maxRetries: 1, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x" });
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
    assert.deepEqual(res.executionMetadata.attempts.map((a) => a.provider), ["replicate", "replicate", "mock"]);
  });

  it("never writes the key into log lines", async () => {
    const lines: string[] = [];
    const sink = (...args: unknown[]) => void lines.push(JSON.stringify(args));
    const logged = gateway({ logLevel: "debug", logger: { debug: sink, info: sink, warn: sink, error: sink } });
    fake.plan = () => [{ status: "starting" }, { status: "failed", error: "boom" }];
    await logged.generateVideo(cfg("google/veo-3", { maxRetries: 0 }), { prompt: "x" }).catch(() => undefined);
    assert.ok(lines.length > 0);
    assert.ok(!lines.some((l) => l.includes(FAKE_TOKEN)));
  });
});

describe("replicate video: jobs that outlive the caller", () => {
  const fresh = () => createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent" });
  const conf = () => ({ apiKey: FAKE_TOKEN, baseUrl: fake.baseUrl });

  it("submitVideo, then getVideoStatus from a fresh gateway with only the job id, to completion", async () => {
    fake.plan = () => [
      { status: "starting" },
      { status: "starting" },
      { status: "processing", logs: " 40%|████      | 4/10" },
      { status: "succeeded", output: "default" },
    ];
    const submitted = await gw.submitVideo(cfg("kwaivgi/kling-v2.1-master"), { prompt: "resume me", durationSeconds: 10 });
    assert.equal(submitted.provider, "replicate");
    assert.ok(fake.predictions.has(submitted.providerJobId), "the providerJobId is the prediction id");
    const other = fresh();
    const seen: [string, number | undefined][] = [];
    for (let i = 0; i < 10; i++) {
      const s = await other.getVideoStatus(submitted.jobId, conf());
      seen.push([s.status, s.progressPercent]);
      if (s.status === "completed") {
        assert.equal(s.result!.video.url, `https://replicate.delivery/xezq/${submitted.providerJobId}/out-0.mp4`);
        assert.equal(s.result!.video.durationSeconds, 10);
        assert.equal(s.result!.providerRequestId, submitted.providerJobId);
        assert.ok(s.result!.warnings.some((w) => /expire/.test(w)));
        break;
      }
    }
    assert.deepEqual(seen, [
      ["queued", undefined],
      ["processing", 40],
      ["completed", 100],
    ]);
    assert.equal(fake.server.calls("GET", `/v1/predictions/${submitted.providerJobId}`).length, 3);
  });

  it("cancelVideo from a fresh gateway cancels the prediction; its status then reads cancelled", async () => {
    fake.plan = () => running;
    const submitted = await gw.submitVideo(cfg("google/veo-3"), { prompt: "cancel me" });
    const other = fresh();
    assert.equal((await other.getVideoStatus(submitted.jobId, conf())).status, "processing");
    await other.cancelVideo(submitted.jobId, conf());
    assert.equal(fake.server.calls("POST", `/v1/predictions/${submitted.providerJobId}/cancel`).length, 1);
    assert.equal((await other.getVideoStatus(submitted.jobId, conf())).status, "cancelled");
  });

  it("a moderated prediction read through getVideoStatus reports the typed error", async () => {
    fake.plan = () => [{ status: "starting" }, { status: "failed", error: "NSFW content detected in output" }];
    const submitted = await gw.submitVideo(cfg("minimax/hailuo-02"), { prompt: "x" });
    const s = await fresh().getVideoStatus(submitted.jobId, conf());
    assert.equal(s.status, "failed");
    assert.equal(s.error!.type, "ContentModerationError");
  });
});
