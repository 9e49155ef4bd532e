import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { HttpClient } from "../../src/core/http.js";
import {
  AuthenticationError,
  CancelledError,
  HTTPConnectionError,
  HTTPError,
  RateLimitError,
  TimeoutError,
  ValidationError,
} from "../../src/index.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";

describe("HttpClient", () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeServer((s) => {
      s.route("POST", "/echo", (req) => ({ json: { contentType: req.contentType, json: req.json, auth: req.headers.authorization } }));
      s.route("POST", "/form", (req) => ({ json: { prompt: req.form?.get("prompt"), file: (req.form?.get("image") as File | null)?.size, name: (req.form?.get("image") as File | null)?.name } }));
      s.route("GET", "/slow", () => ({ delayMs: 2_000, json: {} }));
      s.route("GET", "/status/:code", (req) => ({ status: Number(req.params.code), headers: { "retry-after": "7" }, json: { error: { message: `failed with ${req.params.code}` } } }));
      s.route("GET", "/html", () => ({ body: "<html>not json</html>", headers: { "content-type": "text/html" } }));
      s.route("POST", "/moved", () => ({ status: 308, headers: { location: "/echo" }, json: {} }));
      s.route("GET", "/moved", () => ({ status: 302, headers: { location: "/html" }, json: {} }));
    });
  });
  after(() => fake.close());
  const client = (signal?: AbortSignal, timeoutMs = 5_000) =>
    new HttpClient({ baseUrl: fake.url, provider: "fake", model: "m", headers: { authorization: "Bearer k" }, signal, timeoutMs });

  it("sends JSON with the default headers and parses the reply", async () => {
    const out = await client().json<{ contentType: string; json: unknown; auth: string }>("/echo", { json: { a: 1 } });
    assert.deepEqual(out, { contentType: "application/json", json: { a: 1 }, auth: "Bearer k" });
  });

  it("sends multipart bodies built from FormData", async () => {
    const form = new FormData();
    form.set("prompt", "hello");
    form.set("image", new Blob([new Uint8Array(123)], { type: "image/png" }), "a.png");
    assert.deepEqual(await client().json("/form", { form }), { prompt: "hello", file: 123, name: "a.png" });
  });

  it("maps error statuses to typed errors carrying the provider's message", async () => {
    const expect = async (code: number, cls: new (...a: never[]) => Error) => {
      await assert.rejects(client().json(`/status/${code}`), (e: unknown) => e instanceof cls && (e as Error).message.includes(`failed with ${code}`));
    };
    await expect(400, ValidationError);
    await expect(401, AuthenticationError);
    await expect(403, AuthenticationError);
    await expect(404, HTTPError);
    await expect(422, ValidationError);
    await expect(500, HTTPError);
    await assert.rejects(client().json("/status/429"), (e: unknown) => e instanceof RateLimitError && e.retryAfterMs === 7000);
    await assert.rejects(client().json("/status/503"), (e: unknown) => e instanceof HTTPError && !(e instanceof RateLimitError) && e.retryable && e.retryAfterMs === 7000);
  });

  it("turns a non-JSON success body into a retryable HTTPError, not a crash", async () => {
    await assert.rejects(client().json("/html"), (e: unknown) => e instanceof HTTPError && e.retryable && /not JSON/.test(e.message));
  });

  it("follows same-origin redirects of a GET; a redirected request with a body is the provider's fault (HTTPError), not retried", async () => {
    const echoed = fake.calls("POST", "/echo").length;
    const { data } = await client().bytes("/moved");
    assert.equal(new TextDecoder().decode(data), "<html>not json</html>");
    const err = await client()
      .json("/moved", { json: { a: 1 } })
      .catch((e: unknown) => e);
    assert.ok(err instanceof HTTPError, String(err));
    assert.match(err.message, /^fake answered POST with a redirect \(308\), which is not followed/);
    assert.doesNotMatch(err.message, /127\.0\.0\.1/, "the client-facing message names the provider, not its URL");
    assert.equal(err.statusCode, 308);
    assert.equal(err.retryable, false);
    assert.equal(fake.calls("POST", "/echo").length, echoed, "the POST was not replayed at the redirect's target");
  });

  it("bounds each request with a timeout", async () => {
    const t0 = Date.now();
    await assert.rejects(client(undefined, 100).json("/slow"), TimeoutError);
    assert.ok(Date.now() - t0 < 1_500);
  });

  it("aborts promptly with CancelledError", async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(client(ac.signal).json("/slow"), CancelledError);
    assert.ok(Date.now() - t0 < 1_000);
  });

  it("reports refused connections as HTTPConnectionError", async () => {
    const c = new HttpClient({ baseUrl: "http://127.0.0.1:9", provider: "fake", model: "m" });
    await assert.rejects(c.json("/x"), (e: unknown) => e instanceof HTTPConnectionError && e.retryable);
  });

  it("reuses one keep-alive connection for sequential requests", async () => {
    const own = await startFakeServer((s) => s.route("POST", "/echo", () => ({ json: { ok: true } })));
    try {
      const c = new HttpClient({ baseUrl: own.url, provider: "fake", model: "m" });
      for (let i = 0; i < 10; i++) await c.json("/echo", { json: { i } });
      // Without keep-alive this would be 10; undici may open a second socket while the first returns to its pool.
      assert.ok(own.connections <= 2, `10 requests opened ${own.connections} connections`);
    } finally {
      await own.close();
    }
  });
});
