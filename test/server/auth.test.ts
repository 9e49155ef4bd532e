import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { type Receiver, type TestServer, startReceiver, startTestServer } from "./helpers.js";

const KEY_A = "tk_tenant_a_0123456789";
const KEY_B = "tk_tenant_b_0123456789";
const JWT_SECRET = "jwt-secret-0123456789-abcdefghij";
const enc = new TextEncoder();

const hs256 = (claims: Record<string, unknown>, options: { exp?: string | number; aud?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setIssuer("https://issuer.test")
    .setAudience(options.aud ?? "tarash")
    .setExpirationTime(options.exp ?? "5m")
    .sign(enc.encode(JWT_SECRET));

const as = (key: string) => ({ authorization: `Bearer ${key}` });

describe("auth and tenancy", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({
      auth: {
        apiKeys: [
          { sha256: hashApiKey(KEY_A), tenant: "tenant-a" },
          { sha256: hashApiKey(KEY_B), tenant: "tenant-b" },
        ],
        jwt: { secret: JWT_SECRET, issuer: "https://issuer.test", audience: "tarash", tenantClaim: "org" },
      },
      limits: { tenants: { limited: { requestsPerMinute: 60, burst: 2 } } },
    });
  });
  after(() => gw.stop());

  it("jobs, events, videos and files of one tenant are 404 to another", async () => {
    const job = await gw.json("/v1/jobs", { headers: as(KEY_A), body: { kind: "image", model: "mock-image", request: { prompt: "mine", size: "32x32" } } });
    assert.equal(job.status, 202);
    const id = job.body.id as string;
    assert.equal((await gw.json(`/v1/jobs/${id}`, { headers: as(KEY_A) })).status, 200);
    for (const [method, path] of [
      ["GET", `/v1/jobs/${id}`],
      ["GET", `/v1/jobs/${id}/events`],
      ["DELETE", `/v1/jobs/${id}`],
      ["GET", `/v1/videos/${id}`],
    ] as const) {
      const res = await gw.json(path, { method, headers: as(KEY_B) });
      assert.equal(res.status, 404, `${method} ${path}`);
    }
    // Files: the owner's credentials open the file without a signature, another tenant gets a 404.
    const gen = await gw.json("/v1/images/generations", { headers: as(KEY_A), body: { model: "mock-image", prompt: "x", size: "32x32", response_format: "url" } });
    const url = new URL((gen.body.data as { url: string }[])[0]!.url);
    assert.match(url.pathname, /^\/files\/customers\/tenant-a\//);
    const bare = `${gw.url}${url.pathname}`;
    assert.equal((await fetch(bare, { headers: as(KEY_A) })).status, 200);
    assert.equal((await fetch(bare, { headers: as(KEY_B) })).status, 404);
    assert.equal((await fetch(bare)).status, 401);
  });

  it("the storage-backend endpoint refuses a customer_id the key does not own", async () => {
    const res = await gw.json("/image/generate", { headers: as(KEY_A), body: { prompt: "x", customer_id: 7 } });
    assert.equal(res.status, 403);
    assert.equal((res.body.error as { field: string }).field, "customer_id");
  });

  it("JWT HS256: valid works, tenant from the configured claim", async () => {
    const token = await hs256({ sub: "user-1", org: "tenant-a" });
    const res = await gw.json("/v1/models", { headers: as(token) });
    assert.equal(res.status, 200);
    // A job made with the API key of tenant-a is visible to a token of tenant-a.
    const job = await gw.json("/v1/jobs", { headers: as(KEY_A), body: { kind: "image", request: { prompt: "x", size: "32x32" } } });
    assert.equal((await gw.json(`/v1/jobs/${job.body.id as string}`, { headers: as(token) })).status, 200);
  });

  it("JWT: expired, wrong audience, wrong issuer, alg none, wrong key and a missing tenant claim are 401", async () => {
    const cases: [string, string][] = [
      ["expired", await hs256({ org: "tenant-a" }, { exp: Math.floor(Date.now() / 1000) - 3600 })],
      ["aud", await hs256({ org: "tenant-a" }, { aud: "someone-else" })],
      [
        "iss",
        await new SignJWT({ org: "tenant-a" }).setProtectedHeader({ alg: "HS256" }).setIssuer("https://evil.test").setAudience("tarash").setExpirationTime("5m").sign(enc.encode(JWT_SECRET)),
      ],
      [
        "none",
        `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(
          JSON.stringify({ org: "tenant-a", iss: "https://issuer.test", aud: "tarash", exp: Math.floor(Date.now() / 1000) + 300 }),
        ).toString("base64url")}.`,
      ],
      [
        "key",
        await new SignJWT({ org: "tenant-a" }).setProtectedHeader({ alg: "HS256" }).setIssuer("https://issuer.test").setAudience("tarash").setExpirationTime("5m").sign(enc.encode("another-secret-0123456789-abcdef")),
      ],
      [
        "nbf",
        await new SignJWT({ org: "tenant-a" })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer("https://issuer.test")
          .setAudience("tarash")
          .setNotBefore(Math.floor(Date.now() / 1000) + 3600)
          .setExpirationTime("2h")
          .sign(enc.encode(JWT_SECRET)),
      ],
      [
        // The right secret, but an algorithm the gateway does not accept with it.
        "HS384",
        await new SignJWT({ org: "tenant-a" }).setProtectedHeader({ alg: "HS384" }).setIssuer("https://issuer.test").setAudience("tarash").setExpirationTime("5m").sign(enc.encode(JWT_SECRET)),
      ],
      ["claim", await hs256({ sub: "nobody" })],
      ["bad tenant", await hs256({ org: "../etc" })],
    ];
    for (const [name, token] of cases) {
      const res = await gw.json("/v1/models", { headers: as(token) });
      assert.equal(res.status, 401, name);
      assert.equal((res.body.error as { type: string }).type, "authentication_error", name);
      assert.ok(!JSON.stringify(res.body).includes(token), "the token is not echoed");
    }
    const expired = await gw.json("/v1/models", { headers: as(cases[0]![1]) });
    assert.match((expired.body.error as { message: string }).message, /expired/);
  });

  it("rate limits per tenant: 429 with Retry-After, other tenants unaffected", async () => {
    const token = await hs256({ org: "limited" });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await gw.json("/v1/models", { headers: as(token) });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        assert.equal((res.body.error as { type: string }).type, "rate_limit_error");
      }
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.equal(retryAfter, "1");
    assert.equal((await gw.json("/v1/models", { headers: as(KEY_B) })).status, 200);
  });
});

describe("request logs", () => {
  it("one structured line per request (id, route pattern, status, tenant, time), credentials never logged", async () => {
    const lines: string[] = [];
    const gw = await startTestServer(
      { logLevel: "debug", auth: { apiKeys: [{ sha256: hashApiKey(KEY_A), tenant: "tenant-a" }], jwt: { secret: JWT_SECRET, audience: "tarash", tenantClaim: "org" } } },
      { logger: (line) => lines.push(line) },
    );
    try {
      const token = await hs256({ org: "tenant-a" });
      const gen = await gw.json("/v1/images/generations", { headers: { ...as(KEY_A), "x-request-id": "client-trace-42" }, body: { prompt: "x", size: "32x32", response_format: "url" } });
      assert.equal(gen.status, 200);
      assert.equal(gen.headers.get("x-request-id"), "client-trace-42", "a client's request id is echoed");
      const generationId = gen.headers.get("x-tarash-generation-id");
      assert.ok(generationId);
      const fileUrl = new URL((gen.body.data as { url: string }[])[0]!.url);
      assert.equal((await fetch(fileUrl)).status, 200);
      const job = await gw.json("/v1/jobs", { headers: { "x-api-key": KEY_A }, body: { kind: "image", request: { prompt: "x", size: "32x32" } } });
      assert.equal((await gw.json(`/v1/jobs/${job.body.id as string}`, { headers: as(token) })).status, 200);
      assert.equal((await gw.json("/v1/models", { headers: as("tk_wrong_0123456789abcdef") })).status, 401);

      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const requests = records.filter((r) => r.msg === "request" || r.message === "request");
      const byRoute = (route: string) => requests.find((r) => r.route === route);
      const single = byRoute("/v1/jobs/:id")!;
      assert.ok(single, "the route pattern is logged, not the id-bearing path alone");
      assert.equal(single.status, 200);
      assert.equal(single.tenant, "tenant-a");
      assert.equal(single.method, "GET");
      assert.match(String(single.requestId), /^http_[0-9a-f]{32}$/);
      assert.ok(requests.every((r) => typeof r.requestId === "string"));
      assert.equal(typeof single.ms, "number");
      const generation = byRoute("/v1/images/generations")!;
      assert.deepEqual([generation.status, generation.requestId, generation.generationId], [200, "client-trace-42", generationId]);
      assert.ok(requests.some((r) => r.status === 401), "refused requests are logged too");
      const all = lines.join("\n");
      for (const secret of [KEY_A, token, "tk_wrong_0123456789abcdef", fileUrl.searchParams.get("sig")!, JWT_SECRET]) {
        assert.ok(!all.includes(secret), `a credential reached the log: ${secret.slice(0, 8)}…`);
      }
    } finally {
      await gw.stop();
    }
  });
});

describe("JWT from a JWKS", () => {
  let jwks: Receiver;
  let gw: TestServer;
  let privateKey: CryptoKey;

  before(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = await startReceiver([200], (req, res) => {
      if (req.url !== "/.well-known/jwks.json") return false;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
      return true;
    });
    gw = await startTestServer({ auth: { jwt: { jwksUrl: `${jwks.url}/.well-known/jwks.json`, audience: "tarash" } } });
  });
  after(async () => {
    await gw.stop();
    await jwks.close();
  });

  it("accepts RS256 tokens signed by a key in the set and refuses HS256 ones", async () => {
    const good = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "k1" }).setSubject("team-x").setAudience("tarash").setExpirationTime("5m").sign(privateKey);
    const res = await gw.json("/v1/jobs", { headers: { authorization: `Bearer ${good}` }, body: { kind: "image", request: { prompt: "x", size: "32x32" } } });
    assert.equal(res.status, 202);
    const hs = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("team-x").setAudience("tarash").setExpirationTime("5m").sign(enc.encode(JWT_SECRET));
    assert.equal((await gw.json("/v1/models", { headers: { authorization: `Bearer ${hs}` } })).status, 401);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "k1" }).setSubject("team-x").setAudience("tarash").sign(privateKey);
    assert.equal((await gw.json("/v1/models", { headers: { authorization: `Bearer ${noExp}` } })).status, 401);
  });
});
