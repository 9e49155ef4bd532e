import type { ModelCapability } from "../../core/capabilities.js";

/** How the fal image adapter maps a request onto one model's input schema (`adapterHints`). */
export interface FalImageHints {
  /** `image_size` (a preset or `{width,height}`), `aspect_ratio`, or no sizing input at all. */
  sizing: "image_size" | "aspect_ratio" | "none";
  /** Takes `num_images`; otherwise the core splits `n` into single-image calls (maxNPerCall 1). */
  numImages: boolean;
  /** Where input images go: one URL or a list. */
  imageField?: "image_url" | "image_urls";
  /** Takes `enable_safety_checker`. */
  safetyChecker?: boolean;
  /** Takes `safety_tolerance` ("1"–"6"). */
  safetyTolerance?: boolean;
  /** The model's name for prompt upsampling. */
  enhancePromptField?: "enhance_prompt" | "expand_prompt";
  /** `quality` is sent as this field, upper-cased (Ideogram's TURBO/BALANCED/QUALITY). */
  qualityField?: "rendering_speed";
  /** `style` values are sent upper-cased (Ideogram). */
  upperCaseStyle?: boolean;
}

/** Hints for a model the catalog does not know: fal's common field names. */
export const GENERIC_HINTS: FalImageHints = { sizing: "image_size", numImages: true };

export function hintsOf(cap: ModelCapability | undefined): FalImageHints {
  return (cap?.adapterHints as FalImageHints | undefined) ?? GENERIC_HINTS;
}

const hints = (h: FalImageHints): Readonly<Record<string, unknown>> => h as unknown as Readonly<Record<string, unknown>>;

const FLUX_ULTRA_RATIOS = ["21:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:21"] as const;
const NANO_BANANA_RATIOS = ["21:9", "16:9", "3:2", "4:3", "5:4", "1:1", "4:5", "3:4", "2:3", "9:16"] as const;

const RECRAFT_STYLES = [
  "any",
  "realistic_image",
  "digital_illustration",
  "vector_illustration",
  "realistic_image/b_and_w",
  "realistic_image/hard_flash",
  "realistic_image/hdr",
  "realistic_image/natural_light",
  "realistic_image/studio_portrait",
  "realistic_image/enterprise",
  "realistic_image/motion_blur",
  "digital_illustration/pixel_art",
  "digital_illustration/hand_drawn",
  "digital_illustration/grain",
  "digital_illustration/infantile_sketch",
  "digital_illustration/2d_art_poster",
  "digital_illustration/handmade_3d",
  "digital_illustration/hand_drawn_outline",
  "digital_illustration/engraving_color",
  "digital_illustration/2d_art_poster_2",
  "vector_illustration/engraving",
  "vector_illustration/line_art",
  "vector_illustration/line_circuit",
  "vector_illustration/linocut",
] as const;

/**
 * The fal image catalog. Ids and fields follow fal's model pages (fal.ai/models/<id>/llms.txt);
 * prices are fal list prices (per image, or per started megapixel of output).
 */
export const FAL_IMAGE_MODELS: readonly ModelCapability[] = [
  {
    provider: "fal",
    model: "fal-ai/flux/schnell",
    kind: "image",
    displayName: "FLUX.1 [schnell]",
    sizeConstraints: { multipleOf: 16, minSide: 256, maxSide: 2048 },
    outputFormats: ["jpeg", "png"],
    maxN: 4,
    seed: true,
    price: { unit: "megapixel", usd: 0.003 },
    adapterHints: hints({ sizing: "image_size", numImages: true, safetyChecker: true }),
  },
  {
    provider: "fal",
    model: "fal-ai/flux/dev",
    kind: "image",
    displayName: "FLUX.1 [dev]",
    sizeConstraints: { multipleOf: 16, minSide: 256, maxSide: 2048 },
    outputFormats: ["jpeg", "png"],
    maxN: 4,
    seed: true,
    price: { unit: "megapixel", usd: 0.025 },
    adapterHints: hints({ sizing: "image_size", numImages: true, safetyChecker: true }),
  },
  {
    provider: "fal",
    model: "fal-ai/flux-pro/v1.1",
    kind: "image",
    displayName: "FLUX1.1 [pro]",
    sizeConstraints: { multipleOf: 32, minSide: 256, maxSide: 1440 },
    outputFormats: ["jpeg", "png"],
    maxN: 4,
    seed: true,
    enhancePrompt: true,
    price: { unit: "megapixel", usd: 0.04 },
    adapterHints: hints({
      sizing: "image_size",
      numImages: true,
      safetyChecker: true,
      safetyTolerance: true,
      enhancePromptField: "enhance_prompt",
    }),
  },
  {
    provider: "fal",
    model: "fal-ai/flux-pro/v1.1-ultra",
    kind: "image",
    displayName: "FLUX1.1 [pro] ultra (up to 4 MP)",
    aspectRatios: FLUX_ULTRA_RATIOS,
    outputFormats: ["jpeg", "png"],
    maxN: 4,
    seed: true,
    enhancePrompt: true,
    // An image prompt (`image_url`, weighted by `image_prompt_strength`), not an edit.
    inputs: { maxImages: 1, imageTypes: ["reference", "style"] },
    price: { unit: "image", usd: 0.06 },
    adapterHints: hints({
      sizing: "aspect_ratio",
      numImages: true,
      imageField: "image_url",
      safetyChecker: true,
      safetyTolerance: true,
      enhancePromptField: "enhance_prompt",
    }),
  },
  {
    provider: "fal",
    model: "fal-ai/flux-2-pro",
    kind: "image",
    displayName: "FLUX.2 [pro]",
    aliases: ["fal-ai/flux-2/pro"],
    sizeConstraints: { multipleOf: 16, minSide: 256, maxSide: 2048, maxPixels: 2048 * 2048 },
    outputFormats: ["jpeg", "png"],
    maxN: 4,
    maxNPerCall: 1,
    seed: true,
    // $0.03 for the first megapixel and $0.015 for each further one; estimated as $0.03 per megapixel.
    price: { unit: "megapixel", usd: 0.03 },
    adapterHints: hints({ sizing: "image_size", numImages: false, safetyChecker: true, safetyTolerance: true }),
  },
  {
    provider: "fal",
    model: "fal-ai/recraft/v3/text-to-image",
    kind: "image",
    displayName: "Recraft V3",
    aliases: ["fal-ai/recraft-v3", "fal-ai/recraft/v3"],
    sizeConstraints: { minSide: 256, maxSide: 2048 },
    styles: RECRAFT_STYLES,
    maxN: 4,
    maxNPerCall: 1,
    // $0.04 per raster image; vector styles cost $0.08.
    price: { unit: "image", usd: 0.04 },
    adapterHints: hints({ sizing: "image_size", numImages: false, safetyChecker: true }),
  },
  {
    provider: "fal",
    model: "fal-ai/ideogram/v3",
    kind: "image",
    displayName: "Ideogram V3",
    sizeConstraints: { multipleOf: 16, minSide: 256, maxSide: 2048 },
    qualities: ["turbo", "balanced", "quality"],
    defaultQuality: "balanced",
    styles: ["auto", "general", "realistic", "design"],
    maxN: 8,
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    // Style reference images.
    inputs: { maxImages: 4, imageTypes: ["style", "reference"] },
    price: { unit: "image", usd: 0.06, byQuality: { turbo: 0.03, balanced: 0.06, quality: 0.09 } },
    adapterHints: hints({
      sizing: "image_size",
      numImages: true,
      imageField: "image_urls",
      enhancePromptField: "expand_prompt",
      qualityField: "rendering_speed",
      upperCaseStyle: true,
    }),
  },
  {
    provider: "fal",
    model: "fal-ai/z-image/turbo",
    kind: "image",
    displayName: "Z-Image Turbo (Tongyi-MAI, 6B)",
    sizeConstraints: { multipleOf: 16, minSide: 256, maxSide: 2048 },
    outputFormats: ["png", "jpeg", "webp"],
    maxN: 4,
    seed: true,
    price: { unit: "megapixel", usd: 0.005 },
    adapterHints: hints({ sizing: "image_size", numImages: true, safetyChecker: true }),
  },
  {
    provider: "fal",
    model: "fal-ai/nano-banana",
    kind: "image",
    displayName: "Nano Banana (Gemini 2.5 Flash Image)",
    aspectRatios: NANO_BANANA_RATIOS,
    outputFormats: ["jpeg", "png", "webp"],
    maxN: 4,
    price: { unit: "image", usd: 0.039 },
    adapterHints: hints({ sizing: "aspect_ratio", numImages: true }),
  },
  {
    provider: "fal",
    model: "fal-ai/nano-banana/edit",
    kind: "image",
    displayName: "Nano Banana edit (up to 10 input images)",
    aspectRatios: NANO_BANANA_RATIOS,
    outputFormats: ["jpeg", "png", "webp"],
    maxN: 4,
    inputs: { maxImages: 10, imageTypes: ["reference", "asset", "style"], requiresImage: true },
    price: { unit: "image", usd: 0.039 },
    adapterHints: hints({ sizing: "aspect_ratio", numImages: true, imageField: "image_urls" }),
  },
];
