import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as lib from "../../src/index.js";

/** The names PRODUCT.md §1 fixes; users, docs and tests rely on each of them. */
const FUNCTIONS = [
  "generateImage",
  "generateVideo",
  "submitVideo",
  "getVideoStatus",
  "cancelVideo",
  "registerProvider",
  "registerModel",
  "listModels",
  "getModelCapabilities",
  "validateRequest",
  "resolveModel",
  "estimateCost",
  "createGateway",
  "isRetryableError",
] as const;
const ERRORS = [
  "ValidationError",
  "ContentModerationError",
  "AuthenticationError",
  "RateLimitError",
  "HTTPError",
  "HTTPConnectionError",
  "TimeoutError",
  "GenerationFailedError",
  "CancelledError",
] as const;

describe("public API (PRODUCT.md §1)", () => {
  it("exports every named function", () => {
    for (const name of FUNCTIONS) assert.equal(typeof lib[name], "function", name);
  });

  it("exports every error class, each a TarashError carrying its own name", () => {
    assert.equal(typeof lib.TarashError, "function");
    for (const name of ERRORS) {
      const err = new lib[name]("boom", { provider: "p", model: "m" });
      assert.ok(err instanceof lib.TarashError, name);
      assert.ok(err instanceof Error, name);
      assert.equal(err.name, name);
      assert.equal(err.provider, "p");
    }
  });

  it("classifies retryable errors as the contract says", () => {
    const retryable = [
      new lib.HTTPConnectionError("x"),
      new lib.TimeoutError("x"),
      new lib.RateLimitError("x"),
      new lib.HTTPError("x", { statusCode: 408 }),
      new lib.HTTPError("x", { statusCode: 409 }),
      new lib.HTTPError("x", { statusCode: 503 }),
      new lib.GenerationFailedError("x", { transient: true }),
    ];
    const final = [
      new lib.ValidationError("x"),
      new lib.AuthenticationError("x"),
      new lib.ContentModerationError("x"),
      new lib.CancelledError("x"),
      new lib.HTTPError("x", { statusCode: 404 }),
      new lib.GenerationFailedError("x"),
      new Error("not ours"),
    ];
    for (const e of retryable) assert.equal(lib.isRetryableError(e), true, `${e.name} ${(e as lib.TarashError).statusCode ?? ""}`);
    for (const e of final) assert.equal(lib.isRetryableError(e), false, `${e.name} ${(e as lib.TarashError).statusCode ?? ""}`);
  });

  it("the top-level functions work unbound, as named imports are used", async () => {
    const { generateImage, resolveModel, listModels } = lib;
    assert.deepEqual(resolveModel(undefined), { provider: "openai", model: "gpt-image-2" });
    assert.ok(listModels({ provider: "mock" }).length > 0);
    const res = await generateImage({ provider: "mock", mock: { latencyMs: 0 } }, { prompt: "unbound", size: "16x16" });
    assert.equal(res.status, "completed");
  });
});
