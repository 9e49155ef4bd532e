import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI, { toFile } from "openai";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { PNG_SIGNATURE, type TestServer, startTestServer } from "./helpers.js";

const KEY = "tk_images_0123456789abcdef";

describe("gateway images", () => {
  let gw: TestServer;
  let client: OpenAI;

  before(async () => {
    gw = await startTestServer({
      auth: { apiKeys: [{ sha256: hashApiKey(KEY), tenant: "acme", service: true }] },
      routes: {
        fast: { model: "mock/mock-image", description: "offline" },
        broken: { model: "mock/mock-image", retries: 0, mock: { failureRate: 1, latencyMs: 0 } },
      },
      aliases: { house: "mock/mock-image" },
      limits: { maxBodyBytes: 64 * 1024 },
    });
    client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(() => gw.stop());

  const auth = { authorization: `Bearer ${KEY}` };

  describe("POST /image/generate (storage-backend contract)", () => {
    it("save_to_db: true stores under customers/{id}/assets/image and returns the stored URL", async () => {
      const res = await gw.json("/image/generate", {
        headers: auth,
        body: { prompt: "a red fox", settings: { image: { model: "fast", width: 64, height: 48, quality: "hd" } }, customer_id: 42, save_to_db: true },
      });
      assert.equal(res.status, 200);
      const data = res.body.data as Record<string, unknown>;
      assert.equal(res.body.success, true);
      assert.equal(res.body.code, 200);
      assert.equal(data.provider, "mock");
      assert.equal(data.model, "mock-image");
      const url = data.image_url as string;
      assert.match(url, new RegExp(`^${gw.url}/files/customers/42/assets/image/[0-9a-f-]{36}\\.png\\?expires=\\d+&sig=`));
      const settings = data.settings as Record<string, unknown>;
      assert.equal(settings.width, 64);
      assert.equal(settings.height, 48);
      assert.equal(settings.quality, "hd");
      const file = await fetch(url);
      assert.equal(file.status, 200);
      assert.equal(file.headers.get("content-type"), "image/png");
      assert.deepEqual([...new Uint8Array(await file.arrayBuffer()).slice(0, 4)], PNG_SIGNATURE);
    });

    it("save_to_db: false returns a data: URL", async () => {
      const res = await gw.json("/image/generate", { headers: auth, body: { prompt: "a fox", settings: { image: { width: 32, height: 32 } }, customer_id: 1, save_to_db: false } });
      assert.equal(res.status, 200);
      assert.match((res.body.data as { image_url: string }).image_url, /^data:image\/png;base64,iVBOR/);
    });

    it("empty prompt and customer_id <= 0 are 400 naming the field", async () => {
      const empty = await gw.json("/image/generate", { headers: auth, body: { prompt: "  ", settings: {}, customer_id: 3 } });
      assert.equal(empty.status, 400);
      assert.deepEqual(empty.body.success, false);
      assert.equal(empty.body.code, 400);
      assert.equal((empty.body.error as { field: string }).field, "prompt");
      for (const id of [0, -5]) {
        const bad = await gw.json("/image/generate", { headers: auth, body: { prompt: "x", customer_id: id } });
        assert.equal(bad.status, 400);
        assert.equal((bad.body.error as { field: string }).field, "customer_id");
      }
    });

    it("an unsupported setting is a 400 naming it", async () => {
      const res = await gw.json("/image/generate", { headers: auth, body: { prompt: "x", settings: { image: { quality: "ultra" } }, customer_id: 3 } });
      assert.equal(res.status, 400);
      assert.equal((res.body.error as { field: string }).field, "settings.image.quality");
      assert.match((res.body.error as { message: string }).message, /settings\.image\.quality: .*allowed: low, medium, high/);
      const ratio = await gw.json("/image/generate", { headers: auth, body: { prompt: "x", settings: { image: { aspect_ratio: "wide" } }, customer_id: 3 } });
      assert.equal(ratio.status, 400);
      assert.equal((ratio.body.error as { field: string }).field, "settings.image.aspect_ratio");
    });

    it("a provider failure is a 502", async () => {
      const res = await gw.json("/image/generate", { headers: auth, body: { prompt: "x", settings: { image: { model: "broken" } }, customer_id: 3, save_to_db: true } });
      assert.equal(res.status, 502);
      assert.equal(res.body.success, false);
      assert.equal(res.body.code, 502);
    });
  });

  describe("OpenAI-compatible images with the official client", () => {
    it("images.generate with b64_json", async () => {
      const res = await client.images.generate({ model: "mock-image", prompt: "a lighthouse", size: "64x64", n: 2, response_format: "b64_json" });
      assert.equal(typeof res.created, "number");
      assert.equal(res.data?.length, 2);
      for (const item of res.data ?? []) {
        assert.equal(item.url, undefined);
        assert.deepEqual([...Buffer.from(item.b64_json!, "base64").subarray(0, 4)], PNG_SIGNATURE);
      }
    });

    it("model may be a configured alias", async () => {
      const res = await client.images.generate({ model: "house", prompt: "a lighthouse", size: "32x32", response_format: "b64_json" });
      assert.deepEqual([...Buffer.from(res.data![0]!.b64_json!, "base64").subarray(0, 4)], PNG_SIGNATURE);
    });

    it("images.generate with url returns a signed stored URL, via a route name", async () => {
      const res = await client.images.generate({ model: "fast", prompt: "a lighthouse", size: "64x64", response_format: "url" });
      const url = res.data?.[0]?.url ?? "";
      assert.match(url, /\/files\/customers\/acme\/assets\/image\/[0-9a-f-]+\.png\?expires=\d+&sig=/);
      const file = await fetch(url);
      assert.equal(file.status, 200);
    });

    it("images.edit sends image + mask as multipart", async () => {
      const base = await client.images.generate({ model: "mock-image", prompt: "base", size: "64x64", response_format: "b64_json" });
      const png = Buffer.from(base.data![0]!.b64_json!, "base64");
      const res = await client.images.edit({
        model: "mock-image",
        image: await toFile(png, "in.png", { type: "image/png" }),
        mask: await toFile(png, "mask.png", { type: "image/png" }),
        prompt: "add a boat",
        size: "64x64",
        response_format: "b64_json",
      });
      assert.deepEqual([...Buffer.from(res.data![0]!.b64_json!, "base64").subarray(0, 4)], PNG_SIGNATURE);
      // Several images arrive as image[] (the client's array encoding).
      const multi = await client.images.edit({
        model: "mock-image",
        image: [await toFile(png, "a.png", { type: "image/png" }), await toFile(png, "b.png", { type: "image/png" })],
        prompt: "merge",
        size: "64x64",
        response_format: "url",
      });
      assert.match(multi.data![0]!.url!, /\/files\//);
    });

    it("images.createVariation works", async () => {
      const base = await client.images.generate({ model: "mock-image", prompt: "base", size: "64x64", response_format: "b64_json" });
      const png = Buffer.from(base.data![0]!.b64_json!, "base64");
      const res = await client.images.createVariation({ model: "mock-image", image: await toFile(png, "v.png", { type: "image/png" }), n: 1, size: "64x64" as "256x256", response_format: "b64_json" });
      assert.equal(res.data?.length, 1);
    });

    it("a bad field is an OpenAI-style 400 naming param", async () => {
      await assert.rejects(
        client.images.generate({ model: "mock-image", prompt: "x", size: "banana" as "1024x1024" }),
        (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "size" && e.type === "invalid_request_error",
      );
      await assert.rejects(
        client.images.generate({ model: "mock-image", prompt: "x", quality: "ultra" as "hd" }),
        (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "quality",
      );
      await assert.rejects(client.images.generate({ model: "nobody-knows-this", prompt: "x" }), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "model");
      // The library's field names (aspectRatio) never reach an OpenAI client: it sent aspect_ratio.
      await assert.rejects(
        client.images.generate({ model: "mock-image", prompt: "x", aspect_ratio: "wide" } as never),
        (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === "aspect_ratio" && /aspect_ratio: /.test(e.message) && !/aspectRatio/.test(e.message),
      );
      const edit = await fetch(`${gw.url}/v1/images/edits`, { method: "POST", headers: auth, body: (() => { const f = new FormData(); f.append("prompt", "x"); return f; })() });
      assert.equal(edit.status, 400);
      assert.equal(((await edit.json()) as { error: { param: string } }).error.param, "image");
    });

    it("wrong credentials are a 401 AuthenticationError", async () => {
      const bad = new OpenAI({ apiKey: "tk_wrong_key_000000000000", baseURL: `${gw.url}/v1`, maxRetries: 0 });
      await assert.rejects(bad.images.generate({ prompt: "x" }), (e: unknown) => e instanceof OpenAI.AuthenticationError);
      const none = await gw.json("/v1/images/generations", { body: { prompt: "x" } });
      assert.equal(none.status, 401);
      assert.equal((none.body.error as { type: string }).type, "authentication_error");
    });

    it("a provider failure is a 502 with an OpenAI error body", async () => {
      const res = await gw.json("/v1/images/generations", { headers: auth, body: { model: "broken", prompt: "x" } });
      assert.equal(res.status, 502);
      assert.equal((res.body.error as { type: string }).type, "api_error");
      assert.equal((res.body.error as { code: string }).code, "provider_error");
    });

    it("a body over the limit is a 413", async () => {
      const res = await gw.json("/v1/images/generations", { headers: auth, body: { model: "mock-image", prompt: "x".repeat(70 * 1024) } });
      assert.equal(res.status, 413);
      assert.equal((res.body.error as { code: string }).code, "body_too_large");
      assert.match((res.body.error as { message: string }).message, /exceeds the limit of 65536 bytes/);
      // A multipart upload over the limit too; the connection closes (its unread body cannot be reused),
      // so the client's next request on a fresh connection works.
      const form = new FormData();
      form.append("prompt", "x");
      form.append("image", new Blob([Buffer.alloc(200 * 1024)], { type: "image/png" }), "big.png");
      const upload = await fetch(`${gw.url}/v1/images/edits`, { method: "POST", headers: auth, body: form });
      assert.equal(upload.status, 413);
      assert.equal(upload.headers.get("connection"), "close");
      assert.equal(((await upload.json()) as { error: { code: string } }).error.code, "body_too_large");
      const next = await gw.json("/image/generate", { headers: auth, body: { prompt: "x".repeat(100 * 1024), customer_id: 3 } });
      assert.equal(next.status, 413);
      assert.equal(next.body.success, false);
      assert.equal((await gw.json("/v1/models", { headers: auth })).status, 200);
    });

    it("x-api-key works as well as Bearer", async () => {
      const res = await gw.json("/v1/images/generations", { headers: { "x-api-key": KEY }, body: { model: "mock-image", prompt: "x", size: "32x32", response_format: "b64_json" } });
      assert.equal(res.status, 200);
    });
  });

  describe("catalog and operations", () => {
    it("GET /v1/models lists capabilities, prices and routes", async () => {
      const res = await gw.json("/v1/models", { headers: auth });
      assert.equal(res.status, 200);
      const data = res.body.data as { id: string; kind: string; capabilities: { outputFormats?: string[] }; price: unknown }[];
      const image = data.find((m) => m.id === "mock/mock-image")!;
      assert.equal(image.kind, "image");
      assert.deepEqual(image.capabilities.outputFormats, ["png", "jpeg", "webp"]);
      assert.deepEqual(image.price, { unit: "image", usd: 0 });
      const routes = res.body.routes as { id: string; model: string }[];
      assert.ok(routes.some((r) => r.id === "fast" && r.model === "mock/mock-image"));
      const videos = await gw.json("/v1/models?kind=video", { headers: auth });
      assert.ok((videos.body.data as { kind: string }[]).every((m) => m.kind === "video"));
    });

    it("/healthz reports storage and queue", async () => {
      const res = await gw.json("/healthz");
      assert.equal(res.status, 200);
      assert.equal(res.body.status, "ok");
      const deps = res.body.dependencies as Record<string, { ok: boolean; kind: string }>;
      assert.deepEqual([deps.storage?.kind, deps.storage?.ok, deps.queue?.kind, deps.queue?.ok], ["local", true, "memory", true]);
    });

    it("/metrics is Prometheus text with route patterns and no secrets", async () => {
      const res = await fetch(`${gw.url}/metrics`);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.match(text, /tarash_http_requests_total\{route="\/v1\/images\/generations",method="POST",status="200"\} \d+/);
      assert.match(text, /tarash_generation_duration_seconds_bucket\{kind="image",provider="mock",model="mock-image",outcome="success",le="\+Inf"\} \d+/);
      assert.match(text, /tarash_provider_errors_total\{provider="mock",error="HTTPError"\} \d+/);
      assert.match(text, /tarash_jobs\{state="completed"\} \d+/);
      assert.ok(!text.includes(KEY));
      assert.ok(!text.includes("acme"), "tenants are not metric labels");
    });

    it("bad input on every endpoint is a 400 naming the field, never a 500", async () => {
      const form = (fields: Record<string, string>) => {
        const f = new FormData();
        for (const [k, v] of Object.entries(fields)) f.append(k, v);
        return f;
      };
      const cases: { path: string; method?: string; body?: string | FormData; param: string | null; legacy?: boolean }[] = [
        { path: "/image/generate", body: "{not json", param: null, legacy: true },
        { path: "/image/generate", body: "[1,2]", param: "request", legacy: true },
        { path: "/image/generate", body: JSON.stringify({ prompt: "x", customer_id: "abc" }), param: "customer_id", legacy: true },
        { path: "/image/generate", body: JSON.stringify({ prompt: "x", customer_id: 3, save_to_db: "yes" }), param: "save_to_db", legacy: true },
        { path: "/image/generate", body: JSON.stringify({ prompt: "x", customer_id: 3, settings: { image: { width: "wide" } } }), param: "settings.image.width", legacy: true },
        { path: "/image/generate", body: JSON.stringify({ prompt: "x", customer_id: 3, settings: { image: { model: "no-such-model" } } }), param: "settings.image.model", legacy: true },
        { path: "/v1/images/generations", body: "{not json", param: null },
        { path: "/v1/images/generations", body: JSON.stringify({ prompt: 42 }), param: "prompt" },
        { path: "/v1/images/generations", body: JSON.stringify({ prompt: "x", n: "2" }), param: "n" },
        { path: "/v1/images/generations", body: JSON.stringify({ prompt: "x", response_format: "png" }), param: "response_format" },
        { path: "/v1/images/generations", body: JSON.stringify({ prompt: "x", model: "no-such-model" }), param: "model" },
        { path: "/v1/images/edits", body: form({ prompt: "x", image: "not a file" }), param: "image" },
        { path: "/v1/images/edits", body: form({ prompt: "x", n: "many" }), param: "image" },
        { path: "/v1/images/variations", body: form({ n: "1" }), param: "image" },
        { path: "/v1/videos", body: "{not json", param: null },
        { path: "/v1/videos", body: JSON.stringify({ prompt: "x", seconds: "long" }), param: "seconds" },
        { path: "/v1/videos", body: JSON.stringify({ prompt: "x", seconds: 99 }), param: "seconds" },
        { path: "/v1/videos", body: JSON.stringify({ prompt: "x", model: "no-such-model" }), param: "model" },
        { path: "/v1/videos", body: JSON.stringify({ prompt: "x", input_reference: 5 }), param: "input_reference" },
        { path: "/v1/jobs", body: "{not json", param: null },
        { path: "/v1/jobs", body: JSON.stringify({ kind: "audio", request: { prompt: "x" } }), param: "kind" },
        { path: "/v1/jobs", body: JSON.stringify({ kind: "image", request: { prompt: "x", size: 5 } }), param: "request.size" },
        { path: "/v1/jobs", body: JSON.stringify({ kind: "image", model: "no-such-model", request: { prompt: "x" } }), param: "model" },
        { path: "/v1/jobs", body: JSON.stringify({ kind: "image", config: { provider: "nobody", model: "x" }, request: { prompt: "x" } }), param: "config.provider" },
        { path: "/v1/jobs?limit=many", method: "GET", param: "limit" },
        { path: "/v1/videos?limit=many", method: "GET", param: "limit" },
        { path: "/v1/models?kind=audio", method: "GET", param: "kind" },
        { path: "/v1/models?provider=nobody", method: "GET", param: "provider" },
      ];
      for (const t of cases) {
        const headers: Record<string, string> = { ...auth, ...(typeof t.body === "string" ? { "content-type": "application/json" } : {}) };
        const res = await fetch(gw.url + t.path, { method: t.method ?? "POST", headers, body: t.body });
        const body = (await res.json()) as { error: { param?: string | null; field?: string | null; message: string } };
        const what = `${t.method ?? "POST"} ${t.path} ${typeof t.body === "string" ? t.body : ""}`;
        assert.equal(res.status, 400, what);
        assert.equal(t.legacy ? body.error.field : body.error.param, t.param, what);
        assert.ok(body.error.message.length > 0, what);
      }
    });

    it("an unknown route is an OpenAI-style 404", async () => {
      const res = await gw.json("/v1/nothing", { headers: auth });
      assert.equal(res.status, 404);
      assert.equal((res.body.error as { type: string }).type, "not_found_error");
    });
  });
});

describe("unexpected errors", () => {
  it("are a 500 without internals", async () => {
    const gw = await startTestServer(
      { mock: { enabled: false }, routes: { bug: { model: "buggy/b1", retries: 0 } } },
      {
        // A provider whose code throws a plain TypeError: a bug, not a provider failure.
        providers: [
          {
            id: "buggy",
            requiresApiKey: false,
            generateImage: () => Promise.reject(new TypeError("cannot read 'x' of undefined at /srv/secret-path/adapter.js")),
          },
        ],
        storage: () => ({
          kind: "broken",
          put: () => Promise.reject(new Error("disk /srv/secret-path exploded")),
          get: () => Promise.resolve(undefined),
          url: () => Promise.resolve("http://x"),
          delete: () => Promise.resolve(),
          health: () => Promise.reject(new TypeError("cannot read /srv/secret-path/config")),
        }),
      },
    );
    try {
      const legacy = await gw.json("/image/generate", { body: { prompt: "x", settings: { image: { model: "bug" } }, customer_id: 5 } });
      assert.equal(legacy.status, 500);
      assert.deepEqual(legacy.body, { success: false, code: 500, error: { message: "internal server error", field: null } });
      const openai = await gw.json("/v1/images/generations", { body: { prompt: "x", model: "bug" } });
      assert.equal(openai.status, 500);
      assert.deepEqual(openai.body, { error: { message: "internal server error", type: "server_error", param: null, code: "internal_error" } });
      // A health check that throws is a dependency down (503), and says nothing of the path either.
      const health = await gw.json("/healthz");
      assert.equal(health.status, 503);
      assert.equal((health.body.dependencies as { storage: { ok: boolean } }).storage.ok, false);
      assert.ok(!JSON.stringify(health.body).includes("secret-path"));
      // A storage failure during generation is a 502 (provider or storage), and says nothing of the path.
      const gen = await gw.json("/image/generate", { body: { prompt: "x", settings: { image: { width: 32, height: 32 } }, customer_id: 5, save_to_db: true } });
      assert.equal(gen.status, 502);
      assert.equal(gen.body.success, false);
    } finally {
      await gw.stop();
    }
  });
});
