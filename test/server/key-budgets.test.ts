import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DatabaseHandle } from "../../packages/server/src/server/db/handle.js";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { XAI_KEY, startXaiFake } from "../fakes/xai.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { type TestServer, startTestServer } from "./helpers.js";

const ADMIN = "tarash-admin-key-budgets-0123456789";
const admin = { authorization: `Bearer ${ADMIN}` };
const as = (key: string) => ({ authorization: `Bearer ${key}` });
// grok-imagine-image: $0.02 an image in the catalog, estimated and billed alike.
const BODY = { model: "img", prompt: "a lighthouse", response_format: "url" };

describe("budgets on database keys and tenants, across nodes sharing a database", () => {
  let xai: FakeServer;
  let database: DatabaseHandle;
  let nodeA: TestServer;
  let nodeB: TestServer;
  before(async () => {
    xai = await startXaiFake();
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
    xai.route("GET", "/xai-imgen/:file", () => ({ headers: { "content-type": "image/png" }, body: png }));
    const config = {
      mock: { enabled: false },
      providers: { xai: { apiKey: XAI_KEY, baseUrl: `${xai.url}/v1` } },
      network: { allowPrivateNetwork: true },
      routes: { img: { model: "xai/grok-imagine-image", retries: 0 } },
      auth: { adminKeys: [{ sha256: hashApiKey(ADMIN) }] },
    };
    // Two gateways on one database: two nodes, each with its own process state, sharing the ledger.
    database = new DatabaseHandle({ dir: "memory://" });
    nodeA = await startTestServer(config, { database });
    nodeB = await startTestServer(config, { database });
  });
  after(async () => {
    await nodeA.stop();
    await nodeB.stop();
    await database.close();
    await xai.close();
  });

  /** Wait until a subject's reservations are settled (the first node's ledger rows written, its reservation gone). */
  const settled = async (subject: string) => {
    const db = await database.db();
    const deadline = Date.now() + 10_000;
    while ((await db.selectFrom("budget_reservations").select("id").where("subject", "=", subject).execute()).length > 0) {
      if (Date.now() > deadline) throw new Error(`reservations of ${subject} not settled in 10 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const createKey = async (body: Record<string, unknown>) => {
    const res = await nodeA.json("/admin/keys", { body, headers: admin });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; key: string };
  };

  it("a key's monthly budget (tarash keys create --monthly-usd) refuses with 402 before any provider call", async () => {
    const key = await createKey({ tenant: "acme", budget: { monthly_usd: 0.03 } });
    assert.equal((await nodeA.json("/v1/images/generations", { body: BODY, headers: as(key.key) })).status, 200);
    await settled(`key:${key.id}`);
    const calls = xai.calls("POST", "/v1/images/generations").length;
    const refused = await nodeB.json("/v1/images/generations", { body: BODY, headers: as(key.key) });
    assert.equal(refused.status, 402);
    assert.equal((refused.body.error as { code: string }).code, "budget_exceeded");
    assert.match(
      (refused.body.error as { message: string }).message,
      new RegExp(`monthly budget of API key ${key.id} is \\$0\\.03; spent so far \\$0\\.02, and this request is estimated at \\$0\\.02`),
    );
    assert.equal(xai.calls("POST", "/v1/images/generations").length, calls, "the provider was not called");
    // Raised without a restart: the next request runs.
    const raised = await nodeA.json(`/admin/keys/${key.id}`, { method: "PATCH", body: { budget: { monthly_usd: 1 } }, headers: admin });
    assert.equal(raised.status, 200);
    assert.equal((await nodeA.json("/v1/images/generations", { body: BODY, headers: as(key.key) })).status, 200);
  });

  it("a tenant's daily budget set through the admin API covers all its keys", async () => {
    const created = await nodeA.json("/admin/tenants", { body: { id: "capped", budget: { daily_usd: 0.04 } }, headers: admin });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const one = await createKey({ tenant: "capped" });
    const two = await createKey({ tenant: "capped" });
    assert.equal((await nodeA.json("/v1/images/generations", { body: BODY, headers: as(one.key) })).status, 200);
    assert.equal((await nodeB.json("/v1/images/generations", { body: BODY, headers: as(two.key) })).status, 200);
    await settled("tenant:capped");
    const refused = await nodeA.json("/v1/images/generations", { body: BODY, headers: as(two.key) });
    assert.equal(refused.status, 402);
    assert.match((refused.body.error as { message: string }).message, /daily budget of tenant "capped" is \$0\.04; spent so far \$0\.04/);
  });

  it("concurrent requests on two nodes cannot overspend: the reservation is taken in the database", async () => {
    const key = await createKey({ tenant: "racers", budget: { daily_usd: 0.05 } });
    // $0.05 holds two $0.02 images: exactly two run, however sixteen requests over two nodes interleave.
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? nodeA : nodeB).json("/v1/images/generations", { body: BODY, headers: as(key.key) })),
    );
    assert.deepEqual(
      results.map((r) => r.status).sort(),
      [200, 200, ...Array.from({ length: 14 }, () => 402)],
    );
    const usage = await nodeA.json("/v1/usage", { headers: as(key.key) });
    assert.equal((usage.body.totals as { spend_usd: number }).spend_usd, 0.04);
    // Settled reservations are gone: the budget is spend only.
    const db = await database.db();
    const held = await db.selectFrom("budget_reservations").selectAll().where("subject", "=", `key:${key.id}`).execute();
    assert.deepEqual(held, []);
  });
});
