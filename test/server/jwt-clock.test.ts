import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { type TestServer, startTestServer } from "./helpers.js";

const SECRET = "jwt-clock-secret-0123456789-abcdef";
const now = () => Math.floor(Date.now() / 1000);

function token(claims: { iat?: number; nbf?: number }): Promise<string> {
  const jwt = new SignJWT({ org: "tenant-a" }).setProtectedHeader({ alg: "HS256" }).setAudience("tarash").setExpirationTime(now() + 3 * 86_400);
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

describe("JWT times beyond the clock skew", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({ auth: { jwt: { secret: SECRET, audience: "tarash", tenantClaim: "org", clockToleranceSeconds: 5 } } });
  });
  after(() => gw.stop());

  const call = async (t: string) => gw.json("/v1/models", { headers: { authorization: `Bearer ${t}` } });

  it("a token issued a day in the future is 401, naming the iat check", async () => {
    const res = await call(await token({ iat: now() + 86_400 }));
    assert.equal(res.status, 401);
    assert.equal((res.body.error as { type: string }).type, "authentication_error");
    assert.match((res.body.error as { message: string }).message, /iat/);
  });

  it("a token not valid before an hour from now is 401, naming the nbf check", async () => {
    const res = await call(await token({ iat: now(), nbf: now() + 3600 }));
    assert.equal(res.status, 401);
    assert.match((res.body.error as { message: string }).message, /nbf/);
  });

  it("iat and nbf a little ahead (within the skew) are accepted, as is a token without iat", async () => {
    assert.equal((await call(await token({ iat: now() + 2, nbf: now() + 2 }))).status, 200);
    assert.equal((await call(await token({}))).status, 200);
    assert.equal((await call(await token({ iat: now() - 60 }))).status, 200);
  });
});
