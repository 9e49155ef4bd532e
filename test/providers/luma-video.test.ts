import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  type ProgressUpdate,
  ValidationError,
  type VideoGenerationConfig,
  type VideoGenerationRequest,
  createGateway,
} from "../../src/index.js";
import { LUMA_KEY, type LumaFake, PREFIX, VIDEO_PATH, startLumaFake } from "../fakes/luma.js";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";

const gateway = (extra: Parameters<typeof createGateway>[0] = {}) =>
  createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", ...extra });
const gw = gateway();

const FIRST = "https://assets.example.com/first.png";
const LAST = "https://assets.example.com/last.png";

describe("luma video (Ray)", () => {
  let fake: LumaFake;
  before(async () => {
    fake = await startLumaFake();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.server.requests.length = 0;
  });

  const cfg = (model = "ray-2", extra: Partial<VideoGenerationConfig> = {}): VideoGenerationConfig => ({
    provider: "luma",
    model,
    apiKey: LUMA_KEY,
    baseUrl: fake.url,
    pollIntervalMs: 1,
    ...extra,
  });
  const lastPost = () => fake.server.calls("POST", VIDEO_PATH).at(-1)!;
  const lastBody = () => lastPost().json as Record<string, unknown>;

  describe("the fake is strict", () => {
    const post = (path: string, headers: Record<string, string>, body: unknown) =>
      fetch(`${fake.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as { detail: unknown } }));
    const good = { authorization: `Bearer ${LUMA_KEY}`, "content-type": "application/json" };

    it("serves both create paths, refuses a wrong key, unknown fields and bad values", async () => {
      assert.equal((await post("/generations/video", good, { prompt: "x", model: "ray-2" })).status, 201);
      assert.equal((await post("/generations", good, { prompt: "x", model: "ray-2", generation_type: "video" })).status, 201);
      assert.deepEqual((await post("/generations/video", { ...good, authorization: "Bearer nope" }, { prompt: "x", model: "ray-2" })).json, { detail: "Invalid API key provided" });
      const extra = await post("/generations/video", good, { prompt: "x", model: "ray-2", seed: 1 });
      assert.equal(extra.status, 422);
      assert.deepEqual((extra.json.detail as { loc: string[] }[])[0]!.loc, ["body", "seed"]);
      assert.equal((await post("/generations/video", good, { prompt: "x", model: "ray-2", duration: 5 })).status, 422);
      assert.equal((await post("/generations/video", good, { prompt: "x", model: "ray-2", resolution: "480p" })).status, 422);
      assert.equal((await post("/generations/video", good, { prompt: "x", model: "ray-2", keyframes: { frame0: { type: "image", url: "data:x" } } })).status, 422);
    });
  });

  describe("request on the wire", () => {
    it("POST /generations/video with every mapped field; polled queued → dreaming → completed; assets.video", async () => {
      const updates: ProgressUpdate[] = [];
      const res = await gw.generateVideo(
        cfg("ray-2"),
        {
          prompt: "a whale breaching",
          aspectRatio: "21:9",
          resolution: "1080p",
          durationSeconds: 9,
          imageList: [
            { image: FIRST, type: "first_frame" },
            { image: LAST, type: "last_frame" },
          ],
        },
        { onProgress: (u) => void updates.push(u) },
      );
      const req = lastPost();
      assert.equal(req.headers.authorization, `Bearer ${LUMA_KEY}`);
      assert.equal(req.contentType, "application/json");
      assert.deepEqual(req.json, {
        prompt: "a whale breaching",
        model: "ray-2",
        aspect_ratio: "21:9",
        resolution: "1080p",
        duration: "9s",
        keyframes: { frame0: { type: "image", url: FIRST }, frame1: { type: "image", url: LAST } },
      });
      const id = res.providerRequestId!;
      assert.ok(fake.generations.has(id));
      assert.equal(res.video.url, `${fake.server.url}/cdn/${id}.mp4`);
      assert.equal(res.video.mediaType, "video/mp4");
      assert.equal(res.video.durationSeconds, 9);
      assert.deepEqual(res.usage, { videos: 1, seconds: 9 });
      assert.ok(res.warnings.some((w) => /do not last forever/.test(w)), res.warnings.join("; "));
      assert.deepEqual(
        updates.map((u) => [u.status, u.message]),
        [
          ["queued", `submitted as ${id}`],
          ["queued", undefined],
          ["processing", "dreaming"],
          ["completed", undefined],
        ],
      );
      assert.equal(fake.server.calls("GET", `${PREFIX}/generations/${id}`).length, 3);
    });

    it("uses ray-2 when only the provider is named; 480p is sent as 540p with a warning", async () => {
      const res = await gw.generateVideo({ provider: "luma", apiKey: LUMA_KEY, baseUrl: fake.url, pollIntervalMs: 1 }, { prompt: "x", resolution: "480p" });
      assert.equal(res.model, "ray-2");
      assert.deepEqual(lastBody(), { prompt: "x", model: "ray-2", resolution: "540p" });
      assert.ok(res.warnings.some((w) => /480p was sent as 540p/.test(w)));
      assert.equal(res.video.durationSeconds, 5);
    });

    it("loop, concepts and a generation keyframe pass through extraParams (keyframes merged)", async () => {
      await gw.generateVideo(cfg("ray-flash-2"), {
        prompt: "continue",
        imageList: [{ image: LAST, type: "last_frame" }],
        extraParams: { loop: true, concepts: [{ key: "dolly_zoom" }], keyframes: { frame0: { type: "generation", id: "gen-123" } } },
      });
      assert.deepEqual(lastBody(), {
        prompt: "continue",
        model: "ray-flash-2",
        keyframes: { frame1: { type: "image", url: LAST }, frame0: { type: "generation", id: "gen-123" } },
        loop: true,
        concepts: [{ key: "dolly_zoom" }],
      });
    });

    it("ray-1-6: fixed 5 s, neither duration nor resolution sent", async () => {
      await gw.generateVideo(cfg("ray-1-6"), { prompt: "x", durationSeconds: 5, aspectRatio: "1:1" });
      assert.deepEqual(lastBody(), { prompt: "x", model: "ray-1-6", aspect_ratio: "1:1" });
    });

    it("durations: 5 or 9 s; strict refuses 7, coerce sends the nearest with a warning", async () => {
      const err = await gw.generateVideo(cfg(), { prompt: "x", durationSeconds: 7 }).catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError);
      assert.equal(err.issues[0]!.field, "durationSeconds");
      assert.deepEqual(err.issues[0]!.allowed, [5, 9]);
      const res = await gw.generateVideo(cfg("ray-2", { validation: "coerce" }), { prompt: "x", durationSeconds: 8 });
      assert.equal(lastBody().duration, "9s");
      assert.ok(res.warnings.some((w) => /durationSeconds 8 is not supported/.test(w)));
    });

    it("fields Ray lacks (seed, audio, numberOfVideos > 1, reference images) are refused in strict mode", async () => {
      const cases: [Omit<VideoGenerationRequest, "prompt">, string][] = [
        [{ seed: 1 }, "seed"],
        [{ generateAudio: true }, "generateAudio"],
        [{ numberOfVideos: 2 }, "numberOfVideos"],
        [{ imageList: [{ image: FIRST, type: "reference" }] }, "imageList.0.type"],
      ];
      for (const [request, field] of cases) {
        const err = await gw.generateVideo(cfg(), { prompt: "x", ...request }).catch((e: unknown) => e);
        assert.ok(err instanceof ValidationError, field);
        assert.equal(err.issues[0]!.field, field);
      }
      assert.equal(fake.server.calls("POST", VIDEO_PATH).length, 0);
    });

    it("keyframes must be http(s) URLs: data URLs and bytes → ValidationError naming the field, nothing sent", async () => {
      const dataUrl = `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`;
      for (const image of [dataUrl, new Uint8Array(ONE_PIXEL_PNG)]) {
        const err = await gw
          .generateVideo(cfg(), { prompt: "x", imageList: [{ image: FIRST, type: "first_frame" }, { image, type: "last_frame" }] })
          .catch((e: unknown) => e);
        assert.ok(err instanceof ValidationError);
        assert.equal(err.issues[0]!.field, "imageList.1.image");
        assert.match(err.message, /https URL/);
      }
      assert.equal(fake.server.calls("POST", VIDEO_PATH).length, 0);
    });
  });

  describe("errors", () => {
    it("a failed generation → GenerationFailedError; a moderation failure_reason → ContentModerationError", async () => {
      const failed = await gw.generateVideo(cfg("ray-2", { maxRetries: 0 }), { prompt: "[fail-internal] x" }).catch((e: unknown) => e);
      assert.ok(failed instanceof GenerationFailedError);
      assert.match(failed.message, /Internal server error/);
      const moderated = await gw.generateVideo(cfg("ray-2", { maxRetries: 2 }), { prompt: "[fail-moderation] x" }).catch((e: unknown) => e);
      assert.ok(moderated instanceof ContentModerationError);
      assert.equal(fake.server.calls("POST", VIDEO_PATH).length, 2, "moderation is not retried");
    });

    it("a refused prompt (400) → ContentModerationError; a 422 → ValidationError naming the field; 401 → AuthenticationError", async () => {
      const refused = await gw.generateVideo(cfg(), { prompt: "[forbidden] x" }).catch((e: unknown) => e);
      assert.ok(refused instanceof ContentModerationError);
      const bad = await gw.generateVideo(cfg(), { prompt: "x", extraParams: { loop: "yes" } }).catch((e: unknown) => e);
      assert.ok(bad instanceof ValidationError);
      assert.equal(bad.issues[0]!.field, "extraParams.loop");
      const key = "luma-wrong-key-0123456789";
      const auth = await gw.generateVideo(cfg("ray-2", { apiKey: key }), { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(auth instanceof AuthenticationError);
      assert.ok(!JSON.stringify({ m: auth.message, r: auth.rawResponse }).includes(key));
    });

    it("falls back from luma to { provider: 'mock' } after retryable failures", async () => {
      fake.server.script("POST", VIDEO_PATH, { status: 503, json: { detail: "Service unavailable" } }, { status: 503, json: { detail: "Service unavailable" } });
      const res = await gw.generateVideo(cfg("ray-2", { maxRetries: 1, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x" });
      assert.equal(res.provider, "mock");
      assert.deepEqual(res.executionMetadata.attempts.map((a) => a.provider), ["luma", "luma", "mock"]);
    });

    it("never writes the key into log lines", async () => {
      const lines: string[] = [];
      const sink = (...args: unknown[]) => void lines.push(JSON.stringify(args));
      const logged = gateway({ logLevel: "debug", logger: { debug: sink, info: sink, warn: sink, error: sink } });
      await logged.generateVideo(cfg("ray-2", { maxRetries: 0 }), { prompt: "[fail-internal] x" }).catch(() => undefined);
      assert.ok(lines.length > 0);
      assert.ok(!lines.some((l) => l.includes(LUMA_KEY)));
    });
  });

  describe("cancellation and jobs that outlive the caller", () => {
    const fresh = () => createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent" });
    const conf = () => ({ apiKey: LUMA_KEY, baseUrl: fake.url });

    it("aborting the signal deletes the generation (DELETE /generations/{id})", async () => {
      const controller = new AbortController();
      let id: string | undefined;
      const err = await gw
        .generateVideo(cfg("ray-2", { pollIntervalMs: 5 }), { prompt: "[slow] x" }, {
          signal: controller.signal,
          onProgress: (u) => {
            if (u.message?.startsWith("submitted as ")) id = u.message.slice("submitted as ".length);
            else controller.abort();
          },
        })
        .catch((e: unknown) => e);
      assert.ok(err instanceof CancelledError, String(err));
      assert.ok(id);
      // The caller is released at once; the provider-side delete follows in the background.
      for (let i = 0; i < 100 && fake.server.calls("DELETE", `${PREFIX}/generations/${id}`).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(fake.server.calls("DELETE", `${PREFIX}/generations/${id}`).length, 1);
      assert.equal(fake.generations.get(id)!.deleted, true);
    });

    it("submitVideo, then getVideoStatus from a fresh gateway with only the job id, to completion", async () => {
      const submitted = await gw.submitVideo(cfg("ray-2"), { prompt: "resume me", durationSeconds: 9 });
      assert.equal(submitted.provider, "luma");
      assert.ok(fake.generations.has(submitted.providerJobId), "the providerJobId is the generation id");
      const other = fresh();
      const seen: [string, string | undefined][] = [];
      for (let i = 0; i < 10; i++) {
        const s = await other.getVideoStatus(submitted.jobId, conf());
        seen.push([s.status, s.message]);
        if (s.status === "completed") {
          assert.equal(s.result!.video.url, `${fake.server.url}/cdn/${submitted.providerJobId}.mp4`);
          assert.equal(s.result!.video.durationSeconds, 9);
          assert.equal(s.result!.providerRequestId, submitted.providerJobId);
          break;
        }
      }
      assert.deepEqual(seen, [
        ["queued", undefined],
        ["processing", "dreaming"],
        ["completed", undefined],
      ]);
    });

    it("cancelVideo from a fresh gateway deletes the generation; a second cancel is a 404", async () => {
      const submitted = await gw.submitVideo(cfg("ray-flash-2"), { prompt: "[slow] cancel me" });
      const other = fresh();
      assert.equal((await other.getVideoStatus(submitted.jobId, conf())).status, "queued");
      await other.cancelVideo(submitted.jobId, conf());
      assert.equal(fake.server.calls("DELETE", `${PREFIX}/generations/${submitted.providerJobId}`).length, 1);
      assert.equal(fake.generations.get(submitted.providerJobId)!.deleted, true);
      const again = await other.cancelVideo(submitted.jobId, conf()).catch((e: unknown) => e);
      assert.ok(again instanceof HTTPError);
      assert.equal(again.statusCode, 404);
    });

    it("a moderated generation read through getVideoStatus reports the typed error", async () => {
      const submitted = await gw.submitVideo(cfg("ray-2"), { prompt: "[fail-moderation] x" });
      const other = fresh();
      let s = await other.getVideoStatus(submitted.jobId, conf());
      for (let i = 0; i < 5 && s.status !== "failed"; i++) s = await other.getVideoStatus(submitted.jobId, conf());
      assert.equal(s.status, "failed");
      assert.equal(s.error!.type, "ContentModerationError");
    });
  });
});
