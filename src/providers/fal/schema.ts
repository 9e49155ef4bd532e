/**
 * fal's published input schemas, for models the catalog does not know. fal's Platform API serves
 * each endpoint's OpenAPI 3.0 document: `GET https://api.fal.ai/v1/models?endpoint_id=<id>&expand=openapi-3.0`
 * (auth optional, `Authorization: Key …` raises rate limits) answers `{ models: [{ endpoint_id,
 * metadata, openapi }], next_cursor, has_more }`; `openapi` is the queue document (or `{ error }`), in
 * which `paths["/<id>"].post.requestBody.content["application/json"].schema` references the input
 * schema under `components.schemas`. Source: https://fal.ai/docs/platform-apis/v1/models (2026-12-07).
 */
import type { ModelCapability } from "../../core/capabilities.js";
import { ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import type { InputSpec } from "../../core/remote-schema/compile.js";
import { SchemaShapeError } from "../../core/remote-schema/compile.js";
import { fetchJsonDocument } from "../../core/remote-schema/fetch.js";
import { remapAliases } from "../../core/remote-schema/map.js";
import { checkPublishedInput, publishedInputSpec } from "../../core/remote-schema/published.js";
import { nearestRatio, parseSize, ratioOf } from "../../core/sizes.js";
import type { NormalizedImageRequest } from "../../core/types.js";
import { parseFalError } from "./errors.js";
import type { FalImageHints } from "./models.js";

export const FAL_PLATFORM_API = "https://api.fal.ai/v1";
const FAL_HOST = /(^|\.)fal\.(run|ai|media)$/i;

/** Names that carry the same thing across fal models; the generic mapping uses the first ones. */
const ALIASES: readonly (readonly string[])[] = [
  ["image_url", "image_urls", "input_image_url", "input_image", "input_images", "image", "images", "image_input", "reference_image_urls", "reference_images"],
  ["mask_url", "mask_image_url", "mask_image", "mask"],
  ["enhance_prompt", "expand_prompt", "prompt_expansion", "prompt_upsampling"],
];

/** The request field each alias group comes from, for messages about its inputs. */
const ALIAS_FIELDS = ["imageList", "maskImage", "enhancePrompt"] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Where the Platform API is: `providerConfig.platformApiUrl`, else api.fal.ai for fal's own queue
 * host, else `<baseUrl>/v1` (a proxy or a test server that serves both).
 */
export function falPlatformUrl(ctx: Pick<AdapterContext, "baseUrl" | "providerConfig">): string {
  const configured = ctx.providerConfig.platformApiUrl;
  if (typeof configured === "string" && /^https?:\/\//i.test(configured)) return configured.replace(/\/+$/, "");
  try {
    if (FAL_HOST.test(new URL(ctx.baseUrl).hostname)) return FAL_PLATFORM_API;
  } catch {
    // An unparseable baseUrl fails at submit with its own message.
  }
  return `${ctx.baseUrl}/v1`;
}

/** The input schema inside a Platform API answer for one endpoint. */
export function locateFalInput(document: unknown, endpointId: string): { schema: unknown; root: unknown } {
  const models = isObject(document) && Array.isArray(document.models) ? document.models : undefined;
  if (!models) throw new SchemaShapeError("the answer has no models list");
  const entry = models.find((m): m is Json => isObject(m) && m.endpoint_id === endpointId);
  if (!entry) throw new SchemaShapeError(`fal does not list ${endpointId}`);
  const openapi = entry.openapi;
  if (!isObject(openapi)) throw new SchemaShapeError("the model has no OpenAPI document");
  if (typeof openapi.error === "string") throw new SchemaShapeError(`fal has no schema for it: ${openapi.error}`);
  const paths = isObject(openapi.paths) ? openapi.paths : {};
  const own = paths[`/${endpointId}`];
  const candidates = [own, ...Object.values(paths)];
  for (const item of candidates) {
    const post = isObject(item) && isObject(item.post) ? item.post : undefined;
    const body = post && isObject(post.requestBody) && isObject(post.requestBody.content) ? post.requestBody.content["application/json"] : undefined;
    if (isObject(body) && body.schema !== undefined) return { schema: body.schema, root: openapi };
  }
  throw new SchemaShapeError("the OpenAPI document has no POST request body");
}

/** Whether a model id can have a published schema (not a full URL, not a legacy numeric app id). */
function schemaEndpoint(modelId: string): string | undefined {
  if (/^https?:\/\//i.test(modelId) || /^\d+-/.test(modelId)) return undefined;
  return modelId.replace(/^\/+|\/+$/g, "");
}

/** The published input schema of a model the catalog does not know; undefined for catalog models. */
export async function falInputSpec(ctx: AdapterContext, modelId: string = ctx.model): Promise<InputSpec | undefined> {
  if (ctx.capability !== undefined || ctx.providerConfig.remoteSchema === false) return undefined;
  const endpointId = schemaEndpoint(modelId);
  if (!endpointId || !ctx.remoteSchemas) return undefined;
  const platform = falPlatformUrl(ctx);
  const cache = ctx.remoteSchemas;
  return publishedInputSpec(ctx, {
    key: `fal ${platform}/models?endpoint_id=${endpointId}`,
    locate: (document) => locateFalInput(document, endpointId),
    load: () => {
      const headers: Record<string, string> = ctx.apiKey ? { authorization: `Key ${ctx.apiKey}` } : {};
      const http = ctx.http({ headers, parseError: (input) => parseFalError(input) });
      return fetchJsonDocument(http, `${platform}/models`, { maxBytes: cache.maxBytes, timeoutMs: cache.fetchTimeoutMs, query: { endpoint_id: endpointId, expand: "openapi-3.0" } });
    },
  });
}

/** Image-mapping hints read off a published schema (the same hints a catalog entry declares). */
export function falHintsFromSpec(spec: InputSpec): FalImageHints {
  const has = (name: string) => spec.fields.has(name);
  return {
    sizing: has("image_size") ? "image_size" : has("aspect_ratio") ? "aspect_ratio" : "none",
    numImages: has("num_images"),
    imageField: has("image_urls") ? "image_urls" : has("image_url") ? "image_url" : undefined,
    safetyChecker: has("enable_safety_checker"),
    safetyTolerance: has("safety_tolerance"),
    enhancePromptField: has("enhance_prompt") ? "enhance_prompt" : has("expand_prompt") ? "expand_prompt" : undefined,
  };
}

const stringEnum = (spec: InputSpec, name: string): string[] | undefined => {
  const node = spec.fields.get(name);
  const values = node?.enum ?? node?.anyOf?.flatMap((b) => b.enum ?? []);
  return values?.filter((v): v is string => typeof v === "string");
};

/** A stand-in catalog entry so the image mapping reads the schema's field names. */
export function falCapabilityFromSpec(ctx: AdapterContext, spec: InputSpec): ModelCapability {
  return {
    provider: ctx.provider,
    model: ctx.model,
    kind: "image",
    resolutions: stringEnum(spec, "resolution"),
    adapterHints: falHintsFromSpec(spec) as unknown as Readonly<Record<string, unknown>>,
  };
}

/**
 * What the generic mapping cannot express: a `size` for a model that sizes by aspect ratio, and
 * request fields the schema has no input for at all (which the mapping would otherwise leave out
 * silently). Strict refuses, coerce warns.
 */
export function fitImageRequest(ctx: AdapterContext, spec: InputSpec, req: NormalizedImageRequest, input: Record<string, unknown>): void {
  const refuse = (field: string, message: string) => {
    if (ctx.validation === "coerce") {
      ctx.warn(`${field} ${message}; it was not sent`);
      return;
    }
    throw new ValidationError(`fal model ${ctx.model}: ${field} ${message}`, { issues: [{ field, message }], provider: ctx.provider, model: ctx.model });
  };
  const hints = falHintsFromSpec(spec);
  const size = req.size && req.size !== "auto" ? parseSize(req.size) : undefined;
  if (hints.sizing === "aspect_ratio" && input.aspect_ratio === undefined && size) {
    input.aspect_ratio = ratioOf(size);
    ctx.warn(`size ${req.size} was sent as aspect ratio ${String(input.aspect_ratio)}: fal model ${ctx.model} sizes by aspect ratio`);
  }
  const ratios = stringEnum(spec, "aspect_ratio");
  if (typeof input.aspect_ratio === "string" && ratios && !ratios.includes(input.aspect_ratio) && ctx.validation === "coerce") {
    const nearest = nearestRatio(input.aspect_ratio, ratios);
    if (nearest) {
      ctx.warn(`aspect ratio ${input.aspect_ratio} is not offered by fal model ${ctx.model}; ${nearest} was sent`);
      input.aspect_ratio = nearest;
    }
  }
  if (hints.sizing === "none" && (req.size !== undefined && req.size !== "auto")) refuse("size", `has no input in fal model ${ctx.model}'s schema`);
  if (hints.sizing === "none" && req.aspectRatio !== undefined) refuse("aspectRatio", `has no input in fal model ${ctx.model}'s schema`);
  if ((req.n ?? 1) > 1 && !hints.numImages) refuse("n", `must be 1: fal model ${ctx.model} takes no num_images`);
  if (req.maskImage !== undefined && !ALIASES[1]!.some((n) => spec.fields.has(n))) refuse("maskImage", `has no input in fal model ${ctx.model}'s schema`);
}

/**
 * Move generic names to the schema's own (`image_url` → `input_image`), then check the whole input.
 * Returns the input to send. Errors name the request field the caller set.
 */
export function checkFalInput(
  ctx: AdapterContext,
  spec: InputSpec,
  input: Record<string, unknown>,
  fieldName?: (wire: string) => string,
): Record<string, unknown> {
  const out = { ...input };
  // The gateway always has a prompt; a model without one (an upscaler) just does not get it.
  if (!spec.fields.has("prompt") && out.prompt !== undefined) {
    delete out.prompt;
    ctx.warn(`fal model ${ctx.model} takes no prompt; it was not sent`);
  }
  const renamed = remapAliases(out, spec, ALIASES);
  const back = new Map(renamed.map((r) => [r.to, r.from]));
  const name = (wire: string) => {
    const original = back.get(wire) ?? wire;
    const field = fieldName ? fieldName(original) : original;
    if (!field.startsWith("extraParams.") || Object.hasOwn(input, original)) return field;
    // A required input the request left empty: name the request field that would fill it.
    const group = ALIASES.findIndex((g) => g.includes(wire));
    return group >= 0 ? ALIAS_FIELDS[group]! : field;
  };
  return checkPublishedInput(ctx, spec, out, name).input;
}
