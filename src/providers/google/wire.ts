import { ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import { nearestRatio, parseSize, ratioOf } from "../../core/sizes.js";
import type { NormalizedImageRequest } from "../../core/types.js";

export type Json = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * Merge `source` into `target` in place, recursively: objects merge, everything else replaces. Objects
 * from `source` are copied, so later edits to the body never reach the caller's `extraParams`.
 */
export function mergeDeep(target: Json, source: Json): Json {
  for (const [k, v] of Object.entries(source)) {
    const existing = target[k];
    target[k] = isPlainObject(v) ? mergeDeep(isPlainObject(existing) ? existing : {}, v) : v;
  }
  return target;
}

/** The object at `key`, created when absent. */
export function child(parent: Json, key: string): Json {
  const existing = parent[key];
  if (isPlainObject(existing)) return existing;
  const created: Json = {};
  parent[key] = created;
  return created;
}

/**
 * For a model the catalog does not know (so the core did not validate the request): a pixel `size`
 * becomes the nearest aspect ratio the API family takes, with a warning.
 */
export function ratioFromSize(ctx: AdapterContext, request: NormalizedImageRequest, ratios: readonly string[]): string | undefined {
  if (request.aspectRatio) return request.aspectRatio;
  if (!request.size || request.size === "auto") return undefined;
  const dims = parseSize(request.size);
  if (!dims) return undefined;
  const ratio = nearestRatio(dims.width / dims.height, ratios);
  if (ratio) ctx.warn(`size ${request.size} (${ratioOf(dims)}) was sent as aspect ratio ${ratio}: ${ctx.model} sizes by aspect ratio, not pixels`);
  return ratio;
}

/** Request fields an API family has no place for; reachable only for models the catalog does not know. */
export function warnUnsupported(ctx: AdapterContext, request: NormalizedImageRequest, fields: readonly (keyof NormalizedImageRequest)[]): void {
  for (const field of fields) {
    if (request[field] !== undefined) ctx.warn(`${field} is not supported by google/${ctx.model}; it was not sent`);
  }
}

export function rejectField(ctx: AdapterContext, field: string, message: string): never {
  throw new ValidationError(`Invalid request for ${ctx.provider}/${ctx.model}: ${field}: ${message}`, {
    issues: [{ field, message }],
    provider: ctx.provider,
    model: ctx.model,
  });
}

/** rawResponse without the base64 payloads: they are returned as images already, and can be megabytes. */
export function withoutImageData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutImageData);
  if (!isPlainObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = (k === "data" || k === "bytesBase64Encoded") && typeof v === "string" && v.length > 64 ? `[${v.length} base64 chars]` : withoutImageData(v);
  }
  return out;
}
