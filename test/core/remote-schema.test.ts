import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../../src/core/errors.js";
import { RemoteSchemaCache } from "../../src/core/remote-schema/cache.js";
import { SchemaShapeError, compileInputSchema } from "../../src/core/remote-schema/compile.js";
import { remapAliases } from "../../src/core/remote-schema/map.js";
import { checkInput } from "../../src/core/remote-schema/validate.js";
import { ACME_T2I_DOC } from "../fakes/fal-openapi.js";
import { SKETCHY } from "../fakes/replicate-openapi.js";

type Json = Record<string, unknown>;
const strict = { mode: "strict" as const, subject: "test model" };
const coerce = { mode: "coerce" as const, subject: "test model" };

const replicateSpec = () => {
  const openapi = (SKETCHY.model.latest_version as Json).openapi_schema as Json;
  return compileInputSchema(((openapi.components as Json).schemas as Json).Input, openapi);
};
const falSpec = () => {
  const schemas = (ACME_T2I_DOC.components as Json).schemas as Json;
  const name = Object.keys(schemas).find((k) => k.endsWith("Input"))!;
  return compileInputSchema({ $ref: `#/components/schemas/${name}` }, ACME_T2I_DOC);
};

describe("remote schema: compile", () => {
  it("follows Cog's allOf/$ref enums and fal's anyOf of a $ref and a preset enum", () => {
    const r = replicateSpec();
    assert.deepEqual(r.fields.get("aspect_ratio")!.enum, ["1:1", "16:9", "9:16", "4:3", "3:4"]);
    assert.deepEqual(r.required, ["prompt"]);
    const f = falSpec();
    const size = f.fields.get("image_size")!;
    assert.equal(size.anyOf!.length, 2);
    assert.equal(size.anyOf![0]!.properties!.get("width")!.exclusiveMinimum, 0);
    assert.deepEqual(checkInput({ prompt: "x", image_size: { width: 640, height: 480 } }, f, strict).input.image_size, { width: 640, height: 480 });
    assert.throws(() => checkInput({ prompt: "x", image_size: "huge" }, f, strict), /image_size must be/);
    assert.throws(() => checkInput({ prompt: "x", image_size: { width: 0, height: 480 } }, f, strict), ValidationError);
  });

  it("OpenAPI 3.0 boolean exclusive bounds and nullable", () => {
    const spec = compileInputSchema({ type: "object", properties: { s: { type: "number", minimum: 0, exclusiveMinimum: true, nullable: true } } }, {});
    assert.throws(() => checkInput({ s: 0 }, spec, strict), /above 0/);
    assert.deepEqual(checkInput({ s: null }, spec, strict).input, { s: null });
  });

  it("a self-referencing schema compiles without looping, and a schema with no properties is refused", () => {
    const root = { components: { schemas: { Node: { type: "object", properties: { child: { $ref: "#/components/schemas/Node" }, v: { type: "integer" } } } } } };
    const spec = compileInputSchema({ $ref: "#/components/schemas/Node" }, root);
    assert.ok(spec.fields.has("child"));
    assert.throws(() => compileInputSchema({ type: "object" }, {}), SchemaShapeError);
    assert.throws(() => compileInputSchema({ $ref: "#/nowhere" }, {}), SchemaShapeError);
    assert.throws(() => compileInputSchema({ $ref: "https://evil.example/schema.json" }, {}), /only local references/);
  });
});

describe("remote schema: check", () => {
  it("strict lists every problem with the field and the allowed values", () => {
    const err = (() => {
      try {
        checkInput({ aspect_ratio: "2:1", num_outputs: 9, extra: 1 }, replicateSpec(), { ...strict, fieldName: (w) => (w === "aspect_ratio" ? "aspectRatio" : w === "prompt" ? "prompt" : `extraParams.${w}`) });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ValidationError);
    assert.deepEqual(err.issues.map((i) => i.field), ["aspectRatio", "extraParams.num_outputs", "extraParams.extra", "prompt"]);
    assert.deepEqual(err.issues[0]!.allowed, ["1:1", "16:9", "9:16", "4:3", "3:4"]);
    assert.match(err.issues[3]!.message, /required/);
  });

  it("coerce: a list of one for a single input, one value for a list, nearest numeric enum, integer rounding", () => {
    const spec = compileInputSchema(
      {
        type: "object",
        properties: {
          one: { type: "string" },
          many: { type: "array", items: { type: "string" }, maxItems: 2 },
          duration: { type: "integer", enum: [5, 10] },
          steps: { type: "integer", minimum: 1, maximum: 50 },
        },
      },
      {},
    );
    const { input, warnings } = checkInput({ one: ["a"], many: "b", duration: 8, steps: 7.6 }, spec, coerce);
    assert.deepEqual(input, { one: "a", many: ["b"], duration: 10, steps: 8 });
    assert.equal(warnings.length, 4);
    const trimmed = checkInput({ many: ["a", "b", "c"] }, spec, coerce);
    assert.deepEqual(trimmed.input, { many: ["a", "b"] });
    assert.match(trimmed.warnings[0]!, /only the first 2/);
  });

  it("remaps a generic name to the schema's own, converting list and single", () => {
    const spec = replicateSpec();
    const input: Json = { prompt: "x", image_url: "https://a/1.png" };
    assert.deepEqual(remapAliases(input, spec, [["image_url", "image_urls", "input_image"]]), [{ from: "image_url", to: "input_image" }]);
    assert.deepEqual(input, { prompt: "x", input_image: "https://a/1.png" });
    const listed: Json = { image_urls: ["https://a/1.png"] };
    remapAliases(listed, spec, [["image_url", "image_urls", "input_image"]]);
    assert.deepEqual(listed, { input_image: "https://a/1.png" });
  });
});

describe("remote schema: cache", () => {
  it("is bounded, expires, shares one load between concurrent callers and remembers failures briefly", async () => {
    let now = 0;
    const cache = new RemoteSchemaCache({ maxEntries: 2, ttlMs: 1_000, failureTtlMs: 100, now: () => now });
    let loads = 0;
    const load = (doc: unknown) => async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return doc;
    };
    const id = (d: unknown) => d;
    const [a, b] = await Promise.all([cache.get("a", load("A"), id), cache.get("a", load("A"), id)]);
    assert.equal(a, "A");
    assert.equal(b, "A");
    assert.equal(loads, 1, "one load for two concurrent first uses");
    await cache.get("b", load("B"), id);
    await cache.get("c", load("C"), id);
    assert.equal(cache.size, 2, "bounded");
    await cache.get("a", load("A"), id);
    assert.equal(loads, 4, "a was evicted (least recently used) and loaded again");
    await cache.get("a", load("A"), id);
    assert.equal(loads, 4);
    now += 1_001;
    await cache.get("a", load("A"), id);
    assert.equal(loads, 5, "expired after its TTL");

    const failing = async () => {
      loads++;
      throw new Error("down");
    };
    await assert.rejects(cache.get("x", failing, id), /down/);
    await assert.rejects(cache.get("x", failing, id), /down/);
    assert.equal(loads, 6, "a failure is remembered for failureTtlMs");
    now += 101;
    await assert.rejects(cache.get("x", failing, id), /down/);
    assert.equal(loads, 7);
    await assert.rejects(cache.get("bad", load({}), () => {
      throw new SchemaShapeError("no Input");
    }), /no Input/);
  });
});
