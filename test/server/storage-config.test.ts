import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ProviderDefinition } from "../../src/index.js";
import { ConfigError, LocalStorage, UrlSigner, createApp, loadServerConfig, parseServerConfig } from "../../packages/server/src/server/index.js";
import { runServe } from "../../packages/server/src/server/serve.js";
import { PNG_SIGNATURE, startReceiver, startTestServer } from "./helpers.js";

describe("signed file URLs", () => {
  it("expire, and a tampered signature, key or expiry is refused", async () => {
    const gw = await startTestServer();
    try {
      const gen = await gw.json("/v1/images/generations", { body: { model: "mock-image", prompt: "x", size: "32x32", response_format: "url" } });
      const url = new URL((gen.body.data as { url: string }[])[0]!.url);
      assert.equal((await fetch(url)).status, 200);
      const sig = url.searchParams.get("sig")!;
      const tampered = new URL(url);
      tampered.searchParams.set("sig", `${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`);
      const t = await fetch(tampered);
      assert.equal(t.status, 403);
      assert.equal(((await t.json()) as { error: { code: string } }).error.code, "invalid_signature");
      const later = new URL(url);
      later.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
      assert.equal((await fetch(later)).status, 403);
      const other = new URL(url.toString().replace(/[0-9a-f]{8}-/, "00000000-"));
      assert.equal((await fetch(other)).status, 403);
      // An expired link (signed correctly, in the past).
      const key = decodeURIComponent(url.pathname.slice("/files/".length));
      const past = Math.floor(Date.now() / 1000) - 10;
      const expired = await fetch(`${gw.url}/files/${key}?expires=${past}&sig=${gw.gateway.state.signer.sign(key, past)}`);
      assert.equal(expired.status, 403);
      assert.equal(((await expired.json()) as { error: { code: string } }).error.code, "url_expired");
      assert.equal((await fetch(`${gw.url}/files/../../etc/passwd`)).status, 404);
    } finally {
      await gw.stop();
    }
  });

  it("UrlSigner binds key and expiry", () => {
    const s = new UrlSigner("secret-0123456789");
    const sig = s.sign("customers/a/assets/image/x.png", 2_000_000_000);
    assert.equal(s.verify("customers/a/assets/image/x.png", "2000000000", sig), "ok");
    assert.equal(s.verify("customers/b/assets/image/x.png", "2000000000", sig), "invalid");
    assert.equal(s.verify("customers/a/assets/image/x.png", "2000000001", sig), "invalid");
    assert.equal(s.verify("customers/a/assets/image/x.png", undefined, sig), "missing");
  });
});

describe("LocalStorage", () => {
  it("streams a large upload to disk and back without buffering it whole", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tarash-local-"));
    try {
      const storage = new LocalStorage({ dir, signer: new UrlSigner("s-0123456789"), baseUrl: () => "http://gw", defaultTtlSeconds: 60 });
      const MB = 1024 * 1024;
      const total = 50;
      const folder = join(dir, "customers/t/assets/video");
      let pulled = 0;
      let maxLag = 0;
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            // How far the producer is ahead of what reached the disk: small when the upload streams.
            const part = existsSync(folder) ? readdirSync(folder).find((f) => f.endsWith(".part")) : undefined;
            const written = part ? statSync(join(folder, part)).size : 0;
            maxLag = Math.max(maxLag, pulled * MB - written);
            if (pulled++ < total) controller.enqueue(new Uint8Array(MB).fill(pulled));
            else controller.close();
          },
        },
        { highWaterMark: 1 },
      );
      const { size } = await storage.put("customers/t/assets/video/big.mp4", body, { mediaType: "video/mp4" });
      assert.equal(size, total * MB);
      assert.ok(maxLag <= 8 * MB, `the upload streamed to disk (producer at most ${maxLag / MB} MB ahead)`);
      const got = await storage.get("customers/t/assets/video/big.mp4");
      assert.equal(got?.size, size);
      assert.equal(got?.mediaType, "video/mp4");
      let read = 0;
      for await (const part of got!.body) read += part.byteLength;
      assert.equal(read, size);
      assert.match(await storage.url("customers/t/assets/video/big.mp4"), /^http:\/\/gw\/files\/customers\/t\/assets\/video\/big\.mp4\?expires=\d+&sig=/);
      await assert.rejects(storage.put("../escape.png", new Uint8Array([1]), { mediaType: "image/png" }), /escapes/);
      assert.equal(await storage.get("../../etc/passwd"), undefined);
      assert.deepEqual(await storage.health(), { ok: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("provider URL outputs are streamed into storage and served from there", async () => {
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
      "base64",
    );
    const origin = await startReceiver([200], (req, res) => {
      if (req.url !== "/out.png") return false;
      res.writeHead(200, { "content-type": "image/png", "content-length": String(png.length) }).end(png);
      return true;
    });
    const remote: ProviderDefinition = {
      id: "remote",
      requiresApiKey: false,
      models: [{ provider: "remote", model: "remote-image", kind: "image", maxN: 1 }],
      defaultModels: { image: "remote-image" },
      load: async () => ({ generateImage: async () => ({ images: [{ url: `${origin.url}/out.png`, mediaType: "image/png" }], rawResponse: {} }) }),
    };
    const gw = await startTestServer({ mock: { enabled: false }, network: { allowPrivateNetwork: true } }, { providers: [remote] });
    try {
      const res = await gw.json("/v1/images/generations", { body: { model: "remote/remote-image", prompt: "x", response_format: "url" } });
      assert.equal(res.status, 200);
      const url = (res.body.data as { url: string }[])[0]!.url;
      assert.match(url, /\/files\/customers\/default\/assets\/image\/[0-9a-f-]+\.png\?/);
      const file = await fetch(url);
      assert.deepEqual([...new Uint8Array(await file.arrayBuffer()).subarray(0, 4)], PNG_SIGNATURE);
      const b64 = await gw.json("/v1/images/generations", { body: { model: "remote/remote-image", prompt: "x", response_format: "b64_json" } });
      assert.equal((b64.body.data as { b64_json: string }[])[0]!.b64_json, png.toString("base64"));
    } finally {
      await gw.stop();
      await origin.close();
    }
  });
});

describe("config", () => {
  it("an invalid config fails with a message naming the field", () => {
    const cases: [unknown, RegExp, string][] = [
      [{ server: { port: "80" } }, /server\.port: .*number/i, "server.port"],
      [{ routes: { fast: { model: "mock-image", retries: -1 } } }, /routes\.fast\.retries/, "routes.fast.retries"],
      [{ auth: { apiKeys: [{ sha256: "abc", tenant: "t" }] } }, /auth\.apiKeys\.0\.sha256: must be 64 hex/, "auth.apiKeys.0.sha256"],
      [{ storage: { dri: "x" } }, /storage: unknown field\(s\) "dri"/, "storage"],
      [{ routes: { a: { model: "x", fallbacks: ["b"] }, b: { model: "y", fallbacks: ["a"] } } }, /routes\.a\.fallbacks: cycle a → b → a/, "routes.a.fallbacks"],
      [{ server: { host: "0.0.0.0" } }, /auth: binding to 0\.0\.0\.0 requires auth\.apiKeys or auth\.jwt/, "auth"],
      [{ providers: { openai: { apiKey: "env:NOPE_KEY" } } }, /providers\.openai\.apiKey: environment variable NOPE_KEY is not set/, "providers.openai.apiKey"],
      [{ auth: { jwt: { audience: "x" } } }, /auth\.jwt\.secret: set exactly one of secret or jwksUrl/, "auth.jwt.secret"],
    ];
    for (const [raw, message, field] of cases) {
      assert.throws(
        () => parseServerConfig(raw, {}),
        (e: unknown) => e instanceof ConfigError && message.test(e.message) && e.field === field,
        JSON.stringify(raw),
      );
    }
    const ok = parseServerConfig({ server: { host: "0.0.0.0" }, auth: { enabled: false }, providers: { openai: { apiKey: "env:K" } } }, { K: "sk-test-1234567890" });
    assert.equal(ok.providers.openai?.apiKey, "sk-test-1234567890");
  });

  it("every model the config names must resolve to a provider: the error names the field", () => {
    const cases: [unknown, string, RegExp][] = [
      [{ routes: { fast: { model: "no-such-model" } } }, "routes.fast.model", /cannot tell which provider serves model "no-such-model"/],
      [{ routes: { fast: { model: "x", provider: "nobody" } } }, "routes.fast.model", /provider "nobody" is not available/],
      [{ routes: { fast: { model: "mock-image", fallbacks: [{ model: "nope-model" }] } } }, "routes.fast.fallbacks.0.model", /nope-model/],
      [{ defaultRoutes: { image: "imaginary-model" } }, "defaultRoutes.image", /imaginary-model/],
      [{ aliases: { house: "nobody/some-model" } }, "aliases.house", /cannot tell which provider/],
      [{ providers: { opneai: { apiKey: "sk-test" } } }, "providers.opneai", /unknown provider; available: .*openai/],
    ];
    for (const [raw, field, message] of cases) {
      const config = parseServerConfig({ logLevel: "silent", ...(raw as object) }, {});
      assert.throws(
        () => createApp(config, { env: {} }),
        (e: unknown) => e instanceof ConfigError && e.field === field && message.test(e.message) && e.message.startsWith(`Invalid config: ${field}: `),
        JSON.stringify(raw),
      );
    }
    // Routes naming routes, provider/model strings, catalog ids and video models are all fine.
    const ok = parseServerConfig(
      {
        logLevel: "silent",
        routes: { a: { model: "b", fallbacks: ["v"] }, b: { model: "openai/gpt-image-2", fallbacks: ["flux-pro-1.1", { model: "mock-image" }] }, v: { model: "veo-3.0-generate-001", provider: "google" } },
        aliases: { house: "mock/mock-image" },
      },
      {},
    );
    const app = createApp(ok, { env: {} });
    void app.close();
  });

  it("embedded defaults: mock on, local storage, memory queue, loopback without auth", async () => {
    const empty = await mkdtemp(join(tmpdir(), "tarash-nocfg-"));
    const c = await loadServerConfig({ cwd: empty, env: {} });
    await rm(empty, { recursive: true, force: true });
    assert.equal(c.mock?.enabled, true);
    assert.deepEqual([c.server.host, c.server.port], ["127.0.0.1", 8787]);
    assert.deepEqual([c.storage.type, c.storage.type === "local" ? c.storage.dir : undefined], ["local", "./.tarash/storage"]);
    assert.equal(c.queue.type, "memory");
    assert.equal(c.auth.apiKeys.length, 0);
  });

  it("runServe: an invalid config file exits 2 with the message; a valid one serves until closed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tarash-cfg-"));
    try {
      const bad = join(dir, "bad.json");
      await writeFile(bad, JSON.stringify({ queue: { concurrency: 0 } }));
      const errors: string[] = [];
      assert.equal(await runServe(["--config", bad], { err: (l) => errors.push(l), out: () => {}, handleSignals: false }), 2);
      assert.match(errors.join("\n"), /Invalid config: queue\.concurrency: /);
      // A route naming a model no provider serves fails at start-up too, not on the first request.
      await writeFile(bad, JSON.stringify({ routes: { fast: { model: "mock/mock-image", fallbacks: ["no-such-model"] } } }));
      errors.length = 0;
      assert.equal(await runServe(["--config", bad, "--port", "0"], { err: (l) => errors.push(l), out: () => {}, handleSignals: false }), 2);
      assert.match(errors.join("\n"), /Invalid config: routes\.fast\.fallbacks\.0: cannot tell which provider serves model "no-such-model"/);
      assert.equal(await runServe(["--port", "x"], { err: () => {}, handleSignals: false }), 2);

      const good = join(dir, "good.json");
      await writeFile(good, JSON.stringify({ logLevel: "silent", storage: { dir: join(dir, "s") }, database: { dir: join(dir, "db") }, mock: { enabled: true, latencyMs: 0 } }));
      const lines: string[] = [];
      const exit = runServe(["--config", good, "--port", "0"], {
        out: (l) => lines.push(l),
        handleSignals: false,
        onListening: (server) => {
          void (async () => {
            const health = await fetch(`${server.url}/healthz`);
            lines.push(`health ${health.status}`);
            await server.close();
          })();
        },
      });
      assert.equal(await exit, 0);
      assert.match(lines[0]!, /listening on http:\/\/127\.0\.0\.1:\d+ \(auth off/);
      assert.ok(lines.includes("health 200"));
      assert.ok((await readFile(good, "utf8")).length > 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("OpenAPI and docs", () => {
  it("/openapi.json has every path, schemas generated from the zod request schemas, and resolvable refs", async () => {
    const gw = await startTestServer();
    try {
      const doc = (await gw.json("/openapi.json")).body as {
        openapi: string;
        paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
        components: { schemas: Record<string, { properties?: Record<string, { format?: string; anyOf?: unknown[] }>; required?: string[] }> };
      };
      assert.equal(doc.openapi, "3.1.0");
      for (const p of ["/image/generate", "/v1/images/generations", "/v1/images/edits", "/v1/images/variations", "/v1/videos", "/v1/videos/{id}", "/v1/videos/{id}/content", "/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/events", "/v1/models", "/healthz", "/metrics", "/files/{key}"]) {
        assert.ok(doc.paths[p], p);
      }
      assert.ok(doc.paths["/v1/jobs/{id}"]?.delete);
      // Every API route the server answers (the playground UI aside) is in the document, method included.
      for (const r of gw.gateway.app.routes) {
        if (r.method === "ALL" || r.path === "/" || r.path.startsWith("/playground/")) continue;
        const path = r.path.replace(/:(\w+)/g, "{$1}").replace("/files/*", "/files/{key}");
        assert.ok(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.path} is documented`);
      }
      const gen = doc.components.schemas.CreateImageRequest!;
      assert.ok(gen.required?.includes("prompt"));
      assert.ok(gen.properties?.response_format);
      const legacy = doc.components.schemas.LegacyImageRequest!;
      assert.deepEqual(legacy.required?.sort(), ["customer_id", "prompt"]);
      const edit = doc.components.schemas.CreateImageEditRequest!;
      assert.equal((edit.properties?.mask as { format?: string }).format, "binary");
      assert.equal(doc.paths["/v1/images/edits"]!.post!.requestBody!.content["multipart/form-data"]!.schema.$ref, "#/components/schemas/CreateImageEditRequest");
      const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
      for (const ref of refs) assert.ok(doc.components.schemas[JSON.parse(ref).split("/").pop()], ref);
      const html = await (await fetch(`${gw.url}/docs`)).text();
      assert.match(html, /<h1>Tarash Gateway/);
      assert.match(html, /POST \/v1\/images\/generations/);
      assert.ok(!/<script|https?:\/\/cdn/i.test(html), "no scripts, no CDN");
    } finally {
      await gw.stop();
    }
  });
});
