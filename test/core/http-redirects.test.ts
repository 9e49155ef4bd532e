import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HttpClient } from "../../src/core/http.js";
import { HTTPError, createGateway } from "../../src/index.js";
import { FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";

/**
 * A provider API that answers a status poll with a redirect to somewhere else (an internal address,
 * cloud metadata, another host) must not get the gateway to go there: provider calls follow
 * redirects only for GET, only within the origin, and only a few hops.
 */
describe("redirects from a provider API", () => {
  let api: FakeServer;
  let elsewhere: FakeServer;
  before(async () => {
    elsewhere = await startFakeServer((s) => {
      s.route("GET", "/latest/meta-data", () => ({ json: { secret: "instance credentials" } }));
    });
    api = await startFakeServer((s) => {
      s.route("GET", "/status/away", () => ({ status: 302, headers: { location: `${elsewhere.url}/latest/meta-data` } }));
      s.route("GET", "/status/metadata", () => ({ status: 302, headers: { location: "http://169.254.169.254/latest/meta-data" } }));
      s.route("GET", "/status/moved", () => ({ status: 301, headers: { location: "/status/done" } }));
      s.route("GET", "/status/done", () => ({ json: { status: "done" } }));
      s.route("GET", "/status/loop", () => ({ status: 302, headers: { location: "/status/loop" } }));
    });
  });
  after(async () => {
    await api.close();
    await elsewhere.close();
  });
  const client = () => new HttpClient({ baseUrl: api.url, provider: "acme", model: "m", timeoutMs: 5_000 });

  it("a poll redirected to another origin fails as the provider's fault (HTTPError) without going there", async () => {
    for (const path of ["/status/away", "/status/metadata"]) {
      const t0 = performance.now();
      const error = await client().json(path).catch((e: unknown) => e);
      assert.ok(error instanceof HTTPError, String(error));
      assert.equal(error.statusCode, 302);
      assert.equal(error.code, "unexpected_redirect");
      assert.match(error.message, /^acme answered GET with a redirect \(302\), which is not followed: it points to another origin/);
      assert.ok(performance.now() - t0 < 2_000, "no connection to the target was attempted");
    }
    assert.equal(elsewhere.requests.length, 0, "the other origin was never contacted");
  });

  it("a redirect within the origin is followed, a bounded number of times", async () => {
    assert.deepEqual(await client().json("/status/moved"), { status: "done" });
    const before = api.calls("GET", "/status/loop").length;
    const error = await client().json("/status/loop").catch((e: unknown) => e);
    assert.ok(error instanceof HTTPError);
    assert.match(error.message, /more than 5 redirects/);
    assert.equal(api.calls("GET", "/status/loop").length - before, 6);
  });

  describe("through a provider's status poll (fal queue)", () => {
    let fal: FalFake;
    before(async () => {
      fal = await startFalFake();
    });
    after(() => fal.close());

    it("the generation fails with a 502-class error and the redirect target is never fetched", async () => {
      fal.stream = false; // a status poll, not the status stream
      fal.server.script("GET", "/fal-ai/flux/requests/:id/status", { status: 302, headers: { location: `${elsewhere.url}/latest/meta-data` } });
      const gw = createGateway({ logLevel: "silent" });
      const error = await gw
        .generateImage({ provider: "fal", model: "fal-ai/flux/dev", apiKey: FAL_KEY, baseUrl: fal.url, pollIntervalMs: 1, maxRetries: 0 }, { prompt: "x" })
        .catch((e: unknown) => e);
      assert.ok(error instanceof HTTPError, String(error));
      assert.match(error.message, /^fal answered GET with a redirect \(302\)/);
      assert.equal(elsewhere.requests.length, 0);
    });
  });
});
