import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError, createGateway } from "../../src/index.js";

/** Names that exist on every plain object through Object.prototype. */
const NAMES = ["toString", "__proto__", "constructor", "hasOwnProperty"];

const gw = createGateway({ logLevel: "silent", aliases: { sdxl: "mock/mock-image" } });

const names = (field: string, name: string) => (e: unknown) =>
  e instanceof ValidationError && e.issues.some((i) => i.field === field) && e.message.includes(JSON.stringify(name));

describe("Object.prototype names are ordinary unknown names", () => {
  it("as a model: a ValidationError naming the model, nothing runs", async () => {
    for (const name of NAMES) {
      await assert.rejects(gw.generateImage({ model: name }, { prompt: "x" }), names("model", name), name);
      await assert.rejects(gw.generateVideo({ model: name }, { prompt: "x" }), names("model", name), name);
      assert.throws(() => gw.resolveModel(name), names("model", name), name);
    }
  });

  it("as a provider: a ValidationError naming the provider", async () => {
    for (const name of NAMES) {
      await assert.rejects(gw.generateImage({ provider: name, model: "mock-image" }, { prompt: "x" }), names("provider", name), name);
    }
  });

  it("as a request field: kept as a provider extra, never a schema field or a prototype", () => {
    const raw = JSON.parse('{"prompt":"x","constructor":"c","toString":"t","__proto__":{"n":3}}') as Record<string, unknown>;
    const { request } = gw.validateRequest({ provider: "mock", model: "mock-image" }, raw as never);
    assert.equal(request.n, undefined, "__proto__ did not become the request's prototype");
    const extra = new Map(Object.entries(request.extraParams ?? {}));
    assert.equal(extra.get("constructor"), "c");
    assert.equal(extra.get("toString"), "t");
    assert.deepEqual(extra.get("__proto__"), { n: 3 });
  });
});
