import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { type TestServer, startTestServer } from "./helpers.js";

/** Names every plain object answers through Object.prototype. */
const NAMES = ["toString", "__proto__", "constructor", "hasOwnProperty"];
const JWT_SECRET = "prototype-names-secret-0123456789";

const errorOf = (body: Record<string, unknown>) => body.error as { message: string; param?: string | null; field?: string | null };

describe("gateway: Object.prototype names are ordinary unknown names", () => {
  let gw: TestServer;
  before(async () => {
    gw = await startTestServer({
      routes: { fast: { model: "mock/mock-image" } },
      auth: { enabled: true, jwt: { secret: JWT_SECRET, audience: "tarash", tenantClaim: "org" } },
      limits: { rateLimit: { requestsPerMinute: 6000 }, tenants: { slow: { requestsPerMinute: 1, burst: 1 } } },
    });
  });
  after(() => gw.stop());

  const tokenFor = (org: string) =>
    new SignJWT({ org }).setProtectedHeader({ alg: "HS256" }).setAudience("tarash").setIssuedAt().setExpirationTime("5m").sign(new TextEncoder().encode(JWT_SECRET));
  let auth: Record<string, string>;
  before(async () => {
    auth = { authorization: `Bearer ${await tokenFor("7")}` };
  });

  it("as a model on every endpoint: 400 naming the field, nothing generated or stored", async () => {
    for (const name of NAMES) {
      const images = await gw.json("/v1/images/generations", { headers: auth, body: { model: name, prompt: "x", size: "32x32" } });
      assert.equal(images.status, 400, `images ${name}`);
      assert.equal(errorOf(images.body).param, "model");
      assert.ok(errorOf(images.body).message.includes(name), errorOf(images.body).message);

      const job = await gw.json("/v1/jobs", { headers: auth, body: { kind: "image", model: name, request: { prompt: "x", size: "32x32" } } });
      assert.equal(job.status, 400, `jobs ${name}`);
      assert.equal(errorOf(job.body).param, "model");

      const route = await gw.json("/v1/jobs", { headers: auth, body: { kind: "image", route: name, request: { prompt: "x", size: "32x32" } } });
      assert.equal(route.status, 400, `jobs route ${name}`);
      assert.equal(errorOf(route.body).param, "route");

      const video = await gw.json("/v1/videos", { headers: auth, body: { model: name, prompt: "waves" } });
      assert.equal(video.status, 400, `videos ${name}`);
      assert.equal(errorOf(video.body).param, "model");

      const legacy = await gw.json("/image/generate", { headers: auth, body: { prompt: "x", customer_id: 7, save_to_db: true, settings: { image: { model: name } } } });
      assert.equal(legacy.status, 400, `legacy ${name}`);
      assert.equal(errorOf(legacy.body).field, "settings.image.model");
    }
    assert.deepEqual(await readdir(gw.dir), [], "nothing was stored");
    const jobs = await gw.json("/v1/jobs", { headers: auth });
    assert.deepEqual(jobs.body.data, [], "no job was accepted");
  });

  it("as a tenant: its own rate limit (the default), not a prototype's", async () => {
    for (const name of ["constructor", "toString", "hasOwnProperty"]) {
      const headers = { authorization: `Bearer ${await tokenFor(name)}` };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await gw.json("/v1/models", { headers })).status);
      assert.deepEqual(statuses, [200, 200, 200], name);
    }
  });

  it("as a multipart field name: an ordinary (unknown) field, not a 500", async () => {
    for (const name of NAMES) {
      const form = new FormData();
      form.append("image", new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: "image/png" }), "in.png");
      form.append("prompt", "x");
      form.append("model", "mock/mock-image");
      form.append("size", "32x32");
      form.append(name, "value");
      form.append(name, new Blob(["x"]), "x.bin");
      const res = await fetch(`${gw.url}/v1/images/edits`, { method: "POST", headers: auth, body: form });
      assert.ok(res.status < 500, `${name}: ${res.status} ${await res.text()}`);
    }
  });
});
