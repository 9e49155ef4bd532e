import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError, createGateway, type ModelCapability } from "../../src/index.js";

const gw = createGateway({ logLevel: "silent" });
const model: ModelCapability = {
  provider: "mock",
  model: "strict-model",
  kind: "image",
  sizes: ["1024x1024", "1536x1024", "1024x1536"],
  qualities: ["low", "medium", "high"],
  defaultQuality: "medium",
  outputFormats: ["png", "webp"],
  maxN: 4,
};
const ratioModel: ModelCapability = { provider: "mock", model: "ratio-model", kind: "image", aspectRatios: ["1:1", "16:9", "9:16", "4:3", "3:4"], maxN: 1 };
const video: ModelCapability = { provider: "mock", model: "v", kind: "video", durations: [4, 6, 8], resolutions: ["720p", "1080p"], aspectRatios: ["16:9", "9:16"] };
gw.registerModel(model);
gw.registerModel(ratioModel);
gw.registerModel(video);

const fieldIs = (field: string, allowed?: string) => (e: unknown) =>
  e instanceof ValidationError && e.issues.some((i) => i.field === field) && (allowed === undefined || e.message.includes(allowed));

describe("validateRequest", () => {
  it("strict mode names the field and the allowed values", () => {
    assert.throws(() => gw.validateRequest({ provider: "mock", model: "strict-model" }, { prompt: "x", quality: "ultra" }), fieldIs("quality", "low, medium, high"));
    assert.throws(() => gw.validateRequest({ provider: "mock", model: "strict-model" }, { prompt: "x", size: "640x480" }), fieldIs("size", "1024x1024, 1536x1024, 1024x1536"));
    assert.throws(() => gw.validateRequest({ provider: "mock", model: "strict-model" }, { prompt: "x", n: 9 }), fieldIs("n", "1..4"));
    assert.throws(() => gw.validateRequest({ provider: "mock", model: "strict-model" }, { prompt: "x", style: "vivid" }), fieldIs("style", "not supported"));
    assert.throws(() => gw.validateRequest({ provider: "mock", model: "ratio-model" }, { prompt: "x", aspectRatio: "21:9" }), fieldIs("aspectRatio", "1:1, 16:9"));
  });

  it("coerce mode picks the nearest value and says so in warnings", () => {
    const r = gw.validateRequest({ provider: "mock", model: "ratio-model", validation: "coerce" }, { prompt: "x", aspectRatio: "21:9" });
    assert.equal(r.request.aspectRatio, "16:9");
    assert.match(r.warnings.join(), /aspectRatio "21:9".*"16:9"/);
    const q = gw.validateRequest({ provider: "mock", model: "strict-model", validation: "coerce" }, { prompt: "x", quality: "ultra", size: "1000x700", n: 9, style: "vivid" });
    assert.equal(q.request.quality, "medium");
    assert.equal(q.request.size, "1536x1024");
    assert.equal(q.request.n, 4);
    assert.equal(q.request.style, undefined);
    assert.equal(q.warnings.length, 4);
  });

  it("translates between size and aspect ratio depending on how the model sizes", () => {
    const a = gw.validateRequest({ provider: "mock", model: "ratio-model" }, { prompt: "x", size: "1920x1080" });
    assert.equal(a.request.aspectRatio, "16:9");
    assert.equal(a.request.size, undefined);
    assert.match(a.warnings[0]!, /sent as aspect ratio 16:9/);
    const b = gw.validateRequest({ provider: "mock", model: "strict-model" }, { prompt: "x", aspectRatio: "2:3" });
    assert.equal(b.request.size, "1024x1536");
    assert.throws(() => gw.validateRequest({ provider: "mock", model: "ratio-model" }, { prompt: "x", size: "1000x300" }), fieldIs("size"));
  });

  it("captures unknown top-level fields into extraParams", () => {
    const r = gw.validateRequest({ provider: "mock", model: "strict-model" }, { prompt: "x", background: "transparent", extraParams: { moderation: "low" } });
    assert.deepEqual(r.request.extraParams, { background: "transparent", moderation: "low" });
  });

  it("refuses input images for a model that ignores them, in both modes", () => {
    for (const validation of ["strict", "coerce"] as const) {
      assert.throws(() => gw.validateRequest({ provider: "mock", model: "strict-model", validation }, { prompt: "x", imageList: [{ image: "https://example.com/a.png" }] }), fieldIs("imageList"));
    }
  });

  it("checks request types at the boundary", () => {
    assert.throws(() => gw.validateRequest({ provider: "mock" }, { prompt: "" }), fieldIs("prompt"));
    assert.throws(() => gw.validateRequest({ provider: "mock" }, { prompt: "x", outputFormat: "bmp" as "png" }), fieldIs("outputFormat", "png, jpeg, webp"));
    assert.throws(() => gw.validateRequest({ provider: "mock" }, { prompt: "x", imageList: [{ image: "ftp://x" }] }), fieldIs("imageList.0.image"));
    assert.throws(() => gw.validateRequest({ provider: "mock" }, { prompt: "x", imageList: [{ image: "https://a", type: "bogus" as "reference" }] }), fieldIs("imageList.0.type", "reference, style"));
  });

  it("lets unknown models of a known provider through with a warning", () => {
    const r = gw.validateRequest({ provider: "mock", model: "brand-new-model" }, { prompt: "x", quality: "whatever" });
    assert.equal(r.request.quality, "whatever");
    assert.match(r.warnings[0]!, /not in the mock catalog/);
  });

  it("validates video durations, resolutions and ratios", () => {
    assert.throws(() => gw.validateRequest({ provider: "mock", model: "v" }, { prompt: "x", durationSeconds: 5 }, "video"), fieldIs("durationSeconds", "4, 6, 8"));
    const r = gw.validateRequest({ provider: "mock", model: "v", validation: "coerce" }, { prompt: "x", durationSeconds: 7.5, resolution: "4k" }, "video");
    assert.equal(r.request.durationSeconds, 8);
    assert.equal(r.request.resolution, "1080p");
    assert.throws(() => gw.validateRequest({ provider: "mock", model: "v" }, { prompt: "x", generateAudio: true }, "video"), fieldIs("generateAudio"));
  });

  it("exposes the catalog", () => {
    assert.ok(gw.listModels({ provider: "mock" }).some((m) => m.model === "strict-model"));
    assert.equal(gw.getModelCapabilities("mock/strict-model")?.maxN, 4);
    assert.equal(createGateway().getModelCapabilities("mock/strict-model"), undefined, "registrations stay in their gateway");
  });
});
