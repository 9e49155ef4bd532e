import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseServerConfig } from "../../packages/server/src/server/config.js";
import { RateLimiter } from "../../packages/server/src/server/rate-limit.js";

describe("rate limits per tenant and per key", () => {
  const config = parseServerConfig({ limits: { rateLimit: { requestsPerMinute: 60, burst: 3 }, tenants: { big: { requestsPerMinute: 600 } } } }, {});

  it("a key's limit holds on top of its tenant's; a refused request charges neither bucket", () => {
    let now = 0;
    const limiter = new RateLimiter(config.limits, () => now);
    const key = { tenant: "acme", keyId: "aaaaaaaaaaaa", keyRequestsPerMinute: 2 };
    assert.deepEqual([limiter.take(key), limiter.take(key)], [{ ok: true }, { ok: true }]);
    const refused = limiter.take(key);
    assert.deepEqual(refused, { ok: false, retryAfterMs: 30_000, scope: "key", requestsPerMinute: 2 });
    // The tenant's bucket (burst 3) was not charged by the refusal: another key of the tenant gets the third token.
    assert.deepEqual(limiter.take({ tenant: "acme", keyId: "bbbbbbbbbbbb" }), { ok: true });
    const tenantRefused = limiter.take({ tenant: "acme", keyId: "bbbbbbbbbbbb" });
    assert.equal(tenantRefused.ok, false);
    assert.equal(!tenantRefused.ok && tenantRefused.scope, "tenant");
    now += 30_000;
    assert.deepEqual(limiter.take(key), { ok: true }, "the key's bucket refilled one token in 30 s, the tenant's more");
  });

  it("the database's tenant setting wins over the file's", () => {
    const limiter = new RateLimiter(config.limits, () => 0);
    // The file gives "big" 600/min; the database says 1.
    assert.equal(limiter.take({ tenant: "big", tenantRequestsPerMinute: 1 }).ok, true);
    const refused = limiter.take({ tenant: "big", tenantRequestsPerMinute: 1 });
    assert.deepEqual(refused, { ok: false, retryAfterMs: 60_000, scope: "tenant", requestsPerMinute: 1 });
  });

  it("config keys take requestsPerMinute; admin keys are hashes; both are checked by field", () => {
    const parsed = parseServerConfig({ auth: { apiKeys: [{ sha256: "a".repeat(64), tenant: "t", requestsPerMinute: 30 }], adminKeys: [{ sha256: "b".repeat(64), name: "ops" }] } }, {});
    assert.equal(parsed.auth.apiKeys[0]!.requestsPerMinute, 30);
    assert.throws(
      () => parseServerConfig({ auth: { adminKeys: [{ sha256: "plain-admin-key" }] } }, {}),
      (e: unknown) => e instanceof ConfigError && e.field === "auth.adminKeys.0.sha256",
    );
    assert.throws(
      () => parseServerConfig({ auth: { apiKeys: [{ sha256: "a".repeat(64), tenant: "t", requestsPerMinute: 0 }] } }, {}),
      (e: unknown) => e instanceof ConfigError && e.field === "auth.apiKeys.0.requestsPerMinute",
    );
    // Admin keys alone turn auth on: keys are then issued from the database.
    assert.doesNotThrow(() => parseServerConfig({ server: { host: "0.0.0.0" }, auth: { adminKeys: [{ sha256: "b".repeat(64) }] } }, {}));
  });
});
