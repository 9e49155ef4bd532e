import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValidationError, createGateway } from "../../src/index.js";
import { checkCatalog, effectiveStatus } from "../../src/core/lifecycle.js";
import type { ModelCapability } from "../../src/core/capabilities.js";
import type { FakeServer } from "../helpers/fake-server.js";
import { GOOGLE_FAKE_KEY, startGoogleFake } from "../fakes/google.js";

/** A movable clock: each test sets the day it runs on. */
let today = new Date("2026-12-07T12:00:00Z");
const gw = createGateway({ now: () => today, network: { allowPrivateNetwork: true }, retry: { baseDelayMs: 1, maxDelayMs: 5 }, logLevel: "silent", env: {} });

let fake: FakeServer;
before(async () => {
  fake = await startGoogleFake();
});
after(() => fake.close());

const cfg = (model: string, validation?: "strict" | "coerce") => ({ provider: "google", model, apiKey: GOOGLE_FAKE_KEY, baseUrl: fake.url, ...(validation ? { validation } : {}) });
const on = (day: string) => {
  today = new Date(`${day}T12:00:00Z`);
};

describe("catalog lifecycle: retired and deprecated models, on an injectable clock", () => {
  it("strict: a retired model is refused with its shutdown date and replacement, before anything is sent", async () => {
    on("2026-12-07");
    const before = fake.requests.length;
    const err = await gw.generateImage(cfg("gemini-2.5-flash-image"), { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError, String(err));
    assert.equal(err.field, "model");
    assert.match(err.message, /google\/gemini-2\.5-flash-image was shut down on 2026-10-02/);
    assert.match(err.message, /use google\/gemini-3\.1-flash-image/);
    assert.equal(fake.requests.length, before, "nothing reached the provider");
  });

  it("coerce: the replacement runs, and the response says so", async () => {
    on("2026-12-07");
    const res = await gw.generateImage(cfg("gemini-2.5-flash-image", "coerce"), { prompt: "x" });
    assert.equal(res.model, "gemini-3.1-flash-image");
    assert.equal(fake.requests.at(-1)!.path, "/v1beta/models/gemini-3.1-flash-image:generateContent");
    assert.ok(res.warnings.some((w) => /gemini-2\.5-flash-image was shut down on 2026-10-02; using google\/gemini-3\.1-flash-image instead/.test(w)), res.warnings.join("\n"));
  });

  it("coerce follows a chain of replacements to a served model, and a bare alias of a retired model too", async () => {
    on("2026-12-07");
    // nano-banana is gemini-2.5-flash-image's alias.
    const res = await gw.generateImage(cfg("nano-banana", "coerce"), { prompt: "x" });
    assert.equal(res.model, "gemini-3.1-flash-image");
  });

  it("deprecated (shutdown announced, not yet come): the call goes out with a warning naming the day", async () => {
    on("2026-09-01");
    const res = await gw.generateImage(cfg("gemini-2.5-flash-image"), { prompt: "x" });
    assert.equal(res.model, "gemini-2.5-flash-image");
    assert.equal(fake.requests.at(-1)!.path, "/v1beta/models/gemini-2.5-flash-image:generateContent");
    assert.ok(res.warnings.some((w) => /gemini-2\.5-flash-image is deprecated and shuts down on 2026-10-02; move to google\/gemini-3\.1-flash-image/.test(w)), res.warnings.join("\n"));
  });

  it("moving the clock past the shutdown day turns the same request into a refusal", async () => {
    on("2026-10-01");
    await gw.generateImage(cfg("gemini-2.5-flash-image"), { prompt: "x" });
    on("2026-10-02");
    await assert.rejects(gw.generateImage(cfg("gemini-2.5-flash-image"), { prompt: "x" }), ValidationError);
  });

  it("a GA model runs with no lifecycle warning", async () => {
    on("2026-12-07");
    const res = await gw.generateImage(cfg("gemini-3.1-flash-image"), { prompt: "x" });
    assert.ok(!res.warnings.some((w) => /deprecated|shut down/.test(w)), res.warnings.join("\n"));
  });

  it("a retired model with no replacement is refused in coerce mode too, saying so", async () => {
    on("2026-12-07");
    const err = await gw.generateVideo({ provider: "openai", model: "sora-2", apiKey: "sk-test-0000000000", validation: "coerce" }, { prompt: "x" }).catch((e: unknown) => e);
    assert.ok(err instanceof ValidationError, String(err));
    assert.match(err.message, /openai\/sora-2 was shut down on 2026-09-24; the catalog names no replacement/);
  });

  it("listModels() and getModelCapabilities() give each entry its status as of the clock", () => {
    on("2026-09-01");
    const before = gw.getModelCapabilities("gemini-2.5-flash-image");
    assert.equal(before?.status, "deprecated");
    assert.equal(before?.shutdownOn, "2026-10-02");
    assert.equal(before?.replacement, "gemini-3.1-flash-image");
    assert.match(before?.source ?? "", /^https:\/\/ai\.google\.dev\//);
    on("2026-12-07");
    assert.equal(gw.getModelCapabilities("gemini-2.5-flash-image")?.status, "retired");
    const listed = gw.listModels({ provider: "google" });
    assert.equal(listed.find((m) => m.model === "gemini-3.1-flash-image")?.status, "ga");
    assert.equal(listed.find((m) => m.model === "veo-3.0-generate-001")?.status, "retired");
    assert.ok(listed.every((m) => m.status && m.verifiedOn && m.source), "every entry carries status, verifiedOn and source");
  });
});

describe("lifecycle rules", () => {
  const base: ModelCapability = { provider: "p", model: "m", kind: "image", status: "ga", verifiedOn: "2026-12-01", source: "https://example.com/m" };
  const day = (d: string) => new Date(`${d}T00:00:00Z`);
  it("effective status follows the dates: ga → deprecated when announced → retired on the shutdown day", () => {
    const m = { ...base, deprecatedOn: "2026-12-10", shutdownOn: "2027-01-15" };
    assert.equal(effectiveStatus({ ...base, deprecatedOn: "2026-12-10" }, day("2026-12-09")), "ga");
    assert.equal(effectiveStatus({ ...base, deprecatedOn: "2026-12-10" }, day("2026-12-10")), "deprecated");
    assert.equal(effectiveStatus(m, day("2027-01-14")), "deprecated");
    assert.equal(effectiveStatus(m, day("2027-01-15")), "retired");
    assert.equal(effectiveStatus({ ...base, status: "retired" }, day("2020-01-01")), "retired", "retired with no date is retired whatever the clock");
    assert.equal(effectiveStatus({ ...base, status: "preview" }, day("2026-12-07")), "preview");
  });

  it("checkCatalog reports passed and near shutdowns and stale facts, and leaves settled retired entries alone", () => {
    const now = day("2026-12-07");
    const findings = checkCatalog(
      [
        { ...base, model: "near", shutdownOn: "2027-01-20", replacement: "ok" },
        { ...base, model: "far", shutdownOn: "2027-06-01" },
        { ...base, model: "passed", shutdownOn: "2026-12-01", verifiedOn: "2026-11-01" },
        { ...base, model: "settled", status: "retired", shutdownOn: "2026-05-12", verifiedOn: "2026-12-01" },
        { ...base, model: "stale", verifiedOn: "2026-05-01" },
        { ...base, model: "ok" },
      ],
      now,
    );
    assert.deepEqual(
      findings.map((f) => `${f.model}:${f.kind}`),
      ["near:shutdown-near", "passed:shutdown-passed", "stale:stale"],
    );
    assert.match(findings[0]!.message, /shuts down on 2027-01-20, in 44 days; replacement ok/);
  });
});
