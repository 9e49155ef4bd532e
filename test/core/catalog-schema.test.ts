import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CatalogEntrySchema } from "../../src/core/catalog-schema.js";
import { BUILTIN_PROVIDERS } from "../../src/providers/index.js";

const entries = BUILTIN_PROVIDERS.flatMap((p) => (p.models ?? []).map((m) => ({ definition: p.id, m })));

describe("the built-in catalog is valid data", () => {
  it("every entry parses against the catalog schema (lifecycle facts included)", () => {
    assert.ok(entries.length > 100, `only ${entries.length} entries`);
    const problems = entries.flatMap(({ m }) => {
      const parsed = CatalogEntrySchema.safeParse(m);
      return parsed.success ? [] : [`${m.provider}/${m.model}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`];
    });
    assert.deepEqual(problems, []);
  });

  it("each entry belongs to the provider that lists it, and ids and aliases are unique per provider", () => {
    const seen = new Map<string, string>();
    for (const { definition, m } of entries) {
      assert.equal(m.provider, definition, `${m.model} is listed by ${definition}`);
      for (const id of [m.model, ...(m.aliases ?? [])]) {
        const key = `${m.provider}\u0000${id.toLowerCase()}`;
        assert.ok(!seen.has(key), `${m.provider}/${id} is claimed by ${seen.get(key)} and ${m.model}`);
        seen.set(key, m.model);
      }
    }
  });

  it("a replacement is a model of the same provider and kind, and is not retired itself", () => {
    for (const { m } of entries) {
      if (!m.replacement) continue;
      const target = entries.find((e) => e.m.provider === m.provider && e.m.model === m.replacement)?.m;
      assert.ok(target, `${m.provider}/${m.model} → ${m.replacement}: not in the ${m.provider} catalog`);
      assert.equal(target.kind, m.kind, `${m.provider}/${m.model} → ${m.replacement}: another kind`);
      assert.notEqual(target.status, "retired", `${m.provider}/${m.model} → ${m.replacement}: retired`);
      assert.equal(target.shutdownOn, undefined, `${m.provider}/${m.model} → ${m.replacement}: has a shutdown day itself`);
    }
  });

  it("a retired entry says when or what instead, unless the provider has nothing left (Sora on OpenAI and Azure)", () => {
    for (const { m } of entries) {
      if (m.status !== "retired" || m.replacement) continue;
      assert.ok((m.provider === "openai" || m.provider === "azure-openai") && m.kind === "video" && m.shutdownOn, `${m.provider}/${m.model} is retired with no replacement`);
    }
  });

  it("no entry was verified in the future", () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const { m } of entries) assert.ok(m.verifiedOn! <= today, `${m.provider}/${m.model} verifiedOn ${m.verifiedOn}`);
  });
});
