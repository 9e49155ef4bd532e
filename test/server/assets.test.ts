import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { type AddressInfo, type Socket, connect, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { AssetStore } from "../../packages/server/src/server/assets/store.js";
import { LocalStorage } from "../../packages/server/src/server/storage/local.js";
import { UrlSigner } from "../../packages/server/src/server/storage/signing.js";
import { assetKey } from "../../packages/server/src/server/storage/storage.js";
import { FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";
import { XAI_KEY, startXaiFake } from "../fakes/xai.js";
import { type FakeServer, ONE_PIXEL_PNG } from "../helpers/fake-server.js";
import { type TestPostgres, startPostgres } from "../helpers/postgres.js";
import { PNG_SIGNATURE, type TestServer, startTestServer } from "./helpers.js";

const ACME = "tk-assets-acme-0123456789";
const OTHER = "tk-assets-other-0123456789";
const BACKEND = "tk-assets-backend-0123456789";
const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const keys = [
  { sha256: hashApiKey(ACME), tenant: "acme" },
  { sha256: hashApiKey(OTHER), tenant: "other" },
  { sha256: hashApiKey(BACKEND), tenant: "backend", service: true },
];

interface Asset {
  id: string;
  tenant: string;
  kind: string;
  provider: string;
  model: string;
  prompt: string | null;
  url: string;
  media_type: string;
  bytes: number;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  cost_usd: number | null;
  job_id: string | null;
  created_at: string;
}
type Page = { data: Asset[]; next_cursor: string | null };

/** Every file under the storage dir (the objects the gateway keeps). */
async function storedFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, "");
  return out;
}

async function waitJob(gw: TestServer, id: string, key: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const view = (await gw.json(`/v1/jobs/${id}`, { headers: auth(key) })).body;
    if (["completed", "failed", "cancelled"].includes(view.status as string)) return view;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe("asset library over HTTP (mock provider)", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer(
      { auth: { apiKeys: keys }, routes: { fast: { model: "mock/mock-image" } } },
      // Its own database: the listings below count this file's assets only.
      { database: new DatabaseHandle({ dir: "memory://" }) },
    );
  });
  after(() => gw.stop());

  it("save_to_db: true stores customers/{id}/assets/image/{uuid}.{ext} and records the asset row", async () => {
    const res = await gw.json("/image/generate", {
      headers: auth(BACKEND),
      body: { prompt: "a red fox", settings: { image: { model: "fast", width: 64, height: 48, quality: "hd" } }, customer_id: 42, save_to_db: true },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const url = (res.body.data as { image_url: string }).image_url;
    const key = /\/files\/(customers\/42\/assets\/image\/([0-9a-f-]{36})\.png)\?/.exec(url);
    assert.ok(key, url);
    const list = await gw.json("/v1/assets?tenant=42", { headers: auth(BACKEND) });
    assert.equal(list.status, 200);
    const page = list.body as unknown as Page;
    assert.equal(page.data.length, 1);
    const asset = page.data[0]!;
    assert.equal(asset.id, key[2], "the asset id is the uuid of its storage key");
    assert.deepEqual(
      { tenant: asset.tenant, kind: asset.kind, provider: asset.provider, model: asset.model, prompt: asset.prompt, media_type: asset.media_type, width: asset.width, height: asset.height },
      { tenant: "42", kind: "image", provider: "mock", model: "mock-image", prompt: "a red fox", media_type: "image/png", width: 64, height: 48 },
    );
    const file = await fetch(asset.url);
    assert.equal(file.status, 200);
    const bytes = new Uint8Array(await file.arrayBuffer());
    assert.equal(asset.bytes, bytes.byteLength);
    assert.deepEqual([...bytes.slice(0, 4)], PNG_SIGNATURE);
    assert.ok(Date.now() - Date.parse(asset.created_at) < 60_000);
    assert.equal(page.next_cursor, null);
  });

  it("save_to_db: false stores nothing and records nothing", async () => {
    const before = await storedFiles(gw.dir);
    const res = await gw.json("/image/generate", { headers: auth(BACKEND), body: { prompt: "a fox", settings: { image: { width: 32, height: 32 } }, customer_id: 77, save_to_db: false } });
    assert.equal(res.status, 200);
    assert.match((res.body.data as { image_url: string }).image_url, /^data:image\/png;base64,iVBOR/);
    assert.deepEqual(await storedFiles(gw.dir), before);
    const list = await gw.json("/v1/assets?tenant=77", { headers: auth(BACKEND) });
    assert.deepEqual((list.body as unknown as Page).data, []);
  });

  it("tenant isolation: another tenant neither lists, reads nor deletes an asset; its owner deletes it with its object", async () => {
    const made = await gw.json("/v1/images/generations", { headers: auth(ACME), body: { model: "fast", prompt: "acme's lighthouse", response_format: "url" } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const mine = (await gw.json("/v1/assets", { headers: auth(ACME) })).body as unknown as Page;
    assert.equal(mine.data.length, 1);
    const asset = mine.data[0]!;
    assert.equal(asset.prompt, "acme's lighthouse");

    const theirs = (await gw.json("/v1/assets", { headers: auth(OTHER) })).body as unknown as Page;
    assert.deepEqual(theirs.data, []);
    assert.equal((await gw.json(`/v1/assets/${asset.id}`, { headers: auth(OTHER) })).status, 404);
    assert.equal((await gw.json(`/v1/assets/${asset.id}`, { method: "DELETE", headers: auth(OTHER) })).status, 404);
    const peek = await gw.json("/v1/assets?tenant=acme", { headers: auth(OTHER) });
    assert.equal(peek.status, 403);
    assert.equal((peek.body.error as { param: string }).param, "tenant");

    const one = await gw.json(`/v1/assets/${asset.id}`, { headers: auth(ACME) });
    assert.equal(one.status, 200);
    assert.equal(one.body.id, asset.id);
    assert.equal((await fetch(one.body.url as string)).status, 200);
    const files = await storedFiles(gw.dir);
    assert.ok(files.some((f) => f.includes(asset.id)));

    const deleted = await fetch(`${gw.url}/v1/assets/${asset.id}`, { method: "DELETE", headers: auth(ACME) });
    assert.equal(deleted.status, 204);
    assert.ok(!(await storedFiles(gw.dir)).some((f) => f.includes(asset.id)), "the stored object is gone");
    assert.equal((await fetch(one.body.url as string)).status, 404);
    assert.equal((await gw.json(`/v1/assets/${asset.id}`, { headers: auth(ACME) })).status, 404);
    assert.equal((await gw.json(`/v1/assets/${asset.id}`, { method: "DELETE", headers: auth(ACME) })).status, 404);
    assert.equal((await gw.json("/v1/assets/not-a-uuid", { headers: auth(ACME) })).status, 404);
  });

  it("pages with an opaque cursor and filters by kind, model and date", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await gw.json("/v1/images/generations", { headers: auth(OTHER), body: { model: "fast", prompt: `page ${i}`, response_format: "url" } });
      assert.equal(r.status, 200);
    }
    const first = (await gw.json("/v1/assets?limit=2", { headers: auth(OTHER) })).body as unknown as Page;
    assert.equal(first.data.length, 2);
    assert.equal(typeof first.next_cursor, "string");
    const second = (await gw.json(`/v1/assets?limit=2&cursor=${first.next_cursor}`, { headers: auth(OTHER) })).body as unknown as Page;
    assert.equal(second.data.length, 1);
    assert.equal(second.next_cursor, null);
    assert.deepEqual(
      [...first.data, ...second.data].map((a) => a.prompt),
      ["page 2", "page 1", "page 0"],
    );
    const videos = (await gw.json("/v1/assets?kind=video", { headers: auth(OTHER) })).body as unknown as Page;
    assert.deepEqual(videos.data, []);
    const byModel = (await gw.json("/v1/assets?model=mock/mock-image", { headers: auth(OTHER) })).body as unknown as Page;
    assert.equal(byModel.data.length, 3);
    assert.equal(((await gw.json("/v1/assets?model=gpt-image-1", { headers: auth(OTHER) })).body as unknown as Page).data.length, 0);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    assert.equal(((await gw.json(`/v1/assets?from=${tomorrow}`, { headers: auth(OTHER) })).body as unknown as Page).data.length, 0);
    assert.equal(((await gw.json(`/v1/assets?to=${tomorrow}`, { headers: auth(OTHER) })).body as unknown as Page).data.length, 3);
    // An admin (service) caller sees every tenant's.
    const all = (await gw.json("/v1/assets?limit=100", { headers: auth(BACKEND) })).body as unknown as Page;
    assert.ok(new Set(all.data.map((a) => a.tenant)).size >= 2);
  });

  it("bad query values are 400 naming the field", async () => {
    const cases: [string, string][] = [
      ["kind=gif", "kind"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=ten", "limit"],
      ["cursor=not-a-cursor", "cursor"],
      ["from=yesterday", "from"],
      ["to=2026-13-45", "to"],
      ["from=2026-12-02&to=2026-12-01", "from"],
      ["model=", "model"],
      ["tenant=../x", "tenant"],
    ];
    for (const [query, field] of cases) {
      const res = await gw.json(`/v1/assets?${query}`, { headers: auth(ACME) });
      assert.equal(res.status, 400, query);
      assert.equal((res.body.error as { param: string }).param, field, query);
    }
  });

  it("jobs and videos with storage on write asset rows (job id, kind video, duration)", async () => {
    const job = await gw.json("/v1/jobs", { headers: auth(ACME), body: { kind: "image", route: "fast", request: { prompt: "a job's image" } } });
    assert.equal(job.status, 202, JSON.stringify(job.body));
    const done = await waitJob(gw, job.body.id as string, ACME);
    assert.equal(done.status, "completed");
    const video = await gw.json("/v1/jobs", { headers: auth(ACME), body: { kind: "video", config: { model: "mock/mock-video" }, request: { prompt: "a job's video", durationSeconds: 4 } } });
    assert.equal(video.status, 202, JSON.stringify(video.body));
    const videoDone = await waitJob(gw, video.body.id as string, ACME);
    assert.equal(videoDone.status, "completed");
    const seconds = (videoDone.result as { videos: { durationSeconds: number }[] }).videos[0]!.durationSeconds;
    assert.ok(seconds > 0);
    const images = (await gw.json("/v1/assets?kind=image", { headers: auth(ACME) })).body as unknown as Page;
    const fromJob = images.data.find((a) => a.prompt === "a job's image");
    assert.equal(fromJob?.job_id, job.body.id);
    const videos = (await gw.json("/v1/assets?kind=video", { headers: auth(ACME) })).body as unknown as Page;
    assert.equal(videos.data.length, 1);
    assert.equal(videos.data[0]!.job_id, video.body.id);
    assert.equal(videos.data[0]!.duration_seconds, seconds, "the duration the result reports");
    assert.match(videos.data[0]!.media_type, /^video\//);
    assert.equal((await fetch(videos.data[0]!.url)).status, 200);
  });
});

describe("save_to_db: false with providers that answer with URLs", () => {
  let xai: FakeServer;
  let fal: FalFake;
  let gw: TestServer;
  let strict: TestServer;
  const big = Buffer.concat([ONE_PIXEL_PNG, Buffer.alloc(20_000, 7)]);
  before(async () => {
    xai = await startXaiFake();
    xai.route("GET", "/xai-imgen/:file", () => ({ headers: { "content-type": "image/jpeg" }, body: ONE_PIXEL_PNG, chunkBytes: 16 }));
    fal = await startFalFake();
    fal.server.route("GET", "/files/:name", () => ({ headers: { "content-type": "image/jpeg" }, body: ONE_PIXEL_PNG }));
    const providers = { xai: { apiKey: XAI_KEY, baseUrl: `${xai.url}/v1` }, fal: { apiKey: FAL_KEY, baseUrl: fal.url } };
    const routes = {
      grok: { model: "xai/grok-imagine-image", retries: 0 },
      flux: { model: "fal/fal-ai/flux/dev", pollIntervalMs: 20, retries: 0 },
    };
    gw = await startTestServer({ mock: { enabled: false }, providers, routes, network: { allowPrivateNetwork: true, maxResponseBytes: 8 * 1024 } });
    // The SSRF guard on: the fakes' output URLs point at 127.0.0.1.
    strict = await startTestServer({ mock: { enabled: false }, providers, routes });
  });
  after(async () => {
    await gw.stop();
    await strict.stop();
    await xai.close();
    await fal.close();
  });

  const generate = (server: TestServer, model: string, customer: number) =>
    server.json("/image/generate", { body: { prompt: "a harbour", settings: { image: { model } }, customer_id: customer, save_to_db: false } });

  for (const model of ["grok", "flux"]) {
    it(`${model}: the provider's https URL becomes a data: URL fetched by the gateway (nothing stored)`, async () => {
      const res = await generate(gw, model, 5);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const url = (res.body.data as { image_url: string }).image_url;
      // Sniffed from the bytes, whatever the file server's Content-Type said.
      assert.equal(url, `data:image/png;base64,${ONE_PIXEL_PNG.toString("base64")}`);
      assert.deepEqual(await storedFiles(gw.dir), []);
    });
  }

  it("an output URL over the size cap is a 502 and nothing is stored", async () => {
    xai.script("GET", "/xai-imgen/:file", { headers: { "content-type": "image/png" }, body: big, chunkBytes: 4096 });
    const res = await generate(gw, "grok", 5);
    assert.equal(res.status, 502, JSON.stringify(res.body));
    assert.match((res.body.error as { message: string }).message, /limit/);
    assert.deepEqual(await storedFiles(gw.dir), []);
  });

  it("an output URL the SSRF guard refuses is a 502", async () => {
    for (const model of ["grok", "flux"]) {
      const res = await generate(strict, model, 6);
      assert.equal(res.status, 502, JSON.stringify(res.body));
      assert.match((res.body.error as { message: string }).message, /refused/);
    }
  });
});

/** A TCP relay in front of PostgreSQL that can be cut (every connection dropped, new ones refused) and restored on the same port. */
async function cuttableRelay(targetPort: number): Promise<{ port: number; down(): Promise<void>; up(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.on("close", () => sockets.delete(sock));
      sock.on("error", () => (sock === client ? upstream : client).destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    down: () =>
      new Promise<void>((r) => {
        for (const sock of sockets) sock.destroy();
        server.close(() => r());
      }),
    up: () => new Promise<void>((r) => server.listen(port, "127.0.0.1", r)),
  };
}

describe("a database outage while recording assets", () => {
  let pg: TestPostgres;
  let relay: Awaited<ReturnType<typeof cuttableRelay>>;
  let gw: TestServer;
  let database: DatabaseHandle;
  before(async () => {
    pg = await startPostgres();
    relay = await cuttableRelay(pg.port);
    database = new DatabaseHandle({ url: `postgres://tarash@127.0.0.1:${relay.port}/postgres` });
    gw = await startTestServer({}, { database });
  });
  after(async () => {
    await gw.stop();
    await database.close();
    await relay.down();
    await pg.stop();
  });

  it("save_to_db: true is a 503 with Retry-After that leaves no object; other generations succeed and their rows are written once the database is back", async () => {
    const legacy = (prompt: string) => gw.json("/image/generate", { body: { prompt, settings: { image: { width: 32, height: 32 } }, customer_id: 9, save_to_db: true } });
    assert.equal((await legacy("before")).status, 200);
    const before = await storedFiles(gw.dir);
    assert.equal(before.length, 1);
    await relay.down();

    const res = await legacy("during");
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal((res.body.error as { field: string | null }).field, null);
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    assert.deepEqual(await storedFiles(gw.dir), before, "the object written before the failed row is removed");
    const list = await gw.json("/v1/assets?tenant=9");
    assert.equal(list.status, 503);
    assert.equal((list.body.error as { code: string }).code, "database_unavailable");
    assert.ok(Number(list.headers.get("retry-after")) > 0);

    // A generation does not need the database: its output is served, its row waits.
    const v1 = await gw.json("/v1/images/generations", { body: { model: "mock/mock-image", prompt: "while down", size: "32x32", response_format: "url" } });
    assert.equal(v1.status, 200, JSON.stringify(v1.body));
    const url = (v1.body.data as { url: string }[])[0]!.url;
    assert.equal((await fetch(url)).status, 200);
    assert.equal(gw.gateway.state.assets!.pendingCount, 1);

    await relay.up();
    await gw.gateway.state.assets!.flushPending();
    assert.equal(gw.gateway.state.assets!.pendingCount, 0);
    const after = (await gw.json("/v1/assets")).body as unknown as Page;
    const recorded = after.data.find((a) => a.prompt === "while down");
    assert.ok(recorded, "the waiting row was written");
    assert.ok(url.includes(recorded.id));
    assert.deepEqual(after.data.filter((a) => a.prompt === "during"), [], "the refused save_to_db left no row");
  });
});

describe("the sweeper at start-up", () => {
  it("removes an old object without a row shortly after the server starts, and keeps one with its row", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tarash-sweep-start-"));
    const database = new DatabaseHandle({ dir: "memory://" });
    const db = await database.db();
    // As on a gateway that has recorded assets for a day: the table is older than the objects below.
    await sql`UPDATE tarash_migrations SET applied_at = now() - interval '1 day' WHERE id = 3`.execute(db);
    const orphan = assetKey("acme", "image", "image/png");
    const kept = assetKey("acme", "image", "image/png");
    const hourAgo = new Date(Date.now() - 3600_000);
    for (const key of [orphan, kept]) {
      await mkdir(dirname(join(dir, key)), { recursive: true });
      await writeFile(join(dir, key), ONE_PIXEL_PNG);
      await utimes(join(dir, key), hourAgo, hourAgo);
    }
    const store = new AssetStore(database, new LocalStorage({ dir, signer: new UrlSigner("x"), baseUrl: () => "http://127.0.0.1", defaultTtlSeconds: 60 }));
    const id = /([0-9a-f-]{36})\.png$/.exec(kept)![1]!;
    await store.insert([
      { id, createdAt: hourAgo, tenant: "acme", keyId: undefined, kind: "image", prompt: "kept", provider: "mock", model: "mock-image", settings: {}, storageKey: kept, mediaType: "image/png", bytes: ONE_PIXEL_PNG.length, width: 1, height: 1, durationSeconds: undefined, costUsd: 0, jobId: undefined, requestId: undefined, isMock: true },
    ]);
    const gw = await startTestServer({ storage: { dir }, assets: { sweeper: { graceSeconds: 600, intervalSeconds: 3600 } } }, { database });
    try {
      const deadline = Date.now() + 15_000;
      while ((await storedFiles(dir)).includes(orphan) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await storedFiles(dir), [kept]);
      const asset = await gw.json(`/v1/assets/${id}`);
      assert.equal(asset.status, 200);
    } finally {
      await gw.stop();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
