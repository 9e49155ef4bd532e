import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  GenerationFailedError,
  HTTPError,
  type ProgressUpdate,
  TimeoutError,
  ValidationError,
  createGateway,
} from "../../src/index.js";
import { IMAGE_PATH, LUMA_KEY, type LumaFake, PREFIX, startLumaFake } from "../fakes/luma.js";

const gateway = (extra: Parameters<typeof createGateway>[0] = {}) =>
  createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", ...extra });

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

describe("luma (Photon images)", () => {
  let fake: LumaFake;
  before(async () => {
    fake = await startLumaFake();
  });
  after(() => fake.close());

  const cfg = (model = "photon-1", extra: Record<string, unknown> = {}) => ({
    provider: "luma",
    model,
    apiKey: LUMA_KEY,
    baseUrl: fake.url,
    pollIntervalMs: 1,
    ...extra,
  });
  const lastBody = () => fake.server.calls("POST", IMAGE_PATH).at(-1)!.json as Record<string, unknown>;

  it("creates a generation, polls queued → dreaming → completed and downloads assets.image", async () => {
    const progress: ProgressUpdate[] = [];
    const res = await gateway().generateImage(
      cfg(),
      { prompt: "a red fox", aspectRatio: "16:9", outputFormat: "jpeg" },
      { onProgress: (u) => void progress.push(u) },
    );
    const create = fake.server.calls("POST", IMAGE_PATH).at(-1)!;
    assert.equal(create.headers.authorization, `Bearer ${LUMA_KEY}`);
    assert.equal(create.contentType, "application/json");
    assert.deepEqual(create.json, { prompt: "a red fox", model: "photon-1", aspect_ratio: "16:9", format: "jpg" });
    const id = res.providerRequestId!;
    assert.ok(fake.generations.has(id));
    assert.equal(fake.server.calls("GET", `${PREFIX}/generations/${id}`).length, 3);
    assert.equal(fake.server.calls("GET", `/cdn/${id}.jpg`).length, 1);
    assert.equal(res.images.length, 1);
    assert.match(res.images[0]!.url, /^data:image\/png;base64,/);
    assert.deepEqual(res.usage, { images: 1 });
    assert.equal((res.rawResponse as { state: string }).state, "completed");
    assert.deepEqual(
      progress.map((p) => [p.status, p.message]),
      [
        ["queued", undefined],
        ["processing", "dreaming"],
        ["completed", undefined],
      ],
    );
  });

  it("sends a pixel size as the matching aspect ratio, and png as png", async () => {
    const res = await gateway().generateImage(cfg("photon-flash-1"), { prompt: "wide", size: "1920x1080", outputFormat: "png" });
    assert.deepEqual(lastBody(), { prompt: "wide", model: "photon-flash-1", aspect_ratio: "16:9", format: "png" });
    assert.ok(res.warnings.some((w) => /aspect ratio 16:9/.test(w)));
  });

  it("maps imageList types to image_ref, style_ref, character_ref and modify_image_ref", async () => {
    await gateway().generateImage(cfg("photon-1", { providerConfig: { imageRefWeight: 0.8, modifyImageWeight: 1 } }), {
      prompt: "compose",
      imageList: [
        { image: "https://img.example/a.jpg", type: "reference" },
        { image: "https://img.example/b.jpg" },
        { image: "https://img.example/style.jpg", type: "style" },
        { image: "https://img.example/me1.jpg", type: "asset" },
        { image: "https://img.example/me2.jpg", type: "asset" },
        { image: "https://img.example/edit.jpg", type: "first_frame" },
      ],
    });
    const body = lastBody();
    assert.deepEqual(body.image_ref, [
      { url: "https://img.example/a.jpg", weight: 0.8 },
      { url: "https://img.example/b.jpg", weight: 0.8 },
    ]);
    assert.deepEqual(body.style_ref, [{ url: "https://img.example/style.jpg" }]);
    assert.deepEqual(body.character_ref, { identity0: { images: ["https://img.example/me1.jpg", "https://img.example/me2.jpg"] } });
    assert.deepEqual(body.modify_image_ref, { url: "https://img.example/edit.jpg", weight: 1 });
  });

  it("accepts the AI SDK spellings of the reference fields in extraParams and sends Luma's *_ref names", async () => {
    await gateway().generateImage(cfg(), {
      prompt: "extra",
      imageList: [{ image: "https://img.example/a.jpg" }],
      extraParams: {
        image: [{ url: "https://img.example/extra.jpg", weight: 0.5 }],
        modify_image: { url: "https://img.example/m.jpg" },
        callback_url: "https://hooks.example/luma",
      },
    });
    const body = lastBody();
    assert.deepEqual(body.image_ref, [{ url: "https://img.example/a.jpg" }, { url: "https://img.example/extra.jpg", weight: 0.5 }]);
    assert.deepEqual(body.modify_image_ref, { url: "https://img.example/m.jpg" });
    assert.equal(body.image, undefined);
    assert.equal(body.modify_image, undefined);
    assert.equal(body.callback_url, "https://hooks.example/luma");
  });

  it("refuses bytes and data URLs for references with a ValidationError naming the field, before calling Luma", async () => {
    const before = fake.server.calls("POST", IMAGE_PATH).length;
    for (const image of [new Uint8Array(PNG), `data:image/png;base64,${PNG.toString("base64")}`]) {
      const err = await gateway()
        .generateImage(cfg(), { prompt: "x", imageList: [{ image: "https://img.example/ok.jpg" }, { image, type: "style" }] })
        .catch((e: unknown) => e);
      assert.ok(err instanceof ValidationError, String(err));
      assert.equal(err.field, "imageList.1.image");
      assert.match(err.message, /https URL/);
    }
    assert.equal(fake.server.calls("POST", IMAGE_PATH).length, before);
  });

  it("runs n images as n generations", async () => {
    const before = fake.server.calls("POST", IMAGE_PATH).length;
    const res = await gateway().generateImage(cfg(), { prompt: "three", n: 3 });
    assert.equal(fake.server.calls("POST", IMAGE_PATH).length - before, 3);
    assert.equal(res.images.length, 3);
    assert.equal(res.providerRequestId!.split(",").length, 3);
  });

  it("reads LUMAAI_API_KEY and defaults to https://api.lumalabs.ai/dream-machine/v1", async () => {
    const res = await gateway({ env: { LUMAAI_API_KEY: LUMA_KEY } }).generateImage({ provider: "luma", baseUrl: fake.url, pollIntervalMs: 1 }, { prompt: "env" });
    assert.equal(res.model, "photon-1");
    const seen: string[] = [];
    const spy: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(JSON.stringify({ detail: "Invalid API key provided" }), { status: 401, headers: { "content-type": "application/json" } });
    };
    await assert.rejects(gateway({ fetch: spy }).generateImage({ provider: "luma", apiKey: LUMA_KEY }, { prompt: "x" }), AuthenticationError);
    assert.equal(seen[0], "https://api.lumalabs.ai/dream-machine/v1/generations/image");
    await assert.rejects(
      gateway({ env: {} }).generateImage({ provider: "luma", baseUrl: fake.url }, { prompt: "x" }),
      (e: unknown) => e instanceof AuthenticationError && /LUMAAI_API_KEY/.test(e.message),
    );
  });

  describe("errors", () => {
    it("maps a wrong key to AuthenticationError, and no key reaches errors, raw responses or logs", async () => {
      const lines: string[] = [];
      const sink = (f: Record<string, unknown>, m: string) => void lines.push(JSON.stringify([f, m]));
      const gw = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "debug", logger: { debug: sink, info: sink, warn: sink, error: sink } });
      const wrong = "luma-wrong-key-0987654321";
      const err = await gw.generateImage({ ...cfg(), apiKey: wrong }, { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(err instanceof AuthenticationError && err.statusCode === 401 && /Invalid API key/.test(err.message));
      const ok = await gw.generateImage(cfg(), { prompt: "fine" });
      const dump = JSON.stringify([err.message, err.rawResponse, err.toJSON(), ok.rawResponse, lines]);
      assert.ok(lines.length > 0);
      assert.ok(!dump.includes(wrong) && !dump.includes(LUMA_KEY));
    });

    it("maps FastAPI 422 bodies to ValidationError naming the request field", async () => {
      const ratio = await gateway().generateImage(cfg(), { prompt: "x", extraParams: { aspect_ratio: "5:4" } }).catch((e: unknown) => e);
      assert.ok(ratio instanceof ValidationError, String(ratio));
      assert.equal(ratio.field, "aspectRatio");
      assert.equal(ratio.code, "literal_error");
      const extra = await gateway().generateImage(cfg(), { prompt: "x", extraParams: { seed: 1 } }).catch((e: unknown) => e);
      assert.ok(extra instanceof ValidationError && extra.field === "extraParams.seed" && /Extra inputs/.test(extra.message));
      const model = await gateway().generateImage(cfg("photon-9"), { prompt: "x" }).catch((e: unknown) => e);
      assert.ok(model instanceof ValidationError && model.field === "model", String(model));
    });

    it("maps moderation on create and in a failed generation to ContentModerationError", async () => {
      await assert.rejects(gateway().generateImage(cfg(), { prompt: "[forbidden]" }), (e: unknown) => e instanceof ContentModerationError && e.statusCode === 400);
      await assert.rejects(gateway().generateImage(cfg(), { prompt: "[fail-moderation]" }), (e: unknown) => e instanceof ContentModerationError && /failed moderation/.test(e.message));
    });

    it("maps other failures to GenerationFailedError, retrying the transient ones", async () => {
      const before = fake.server.calls("POST", IMAGE_PATH).length;
      const err = await gateway().generateImage(cfg("photon-1", { maxRetries: 1 }), { prompt: "[fail-internal]" }).catch((e: unknown) => e);
      assert.ok(err instanceof GenerationFailedError && err.transient && /Internal server error/.test(err.message), String(err));
      assert.equal(fake.server.calls("POST", IMAGE_PATH).length - before, 2);
      const empty = await gateway().generateImage(cfg("photon-1", { maxRetries: 0 }), { prompt: "[no-asset]" }).catch((e: unknown) => e);
      assert.ok(empty instanceof GenerationFailedError && /assets\.image/.test(empty.message));
    });

    it("retries 429 with Retry-After and 5xx, and a 404 while polling is an HTTPError", async () => {
      fake.server.script("POST", IMAGE_PATH, { status: 429, headers: { "retry-after": "0" }, json: { detail: "Too many requests" } });
      const limited = await gateway().generateImage(cfg(), { prompt: "busy" });
      assert.equal(limited.executionMetadata.totalAttempts, 2);
      assert.equal(limited.executionMetadata.attempts[0]!.errorType, "RateLimitError");
      fake.server.script("GET", `${PREFIX}/generations/:id`, { status: 502, body: "<html>bad gateway</html>", headers: { "content-type": "text/html" } });
      const flaky = await gateway().generateImage(cfg(), { prompt: "flaky" });
      assert.equal(flaky.executionMetadata.totalAttempts, 2);
      fake.server.script("GET", `${PREFIX}/generations/:id`, { status: 404, json: { detail: "Generation not found" } });
      const lost = await gateway().generateImage(cfg("photon-1", { maxRetries: 0 }), { prompt: "lost" }).catch((e: unknown) => e);
      assert.ok(lost instanceof HTTPError && lost.statusCode === 404 && /Generation not found/.test(lost.message));
    });

    it("falls back to another config when Luma keeps failing", async () => {
      fake.server.script("POST", IMAGE_PATH, { status: 503, json: { detail: "Service unavailable" } });
      const res = await gateway().generateImage(
        { ...cfg("photon-1", { maxRetries: 0 }), fallbacks: [{ provider: "mock", model: "mock-image", mock: { enabled: true, latencyMs: 0 } }] },
        { prompt: "fallback" },
      );
      assert.equal(res.provider, "mock");
      assert.equal(res.executionMetadata.fallbackTriggered, true);
      assert.equal(res.executionMetadata.attempts[0]!.provider, "luma");
    });
  });

  it("deletes the generation when the caller aborts", async () => {
    const controller = new AbortController();
    const err = await gateway()
      .generateImage(cfg(), { prompt: "[slow] abort me" }, {
        signal: controller.signal,
        onProgress: (u) => {
          if (u.status === "queued") controller.abort();
        },
      })
      .catch((e: unknown) => e);
    assert.ok(err instanceof CancelledError, String(err));
    const gen = [...fake.generations.values()].find((g) => g.prompt === "[slow] abort me")!;
    for (let i = 0; i < 100 && !gen.deleted; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(gen.deleted, true);
    assert.equal(fake.server.calls("DELETE", `${PREFIX}/generations/${gen.id}`)[0]!.headers.authorization, `Bearer ${LUMA_KEY}`);
  });

  it("stops a generation that never completes at timeoutMs with TimeoutError, and deletes it", async () => {
    const err = await gateway()
      .generateImage(cfg("photon-1", { timeoutMs: 300, maxRetries: 0, pollIntervalMs: 20 }), { prompt: "[slow] deadline" })
      .catch((e: unknown) => e);
    assert.ok(err instanceof TimeoutError, String(err));
    const gen = [...fake.generations.values()].find((g) => g.prompt === "[slow] deadline")!;
    for (let i = 0; i < 200 && !gen.deleted; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(gen.deleted, true);
  });

  it("the fake answers a non-JSON body with FastAPI's 422", async () => {
    const r = await fetch(`${fake.url}/generations/image`, {
      method: "POST",
      headers: { authorization: `Bearer ${LUMA_KEY}`, "content-type": "text/plain" },
      body: "prompt=x",
    });
    assert.equal(r.status, 422);
    assert.equal(((await r.json()) as { detail: { type: string }[] }).detail[0]!.type, "model_attributes_type");
  });
});
