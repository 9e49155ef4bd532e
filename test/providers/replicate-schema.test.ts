import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { ValidationError, createGateway } from "../../src/index.js";
import type { ImageGenerationConfig } from "../../src/index.js";
import { FAKE_TOKEN, type ReplicateFake, VERSIONS, startReplicateFake } from "../fakes/replicate.js";
import { CLIPPER, COLLAGE, SKETCHY } from "../fakes/replicate-openapi.js";

const PNG_DATA = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
let fake: ReplicateFake;
const gw = () => createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent" });
const cfg = (model: string, extra: Partial<ImageGenerationConfig> = {}): ImageGenerationConfig => ({
  provider: "replicate",
  model,
  apiKey: FAKE_TOKEN,
  baseUrl: fake.baseUrl,
  pollIntervalMs: 1,
  ...extra,
});
const creates = () => fake.creates();
const lastInput = () => (creates().at(-1)!.json as { input: Record<string, unknown> }).input;
const modelReads = () => fake.server.requests.filter((r) => r.method === "GET" && r.path.startsWith("/v1/models/"));

before(async () => {
  fake = await startReplicateFake({ published: [SKETCHY, COLLAGE, CLIPPER] });
});
after(() => fake.close());
beforeEach(() => {
  fake.server.requests.length = 0;
});

describe("replicate: published input schemas for models outside the catalog", () => {
  it("reads latest_version.openapi_schema once and maps by its input names", async () => {
    const g = gw();
    const res = await g.generateImage(cfg("acme/sketchy"), {
      prompt: "a fox",
      size: "1600x900",
      n: 3,
      seed: 9,
      outputFormat: "jpeg",
      imageList: [{ image: PNG_DATA }],
      extraParams: { guidance: 4.5 },
    });
    assert.deepEqual(lastInput(), { prompt: "a fox", aspect_ratio: "16:9", num_outputs: 3, seed: 9, output_format: "jpg", input_image: PNG_DATA, guidance: 4.5 });
    assert.equal(creates().length, 1, "num_outputs makes the three images in one prediction");
    assert.equal(res.images.length, 3);
    const [read] = modelReads();
    assert.equal(read!.path, "/v1/models/acme/sketchy");
    assert.equal(read!.headers.authorization, `Bearer ${FAKE_TOKEN}`);
    await g.generateImage(cfg("acme/sketchy"), { prompt: "again" });
    assert.equal(modelReads().length, 1, "cached");
  });

  it("a schema read with one token is not reused for another (private models)", async () => {
    const g = gw();
    await g.generateImage(cfg("acme/sketchy"), { prompt: "x" });
    const other = await g.generateImage(cfg("acme/sketchy", { apiKey: "r8_other_token_0000000000" }), { prompt: "x" }).catch((e: unknown) => e);
    assert.equal(modelReads().length, 2, "the second token reads the schema itself");
    assert.equal(modelReads()[1]!.headers.authorization, "Bearer r8_other_token_0000000000");
    assert.ok(other instanceof Error && other.name === "AuthenticationError", String(other));
  });

  it("strict: names the field and the allowed values; nothing is created", async () => {
    const g = gw();
    const ratio = await g.generateImage(cfg("acme/sketchy"), { prompt: "x", aspectRatio: "21:9" }).catch((e: unknown) => e);
    assert.ok(ratio instanceof ValidationError);
    assert.equal(ratio.field, "aspectRatio");
    assert.deepEqual(ratio.issues[0]!.allowed, ["1:1", "16:9", "9:16", "4:3", "3:4"]);
    const range = await g.generateImage(cfg("acme/sketchy"), { prompt: "x", extraParams: { guidance: -1 } }).catch((e: unknown) => e);
    assert.ok(range instanceof ValidationError);
    assert.equal(range.field, "extraParams.guidance");
    assert.match(range.message, /at least 0 and at most 10/);
    const many = await g.generateImage(cfg("acme/sketchy"), { prompt: "x", n: 8 }).catch((e: unknown) => e);
    assert.ok(many instanceof ValidationError);
    assert.equal(many.field, "n");
    assert.equal(creates().length, 0);
  });

  it("coerce: the nearest value, with a warning", async () => {
    const res = await gw().generateImage(cfg("acme/sketchy", { validation: "coerce" }), { prompt: "x", extraParams: { guidance: 25, seed: "12" } });
    assert.deepEqual(lastInput(), { prompt: "x", guidance: 10, seed: 12 });
    assert.ok(res.warnings.some((w) => /guidance 25 .* 10 was sent/.test(w)), res.warnings.join("; "));
  });

  it("a pinned version reads that version's schema; list inputs and required images are checked", async () => {
    const g = gw();
    const pinned = `acme/collage:${COLLAGE.version}`;
    const res = await g.generateImage(cfg(pinned), { prompt: "mix", n: 2, imageList: [{ image: PNG_DATA }, { image: PNG_DATA }] });
    assert.equal(modelReads()[0]!.path, `/v1/models/acme/collage/versions/${COLLAGE.version}`);
    assert.equal(creates().length, 2, "no count input: one prediction per image");
    assert.deepEqual(lastInput(), { prompt: "mix", image_input: [PNG_DATA, PNG_DATA] });
    assert.equal(res.images.length, 2);
    const none = await g.generateImage(cfg(pinned), { prompt: "mix" }).catch((e: unknown) => e);
    assert.ok(none instanceof ValidationError);
    assert.match(none.message, /image_input/);
    const four = await g
      .generateImage(cfg(pinned), { prompt: "mix", imageList: [1, 2, 3, 4].map(() => ({ image: PNG_DATA })) })
      .catch((e: unknown) => e);
    assert.ok(four instanceof ValidationError);
    assert.equal(four.field, "imageList");
    assert.match(four.message, /at most 3 items/);
  });

  it("a video model outside the catalog: its frame field and its durations", async () => {
    const g = gw();
    const strict = await g.generateVideo(cfg("acme/clipper"), { prompt: "waves", durationSeconds: 7 }).catch((e: unknown) => e);
    assert.ok(strict instanceof ValidationError, String(strict));
    assert.equal(strict.field, "durationSeconds");
    assert.deepEqual(strict.issues[0]!.allowed, [5, 10]);
    assert.equal(creates().length, 0);
    const res = await g.generateVideo(cfg("acme/clipper", { validation: "coerce" }), {
      prompt: "waves",
      durationSeconds: 7,
      imageList: [{ image: PNG_DATA, type: "first_frame" }],
    });
    assert.deepEqual(lastInput(), { prompt: "waves", duration: 5, start_image: PNG_DATA });
    assert.ok(res.warnings.some((w) => /durationSeconds \(sent as duration\) 7 .* 5 was sent/.test(w)), res.warnings.join("; "));
    assert.match(res.video.url, /\.mp4$/);
  });

  it("catalog models, pinned or not, are never looked up", async () => {
    const g = gw();
    await g.generateImage(cfg("black-forest-labs/flux-schnell"), { prompt: "x" });
    await g.generateImage(cfg("black-forest-labs/flux-schnell:5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637"), { prompt: "x" });
    const veo = "d00dfeedd00dfeedd00dfeedd00dfeedd00dfeedd00dfeedd00dfeedd00dfeed";
    VERSIONS[veo] = "google/veo-3";
    await g.generateVideo(cfg(`google/veo-3:${veo}`), { prompt: "waves", durationSeconds: 4 });
    assert.equal(modelReads().length, 0);
  });

  it("a model without a published schema falls back to the generic mapping with a warning", async () => {
    const res = await gw().generateImage(cfg(`acme/custom-model:c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00`), { prompt: "x", aspectRatio: "1:1" });
    assert.deepEqual(lastInput(), { prompt: "x", aspect_ratio: "1:1" });
    assert.ok(res.warnings.some((w) => /could not read the published input schema of replicate model/.test(w)), res.warnings.join("; "));
  });
});
