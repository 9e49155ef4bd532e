import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValidationError, createGateway } from "../../src/index.js";
import { hashApiKey } from "../../packages/server/src/server/index.js";
import { closest, editDistance } from "../../src/core/did-you-mean.js";
import { type TestServer, startTestServer } from "../server/helpers.js";
import { startBflFake } from "../fakes/bfl.js";
import type { FakeServer } from "../helpers/fake-server.js";

const gw = createGateway({ now: () => new Date("2026-12-07T12:00:00Z"), network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });
const refusal = (fn: () => unknown): ValidationError => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    return e;
  }
  assert.fail("expected a ValidationError");
};

describe("did you mean: model ids only a name pattern ties to a provider", () => {
  let bfl: FakeServer;
  before(async () => {
    bfl = await startBflFake();
  });
  after(() => bfl.close());

  it("strict: `fluxx` is refused before anything is sent, with the nearest served bfl models", async () => {
    const err = await gw.generateImage({ model: "fluxx", apiKey: "test-key-1234567890", baseUrl: bfl.url }, { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError, String(err));
    assert.equal(err.field, "model");
    assert.match(err.message, /model "fluxx" is not in the catalog; only its name suggests bfl; did you mean bfl\/flux-[a-z0-9.-]+/);
    assert.match(err.message, /name the provider: "bfl\/fluxx", or use validation "coerce"/);
    assert.ok(err.issues[0]!.allowed!.every((m) => String(m).startsWith("bfl/flux")), JSON.stringify(err.issues));
    assert.equal(bfl.requests.length, 0, "nothing reached BFL");
  });

  it("suggestions come from the catalog and skip retired models", () => {
    const err = refusal(() => gw.validateRequest({ model: "gpt-image-3" }, { prompt: "x" }));
    assert.deepEqual(err.issues[0]!.allowed, ["openai/gpt-image-2", "openai/gpt-image-2-2026-04-21"]);
    const video = refusal(() => gw.validateRequest({ model: "veo-3.2-generate-001" }, { prompt: "x" }, "video"));
    assert.ok(video.issues[0]!.allowed!.includes("google/veo-3.1-generate-001"), JSON.stringify(video.issues));
    assert.ok(!video.issues[0]!.allowed!.some((m) => /veo-3\.0|preview/.test(String(m))), "retired Veo ids are not suggested");
  });

  it("coerce: it runs, with a warning carrying the same suggestions", () => {
    const v = gw.validateRequest({ model: "fluxx", validation: "coerce" }, { prompt: "x" });
    assert.equal(v.provider, "bfl");
    assert.equal(v.model, "fluxx");
    assert.match(v.warnings[0]!, /model "fluxx" is not in the catalog; only its name suggests bfl; did you mean bfl\/flux-.*It was sent to bfl unchecked/);
  });

  it("naming the provider (or a provider's own id namespace) is not a guess: unknown ids run with the usual warning", () => {
    for (const config of [{ model: "bfl/fluxx" }, { provider: "bfl", model: "fluxx" }, { model: "fal-ai/brand-new-model" }]) {
      const v = gw.validateRequest(config, { prompt: "x" });
      assert.match(v.warnings[0]!, /is not in the (bfl|fal) catalog: parameters are passed through unchecked/, JSON.stringify(config));
    }
    // A catalog id, its alias and a bare family name are not affected.
    assert.deepEqual(gw.validateRequest({ model: "flux-dev" }, { prompt: "x" }).warnings, []);
    assert.equal(gw.validateRequest({ model: "flux" }, { prompt: "x" }).provider, "bfl");
  });
});

describe("did you mean: misspelled top-level request fields", () => {
  it("strict: `sizee` is refused naming the field and the one it resembles", () => {
    const err = refusal(() => gw.validateRequest({ model: "mock-image" }, { prompt: "x", sizee: "1024x1024" } as never));
    assert.equal(err.field, "sizee");
    assert.deepEqual(err.issues[0]!.allowed, ["size"]);
    assert.match(err.message, /unknown field "sizee"; did you mean "size"\?/);
    const two = refusal(() => gw.validateRequest({ model: "mock-video" }, { prompt: "x", durationSecond: 4, Seed: 1 } as never, "video"));
    assert.deepEqual(two.issues.map((i) => `${i.field}→${String(i.allowed)}`), ["durationSecond→durationSeconds", "Seed→seed"]);
  });

  it("coerce: the field still goes to the provider in extraParams, with a warning", () => {
    const v = gw.validateRequest({ model: "mock-image", validation: "coerce" }, { prompt: "x", qualty: "high" } as never);
    assert.deepEqual(v.request.extraParams, { qualty: "high" });
    assert.ok(v.warnings.some((w) => /unknown field "qualty"; did you mean "quality"\? It was passed to the provider as extraParams\.qualty/.test(w)), v.warnings.join("\n"));
  });

  it("provider parameters that merely look short or different are not typos", () => {
    const v = gw.validateRequest({ model: "mock-image" }, { prompt: "x", cfg: 7, steps: 30, guidance_scale: 3.5, num_inference_steps: 28, style_preset: "anime", image_size: "square_hd" } as never);
    assert.deepEqual(Object.keys(v.request.extraParams ?? {}).sort(), ["cfg", "guidance_scale", "image_size", "num_inference_steps", "steps", "style_preset"]);
  });

  it("edit distance and closest() stay bounded and ordered", () => {
    assert.equal(editDistance("sizee", "size"), 1);
    assert.equal(editDistance("x".repeat(10_000), "y".repeat(10_000)), 64, "only the first 64 characters are compared");
    assert.deepEqual(closest("qualty", ["quality", "style", "seed"]), ["quality"]);
    assert.deepEqual(closest("fluxx", ["flux-dev", "sd3", "flux-pro"], { prefixAtLeast: 4 }), ["flux-dev", "flux-pro"]);
  });
});

describe("did you mean on the gateway", () => {
  const KEY = "tk_didyoumean_0123456789abcdef";
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      auth: { apiKeys: [{ sha256: hashApiKey(KEY), tenant: "acme", service: true }] },
      routes: { loose: { model: "mock/mock-image", validation: "coerce" } },
    });
  });
  after(() => server.stop());
  const headers = { authorization: `Bearer ${KEY}` };

  it("POST /v1/images/generations with `sizee` answers 400 naming the field", async () => {
    const res = await server.json("/v1/images/generations", { headers, body: { model: "mock-image", prompt: "x", sizee: "64x64", response_format: "url" } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const error = res.body.error as { message: string; param: string };
    assert.equal(error.param, "sizee");
    assert.match(error.message, /unknown field "sizee"; did you mean "size"\?/);
  });

  it("an OpenAI pass-through field (background) is not a typo, and a coerce route passes typos on", async () => {
    const ok = await server.json("/v1/images/generations", { headers, body: { model: "mock-image", prompt: "x", size: "64x64", background: "opaque", response_format: "url" } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const loose = await server.json("/v1/images/generations", { headers, body: { model: "loose", prompt: "x", size: "64x64", sizee: "1", response_format: "url" } });
    assert.equal(loose.status, 200, JSON.stringify(loose.body));
  });

  it("an unknown model id matched only by its name is a 400 with the suggestions", async () => {
    const res = await server.json("/v1/images/generations", { headers, body: { model: "gpt-image-3", prompt: "x", response_format: "url" } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const error = res.body.error as { message: string; param: string };
    assert.equal(error.param, "model");
    assert.match(error.message, /did you mean openai\/gpt-image-2/);
  });
});
