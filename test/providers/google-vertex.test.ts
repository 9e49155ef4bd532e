import { SERVED_ON } from "../helpers/served-on.js";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AuthenticationError, ContentModerationError, ValidationError, createGateway, type ImageGenerationConfig } from "../../src/index.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { GOOGLE_FAKE_KEY, GOOGLE_FAKE_TOKEN, startGoogleFake } from "../fakes/google.js";

type Json = Record<string, unknown>;

const gw = createGateway({ now: SERVED_ON, network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });
const VERTEX_PATH = "/v1/projects/my-proj/locations/us-central1/publishers/google/models";

let fake: FakeServer;
before(async () => {
  // The second token stands for an OAuth token a user put in `apiKey`.
  fake = await startGoogleFake({ tokens: [GOOGLE_FAKE_TOKEN, GOOGLE_FAKE_KEY] });
});
after(() => fake.close());

const vertex = (extra: Partial<ImageGenerationConfig> = {}, pc: Json = {}): ImageGenerationConfig => ({
  provider: "google",
  model: "gemini-2.5-flash-image",
  baseUrl: fake.url,
  providerConfig: { project: "my-proj", location: "us-central1", accessToken: GOOGLE_FAKE_TOKEN, ...pc },
  ...extra,
});
const last = () => fake.requests.at(-1)!;
const lastBody = () => last().json as Json & { parameters: Json; instances: Json[]; generationConfig: Json };

describe("google on Vertex AI: generateContent", () => {
  it("posts to the project/location publisher URL with the bearer token, sending seed and Vertex-only fields", async () => {
    const res = await gw.generateImage(vertex(), { prompt: "a fox", seed: 5, aspectRatio: "4:5", personGeneration: "allow_adult", labels: { team: "art" } });
    const req = last();
    assert.equal(req.path, `${VERTEX_PATH}/gemini-2.5-flash-image:generateContent`);
    assert.equal(req.headers.authorization, `Bearer ${GOOGLE_FAKE_TOKEN}`);
    assert.equal(req.headers["x-goog-api-key"], undefined);
    const body = lastBody();
    assert.deepEqual(body.generationConfig, {
      responseModalities: ["TEXT", "IMAGE"],
      seed: 5,
      imageConfig: { aspectRatio: "4:5", personGeneration: "allow_adult" },
    });
    assert.deepEqual(body.labels, { team: "art" });
    assert.equal(res.images.length, 1);
    assert.equal(res.cost?.amountUsd, 0.038703);
  });

  it("uses apiKey as the bearer token when no accessToken is given (vertex: true, default location)", async () => {
    await gw.generateImage(vertex({ apiKey: GOOGLE_FAKE_KEY }, { accessToken: undefined, location: undefined, vertex: true }), { prompt: "x" });
    assert.equal(last().path, `${VERTEX_PATH}/gemini-2.5-flash-image:generateContent`);
    assert.equal(last().headers.authorization, `Bearer ${GOOGLE_FAKE_KEY}`);
  });

  it("uses express mode (no project: global publisher URL, x-goog-api-key) with vertex: true", async () => {
    await gw.generateImage({ provider: "google", model: "gemini-2.5-flash-image", apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url, providerConfig: { vertex: true } }, { prompt: "x" });
    assert.equal(last().path, "/v1/publishers/google/models/gemini-2.5-flash-image:generateContent");
    assert.equal(last().headers["x-goog-api-key"], GOOGLE_FAKE_KEY);
    assert.equal(last().headers.authorization, undefined);
  });

  it("builds each real host: Gemini API, regional, global, multi-region and express Vertex", async () => {
    const urls: string[] = [];
    const g = createGateway({ now: SERVED_ON,
      logLevel: "silent",
      env: {},
      fetch: (input, init) => {
        const url = new URL(String(input));
        urls.push(url.origin + url.pathname);
        return fetch(`${fake.url}${url.pathname.replace(/\/locations\/[^/]+\//, "/locations/us-central1/").replace(/\/projects\/[^/]+\//, "/projects/my-proj/")}`, init);
      },
    });
    const run = (providerConfig?: Json) =>
      g.generateImage({ provider: "google", apiKey: GOOGLE_FAKE_KEY, providerConfig }, { prompt: "x" });
    await run();
    await run({ project: "p1", location: "global" });
    await run({ project: "p1", location: "europe-west4" });
    await run({ project: "p1", location: "eu" });
    await run({ vertex: true });
    await run({ project: "p1", location: "us-central1", apiVersion: "v1beta1" }).catch(() => undefined);
    const m = "gemini-3.1-flash-image:generateContent";
    assert.deepEqual(urls, [
      `https://generativelanguage.googleapis.com/v1beta/models/${m}`,
      `https://aiplatform.googleapis.com/v1/projects/p1/locations/global/publishers/google/models/${m}`,
      `https://europe-west4-aiplatform.googleapis.com/v1/projects/p1/locations/europe-west4/publishers/google/models/${m}`,
      `https://aiplatform.eu.rep.googleapis.com/v1/projects/p1/locations/eu/publishers/google/models/${m}`,
      `https://aiplatform.googleapis.com/v1/publishers/google/models/${m}`,
      `https://us-central1-aiplatform.googleapis.com/v1beta1/projects/p1/locations/us-central1/publishers/google/models/${m}`,
    ]);
  });

  it("maps a rejected token (401 UNAUTHENTICATED) to AuthenticationError without leaking it", async () => {
    const token = "ya29.expired-token-abcdefghijkl";
    const lines: string[] = [];
    const sink = (...args: unknown[]) => void lines.push(JSON.stringify(args));
    const g = createGateway({ now: SERVED_ON, logger: { debug: sink, info: sink, warn: sink, error: sink }, env: {} });
    await assert.rejects(g.generateImage(vertex({}, { accessToken: token }), { prompt: "x" }), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError);
      assert.equal(e.statusCode, 401);
      assert.equal(JSON.stringify({ m: e.message, r: e.rawResponse }).includes(token), false);
      return true;
    });
    assert.equal(lines.some((l) => l.includes(token)), false);
  });

  it("fails before calling when Vertex has no credentials, and validates providerConfig", async () => {
    const before = fake.requests.length;
    await assert.rejects(gw.generateImage(vertex({}, { accessToken: undefined }), { prompt: "x" }), (e: unknown) => e instanceof AuthenticationError && /accessToken/.test(e.message));
    await assert.rejects(gw.generateImage(vertex({}, { location: 5 }), { prompt: "x" }), (e: unknown) => e instanceof ValidationError && e.field === "providerConfig.location");
    await assert.rejects(gw.generateImage(vertex({}, { location: "us central" }), { prompt: "x" }), (e: unknown) => e instanceof ValidationError && e.field === "providerConfig.location");
    assert.equal(fake.requests.length, before);
  });
});

describe("google Imagen (:predict)", () => {
  const imagen = (model = "imagen-4.0-generate-001", extra: Partial<ImageGenerationConfig> = {}) => vertex({ model, ...extra });

  it("sends instances and parameters (sampleCount, aspectRatio, sampleImageSize, seed, negativePrompt, enhancePrompt, outputOptions, extras)", async () => {
    const res = await gw.generateImage(imagen(), {
      prompt: "a glass teapot",
      n: 2,
      aspectRatio: "16:9",
      resolution: "2K",
      seed: 7,
      negativePrompt: "blur",
      enhancePrompt: true,
      outputFormat: "jpeg",
      personGeneration: "allow_adult",
      safetySetting: "block_only_high",
    });
    const req = last();
    assert.equal(req.path, `${VERTEX_PATH}/imagen-4.0-generate-001:predict`);
    assert.equal(req.headers.authorization, `Bearer ${GOOGLE_FAKE_TOKEN}`);
    assert.deepEqual(lastBody(), {
      instances: [{ prompt: "a glass teapot" }],
      parameters: {
        sampleCount: 2,
        aspectRatio: "16:9",
        sampleImageSize: "2K",
        negativePrompt: "blur",
        enhancePrompt: true,
        outputOptions: { mimeType: "image/jpeg" },
        personGeneration: "allow_adult",
        safetySetting: "block_only_high",
        seed: 7,
        addWatermark: false,
      },
    });
    assert.equal(res.images.length, 2);
    assert.equal(res.revisedPrompt, "a glass teapot, highly detailed, soft light");
    assert.equal(res.images[0]!.revisedPrompt, "a glass teapot, highly detailed, soft light");
    assert.deepEqual(res.usage, { images: 2 });
    assert.deepEqual(res.cost, { amountUsd: 0.08, basis: "per_image", estimated: true });
    assert.ok(res.warnings.some((w) => w.includes("addWatermark")));
  });

  it("keeps an explicit addWatermark and sends labels at the top level", async () => {
    const res = await gw.generateImage(imagen("imagen-4.0-fast-generate-001"), { prompt: "x", seed: 1, addWatermark: false, labels: { env: "test" }, resolution: "1K" });
    const body = lastBody();
    assert.deepEqual(body.parameters, { sampleCount: 1, seed: 1, addWatermark: false });
    assert.deepEqual(body.labels, { env: "test" });
    assert.equal(res.warnings.some((w) => w.includes("addWatermark")), false);
  });

  it("splits n for Imagen 4 Ultra (one image per request)", async () => {
    const before = fake.calls("POST", `${VERTEX_PATH}/:action`).length;
    const res = await gw.generateImage(imagen("imagen-4.0-ultra-generate-001"), { prompt: "x", n: 3 });
    const calls = fake.calls("POST", `${VERTEX_PATH}/:action`).slice(before);
    assert.equal(calls.length, 3);
    assert.ok(calls.every((c) => (c.json as { parameters: Json }).parameters.sampleCount === 1));
    assert.equal(res.images.length, 3);
    assert.equal(res.cost?.amountUsd, 0.18);
  });

  it("maps an all-filtered (RAI) response to ContentModerationError and warns when some were filtered", async () => {
    await assert.rejects(gw.generateImage(imagen(), { prompt: "rai-all" }), (e: unknown) => e instanceof ContentModerationError && e.code === "RAI_FILTERED");
    const res = await gw.generateImage(imagen(), { prompt: "rai-some", n: 2 });
    assert.equal(res.images.length, 1);
    assert.ok(res.warnings.some((w) => /filtered 1 of 2 images.*56562880/.test(w)));
  });

  it("says clearly that Imagen is not served on the Gemini API, without calling it", async () => {
    const before = fake.requests.length;
    await assert.rejects(
      gw.generateImage({ provider: "google", model: "imagen-4.0-generate-001", apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url }, { prompt: "x" }),
      (e: unknown) => e instanceof ValidationError && e.field === "model" && /Vertex AI/.test(e.message),
    );
    assert.equal(fake.requests.length, before);
  });

  it("maps the unknown-parameter 400 to ValidationError naming the field", async () => {
    await assert.rejects(gw.generateImage(imagen(), { prompt: "x", bogusKnob: true }), (e: unknown) => e instanceof ValidationError && e.field === "parameters.bogusKnob");
  });
});
