import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { type ServerConfigInput, hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestRedis, type WorkerProcess, startRedis, startWorkerProcess } from "../helpers/redis.js";
import { type TestServer, startTestServer } from "./helpers.js";

const KEY_A = "sk-videos-tenant-a-0123456789";
const KEY_B = "sk-videos-tenant-b-0123456789";

/** Every file under the gateway's storage dir (the stored outputs). */
async function storedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function settled(client: OpenAI, id: string): Promise<OpenAI.Videos.Video> {
  let current = await client.videos.retrieve(id);
  for (let i = 0; i < 500 && (current.status === "queued" || current.status === "in_progress"); i++) {
    await new Promise((r) => setTimeout(r, 20));
    current = await client.videos.retrieve(id);
  }
  return current;
}

describe("DELETE /v1/videos/{id} and POST /v1/videos/{id}/remix with the official client", () => {
  let gw: TestServer;
  let a: OpenAI;
  let b: OpenAI;
  before(async () => {
    gw = await startTestServer({
      mock: { enabled: true, latencyMs: 40 },
      auth: {
        apiKeys: [
          { sha256: hashApiKey(KEY_A), tenant: "tenant-a" },
          { sha256: hashApiKey(KEY_B), tenant: "tenant-b" },
        ],
      },
      routes: {
        slow: { model: "mock/mock-video", mock: { latencyMs: 30_000 } },
        broken: { model: "mock/mock-video", mock: { failureRate: 1, errorType: "moderation" } },
      },
    });
    a = new OpenAI({ apiKey: KEY_A, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    b = new OpenAI({ apiKey: KEY_B, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(() => gw.stop());

  it("deletes a finished video: its record and its stored file are gone", async () => {
    const video = await a.videos.create({ model: "mock-video", prompt: "waves", seconds: "4", size: "1280x720" });
    assert.equal((await settled(a, video.id)).status, "completed");
    const before = await storedFiles(gw.dir);
    assert.ok(before.length > 0, "the video was stored");
    const assets = async () => ((await gw.json("/v1/assets?limit=100", { headers: { authorization: `Bearer ${KEY_A}` } })).body.data as unknown[]).length;
    const assetsBefore = await assets();
    assert.ok(assetsBefore > 0, "the video is in the asset library");

    const deleted = await a.videos.delete(video.id);
    assert.deepEqual(deleted, { id: video.id, object: "video.deleted", deleted: true });
    await assert.rejects(a.videos.retrieve(video.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(a.videos.downloadContent(video.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    const listed = await a.videos.list({ limit: 100 });
    assert.ok(!listed.data.some((v) => v.id === video.id), "the deleted video is not listed");
    const afterDelete = await storedFiles(gw.dir);
    assert.equal(afterDelete.length, before.length - 1, "the stored output file was removed");
    assert.equal(await assets(), assetsBefore - 1, "its asset row went with it");
    await assert.rejects(a.videos.delete(video.id), (e: unknown) => e instanceof OpenAI.NotFoundError, "a second delete is a 404");
  });

  it("deletes a running video: the job is cancelled and forgotten", async () => {
    const video = await a.videos.create({ model: "slow", prompt: "a long take" });
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(["queued", "in_progress"].includes((await a.videos.retrieve(video.id)).status));
    const started = Date.now();
    const deleted = await a.videos.delete(video.id);
    assert.deepEqual(deleted, { id: video.id, object: "video.deleted", deleted: true });
    assert.ok(Date.now() - started < 10_000, "the delete did not wait for the 30 s mock");
    await assert.rejects(a.videos.retrieve(video.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  it("another tenant's video is a 404 for delete and remix, and stays intact", async () => {
    const video = await a.videos.create({ model: "mock-video", prompt: "mine" });
    assert.equal((await settled(a, video.id)).status, "completed");
    await assert.rejects(b.videos.delete(video.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(b.videos.remix(video.id, { prompt: "theirs" }), (e: unknown) => e instanceof OpenAI.NotFoundError);
    assert.equal((await a.videos.retrieve(video.id)).status, "completed");
  });

  it("remix makes a new job with the original's model and settings and the new prompt, which completes", async () => {
    const original = await a.videos.create({ model: "mock-video", prompt: "a red kite", seconds: "4", size: "720x1280" });
    assert.equal((await settled(a, original.id)).status, "completed");

    const remix = await a.videos.remix(original.id, { prompt: "a blue kite at dusk" });
    assert.notEqual(remix.id, original.id);
    assert.equal(remix.object, "video");
    assert.equal(remix.remixed_from_video_id, original.id);
    assert.equal(remix.prompt, "a blue kite at dusk");
    assert.equal(remix.model, "mock-video");
    assert.equal(remix.seconds, "4");
    assert.equal(remix.size, "720x1280");
    assert.ok(["queued", "in_progress"].includes(remix.status));

    const done = await settled(a, remix.id);
    assert.equal(done.status, "completed");
    assert.equal(done.prompt, "a blue kite at dusk");
    assert.equal(done.remixed_from_video_id, original.id);
    const content = await a.videos.downloadContent(remix.id);
    assert.equal(content.headers.get("content-type"), "video/mp4");
    const bytes = new Uint8Array(await content.arrayBuffer());
    assert.equal(Buffer.from(bytes.subarray(4, 8)).toString("latin1"), "ftyp");
    assert.equal((await a.videos.retrieve(original.id)).prompt, "a red kite", "the original is unchanged");
  });

  it("remix refuses a failed video, an unknown one, and a bad prompt", async () => {
    const failed = await a.videos.create({ model: "broken", prompt: "x" });
    assert.equal((await settled(a, failed.id)).status, "failed");
    await assert.rejects(a.videos.remix(failed.id, { prompt: "again" }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError && e.status === 409, String(e));
      assert.match(e.message, /only a completed video can be remixed/);
      return true;
    });
    await assert.rejects(a.videos.remix("job_nope", { prompt: "again" }), (e: unknown) => e instanceof OpenAI.NotFoundError);

    const ok = await a.videos.create({ model: "mock-video", prompt: "fine" });
    assert.equal((await settled(a, ok.id)).status, "completed");
    await assert.rejects(a.videos.remix(ok.id, { prompt: "" }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "prompt");
    const extra = await gw.json(`/v1/videos/${ok.id}/remix`, { headers: { authorization: `Bearer ${KEY_A}` }, body: { prompt: "x", seconds: "8" } });
    assert.equal(extra.status, 400);
    assert.match(JSON.stringify(extra.body), /seconds/);
  });
});

describe("DELETE and remix on the Redis queue", { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let db: Redis;
  let dir: string;
  let worker: WorkerProcess | undefined;
  let gw: TestServer;
  let a: OpenAI;
  before(async () => {
    redis = await startRedis();
    db = new Redis(redis.url);
    dir = await mkdtemp(join(tmpdir(), "tarash-videos-redis-"));
    // The API node and the worker share the queue and the storage; the worker runs the jobs.
    const config: ServerConfigInput = {
      logLevel: "silent",
      mock: { enabled: true, latencyMs: 40 },
      auth: { apiKeys: [{ sha256: hashApiKey(KEY_A), tenant: "tenant-a" }] },
      routes: { slow: { model: "mock/mock-video", mock: { latencyMs: 30_000 } } },
      queue: { type: "redis", url: redis.url, prefix: "vd" },
      storage: { dir: join(dir, "storage"), signingSecret: "shared-signing-secret-0123456789" },
      server: { port: 0, shutdownTimeoutMs: 5_000 },
    };
    const configPath = join(dir, "tarash.config.json");
    await writeFile(configPath, JSON.stringify({ ...config, logLevel: "warn" }));
    [gw, worker] = await Promise.all([startTestServer(config), startWorkerProcess(configPath)]);
    a = new OpenAI({ apiKey: KEY_A, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await worker?.kill("SIGKILL");
    await gw?.stop();
    db?.disconnect();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("a deleted video's keys leave Redis; a running one is cancelled first; remix runs", async () => {
    const video = await a.videos.create({ model: "mock-video", prompt: "waves" });
    assert.equal((await settled(a, video.id)).status, "completed");
    assert.equal(await db.exists(`vd:job:${video.id}`), 1);
    assert.deepEqual(await a.videos.delete(video.id), { id: video.id, object: "video.deleted", deleted: true });
    assert.equal(await db.exists(`vd:job:${video.id}`, `vd:job:${video.id}:events`), 0);
    assert.equal(await db.zscore("vd:tenant:tenant-a", video.id), null);
    assert.equal(await db.zscore("vd:status:completed", video.id), null);
    await assert.rejects(a.videos.retrieve(video.id), (e: unknown) => e instanceof OpenAI.NotFoundError);

    const running = await a.videos.create({ model: "slow", prompt: "long" });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await a.videos.delete(running.id), { id: running.id, object: "video.deleted", deleted: true });
    await assert.rejects(a.videos.retrieve(running.id), (e: unknown) => e instanceof OpenAI.NotFoundError);

    const original = await a.videos.create({ model: "mock-video", prompt: "one" });
    assert.equal((await settled(a, original.id)).status, "completed");
    const remix = await a.videos.remix(original.id, { prompt: "two" });
    const done = await settled(a, remix.id);
    assert.equal(done.status, "completed");
    assert.equal(done.prompt, "two");
    assert.equal(done.remixed_from_video_id, original.id);
  });
});
