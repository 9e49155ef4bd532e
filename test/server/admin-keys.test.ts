import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type TestServer, startTestServer } from "./helpers.js";

const ADMIN = "tarash-admin-key-0123456789abcdef";
const CONFIG_KEY = "tk-config-key-of-acme-0123456789";
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const admin = as(ADMIN);
const IMAGE = { model: "mock/mock-image", prompt: "a lighthouse", response_format: "url" };

interface KeyBody {
  id: string;
  key: string;
  prefix: string;
  tenant: string;
  status: string;
  revoked_at: string | null;
  replaced?: KeyBody;
}

describe("admin API: tenants and keys without restarts", () => {
  let gw: TestServer;
  const logs: string[] = [];
  before(async () => {
    gw = await startTestServer(
      {
        logLevel: "debug",
        mock: { enabled: true, latencyMs: 5 },
        routes: { img: { model: "mock/mock-image" } },
        auth: { adminKeys: [{ sha256: hashApiKey(ADMIN), name: "ops" }], apiKeys: [{ sha256: hashApiKey(CONFIG_KEY), tenant: "acme" }] },
      },
      { logger: (line: string) => void logs.push(line) },
    );
  });
  after(async () => {
    await gw.stop();
  });

  const createKey = async (body: Record<string, unknown>) => {
    const res = await gw.json("/admin/keys", { body, headers: admin });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as unknown as KeyBody;
  };

  it("only an admin key opens /admin: 401 without or with an unknown key, 403 with a tenant's key", async () => {
    assert.equal((await gw.json("/admin/tenants")).status, 401);
    const unknown = await gw.json("/admin/tenants", { headers: as("not-a-key-at-all-0123456789") });
    assert.equal(unknown.status, 401);
    assert.equal((unknown.body.error as { message: string }).message, "invalid admin key");
    const tenantKey = await gw.json("/admin/tenants", { headers: as(CONFIG_KEY) });
    assert.equal(tenantKey.status, 403);
    assert.equal((tenantKey.body.error as { code: string }).code, "not_admin");
    // The admin key is not a tenant's key either.
    assert.equal((await gw.json("/v1/models", { headers: admin })).status, 401);
    assert.equal((await gw.json("/admin/tenants", { headers: admin })).status, 200);
  });

  it("creates a key shown once, stored hashed; it works at once, beside the config file's keys", async () => {
    const created = await createKey({ tenant: "acme", name: "ci" });
    assert.match(created.key, /^tsk_[A-Za-z0-9_-]{48}$/);
    assert.equal(created.prefix, created.key.slice(0, 10));
    assert.equal(created.id, hashApiKey(created.key).slice(0, 12));
    assert.equal(created.status, "active");
    const ok = await gw.json("/v1/images/generations", { body: IMAGE, headers: as(created.key) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await gw.json("/v1/images/generations", { body: IMAGE, headers: as(CONFIG_KEY) })).status, 200);
    // Both keys are the same tenant's: one ledger, grouped by key id.
    const usage = await gw.json("/v1/usage?group_by=key", { headers: as(created.key) });
    const keys = (usage.body.groups as { key: string }[]).map((g) => g.key);
    assert.ok(keys.includes(created.id) && keys.includes(hashApiKey(CONFIG_KEY).slice(0, 12)), JSON.stringify(keys));
    // Never again: not in a list, a read, or the log — neither whole nor any 12-character piece of its secret.
    const list = JSON.stringify((await gw.json("/admin/keys?tenant=acme", { headers: admin })).body);
    const read = JSON.stringify((await gw.json(`/admin/keys/${created.id}`, { headers: admin })).body);
    const secret = created.key.slice(10);
    for (const text of [list, read, logs.join("\n")]) {
      assert.ok(!text.includes(hashApiKey(created.key)), "the hash is not shown");
      for (let i = 0; i + 12 <= secret.length; i++) assert.ok(!text.includes(secret.slice(i, i + 12)), "a piece of the key leaked");
    }
    assert.ok(list.includes(created.id));
    assert.ok(logs.some((l) => l.includes('"admin request"') && l.includes('"ops"')), "admin requests are logged by the admin's name");
  });

  it("a revoked key is refused at once on this node, even right after it was used (cached)", async () => {
    const created = await createKey({ tenant: "revokers" });
    assert.equal((await gw.json("/v1/models", { headers: as(created.key) })).status, 200);
    const revoked = await gw.json(`/admin/keys/${created.id}/revoke`, { method: "POST", headers: admin });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.status, "revoked");
    const refused = await gw.json("/v1/models", { headers: as(created.key) });
    assert.equal(refused.status, 401);
    assert.equal((refused.body.error as { message: string }).message, "invalid API key");
    // Listed only when asked for.
    const active = (await gw.json("/admin/keys?tenant=revokers", { headers: admin })).body.data as KeyBody[];
    assert.equal(active.length, 0);
    const all = (await gw.json("/admin/keys?tenant=revokers&include_revoked=true", { headers: admin })).body.data as KeyBody[];
    assert.deepEqual(all.map((k) => [k.id, k.status]), [[created.id, "revoked"]]);
  });

  it("rotates: a new key with the old one's settings; the old works through its grace period only", async () => {
    const original = await createKey({ tenant: "rotators", budget: { monthly_usd: 50 }, requests_per_minute: 100 });
    const graced = await gw.json(`/admin/keys/${original.id}/rotate`, { body: { grace_seconds: 3600 }, headers: admin });
    assert.equal(graced.status, 201, JSON.stringify(graced.body));
    const next = graced.body as unknown as KeyBody & { budget: { monthly_usd: number }; requests_per_minute: number; rotated_from: string };
    assert.notEqual(next.key, original.key);
    assert.deepEqual([next.tenant, next.budget.monthly_usd, next.requests_per_minute, next.rotated_from], ["rotators", 50, 100, original.id]);
    assert.equal(next.replaced?.status, "expiring");
    assert.equal((await gw.json("/v1/models", { headers: as(original.key) })).status, 200, "the old key works during its grace period");
    assert.equal((await gw.json("/v1/models", { headers: as(next.key) })).status, 200);
    // Rotating the new one without grace revokes it at once.
    const again = await gw.json(`/admin/keys/${next.id}/rotate`, { method: "POST", headers: admin });
    assert.equal(again.status, 201);
    assert.equal((await gw.json("/v1/models", { headers: as(next.key) })).status, 401);
    assert.equal((await gw.json("/v1/models", { headers: as((again.body as unknown as KeyBody).key) })).status, 200);
    // A revoked key cannot be rotated.
    const dead = await gw.json(`/admin/keys/${next.id}/rotate`, { method: "POST", headers: admin });
    assert.equal(dead.status, 409);
  });

  it("bad input is a 400 naming the field; unknown ids are 404; a duplicate tenant is 409", async () => {
    const cases: [string, string, Record<string, unknown>, string, RegExp][] = [
      ["POST", "/admin/tenants", { id: "bad id!" }, "id", /letters, digits/],
      ["POST", "/admin/tenants", { id: "t1", budget: { daily_usd: -1 } }, "budget.daily_usd", /Too small/],
      ["POST", "/admin/tenants", { id: "t1", budget: { weekly_usd: 1 } }, "budget.weekly_usd", /unknown field; allowed: daily_usd, monthly_usd/],
      ["POST", "/admin/keys", { name: "x" }, "tenant", /./],
      ["POST", "/admin/keys", { tenant: "acme", requests_per_minute: "10" }, "requests_per_minute", /number/],
      ["POST", "/admin/keys", { tenant: "acme", admin: true }, "admin", /allowed: tenant, name, service, budget, requests_per_minute/],
      ["PATCH", "/admin/tenants/acme", { budget: { monthly_usd: 0 } }, "budget.monthly_usd", /Too small/],
    ];
    for (const [method, path, body, param, message] of cases) {
      const res = await gw.json(path, { method, body, headers: admin });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
      const error = res.body.error as { param: string; message: string };
      assert.equal(error.param, param);
      assert.match(error.message, message);
    }
    const rotate = await gw.json(`/admin/keys/${"0".repeat(12)}/rotate`, { body: { grace_seconds: 8 * 24 * 3600 }, headers: admin });
    assert.deepEqual([rotate.status, (rotate.body.error as { param: string }).param], [400, "grace_seconds"]);
    // A plain key where an id belongs is refused without being echoed.
    const pasted = await gw.json(`/admin/keys/${CONFIG_KEY}/revoke`, { method: "POST", headers: admin });
    assert.equal(pasted.status, 400);
    assert.ok(!JSON.stringify(pasted.body).includes(CONFIG_KEY));
    assert.equal((await gw.json(`/admin/keys/${"0".repeat(12)}`, { headers: admin })).status, 404);
    assert.equal((await gw.json("/admin/tenants/nobody", { headers: admin })).status, 404);
    assert.equal((await gw.json("/admin/keys?limit=0", { headers: admin })).status, 400);
    assert.equal((await gw.json("/admin/tenants", { body: { id: "dup" }, headers: admin })).status, 201);
    assert.equal((await gw.json("/admin/tenants", { body: { id: "dup" }, headers: admin })).status, 409);
  });

  it("requests per minute per key and per tenant: 429 with Retry-After naming the limit", async () => {
    const key = await createKey({ tenant: "limited", requests_per_minute: 2 });
    for (let i = 0; i < 2; i++) assert.equal((await gw.json("/v1/models", { headers: as(key.key) })).status, 200);
    const refused = await gw.json("/v1/models", { headers: as(key.key) });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.match((refused.body.error as { message: string }).message, new RegExp(`API key ${key.id} allows 2 requests per minute`));
    // Another key of the tenant is not held by this key's limit...
    const other = await createKey({ tenant: "limited" });
    assert.equal((await gw.json("/v1/models", { headers: as(other.key) })).status, 200);
    // ...but by the tenant's, set without a restart.
    const patched = await gw.json("/admin/tenants/limited", { method: "PATCH", body: { requests_per_minute: 1 }, headers: admin });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal((await gw.json("/v1/models", { headers: as(other.key) })).status, 200);
    const tenantRefused = await gw.json("/v1/models", { headers: as(other.key) });
    assert.equal(tenantRefused.status, 429);
    assert.match((tenantRefused.body.error as { message: string }).message, /tenant "limited" allows 1 requests per minute/);
  });

  it("the admin sees every tenant's usage; a tenant only its own", async () => {
    const a = await createKey({ tenant: "usage-a" });
    const b = await createKey({ tenant: "usage-b" });
    for (const k of [a, b]) assert.equal((await gw.json("/v1/images/generations", { body: IMAGE, headers: as(k.key) })).status, 200);
    const all = await gw.json("/admin/usage?group_by=tenant", { headers: admin });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const tenants = (all.body.groups as { key: string; attempts: number }[]).map((g) => g.key);
    assert.ok(tenants.includes("usage-a") && tenants.includes("usage-b"), JSON.stringify(tenants));
    const one = await gw.json("/admin/usage?tenant=usage-a", { headers: admin });
    assert.equal((one.body.totals as { attempts: number }).attempts, 1);
    const own = await gw.json("/v1/usage?group_by=key", { headers: as(a.key) });
    assert.deepEqual((own.body.groups as { key: string }[]).map((g) => g.key), [a.id]);
    assert.equal((await gw.json("/admin/usage?group_by=color", { headers: admin })).status, 400);
  });

  it("without auth.adminKeys the admin API is off (403 admin_disabled)", async () => {
    const plain = await startTestServer({ auth: { apiKeys: [{ sha256: hashApiKey(CONFIG_KEY), tenant: "acme" }] } });
    try {
      const res = await plain.json("/admin/tenants", { headers: as(CONFIG_KEY) });
      assert.equal(res.status, 403);
      assert.equal((res.body.error as { code: string }).code, "admin_disabled");
    } finally {
      await plain.stop();
    }
  });
});
