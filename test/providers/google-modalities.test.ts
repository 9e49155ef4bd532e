import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { ValidationError, createGateway, type ModelCapability } from "../../src/index.js";
import { STYLE_REFERENCE_TEXT } from "../../src/providers/google/gemini.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { ONE_PIXEL_PNG } from "../helpers/fake-server.js";
import { GOOGLE_FAKE_KEY, PNG_BASE64, startGoogleFake } from "../fakes/google.js";

type Body = { contents: { parts: Record<string, unknown>[] }[]; generationConfig: Record<string, unknown> };

const gw = createGateway({ network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });

/**
 * The catalog's Gemini image entries, read from the catalog itself so the wire tests run against the
 * same declarations users get (whichever Gemini ids are currently served).
 */
const served = (m: ModelCapability) => !m.retired && (m as { status?: string }).status !== "retired";
const geminiImageModels = () => gw.listModels({ provider: "google", kind: "image" }).filter((m) => m.adapterHints?.family === "gemini" && served(m));

// The fake serves `gemini-experimental-image`; give it the declarations of a catalog Gemini entry.
const MODEL = "gemini-experimental-image";
before(() => {
  const template = geminiImageModels()[0]!;
  gw.registerModel({ ...template, model: MODEL, aliases: [] });
});

let fake: FakeServer;
before(async () => {
  fake = await startGoogleFake();
});
after(() => fake.close());
beforeEach(() => fake.requests.splice(0));

const cfg = (extra: Record<string, unknown> = {}) => ({ provider: "google", model: MODEL, apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url, ...extra });
const lastBody = () => fake.requests.at(-1)!.json as Body;

describe("Gemini image models: the catalog declares responseModalities and style references, and no mask", () => {
  it("every served Gemini image entry", () => {
    const models = geminiImageModels();
    assert.ok(models.length > 0);
    for (const m of models) {
      assert.equal(m.responseModalities, true, m.model);
      assert.ok(m.inputs?.imageTypes?.includes("style"), m.model);
      assert.equal(m.inputs?.mask ?? false, false, m.model);
    }
  });
});

describe("responseModalities → generationConfig.responseModalities", () => {
  it('["IMAGE"] asks for images only: no text comes back', async () => {
    const res = await gw.generateImage(cfg(), { prompt: "a lighthouse", responseModalities: ["IMAGE"] });
    assert.deepEqual(lastBody().generationConfig.responseModalities, ["IMAGE"]);
    assert.equal(res.images.length, 1);
    assert.equal(res.text, undefined);
  });

  it('["TEXT", "IMAGE"] (and the default) returns the model\'s text with the image', async () => {
    const res = await gw.generateImage(cfg(), { prompt: "a lighthouse", responseModalities: ["TEXT", "IMAGE"] });
    assert.deepEqual(lastBody().generationConfig.responseModalities, ["TEXT", "IMAGE"]);
    assert.equal(res.text, "Here is your image.");
    await gw.generateImage(cfg(), { prompt: "a lighthouse" });
    assert.deepEqual(lastBody().generationConfig.responseModalities, ["TEXT", "IMAGE"]);
  });

  it("bad values are a ValidationError naming the field and the allowed values, before anything is sent", async () => {
    const cases: [unknown, RegExp][] = [
      [["AUDIO"], /TEXT, IMAGE/],
      [["TEXT"], /must include "IMAGE"/],
      [["IMAGE", "IMAGE"], /repeat/],
      [[], /responseModalities/],
      ["IMAGE", /responseModalities/],
    ];
    for (const [value, message] of cases) {
      await assert.rejects(gw.generateImage(cfg(), { prompt: "x", responseModalities: value as ["IMAGE"] }), (e: unknown) => {
        assert.ok(e instanceof ValidationError, String(value));
        assert.match(e.field ?? "", /^responseModalities/);
        assert.match(e.message, message);
        return true;
      });
    }
    assert.equal(fake.requests.length, 0);
  });

  it("a model without response modalities refuses the field in strict mode and drops it with a warning in coerce", async () => {
    await assert.rejects(gw.generateImage({ provider: "mock" }, { prompt: "x", responseModalities: ["IMAGE"] }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "responseModalities");
      assert.match(e.message, /not supported by mock\/mock-image/);
      return true;
    });
    const res = await gw.generateImage({ provider: "mock", validation: "coerce" }, { prompt: "x", responseModalities: ["IMAGE"] });
    assert.ok(res.warnings.some((w) => w.startsWith("responseModalities is not supported")));
  });
});

describe("style references and masks on Gemini", () => {
  it("a style image is an inline image part announced by a text part; references stay plain", async () => {
    const dataUrl = `data:image/png;base64,${PNG_BASE64}`;
    await gw.generateImage(cfg(), {
      prompt: "the cat on the sofa",
      imageList: [{ image: new Uint8Array(ONE_PIXEL_PNG) }, { image: dataUrl, type: "style" }],
    });
    assert.deepEqual(lastBody().contents[0]!.parts, [
      { text: "the cat on the sofa" },
      { inlineData: { mimeType: "image/png", data: PNG_BASE64 } },
      { text: STYLE_REFERENCE_TEXT },
      { inlineData: { mimeType: "image/png", data: PNG_BASE64 } },
    ]);
  });

  it("a mask is refused with a ValidationError naming maskImage, for catalogued and unknown Gemini models", async () => {
    const image = new Uint8Array(ONE_PIXEL_PNG);
    await assert.rejects(gw.generateImage(cfg(), { prompt: "x", imageList: [{ image }], maskImage: image }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "maskImage");
      return true;
    });
    const bare = createGateway({ network: { allowPrivateNetwork: true }, logLevel: "silent", env: {} });
    await assert.rejects(bare.generateImage(cfg(), { prompt: "x", imageList: [{ image }], maskImage: image }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.field, "maskImage");
      assert.match(e.message, /no mask image/);
      return true;
    });
    assert.equal(fake.requests.length, 0);
  });

  it("the fake answers a mask smuggled in as a field with Google's unknown-field error", async () => {
    const res = await fetch(`${fake.url}/v1beta/models/${MODEL}:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": GOOGLE_FAKE_KEY },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "x" }] }], maskImage: { data: PNG_BASE64 } }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { status: string; message: string } };
    assert.equal(body.error.status, "INVALID_ARGUMENT");
    assert.match(body.error.message, /Unknown name "maskImage"/);
  });
});

describe("the Google fake holds parts to Google's oneof rule", () => {
  let fake: FakeServer;
  before(async () => {
    fake = await startGoogleFake();
  });
  after(() => fake.close());
  const post = (parts: unknown[]) =>
    fetch(`${fake.url}/v1beta/models/${MODEL}:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": GOOGLE_FAKE_KEY },
      body: JSON.stringify({ contents: [{ role: "user", parts }] }),
    });

  it("a part with text and an image at once, or with neither, is Google's 400", async () => {
    const both = await post([{ text: "x", inlineData: { mimeType: "image/png", data: PNG_BASE64 } }]);
    assert.equal(both.status, 400);
    assert.match(((await both.json()) as { error: { message: string } }).error.message, /oneof field 'data' is already set/);
    const none = await post([{}]);
    assert.equal(none.status, 400);
    assert.match(((await none.json()) as { error: { message: string } }).error.message, /required oneof field 'data'/);
  });
});
