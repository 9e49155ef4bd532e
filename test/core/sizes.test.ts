import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dimensionsForRatio, nearestPreset, nearestRatio, nearestSize, ratioOf, sizeForRatio } from "../../src/core/sizes.js";

describe("size and aspect-ratio normalisation", () => {
  it("reduces sizes to ratios", () => {
    assert.equal(ratioOf({ width: 1920, height: 1080 }), "16:9");
    assert.equal(ratioOf({ width: 1024, height: 1536 }), "2:3");
  });
  it("finds the nearest ratio on a log scale", () => {
    assert.equal(nearestRatio("21:9", ["1:1", "16:9", "9:16", "4:3"]), "16:9");
    assert.equal(nearestRatio("1:2", ["1:1", "16:9", "9:16"]), "9:16");
    assert.equal(nearestRatio(1.02, ["1:1", "4:3"]), "1:1");
  });
  it("prefers shape over area for the nearest size", () => {
    assert.equal(nearestSize({ width: 1000, height: 700 }, ["1024x1024", "1536x1024", "1024x1536"]), "1536x1024");
    assert.equal(nearestSize({ width: 256, height: 256 }, ["256x256", "512x512", "1024x1024"]), "256x256");
  });
  it("maps a ratio to a provider size with that exact shape", () => {
    assert.equal(sizeForRatio("3:2", ["1024x1024", "1536x1024", "1024x1536"]), "1536x1024");
    assert.equal(sizeForRatio("16:9", ["1024x1024", "1536x1024"]), undefined);
  });
  it("maps sizes and ratios to named presets", () => {
    const presets = { square_hd: { width: 1024, height: 1024 }, landscape_16_9: { width: 1024, height: 576 }, portrait_16_9: { width: 576, height: 1024 } };
    assert.deepEqual(nearestPreset("16:9", presets), { name: "landscape_16_9", exact: true });
    assert.deepEqual(nearestPreset({ width: 1024, height: 1024 }, presets), { name: "square_hd", exact: true });
    assert.deepEqual(nearestPreset("21:9", presets), { name: "landscape_16_9", exact: false });
  });
  it("builds dimensions for a ratio on a pixel grid", () => {
    const d = dimensionsForRatio("16:9", 1, 32)!;
    assert.equal(d.width % 32, 0);
    assert.equal(d.height % 32, 0);
    assert.ok(Math.abs(d.width / d.height - 16 / 9) < 0.05);
  });
});
