import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { HttpClient, readJson } from "../../src/core/http.js";
import { HTTPError, TimeoutError, createGateway } from "../../src/index.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";

/**
 * Every way the library reads a provider body is capped: JSON, bytes, a Response handed to an adapter
 * (which reads it with `text()` or `arrayBuffer()`), error bodies. The cap counts decoded bytes.
 */
describe("provider response caps", () => {
  let fake: FakeServer;
  const big = JSON.stringify({ data: [{ b64_json: "A".repeat(20_000) }] });
  before(async () => {
    fake = await startFakeServer((s) => {
      s.route("GET", "/big", () => ({ json: JSON.parse(big) as unknown }));
      s.route("GET", "/big-chunked", () => ({ body: big, headers: { "content-type": "application/json" }, chunkBytes: 1_000 }));
      s.route("GET", "/big-gzip", () => ({ body: gzipSync(big), headers: { "content-type": "application/json", "content-encoding": "gzip" } }));
      s.route("GET", "/big-error", () => ({ status: 503, body: "x".repeat(20_000), headers: { "content-type": "text/plain" } }));
      s.route("GET", "/small", () => ({ json: { ok: true } }));
      s.route("POST", "/v1/images/generations", () => ({ json: JSON.parse(big) as unknown }));
    });
  });
  after(() => fake.close());
  const client = (maxResponseBytes = 10_000) => new HttpClient({ baseUrl: fake.url, provider: "acme", model: "m", maxResponseBytes });
  const overCap = (limit: number, what = "response body") => (e: unknown) =>
    e instanceof HTTPError && e.code === "response_too_large" && e.message.startsWith(`acme sent a ${what} over the ${limit}-byte limit (network.maxResponseBytes)`);

  it("json(), bytes() and a streamed Response read by the caller all stop at the cap", async () => {
    for (const path of ["/big", "/big-chunked", "/big-gzip"]) {
      await assert.rejects(client().json(path), overCap(10_000), `json ${path}`);
      await assert.rejects(client().bytes(path), overCap(10_000), `bytes ${path}`);
      // A declared length over the cap fails at request(); a chunked or gzip body fails when the caller reads it.
      await assert.rejects(client().request(path).then((r) => r.text()), overCap(10_000), `request().text() ${path}`);
    }
    assert.deepEqual(await client().json("/small"), { ok: true }, "a body under the cap reads as before");
    assert.equal((await client(30_000).json<{ data: unknown[] }>("/big")).data.length, 1);
  });

  it("an error body is capped too, keeping its status (a 503 stays retryable)", async () => {
    const error = await client(5_000).json("/big-error").catch((e: unknown) => e);
    assert.ok(overCap(5_000, "error body")(error), String(error));
    assert.equal((error as HTTPError).statusCode, 503);
    assert.equal((error as HTTPError).retryable, true);
  });

  it("readJson (for adapters holding a Response) takes the cap", async () => {
    const response = await fetch(`${fake.url}/big`);
    await assert.rejects(readJson(response, { provider: "acme", model: "m" }, 1_000), overCap(1_000));
  });

  it("the library config reaches it: createGateway({ network: { maxResponseBytes } })", async () => {
    const gw = createGateway({ logLevel: "silent", network: { maxResponseBytes: 4_096 } });
    const error = await gw
      .generateImage({ provider: "openai", model: "gpt-image-2", apiKey: "sk-test-response-limits-000", baseUrl: `${fake.url}/v1`, maxRetries: 0 }, { prompt: "x" })
      .catch((e: unknown) => e);
    assert.ok(error instanceof HTTPError, String(error));
    assert.match(error.message, /^openai sent a response body over the 4096-byte limit \(network\.maxResponseBytes\)/);
    assert.equal(error.retryable, false);
  });

  it("a body trickled forever fails with a TimeoutError once the request timeout passes, read whole or streamed", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
      const drip = setInterval(() => res.write(" "), 50);
      res.on("close", () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const slow = new HttpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, provider: "acme", model: "m", timeoutMs: 300 });
    try {
      const t0 = performance.now();
      await assert.rejects(slow.json("/"), (e: unknown) => e instanceof TimeoutError && /^acme: the GET request timed out after 300 ms/.test(e.message));
      await assert.rejects(slow.request("/").then((r) => r.text()), (e: unknown) => e instanceof TimeoutError);
      assert.ok(performance.now() - t0 < 3_000);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
