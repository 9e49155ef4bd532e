import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError, createGateway } from "../../src/index.js";
import { SERVED_ON } from "../helpers/served-on.js";

/** One test per row of the 2026-12 catalog audit (issue #11), on the audit's day. */
const gw = createGateway({ now: () => new Date("2026-12-07T12:00:00Z"), logLevel: "silent" });
const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ValidationError && pattern.test(e.message), String(pattern));

describe("catalog audit 2026-12: every row fixed", () => {
  it("no video request lands on Sora by default; OpenAI has no video default and Sora is refused with its shutdown day", () => {
    assert.deepEqual(gw.resolveModel(undefined, { kind: "video" }), { provider: "google", model: "veo-3.1-generate-001" });
    refused(() => gw.resolveModel(undefined, { provider: "openai", kind: "video" }), /model is required for provider openai/);
    refused(() => gw.resolveModel(undefined, { provider: "azure-openai", kind: "video" }), /model is required for provider azure-openai/);
    refused(() => gw.validateRequest({ model: "sora-2" }, { prompt: "x" }, "video"), /openai\/sora-2 was shut down on 2026-09-24/);
  });

  it("google video: Veo 3.0 and the 3.1 previews are retired and point at the 3.1 GA ids", () => {
    for (const [model, replacement] of <[string, string][]>[
      ["veo-3.0-generate-001", "veo-3.1-generate-001"],
      ["veo-3.0-fast-generate-001", "veo-3.1-fast-generate-001"],
      ["veo-2.0-generate-001", "veo-3.1-generate-001"],
      ["veo-3.1-generate-preview", "veo-3.1-generate-001"],
      ["veo-3.1-fast-generate-preview", "veo-3.1-fast-generate-001"],
    ]) {
      refused(() => gw.validateRequest({ provider: "google", model }, { prompt: "x" }, "video"), new RegExp(`use google/${replacement.replace(/\./g, "\\.")}`));
      assert.equal(gw.validateRequest({ provider: "google", model, validation: "coerce" }, { prompt: "x" }, "video").model, replacement);
    }
  });

  it("google images: gemini-2.5-flash-image and the Gemini 3 previews are retired; the GA ids are in the catalog", () => {
    refused(() => gw.validateRequest({ provider: "google", model: "gemini-2.5-flash-image" }, { prompt: "x" }), /shut down on 2026-10-02/);
    refused(() => gw.validateRequest({ provider: "google", model: "gemini-3-pro-image-preview" }, { prompt: "x" }), /shut down on 2026-06-25; use google\/gemini-3-pro-image /);
    refused(() => gw.validateRequest({ provider: "google", model: "gemini-3.1-flash-image-preview" }, { prompt: "x" }), /use google\/gemini-3\.1-flash-image /);
    for (const model of ["gemini-3-pro-image", "gemini-3.1-flash-image"]) {
      const v = gw.validateRequest({ provider: "google", model }, { prompt: "x", resolution: "4K" });
      assert.equal(v.capability?.status, "ga");
      assert.deepEqual(v.warnings, []);
    }
  });

  it("Imagen is retired on Google (Gemini API and Vertex alike)", () => {
    for (const model of ["imagen-4.0-generate-001", "imagen-4.0-ultra-generate-001", "imagen-4.0-fast-generate-001"]) {
      refused(() => gw.validateRequest({ provider: "google", model, providerConfig: { vertex: true } }, { prompt: "x" }), /shut down on 2026-08-17/);
    }
  });

  it("OpenAI: dall-e-2 and dall-e-3 are retired with GPT image replacements", () => {
    refused(() => gw.validateRequest({ model: "dall-e-3" }, { prompt: "x" }), /openai\/dall-e-3 was shut down on 2026-05-12; use openai\/gpt-image-2 /);
    const v = gw.validateRequest({ model: "dall-e-2", validation: "coerce" }, { prompt: "x" });
    assert.equal(v.model, "gpt-image-2");
    assert.ok(v.warnings.some((w) => /dall-e-2 was shut down on 2026-05-12; using openai\/gpt-image-2 instead/.test(w)));
  });

  it("OpenAI: gpt-image-1 (2026-10-23) and gpt-image-1-mini, gpt-image-1.5, chatgpt-image-latest (2026-12-01) are retired for gpt-image-2", () => {
    refused(() => gw.validateRequest({ model: "gpt-image-1" }, { prompt: "x" }), /openai\/gpt-image-1 was shut down on 2026-10-23; use openai\/gpt-image-2 /);
    for (const model of ["gpt-image-1-mini", "gpt-image-1.5", "gpt-image-1.5-2025-12-16", "chatgpt-image-latest"]) {
      refused(() => gw.validateRequest({ provider: "openai", model }, { prompt: "x" }), new RegExp(`openai/${model.replace(/\./g, "\\.")} was shut down on 2026-12-01; use openai/gpt-image-2 `));
      const v = gw.validateRequest({ provider: "openai", model, validation: "coerce" }, { prompt: "x", quality: "low", size: "1024x1024" });
      assert.equal(v.model, "gpt-image-2", model);
      const cap = gw.getModelCapabilities(model, "openai");
      assert.equal(cap?.deprecatedOn, "2026-06-02");
      assert.match(cap?.source ?? "", /^https:\/\/developers\.openai\.com\/api\/docs\/deprecations/);
    }
    // The facts carry their source; the gpt-image-1 date comes from OpenAI's own model page.
    assert.match(gw.getModelCapabilities("gpt-image-1", "openai")?.source ?? "", /^https:\/\/developers\.openai\.com\/ja-JP\/api\/docs\/models\/gpt-image-1 /);
    // Before the shutdown, the same ids were deprecated, with their day in the warning.
    const then = createGateway({ now: SERVED_ON, logLevel: "silent" });
    assert.ok(then.validateRequest({ model: "gpt-image-1.5" }, { prompt: "x" }).warnings.some((w) => /gpt-image-1\.5 is deprecated and shuts down on 2026-12-01; move to openai\/gpt-image-2/.test(w)));
  });

  it("Azure OpenAI follows Azure's own retirement schedule: gpt-image-1 gone, 1.5 and 1-mini deprecated with Azure's days, gpt-image-2 GA and the default", () => {
    refused(() => gw.validateRequest({ provider: "azure-openai", model: "gpt-image-1" }, { prompt: "x" }), /azure-openai\/gpt-image-1 was shut down on 2026-10-23; use azure-openai\/gpt-image-2 /);
    const mid = gw.validateRequest({ provider: "azure-openai", model: "gpt-image-1.5" }, { prompt: "x" });
    assert.ok(mid.warnings.some((w) => /azure-openai\/gpt-image-1\.5 is deprecated and shuts down on 2026-12-16/.test(w)), mid.warnings.join("\n"));
    assert.equal(gw.getModelCapabilities("gpt-image-1-mini", "azure-openai")?.shutdownOn, "2027-04-07", "Azure's day, not OpenAI's 2026-12-01");
    assert.deepEqual(gw.resolveModel(undefined, { provider: "azure-openai", kind: "image" }), { provider: "azure-openai", model: "gpt-image-2" });
    assert.deepEqual(gw.validateRequest({ provider: "azure-openai", model: "gpt-image-2" }, { prompt: "x" }).warnings, []);
  });

  it("fal: the Veo 3 / Veo 2 / Sora 2 endpoints are retired, with Veo 3.1 replacements", () => {
    for (const [model, replacement] of <[string, string][]>[
      ["fal-ai/veo3", "fal-ai/veo3.1"],
      ["fal-ai/veo3/fast", "fal-ai/veo3.1/fast"],
      ["fal-ai/veo3/image-to-video", "fal-ai/veo3.1/image-to-video"],
      ["fal-ai/veo2", "fal-ai/veo3.1"],
      ["fal-ai/sora-2/text-to-video", "fal-ai/veo3.1"],
    ]) {
      refused(() => gw.validateRequest({ provider: "fal", model }, { prompt: "x" }, "video"), new RegExp(`use fal/${replacement.replace(/\./g, "\\.")}`));
    }
    assert.equal(gw.resolveModel("fal", { kind: "video" }).model, "fal-ai/veo3.1");
  });

  it("xAI: grok-imagine-image-pro and -quality are retired for grok-imagine-image-2.0, which takes quality low/medium", () => {
    refused(() => gw.validateRequest({ provider: "xai", model: "grok-imagine-image-pro" }, { prompt: "x" }), /shut down on 2026-05-15; use xai\/grok-imagine-image-2\.0/);
    refused(() => gw.validateRequest({ provider: "xai", model: "grok-imagine-image-quality" }, { prompt: "x" }), /shut down on 2026-11-02/);
    assert.match(gw.getModelCapabilities("grok-imagine-image-pro", "xai")?.source ?? "", /\(third party\)$/);
    refused(() => gw.validateRequest({ provider: "xai", model: "grok-imagine-image-2.0" }, { prompt: "x", quality: "high" }), /quality "high" is not supported.*allowed: low, medium/);
    assert.deepEqual(gw.validateRequest({ provider: "xai", model: "grok-imagine-image-2.0" }, { prompt: "x", quality: "low" }).warnings, []);
  });

  it("Sora takes 4, 8 or 12 seconds only (checked on a day Sora was served)", () => {
    const then = createGateway({ now: SERVED_ON, logLevel: "silent" });
    refused(() => then.validateRequest({ provider: "azure-openai", model: "sora-2" }, { prompt: "x", durationSeconds: 16 }, "video"), /durationSeconds 16 .*allowed: 4, 8, 12/);
    const v = then.validateRequest({ provider: "azure-openai", model: "sora-2", validation: "coerce" }, { prompt: "x", durationSeconds: 20 }, "video");
    assert.equal(v.request.durationSeconds, 12);
    assert.ok(v.warnings.some((w) => /azure-openai\/sora-2 is deprecated and shuts down on 2026-09-15/.test(w)), v.warnings.join("\n"));
    // On the audit day Azure's sora-2 is past its retirement (Azure schedule: 2026-09-15), with no video model to replace it.
    refused(() => gw.validateRequest({ provider: "azure-openai", model: "sora-2", validation: "coerce" }, { prompt: "x" }, "video"), /azure-openai\/sora-2 was shut down on 2026-09-15/);
  });

  it("gpt-image-2: the aspect ratio must be between 1:3 and 3:1 (size and aspectRatio alike)", () => {
    refused(() => gw.validateRequest({ model: "gpt-image-2" }, { prompt: "x", size: "768x3072" }), /768x3072 is not supported by openai\/gpt-image-2: the aspect ratio must be between 1:3 and 3:1/);
    assert.equal(gw.validateRequest({ model: "gpt-image-2", validation: "coerce" }, { prompt: "x", size: "768x3072" }).request.size, "768x2304");
    assert.equal(gw.validateRequest({ model: "gpt-image-2", validation: "coerce" }, { prompt: "x", size: "4000x1000" }).request.size, "2880x960", "scaled to the side limit, then the long side cut to 3:1");
    refused(() => gw.validateRequest({ model: "gpt-image-2" }, { prompt: "x", aspectRatio: "1:4" }), /aspectRatio "1:4" is not supported.*between 1:3 and 3:1/);
    assert.equal(gw.validateRequest({ model: "gpt-image-2", validation: "coerce" }, { prompt: "x", aspectRatio: "4:1" }).request.aspectRatio, "3:1");
    assert.equal(gw.validateRequest({ model: "gpt-image-2" }, { prompt: "x", size: "3072x1024" }).request.size, "3072x1024");
  });

  it("Runway: gen3a_turbo and gen4_aleph are retired with their replacements", () => {
    refused(() => gw.validateRequest({ provider: "runway", model: "gen3a_turbo" }, { prompt: "x" }, "video"), /use runway\/gen4_turbo/);
    refused(() => gw.validateRequest({ provider: "runway", model: "gen4_aleph" }, { prompt: "x" }, "video"), /use runway\/aleph2/);
  });
});

describe("bare aliases resolve to the provider's current default", () => {
  it("openai, dall-e, gemini, imagen, grok, stability, flux", () => {
    const table: [string, string, string][] = [
      ["openai", "openai", "gpt-image-2"],
      ["dall-e", "openai", "gpt-image-2"],
      ["gemini", "google", "gemini-3.1-flash-image"],
      ["imagen", "google", "gemini-3.1-flash-image"],
      ["grok", "xai", "grok-imagine-image"],
      ["stability", "stability", "stable-image-core"],
      ["flux", "bfl", "flux-pro-1.1"],
    ];
    for (const [alias, provider, model] of table) assert.deepEqual(gw.resolveModel(alias), { provider, model }, alias);
    assert.deepEqual(gw.resolveModel("gemini", { kind: "video" }), { provider: "google", model: "veo-3.1-generate-001" });
    // The id a bare alias lands on is served: no lifecycle refusal.
    for (const [alias] of table) assert.doesNotThrow(() => gw.validateRequest({ model: alias }, { prompt: "x" }), alias);
  });
});

describe("seed models", () => {
  it("fal FLUX.2 dev and flex (also under the seed's ids), FLUX1.1 pro ultra raw mode and Z-Image edit are in the catalog", () => {
    assert.equal(gw.getModelCapabilities("fal-ai/flux-2/dev", "fal")?.model, "fal-ai/flux-2");
    assert.equal(gw.getModelCapabilities("fal-ai/flux-2/flex", "fal")?.model, "fal-ai/flux-2-flex");
    assert.equal(gw.validateRequest({ provider: "fal", model: "fal-ai/flux-2/dev" }, { prompt: "x", size: "1024x1024" }).model, "fal-ai/flux-2");
    assert.deepEqual(gw.validateRequest({ provider: "fal", model: "fal-ai/flux-pro/v1.1-ultra" }, { prompt: "x", extraParams: { raw: true } }).request.extraParams, { raw: true });
    refused(() => gw.validateRequest({ provider: "fal", model: "fal-ai/z-image/turbo/image-to-image" }, { prompt: "x" }), /needs at least one input image/);
  });
});
