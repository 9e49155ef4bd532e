import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createGateway } from "../../src/index.js";
import { dayStart, effectiveStatus } from "../../src/core/lifecycle.js";
import { BUILTIN_PROVIDERS, DEFAULT_MODELS } from "../../src/providers/index.js";
import type { MediaKind } from "../../src/core/types.js";

const NEAR_DAYS = 60;

/**
 * Every model a request can land on without naming one: each provider's default image and video model
 * and the gateway-wide defaults. Checked against the real clock, so this test starts failing 60 days
 * before any default's shutdown day, while there is still time to move the default.
 */
function defaults(): { label: string; provider: string; model: string; kind: MediaKind }[] {
  const out = (["image", "video"] as const).map((kind) => ({ label: `gateway-wide ${kind} default`, ...DEFAULT_MODELS[kind], kind }));
  for (const p of BUILTIN_PROVIDERS) {
    for (const kind of ["image", "video"] as const) {
      const model = p.defaultModels?.[kind];
      if (model) out.push({ label: `${p.id} ${kind} default`, provider: p.id, model, kind });
    }
  }
  return out;
}

describe("default models work", () => {
  const gw = createGateway({ logLevel: "silent" });
  const now = new Date();

  for (const d of defaults()) {
    it(`${d.label} ${d.provider}/${d.model} is in the catalog, GA, not deprecated and not shutting down within ${NEAR_DAYS} days`, () => {
      const cap = gw.getModelCapabilities(d.model, d.provider);
      assert.ok(cap, "in the catalog");
      assert.equal(cap.model, d.model, "the id itself, not an alias");
      assert.equal(cap.kind, d.kind);
      assert.equal(effectiveStatus(cap, now), "ga");
      assert.equal(cap.deprecatedOn, undefined, `deprecated on ${cap.deprecatedOn}`);
      if (cap.shutdownOn) {
        const daysLeft = (dayStart(cap.shutdownOn) - now.getTime()) / 86_400_000;
        assert.ok(daysLeft > NEAR_DAYS, `shuts down on ${cap.shutdownOn}, in ${Math.floor(daysLeft)} days: move the default`);
      }
    });
  }

  it("a request that names no model resolves to these defaults", () => {
    assert.deepEqual(gw.resolveModel(undefined, { kind: "image" }), DEFAULT_MODELS.image);
    assert.deepEqual(gw.resolveModel(undefined, { kind: "video" }), { provider: "google", model: "veo-3.1-generate-001" });
    assert.deepEqual(gw.resolveModel("google", { kind: "image" }), { provider: "google", model: "gemini-3.1-flash-image" });
    assert.deepEqual(gw.resolveModel("fal", { kind: "video" }), { provider: "fal", model: "fal-ai/veo3.1" });
  });
});
