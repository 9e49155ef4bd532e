import type { AdapterContext } from "../../core/provider.js";
import { NAMED_SIZES, type Dimensions, dimensionsForRatio, isNamedSize, namedSizeOf, nearestPreset, parseSize, roundTo } from "../../core/sizes.js";
import type { NormalizedImageRequest } from "../../core/types.js";
import { type FalImageHints, hintsOf } from "./models.js";
import { parseFalConfig } from "./options.js";

/** Wire field → the request field a user set, so a 422 names the user's own input. */
const REQUEST_FIELD: Record<string, string> = {
  prompt: "prompt",
  image_size: "size",
  aspect_ratio: "aspectRatio",
  num_images: "n",
  seed: "seed",
  negative_prompt: "negativePrompt",
  output_format: "outputFormat",
  image_url: "imageList",
  image_urls: "imageList",
  mask_url: "maskImage",
  style: "style",
  rendering_speed: "quality",
  enhance_prompt: "enhancePrompt",
  expand_prompt: "enhancePrompt",
  resolution: "resolution",
  enable_safety_checker: "providerConfig.enableSafetyChecker",
  safety_tolerance: "providerConfig.safetyTolerance",
  sync_mode: "providerConfig.syncMode",
};

export function requestField(wire: string): string {
  const top = wire.split(".")[0]!;
  if (REQUEST_FIELD[top]) return REQUEST_FIELD[top];
  return `extraParams.${wire}`;
}

/**
 * `{width,height}` → fal's `image_size` enum value when the pixels are exactly one of its presets (the
 * gateway's named sizes are fal's presets, so `size: "landscape_4_3"` arrives as 1024x768 and leaves as
 * `"landscape_4_3"`), else the `{width,height}` object fal also accepts.
 */
function imageSizeFor(d: Dimensions): string | Dimensions {
  return namedSizeOf(d) ?? d;
}

/**
 * `image_size` from `size` or `aspectRatio`. A ratio with an exact preset uses it (1:1 → square_hd,
 * 16:9 → landscape_16_9); any other ratio becomes about one megapixel of that shape, never the
 * nearest preset, so a 21:9 request is not silently turned into 16:9.
 */
function imageSize(ctx: AdapterContext, req: NormalizedImageRequest): string | Dimensions | undefined {
  if (req.size && isNamedSize(req.size)) return req.size;
  const size = req.size && req.size !== "auto" ? parseSize(req.size) : undefined;
  if (size) return imageSizeFor(size);
  if (!req.aspectRatio) return undefined;
  const preset = nearestPreset(req.aspectRatio, NAMED_SIZES);
  if (preset?.exact) return preset.name;
  const c = ctx.capability?.sizeConstraints;
  const multiple = c?.multipleOf ?? 16;
  const d = dimensionsForRatio(req.aspectRatio, 1.05, multiple);
  if (!d) return undefined;
  if (c?.maxSide && Math.max(d.width, d.height) > c.maxSide) {
    const scale = c.maxSide / Math.max(d.width, d.height);
    return { width: Math.floor((d.width * scale) / multiple) * multiple, height: Math.floor((d.height * scale) / multiple) * multiple };
  }
  if (c?.minSide && Math.min(d.width, d.height) < c.minSide) {
    const scale = c.minSide / Math.min(d.width, d.height);
    return { width: roundTo(d.width * scale, multiple), height: roundTo(d.height * scale, multiple) };
  }
  return d;
}

/** Build a fal model input from a validated request. extraParams are applied last, verbatim. */
export async function buildImageInput(ctx: AdapterContext, req: NormalizedImageRequest): Promise<Record<string, unknown>> {
  const hints: FalImageHints = hintsOf(ctx.capability);
  const known = ctx.capability !== undefined;
  const config = parseFalConfig(ctx.providerConfig);
  const input: Record<string, unknown> = { prompt: req.prompt };
  const skipped = (field: string) => ctx.warn(`${field} has no mapping for fal model ${ctx.model}; it was not sent (use extraParams for a raw field)`);

  if (hints.sizing === "image_size") {
    const size = imageSize(ctx, req);
    if (size !== undefined) input.image_size = size;
  } else if (hints.sizing === "aspect_ratio") {
    if (req.aspectRatio) input.aspect_ratio = req.aspectRatio;
  }
  if (req.resolution !== undefined) {
    if (ctx.capability?.resolutions) input.resolution = req.resolution;
    else skipped("resolution");
  }
  if (req.n !== undefined && hints.numImages) input.num_images = req.n;
  if (req.seed !== undefined) input.seed = req.seed;
  if (req.negativePrompt !== undefined) input.negative_prompt = req.negativePrompt;
  if (req.outputFormat !== undefined) input.output_format = req.outputFormat;
  if (req.enhancePrompt !== undefined) {
    if (hints.enhancePromptField) input[hints.enhancePromptField] = req.enhancePrompt;
    else skipped("enhancePrompt");
  }
  if (req.quality !== undefined) {
    if (hints.qualityField) input[hints.qualityField] = req.quality.toUpperCase();
    else skipped("quality");
  }
  if (req.style !== undefined) input.style = hints.upperCaseStyle ? req.style.toUpperCase() : req.style;

  const images = req.imageList ?? [];
  if (images.length > 0) {
    const urls = await Promise.all(images.map((item, i) => ctx.media.toUrl(item.image, `imageList.${i}.image`)));
    const field = hints.imageField ?? (urls.length === 1 ? "image_url" : "image_urls");
    input[field] = field === "image_url" ? urls[0] : urls;
  }
  if (req.maskImage !== undefined) input.mask_url = await ctx.media.toUrl(req.maskImage, "maskImage");

  // Safety settings go only where the model takes them (or to models we do not know: the user asked).
  if (config.enableSafetyChecker !== undefined && (hints.safetyChecker || !known)) input.enable_safety_checker = config.enableSafetyChecker;
  else if (config.enableSafetyChecker !== undefined) skipped("providerConfig.enableSafetyChecker");
  if (config.safetyTolerance !== undefined && (hints.safetyTolerance || !known)) input.safety_tolerance = String(config.safetyTolerance);
  else if (config.safetyTolerance !== undefined) skipped("providerConfig.safetyTolerance");
  if (config.syncMode !== undefined) input.sync_mode = config.syncMode;

  return { ...input, ...req.extraParams };
}
