import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ModelCapability } from "../../src/core/capabilities.js";
import type { ProviderDefinition } from "../../src/core/provider.js";
import { Registry } from "../../src/core/registry.js";

const provider = (id: string, models: ModelCapability[] = []): ProviderDefinition =>
  ({ id, models, generateImage: async () => ({ images: [] }) }) as unknown as ProviderDefinition;
const cap = (p: string, model: string, extra: Partial<ModelCapability> = {}): ModelCapability => ({ provider: p, model, kind: "image", ...extra });

describe("registry lookups (maps built once, rebuilt after a registration)", () => {
  it("answers from its own and the parent's catalog, in provider order", () => {
    const parent = new Registry();
    parent.registerProvider(provider("zeta", [cap("zeta", "shared")]));
    parent.registerProvider(provider("alpha", [cap("alpha", "shared", { aliases: ["Nick"] })]));
    const child = new Registry(parent);
    child.registerProvider(provider("mid", [cap("mid", "SHARED")]));
    assert.deepEqual(child.providerIds(), ["alpha", "mid", "zeta"]);
    assert.deepEqual(child.providersForModel("shared").map((c) => c.provider), ["alpha", "mid", "zeta"]);
    assert.deepEqual(child.providersForModel("nick").map((c) => c.model), ["shared"], "aliases, case-insensitively");
    assert.deepEqual(child.providersForModel("toString"), []);
  });

  it("a registration in the parent after the child has answered is seen by the child", () => {
    const parent = new Registry();
    parent.registerProvider(provider("one", [cap("one", "m")]));
    const child = new Registry(parent);
    assert.deepEqual(child.providerIds(), ["one"]);
    assert.equal(child.providersForModel("late").length, 0);
    parent.registerProvider(provider("two", [cap("two", "late")]));
    assert.deepEqual(child.providerIds(), ["one", "two"]);
    assert.deepEqual(child.providersForModel("late").map((c) => c.provider), ["two"]);
    parent.registerModel(cap("one", "late"));
    assert.deepEqual(child.providersForModel("late").map((c) => c.provider), ["one", "two"]);
    assert.ok(child.listModels().some((m) => m.provider === "one" && m.model === "late"));
  });

  it("a local entry overrides the inherited one; models of unregistered providers are listed but never resolve", () => {
    const parent = new Registry();
    parent.registerProvider(provider("p", [cap("p", "m", { maxN: 1 })]));
    const child = new Registry(parent);
    child.registerModel(cap("p", "m", { maxN: 4 }));
    child.registerModel(cap("ghost", "m"));
    assert.deepEqual(child.providersForModel("m").map((c) => [c.provider, c.maxN]), [["p", 4]]);
    assert.deepEqual(
      child.listModels({ provider: "p" }).map((c) => c.maxN),
      [4],
    );
    assert.equal(parent.providersForModel("m")[0]!.maxN, 1, "the parent is untouched");
    assert.ok(child.listModels().some((m) => m.provider === "ghost"));
  });

  it("answers are copies: a caller mutating one cannot change the next answer", () => {
    const r = new Registry();
    r.registerProvider(provider("p", [cap("p", "m")]));
    r.providerIds().push("intruder");
    r.providersForModel("m").length = 0;
    r.listModels().length = 0;
    assert.deepEqual(r.providerIds(), ["p"]);
    assert.equal(r.providersForModel("m").length, 1);
    assert.equal(r.listModels().length, 1);
  });
});
