import { SERVED_ON } from "../helpers/served-on.js";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  ValidationError,
  createGateway,
  type VideoGenerationConfig,
  type VideoGenerationResponse,
} from "../../src/index.js";
import { parseDataUrl } from "../../src/core/media/tools.js";
import { ONE_PIXEL_PNG, startFakeServer } from "../helpers/fake-server.js";
import { GOOGLE_FAKE_KEY, GOOGLE_FAKE_TOKEN, PNG_BASE64 } from "../fakes/google.js";
import { type GoogleVideoFake, SMALL_MP4, startGoogleVideoFake } from "../fakes/google-video.js";

type Json = Record<string, unknown>;
type Body = { instances: Json[]; parameters: Json } & Json;

const opts = { now: SERVED_ON, network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} } as const;
const gw = createGateway(opts);
const VERTEX = "/v1/projects/my-proj/locations/us-central1/publishers/google/models";
const PNG_DATA_URL = `data:image/png;base64,${PNG_BASE64}`;

let fake: GoogleVideoFake;
before(async () => {
  fake = await startGoogleVideoFake({ tokens: [GOOGLE_FAKE_TOKEN] });
});
after(() => fake.close());
beforeEach(() => {
  fake.pollsUntilDone = 2;
});

const cfg = (extra: Partial<VideoGenerationConfig> = {}): VideoGenerationConfig => ({
  provider: "google",
  model: "veo-3.0-generate-001",
  apiKey: GOOGLE_FAKE_KEY,
  baseUrl: fake.url,
  pollIntervalMs: 1,
  ...extra,
});
const vertex = (extra: Partial<VideoGenerationConfig> = {}, pc: Json = {}): VideoGenerationConfig =>
  cfg({ apiKey: undefined, providerConfig: { project: "my-proj", location: "us-central1", accessToken: GOOGLE_FAKE_TOKEN, ...pc }, ...extra });
const submits = () => fake.requests.filter((r) => r.path.endsWith(":predictLongRunning"));
const lastSubmit = () => submits().at(-1)!;
const lastBody = () => lastSubmit().json as Body;

describe("google Veo (Gemini API): request on the wire and result", () => {
  it("submits predictLongRunning with the key header, polls the operation until done, and returns the file URI", async () => {
    const events: string[] = [];
    const res = await gw.generateVideo(
      cfg(),
      {
        prompt: "a heron takes off from a misty lake",
        negativePrompt: "people",
        durationSeconds: 8,
        aspectRatio: "16:9",
        resolution: "1080p",
        enhancePrompt: true,
        personGeneration: "allow_all",
        webhookConfig: { uris: ["https://example.com/hook"] },
      },
      { onProgress: (u) => void events.push(u.status) },
    );
    const req = lastSubmit();
    assert.equal(req.path, "/v1beta/models/veo-3.0-generate-001:predictLongRunning");
    assert.equal(req.headers["x-goog-api-key"], GOOGLE_FAKE_KEY);
    assert.equal(req.query.get("key"), null);
    assert.deepEqual(req.json, {
      instances: [{ prompt: "a heron takes off from a misty lake" }],
      parameters: { durationSeconds: 8, aspectRatio: "16:9", resolution: "1080p", negativePrompt: "people", enhancePrompt: true, personGeneration: "allow_all" },
      webhookConfig: { uris: ["https://example.com/hook"] },
    });
    const opName = res.providerRequestId!;
    assert.match(opName, /^models\/veo-3\.0-generate-001\/operations\/op/);
    const polls = fake.calls("GET", `/v1beta/${opName}`);
    assert.equal(polls.length, 2);
    assert.ok(polls.every((p) => p.headers["x-goog-api-key"] === GOOGLE_FAKE_KEY));

    assert.equal(res.videos.length, 1);
    assert.match(res.video.url, new RegExp(`^${fake.url}/v1beta/files/op[^/]+-0:download\\?alt=media$`));
    assert.ok(!res.video.url.includes(GOOGLE_FAKE_KEY));
    assert.equal(res.video.mediaType, "video/mp4");
    assert.deepEqual(res.usage, { videos: 1 });
    assert.deepEqual(res.cost, { amountUsd: 3.2, basis: "per_second", estimated: true });
    assert.deepEqual(events, ["queued", "processing", "completed"]);
    assert.ok(!JSON.stringify(res).includes(GOOGLE_FAKE_KEY));
  });

  it("numberOfVideos=2 sends sampleCount 2 and returns both videos, costed for both", async () => {
    const res = await gw.generateVideo(cfg({ model: "veo-3.0-fast-generate-001" }), { prompt: "two takes", numberOfVideos: 2, durationSeconds: 4 });
    assert.equal(lastBody().parameters.sampleCount, 2);
    assert.equal(res.videos.length, 2);
    assert.notEqual(res.videos[0]!.url, res.videos[1]!.url);
    assert.deepEqual(res.usage, { videos: 2 });
    assert.equal(res.cost?.amountUsd, 1.2);
  });

  it("maps first and last frame, asset references and a video to extend (Veo 3.1)", async () => {
    const model = "veo-3.1-generate-preview";
    await gw.generateVideo(cfg({ model }), {
      prompt: "morph",
      imageList: [
        { image: new Uint8Array(ONE_PIXEL_PNG), type: "first_frame" },
        { image: PNG_DATA_URL, type: "last_frame" },
      ],
    });
    assert.deepEqual(lastBody().instances[0], {
      prompt: "morph",
      image: { bytesBase64Encoded: PNG_BASE64, mimeType: "image/png" },
      lastFrame: { bytesBase64Encoded: PNG_BASE64, mimeType: "image/png" },
    });

    await gw.generateVideo(cfg({ model }), { prompt: "the dress on a runway", imageList: [{ image: PNG_DATA_URL }, { image: PNG_DATA_URL, type: "asset" }] });
    assert.deepEqual(lastBody().instances[0]!.referenceImages, [
      { image: { bytesBase64Encoded: PNG_BASE64, mimeType: "image/png" }, referenceType: "asset" },
      { image: { bytesBase64Encoded: PNG_BASE64, mimeType: "image/png" }, referenceType: "asset" },
    ]);

    // A Veo output of the Gemini API is extended by its URI; other videos are sent as bytes.
    const first = await gw.generateVideo(cfg({ model }), { prompt: "a boat" });
    await gw.generateVideo(cfg({ model }), { prompt: "the boat sails on", video: first.video.url });
    assert.deepEqual(lastBody().instances[0]!.video, { uri: first.video.url });
    await gw.generateVideo(cfg({ model }), { prompt: "continue", video: new Uint8Array(SMALL_MP4) });
    assert.deepEqual(lastBody().instances[0]!.video, { encodedVideo: Buffer.from(SMALL_MP4).toString("base64"), encoding: "video/mp4" });
  });

  it("refuses what a Veo model cannot take before calling Google (strict), per the catalog", async () => {
    const before = submits().length;
    const field = (f: string) => (e: unknown) => e instanceof ValidationError && e.field === f;
    await assert.rejects(gw.generateVideo(cfg({ model: "veo-2.0-generate-001" }), { prompt: "x", durationSeconds: 4 }), field("durationSeconds"));
    await assert.rejects(gw.generateVideo(cfg({ model: "veo-2.0-generate-001" }), { prompt: "x", generateAudio: true }), field("generateAudio"));
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "x", resolution: "4k" }), field("resolution"));
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "x", aspectRatio: "1:1" }), field("aspectRatio"));
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "x", numberOfVideos: 5 }), field("numberOfVideos"));
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "x", imageList: [{ image: PNG_DATA_URL, type: "last_frame" }] }), field("imageList.0.type"));
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "x", video: new Uint8Array(SMALL_MP4) }), field("video"));
    await assert.rejects(
      gw.generateVideo(cfg({ model: "veo-3.1-generate-preview" }), { prompt: "x", imageList: [{ image: PNG_DATA_URL, type: "last_frame" }] }),
      field("imageList"),
    );
    assert.equal(submits().length, before);
  });

  it("seed and generateAudio:false are Vertex-only: ValidationError in strict mode, left out with a warning in coerce mode", async () => {
    const before = submits().length;
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "x", seed: 7 }), (e: unknown) => e instanceof ValidationError && e.field === "seed");
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "x", generateAudio: false }), (e: unknown) => e instanceof ValidationError && e.field === "generateAudio");
    assert.equal(submits().length, before);
    const res = await gw.generateVideo(cfg({ validation: "coerce" }), { prompt: "x", seed: 7, generateAudio: false });
    assert.deepEqual(lastBody().parameters, {});
    assert.ok(res.warnings.some((w) => w.startsWith("seed is only supported on Vertex AI")));
    assert.ok(res.warnings.some((w) => w.startsWith("generateAudio is only supported on Vertex AI")));
    // Veo 3 on the Gemini API always renders audio: true needs no field.
    await gw.generateVideo(cfg(), { prompt: "x", generateAudio: true });
    assert.deepEqual(lastBody().parameters, {});
  });

  it("defaults to veo-3.1-generate-001 (GA) when the config names only the provider", async () => {
    const res = await gw.generateVideo({ provider: "google", apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url, pollIntervalMs: 1 }, { prompt: "default" });
    assert.equal(res.model, "veo-3.1-generate-001");
    assert.equal(lastSubmit().path, "/v1beta/models/veo-3.1-generate-001:predictLongRunning");
  });
});

describe("google Veo: downloads that need the key", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "veo-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("streams a multi-megabyte Veo file to disk through downloadMedia with the key header and bounded memory", async () => {
    const gc = (() => {
      setFlagsFromString("--expose-gc");
      return runInNewContext("gc") as () => void;
    })();
    const size = fake.bigFileBytes;
    const source = fake.bigFile; // allocated before the baseline
    const res = await gw.generateVideo(cfg(), { prompt: "big-file ocean waves" });
    const fresh = createGateway(opts);
    gc();
    const base = process.memoryUsage();
    let peakArray = base.arrayBuffers;
    let peakHeap = base.heapUsed;
    // Garbage (chunks already written) is collected before each sample, so the peak is what the
    // download holds live; buffering the file would hold all of it.
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      gc();
      const m = process.memoryUsage();
      peakArray = Math.max(peakArray, m.arrayBuffers);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 1);
    const saved = await fresh.downloadMedia(res, { to: join(dir, "wave.mp4"), config: { apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url } });
    clearInterval(sampler);
    gc();
    const end = process.memoryUsage();
    peakArray = Math.max(peakArray, end.arrayBuffers);
    peakHeap = Math.max(peakHeap, end.heapUsed);

    assert.equal(saved.length, 1);
    assert.equal(saved[0]!.bytes, size);
    assert.equal(saved[0]!.mediaType, "video/mp4");
    assert.equal((await stat(saved[0]!.path!)).size, size);
    const written = await readFile(saved[0]!.path!);
    assert.ok(written.subarray(0, 64).equals(Buffer.from(source.subarray(0, 64))));
    const download = fake.requests.filter((r) => r.path.includes("-big:download")).at(-1)!;
    assert.equal(download.headers["x-goog-api-key"], GOOGLE_FAKE_KEY);
    assert.equal(download.query.get("key"), null);
    assert.ok(samples >= 3, `only ${samples} memory samples were taken during the download`);
    assert.ok(peakArray - base.arrayBuffers < size / 2, `arrayBuffers grew by ${peakArray - base.arrayBuffers} bytes for a ${size}-byte file`);
    assert.ok(peakHeap - base.heapUsed < size / 2, `heapUsed grew by ${peakHeap - base.heapUsed} bytes for a ${size}-byte file`);
  });

  it("fails with AuthenticationError when downloadMedia has no key, and never sends the key to another host", async () => {
    const res = await gw.generateVideo(cfg(), { prompt: "small" });
    await assert.rejects(createGateway(opts).downloadMedia(res, { to: join(dir, "nokey.mp4"), config: { baseUrl: fake.url } }), AuthenticationError);

    const other = await startFakeServer((s) => s.route("GET", "/clip.mp4", () => ({ headers: { "content-type": "video/mp4" }, body: SMALL_MP4 })));
    try {
      const foreign: VideoGenerationResponse = { ...res, video: { ...res.video, url: `${other.url}/clip.mp4` }, videos: [{ ...res.video, url: `${other.url}/clip.mp4` }] };
      const saved = await gw.downloadMedia(foreign, { to: join(dir, "foreign.mp4"), config: { apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url } });
      assert.equal(saved[0]!.bytes, SMALL_MP4.length);
      assert.equal(other.requests[0]!.headers["x-goog-api-key"], undefined);
    } finally {
      await other.close();
    }
  });
});

describe("google Veo: failures, moderation and errors", () => {
  it("a finished operation with only raiMediaFilteredCount → ContentModerationError", async () => {
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "rai-filter a crowd" }), (e: unknown) => {
      assert.ok(e instanceof ContentModerationError);
      assert.equal(e.code, "RAI_MEDIA_FILTERED");
      assert.match(e.message, /Support codes: 58061214/);
      return true;
    });
  });

  it("a partly filtered operation returns the videos it has, with a warning", async () => {
    const res = await gw.generateVideo(cfg(), { prompt: "rai-some", numberOfVideos: 2 });
    assert.equal(res.videos.length, 1);
    assert.ok(res.warnings.some((w) => w.includes("filtered 1 of 2 videos")));
  });

  it("maps an operation error with classifyGoogleStatus: code 3 → ValidationError, safety wording → moderation, 13 → retried", async () => {
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "op-invalid" }), (e: unknown) => e instanceof ValidationError && /unsupported aspect ratio/.test(e.message));
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "op-guidelines" }), ContentModerationError);
    const before = submits().length;
    await assert.rejects(gw.generateVideo(cfg({ maxRetries: 1 }), { prompt: "op-internal" }), (e: unknown) => e instanceof GenerationFailedError && e.transient);
    assert.equal(submits().length - before, 2);
  });

  it("HTTP errors: bad key and missing key → AuthenticationError, unknown field → ValidationError naming it, unknown model → 404", async () => {
    await assert.rejects(gw.generateVideo(cfg({ apiKey: "wrong-key-000000000" }), { prompt: "x" }), AuthenticationError);
    await assert.rejects(
      gw.generateVideo({ provider: "google", model: "veo-3.0-generate-001", baseUrl: fake.url }, { prompt: "x" }),
      AuthenticationError,
    );
    await assert.rejects(gw.generateVideo(cfg(), { prompt: "x", fps: 24 }), (e: unknown) => e instanceof ValidationError && e.field === "parameters.fps");
    await assert.rejects(gw.generateVideo(cfg({ model: "veo-9-imaginary" }), { prompt: "x" }), (e: unknown) => e instanceof HTTPError && e.statusCode === 404);
  });

  it("429 with Retry-After on submit and 503 on a status check are retried to success", async () => {
    fake.script("POST", "/v1beta/models/:action", {
      status: 429,
      headers: { "retry-after": "0" },
      json: { error: { code: 429, message: "Resource has been exhausted (e.g. check quota).", status: "RESOURCE_EXHAUSTED" } },
    });
    const before = submits().length;
    const res = await gw.generateVideo(cfg(), { prompt: "after a 429" });
    assert.equal(submits().length - before, 2);
    assert.equal(res.videos.length, 1);

    fake.script("GET", "/v1beta/models/:model/operations/:id", { status: 503, json: { error: { code: 503, message: "The service is currently unavailable.", status: "UNAVAILABLE" } } });
    const ok = await gw.generateVideo(cfg(), { prompt: "after a 503" });
    assert.equal(ok.videos.length, 1);
  });

  it("falls back to another config (mock) when the Veo operation keeps failing transiently", async () => {
    const res = await gw.generateVideo(
      { ...cfg({ maxRetries: 1 }), fallbacks: [{ provider: "mock", model: "mock-video", mock: { latencyMs: 0 } }] },
      { prompt: "op-internal then fallback" },
    );
    assert.equal(res.provider, "mock");
    assert.equal(res.executionMetadata.fallbackTriggered, true);
    assert.deepEqual(res.executionMetadata.attempts.map((a) => a.provider), ["google", "google", "mock"]);
  });

  it("never puts the key in errors, rawResponse or log lines", async () => {
    const lines: string[] = [];
    const sink = (...args: unknown[]) => void lines.push(JSON.stringify(args));
    const logged = createGateway({ ...opts, logLevel: undefined, logger: { debug: sink, info: sink, warn: sink, error: sink } });
    const res = await logged.generateVideo(cfg(), { prompt: "logged" });
    const err = await logged.generateVideo(cfg(), { prompt: "rai-filter" }).catch((e: unknown) => e as Error);
    assert.ok(err instanceof ContentModerationError);
    assert.ok(lines.length > 0);
    for (const text of [JSON.stringify(res.rawResponse), JSON.stringify(res), err.message, JSON.stringify(err.rawResponse), lines.join("\n")]) {
      assert.ok(!text.includes(GOOGLE_FAKE_KEY));
    }
  });
});

describe("google Veo: cancellation and jobs resumed in another process", () => {
  it("an abort stops polling at once; Veo has no cancel endpoint, so none is called", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = gw.generateVideo(cfg({ pollIntervalMs: 5 }), { prompt: "never-done" }, {
      signal: controller.signal,
      onProgress: (u) => {
        if (u.status === "processing") controller.abort();
      },
    });
    await assert.rejects(pending, CancelledError);
    assert.ok(Date.now() - started < 2000);
    const opName = [...fake.operations.values()].filter((o) => o.prompt === "never-done").at(-1)!.name;
    const polls = fake.calls("GET", `/v1beta/${opName}`).length;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fake.calls("GET", `/v1beta/${opName}`).length, polls);
    assert.equal(fake.requests.filter((r) => r.path.includes(":cancel")).length, 0);
  });

  it("submitVideo, then getVideoStatus from a fresh gateway with only the job id; cancelVideo says it is unsupported", async () => {
    const job = await gw.submitVideo(cfg(), { prompt: "resume me", numberOfVideos: 2 });
    assert.match(job.providerJobId, /^models\/veo-3\.0-generate-001\/operations\//);
    const other = createGateway(opts);
    const conf = { apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url };
    const first = await other.getVideoStatus(job.jobId, conf);
    assert.equal(first.status, "processing");
    assert.equal(first.model, "veo-3.0-generate-001");
    await other.getVideoStatus(job.jobId, conf);
    const done = await createGateway(opts).getVideoStatus(job.jobId, conf);
    assert.equal(done.status, "completed");
    assert.equal(done.result!.videos.length, 2);
    assert.match(done.result!.video.url, /:download\?alt=media$/);
    await assert.rejects(other.cancelVideo(job.jobId, conf), (e: unknown) => e instanceof ValidationError && /cancel/.test(e.message));
  });

  it("a failed job reports its error through getVideoStatus", async () => {
    fake.pollsUntilDone = 0;
    const job = await gw.submitVideo(cfg(), { prompt: "rai-filter" });
    const status = await createGateway(opts).getVideoStatus(job.jobId, { apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url });
    assert.equal(status.status, "failed");
    assert.equal(status.error?.type, "ContentModerationError");
  });
});

describe("google Veo on Vertex AI", () => {
  it("posts to the publisher model with the bearer token, sends seed/generateAudio, polls fetchPredictOperation and returns base64 bytes", async () => {
    const res = await gw.generateVideo(vertex({ model: "veo-3.1-fast-generate-preview" }), {
      prompt: "a tram in Lisbon",
      seed: 42,
      generateAudio: false,
      resolution: "4k",
      durationSeconds: 8,
      imageList: [{ image: PNG_DATA_URL, type: "first_frame" }],
      labels: { team: "video" },
      compressionQuality: "LOSSLESS",
    });
    const req = lastSubmit();
    assert.equal(req.path, `${VERTEX}/veo-3.1-fast-generate-preview:predictLongRunning`);
    assert.equal(req.headers.authorization, `Bearer ${GOOGLE_FAKE_TOKEN}`);
    assert.equal(req.headers["x-goog-api-key"], undefined);
    assert.deepEqual(req.json, {
      instances: [{ prompt: "a tram in Lisbon", image: { bytesBase64Encoded: PNG_BASE64, mimeType: "image/png" } }],
      parameters: { durationSeconds: 8, resolution: "4k", seed: 42, generateAudio: false, compressionQuality: "LOSSLESS" },
      labels: { team: "video" },
    });
    const polls = fake.calls("POST", `${VERTEX}/veo-3.1-fast-generate-preview:fetchPredictOperation`);
    assert.ok(polls.length >= 2);
    assert.deepEqual(polls.at(-1)!.json, { operationName: res.providerRequestId });
    assert.ok(res.providerRequestId!.startsWith("projects/my-proj/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-preview/operations/"));

    const video = parseDataUrl(res.video.url, "url");
    assert.equal(video.mediaType, "video/mp4");
    assert.equal(video.data.length, 2048);
    assert.equal(res.cost?.amountUsd, 2.8);
    assert.ok(!JSON.stringify(res.rawResponse).includes(Buffer.from(video.data).toString("base64").slice(0, 100)));
  });

  it("returns gs:// URIs when providerConfig.storageUri is set (and refuses storageUri on the Gemini API)", async () => {
    const res = await gw.generateVideo(vertex({}, { storageUri: "gs://my-bucket/veo" }), { prompt: "stored", numberOfVideos: 2 });
    assert.equal(lastBody().parameters.storageUri, "gs://my-bucket/veo");
    assert.equal(res.videos.length, 2);
    assert.match(res.videos[1]!.url, /^gs:\/\/my-bucket\/veo\/.+\/sample_1\.mp4$/);
    await assert.rejects(
      gw.generateVideo(cfg({ providerConfig: { storageUri: "gs://my-bucket/veo" } }), { prompt: "x" }),
      (e: unknown) => e instanceof ValidationError && e.field === "providerConfig.storageUri",
    );
  });

  it("a wrong bearer token → AuthenticationError (UNAUTHENTICATED), not retried", async () => {
    const before = submits().length;
    await assert.rejects(gw.generateVideo(vertex({}, { accessToken: "ya29.not-a-real-token-123456" }), { prompt: "x" }), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError);
      assert.equal(e.statusCode, 401);
      assert.ok(!e.message.includes("ya29.not-a-real-token-123456"));
      return true;
    });
    assert.equal(submits().length - before, 1);
  });

  it("a Vertex safety filter (raiMediaFilteredCount, no videos) → ContentModerationError", async () => {
    await assert.rejects(gw.generateVideo(vertex(), { prompt: "rai-filter" }), ContentModerationError);
  });

  it("resumes a Vertex job from a fresh gateway given only a token: the job id carries model path, project and location", async () => {
    const job = await gw.submitVideo(vertex({ model: "veo-2.0-generate-001" }), { prompt: "resume on vertex", durationSeconds: 5 });
    assert.match(job.providerJobId, /^vertex:projects\/my-proj\/locations\/us-central1\/publishers\/google\/models\/veo-2\.0-generate-001\|projects\//);
    fake.pollsUntilDone = 1;
    const conf = { baseUrl: fake.url, providerConfig: { accessToken: GOOGLE_FAKE_TOKEN } };
    const status = await createGateway(opts).getVideoStatus(job.jobId, conf);
    assert.equal(status.status, "completed");
    assert.ok(status.result!.video.url.startsWith("data:video/mp4;base64,"));
    assert.equal(fake.requests.at(-1)!.path, `${VERTEX}/veo-2.0-generate-001:fetchPredictOperation`);
    assert.equal(fake.requests.at(-1)!.headers.authorization, `Bearer ${GOOGLE_FAKE_TOKEN}`);
  });

  it("express mode (vertex: true, no project) uses the global publisher path with x-goog-api-key", async () => {
    const res = await gw.generateVideo(cfg({ providerConfig: { vertex: true } }), { prompt: "express" });
    assert.equal(lastSubmit().path, "/v1/publishers/google/models/veo-3.0-generate-001:predictLongRunning");
    assert.equal(lastSubmit().headers["x-goog-api-key"], GOOGLE_FAKE_KEY);
    assert.equal(fake.requests.at(-1)!.path, "/v1/publishers/google/models/veo-3.0-generate-001:fetchPredictOperation");
    assert.ok(res.video.url.startsWith("data:video/mp4;base64,"));
  });
});
