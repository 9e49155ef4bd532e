import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  type ProgressUpdate,
  RateLimitError,
  TimeoutError,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import { RUNWAY_KEY, RUNWAY_VERSION, type RunwayFake, startRunwayFake } from "../fakes/runway.js";
import { withJumpingClock } from "../helpers/clock.js";
import { type FakeServer, ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";

const gateway = (extra: Parameters<typeof createGateway>[0] = {}) =>
  createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", ...extra });

const PNG_DATA_URL = `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`;
const FIRST = "https://assets.example.com/first.png";
const LAST = "https://assets.example.com/last.png";
const CLIP = "https://assets.example.com/clip.mp4";

describe("runway video", () => {
  let fake: RunwayFake;
  before(async () => {
    fake = await startRunwayFake();
  });
  after(() => fake.close());

  const cfg = (model = "gen4_turbo", extra: Record<string, unknown> = {}) => ({
    provider: "runway",
    model,
    apiKey: RUNWAY_KEY,
    baseUrl: fake.url,
    pollIntervalMs: 1,
    ...extra,
  });
  const lastPost = (endpoint: string) => fake.server.calls("POST", `/v1/${endpoint}`).at(-1)!;
  const lastBody = (endpoint: string) => lastPost(endpoint).json as Record<string, unknown>;

  describe("the fake is strict", () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${fake.url}/v1/text_to_video`, { method: "POST", headers, body }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    const good = { authorization: `Bearer ${RUNWAY_KEY}`, "x-runway-version": RUNWAY_VERSION, "content-type": "application/json" };
    const valid = JSON.stringify({ model: "veo3.1", promptText: "x", ratio: "1280:720" });

    it("rejects a missing or unknown X-Runway-Version with 400, a wrong key with 401, a non-JSON body with 400", async () => {
      const { "x-runway-version": _v, ...noVersion } = good;
      assert.equal((await post(noVersion, valid)).status, 400);
      assert.match(String((await post({ ...good, "x-runway-version": "2023-01-01" }, valid)).json.error), /X-Runway-Version/);
      assert.equal((await post({ ...good, authorization: "Bearer nope" }, valid)).status, 401);
      const form = await post({ ...good, "content-type": "application/x-www-form-urlencoded" }, "model=veo3.1");
      assert.equal(form.status, 400);
      assert.equal(form.json.error, "Validation of body failed");
      assert.equal((await post(good, valid)).status, 200);
    });

    it("rejects unknown keys and bad values with issues naming the path", async () => {
      const unknown = await post(good, JSON.stringify({ model: "veo3.1", promptText: "x", ratio: "1280:720", motion: 3 }));
      assert.deepEqual((unknown.json.issues as { keys: string[] }[])[0]!.keys, ["motion"]);
      const ratio = await post(good, JSON.stringify({ model: "veo3.1", promptText: "x", ratio: "1104:832" }));
      assert.deepEqual((ratio.json.issues as { path: string[] }[])[0]!.path, ["ratio"]);
    });
  });

  describe("wire format and endpoint selection", () => {
    it("text only → text_to_video with ratio from aspectRatio + resolution, duration, negativePrompt, audio; PENDING → THROTTLED → RUNNING → SUCCEEDED", async () => {
      const progress: ProgressUpdate[] = [];
      const res = await gateway().generateVideo(
        cfg("veo3.1"),
        { prompt: "a lighthouse at dusk", aspectRatio: "16:9", resolution: "1080p", durationSeconds: 6, negativePrompt: "fog", generateAudio: true },
        { onProgress: (u) => void progress.push(u) },
      );
      const post = lastPost("text_to_video");
      assert.equal(post.headers.authorization, `Bearer ${RUNWAY_KEY}`);
      assert.equal(post.headers["x-runway-version"], "2024-11-06");
      assert.equal(post.contentType, "application/json");
      assert.deepEqual(post.json, {
        model: "veo3.1",
        promptText: "a lighthouse at dusk",
        ratio: "1920:1080",
        duration: 6,
        negativePrompt: "fog",
        audio: true,
      });
      const id = res.providerRequestId!;
      assert.ok(fake.tasks.has(id));
      assert.equal(fake.server.calls("GET", `/v1/tasks/${id}`).length, 5);
      assert.equal(fake.server.calls("GET", `/v1/tasks/${id}`)[0]!.headers["x-runway-version"], "2024-11-06");
      assert.equal(res.provider, "runway");
      assert.equal(res.video.url, `https://dnznrvs05pmza.cloudfront.net/${id}/video.mp4?_jwt=fake`);
      assert.equal(res.video.mediaType, "video/mp4");
      assert.ok(res.warnings.some((w) => /expire/.test(w)));
      assert.equal((res.rawResponse as { status: string }).status, "SUCCEEDED");
      assert.deepEqual(
        progress.map((p) => [p.status, p.progressPercent, p.message]),
        [
          ["queued", undefined, `submitted as ${id}`],
          ["queued", undefined, "pending"],
          ["queued", undefined, "throttled: waiting for a free slot under the account's concurrency limit"],
          ["processing", 25, undefined],
          ["processing", 75, undefined],
          ["completed", 100, undefined],
        ],
      );
    });

    it("first + last frames → image_to_video with promptImage [{uri, position}], bytes sent as a data URI", async () => {
      await gateway().generateVideo(cfg("veo3.1_fast"), {
        prompt: "morph",
        imageList: [
          { image: LAST, type: "last_frame" },
          { image: new Uint8Array(ONE_PIXEL_PNG), type: "first_frame" },
        ],
        aspectRatio: "9:16",
      });
      assert.deepEqual(lastBody("image_to_video"), {
        model: "veo3.1_fast",
        promptText: "morph",
        promptImage: [
          { uri: PNG_DATA_URL, position: "first" },
          { uri: LAST, position: "last" },
        ],
        ratio: "720:1280",
        duration: 8,
      });
    });

    it("one first frame → promptImage string; 4:3 → 1104:832; duration, seed and extraParams (contentModeration) verbatim", async () => {
      await gateway().generateVideo(cfg("gen4_turbo"), {
        prompt: "the fox runs",
        imageList: [{ image: FIRST, type: "first_frame" }],
        aspectRatio: "4:3",
        durationSeconds: 10,
        seed: 42,
        extraParams: { contentModeration: { publicFigureThreshold: "low" } },
      });
      assert.deepEqual(lastBody("image_to_video"), {
        model: "gen4_turbo",
        promptText: "the fox runs",
        promptImage: FIRST,
        ratio: "1104:832",
        duration: 10,
        seed: 42,
        contentModeration: { publicFigureThreshold: "low" },
      });
    });

    it("defaults: gen4_turbo sends 16:9 → 1280:720 and 5 s when unset; a plain image is the first frame", async () => {
      const res = await gateway().generateVideo(cfg(), { prompt: "waves", imageList: [{ image: FIRST }] });
      assert.deepEqual(lastBody("image_to_video"), { model: "gen4_turbo", promptText: "waves", promptImage: FIRST, ratio: "1280:720", duration: 5 });
      assert.equal(res.model, "gen4_turbo");
    });

    it("gen3a_turbo and gen4_aleph (dropped from Runway's SDK) are refused with their replacement before anything is sent", async () => {
      const before = fake.server.requests.length;
      for (const [model, replacement] of [["gen3a_turbo", "gen4_turbo"], ["gen4_aleph", "aleph2"]] as const) {
        const err = await gateway().generateVideo(cfg(model), { prompt: "x", imageList: [{ image: FIRST, type: "first_frame" }] }).catch((e: unknown) => e);
        assert.ok(err instanceof ValidationError && err.field === "model" && err.message.includes(`runway/${replacement}`), String(err));
      }
      assert.equal(fake.server.requests.length, before);
    });

    it("request.video → video_to_video: aleph2 videoUri + keyframes + targetAspectRatio", async () => {
      await gateway().generateVideo(cfg("aleph2"), {
        prompt: "night time",
        video: CLIP,
        aspectRatio: "21:9",
        imageList: [
          { image: FIRST, type: "first_frame" },
          { image: LAST, type: "last_frame" },
        ],
      });
      assert.deepEqual(lastBody("video_to_video"), {
        model: "aleph2",
        promptText: "night time",
        videoUri: CLIP,
        keyframes: [
          { at: 0, uri: FIRST },
          { at: 1, uri: LAST },
        ],
        targetAspectRatio: "21:9",
      });
    });

    it("gen4.5 text to video: duration required (default 5), only 16:9 / 9:16 → ValidationError otherwise", async () => {
      await gateway().generateVideo(cfg("gen4.5"), { prompt: "city", aspectRatio: "9:16" });
      assert.deepEqual(lastBody("text_to_video"), { model: "gen4.5", promptText: "city", ratio: "720:1280", duration: 5 });
      const before = fake.server.calls("POST", "/v1/text_to_video").length;
      const err = await gateway().generateVideo(cfg("gen4.5"), { prompt: "city", aspectRatio: "4:3" }).catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "aspectRatio");
      assert.deepEqual(err.issues[0]!.allowed, ["16:9", "9:16"]);
      assert.equal(fake.server.calls("POST", "/v1/text_to_video").length, before);
    });

    it("seedance2: the tier rides in ratio (1080p 21:9 → 2206:946), audio and duration on every endpoint; references without a position", async () => {
      await gateway().generateVideo(cfg("seedance2"), { prompt: "harbour", aspectRatio: "21:9", resolution: "1080p", durationSeconds: 12, generateAudio: true });
      assert.deepEqual(lastBody("text_to_video"), { model: "seedance2", promptText: "harbour", ratio: "2206:946", duration: 12, audio: true });

      const res = await gateway().generateVideo(cfg("seedance2"), { prompt: "harbour", resolution: "480p" });
      assert.equal(lastBody("text_to_video").ratio, "864:496");
      assert.ok(res.warnings.some((w) => /16:9 was assumed/.test(w)));

      await gateway().generateVideo(cfg("seedance2"), {
        prompt: "the same two characters",
        imageList: [
          { image: FIRST, type: "reference" },
          { image: LAST, type: "reference" },
        ],
      });
      assert.deepEqual(lastBody("image_to_video").promptImage, [{ uri: FIRST }, { uri: LAST }]);

      await gateway().generateVideo(cfg("seedance2"), {
        prompt: "dawn to dusk",
        imageList: [
          { image: LAST, type: "last_frame" },
          { image: FIRST, type: "first_frame" },
        ],
      });
      assert.deepEqual(lastBody("image_to_video").promptImage, [
        { uri: FIRST, position: "first" },
        { uri: LAST, position: "last" },
      ]);

      await gateway().generateVideo(cfg("seedance2_fast"), { prompt: "make it snow", video: CLIP, imageList: [{ image: FIRST, type: "reference" }], aspectRatio: "9:16", durationSeconds: 6 });
      assert.deepEqual(lastBody("video_to_video"), {
        model: "seedance2_fast",
        promptText: "make it snow",
        promptVideo: CLIP,
        references: [{ uri: FIRST }],
        ratio: "720:1280",
        duration: 6,
      });
    });

    it("seedance2: frames and references mixed, a frame on video to video, 1080p on the fast variant or 20 s → ValidationError before any call", async () => {
      const before = fake.server.requests.length;
      const cases: [string, Record<string, unknown>, string][] = [
        ["seedance2", { imageList: [{ image: FIRST, type: "first_frame" }, { image: LAST, type: "reference" }] }, "imageList"],
        ["seedance2", { video: CLIP, imageList: [{ image: FIRST, type: "first_frame" }] }, "imageList.0.type"],
        ["seedance2_fast", { resolution: "1080p" }, "resolution"],
        ["seedance2", { durationSeconds: 20 }, "durationSeconds"],
        ["seedance2", { seed: 3 }, "seed"],
      ];
      for (const [model, extra, field] of cases) {
        const err = await gateway().generateVideo(cfg(model), { prompt: "x", ...extra }).catch((e: unknown) => e);
        assert.ok(err instanceof ValidationError, `${model} ${JSON.stringify(extra)}`);
        assert.equal(err.field, field);
      }
      assert.equal(fake.server.requests.length, before);
    });

    it("an http (not https) input is fetched here and sent inline, since Runway refuses plain http", async () => {
      let assets: FakeServer | undefined;
      try {
        assets = await startFakeServer((s) => s.route("GET", "/first.png", () => ({ headers: { "content-type": "image/png" }, body: ONE_PIXEL_PNG })));
        await gateway().generateVideo(cfg(), { prompt: "x", imageList: [{ image: `${assets.url}/first.png` }] });
        assert.equal(lastBody("image_to_video").promptImage, PNG_DATA_URL);
      } finally {
        await assets?.close();
      }
    });

    it("an inline image over Runway's 5 MB data-URI limit → ValidationError before any call", async () => {
      const before = fake.server.requests.length;
      const big = new Uint8Array(4 * 1024 * 1024);
      big.set(ONE_PIXEL_PNG);
      const err = await gateway().generateVideo(cfg(), { prompt: "x", imageList: [{ image: big }] }).catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "imageList.0.image");
      assert.match(err.message, /https URL/);
      assert.equal(fake.server.requests.length, before);
    });

    it("aspect ratios: strict → ValidationError naming the allowed values; coerce → nearest Runway ratio + warning", async () => {
      const strict = await gateway().generateVideo(cfg(), { prompt: "x", imageList: [{ image: FIRST }], aspectRatio: "2:1" }).catch((e: unknown) => e);
      assert.ok(strict instanceof ValidationError);
      assert.equal(strict.field, "aspectRatio");
      const res = await gateway().generateVideo(cfg("gen4_turbo", { validation: "coerce" }), { prompt: "x", imageList: [{ image: FIRST }], aspectRatio: "2:1", durationSeconds: 7 });
      assert.equal(lastBody("image_to_video").ratio, "1280:720");
      assert.equal(lastBody("image_to_video").duration, 5);
      assert.ok(res.warnings.some((w) => /aspectRatio "2:1"/.test(w)));
      assert.ok(res.warnings.some((w) => /durationSeconds 7/.test(w)));
    });

    it("an unknown Runway model gets the generic mapping (with the core's warning)", async () => {
      const err = await gateway().generateVideo(cfg("gen5_preview"), { prompt: "x", aspectRatio: "16:9" }).catch((e: unknown) => e);
      // The fake does not serve gen5_preview: Runway's 400 names `model`.
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "model");
      assert.deepEqual(lastBody("text_to_video"), { model: "gen5_preview", promptText: "x", ratio: "1280:720" });
    });
  });

  describe("errors", () => {
    it("unknown extraParams → Runway's 400 → ValidationError naming extraParams.<key>", async () => {
      const err = await gateway().generateVideo(cfg("veo3.1"), { prompt: "x", extraParams: { motionBucket: 3 } }).catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "extraParams.motionBucket");
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, "unrecognized_keys");
    });

    it("a rejected asset (400 naming the field in prose) → ValidationError on that field", async () => {
      const err = await gateway().generateVideo(cfg(), { prompt: "x", imageList: [{ image: "https://127.0.0.1/a.png" }] }).catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "imageList");
      assert.match(err.message, /hosted on a domain/);
    });

    it("a wrong X-Runway-Version (providerConfig.runwayVersion) → ValidationError on that setting", async () => {
      const err = await gateway()
        .generateVideo(cfg("veo3.1", { providerConfig: { runwayVersion: "2023-01-01" } }), { prompt: "x" })
        .catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.field, "providerConfig.runwayVersion");
      assert.equal(lastPost("text_to_video").headers["x-runway-version"], "2023-01-01");
    });

    it("401 → AuthenticationError without the key in message or rawResponse", async () => {
      const err = await gateway().generateVideo(cfg("veo3.1", { apiKey: "key_wrong_secret_0123456789" }), { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof AuthenticationError);
      assert.equal(err.statusCode, 401);
      assert.ok(!JSON.stringify({ m: err.message, r: err.rawResponse, j: err.toJSON() }).includes("key_wrong_secret_0123456789"));
    });

    it("no key at all → AuthenticationError naming RUNWAYML_API_SECRET, nothing sent", async () => {
      const before = fake.server.requests.length;
      const err = await createGateway({ env: {}, logLevel: "silent" })
        .generateVideo({ provider: "runway", baseUrl: fake.url }, { prompt: "x", imageList: [{ image: FIRST }] })
        .catch((e: unknown) => e);
      assert.ok(err instanceof AuthenticationError);
      assert.match(err.message, /RUNWAYML_API_SECRET/);
      assert.equal(fake.server.requests.length, before);
    });

    it("FAILED with SAFETY.INPUT.TEXT → ContentModerationError, not retried", async () => {
      const before = fake.server.calls("POST", "/v1/text_to_video").length;
      const err = await gateway().generateVideo(cfg("veo3.1", { maxRetries: 2 }), { prompt: "[moderation] something" }).catch((e: unknown) => e);
      assert.ok(err instanceof ContentModerationError);
      assert.equal(err.code, "SAFETY.INPUT.TEXT");
      assert.match(err.message, /content moderation/);
      assert.equal(fake.server.calls("POST", "/v1/text_to_video").length, before + 1);
    });

    it("FAILED with INTERNAL.* → transient GenerationFailedError, retried; ASSET.INVALID → ValidationError", async () => {
      const before = fake.server.calls("POST", "/v1/text_to_video").length;
      const err = await gateway().generateVideo(cfg("veo3.1", { maxRetries: 1 }), { prompt: "[internal] x" }).catch((e: unknown) => e);
      assert.ok(err instanceof GenerationFailedError);
      assert.equal(err.transient, true);
      assert.equal(err.code, "INTERNAL.BAD_OUTPUT.CODE01");
      assert.equal(fake.server.calls("POST", "/v1/text_to_video").length, before + 2);
      const asset = await gateway().generateVideo(cfg(), { prompt: "[asset] x", imageList: [{ image: FIRST }] }).catch((e: unknown) => e);
      assert.ok(asset instanceof ValidationError);
      assert.equal(asset.field, "imageList");
      assert.equal(asset.code, "ASSET.INVALID");
    });

    it("429 at submit (Retry-After) → retried then success; with no retries left → RateLimitError", async () => {
      const before = fake.server.calls("POST", "/v1/text_to_video").length;
      fake.server.script("POST", "/v1/text_to_video", { status: 429, headers: { "retry-after": "0" }, json: { error: "You have reached your concurrency limit." } });
      const res = await gateway().generateVideo(cfg("veo3.1", { maxRetries: 2 }), { prompt: "x" });
      assert.equal(res.executionMetadata.totalAttempts, 2);
      assert.equal(fake.server.calls("POST", "/v1/text_to_video").length, before + 2);
      fake.server.script("POST", "/v1/text_to_video", { status: 429, json: { error: "You have exceeded your daily task limit." } });
      const err = await gateway().generateVideo(cfg("veo3.1", { maxRetries: 0 }), { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof RateLimitError);
      assert.match(err.message, /daily task limit/);
    });

    it("502/503 at submit and on a status check are retried", async () => {
      fake.server.script("POST", "/v1/text_to_video", { status: 503, json: { error: "Service unavailable" } });
      fake.server.script("GET", "/v1/tasks/:id", { status: 502, body: "<html>bad gateway</html>" });
      const res = await gateway().generateVideo(cfg("veo3.1", { maxRetries: 3 }), { prompt: "x" });
      assert.equal(res.status, "completed");
      assert.equal(res.executionMetadata.attempts[0]!.errorType, "HTTPError");
    });

    it("insufficient credits (400) → non-retryable GenerationFailedError", async () => {
      fake.server.script("POST", "/v1/text_to_video", { status: 400, json: { error: "You do not have enough credits to run this task." } });
      const err = await gateway().generateVideo(cfg("veo3.1", { maxRetries: 2 }), { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof GenerationFailedError);
      assert.equal(err.code, "insufficient_credits");
      assert.equal(err.retryable, false);
    });

    it("falls back from runway to { provider: 'mock' } after retryable failures", async () => {
      fake.server.script("POST", "/v1/text_to_video", { status: 503, json: { error: "load shedding" } }, { status: 503, json: { error: "load shedding" } });
      const res = await gateway().generateVideo(cfg("veo3.1", { maxRetries: 1, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x" });
      assert.equal(res.provider, "mock");
      assert.equal(res.executionMetadata.fallbackTriggered, true);
      assert.deepEqual(res.executionMetadata.attempts.map((a) => a.provider), ["runway", "runway", "mock"]);
    });

    it("never logs the key", async () => {
      const lines: string[] = [];
      const sink = (fields: unknown, msg?: string) => void lines.push(JSON.stringify([fields, msg]));
      const gw = gateway({ logLevel: "debug", logger: { debug: sink, info: sink, warn: sink, error: sink } });
      await gw.generateVideo(cfg("veo3.1"), { prompt: "x" });
      await gw.generateVideo(cfg("veo3.1", { apiKey: "key_wrong_secret_0123456789" }), { prompt: "x" }).catch(() => undefined);
      assert.ok(lines.length > 0);
      assert.ok(!lines.some((l) => l.includes(RUNWAY_KEY) || l.includes("key_wrong_secret_0123456789")));
    });
  });

  describe("jobs: cancel, resume", () => {
    it("aborting the signal cancels the task with DELETE /v1/tasks/{id}", async () => {
      const controller = new AbortController();
      let taskId: string | undefined;
      const err = await gateway()
        .generateVideo(cfg("veo3.1"), { prompt: "[slow] x" }, {
          signal: controller.signal,
          onProgress: (u) => {
            if (u.message?.startsWith("submitted as ")) taskId = u.message.slice("submitted as ".length);
            if (u.status === "processing") controller.abort();
          },
        })
        .catch((e: unknown) => e);
      assert.ok(err instanceof CancelledError);
      assert.ok(taskId);
      // The caller is released at once; the provider-side cancel follows in the background.
      for (let i = 0; i < 100 && fake.server.calls("DELETE", `/v1/tasks/${taskId}`).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      const deletes = fake.server.calls("DELETE", `/v1/tasks/${taskId}`);
      assert.equal(deletes.length, 1);
      assert.equal(deletes[0]!.headers["x-runway-version"], "2024-11-06");
      assert.equal(fake.tasks.get(taskId)!.deleted, true);
    });

    it("without timeoutMs or maxPollAttempts a never-ending task is polled for an hour at most, then TimeoutError and DELETE", async () => {
      // The clock jumps past the hour once the task is running, instead of the test waiting an hour.
      let taskId: string | undefined;
      const err = await withJumpingClock((jump) =>
        gateway()
          .generateVideo(cfg("veo3.1", { maxRetries: 0 }), { prompt: "[slow] forever" }, {
            // Only a safety net: without the limit this would be CancelledError, not a hang.
            signal: AbortSignal.timeout(30_000),
            onProgress: (u) => {
              if (u.message?.startsWith("submitted as ")) taskId = u.message.slice("submitted as ".length);
              if (u.status === "processing") jump(61 * 60_000);
            },
          })
          .catch((e: unknown) => e),
      );
      assert.ok(err instanceof TimeoutError, String(err));
      assert.match(err.message, /deadline/);
      assert.ok(taskId);
      for (let i = 0; i < 100 && fake.server.calls("DELETE", `/v1/tasks/${taskId}`).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(fake.server.calls("DELETE", `/v1/tasks/${taskId}`).length, 1);
    });

    it("submitVideo, then getVideoStatus from a fresh gateway with only the job id, to completion", async () => {
      const submitted = await gateway().submitVideo(cfg("gen4_turbo"), { prompt: "resume me", imageList: [{ image: FIRST }] });
      assert.equal(submitted.provider, "runway");
      assert.ok(fake.tasks.has(submitted.providerJobId));
      const other = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent" });
      const seen: [string, number | undefined][] = [];
      for (let i = 0; i < 10; i++) {
        const s = await other.getVideoStatus(submitted.jobId, { apiKey: RUNWAY_KEY, baseUrl: fake.url });
        seen.push([s.status, s.progressPercent]);
        if (s.status === "completed") {
          assert.equal(s.result!.video.url, `https://dnznrvs05pmza.cloudfront.net/${submitted.providerJobId}/video.mp4?_jwt=fake`);
          assert.equal(s.result!.providerRequestId, submitted.providerJobId);
          assert.ok(s.result!.warnings.some((w) => /expire/.test(w)));
          break;
        }
      }
      assert.deepEqual(seen, [
        ["queued", undefined],
        ["queued", undefined],
        ["processing", 25],
        ["processing", 75],
        ["completed", 100],
      ]);
    });

    it("cancelVideo from a fresh gateway deletes the task; its status then reads cancelled", async () => {
      const submitted = await gateway().submitVideo(cfg("veo3.1"), { prompt: "[slow] cancel me" });
      const other = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent" });
      const conf = { apiKey: RUNWAY_KEY, baseUrl: fake.url };
      assert.equal((await other.getVideoStatus(submitted.jobId, conf)).status, "queued");
      await other.cancelVideo(submitted.jobId, conf);
      assert.equal(fake.server.calls("DELETE", `/v1/tasks/${submitted.providerJobId}`).length, 1);
      assert.equal((await other.getVideoStatus(submitted.jobId, conf)).status, "cancelled");
      const again = await other.cancelVideo(submitted.jobId, conf).catch((e: unknown) => e);
      assert.ok(again instanceof HTTPError);
      assert.equal(again.statusCode, 404);
    });

    it("a FAILED task read through getVideoStatus reports the typed error", async () => {
      const submitted = await gateway().submitVideo(cfg("veo3.1"), { prompt: "[moderation] x" });
      const conf = { apiKey: RUNWAY_KEY, baseUrl: fake.url };
      await gateway().getVideoStatus(submitted.jobId, conf);
      const s = await gateway().getVideoStatus(submitted.jobId, conf);
      assert.equal(s.status, "failed");
      assert.equal(s.error!.type, "ContentModerationError");
    });
  });
});
