import { SERVED_ON } from "../helpers/served-on.js";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { after, before, beforeEach, describe, it } from "node:test";
import sharp from "sharp";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  type ProgressUpdate,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import type { RecordedRequest } from "../helpers/fake-server.js";
import { BLOCKED_WORD, openAIError } from "../fakes/openai.js";
import { CRASH_WORD, MODERATED_WORD, SLOW_WORD, type SoraFake, fakeMp4, startOpenAIVideoFake } from "../fakes/openai-video.js";

const KEY = "test-key-1234567890";
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Memory after a full GC; external buffers are released a tick later, hence the second pass. */
async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  gc();
  await new Promise((r) => setTimeout(r, 10));
  gc();
  return process.memoryUsage();
}
const gateway = (extra: Parameters<typeof createGateway>[0] = {}) =>
  createGateway({ now: SERVED_ON, network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {}, ...extra });
const gw = gateway();

let fake: SoraFake;
const cfg = (model = "sora-2", extra: Record<string, unknown> = {}) => ({ provider: "openai", model, apiKey: KEY, baseUrl: fake.url, pollIntervalMs: 1, ...extra });
const lastCreate = (): RecordedRequest => fake.calls("POST", "/videos").at(-1)!;
const formValues = (r: RecordedRequest) => {
  const out: Record<string, string> = {};
  for (const [k, v] of r.form!.entries()) out[k] = typeof v === "string" ? v : `file:${v.type}:${v.name}:${v.size}`;
  return out;
};
const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } }).png().toBuffer();

describe("openai sora video", () => {
  before(async () => {
    fake = await startOpenAIVideoFake({ apiKey: KEY });
  });
  after(() => fake.close());
  beforeEach(() => fake.requests.splice(0));

  it("sora-2-pro: multipart create with string seconds and a size from aspectRatio + resolution, then queued → in_progress → completed", async () => {
    const updates: ProgressUpdate[] = [];
    const res = await gw.generateVideo(
      cfg("sora-2-pro"),
      { prompt: "a paper boat on a rainy street", durationSeconds: 8, aspectRatio: "16:9", resolution: "1080p" },
      { onProgress: (u) => void updates.push(u) },
    );
    const create = lastCreate();
    assert.equal(create.contentType, "multipart/form-data");
    assert.equal(create.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(formValues(create), { model: "sora-2-pro", prompt: "a paper boat on a rainy street", seconds: "8", size: "1792x1024" });

    const id = (fake.calls("GET", "/videos/:id")[0]!.path.split("/")[2])!;
    assert.match(id, /^video_/);
    assert.deepEqual(
      updates.map((u) => [u.status, u.progressPercent]),
      [
        ["queued", undefined],
        ["queued", 0],
        ["processing", 33],
        ["processing", 66],
        ["completed", 100],
      ],
    );
    assert.equal(res.videos.length, 1);
    assert.deepEqual(res.video, { url: `${fake.url}/videos/${id}/content`, mediaType: "video/mp4", durationSeconds: 8, width: 1792, height: 1024, requiresProviderAuth: true });
    assert.equal(res.providerRequestId, id);
    assert.deepEqual(res.usage, { videos: 1, seconds: 8 });
    assert.deepEqual(res.cost, { amountUsd: 4, basis: "per_second", estimated: true });
    assert.equal((res.rawResponse as { status: string }).status, "completed");
    assert.ok(!JSON.stringify(res).includes(KEY), "the key is nowhere in the response");
  });

  it("sora-2: defaults are left to the API; aspectRatio alone picks the 720p shape; generateAudio false is a warning", async () => {
    const plain = await gw.generateVideo(cfg(), { prompt: "waves" });
    assert.deepEqual(formValues(lastCreate()), { model: "sora-2", prompt: "waves" });
    assert.deepEqual([plain.video.width, plain.video.height, plain.video.durationSeconds], [720, 1280, 4]);
    assert.deepEqual(plain.cost, { amountUsd: 0.4, basis: "per_second", estimated: true });

    const res = await gw.generateVideo(cfg(), { prompt: "waves", aspectRatio: "16:9", durationSeconds: 12, generateAudio: false });
    assert.deepEqual(formValues(lastCreate()), { model: "sora-2", prompt: "waves", seconds: "12", size: "1280x720" });
    assert.ok(res.warnings.some((w) => /generateAudio false was not sent/.test(w)));
  });

  it("extraParams go to the form verbatim (size 1920x1080 for sora-2-pro) and unknown ones get OpenAI's 400 naming the field", async () => {
    const res = await gw.generateVideo(cfg("sora-2-pro"), { prompt: "city at dusk", extraParams: { size: "1920x1080" } });
    assert.equal(formValues(lastCreate()).size, "1920x1080");
    assert.deepEqual([res.video.width, res.video.height], [1920, 1080]);

    const err = await gw.generateVideo(cfg(), { prompt: "x", extraParams: { fps: 30 } }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.field, "fps");
    assert.match(err.message, /Unknown parameter: 'fps'/);
  });

  it("durations: the catalog refuses 5 s before any call; a bad seconds value that reaches OpenAI is a ValidationError on durationSeconds", async () => {
    const strict = await gw.generateVideo(cfg(), { prompt: "x", durationSeconds: 5 }).catch((e: unknown) => e);
    assert.ok(strict instanceof ValidationError);
    assert.equal(strict.field, "durationSeconds");
    assert.equal(fake.calls("POST", "/videos").length, 0);

    const coerced = await gw.generateVideo(cfg("sora-2", { validation: "coerce" }), { prompt: "x", durationSeconds: 5 });
    assert.equal(formValues(lastCreate()).seconds, "4");
    assert.ok(coerced.warnings.some((w) => /durationSeconds 5/.test(w)));

    const wire = await gw.generateVideo(cfg(), { prompt: "x", extraParams: { seconds: "5" } }).catch((e: unknown) => e);
    assert.ok(wire instanceof ValidationError);
    assert.equal(wire.field, "durationSeconds");
    assert.match(wire.message, /Invalid value: '5'. Supported values are: '4', '8', '12'/);
    assert.equal(wire.statusCode, 400);
  });

  it("image-to-video: the first_frame goes up as the input_reference file; an image of the wrong size is OpenAI's 400 on imageList", async () => {
    const frame = await png(1280, 720);
    await gw.generateVideo(cfg(), { prompt: "the boat sails away", aspectRatio: "16:9", imageList: [{ image: frame, type: "first_frame" }] });
    const create = lastCreate();
    const file = create.form!.get("input_reference") as File;
    assert.equal(file.type, "image/png");
    assert.equal(file.name, "input_reference.png");
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), frame);
    assert.equal(formValues(create).size, "1280x720");

    const err = await gw
      .generateVideo(cfg(), { prompt: "x", aspectRatio: "9:16", imageList: [{ image: frame, type: "first_frame" }] })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.field, "imageList");
    assert.match(err.message, /must match the requested width and height/);

    const wrongType = await gw.generateVideo(cfg(), { prompt: "x", imageList: [{ image: frame, type: "last_frame" }] }).catch((e: unknown) => e);
    assert.ok(wrongType instanceof ValidationError);
    assert.equal(wrongType.field, "imageList.0.type");
  });

  it("failures: a failed job is GenerationFailedError, a moderation error.code is ContentModerationError, a blocked prompt at create too", async () => {
    const failed = await gw.generateVideo(cfg(), { prompt: `${CRASH_WORD} please` }).catch((e: unknown) => e);
    assert.ok(failed instanceof GenerationFailedError);
    assert.equal(failed.code, "internal_error");
    assert.match(failed.message, /internal error/);

    const updates: string[] = [];
    const moderated = await gw.generateVideo(cfg(), { prompt: `${MODERATED_WORD} scene` }, { onProgress: (u) => void updates.push(u.status) }).catch((e: unknown) => e);
    assert.ok(moderated instanceof ContentModerationError);
    assert.equal(moderated.code, "moderation_blocked");
    assert.equal(updates.at(-1), "failed");
    assert.equal(fake.calls("POST", "/videos").length, 2, "terminal failures are not retried");

    const blocked = await gw.generateVideo(cfg(), { prompt: `${BLOCKED_WORD} scene` }).catch((e: unknown) => e);
    assert.ok(blocked instanceof ContentModerationError);
    assert.equal(blocked.statusCode, 400);
  });

  it("wrong key → AuthenticationError without the key; 429 with Retry-After and 5xx are retried; exhausted 5xx falls back to mock", async () => {
    const wrong = "sk-wrong-key-abcdef123456";
    const auth = await gw.generateVideo({ ...cfg(), apiKey: wrong }, { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(auth instanceof AuthenticationError);
    assert.ok(!auth.message.includes(wrong));
    assert.ok(!JSON.stringify(auth.rawResponse ?? "").includes(wrong));

    fake.script("POST", "/videos", { ...openAIError(429, "Rate limit reached for sora-2.", null, "rate_limit_exceeded", "requests"), headers: { "retry-after": "0" } });
    fake.script("GET", "/videos/:id", { ...openAIError(500, "The server had an error while processing your request.", null, null, "server_error") });
    const posts = fake.calls("POST", "/videos").length;
    const res = await gw.generateVideo(cfg(), { prompt: "retry me" });
    // The 429 at create is retried; the 500 on a status read is read again, not resubmitted (no double billing).
    assert.equal(res.executionMetadata.totalAttempts, 2);
    assert.equal(res.executionMetadata.attempts[0]!.statusCode, 429);
    assert.equal(fake.calls("POST", "/videos").length - posts, 2);

    const err503 = openAIError(503, "The engine is currently overloaded, please try again later.", null, null, "server_error");
    fake.script("POST", "/videos", err503, err503);
    const fell = await gw.generateVideo(cfg("sora-2", { maxRetries: 1, fallbacks: [{ provider: "mock", mock: { latencyMs: 0 } }] }), { prompt: "x" });
    assert.equal(fell.provider, "mock");
    assert.equal(fell.executionMetadata.fallbackTriggered, true);
  });

  it("abort while in progress → CancelledError and DELETE /videos/{id}", async () => {
    const controller = new AbortController();
    const pending = gw.generateVideo(cfg(), { prompt: `${SLOW_WORD} sunrise` }, {
      signal: controller.signal,
      onProgress: (u) => {
        if (u.status === "processing") controller.abort();
      },
    });
    await assert.rejects(pending, CancelledError);
    const id = lastCreateId();
    // The caller's promise settles at once; the provider-side cancel follows in the background.
    for (let i = 0; i < 100 && fake.calls("DELETE", "/videos/:id").length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const del = fake.calls("DELETE", "/videos/:id");
    assert.equal(del.length, 1);
    assert.equal(del[0]!.path, `/videos/${id}`);
    assert.equal(del[0]!.headers.authorization, `Bearer ${KEY}`);
    assert.equal(fake.videos.get(id)!.deleted, true);
  });

  it("resume from a fresh gateway: submitVideo, getVideoStatus until completed, cancelVideo deletes", async () => {
    const submitted = await gateway().submitVideo(cfg("sora-2-pro"), { prompt: "resume me", durationSeconds: 4, aspectRatio: "9:16" });
    assert.match(submitted.providerJobId, /^video_/);
    const config = { apiKey: KEY, baseUrl: fake.url };
    const other = gateway();
    const seen: [string, number | undefined][] = [];
    let status = await other.getVideoStatus(submitted.jobId, config);
    while (status.status !== "completed") {
      seen.push([status.status, status.progressPercent]);
      assert.ok(seen.length < 10);
      status = await other.getVideoStatus(submitted.jobId, config);
    }
    assert.deepEqual(seen, [
      ["queued", 0],
      ["processing", 33],
      ["processing", 66],
    ]);
    assert.equal(status.result!.video.url, `${fake.url}/videos/${submitted.providerJobId}/content`);
    assert.deepEqual([status.result!.video.width, status.result!.video.height], [720, 1280]);
    assert.equal(status.result!.providerRequestId, submitted.providerJobId);

    const second = await gateway().submitVideo(cfg(), { prompt: `${SLOW_WORD} and steady` });
    await other.cancelVideo(second.jobId, config);
    assert.deepEqual(fake.calls("DELETE", "/videos/:id").map((r) => r.path), [`/videos/${second.providerJobId}`]);
    const gone = await other.getVideoStatus(second.jobId, config).catch((e: unknown) => e);
    assert.ok(gone instanceof HTTPError);
    assert.equal(gone.statusCode, 404);
  });

  it("/content needs the key: the output is marked requiresProviderAuth, and gateway storage fetches it with the config's key (none in env), also on resume", async () => {
    const res = await gw.generateVideo(cfg(), { prompt: "a heron" });
    assert.equal(res.video.requiresProviderAuth, true);

    const stored: { kind: string; head: string; bytes: number }[] = [];
    const storing = gateway({
      storage: {
        put: async (o) => {
          const data = o.data instanceof Uint8Array ? o.data : new Uint8Array(await new Response(o.data).arrayBuffer());
          stored.push({ kind: o.kind, head: Buffer.from(data.subarray(4, 8)).toString(), bytes: data.byteLength });
          return { url: `https://store.example.com/${o.requestId}/${o.index}.mp4` };
        },
      },
    });
    const kept = await storing.generateVideo(cfg(), { prompt: "a heron" });
    assert.match(kept.video.url, /^https:\/\/store\.example\.com\//);
    assert.equal(kept.video.requiresProviderAuth, undefined);
    assert.equal(stored.length, 1);
    assert.deepEqual({ kind: stored[0]!.kind, head: stored[0]!.head }, { kind: "video", head: "ftyp" });

    const job = await gateway().submitVideo(cfg(), { prompt: "a heron, later" });
    let status = await storing.getVideoStatus(job.jobId, { apiKey: KEY, baseUrl: fake.url });
    for (let i = 0; status.status !== "completed"; i++) {
      assert.ok(i < 10, status.status);
      status = await storing.getVideoStatus(job.jobId, { apiKey: KEY, baseUrl: fake.url });
    }
    assert.match(status.result!.video.url, /^https:\/\/store\.example\.com\//);
    assert.equal(stored.length, 2);
    const content = fake.calls("GET", "/videos/:id/content");
    assert.equal(content.length, 2);
    for (const r of content) assert.equal(r.headers.authorization, `Bearer ${KEY}`);
  });

  it("remix: extraParams.remixVideoId posts JSON {prompt} to /videos/{id}/remix", async () => {
    const first = await gw.generateVideo(cfg(), { prompt: "a cat" });
    const res = await gw.generateVideo(cfg(), { prompt: "the same cat, in the snow", durationSeconds: 8, extraParams: { remixVideoId: first.providerRequestId } });
    const remix = fake.calls("POST", "/videos/:id/remix");
    assert.equal(remix.length, 1);
    assert.equal(remix[0]!.path, `/videos/${first.providerRequestId}/remix`);
    assert.deepEqual(remix[0]!.json, { prompt: "the same cat, in the snow" });
    assert.equal((res.rawResponse as { remixed_from_video_id: string }).remixed_from_video_id, first.providerRequestId);
    assert.ok(res.warnings.some((w) => /durationSeconds was not sent: a remix/.test(w)));
  });

  it("the key never reaches the logs", async () => {
    const lines: string[] = [];
    const sink = (o: unknown, m?: string) => void lines.push(JSON.stringify(o) + (m ?? ""));
    const logged = gateway({ logLevel: "debug", logger: { debug: sink, info: sink, warn: sink, error: sink } });
    await logged.generateVideo(cfg(), { prompt: "quiet" });
    await logged.generateVideo({ ...cfg(), apiKey: `${KEY}x` }, { prompt: "x" }).catch(() => undefined);
    assert.ok(lines.length > 0);
    assert.ok(lines.every((l) => !l.includes(KEY)));
  });
});

const lastCreateId = () => {
  const videos = [...fake.videos.values()];
  return videos.at(-1)!.video.id;
};

describe("openai sora download", () => {
  const SIZE = 8 * 1024 * 1024;
  let big: SoraFake;
  let dir: string;
  before(async () => {
    big = await startOpenAIVideoFake({ apiKey: KEY, content: fakeMp4(SIZE) });
    dir = await mkdtemp(join(tmpdir(), "sora-dl-"));
  });
  after(async () => {
    await big.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("downloadMedia streams an 8 MB /content download to a file with the key in the header and bounded memory", async () => {
    const config = { provider: "openai", model: "sora-2", apiKey: KEY, baseUrl: big.url, pollIntervalMs: 1 };
    const res = await gw.generateVideo(config, { prompt: "a long river" });
    assert.ok(!res.video.url.includes(KEY));
    const file = join(dir, "river.mp4");
    const saved = await gw.downloadMedia(res, { to: file, config: { apiKey: KEY, baseUrl: big.url } });
    assert.equal(saved.length, 1);
    assert.equal(saved[0]!.bytes, SIZE);
    assert.equal(saved[0]!.mediaType, "video/mp4");
    assert.equal((await stat(file)).size, SIZE);
    assert.equal((await readFile(file)).subarray(4, 8).toString(), "ftyp");

    // Mid-download, after a full GC, live memory must hold a few chunks, not the video.
    const baseline = await settledMemory();
    let received = 0;
    let midway: NodeJS.MemoryUsage | undefined;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (midway || received < SIZE / 2) return done();
        void settledMemory().then((m) => {
          midway = m;
          done();
        });
      },
    });
    await gw.downloadMedia(res, { to: () => sink, config: { apiKey: KEY, baseUrl: big.url } });
    assert.equal(received, SIZE);
    const grew = { arrayBuffers: midway!.arrayBuffers - baseline.arrayBuffers, heapUsed: midway!.heapUsed - baseline.heapUsed };
    assert.ok(grew.arrayBuffers < SIZE / 4 && grew.heapUsed < SIZE / 4, `live memory grew by ${JSON.stringify(grew)} halfway through a ${SIZE}-byte download`);

    const content = big.calls("GET", "/videos/:id/content");
    assert.equal(content.length, 2);
    for (const r of content) {
      assert.equal(r.headers.authorization, `Bearer ${KEY}`);
      assert.equal(r.query.toString(), "");
    }
  });

  it("the key is only sent to the configured API origin", async () => {
    const res = await gw.generateVideo({ provider: "openai", model: "sora-2", apiKey: KEY, baseUrl: big.url, pollIntervalMs: 1 }, { prompt: "x" });
    big.requests.splice(0);
    const err = await gw.downloadMedia(res, { to: join(dir, "x.mp4"), config: { apiKey: KEY } }).catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    const content = big.calls("GET", "/videos/:id/content");
    assert.equal(content.length, 1);
    assert.equal(content[0]!.headers.authorization, undefined);
  });
});
