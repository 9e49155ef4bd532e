import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { KeyStore } from "../../packages/server/src/server/admin/store.js";
import { hashApiKey } from "../../packages/server/src/server/auth.js";
import { parseServerConfig } from "../../packages/server/src/server/config.js";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { ApiError } from "../../packages/server/src/server/errors.js";
import { BudgetGuard } from "../../packages/server/src/server/usage/budgets.js";
import { type TestPostgres, startPostgres } from "../helpers/postgres.js";

/**
 * Keys and budget reservations against embedded PGlite and a real PostgreSQL server. On PostgreSQL the
 * two handles are two connection pools, as two gateway nodes sharing a database would have.
 */
function keysContract(name: string, handles: () => Promise<[DatabaseHandle, DatabaseHandle]>) {
  describe(`keys and budgets on ${name}`, () => {
    let a: DatabaseHandle;
    let b: DatabaseHandle;
    before(async () => {
      [a, b] = await handles();
      await a.db();
      await b.db();
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    it("stores a key's hash only; authenticates by it; a revocation on another node shows after the cache lifetime", async () => {
      let clock = Date.now();
      const nodeA = new KeyStore(a);
      const nodeB = new KeyStore(b, { ttlMs: 10_000, now: () => clock });
      const { record, key } = await nodeA.createKey({ tenant: "acme", name: "ci", monthlyUsd: 50 });
      const db = await a.db();
      const row = await db.selectFrom("api_keys").selectAll().where("id", "=", record.id).executeTakeFirstOrThrow();
      assert.equal(row.sha256, hashApiKey(key));
      assert.ok(!JSON.stringify(row).includes(key.slice(10, 22)), "no piece of the secret is stored");
      assert.equal(row.prefix, key.slice(0, 10));
      assert.equal(row.monthly_usd, 50);
      // The tenant row came with the key.
      assert.equal((await nodeA.tenant("acme"))?.id, "acme");
      assert.equal((await nodeB.authenticate(hashApiKey(key)))?.tenant, "acme");
      await nodeA.revokeKey(record.id);
      assert.equal(await nodeA.authenticate(hashApiKey(key)), undefined, "at once on the node that revoked it");
      assert.equal((await nodeB.authenticate(hashApiKey(key)))?.id, record.id, "another node trusts its cache a while");
      clock += 10_001;
      assert.equal(await nodeB.authenticate(hashApiKey(key)), undefined, "and refuses it once the entry expires");
    });

    it("rotation with a grace period: the old key works until then, the new one at once", async () => {
      let clock = Date.now();
      const store = new KeyStore(a, { now: () => clock });
      const old = await store.createKey({ tenant: "rot", dailyUsd: 2, requestsPerMinute: 30 });
      const rotated = await store.rotateKey(old.record.id, 60);
      assert.deepEqual([rotated.record.budget, rotated.record.requestsPerMinute, rotated.record.rotatedFrom], [{ dailyUsd: 2 }, 30, old.record.id]);
      assert.equal((await store.authenticate(hashApiKey(old.key)))?.id, old.record.id);
      clock += 61_000;
      assert.equal(await store.authenticate(hashApiKey(old.key)), undefined);
      assert.equal((await store.authenticate(hashApiKey(rotated.key)))?.id, rotated.record.id);
    });

    it("reservations hold across nodes: concurrent checks on two handles never overspend", async () => {
      const config = parseServerConfig({}, {});
      const storeA = new KeyStore(a);
      await storeA.createTenant({ id: "race", dailyUsd: 0.05 });
      // Ten nodes (a guard each, over two connection pools), one request each, all at once.
      const guards = Array.from({ length: 10 }, (_, i) => new BudgetGuard(config, i % 2 ? a : b, undefined, new KeyStore(i % 2 ? a : b)));
      const guardB = guards[0]!;
      const attempts = await Promise.allSettled(guards.map((g) => g.reserve({ tenant: "race" }, 0.02)));
      const granted = attempts.filter((r) => r.status === "fulfilled");
      const refused = attempts.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(granted.length, 2, "$0.05 holds two $0.02 reservations");
      for (const r of refused) {
        assert.ok(r.reason instanceof ApiError && r.reason.status === 402, String(r.reason));
        assert.match((r.reason as ApiError).message, /plus \$0\.04 reserved by requests in flight, and this request is estimated at \$0\.02/);
      }
      // The spend lands and the reservation goes: the budget now counts the spend alone.
      const db = await a.db();
      await db
        .insertInto("usage_events")
        .values({ tenant: "race", key_id: null, route: null, request_id: "r", kind: "image", provider: "xai", model: "m", status: "success", error_type: null, latency_ms: 1, images: 1, video_seconds: 0, input_tokens: null, output_tokens: null, estimated_usd: 0.02, actual_usd: null, is_mock: false })
        .execute();
      (granted[0] as PromiseFulfilledResult<() => void>).value();
      const deadline = Date.now() + 5_000;
      while (Number((await db.selectFrom("budget_reservations").select(sql<string>`count(*)`.as("n")).where("subject", "=", "tenant:race").executeTakeFirstOrThrow()).n) !== 1) {
        assert.ok(Date.now() < deadline, "the released reservation was deleted");
        await new Promise((r) => setTimeout(r, 20));
      }
      await assert.rejects(guardB.reserve({ tenant: "race" }, 0.02), /spent so far \$0\.02 plus \$0\.02 reserved/);
      assert.equal(typeof (await guardB.reserve({ tenant: "race" }, 0.01)), "function", "what is left can still be reserved");
    });

    it("a reservation past its expiry (a node that died mid-generation) stops holding budget", async () => {
      const store = new KeyStore(a);
      await store.createTenant({ id: "crashed", dailyUsd: 0.05 });
      const db = await a.db();
      await db.insertInto("budget_reservations").values({ subject: "tenant:crashed", amount_usd: 0.05, expires_at: sql<string>`now() - interval '1 second'` }).execute();
      const guard = new BudgetGuard(parseServerConfig({}, {}), a, undefined, store);
      assert.equal(typeof (await guard.reserve({ tenant: "crashed" }, 0.05)), "function");
    });
  });
}

keysContract("PGlite (embedded)", async () => {
  // One embedded database belongs to one process: both "nodes" share its handle (and its one session,
  // where transactions take turns).
  const shared = new DatabaseHandle({ dir: "memory://" });
  return [shared, shared];
});

let postgres: TestPostgres | undefined;
keysContract("PostgreSQL (server)", async () => {
  postgres = await startPostgres();
  return [new DatabaseHandle({ url: postgres.url }), new DatabaseHandle({ url: postgres.url })];
});
after(async () => {
  await postgres?.stop();
});
