import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { ValidationError, createGateway } from "../../src/index.js";
import { startFakeServer } from "../helpers/fake-server.js";
import { FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";
import { ACME_EDIT, ACME_EDIT_DOC, ACME_T2I, ACME_T2I_DOC, falQueueDocument } from "../fakes/fal-openapi.js";

/** A video endpoint outside the catalog: duration as a string enum, as fal's video models publish it. */
const ACME_T2V = "fal-ai/acme/motion/text-to-video";
const ACME_T2V_DOC = falQueueDocument(ACME_T2V, {
  type: "object",
  title: "MotionInput",
  properties: {
    prompt: { type: "string", title: "Prompt" },
    duration: { enum: ["5", "10"], type: "string", title: "Duration", default: "5" },
    aspect_ratio: { enum: ["16:9", "9:16"], type: "string", title: "Aspect Ratio", default: "16:9" },
  },
  required: ["prompt"],
});

const PNG_DATA = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

describe("fal: published input schemas for models outside the catalog", () => {
  let fake: FalFake;
  let cfg: { provider: string; model: string; apiKey: string; baseUrl: string; pollIntervalMs: number };
  const gw = () => createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  const schemaReads = () => fake.server.calls("GET", "/v1/models");
  const lastInput = () => [...fake.jobs.values()].at(-1)!.input;

  before(async () => {
    fake = await startFalFake({ openapi: { [ACME_T2I]: ACME_T2I_DOC, [ACME_EDIT]: ACME_EDIT_DOC, [ACME_T2V]: ACME_T2V_DOC } });
    cfg = { provider: "fal", model: ACME_T2I, apiKey: FAL_KEY, baseUrl: fake.url, pollIntervalMs: 1 };
  });
  after(() => fake.close());
  afterEach(() => fake.server.requests.splice(0));

  it("fetches the schema once from the Platform API and maps the request by it", async () => {
    const g = gw();
    const res = await g.generateImage(cfg, { prompt: "a fox", size: "1536x1024", n: 2, seed: 5, outputFormat: "png", extraParams: { guidance_scale: 6 } });
    assert.equal(res.images.length, 2);
    assert.deepEqual(lastInput(), { prompt: "a fox", image_size: { width: 1536, height: 1024 }, num_images: 2, seed: 5, output_format: "png", guidance_scale: 6 });
    const [read] = schemaReads();
    assert.ok(read);
    assert.equal(read.query.get("endpoint_id"), ACME_T2I);
    assert.equal(read.query.get("expand"), "openapi-3.0");
    assert.equal(read.headers.authorization, `Key ${FAL_KEY}`);
    assert.ok(!res.warnings.some((w) => /could not read/.test(w)), res.warnings.join("; "));
    assert.ok(res.warnings.some((w) => /mapped and checked by the input schema fal publishes/.test(w)), res.warnings.join("; "));
    await g.generateImage(cfg, { prompt: "again" });
    assert.equal(schemaReads().length, 1, "the second call uses the cached schema");
  });

  it("strict: out-of-range, off-enum and unknown inputs are refused before anything is submitted", async () => {
    const g = gw();
    const range = await g.generateImage(cfg, { prompt: "x", extraParams: { guidance_scale: 50 } }).catch((e: unknown) => e);
    assert.ok(range instanceof ValidationError);
    assert.equal(range.field, "extraParams.guidance_scale");
    assert.match(range.message, /at most 20/);
    const choice = await g.generateImage(cfg, { prompt: "x", extraParams: { acceleration: "turbo" } }).catch((e: unknown) => e);
    assert.ok(choice instanceof ValidationError);
    assert.deepEqual(choice.issues[0]!.allowed, ["none", "regular", "high"]);
    const many = await g.generateImage(cfg, { prompt: "x", n: 6 }).catch((e: unknown) => e);
    assert.ok(many instanceof ValidationError);
    assert.equal(many.field, "n");
    assert.match(many.message, /at most 4/);
    const unknown = await g.generateImage(cfg, { prompt: "x", extraParams: { stepz: 30 } }).catch((e: unknown) => e);
    assert.ok(unknown instanceof ValidationError);
    assert.equal(unknown.field, "extraParams.stepz");
    assert.match(unknown.message, /its inputs are: prompt, image_size, num_images/);
    assert.equal(fake.server.calls("POST", `/${ACME_T2I}`).length, 0);
  });

  it("coerce: clamps, fixes the case of an enum and leaves out unknown inputs, each with a warning", async () => {
    const res = await gw().generateImage(
      { ...cfg, validation: "coerce" },
      { prompt: "x", extraParams: { guidance_scale: 50, acceleration: "HIGH", stepz: 30 } },
    );
    assert.deepEqual(lastInput(), { prompt: "x", guidance_scale: 20, acceleration: "high" });
    assert.ok(res.warnings.some((w) => /guidance_scale 50 .* 20 was sent/.test(w)), res.warnings.join("; "));
    assert.ok(res.warnings.some((w) => /stepz is not an input/.test(w)), res.warnings.join("; "));
  });

  it("an edit model gets its image in the field its schema names, and sizes by its ratios", async () => {
    const g = gw();
    const edit = { ...cfg, model: ACME_EDIT };
    const res = await g.generateImage(edit, { prompt: "warmer", size: "1920x1080", imageList: [{ image: PNG_DATA }] });
    const input = lastInput();
    assert.equal(input.input_image, PNG_DATA);
    assert.equal(input.image_url, undefined);
    assert.equal(input.aspect_ratio, "16:9");
    assert.ok(res.warnings.some((w) => /size 1920x1080 was sent as aspect ratio 16:9/.test(w)));

    const missing = await g.generateImage(edit, { prompt: "warmer" }).catch((e: unknown) => e);
    assert.ok(missing instanceof ValidationError);
    assert.equal(missing.field, "imageList");
    assert.match(missing.message, /required by fal model/);

    const ratio = await g.generateImage(edit, { prompt: "w", aspectRatio: "21:9", imageList: [{ image: PNG_DATA }] }).catch((e: unknown) => e);
    assert.ok(ratio instanceof ValidationError);
    assert.equal(ratio.field, "aspectRatio");
    assert.deepEqual(ratio.issues[0]!.allowed, ["1:1", "16:9", "9:16", "4:3", "3:4"]);
    const coerced = await g.generateImage({ ...edit, validation: "coerce" }, { prompt: "w", aspectRatio: "21:9", imageList: [{ image: PNG_DATA }] });
    assert.equal(lastInput().aspect_ratio, "16:9");
    assert.ok(coerced.warnings.some((w) => /21:9 is not offered .* 16:9 was sent/.test(w)));

    const two = await g.generateImage(edit, { prompt: "w", n: 2, imageList: [{ image: PNG_DATA }] }).catch((e: unknown) => e);
    assert.ok(two instanceof ValidationError);
    assert.equal(two.field, "n");
  });

  it("a video endpoint outside the catalog is checked against its schema too", async () => {
    const err = await gw().generateVideo({ ...cfg, model: ACME_T2V }, { prompt: "waves", durationSeconds: 7 }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError, String(err));
    assert.equal(err.field, "durationSeconds");
    assert.deepEqual(err.issues[0]!.allowed, ["5", "10"]);
    assert.equal(fake.server.calls("POST", `/${ACME_T2V}`).length, 0);
  });

  it("a model fal publishes no schema for falls back to the generic mapping with a warning", async () => {
    const res = await gw().generateImage({ ...cfg, model: "fal-ai/brand-new-model" }, { prompt: "new", aspectRatio: "4:3", custom_knob: 0.7 });
    assert.deepEqual(lastInput(), { prompt: "new", image_size: "landscape_4_3", custom_knob: 0.7 });
    assert.ok(res.warnings.some((w) => /could not read the published input schema of fal model fal-ai\/brand-new-model \(fal has no schema for it/.test(w)), res.warnings.join("; "));
  });

  it("a schema endpoint that is slow or answers too much does not break generation", async () => {
    const big = await startFakeServer((s) => {
      s.route("GET", "/slow/models", () => ({ delayMs: 2_000, json: { models: [] } }));
      s.route("GET", "/big/models", () => ({ json: { models: [{ endpoint_id: ACME_T2I, openapi: { pad: "x".repeat(3 * 1024 * 1024) } }] }, chunkBytes: 65_536 }));
    });
    try {
      const g = createGateway({ network: { allowPrivateNetwork: true }, remoteSchemas: { fetchTimeoutMs: 200, maxBytes: 1024 * 1024 } });
      const t0 = Date.now();
      const slow = await g.generateImage({ ...cfg, providerConfig: { platformApiUrl: `${big.url}/slow` } }, { prompt: "x" });
      assert.ok(Date.now() - t0 < 1_800, "the schema fetch is bounded by its timeout");
      assert.ok(slow.warnings.some((w) => /could not read the published input schema .*timed out/.test(w)), slow.warnings.join("; "));
      const g2 = createGateway({ network: { allowPrivateNetwork: true }, remoteSchemas: { fetchTimeoutMs: 2_000, maxBytes: 1024 * 1024 } });
      const huge = await g2.generateImage({ ...cfg, providerConfig: { platformApiUrl: `${big.url}/big` } }, { prompt: "x" });
      assert.ok(huge.warnings.some((w) => /over the 1048576-byte cap/.test(w)), huge.warnings.join("; "));
      assert.equal(huge.images.length, 1);
    } finally {
      await big.close();
    }
  });

  it("remoteSchemas: false sends unknown models unchecked, as before", async () => {
    const g = createGateway({ network: { allowPrivateNetwork: true }, remoteSchemas: false });
    await g.generateImage(cfg, { prompt: "x", size: "1536x1024" });
    assert.equal(schemaReads().length, 0);
  });

  it("the disk cache survives a new gateway and expires after its TTL", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tarash-schemas-"));
    try {
      let now = Date.parse("2026-12-07T12:00:00Z");
      const options = { network: { allowPrivateNetwork: true }, remoteSchemas: { dir, diskTtlMs: 60_000, now: () => now } };
      await createGateway(options).generateImage(cfg, { prompt: "x" });
      assert.equal(schemaReads().length, 1);
      assert.equal((await readdir(dir)).filter((f) => f.endsWith(".json")).length, 1);
      const strictly = await createGateway(options).generateImage(cfg, { prompt: "x", extraParams: { guidance_scale: 99 } }).catch((e: unknown) => e);
      assert.ok(strictly instanceof ValidationError, "a fresh gateway checks against the schema from disk");
      assert.equal(schemaReads().length, 1, "read from disk, not fetched");
      now += 61_000;
      await createGateway(options).generateImage(cfg, { prompt: "x" });
      assert.equal(schemaReads().length, 2, "refetched after the disk TTL");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
