import type { ModelCapability } from "../../core/capabilities.js";
import { ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import { dimensionsForRatio, formatSize, nearestSize, parseRatio } from "../../core/sizes.js";
import type { MediaInput, NormalizedImageRequest } from "../../core/types.js";
import type { OpenAIImageFamily } from "./models.js";
import { IMAGE_OPERATIONS, type ImageOperation } from "./options.js";

/** The Images API path segment for each operation. */
export const OPERATION_PATH: Record<ImageOperation, "generations" | "edits" | "variations"> = {
  generate: "generations",
  edit: "edits",
  variation: "variations",
};

const FIXED_SIZES: Record<OpenAIImageFamily, readonly string[]> = {
  "dall-e-2": ["256x256", "512x512", "1024x1024"],
  "dall-e-3": ["1024x1024", "1792x1024", "1024x1792"],
  "gpt-image": ["1024x1024", "1536x1024", "1024x1536"],
};

/** Target pixel count of each resolution tier for free-size models (4K is the 3840×2160 maximum). */
const TIER_MEGAPIXELS: Record<string, number> = { "1K": 1024 * 1024, "2K": 2048 * 2048, "4K": 3840 * 2160 };

/**
 * The wire family of a model: from the catalog, else from the id. Unknown ids that are not dall-e are
 * treated as GPT image models (every new OpenAI image model is), which also covers date-suffixed
 * Azure deployment ids such as `gpt-image-1.5-2025-12-16`.
 */
export function imageFamily(model: string, capability: ModelCapability | undefined): OpenAIImageFamily {
  const hinted = capability?.adapterHints?.family;
  if (hinted === "dall-e-2" || hinted === "dall-e-3" || hinted === "gpt-image") return hinted;
  if (/^dall-e-2/i.test(model)) return "dall-e-2";
  if (/^dall-e/i.test(model)) return "dall-e-3";
  return "gpt-image";
}

/** Our control key inside `extraParams`; everything else there goes to OpenAI verbatim. */
const OPERATION_KEY = "operation";

export function resolveOperation(
  req: NormalizedImageRequest,
  configured: unknown,
  family: OpenAIImageFamily,
  model: string,
): ImageOperation {
  const requested = req.extraParams?.[OPERATION_KEY] ?? configured;
  if (requested !== undefined && !IMAGE_OPERATIONS.includes(requested as ImageOperation)) {
    throw new ValidationError(`operation must be one of: ${IMAGE_OPERATIONS.join(", ")}`, {
      issues: [{ field: "extraParams.operation", message: "unknown operation", allowed: IMAGE_OPERATIONS }],
    });
  }
  const images = req.imageList?.length ?? 0;
  const op = (requested as ImageOperation | undefined) ?? (images > 0 ? "edit" : "generate");
  const fail = (field: string, message: string) => {
    throw new ValidationError(`${model}: ${message}`, { issues: [{ field, message }] });
  };
  if (op === "generate" && images > 0) fail("imageList", "generations take no input images; use operation \"edit\"");
  if (op !== "edit" && req.maskImage !== undefined) fail("maskImage", "a mask needs an edit (imageList with at least one image)");
  if (op === "edit" && images === 0) fail("imageList", "an edit needs at least one input image");
  if (op === "edit" && family === "dall-e-3") fail("imageList", "dall-e-3 has no edits endpoint");
  if (op === "variation") {
    if (family !== "dall-e-2") fail("extraParams.operation", "variations are served by dall-e-2 only");
    if (images !== 1) fail("imageList", "a variation takes exactly one input image (a square PNG)");
  }
  return op;
}

/** A size for the wire: the request's, else one derived from aspectRatio / resolution. */
function wireSize(ctx: AdapterContext, req: NormalizedImageRequest, family: OpenAIImageFamily): string | undefined {
  if (req.size !== undefined) {
    if (req.resolution !== undefined) ctx.warn(`resolution ${req.resolution} was not sent: size ${req.size} decides the output size`);
    return req.size;
  }
  if (req.aspectRatio === undefined && req.resolution === undefined) return undefined;
  const constraints = ctx.capability?.sizeConstraints;
  if (constraints) {
    // Free-size models (gpt-image-2): pixels from the tier, shape from the ratio, within the limits.
    const ratio = req.aspectRatio ?? "1:1";
    const multiple = constraints.multipleOf ?? 16;
    const pixels = TIER_MEGAPIXELS[req.resolution ?? "1K"] ?? TIER_MEGAPIXELS["1K"]!;
    const d = dimensionsForRatio(ratio, pixels / 1e6, multiple) ?? { width: 1024, height: 1024 };
    const maxSide = constraints.maxSide ?? Infinity;
    const maxPixels = constraints.maxPixels ?? Infinity;
    const scale = Math.min(1, maxSide / Math.max(d.width, d.height), Math.sqrt(maxPixels / (d.width * d.height)));
    const fit = (v: number) => Math.max(multiple, Math.floor((v * scale) / multiple) * multiple);
    return formatSize({ width: fit(d.width), height: fit(d.height) });
  }
  // Only unknown models get here: the catalog turns ratios into sizes for known fixed-size models.
  const ratio = parseRatio(req.aspectRatio ?? "1:1") ?? 1;
  const chosen = nearestSize({ width: Math.round(1024 * Math.sqrt(ratio)), height: Math.round(1024 / Math.sqrt(ratio)) }, FIXED_SIZES[family]);
  if (chosen) ctx.warn(`aspectRatio/resolution were sent as size ${chosen}, the nearest ${family} size`);
  return chosen;
}

/**
 * GPT-image-only body fields, taken from `extraParams` (where unknown top-level request fields land too),
 * so they can be checked per model instead of earning a 400 `unknown_parameter` from OpenAI.
 */
const GPT_IMAGE_ENUMS: Record<string, { allowed: readonly string[]; generationsOnly?: boolean }> = {
  background: { allowed: ["transparent", "opaque", "auto"] },
  moderation: { allowed: ["auto", "low"], generationsOnly: true },
};
/** The wire name each accepted key goes out under. */
const GPT_IMAGE_KEYS: Record<string, string> = {
  background: "background",
  moderation: "moderation",
  output_compression: "output_compression",
  outputCompression: "output_compression",
};

/**
 * `background`, `moderation` and `output_compression` for the wire, or refused: wrong model family,
 * wrong operation, a value OpenAI does not take, or a combination it rejects. A refusal is a
 * ValidationError in strict mode and a warning (field not sent) in coerce mode.
 */
function gptImageOptions(
  ctx: AdapterContext,
  req: NormalizedImageRequest,
  family: OpenAIImageFamily,
  op: ImageOperation,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // The raw wire name in extraParams wins, as it does in the body.
  const raw = req.extraParams?.output_format;
  const format = typeof raw === "string" ? raw : (req.outputFormat ?? "png");
  for (const [key, value] of Object.entries(req.extraParams ?? {})) {
    const wire = Object.hasOwn(GPT_IMAGE_KEYS, key) ? GPT_IMAGE_KEYS[key] : undefined;
    if (wire === undefined || value === undefined) continue;
    const field = `extraParams.${key}`;
    const refuse = (why: string, allowed?: readonly (string | number)[]) => {
      if (ctx.validation === "strict") {
        throw new ValidationError(`${ctx.model}: ${field} ${JSON.stringify(value)}: ${why}`, {
          issues: [{ field, message: why, ...(allowed ? { allowed } : {}) }],
        });
      }
      ctx.warn(`${field} was not sent: ${why}`);
    };
    const spec = Object.hasOwn(GPT_IMAGE_ENUMS, wire) ? GPT_IMAGE_ENUMS[wire] : undefined;
    if (family !== "gpt-image") refuse(`only GPT image models take ${wire} (${family} does not)`);
    else if (spec && !spec.allowed.includes(value as string)) refuse(`allowed: ${spec.allowed.join(", ")}`, spec.allowed);
    else if (spec?.generationsOnly && op !== "generate") refuse(`${wire} applies to generations only, not ${OPERATION_PATH[op]}`);
    else if (wire === "output_compression" && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100)) {
      refuse("an integer from 0 to 100", ["0..100"]);
    } else if (wire === "output_compression" && format === "png") {
      refuse("compression applies to jpeg and webp output only (set outputFormat)", ["jpeg", "webp"]);
    } else if (wire === "background" && value === "transparent" && format === "jpeg") {
      refuse("a transparent background needs outputFormat png or webp", ["png", "webp"]);
    } else out[wire] = value;
  }
  return out;
}

/**
 * The OpenAI fields for one request (before JSON or multipart encoding). Known models arrive already
 * validated against the catalog, so the warnings here only fire for unknown models.
 */
export function wireParams(
  ctx: AdapterContext,
  req: NormalizedImageRequest,
  family: OpenAIImageFamily,
  op: ImageOperation,
): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  const notSent = (field: string, why: string) => ctx.warn(`${field} was not sent: ${why}`);
  if (op === "variation") notSent("prompt", "variations take no prompt");
  else p.prompt = req.prompt;
  if (req.n !== undefined) p.n = req.n;
  const size = wireSize(ctx, req, family);
  if (size !== undefined) p.size = size;
  if (req.quality !== undefined) {
    if (op === "variation") notSent("quality", "variations take no quality");
    else p.quality = req.quality;
  }
  if (req.style !== undefined) {
    if (family === "dall-e-3" && op === "generate") p.style = req.style;
    else notSent("style", "only dall-e-3 generations take a style");
  }
  if (req.outputFormat !== undefined) {
    if (family === "gpt-image") p.output_format = req.outputFormat;
    else if (req.outputFormat !== "png") notSent("outputFormat", `${family} returns PNG only`);
  }
  // dall-e returns expiring URLs by default; ask for the bytes. GPT image models reject this field.
  if (family !== "gpt-image") p.response_format = "b64_json";
  if (req.negativePrompt !== undefined) notSent("negativePrompt", "OpenAI image models take no negative prompt");
  if (req.seed !== undefined) notSent("seed", "OpenAI image models take no seed");
  if (req.enhancePrompt !== undefined) notSent("enhancePrompt", "OpenAI image models have no prompt-enhancement switch");
  Object.assign(p, gptImageOptions(ctx, req, family, op));
  for (const [k, v] of Object.entries(req.extraParams ?? {})) if (k !== OPERATION_KEY && !Object.hasOwn(GPT_IMAGE_KEYS, k)) p[k] = v;
  return p;
}

/** Multipart body for edits and variations: files first, then every other field. */
export async function multipartBody(
  ctx: AdapterContext,
  req: NormalizedImageRequest,
  params: Record<string, unknown>,
): Promise<FormData> {
  const form = new FormData();
  const images = req.imageList ?? [];
  // One file goes as `image`, several as repeated `image[]` (what OpenAI's own clients send).
  const key = images.length > 1 ? "image[]" : "image";
  for (const [i, item] of images.entries()) {
    const file = await ctx.media.toFile(item.image, `imageList.${i}.image`, `image_${i}`);
    form.append(key, file.blob, file.filename);
  }
  if (req.maskImage !== undefined) {
    const mask = await ctx.media.toFile(req.maskImage as MediaInput, "maskImage", "mask");
    form.append("mask", mask.blob, mask.filename);
  }
  for (const [k, v] of Object.entries(params)) appendField(form, k, v);
  return form;
}

function appendField(form: FormData, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) appendField(form, key.endsWith("[]") ? key : `${key}[]`, item);
  } else if (value instanceof Blob) {
    form.append(key, value);
  } else if (value instanceof Uint8Array) {
    form.append(key, new Blob([value as Uint8Array<ArrayBuffer>]));
  } else if (typeof value === "object") {
    form.append(key, JSON.stringify(value));
  } else {
    form.append(key, String(value));
  }
}
