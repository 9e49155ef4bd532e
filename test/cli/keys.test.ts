import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { runTarash } from "../helpers/run-cli.js";
import { type TestServer, startTestServer } from "../server/helpers.js";

const ADMIN = "tarash-admin-key-cli-0123456789abcdef";

/** The real CLI (its own process) against a running gateway's admin API, as an operator runs it. */
describe("tarash keys / tarash tenants", () => {
  let gw: TestServer;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tarash-keys-cli-"));
    gw = await startTestServer({ auth: { adminKeys: [{ sha256: hashApiKey(ADMIN), name: "ops" }] } });
    env = { TARASH_URL: gw.url, TARASH_ADMIN_KEY: ADMIN };
  });
  after(async () => {
    await gw.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("keys create --tenant acme --monthly-usd 50 prints the key once; it works, lists without it, then revokes", async () => {
    const created = await runTarash(["keys", "create", "--tenant", "acme", "--monthly-usd", "50", "--name", "ci"], dir, env);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^tsk_[A-Za-z0-9_-]{48}$/, "stdout is the key alone");
    const id = hashApiKey(key).slice(0, 12);
    assert.match(created.stderr, new RegExp(`created API key ${id} \\(${key.slice(0, 10)}…\\) tenant acme "ci", active; monthly \\$50`));
    assert.match(created.stderr, /cannot show it again/);
    assert.equal((await gw.json("/v1/models", { headers: { authorization: `Bearer ${key}` } })).status, 200);

    const listed = await runTarash(["keys", "list", "--tenant", "acme"], dir, env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+PREFIX\s+TENANT\s+NAME\s+STATUS\s+DAILY\s+MONTHLY\s+RPM\s+LAST USED\n/);
    assert.match(listed.stdout, new RegExp(`${id}\\s+${key.slice(0, 10)}\\s+acme\\s+ci\\s+active\\s+-\\s+\\$50\\s+-`));
    assert.ok(!listed.stdout.includes(key.slice(10, 22)), "the key itself is never listed");

    const revoked = await runTarash(["keys", "revoke", id], dir, env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`^revoked ${id} .* revoked;`));
    assert.equal((await gw.json("/v1/models", { headers: { authorization: `Bearer ${key}` } })).status, 401);
  });

  it("rotate --grace and tenants create/update with --json; bad input and a wrong admin key exit with their codes", async () => {
    const tenant = await runTarash(["tenants", "create", "beta", "--daily-usd", "5", "--rpm", "120", "--json"], dir, env);
    assert.equal(tenant.code, 0, tenant.stderr);
    assert.deepEqual(JSON.parse(tenant.stdout).budget, { daily_usd: 5, monthly_usd: null });
    const cleared = await runTarash(["tenants", "update", "beta", "--daily-usd", "none"], dir, env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(cleared.stdout, "updated tenant beta: 120/min\n");

    const made = JSON.parse((await runTarash(["keys", "create", "--tenant", "beta", "--json"], dir, env)).stdout) as { id: string; key: string };
    const rotated = await runTarash(["keys", "rotate", made.id, "--grace", "600"], dir, env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout.trim(), /^tsk_/);
    assert.match(rotated.stderr, new RegExp(`the old key ${made.id} works until \\d{4}-`));

    const bad = await runTarash(["keys", "create", "--tenant", "beta", "--monthly-usd", "0"], dir, env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--monthly-usd must be a positive number, got "0"/);
    const badTenant = await runTarash(["keys", "create", "--tenant", "no spaces"], dir, env);
    assert.equal(badTenant.code, 2);
    assert.match(badTenant.stderr, /tenant: must be 1-128 letters/);
    const wrongAdmin = await runTarash(["keys", "list"], dir, { ...env, TARASH_ADMIN_KEY: "not-the-admin-key-0123456789" });
    assert.equal(wrongAdmin.code, 3);
    assert.match(wrongAdmin.stderr, /invalid admin key \(HTTP 401\)/);
    assert.ok(!wrongAdmin.stderr.includes("not-the-admin-key"), "the key tried is not echoed");
    const noServer = await runTarash(["tenants", "list"], dir, { ...env, TARASH_URL: "http://127.0.0.1:9" });
    assert.equal(noServer.code, 1);
    assert.match(noServer.stderr, /cannot reach the gateway at http:\/\/127\.0\.0\.1:9/);
  });
});
