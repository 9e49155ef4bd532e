import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
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
  HTTPError,
  type ProgressUpdate,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import type { RecordedRequest } from "../helpers/fake-server.js";
import { SERVED_ON } from "../helpers/served-on.js";
import { type AzureSoraFake, startAzureOpenAIVideoFake } from "../fakes/azure-openai-video.js";
import { MODERATED_WORD, SLOW_WORD, fakeMp4 } from "../fakes/openai-video.js";

const KEY = "test-key-1234567890";
const TOKEN = "entra-token-abcdefghijklmnop";
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  gc();
  await new Promise((r) => setTimeout(r, 10));
  gc();
  return process.memoryUsage();
}

const gateway = () =>
  // Azure retired sora-2 on 2026-09-15: its wire format is checked on a day it was served.
  createGateway({ now: SERVED_ON, network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });
const gw = gateway();

let fake: AzureSoraFake;
const cfg = (model = "sora-2", providerConfig: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  provider: "azure-openai",
  model,
  apiKey: KEY,
  baseUrl: fake.url,
  pollIntervalMs: 1,
  providerConfig,
  ...extra,
});
const formValues = (r: RecordedRequest) => {
  const out: Record<string, string> = {};
  for (const [k, v] of r.form!.entries()) out[k] = typeof v === "string" ? v : `file:${v.type}:${v.name}`;
  return out;
};
const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("azure-openai sora 2 (/openai/v1/videos)", () => {
  before(async () => {
    fake = await startAzureOpenAIVideoFake({ apiKey: KEY, accessToken: TOKEN, deployments: { "sora-2": "sora-2", "team-sora": "sora-2", sora: "sora" } });
  });
  after(() => fake.close());
  beforeEach(() => fake.requests.splice(0));

  it("multipart create on the v1 surface with the deployment as model, api-key auth, queued → in_progress → completed", async () => {
    const updates: ProgressUpdate[] = [];
    const res = await gw.generateVideo(
      cfg("sora-2", { deployment: "team-sora" }),
      { prompt: "a lighthouse at night", durationSeconds: 8, aspectRatio: "16:9" },
      { onProgress: (u) => void updates.push(u) },
    );
    const create = fake.calls("POST", "/openai/v1/videos")[0]!;
    assert.equal(create.contentType, "multipart/form-data");
    assert.equal(create.headers["api-key"], KEY);
    assert.equal(create.headers.authorization, undefined);
    assert.equal(create.query.get("api-version"), null);
    assert.deepEqual(formValues(create), { model: "team-sora", prompt: "a lighthouse at night", seconds: "8", size: "1280x720" });
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
    const id = res.providerRequestId!;
    assert.deepEqual(res.video, { url: `${fake.url}/openai/v1/videos/${id}/content`, mediaType: "video/mp4", durationSeconds: 8, width: 1280, height: 720, requiresProviderAuth: true });
    assert.deepEqual(res.cost, { amountUsd: 0.8, basis: "per_second", estimated: true });
    assert.ok(!JSON.stringify(res).includes(KEY));
  });

  it("an undated apiVersion is sent on every call and in the content URL; a dated (images) one is not", async () => {
    const res = await gw.generateVideo(cfg("sora-2", { apiVersion: "preview" }), { prompt: "x" });
    for (const r of fake.requests) assert.equal(r.query.get("api-version"), "preview", `${r.method} ${r.path}`);
    assert.match(res.video.url, /\/content\?api-version=preview$/);
    fake.requests.splice(0);
    await gw.generateVideo(cfg("sora-2", { apiVersion: "2025-04-01-preview" }), { prompt: "x" });
    for (const r of fake.requests) assert.equal(r.query.get("api-version"), null);
  });

  it("errors: wrong key → AuthenticationError, unknown deployment → 404, job moderation → ContentModerationError, bad seconds → ValidationError", async () => {
    const auth = await gw.generateVideo({ ...cfg(), apiKey: "wrong-key-0987654321" }, { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(auth instanceof AuthenticationError);
    assert.ok(!auth.message.includes("wrong-key-0987654321"));

    const missing = await gw.generateVideo(cfg("sora-2", { deployment: "nope" }), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(missing instanceof HTTPError);
    assert.equal(missing.statusCode, 404);
    assert.match(missing.message, /deployment for this resource does not exist/);

    const moderated = await gw.generateVideo(cfg(), { prompt: `${MODERATED_WORD} scene` }).catch((e: unknown) => e);
    assert.ok(moderated instanceof ContentModerationError);

    const seconds = await gw.generateVideo(cfg(), { prompt: "x", extraParams: { seconds: "7" } }).catch((e: unknown) => e);
    assert.ok(seconds instanceof ValidationError);
    assert.equal(seconds.field, "durationSeconds");
  });

  it("an Entra token replaces the api-key, for the job and for the download", async () => {
    const res = await gw.generateVideo({ ...cfg("sora-2", { accessToken: TOKEN }), apiKey: undefined }, { prompt: "token" });
    assert.ok(fake.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}` && r.headers["api-key"] === undefined));
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c: Buffer, _e, done) {
        chunks.push(c);
        done();
      },
    });
    await gw.downloadMedia(res, { to: () => sink, config: { baseUrl: fake.url, providerConfig: { accessToken: TOKEN } } });
    assert.equal(Buffer.concat(chunks).length, 4096);
    assert.equal(fake.calls("GET", "/openai/v1/videos/:id/content")[0]!.headers.authorization, `Bearer ${TOKEN}`);
    assert.ok(!JSON.stringify(res).includes(TOKEN));
  });

  it("abort → CancelledError and DELETE /openai/v1/videos/{id}", async () => {
    const controller = new AbortController();
    const pending = gw.generateVideo(cfg(), { prompt: `${SLOW_WORD} tide` }, {
      signal: controller.signal,
      onProgress: (u) => {
        if (u.status === "processing") controller.abort();
      },
    });
    await assert.rejects(pending, CancelledError);
    await waitFor(() => fake.calls("DELETE", "/openai/v1/videos/:id").length > 0);
    const del = fake.calls("DELETE", "/openai/v1/videos/:id");
    assert.equal(del.length, 1);
    assert.equal(del[0]!.headers["api-key"], KEY);
  });
});

describe("azure-openai sora 1 (/openai/v1/video/generations/jobs)", () => {
  before(async () => {
    fake = await startAzureOpenAIVideoFake({ apiKey: KEY });
  });
  after(() => fake.close());
  beforeEach(() => fake.requests.splice(0));

  it("JSON job with width/height/n_seconds/n_variants and api-version=preview; every generation is returned", async () => {
    const updates: ProgressUpdate[] = [];
    const res = await gw.generateVideo(
      cfg("sora"),
      { prompt: "a fox in the snow", durationSeconds: 10, resolution: "1080p", aspectRatio: "16:9", numberOfVideos: 2 },
      { onProgress: (u) => void updates.push(u) },
    );
    const create = fake.calls("POST", "/openai/v1/video/generations/jobs")[0]!;
    assert.equal(create.query.get("api-version"), "preview");
    assert.equal(create.headers["api-key"], KEY);
    assert.deepEqual(create.json, { model: "sora", prompt: "a fox in the snow", width: 1920, height: 1080, n_seconds: 10, n_variants: 2 });
    assert.deepEqual(
      updates.map((u) => [u.status, u.message]),
      [
        ["queued", `submitted as jobs:${res.providerRequestId}`],
        ["queued", undefined],
        ["processing", "preprocessing"],
        ["processing", "running"],
        ["processing", "processing"],
        ["completed", undefined],
      ],
    );
    assert.equal(res.videos.length, 2);
    res.videos.forEach((v, i) => {
      assert.equal(v.url, `${fake.url}/openai/v1/video/generations/gen_${res.providerRequestId!.slice(5)}_${i}/content/video?api-version=preview`);
      assert.deepEqual([v.durationSeconds, v.width, v.height], [10, 1920, 1080]);
      assert.equal(v.requiresProviderAuth, true);
    });
    assert.deepEqual(res.usage, { videos: 2, seconds: 20 });

    const saved: number[] = [];
    for (const i of [0, 1]) {
      const chunks: Buffer[] = [];
      await gw.downloadMedia(
        { ...res, videos: [res.videos[i]!] },
        {
          to: () =>
            new Writable({
              write(c: Buffer, _e, done) {
                chunks.push(c);
                done();
              },
            }),
          config: { apiKey: KEY, baseUrl: fake.url },
        },
      );
      saved.push(Buffer.concat(chunks).length);
    }
    assert.deepEqual(saved, [4096, 4096]);
    for (const r of fake.calls("GET", "/openai/v1/video/generations/:gen/content/video")) assert.equal(r.headers["api-key"], KEY);
  });

  it("first_frame image → multipart `files` + `inpaint_items`; 480p 16:9 is refused before any call", async () => {
    const frame = await sharp({ create: { width: 480, height: 480, channels: 3, background: "#336699" } }).png().toBuffer();
    await gw.generateVideo(cfg("sora"), { prompt: "grow", resolution: "480p", imageList: [{ image: frame, type: "first_frame" }] });
    const create = fake.calls("POST", "/openai/v1/video/generations/jobs")[0]!;
    const values = formValues(create);
    assert.deepEqual(values, {
      files: "file:image/png:first_frame.png",
      model: "sora",
      prompt: "grow",
      width: "480",
      height: "480",
      n_seconds: "5",
      n_variants: "1",
      inpaint_items: JSON.stringify([
        { frame_index: 0, type: "image", file_name: "first_frame.png", crop_bounds: { left_fraction: 0, top_fraction: 0, right_fraction: 1, bottom_fraction: 1 } },
      ]),
    });

    fake.requests.splice(0);
    const err = await gw.generateVideo(cfg("sora"), { prompt: "x", resolution: "480p", aspectRatio: "16:9" }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError);
    assert.equal(err.field, "aspectRatio");
    assert.equal(fake.requests.length, 0);
  });

  it("a moderated job (failure_reason) → ContentModerationError; abort → DELETE the job", async () => {
    const moderated = await gw.generateVideo(cfg("sora"), { prompt: `${MODERATED_WORD}` }).catch((e: unknown) => e);
    assert.ok(moderated instanceof ContentModerationError);
    assert.equal(moderated.code, "input_moderation");

    const controller = new AbortController();
    const pending = gw.generateVideo(cfg("sora"), { prompt: `${SLOW_WORD}` }, {
      signal: controller.signal,
      onProgress: (u) => {
        if (u.status === "processing") controller.abort();
      },
    });
    await assert.rejects(pending, CancelledError);
    await waitFor(() => fake.calls("DELETE", "/openai/v1/video/generations/jobs/:id").length > 0);
    const del = fake.calls("DELETE", "/openai/v1/video/generations/jobs/:id");
    assert.equal(del.length, 1);
    assert.equal(del[0]!.query.get("api-version"), "preview");
  });

  it("resume from a fresh gateway with only the job id; cancelVideo deletes the job", async () => {
    const submitted = await gateway().submitVideo(cfg("sora"), { prompt: "resume" });
    assert.match(submitted.providerJobId, /^jobs:task_/);
    const other = gateway();
    const config = { apiKey: KEY, baseUrl: fake.url };
    const seen: string[] = [];
    let status = await other.getVideoStatus(submitted.jobId, config);
    while (status.status !== "completed") {
      seen.push(`${status.status}:${status.message ?? ""}`);
      assert.ok(seen.length < 10);
      status = await other.getVideoStatus(submitted.jobId, config);
    }
    assert.deepEqual(seen, ["queued:", "processing:preprocessing", "processing:running", "processing:processing"]);
    assert.equal(status.result!.videos.length, 1);
    assert.deepEqual([status.result!.video.width, status.result!.video.height, status.result!.video.durationSeconds], [1280, 720, 5]);

    const slow = await gateway().submitVideo(cfg("sora"), { prompt: SLOW_WORD });
    await other.cancelVideo(slow.jobId, config);
    assert.equal(fake.calls("DELETE", "/openai/v1/video/generations/jobs/:id")[0]!.path, `/openai/v1/video/generations/jobs/${slow.providerJobId.slice(5)}`);
    const gone = await other.getVideoStatus(slow.jobId, config).catch((e: unknown) => e);
    assert.ok(gone instanceof HTTPError);
    assert.equal(gone.statusCode, 404);
  });
});

describe("azure-openai sora download", () => {
  const SIZE = 8 * 1024 * 1024;
  let big: AzureSoraFake;
  let dir: string;
  before(async () => {
    big = await startAzureOpenAIVideoFake({ apiKey: KEY, content: fakeMp4(SIZE) });
    dir = await mkdtemp(join(tmpdir(), "azure-sora-dl-"));
  });
  after(async () => {
    await big.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("streams an 8 MB /content download to a file with the api-key header and bounded memory", async () => {
    const config = { provider: "azure-openai", model: "sora-2", apiKey: KEY, baseUrl: big.url, pollIntervalMs: 1 };
    const res = await gw.generateVideo(config, { prompt: "a long river" });
    const file = join(dir, "river.mp4");
    const saved = await gw.downloadMedia(res, { to: file, config: { apiKey: KEY, baseUrl: big.url } });
    assert.equal(saved[0]!.bytes, SIZE);
    assert.equal((await stat(file)).size, SIZE);

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
    assert.ok(grew.arrayBuffers < SIZE / 4 && grew.heapUsed < SIZE / 4, `live memory grew by ${JSON.stringify(grew)}`);
    const content = big.calls("GET", "/openai/v1/videos/:id/content");
    assert.equal(content.length, 2);
    for (const r of content) assert.equal(r.headers["api-key"], KEY);

    // The key goes only to the configured resource: another endpoint in the config means no header.
    big.requests.splice(0);
    await gw.downloadMedia(res, { to: join(dir, "x.mp4"), config: { apiKey: KEY, baseUrl: "https://other.openai.azure.com" } }).catch(() => undefined);
    assert.equal(big.calls("GET", "/openai/v1/videos/:id/content")[0]!.headers["api-key"], undefined);
  });
});
