import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { type GatewayDatabase, openDatabase } from "../../packages/server/src/server/db/connect.js";
import { MIGRATIONS, MigrationError, migrate } from "../../packages/server/src/server/db/migrations.js";
import { type TestPostgres, startPostgres } from "../helpers/postgres.js";

/** The same data-layer contract, run against embedded PGlite and a real PostgreSQL server. */
function dataLayerContract(name: string, open: () => Promise<GatewayDatabase>) {
  describe(`database on ${name}`, () => {
    let database: GatewayDatabase;
    before(async () => {
      database = await open();
    });
    after(async () => {
      await database.close();
    });

    it("runs the migrations at open, once, recorded by id and name", async () => {
      const rows = await database.db.selectFrom("tarash_migrations").selectAll().orderBy("id").execute();
      assert.deepEqual(
        rows.map((r) => `${r.id}_${r.name}`),
        MIGRATIONS.map((m) => `${m.id}_${m.name}`),
      );
      assert.deepEqual(await migrate(database.db), [], "a second run applies nothing");
    });

    it("writes and reads typed rows, and aggregates them", async () => {
      const base = { tenant: "acme", key_id: "k1", route: "fast", kind: "image" as const, provider: "openai", model: "gpt-image-2", status: "success" as const };
      await database.db
        .insertInto("usage_events")
        .values([
          { ...base, request_id: "r1", error_type: null, latency_ms: 1200, images: 2, video_seconds: 0, input_tokens: 40, output_tokens: 8320, estimated_usd: 0.34, actual_usd: 0.33, is_mock: false },
          { ...base, request_id: "r2", status: "failed", error_type: "RateLimitError", latency_ms: 90, images: 0, video_seconds: 0, input_tokens: null, output_tokens: null, estimated_usd: 0, actual_usd: null, is_mock: false },
          { ...base, tenant: "other", request_id: "r3", error_type: null, latency_ms: 800, images: 1, video_seconds: 0, input_tokens: null, output_tokens: null, estimated_usd: 0.04, actual_usd: null, is_mock: false },
        ])
        .execute();
      const totals = await database.db
        .selectFrom("usage_events")
        .where("tenant", "=", "acme")
        .select((eb) => [eb.fn.countAll<string>().as("attempts"), eb.fn.sum<number>("estimated_usd").as("usd"), eb.fn.sum<number>("images").as("images")])
        .executeTakeFirstOrThrow();
      assert.equal(Number(totals.attempts), 2);
      assert.equal(Number(totals.usd), 0.34);
      assert.equal(Number(totals.images), 2);
      const failed = await database.db.selectFrom("usage_events").select(["request_id", "error_type", "created_at"]).where("status", "=", "failed").execute();
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.error_type, "RateLimitError");
      assert.ok(failed[0]!.created_at instanceof Date);
    });

    it("a transaction that fails leaves nothing behind; concurrent transactions do not interleave", async () => {
      const count = async () => Number((await database.db.selectFrom("usage_events").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow()).n);
      const before = await count();
      const row = { tenant: "t", key_id: null, route: null, request_id: "tx", kind: "video" as const, provider: "fal", model: "m", status: "success" as const, error_type: null, latency_ms: 1, images: 0, video_seconds: 5, input_tokens: null, output_tokens: null, estimated_usd: 0.5, actual_usd: null, is_mock: false };
      await assert.rejects(
        database.db.transaction().execute(async (tx) => {
          await tx.insertInto("usage_events").values(row).execute();
          throw new Error("half way");
        }),
        /half way/,
      );
      assert.equal(await count(), before);
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          database.db.transaction().execute(async (tx) => {
            await tx.insertInto("usage_events").values({ ...row, request_id: `c${i}` }).execute();
            await tx.insertInto("usage_events").values({ ...row, request_id: `d${i}` }).execute();
          }),
        ),
      );
      assert.equal(await count(), before + 16);
    });

    it("a failing migration stops with its id and name, and records nothing", async () => {
      const bad = [...MIGRATIONS, { id: 999, name: "broken_on_purpose", up: ["CREATE TABLE usage_events (id int)"] }];
      await assert.rejects(migrate(database.db, bad), (e: unknown) => e instanceof MigrationError && /migration 999 \(broken_on_purpose\) failed/.test(e.message));
      const ids = (await database.db.selectFrom("tarash_migrations").select("id").execute()).map((r) => r.id);
      assert.ok(!ids.includes(999));
      await sql`SELECT 1`.execute(database.db);
    });
  });
}

dataLayerContract("PGlite (embedded)", async () => openDatabase({ dir: await mkdtemp(join(tmpdir(), "tarash-db-")) }));

let postgres: TestPostgres | undefined;
dataLayerContract("PostgreSQL (server)", async () => {
  postgres = await startPostgres();
  const db = await openDatabase({ url: postgres.url });
  return {
    ...db,
    async close() {
      await db.close();
      await postgres?.stop();
    },
  };
});

describe("embedded database on disk", () => {
  it("keeps its rows across a close and reopen (what a restart sees)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tarash-db-"));
    const first = await openDatabase({ dir });
    await first.db
      .insertInto("usage_events")
      .values({ tenant: "acme", key_id: null, route: null, request_id: "kept", kind: "image", provider: "mock", model: "mock-image", status: "success", error_type: null, latency_ms: 5, images: 1, video_seconds: 0, input_tokens: null, output_tokens: null, estimated_usd: 0, actual_usd: null, is_mock: true })
      .execute();
    await first.close();
    const second = await openDatabase({ dir });
    const rows = await second.db.selectFrom("usage_events").select("request_id").execute();
    await second.close();
    assert.deepEqual(rows.map((r) => r.request_id), ["kept"]);
  });
});
