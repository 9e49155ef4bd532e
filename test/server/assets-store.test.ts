import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { AssetStore, type NewAsset } from "../../packages/server/src/server/assets/store.js";
import { AssetSweeper } from "../../packages/server/src/server/assets/sweeper.js";
import { createLogger } from "../../src/core/logger.js";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { LocalStorage } from "../../packages/server/src/server/storage/local.js";
import { UrlSigner } from "../../packages/server/src/server/storage/signing.js";
import { assetKey } from "../../packages/server/src/server/storage/storage.js";
import { type TestPostgres, startPostgres } from "../helpers/postgres.js";

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const silent = createLogger({ level: "silent" });

function asset(tenant: string, over: Partial<NewAsset> = {}): NewAsset {
  const kind = over.kind ?? "image";
  const storageKey = over.storageKey ?? assetKey(tenant, kind, kind === "image" ? "image/png" : "video/mp4");
  const id = /([0-9a-f-]{36})\.\w+$/.exec(storageKey)![1]!;
  return {
    id,
    createdAt: new Date(),
    tenant,
    keyId: "k1",
    kind,
    prompt: "a lighthouse",
    provider: "mock",
    model: "mock-image",
    settings: { size: "64x64" },
    storageKey,
    mediaType: kind === "image" ? "image/png" : "video/mp4",
    bytes: PNG.length,
    width: 64,
    height: 64,
    durationSeconds: undefined,
    costUsd: 0.02,
    jobId: undefined,
    requestId: "req_1",
    isMock: false,
    ...over,
  };
}

/** The same contract on embedded PGlite and a real PostgreSQL server. */
function assetContract(name: string, open: () => Promise<DatabaseHandle>) {
  describe(`assets on ${name}`, () => {
    let database: DatabaseHandle;
    let dir: string;
    let storage: LocalStorage;
    let store: AssetStore;
    before(async () => {
      database = await open();
      await database.db();
      dir = await mkdtemp(join(tmpdir(), "tarash-assets-"));
      storage = new LocalStorage({ dir, signer: new UrlSigner("s"), baseUrl: () => "http://127.0.0.1:1", defaultTtlSeconds: 60 });
      store = new AssetStore(database, storage);
    });
    after(async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("migration 3 creates the table with its indexes", async () => {
      const db = await database.db();
      const indexes = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE tablename = 'assets' ORDER BY indexname`.execute(db);
      assert.deepEqual(
        indexes.rows.map((r) => r.indexname),
        ["assets_deleting", "assets_pkey", "assets_storage_key_key", "assets_tenant_kind_time", "assets_tenant_model_time", "assets_tenant_time", "assets_time"],
      );
    });

    it("pages newest first with a keyset cursor, rows of equal time included once; filters by kind, model and time", async () => {
      const tenant = `t-${randomUUID().slice(0, 8)}`;
      const base = Date.now() - 60_000;
      const rows: NewAsset[] = [];
      for (let i = 0; i < 7; i++) {
        // Three rows share one instant: the id breaks the tie, so no page skips or repeats one.
        const at = new Date(base + Math.min(i, 3) * 1000);
        rows.push(asset(tenant, { createdAt: at, kind: i % 3 === 2 ? "video" : "image", model: i < 4 ? "mock-image" : "grok-imagine-image", provider: i < 4 ? "mock" : "xai" }));
      }
      await store.insert(rows);
      await store.insert([asset("someone-else")]);
      const seen: string[] = [];
      let after: Awaited<ReturnType<AssetStore["list"]>>["next"];
      let pages = 0;
      do {
        const page = await store.list({ tenant, limit: 2, after });
        seen.push(...page.rows.map((r) => r.id));
        after = page.next;
        pages++;
      } while (after && pages < 10);
      assert.equal(pages, 4);
      assert.equal(new Set(seen).size, 7);
      const expected = [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((r) => r.id);
      assert.deepEqual(seen, expected);

      assert.equal((await store.list({ tenant, kind: "video", limit: 100 })).rows.length, 2);
      assert.equal((await store.list({ tenant, model: "grok-imagine-image", limit: 100 })).rows.length, 3);
      assert.equal((await store.list({ tenant, model: "xai/grok-imagine-image", limit: 100 })).rows.length, 3, "provider/model names the same model");
      assert.equal((await store.list({ tenant, model: "mock/grok-imagine-image", limit: 100 })).rows.length, 0);
      const windowed = await store.list({ tenant, from: new Date(base + 1000), to: new Date(base + 3000), limit: 100 });
      assert.equal(windowed.rows.length, 2);
      const all = await store.list({ tenant: null, limit: 100 });
      assert.ok(all.rows.some((r) => r.tenant === "someone-else") && all.rows.some((r) => r.tenant === tenant), "an admin listing spans tenants");
      const one = (await store.list({ tenant, limit: 1 })).rows[0]!;
      assert.equal(Number(one.bytes), PNG.length);
      assert.deepEqual(one.settings, { size: "64x64" });
      assert.ok(one.created_at instanceof Date);
    });

    it("get is tenant-scoped; remove deletes the object then the row; a cut-short delete is finished by the sweeper", async () => {
      const tenant = `t-${randomUUID().slice(0, 8)}`;
      const a = asset(tenant);
      await storage.put(a.storageKey, PNG, { mediaType: "image/png" });
      await store.insert([a]);
      assert.equal((await store.get(a.id, tenant))?.storage_key, a.storageKey);
      assert.equal(await store.get(a.id, "intruder"), undefined);
      assert.equal(await store.get("not-a-uuid", tenant), undefined);
      assert.equal(await store.remove(a.id, "intruder"), false, "another tenant cannot delete it");
      assert.ok(await storage.get(a.storageKey));
      assert.equal(await store.remove(a.id, tenant), true);
      assert.equal(await storage.get(a.storageKey), undefined, "the object is gone");
      assert.equal(await store.get(a.id, tenant), undefined);
      assert.equal(await store.remove(a.id, tenant), false);

      // A delete cut short after hiding the row (the store failed, the process died): object and row remain.
      const b = asset(tenant);
      await storage.put(b.storageKey, PNG, { mediaType: "image/png" });
      await store.insert([b]);
      const db = await database.db();
      await db.updateTable("assets").set({ deleting_at: new Date(Date.now() - 5_000) }).where("id", "=", b.id).execute();
      assert.equal(await store.get(b.id, tenant), undefined, "a row being deleted is hidden");
      const sweeper = new AssetSweeper(store, storage, silent, { intervalMs: 60_000, graceMs: 1_000, batchSize: 10, maxObjectsPerRun: 1000 });
      const report = await sweeper.runOnce();
      await sweeper.stop();
      assert.ok(report.finishedDeletes >= 1);
      assert.equal(await storage.get(b.storageKey), undefined);
      assert.equal((await db.selectFrom("assets").select("id").where("id", "=", b.id).execute()).length, 0);
    });

    it("the sweeper removes old objects without rows, in bounded batches across runs, and keeps young ones, ones with rows and ones older than the table", async () => {
      const tenant = `sw-${randomUUID().slice(0, 8)}`;
      // The sweeper's clock runs two hours ahead with a one-hour grace age: what was just written is old
      // enough to sweep, and an object dated 90 minutes from now is still inside the grace age.
      const now = () => Date.now() + 2 * 3600_000;
      const orphans: string[] = [];
      for (let i = 0; i < 12; i++) {
        const key = assetKey(tenant, i % 2 ? "video" : "image", i % 2 ? "video/mp4" : "image/png");
        await storage.put(key, PNG, { mediaType: "image/png" });
        orphans.push(key);
      }
      const kept = asset(tenant);
      await storage.put(kept.storageKey, PNG, { mediaType: "image/png" });
      await store.insert([kept]);
      const young = assetKey(tenant, "image", "image/png");
      await storage.put(young, PNG, { mediaType: "image/png" });
      const soon = new Date(Date.now() + 90 * 60_000);
      await utimes(join(dir, young), soon, soon);
      // Stored before the asset table existed: nothing ever recorded it, and nothing may remove it.
      const ancient = assetKey(tenant, "image", "image/png");
      await storage.put(ancient, PNG, { mediaType: "image/png" });
      const db = await database.db();
      const created = (await db.selectFrom("tarash_migrations").select("applied_at").where("id", "=", 3).executeTakeFirstOrThrow()).applied_at;
      const before = new Date(created.getTime() - 86_400_000);
      await utimes(join(dir, ancient), before, before);

      const sweeper = new AssetSweeper(store, storage, silent, { intervalMs: 60_000, graceMs: 3600_000, batchSize: 4, maxObjectsPerRun: 5, now });
      let removed = 0;
      let runs = 0;
      for (let wrapped = false; !wrapped && runs < 50; runs++) {
        const report = await sweeper.runOnce();
        assert.ok(report.scanned <= 5, "a run looks at maxObjectsPerRun objects at most");
        removed += report.removedObjects;
        wrapped = report.wrapped;
      }
      await sweeper.stop();
      assert.ok(runs > 3, `the listing was resumed over several runs (${runs})`);
      assert.ok(removed >= orphans.length);
      for (const key of orphans) assert.equal(await storage.get(key), undefined, `${key} was swept`);
      assert.ok(await storage.get(kept.storageKey), "an object with its row stays");
      assert.ok(await storage.get(young), "an object inside the grace age stays");
      assert.ok(await storage.get(ancient), "an object older than the asset table stays");
      assert.deepEqual((await readdir(join(dir, "customers", tenant, "assets", "video"))).length, 0);
    });
  });
}

assetContract("PGlite", async () => new DatabaseHandle({ dir: "memory://" }));

let pg: TestPostgres | undefined;
after(async () => {
  await pg?.stop();
});
assetContract("PostgreSQL", async () => {
  pg = await startPostgres();
  return new DatabaseHandle({ url: pg.url });
});
