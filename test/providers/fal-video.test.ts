import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  type Logger,
  type ProgressUpdate,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";
import { DEFAULT_STEPS, FAL_KEY, type FalFake } from "../fakes/fal.js";
import { startFalVideoFake } from "../fakes/fal-video.js";

const lines: string[] = [];
const sink = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push(`${level} ${msg} ${JSON.stringify(fields)}`);
const logger: Logger = { debug: sink("debug"), info: sink("info"), warn: sink("warn"), error: sink("error") };
const gateway = () => createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logger, logLevel: "debug" });
const gw = gateway();

const FIRST = "https://example.com/first.png";
const LAST = "https://example.com/last.png";

async function eventually(check: () => boolean, ms = 1_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return check();
}

describe("fal video (queue API)", () => {
  let fake: FalFake;
  const cfg = (model?: string, extra: Record<string, unknown> = {}) => ({
    provider: "fal",
    ...(model ? { model } : {}),
    apiKey: FAL_KEY,
    baseUrl: fake.url,
    pollIntervalMs: 1,
    ...extra,
  });
  const submits = (model: string) => fake.server.calls("POST", `/${model}`);
  const lastInput = () => [...fake.jobs.values()].at(-1)!.input;
  const lastJob = () => [...fake.jobs.values()].at(-1)!;

  before(async () => {
    fake = await startFalVideoFake();
  });
  after(() => fake.close());
  afterEach(() => {
    fake.server.requests.splice(0);
    fake.steps = DEFAULT_STEPS;
  });

  describe("wire format per family", () => {
    it("Veo 3.1: \"6s\" duration, every mapped field, extraParams verbatim; status/result at the app root; progress in order", async () => {
      const updates: ProgressUpdate[] = [];
      const res = await gw.generateVideo(
        cfg("fal-ai/veo3.1"),
        {
          prompt: "a paper boat on a river",
          durationSeconds: 6,
          aspectRatio: "9:16",
          resolution: "1080p",
          generateAudio: false,
          negativePrompt: "blur",
          seed: 11,
          extraParams: { auto_fix: false, safety_tolerance: "2" },
        },
        { onProgress: (u) => void updates.push(u) },
      );
      const [submit] = submits("fal-ai/veo3.1");
      assert.equal(submit!.headers.authorization, `Key ${FAL_KEY}`);
      assert.equal(submit!.headers["x-fal-queue-priority"], "normal");
      assert.deepEqual(submit!.json, {
        prompt: "a paper boat on a river",
        aspect_ratio: "9:16",
        negative_prompt: "blur",
        seed: 11,
        generate_audio: false,
        resolution: "1080p",
        duration: "6s",
        auto_fix: false,
        safety_tolerance: "2",
      });
      const id = res.providerRequestId!;
      assert.equal(fake.server.calls("GET", `/fal-ai/veo3.1/requests/${id}/status/stream`).length, 1);
      assert.equal(fake.server.calls("GET", `/fal-ai/veo3.1/requests/${id}`).length, 1);
      assert.equal(res.provider, "fal");
      assert.equal(res.video.url, `${fake.url}/files/${id}-0.mp4`);
      assert.equal(res.video.mediaType, "video/mp4");
      assert.equal(res.video.durationSeconds, 6);
      assert.deepEqual(res.usage, { videos: 1, seconds: 6 });
      assert.deepEqual(res.cost, { amountUsd: 2.4, basis: "per_second", estimated: true });
      assert.deepEqual(
        updates.map((u) => [u.status, u.queuePosition, u.message]),
        [
          ["queued", 2, "in queue at position 2"],
          ["queued", 1, "in queue at position 1"],
          ["processing", undefined, "Loading model"],
          ["processing", undefined, "Generating: step 4/4"],
          ["completed", undefined, undefined],
        ],
      );
      assert.deepEqual(updates[3]!.logs, ["Loading model", "Generating: step 4/4"]);
    });

    it("a config naming only the provider uses fal-ai/veo3 (its \"8s\" default and audio-on price)", async () => {
      const res = await gw.generateVideo(cfg(), { prompt: "a kite" });
      assert.equal(res.model, "fal-ai/veo3");
      assert.deepEqual(submits("fal-ai/veo3")[0]!.json, { prompt: "a kite" });
      assert.equal(res.video.durationSeconds, 8);
      assert.equal(res.cost?.amountUsd, 3.2);
    });

    it("Veo 3.1 first-last-frame: first_frame_url and last_frame_url; a missing last frame is refused before submit", async () => {
      await gw.generateVideo(cfg("fal-ai/veo3.1/first-last-frame-to-video"), {
        prompt: "morph",
        imageList: [
          { image: FIRST, type: "first_frame" },
          { image: LAST, type: "last_frame" },
        ],
      });
      assert.deepEqual(lastInput(), { prompt: "morph", first_frame_url: FIRST, last_frame_url: LAST });
      fake.server.requests.splice(0);
      const err = await gw
        .generateVideo(cfg("fal-ai/veo3.1/first-last-frame-to-video"), { prompt: "morph", imageList: [{ image: FIRST, type: "first_frame" }] })
        .catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "imageList");
      assert.match(err.message, /last_frame/);
      assert.equal(fake.server.requests.length, 0);
    });

    it("Veo 3.1 image-to-video sends image_url; bytes become a data: URI", async () => {
      await gw.generateVideo(cfg("fal-ai/veo3.1/image-to-video"), { prompt: "animate", imageList: [{ image: ONE_PIXEL_PNG, type: "first_frame" }] });
      const input = lastInput();
      assert.match(input.image_url as string, /^data:image\/png;base64,/);
      assert.deepEqual(Object.keys(input).sort(), ["image_url", "prompt"]);
    });

    it("Kling: \"10\" as a bare string, aspect_ratio, negative_prompt; the pro image endpoint puts the last frame in tail_image_url", async () => {
      await gw.generateVideo(cfg("fal-ai/kling-video/v2.5-turbo/pro/text-to-video"), {
        prompt: "race",
        durationSeconds: 10,
        aspectRatio: "1:1",
        negativePrompt: "low quality",
        extraParams: { cfg_scale: 0.7 },
      });
      assert.deepEqual(lastInput(), { prompt: "race", aspect_ratio: "1:1", negative_prompt: "low quality", duration: "10", cfg_scale: 0.7 });
      const res = await gw.generateVideo(cfg("fal-ai/kling-video/v2.1/pro/image-to-video"), {
        prompt: "walk",
        durationSeconds: 5,
        imageList: [
          { image: FIRST, type: "first_frame" },
          { image: LAST, type: "last_frame" },
        ],
      });
      assert.deepEqual(lastInput(), { prompt: "walk", duration: "5", image_url: FIRST, tail_image_url: LAST });
      assert.equal(res.cost?.amountUsd, 0.49);
    });

    it("Kling image-to-video without an image, or with an 8 s duration, is refused by the catalog (strict)", async () => {
      const noImage = await gw.generateVideo(cfg("fal-ai/kling-video/v2.1/master/image-to-video"), { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(noImage instanceof ValidationError);
      assert.equal(noImage.field, "imageList");
      const badDuration = await gw
        .generateVideo(cfg("fal-ai/kling-video/v2.1/master/text-to-video"), { prompt: "x", durationSeconds: 8 })
        .catch((e: unknown) => e);
      assert.ok(badDuration instanceof ValidationError);
      assert.equal(badDuration.field, "durationSeconds");
      assert.equal(fake.server.requests.length, 0);
    });

    it("Hailuo-02: \"6\"/\"10\" strings, prompt_optimizer, 480p/720p sent as 512P/768P, end_image_url", async () => {
      await gw.generateVideo(cfg("fal-ai/minimax/hailuo-02/standard/text-to-video"), { prompt: "storm", durationSeconds: 6, enhancePrompt: false });
      assert.deepEqual(lastInput(), { prompt: "storm", prompt_optimizer: false, duration: "6" });
      const res = await gw.generateVideo(cfg("fal-ai/minimax/hailuo-02/standard/image-to-video"), {
        prompt: "bear",
        durationSeconds: 10,
        resolution: "480p",
        imageList: [
          { image: FIRST, type: "first_frame" },
          { image: LAST, type: "last_frame" },
        ],
      });
      assert.deepEqual(lastInput(), { prompt: "bear", resolution: "512P", duration: "10", image_url: FIRST, end_image_url: LAST });
      assert.ok(res.warnings.some((w) => /512P/.test(w)));
      assert.equal(res.cost?.amountUsd, 0.17);
      // The pro endpoint is fixed at 6 s: asking for 6 s sends nothing, anything else is refused.
      await gw.generateVideo(cfg("fal-ai/minimax/hailuo-02/pro/text-to-video"), { prompt: "rain", durationSeconds: 6 });
      assert.deepEqual(lastInput(), { prompt: "rain" });
    });

    it("Veo 3.1 reference-to-video: every reference image in image_urls (bytes as data URIs), \"8s\"; extend-video: video_url and \"7s\"", async () => {
      await gw.generateVideo(cfg("fal-ai/veo3.1/reference-to-video"), {
        prompt: "the same fox in the snow",
        durationSeconds: 8,
        resolution: "1080p",
        imageList: [
          { image: FIRST, type: "reference" },
          { image: ONE_PIXEL_PNG, type: "reference" },
        ],
      });
      assert.deepEqual(lastInput(), {
        prompt: "the same fox in the snow",
        resolution: "1080p",
        duration: "8s",
        image_urls: [FIRST, `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`],
      });
      const noRefs = await gw.generateVideo(cfg("fal-ai/veo3.1/reference-to-video"), { prompt: "fox" }).catch((e: unknown) => e);
      assert.ok(noRefs instanceof ValidationError);
      assert.equal(noRefs.field, "imageList");

      const res = await gw.generateVideo(cfg("fal-ai/veo3.1/extend-video"), { prompt: "keep walking", video: "https://example.com/clip.mp4", durationSeconds: 7 });
      assert.deepEqual(lastInput(), { prompt: "keep walking", duration: "7s", video_url: "https://example.com/clip.mp4" });
      assert.equal(res.video.durationSeconds, 7);
      const before = fake.server.requests.length;
      const noVideo = await gw.generateVideo(cfg("fal-ai/veo3.1/extend-video"), { prompt: "keep walking" }).catch((e: unknown) => e);
      assert.ok(noVideo instanceof ValidationError);
      assert.equal(noVideo.field, "video");
      assert.equal(fake.server.requests.length, before);
    });

    it("Sora 2 on fal: \"4\"/\"8\"/\"12\" bare strings, 720p, first frame → image_url; MiniMax Video-01: fixed 6 s, prompt_optimizer", async () => {
      await gw.generateVideo(cfg("fal-ai/sora-2/text-to-video"), { prompt: "city", durationSeconds: 12, aspectRatio: "9:16", resolution: "720p" });
      assert.deepEqual(lastInput(), { prompt: "city", aspect_ratio: "9:16", resolution: "720p", duration: "12" });
      await gw.generateVideo(cfg("fal-ai/sora-2/image-to-video"), { prompt: "city", durationSeconds: 8, imageList: [{ image: FIRST, type: "first_frame" }] });
      assert.deepEqual(lastInput(), { prompt: "city", duration: "8", image_url: FIRST });
      const tooLong = await gw.generateVideo(cfg("fal-ai/sora-2/text-to-video"), { prompt: "city", durationSeconds: 10 }).catch((e: unknown) => e);
      assert.ok(tooLong instanceof ValidationError);
      assert.deepEqual(tooLong.issues[0]!.allowed, [4, 8, 12]);

      await gw.generateVideo(cfg("fal-ai/minimax/video-01/image-to-video"), { prompt: "bird", enhancePrompt: true, durationSeconds: 6, imageList: [{ image: FIRST, type: "first_frame" }] });
      assert.deepEqual(lastInput(), { prompt: "bird", prompt_optimizer: true, image_url: FIRST });
      const fixed = await gw.generateVideo(cfg("fal-ai/minimax/video-01"), { prompt: "bird", durationSeconds: 10 }).catch((e: unknown) => e);
      assert.ok(fixed instanceof ValidationError);
      assert.equal(fixed.field, "durationSeconds");
    });

    it("Wan 2.2 A14B counts frames: 3 s → 49 frames at 16 fps, or at the frames_per_second given in extraParams", async () => {
      const res = await gw.generateVideo(cfg("fal-ai/wan/v2.2-a14b/text-to-video"), {
        prompt: "waves",
        durationSeconds: 3,
        aspectRatio: "16:9",
        resolution: "720p",
        seed: 5,
        enhancePrompt: true,
        negativePrompt: "static",
      });
      assert.deepEqual(lastInput(), {
        prompt: "waves",
        aspect_ratio: "16:9",
        negative_prompt: "static",
        seed: 5,
        enable_prompt_expansion: true,
        resolution: "720p",
        num_frames: 49,
      });
      assert.equal(res.video.durationSeconds, 3);
      assert.equal(res.video.width, 1280);
      assert.equal(res.video.height, 720);
      await gw.generateVideo(cfg("fal-ai/wan/v2.2-a14b/text-to-video"), { prompt: "waves", durationSeconds: 3, extraParams: { frames_per_second: 24 } });
      assert.deepEqual(lastInput(), { prompt: "waves", num_frames: 73, frames_per_second: 24 });
      // More frames than the model makes: refused in strict mode, clamped with a warning in coerce mode.
      const strict = await gw
        .generateVideo(cfg("fal-ai/wan/v2.2-a14b/text-to-video"), { prompt: "w", durationSeconds: 8, extraParams: { frames_per_second: 30 } })
        .catch((e: unknown) => e);
      assert.ok(strict instanceof ValidationError);
      assert.equal(strict.field, "durationSeconds");
      const coerced = await gw.generateVideo(cfg("fal-ai/wan/v2.2-a14b/text-to-video", { validation: "coerce" }), {
        prompt: "w",
        durationSeconds: 8,
        extraParams: { frames_per_second: 30 },
      });
      assert.equal(lastInput().num_frames, 161);
      assert.ok(coerced.warnings.some((w) => /161 frames/.test(w)));
    });

    it("Wan 2.5 takes seconds as \"5\"/\"10\" and enable_prompt_expansion", async () => {
      await gw.generateVideo(cfg("fal-ai/wan-25-preview/text-to-video"), { prompt: "city", durationSeconds: 10, resolution: "1080p", enhancePrompt: true });
      assert.deepEqual(lastInput(), { prompt: "city", enable_prompt_expansion: true, resolution: "1080p", duration: "10" });
    });

    it("a model the catalog does not know gets fal's common names, with a warning; every video of videos[] is returned", async () => {
      const res = await gw.generateVideo(cfg("fal-ai/brand-new-video"), {
        prompt: "new",
        durationSeconds: 8,
        aspectRatio: "4:3",
        imageList: [{ image: FIRST, type: "first_frame" }],
      });
      assert.deepEqual(lastInput(), { prompt: "new", aspect_ratio: "4:3", duration: "8", image_url: FIRST });
      assert.ok(res.warnings.length > 0);
      const multi = await gw.generateVideo(cfg("fal-ai/multi-take-video"), { prompt: "takes", extraParams: { num_videos: 3 } });
      assert.equal(multi.videos.length, 3);
      assert.deepEqual(multi.usage, { videos: 3 });
      assert.deepEqual(
        multi.videos.map((v) => v.url),
        [0, 1, 2].map((i) => `${fake.url}/files/${multi.providerRequestId}-${i}.mp4`),
      );
    });
  });

  describe("errors", () => {
    it("fal's 422 names our field: a field the model lacks, or a bad extraParams value", async () => {
      const err = await gw.generateVideo(cfg("fal-ai/brand-new-video"), { prompt: "x", negativePrompt: "blur" }).catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "negativePrompt");
      assert.equal(err.statusCode, 422);
      const bad = await gw.generateVideo(cfg("fal-ai/veo3.1"), { prompt: "x", extraParams: { safety_tolerance: "9" } }).catch((e: unknown) => e);
      assert.ok(bad instanceof ValidationError);
      assert.equal(bad.field, "extraParams.safety_tolerance");
    });

    it("a request that COMPLETED with a model error is a GenerationFailedError, not retried (no second submit)", async () => {
      const err = await gw.generateVideo(cfg("fal-ai/veo3", { maxRetries: 2 }), { prompt: "crash please" }).catch((e: unknown) => e);
      assert.ok(err instanceof GenerationFailedError, String(err));
      assert.match(err.message, /CUDA error/);
      assert.equal(submits("fal-ai/veo3").length, 1);
    });

    it("a content-policy result is a ContentModerationError; the key appears in no error, log line or raw response", async () => {
      lines.splice(0);
      const err = await gw.generateVideo(cfg("fal-ai/kling-video/v2.1/master/text-to-video"), { prompt: "policy breaker" }).catch((e: unknown) => e);
      assert.ok(err instanceof ContentModerationError, String(err));
      assert.equal(err.code, "content_policy_violation");
      assert.equal(JSON.stringify(err).includes(FAL_KEY), false);
      assert.equal(String(err.stack).includes(FAL_KEY), false);
      assert.ok(lines.length > 0);
      assert.equal(lines.some((l) => l.includes(FAL_KEY)), false);
    });

    it("a 429 at submit with Retry-After is retried, then succeeds", async () => {
      fake.server.script("POST", "/fal-ai/veo3", { status: 429, headers: { "retry-after": "0" }, json: { detail: "Too many requests" } });
      const res = await gw.generateVideo(cfg("fal-ai/veo3"), { prompt: "busy" });
      assert.equal(submits("fal-ai/veo3").length, 2);
      assert.equal(res.executionMetadata.totalAttempts, 2);
      assert.ok(res.video.url.endsWith(".mp4"));
    });

    it("falls back to { provider: 'mock' } when fal keeps failing", async () => {
      const busy = { status: 503, json: { detail: "No runners available", error_type: "runner_scheduling_failure" } };
      fake.server.script("POST", "/fal-ai/veo3", busy, busy);
      const res = await gw.generateVideo(cfg("fal-ai/veo3", { maxRetries: 1, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x" });
      assert.equal(res.provider, "mock");
      assert.equal(res.isMock, true);
      assert.deepEqual(
        res.executionMetadata.attempts.map((a) => a.provider),
        ["fal", "fal", "mock"],
      );
    });
  });

  describe("cancellation", () => {
    it("an abort while the video renders cancels the fal request (PUT …/requests/{id}/cancel at the app root)", async () => {
      fake.steps = "hang";
      const controller = new AbortController();
      const err = await gw
        .generateVideo(cfg("fal-ai/veo3.1/image-to-video"), { prompt: "long", imageList: [{ image: FIRST, type: "first_frame" }] }, {
          signal: controller.signal,
          onProgress: (u) => {
            if (u.status === "processing") controller.abort();
          },
        })
        .catch((e: unknown) => e);
      assert.ok(err instanceof CancelledError, String(err));
      const job = lastJob();
      assert.equal(await eventually(() => job.cancelled), true);
      const [cancel] = fake.server.calls("PUT", `/fal-ai/veo3.1/requests/${job.id}/cancel`);
      assert.equal(cancel!.headers.authorization, `Key ${FAL_KEY}`);
    });
  });

  describe("jobs that outlive the caller", () => {
    const conf = () => ({ apiKey: FAL_KEY, baseUrl: fake.url });

    it("submitVideo, then getVideoStatus from a fresh gateway with only the job id, to completion", async () => {
      const submitted = await gw.submitVideo(cfg("fal-ai/veo3.1/image-to-video"), {
        prompt: "resume me",
        durationSeconds: 4,
        imageList: [{ image: FIRST, type: "first_frame" }],
      });
      const job = lastJob();
      assert.equal(submitted.providerJobId, `fal-ai/veo3.1/image-to-video|${job.id}`);
      assert.deepEqual(job.input, { prompt: "resume me", duration: "4s", image_url: FIRST });
      const other = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent" });
      const seen: [string, number | undefined, string | undefined][] = [];
      for (let i = 0; i < 10; i++) {
        const s = await other.getVideoStatus(submitted.jobId, conf());
        seen.push([s.status, s.queuePosition, s.message]);
        if (s.status === "completed") {
          assert.equal(s.result!.video.url, `${fake.url}/files/${job.id}-0.mp4`);
          assert.equal(s.result!.providerRequestId, job.id);
          assert.equal(s.result!.model, "fal-ai/veo3.1/image-to-video");
          break;
        }
      }
      assert.deepEqual(seen, [
        ["queued", 1, "in queue at position 1"],
        ["processing", undefined, "Loading model"],
        ["processing", undefined, "Generating: step 4/4"],
        ["completed", undefined, undefined],
      ]);
      // Status and result were read at the app root, without the endpoint's sub-path.
      assert.equal(fake.server.calls("GET", `/fal-ai/veo3.1/requests/${job.id}/status`).length, 4);
      assert.equal(fake.server.calls("GET", `/fal-ai/veo3.1/requests/${job.id}`).length, 1);
    });

    it("cancelVideo from a fresh gateway calls fal's cancel endpoint", async () => {
      fake.steps = "hang";
      const submitted = await gw.submitVideo(cfg("fal-ai/kling-video/v2.1/master/text-to-video"), { prompt: "cancel me" });
      const job = lastJob();
      const other = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent" });
      assert.equal((await other.getVideoStatus(submitted.jobId, conf())).status, "processing");
      await other.cancelVideo(submitted.jobId, conf());
      assert.equal(job.cancelled, true);
      assert.equal(fake.server.calls("PUT", `/fal-ai/kling-video/requests/${job.id}/cancel`).length, 1);
    });

    it("a moderated job read through getVideoStatus reports failed with the typed error", async () => {
      fake.steps = [{ status: "COMPLETED" }];
      const submitted = await gw.submitVideo(cfg("fal-ai/veo3"), { prompt: "policy breaker" });
      const s = await createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent" }).getVideoStatus(submitted.jobId, conf());
      assert.equal(s.status, "failed");
      assert.equal(s.error?.type, "ContentModerationError");
      assert.equal(JSON.stringify(s).includes(FAL_KEY), false);
    });
  });
});
