import assert from "node:assert/strict";
import { once } from "node:events";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { HttpClient } from "../../src/core/http.js";
import { fetchTransport } from "../../src/core/transport/fetch.js";
import { platformTransport } from "../../src/core/transport/select.js";
import type { Transport } from "../../src/core/transport/types.js";
import { undiciTransport } from "../../src/core/transport/undici.js";
import {
  AuthenticationError,
  CancelledError,
  HTTPConnectionError,
  HTTPError,
  RateLimitError,
  TimeoutError,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import { type FakeServer, startFakeServer } from "../helpers/fake-server.js";

/**
 * The contract of provider HTTP, run against both transports: undici's dispatcher (Node's default)
 * and a WHATWG fetch (an injected `fetch`, and runtimes without undici). Everything a caller or a
 * provider can observe must be the same on both: what is sent, timeouts, abort, the redirect policy,
 * caps counted after decompression, error mapping, multipart uploads and streamed downloads.
 */
const TRANSPORTS: readonly (readonly [string, () => Transport])[] = [
  ["undici", () => undiciTransport()],
  ["fetch", () => fetchTransport((input, init) => globalThis.fetch(input, init))],
];

/** A raw node:http server for the faults the fake server does not script (endless bodies, lying lengths). */
async function rawServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

const png = Uint8Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31 + 7) & 0xff);
const bigJson = JSON.stringify({ data: [{ b64_json: "A".repeat(200_000) }] });

for (const [name, make] of TRANSPORTS) {
  describe(`provider HTTP contract on the ${name} transport`, () => {
    let fake: FakeServer;
    let other: FakeServer;
    let raw: Awaited<ReturnType<typeof rawServer>>;
    const transport = make();
    before(async () => {
      other = await startFakeServer((s) => {
        s.route("GET", "/secret", () => ({ json: { secret: "instance credentials" } }));
      });
      fake = await startFakeServer((s) => {
        s.route("POST", "/echo", (req) => ({ json: { method: req.method, json: req.json, headers: req.headers } }));
        s.route("GET", "/echo", (req) => ({ json: { method: req.method, headers: req.headers } }));
        s.route("POST", "/form", (req) => {
          const file = req.form?.get("image") as File | null;
          return { json: { prompt: req.form?.get("prompt"), name: file?.name, type: file?.type, size: file?.size, contentLength: req.headers["content-length"] } };
        });
        s.route("POST", "/form-bytes", async (req) => ({ body: new Uint8Array(await (req.form!.get("image") as File).arrayBuffer()), headers: { "content-type": "application/octet-stream" } }));
        s.route("GET", "/slow-headers", () => ({ delayMs: 3_000, json: {} }));
        s.route("GET", "/status/:code", (req) => ({
          status: Number(req.params.code),
          headers: { "retry-after": "7", "x-provider-hint": "hinted" },
          json: { error: { message: `failed with ${req.params.code}` } },
        }));
        s.route("GET", "/html", () => ({ body: "<html>not json</html>", headers: { "content-type": "text/html" } }));
        s.route("GET", "/moved", () => ({ status: 301, headers: { location: "/hop/1" } }));
        s.route("GET", "/hop/:n", (req) => (Number(req.params.n) < 3 ? { status: 302, headers: { location: `/hop/${Number(req.params.n) + 1}` } } : { json: { hops: 3 } }));
        s.route("GET", "/loop", () => ({ status: 302, headers: { location: "/loop" } }));
        s.route("GET", "/away", () => ({ status: 302, headers: { location: `${other.url}/secret` } }));
        s.route("POST", "/away", () => ({ status: 307, headers: { location: "/echo" } }));
        s.route("GET", "/gzip", () => ({ body: gzipSync(JSON.stringify({ coding: "gzip" })), headers: { "content-type": "application/json", "content-encoding": "gzip" } }));
        s.route("GET", "/deflate", () => ({ body: deflateSync(JSON.stringify({ coding: "deflate" })), headers: { "content-type": "application/json", "content-encoding": "deflate" } }));
        s.route("GET", "/br", () => ({ body: brotliCompressSync(JSON.stringify({ coding: "br" })), headers: { "content-type": "application/json", "content-encoding": "br" } }));
        s.route("GET", "/big", () => ({ body: bigJson, headers: { "content-type": "application/json" }, chunkBytes: 16_384 }));
        s.route("GET", "/big-gzip", () => ({ body: gzipSync(bigJson), headers: { "content-type": "application/json", "content-encoding": "gzip" } }));
        s.route("GET", "/big-error", () => ({ status: 503, body: "x".repeat(200_000), headers: { "content-type": "text/plain" } }));
        s.route("GET", "/media.png", () => ({ body: png, headers: { "content-type": "image/png" }, chunkBytes: 65_536 }));
        s.route("GET", "/drop", () => ({ destroy: true }));
      });
      raw = await rawServer((req, res) => {
        if (req.url === "/bomb") {
          // 64 MiB of zeros in ~64 KiB of gzip: inflated, far over any cap.
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
          res.end(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
        } else if (req.url === "/endless") {
          res.writeHead(200, { "content-type": "application/octet-stream" });
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          const pump = () => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once("drain", pump);
          };
          pump();
        } else if (req.url === "/declared-huge") {
          // Declares 10 GB and sends a few bytes, then nothing: refusing must not wait for the body.
          res.writeHead(200, { "content-type": "application/json", "content-length": String(10 * 1024 ** 3) });
          res.write("{");
        } else if (req.url === "/trickle") {
          res.writeHead(200, { "content-type": "application/json" });
          res.write("{");
          const drip = setInterval(() => res.write(" "), 50);
          res.on("close", () => clearInterval(drip));
        } else {
          res.writeHead(404).end();
        }
      });
    });
    after(async () => {
      await fake.close();
      await other.close();
      await raw.close();
    });

    const client = (opts: { signal?: AbortSignal; timeoutMs?: number; maxResponseBytes?: number; baseUrl?: string } = {}) =>
      new HttpClient({
        baseUrl: opts.baseUrl ?? fake.url,
        provider: "acme",
        model: "m",
        headers: { Authorization: "Bearer sk-contract-0000", "X-Version": "1" },
        signal: opts.signal,
        timeoutMs: opts.timeoutMs ?? 5_000,
        maxResponseBytes: opts.maxResponseBytes,
        transport,
      });

    it("sends JSON with the client's headers, a per-request header replacing a default whatever its case", async () => {
      const out = await client().json<{ method: string; json: unknown; headers: Record<string, string> }>("/echo", {
        json: { prompt: "a lighthouse", n: 1 },
        headers: { "x-version": "2", "x-extra": "yes" },
      });
      assert.equal(out.method, "POST");
      assert.deepEqual(out.json, { prompt: "a lighthouse", n: 1 });
      assert.equal(out.headers.authorization, "Bearer sk-contract-0000");
      assert.equal(out.headers["x-version"], "2");
      assert.equal(out.headers["x-extra"], "yes");
      assert.equal(out.headers["content-type"], "application/json");
      assert.equal(out.headers["content-length"], String(JSON.stringify({ prompt: "a lighthouse", n: 1 }).length));
      // What fetch adds by default reaches the provider on both paths.
      assert.equal(out.headers.accept, "*/*");
      assert.equal(out.headers["user-agent"], "node");
      assert.equal(out.headers["accept-encoding"], "gzip, deflate");
      const removed = await client().json<{ headers: Record<string, string> }>("/echo", { headers: { "X-VERSION": undefined } });
      assert.equal(removed.headers["x-version"], undefined, "an undefined per-request header removes the default");
    });

    it("uploads multipart forms: fields, a file's name, type and exact bytes, with a Content-Length", async () => {
      const form = new FormData();
      form.set("prompt", "make it\nred");
      form.set("image", new Blob([png], { type: "image/png" }), "in put.png");
      const out = await client().json<{ prompt: string; name: string; type: string; size: number; contentLength: string | undefined }>("/form", { form });
      assert.equal(out.prompt, "make it\r\nred", "line breaks normalised to CRLF, as fetch sends them");
      assert.equal(out.name, "in put.png");
      assert.equal(out.type, "image/png");
      assert.equal(out.size, png.byteLength);
      assert.ok(Number(out.contentLength) > png.byteLength, `content-length ${out.contentLength}`);
      const echoed = new FormData();
      echoed.set("image", new Blob([png], { type: "image/png" }), "a.png");
      const { data } = await client().bytes("/form-bytes", { form: echoed });
      assert.ok(Buffer.from(data).equals(Buffer.from(png)), "the file arrives byte for byte");
    });

    it("streams a media download through request(): the bytes, type and length the provider sent", async () => {
      const response = await client().request("/media.png");
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "image/png");
      assert.equal(response.headers.get("content-length"), String(png.byteLength));
      let chunks = 0;
      const parts: Uint8Array[] = [];
      for await (const chunk of response.body!) {
        chunks++;
        parts.push(chunk);
      }
      assert.ok(chunks > 1, "delivered as a stream, not one buffer");
      assert.ok(Buffer.concat(parts).equals(Buffer.from(png)));
      const { data, response: head } = await client().bytes("/media.png");
      assert.equal(head.headers.get("Content-Type"), "image/png", "header names are case-insensitive");
      assert.ok(Buffer.from(data).equals(Buffer.from(png)));
    });

    it("undoes gzip, deflate and br content codings", async () => {
      for (const coding of ["gzip", "deflate", "br"]) assert.deepEqual(await client().json(`/${coding}`), { coding });
    });

    it("times out waiting for headers and on a body trickled forever, read whole or streamed", async () => {
      const t0 = performance.now();
      await assert.rejects(client({ timeoutMs: 300 }).json("/slow-headers"), (e: unknown) => e instanceof TimeoutError && /^acme: the GET request timed out after 300 ms$/.test(e.message));
      const slow = client({ timeoutMs: 300, baseUrl: raw.url });
      await assert.rejects(slow.json("/trickle"), (e: unknown) => e instanceof TimeoutError && /timed out after 300 ms/.test(e.message));
      await assert.rejects(slow.bytes("/trickle"), (e: unknown) => e instanceof TimeoutError);
      await assert.rejects(
        slow.request("/trickle").then((r) => r.text()),
        (e: unknown) => e instanceof TimeoutError,
      );
      assert.ok(performance.now() - t0 < 4_000, `took ${Math.round(performance.now() - t0)} ms`);
    });

    it("aborts on the attempt's signal, before the headers and while a streamed body is read", async () => {
      const before = new AbortController();
      setTimeout(() => before.abort(), 100);
      const t0 = performance.now();
      await assert.rejects(client({ signal: before.signal }).json("/slow-headers"), (e: unknown) => e instanceof CancelledError);
      assert.ok(performance.now() - t0 < 1_500);
      const during = new AbortController();
      const response = await client({ signal: during.signal, baseUrl: raw.url }).request("/trickle");
      setTimeout(() => during.abort(), 100);
      await assert.rejects(response.text());
      assert.ok(performance.now() - t0 < 2_500);
      const already = new AbortController();
      already.abort();
      const calls = fake.requests.length;
      await assert.rejects(client({ signal: already.signal }).json("/echo"), (e: unknown) => e instanceof CancelledError);
      assert.equal(fake.requests.length, calls, "an already-aborted call sends nothing");
    });

    it("follows a GET's redirects within the origin only, a bounded number of times; never a request with a body", async () => {
      assert.deepEqual(await client().json("/hop/0"), { hops: 3 });
      const loop = await client().json("/loop").catch((e: unknown) => e);
      assert.ok(loop instanceof HTTPError && loop.code === "unexpected_redirect" && /more than 5 redirects/.test(loop.message), String(loop));
      const away = await client().json("/away").catch((e: unknown) => e);
      assert.ok(away instanceof HTTPError && away.statusCode === 302 && /another origin/.test(away.message), String(away));
      assert.equal(other.requests.length, 0, "the other origin was never contacted");
      const posted = await client().json("/away", { json: {} }).catch((e: unknown) => e);
      assert.ok(posted instanceof HTTPError && posted.statusCode === 307 && /a request with a body is never redirected/.test(posted.message), String(posted));
      assert.equal(fake.calls("POST", "/echo").filter((r) => (r.json as { redirected?: boolean } | undefined)?.redirected).length, 0);
    });

    it("caps every read, counted after decompression: chunked, gzip, a gzip bomb, an endless body, a lying Content-Length", async () => {
      const overCap = (limit: number, what = "response body") => (e: unknown) =>
        e instanceof HTTPError && e.code === "response_too_large" && e.message.startsWith(`acme sent a ${what} over the ${limit}-byte limit (network.maxResponseBytes)`);
      for (const path of ["/big", "/big-gzip"]) {
        await assert.rejects(client({ maxResponseBytes: 100_000 }).json(path), overCap(100_000), `json ${path}`);
        await assert.rejects(client({ maxResponseBytes: 100_000 }).bytes(path), overCap(100_000), `bytes ${path}`);
        await assert.rejects(client({ maxResponseBytes: 100_000 }).request(path).then((r) => r.arrayBuffer()), overCap(100_000), `request ${path}`);
      }
      assert.equal((await client({ maxResponseBytes: 300_000 }).json<{ data: unknown[] }>("/big-gzip")).data.length, 1, "under the cap it reads");
      const capped = client({ maxResponseBytes: 1_000_000, baseUrl: raw.url, timeoutMs: 10_000 });
      const t0 = performance.now();
      await assert.rejects(capped.json("/bomb"), overCap(1_000_000));
      await assert.rejects(capped.bytes("/endless"), overCap(1_000_000));
      await assert.rejects(capped.request("/endless").then((r) => r.arrayBuffer()), overCap(1_000_000));
      await assert.rejects(capped.json("/declared-huge"), overCap(1_000_000));
      await assert.rejects(capped.request("/declared-huge"), overCap(1_000_000));
      assert.ok(performance.now() - t0 < 8_000, "none of them waited for the timeout");
      const error = await client({ maxResponseBytes: 5_000 }).json("/big-error").catch((e: unknown) => e);
      assert.ok(overCap(5_000, "error body")(error), String(error));
      assert.equal((error as HTTPError).statusCode, 503);
      assert.equal((error as HTTPError).retryable, true);
    });

    it("maps error statuses to typed errors with the provider's message and headers", async () => {
      const expect = async (code: number, cls: new (...a: never[]) => Error) => {
        await assert.rejects(client().json(`/status/${code}`), (e: unknown) => e instanceof cls && (e as Error).message.includes(`failed with ${code}`), String(code));
      };
      await expect(400, ValidationError);
      await expect(401, AuthenticationError);
      await expect(404, HTTPError);
      await expect(500, HTTPError);
      await assert.rejects(client().json("/status/429"), (e: unknown) => e instanceof RateLimitError && e.retryAfterMs === 7000);
      const seen: string[] = [];
      const parsing = new HttpClient({
        baseUrl: fake.url,
        provider: "acme",
        model: "m",
        transport,
        parseError: ({ headers, status }) => {
          seen.push(`${status} ${headers.get("X-Provider-Hint")}`);
          return { kind: "moderation", message: "blocked by the provider" };
        },
      });
      const blocked = await parsing.json("/status/400").catch((e: unknown) => e);
      assert.match(String(blocked), /blocked by the provider/);
      assert.deepEqual(seen, ["400 hinted"]);
      assert.deepEqual(await client().json("/status/404", { acceptStatus: [404] }), { error: { message: "failed with 404" } }, "an accepted status is returned");
      await assert.rejects(client().json("/html"), (e: unknown) => e instanceof HTTPError && e.retryable && /not JSON \(status 200\)/.test(e.message));
    });

    it("reports refused and dropped connections as HTTPConnectionError naming the provider, not the URL", async () => {
      const probe = await rawServer(() => undefined);
      const dead = probe.url;
      await probe.close();
      const refused = await client({ baseUrl: dead }).json("/x").catch((e: unknown) => e);
      assert.ok(refused instanceof HTTPConnectionError, String(refused));
      assert.match(refused.message, /^acme: the GET request could not be completed \(ECONNREFUSED\)$/);
      const dropped = await client().json("/drop").catch((e: unknown) => e);
      assert.ok(dropped instanceof HTTPConnectionError, String(dropped));
      assert.doesNotMatch(dropped.message, /127\.0\.0\.1/);
    });

    it("reuses keep-alive connections across calls", async () => {
      const fresh = await startFakeServer((s) => s.route("GET", "/ok", () => ({ json: { ok: true } })));
      try {
        for (let i = 0; i < 20; i++) await client({ baseUrl: fresh.url }).json("/ok");
        // Without keep-alive that would be 20; a second one can open while the first is being returned to the pool.
        assert.ok(fresh.connections <= 2, `20 sequential calls opened ${fresh.connections} connections`);
      } finally {
        await fresh.close();
      }
    });
  });
}

describe("which transport a gateway uses", () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startFakeServer((s) => {
      s.route("POST", "/v1/images/generations", () => ({ json: { created: 1, data: [{ b64_json: Buffer.from(png.subarray(0, 64)).toString("base64") }] } }));
    });
  });
  after(() => fake.close());
  const config = () => ({ provider: "openai", model: "gpt-image-2", apiKey: "sk-transport-choice-0000", baseUrl: `${fake.url}/v1`, maxRetries: 0 });

  it("a user-supplied fetch carries every provider request", async () => {
    const seen: string[] = [];
    const gw = createGateway({
      logLevel: "silent",
      fetch: (input, init) => {
        seen.push(`${init?.method} ${String(input)}`);
        return globalThis.fetch(input, init);
      },
    });
    const out = await gw.generateImage(config(), { prompt: "x" });
    assert.equal(out.images.length, 1);
    assert.deepEqual(seen, [`POST ${fake.url}/v1/images/generations`]);
  });

  it("without one, Node's default is undici's dispatcher, loaded on the first request", async () => {
    const gw = createGateway({ logLevel: "silent" });
    const out = await gw.generateImage(config(), { prompt: "x" });
    assert.equal(out.images.length, 1);
    assert.equal(platformTransport().kind, "undici");
  });
});

describe("the import graph with an injected fetch", () => {
  it("a gateway given a fetch generates without ever loading undici", async () => {
    const { execFile } = await import("node:child_process");
    const fake = await startFakeServer((s) => {
      s.route("POST", "/v1/images/generations", () => ({ json: { created: 1, data: [{ b64_json: Buffer.from(png.subarray(0, 64)).toString("base64") }] } }));
    });
    try {
      const script = `
        import { createRequire } from "node:module";
        const { createGateway } = await import(${JSON.stringify(new URL("../../src/index.ts", import.meta.url).href)});
        const gw = createGateway({ logLevel: "silent", fetch: (input, init) => globalThis.fetch(input, init) });
        const out = await gw.generateImage({ provider: "openai", model: "gpt-image-2", apiKey: "sk-import-graph-0000", baseUrl: ${JSON.stringify(`${fake.url}/v1`)}, maxRetries: 0 }, { prompt: "x" });
        const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes("/node_modules/undici/"));
        console.log(JSON.stringify({ images: out.images.length, undici: loaded.length }));
      `;
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { timeout: 60_000 }, (error, out) => (error ? reject(error) : resolve(out))),
      );
      assert.deepEqual(JSON.parse(stdout.trim().split("\n").pop()!), { images: 1, undici: 0 });
    } finally {
      await fake.close();
    }
  });
});
