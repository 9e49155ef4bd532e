import type { SizeConstraints } from "../../core/capabilities.js";
import type { AdapterContext } from "../../core/provider.js";
import { dimensionsForRatio, formatSize, parseRatio, parseSize, roundTo, sameRatio } from "../../core/sizes.js";
import type { MediaInput, NormalizedImageRequest } from "../../core/types.js";
import type { BflHints } from "./models.js";
import type { BflOptions } from "./options.js";

/** The grid an unknown model's sides are rounded to: a multiple of every grid BFL documents (16, 32). */
const UNKNOWN_MODEL_GRID = 32;

/** Hints for ids the catalog does not know, guessed from the id's family. */
export function hintsFor(model: string, fromCatalog: Readonly<Record<string, unknown>> | undefined): BflHints & { generic: boolean } {
  const known = fromCatalog as BflHints | undefined;
  if (known?.sizing) return { ...known, generic: false };
  if (/ultra/i.test(model)) return { sizing: "ratio", imageField: "image_prompt", rawStyle: true, generic: true };
  if (/kontext/i.test(model)) return { sizing: "ratio", imageField: "input_image", generic: true };
  if (/fill/i.test(model)) return { sizing: "pixels", imageField: "image", generic: true };
  return { sizing: "pixels", imageField: "input_image", generic: true };
}

/** Dimensions of about one megapixel for a ratio, inside the model's limits, on its grid. */
function pixelsForRatio(ratio: string, c: SizeConstraints): { width: number; height: number } | undefined {
  const multiple = c.multipleOf ?? 16;
  const d = dimensionsForRatio(ratio, 1.0, multiple);
  if (!d) return undefined;
  let scale = 1;
  if (c.maxSide) scale = Math.min(scale, c.maxSide / Math.max(d.width, d.height));
  if (c.maxPixels) scale = Math.min(scale, Math.sqrt(c.maxPixels / (d.width * d.height)));
  if (c.minSide) scale = Math.max(scale, c.minSide / Math.min(d.width, d.height));
  const fit = (v: number) => {
    let out = roundTo(v * scale, multiple);
    if (c.maxSide && out > c.maxSide) out -= multiple;
    if (c.minSide && out < c.minSide) out += multiple;
    return out;
  };
  return { width: fit(d.width), height: fit(d.height) };
}

/** BFL takes input images as base64 or as a URL it fetches itself; URLs stay URLs. */
async function urlOrBase64(ctx: AdapterContext, input: MediaInput, field: string): Promise<string> {
  if (typeof input === "string" && /^https?:/i.test(input)) return input;
  return (await ctx.media.toBase64(input, field)).base64;
}

/** The JSON body of `POST /v1/{model}`. */
export async function buildBody(
  ctx: AdapterContext,
  req: NormalizedImageRequest,
  hints: BflHints & { generic: boolean },
  options: BflOptions,
): Promise<Record<string, unknown>> {
  const label = `bfl/${ctx.model}`;
  const body: Record<string, unknown> = { prompt: req.prompt };
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.enhancePrompt !== undefined) body.prompt_upsampling = req.enhancePrompt;
  if (req.outputFormat !== undefined) body.output_format = req.outputFormat;
  if (options.safetyTolerance !== undefined) body.safety_tolerance = options.safetyTolerance;
  if (req.negativePrompt !== undefined) ctx.warn(`negativePrompt is not supported by ${label}; it was not sent`);

  const size = req.size && req.size !== "auto" ? parseSize(req.size) : undefined;
  if (hints.generic) {
    // Unknown model: send what the caller set, in BFL's names, and let BFL judge it. Sides go on a
    // 32 px grid, the coarsest BFL uses (FLUX.1 wants 32, FLUX.2 16), so any BFL model accepts them.
    if (size) {
      const grid = { width: roundTo(size.width, UNKNOWN_MODEL_GRID), height: roundTo(size.height, UNKNOWN_MODEL_GRID) };
      Object.assign(body, grid);
      if (grid.width !== size.width || grid.height !== size.height) {
        ctx.warn(`size ${req.size} was sent as ${formatSize(grid)}: BFL takes sides in multiples of ${UNKNOWN_MODEL_GRID}`);
      }
    }
    if (req.aspectRatio !== undefined) body.aspect_ratio = req.aspectRatio;
  } else if (hints.sizing === "ratio") {
    if (req.aspectRatio !== undefined) body.aspect_ratio = req.aspectRatio;
  } else if (size) {
    body.width = size.width;
    body.height = size.height;
    const r = req.aspectRatio ? parseRatio(req.aspectRatio) : undefined;
    if (r !== undefined && !sameRatio(r, size.width / size.height)) {
      ctx.warn(`aspectRatio ${req.aspectRatio} was not sent: ${label} sizes by width/height and size ${req.size} was used`);
    }
  } else if (req.aspectRatio !== undefined) {
    const dims = ctx.capability?.sizeConstraints ? pixelsForRatio(req.aspectRatio, ctx.capability.sizeConstraints) : undefined;
    if (dims) {
      body.width = dims.width;
      body.height = dims.height;
      ctx.warn(`aspectRatio ${req.aspectRatio} was sent as ${formatSize(dims)}: ${label} sizes by width/height`);
    }
  }

  if (req.style === "raw" && hints.rawStyle) body.raw = true;
  else if (req.style !== undefined && hints.generic) ctx.warn(`style is not supported by ${label}; it was not sent`);

  const images = req.imageList ?? [];
  if (images.length > 0) {
    if (hints.imageField === "input_image") {
      for (const [i, item] of images.entries()) {
        body[i === 0 ? "input_image" : `input_image_${i + 1}`] = await urlOrBase64(ctx, item.image, `imageList.${i}.image`);
      }
    } else if (hints.imageField) {
      // image_prompt (Redux) and fill's image are documented as base64 only.
      body[hints.imageField] = (await ctx.media.toBase64(images[0]!.image, "imageList.0.image")).base64;
      if (images.length > 1) ctx.warn(`${label} takes one input image; only the first was sent`);
    }
  }
  if (req.maskImage !== undefined) body.mask = (await ctx.media.toBase64(req.maskImage, "maskImage")).base64;
  // extraParams go out verbatim and last (steps, guidance, image_prompt_strength, safety_tolerance, webhook_url, ...).
  Object.assign(body, req.extraParams ?? {});
  return body;
}
