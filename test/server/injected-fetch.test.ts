import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";
import { type TestServer, startTestServer } from "./helpers.js";

/**
 * The gateway service sends provider requests on undici's dispatcher unless it is given a fetch
 * (embedding, tests, benchmarks comparing the two transports): then every provider request goes
 * through that fetch.
 */
describe("the gateway service with an injected fetch", () => {
  let upstream: FakeServer;
  let gw: TestServer;
  const seen: string[] = [];
  before(async () => {
    upstream = await startFakeServer((s) => {
      s.route("POST", "/v1/images/generations", () => ({ json: { created: 1, data: [{ b64_json: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ" }] } }));
    });
    gw = await startTestServer(
      { mock: { enabled: false }, providers: { openai: { apiKey: "sk-injected-fetch-0000", baseUrl: `${upstream.url}/v1` } }, defaults: { maxRetries: 0 } },
      {
        fetch: (input, init) => {
          seen.push(`${init?.method ?? "GET"} ${String(input)}`);
          return globalThis.fetch(input, init);
        },
      },
    );
  });
  after(async () => {
    await gw.stop();
    await upstream.close();
  });

  it("sends every provider request through it", async () => {
    const res = await gw.json("/v1/images/generations", { body: { model: "gpt-image-2", prompt: "a lighthouse" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(seen, [`POST ${upstream.url}/v1/images/generations`]);
    assert.equal(upstream.calls("POST", "/v1/images/generations").length, 1);
  });
});
