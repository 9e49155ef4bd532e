/**
 * Replicate's published input schemas, for models the catalog does not know. Every model version
 * carries its Cog-generated OpenAPI document in `openapi_schema`; the input object schema is
 * `components.schemas.Input`, whose enum fields point at sibling component schemas through
 * `allOf: [{ $ref: "#/components/schemas/aspect_ratio" }]`. `GET /v1/models/{owner}/{name}` gives the
 * model with `latest_version.openapi_schema`; `GET /v1/models/{owner}/{name}/versions/{id}` a pinned
 * version's (`{ id, created_at, cog_version, openapi_schema }`). Both need the API token. Sources:
 * https://replicate.com/docs/reference/http#models.get, replicate-javascript `Model`/`ModelVersion` types (2026-12-07).
 */
import { sha256Hex } from "../../core/digest.js";
import type { AdapterContext } from "../../core/provider.js";
import { type InputSpec, SchemaShapeError } from "../../core/remote-schema/compile.js";
import { fetchJsonDocument } from "../../core/remote-schema/fetch.js";
import { pickField, remapAliases } from "../../core/remote-schema/map.js";
import { checkPublishedInput, publishedInputSpec } from "../../core/remote-schema/published.js";
import type { ImageInputType } from "../../core/types.js";
import { replicateErrorParser } from "./errors.js";
import { type ReplicateImageField, type ReplicateImageHints, catalogEntry } from "./models.js";
import { videoCatalogEntry } from "./video-models.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const MODEL_ID = /^([\w.-]+)\/([\w.-]+)(?::([0-9a-zA-Z]+))?$/;

/** `components.schemas.Input` of a model (with `latest_version`) or of a version object. */
export function locateReplicateInput(document: unknown): { schema: unknown; root: unknown } {
  if (!isObject(document)) throw new SchemaShapeError("the answer is not an object");
  const version = isObject(document.latest_version) ? document.latest_version : document;
  if (document.latest_version === null) throw new SchemaShapeError("the model has no version yet");
  let openapi = version.openapi_schema;
  if (typeof openapi === "string") openapi = JSON.parse(openapi) as unknown;
  if (!isObject(openapi)) throw new SchemaShapeError("the version has no openapi_schema");
  const schemas = isObject(openapi.components) && isObject(openapi.components.schemas) ? openapi.components.schemas : undefined;
  if (!schemas || !isObject(schemas.Input)) throw new SchemaShapeError("openapi_schema has no components.schemas.Input");
  return { schema: schemas.Input, root: openapi };
}

/** The published input schema of a model the catalog does not know; undefined for catalog models. */
export async function replicateInputSpec(ctx: AdapterContext, model: string): Promise<InputSpec | undefined> {
  // A pinned version of a catalog model keeps the catalog's mapping, as unpinned.
  if (ctx.capability !== undefined || !ctx.remoteSchemas || catalogEntry(model) || videoCatalogEntry(model)) return undefined;
  const m = MODEL_ID.exec(model.trim());
  if (!m) return undefined;
  const [, owner, name, version] = m as unknown as [string, string, string, string | undefined];
  const path = `/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}${version ? `/versions/${encodeURIComponent(version)}` : ""}`;
  const cache = ctx.remoteSchemas;
  // Private models are visible to some tokens only: one token's schema is never shown to another
  // (a digest of the token scopes the entry; the token itself is never stored).
  const scope = (await sha256Hex(ctx.apiKey ?? "")).slice(0, 16);
  return publishedInputSpec(ctx, {
    key: `replicate ${ctx.baseUrl}${path} ${scope}`,
    locate: locateReplicateInput,
    load: () => {
      const http = ctx.http({ headers: { authorization: `Bearer ${ctx.requireApiKey()}` }, parseError: replicateErrorParser({ notFoundField: "model" }) });
      return fetchJsonDocument(http, path, { maxBytes: cache.maxBytes, timeoutMs: cache.fetchTimeoutMs });
    },
  });
}

/** Input names that hold one kind of image, most specific first. */
const IMAGE_FIELDS: Readonly<Record<ImageInputType, readonly string[]>> = {
  reference: ["input_images", "image_input", "input_image", "image", "images", "reference_images", "image_prompt"],
  first_frame: ["start_image", "first_frame_image", "first_frame", "image", "input_image"],
  last_frame: ["end_image", "last_frame_image", "last_frame"],
  style: ["style_image", "style_reference_images", "style_images"],
  asset: ["input_images", "image_input", "reference_images"],
};

function imageField(spec: InputSpec, names: readonly string[]): ReplicateImageField | undefined {
  const field = pickField(spec, names);
  if (!field) return undefined;
  const node = spec.fields.get(field)!;
  const list = node.types.includes("array") || (node.anyOf?.some((b) => b.types.includes("array")) ?? false);
  return list ? { field, list } : { field };
}

/** Mapping hints read off a published schema: the same hints a catalog entry declares. */
export function replicateHintsFromSpec(spec: InputSpec): ReplicateImageHints {
  const has = (n: string) => spec.fields.has(n);
  const first = (...names: string[]) => names.find(has);
  const formats = spec.fields.get("output_format")?.enum ?? [];
  const images: Partial<Record<ImageInputType, ReplicateImageField>> = {};
  for (const type of Object.keys(IMAGE_FIELDS) as ImageInputType[]) {
    const f = imageField(spec, IMAGE_FIELDS[type]);
    if (f) images[type] = f;
  }
  const hints: ReplicateImageHints = { images };
  const set = <K extends keyof ReplicateImageHints>(key: K, value: ReplicateImageHints[K] | undefined) => {
    if (value !== undefined) hints[key] = value;
  };
  set("aspectRatio", first("aspect_ratio"));
  set("count", first("num_outputs", "num_images", "number_of_images"));
  set("seed", first("seed"));
  set("negativePrompt", first("negative_prompt"));
  set("outputFormat", first("output_format"));
  if (formats.includes("jpg") && !formats.includes("jpeg")) hints.outputFormatValues = { jpeg: "jpg" };
  set("enhancePrompt", first("prompt_upsampling", "enhance_prompt"));
  set("style", first("style"));
  set("size", first("size"));
  set("resolution", first("resolution"));
  set("mask", first("mask", "mask_image"));
  return hints;
}

/** Names that carry the same frame across models; the generic video mapping uses the first. */
const FRAME_ALIASES: readonly (readonly string[])[] = [
  ["image", "start_image", "first_frame_image", "input_image"],
  ["end_image", "last_frame_image", "last_frame"],
];

/** Check a built input against the schema; errors name the request field the caller set. */
export function checkReplicateInput(
  ctx: AdapterContext,
  spec: InputSpec,
  input: Record<string, unknown>,
  fieldNames: Readonly<Record<string, string>> | undefined,
): Record<string, unknown> {
  const out = { ...input };
  // The gateway always has a prompt; a model without one (an upscaler) just does not get it.
  if (!spec.fields.has("prompt") && out.prompt !== undefined) {
    delete out.prompt;
    ctx.warn(`replicate model ${ctx.model} takes no prompt; it was not sent`);
  }
  const renamed = new Map(remapAliases(out, spec, FRAME_ALIASES).map((r) => [r.to, r.from]));
  const name = (wire: string) => fieldNames?.[renamed.get(wire) ?? wire] ?? `extraParams.${wire}`;
  return checkPublishedInput(ctx, spec, out, name).input;
}
