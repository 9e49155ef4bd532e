import { ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import type { AdapterImageResult, MediaInput, NormalizedImageRequest } from "../../core/types.js";
import { assetUrl, createGeneration, waitForGeneration } from "./generations.js";
import { parseLumaOptions } from "./options.js";

export const IMAGE_GENERATIONS_PATH = "/generations/image";

type Json = Record<string, unknown>;
interface Ref {
  url: string;
  weight?: number;
}

/** The AI SDK spells Luma's reference fields without `_ref`; Luma's docs use `_ref`. Both are accepted. */
const REF_ALIASES: Readonly<Record<string, string>> = {
  image: "image_ref",
  style: "style_ref",
  character: "character_ref",
  modify_image: "modify_image_ref",
};

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, { issues: [{ field, message }] });
}

/** Luma fetches every reference itself and takes no uploads, so only http(s) URLs can be sent. */
function publicUrl(input: MediaInput, field: string): string {
  if (typeof input === "string" && /^https?:\/\//i.test(input)) return input;
  const given = typeof input === "string" ? "a data: URL" : input instanceof Uint8Array ? "raw bytes" : "a Blob";
  throw invalid(field, `Luma reads reference images from a URL it can fetch and accepts no uploads or data: URLs; got ${given}. Host the image and pass its https URL`);
}

function withWeight(url: string, weight: number | undefined): Ref {
  return weight === undefined ? { url } : { url, weight };
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Mapped references from `imageList`: reference → image_ref, style → style_ref, asset → character_ref, first_frame → modify_image_ref. */
function references(ctx: AdapterContext, req: NormalizedImageRequest): Json {
  const options = parseLumaOptions(ctx.providerConfig);
  const imageRef: Ref[] = [];
  const styleRef: Ref[] = [];
  const character: string[] = [];
  let modify: Ref | undefined;
  for (const [i, item] of (req.imageList ?? []).entries()) {
    const url = publicUrl(item.image, `imageList.${i}.image`);
    switch (item.type) {
      case "reference":
        imageRef.push(withWeight(url, options.imageRefWeight));
        break;
      case "style":
        styleRef.push(withWeight(url, options.styleRefWeight));
        break;
      case "asset":
        character.push(url);
        break;
      case "first_frame":
        if (modify) throw invalid(`imageList.${i}.type`, "Luma modifies one image per generation; pass a single first_frame image");
        modify = withWeight(url, options.modifyImageWeight);
        break;
      default:
        throw invalid(`imageList.${i}.type`, `type ${JSON.stringify(item.type)} has no Luma image field; use reference, style, asset or first_frame`);
    }
  }
  const out: Json = {};
  if (imageRef.length > 0) out.image_ref = imageRef;
  if (styleRef.length > 0) out.style_ref = styleRef;
  if (character.length > 0) out.character_ref = { identity0: { images: character } };
  if (modify) out.modify_image_ref = modify;
  return out;
}

/**
 * `extraParams` go to the body as given, except that the AI SDK spellings of the reference fields are
 * renamed to Luma's documented `*_ref` names, and reference lists are appended to the mapped ones.
 */
function applyExtra(ctx: AdapterContext, body: Json, extra: Json | undefined): void {
  for (const [rawKey, value] of Object.entries(extra ?? {})) {
    const key = REF_ALIASES[rawKey] ?? rawKey;
    const current = body[key];
    if ((key === "image_ref" || key === "style_ref") && Array.isArray(current) && Array.isArray(value)) {
      body[key] = [...current, ...(value as unknown[])];
    } else if (key === "character_ref" && isObject(current) && isObject(value)) {
      body[key] = { ...current, ...value };
    } else {
      if (current !== undefined && key !== "prompt") ctx.warn(`extraParams.${rawKey} replaced the value the gateway mapped for ${key}`);
      body[key] = value;
    }
  }
}

/** Fields Photon has no parameter for; only unknown models get here (the catalog rejects them earlier). */
function checkUnmapped(ctx: AdapterContext, req: NormalizedImageRequest): void {
  for (const field of ["quality", "style", "resolution", "seed", "negativePrompt", "enhancePrompt"] as const) {
    if (req[field] !== undefined) ctx.warn(`${field} has no Luma parameter; it was not sent to ${ctx.provider}/${ctx.model}`);
  }
  if (req.size !== undefined && req.size !== "auto" && !req.aspectRatio) {
    ctx.warn(`size ${req.size} was not sent: Luma sizes by aspect_ratio; pass aspectRatio`);
  }
  if (req.maskImage !== undefined) throw invalid("maskImage", "Luma Photon takes no mask; describe the edit in the prompt with a first_frame image");
  if ((req.n ?? 1) > 1) throw invalid("n", "a Luma generation makes one image; the catalog models split n, unknown models cannot");
}

export async function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  ctx.requireApiKey();
  if (!ctx.capability) checkUnmapped(ctx, req);
  const body: Json = { prompt: req.prompt, model: ctx.model };
  if (req.aspectRatio) body.aspect_ratio = req.aspectRatio;
  if (req.outputFormat) body.format = req.outputFormat === "jpeg" ? "jpg" : req.outputFormat;
  Object.assign(body, references(ctx, req));
  applyExtra(ctx, body, req.extraParams);

  const created = await createGeneration(ctx, IMAGE_GENERATIONS_PATH, body);
  const done = await waitForGeneration(ctx, created);
  // Asset URLs are Luma CDN links that do not live forever, so the bytes are fetched now.
  const { data, mediaType } = await ctx.media.download(assetUrl(ctx, done, "image"), { field: "assets.image" });
  return {
    images: [{ data, mediaType }],
    providerRequestId: done.id,
    usage: { images: 1 },
    rawResponse: done,
  };
}
