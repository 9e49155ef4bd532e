import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValidationError, createGateway } from "../../src/index.js";
import { NAMED_SIZES, namedSizeOf, sizeDimensions } from "../../src/core/sizes.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { DEFAULT_STEPS, FAL_KEY, type FalFake, startFalFake } from "../fakes/fal.js";
import { startOpenAIFake } from "../fakes/openai.js";
import { GOOGLE_FAKE_KEY, startGoogleFake } from "../fakes/google.js";
import { SERVED_ON } from "../helpers/served-on.js";

const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });
const OPENAI_KEY = "test-key-1234567890";

describe("named sizes (fal's image_size presets) as `size`", () => {
  let fal: FalFake;
  let openai: FakeServer;
  let google: FakeServer;
  before(async () => {
    [fal, openai, google] = await Promise.all([startFalFake(), startOpenAIFake({ apiKey: OPENAI_KEY }), startGoogleFake()]);
    fal.steps = DEFAULT_STEPS;
  });
  after(async () => {
    await Promise.all([fal.close(), openai.close(), google.close()]);
  });
  const falCfg = (model: string) => ({ provider: "fal", model, apiKey: FAL_KEY, baseUrl: fal.url, pollIntervalMs: 1 });
  const falInput = () => [...fal.jobs.values()].at(-1)!.input;

  it("the table is fal's: six presets with their documented pixels", () => {
    assert.deepEqual(Object.keys(NAMED_SIZES).sort(), ["landscape_16_9", "landscape_4_3", "portrait_16_9", "portrait_4_3", "square", "square_hd"]);
    assert.deepEqual(sizeDimensions("portrait_16_9"), { width: 576, height: 1024 });
    assert.deepEqual(sizeDimensions("square"), { width: 512, height: 512 });
    assert.equal(namedSizeOf({ width: 1024, height: 576 }), "landscape_16_9");
    assert.equal(namedSizeOf({ width: 1000, height: 576 }), undefined);
  });

  it("a fal model receives the name as fal's image_size enum, and the image has those pixels", async () => {
    for (const name of Object.keys(NAMED_SIZES) as (keyof typeof NAMED_SIZES)[]) {
      const res = await gw.generateImage(falCfg("fal-ai/flux/dev"), { prompt: "a lighthouse", size: name });
      assert.equal(falInput().image_size, name);
      assert.deepEqual(res.warnings, []);
      assert.equal(res.images[0]!.width, NAMED_SIZES[name].width);
      assert.equal(res.images[0]!.height, NAMED_SIZES[name].height);
    }
  });

  it("a fal model the catalog does not know also gets the enum", async () => {
    await gw.generateImage(falCfg("fal-ai/brand-new-model"), { prompt: "a lighthouse", size: "portrait_4_3" });
    assert.equal(falInput().image_size, "portrait_4_3");
  });

  it("a fal model sized by aspect ratio gets the preset's shape", async () => {
    const res = await gw.generateImage(falCfg("fal-ai/nano-banana"), { prompt: "a lighthouse", size: "landscape_16_9" });
    assert.equal(falInput().aspect_ratio, "16:9");
    assert.equal(falInput().image_size, undefined);
    assert.ok(res.warnings.some((w) => w.includes("landscape_16_9 (1024x576)") && w.includes("16:9")), res.warnings.join("; "));
  });

  it("OpenAI (fixed sizes): strict names the preset, its pixels and the allowed sizes; coerce picks the nearest", async () => {
    // gpt-image-1.5 (fixed sizes) shut down on 2026-12-01: checked on a day it was served.
    const then = createGateway({ now: SERVED_ON, network: { allowPrivateNetwork: true }, logLevel: "silent", env: {} });
    const cfg = { provider: "openai", model: "gpt-image-1.5", apiKey: OPENAI_KEY, baseUrl: openai.url };
    await assert.rejects(then.generateImage(cfg, { prompt: "x", size: "landscape_4_3" }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "size");
      assert.match(e.message, /landscape_4_3 \(1024x768\)/);
      assert.match(e.message, /1536x1024/);
      return true;
    });
    assert.equal(openai.requests.length, 0, "nothing was sent");
    const res = await then.generateImage({ ...cfg, validation: "coerce" }, { prompt: "x", size: "landscape_4_3" });
    assert.equal((openai.requests.at(-1)!.json as { size: string }).size, "1536x1024");
    assert.ok(res.warnings.some((w) => w.includes("landscape_4_3")));
  });

  it("OpenAI gpt-image-2 (free sizes) receives the pixels", async () => {
    const cfg = { provider: "openai", model: "gpt-image-2", apiKey: OPENAI_KEY, baseUrl: openai.url };
    await gw.generateImage(cfg, { prompt: "x", size: "square_hd" });
    assert.equal((openai.requests.at(-1)!.json as { size: string }).size, "1024x1024");
  });

  it("Gemini (aspect ratios) gets the preset's ratio in imageConfig", async () => {
    // A Gemini-family capability of its own, so the test does not depend on which catalog ids are still served.
    gw.registerModel({ provider: "google", model: "gemini-experimental-image", kind: "image", aspectRatios: ["1:1", "3:4", "4:3", "9:16", "16:9"], adapterHints: { family: "gemini" } });
    const cfg = { provider: "google", model: "gemini-experimental-image", apiKey: GOOGLE_FAKE_KEY, baseUrl: google.url };
    const res = await gw.generateImage(cfg, { prompt: "x", size: "portrait_4_3" });
    const body = google.requests.at(-1)!.json as { generationConfig: { imageConfig?: { aspectRatio?: string } } };
    assert.equal(body.generationConfig.imageConfig?.aspectRatio, "3:4");
    assert.ok(res.warnings.some((w) => w.includes("portrait_4_3")));
  });

  it("an unknown name is a 4xx naming the field and the names allowed", async () => {
    await assert.rejects(gw.generateImage(falCfg("fal-ai/flux/dev"), { prompt: "x", size: "landscape_21_9" }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "size");
      assert.match(e.message, /square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9/);
      return true;
    });
  });
});
