import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";
import type { ImageInputType } from "../../core/types.js";

/** Where one kind of input image goes in a model's `input`. */
export interface ReplicateImageField {
  field: string;
  /** The field takes an array of images (`input_images`); otherwise exactly one. */
  list?: boolean;
}

/**
 * How a Replicate model names its inputs. Every Replicate model has its own input schema, so the
 * adapter reads these names instead of branching on model ids. Absent: the model has no such input.
 */
export interface ReplicateImageHints {
  aspectRatio?: string;
  /** Outputs per prediction (`num_outputs`). */
  count?: string;
  seed?: string;
  negativePrompt?: string;
  outputFormat?: string;
  /** Request value → the model's value (`jpeg` → `jpg`). */
  outputFormatValues?: Readonly<Record<string, string>>;
  /** The prompt-upsampling switch and the values it takes for on/off (booleans unless given). */
  enhancePrompt?: string;
  enhancePromptValues?: readonly [on: string, off: string];
  style?: string;
  /** A `WxH` string field (Recraft `size`). */
  size?: string;
  resolution?: string;
  /** Request tier → the model's value (`2K` → `4 MP`). */
  resolutionValues?: Readonly<Record<string, string>>;
  /** Input images by `imageList[].type`. */
  images?: Partial<Readonly<Record<ImageInputType, ReplicateImageField>>>;
  mask?: string;
}

const FLUX_RATIOS = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"] as const;
const FLUX_FORMATS = { outputFormat: "output_format", outputFormatValues: { jpeg: "jpg" } } as const;

const hints = (h: ReplicateImageHints): Readonly<Record<string, unknown>> => ({ replicate: h });

/** The hints of a catalog entry, or undefined for an entry without them. */
export function replicateHints(cap: ModelCapability | undefined): ReplicateImageHints | undefined {
  return cap?.adapterHints?.replicate as ReplicateImageHints | undefined;
}

/**
 * Input names used for a model the catalog does not know: the prompt, `aspect_ratio` (which nearly
 * every image model on Replicate takes) and whatever the caller puts in `extraParams`.
 */
export const GENERIC_HINTS: ReplicateImageHints = { aspectRatio: "aspect_ratio" };

const RECRAFT_SIZES = [
  "1024x1024",
  "1365x1024",
  "1024x1365",
  "1536x1024",
  "1024x1536",
  "1820x1024",
  "1024x1820",
  "1024x2048",
  "2048x1024",
  "1434x1024",
  "1024x1434",
  "1024x1280",
  "1280x1024",
  "1024x1707",
  "1707x1024",
] as const;

const RECRAFT_STYLES = [
  "any",
  "realistic_image",
  "digital_illustration",
  "digital_illustration/pixel_art",
  "digital_illustration/hand_drawn",
  "digital_illustration/grain",
  "digital_illustration/infantile_sketch",
  "digital_illustration/2d_art_poster",
  "digital_illustration/handmade_3d",
  "digital_illustration/hand_drawn_outline",
  "digital_illustration/engraving_color",
  "digital_illustration/2d_art_poster_2",
  "realistic_image/b_and_w",
  "realistic_image/hard_flash",
  "realistic_image/hdr",
  "realistic_image/natural_light",
  "realistic_image/studio_portrait",
  "realistic_image/enterprise",
  "realistic_image/motion_blur",
] as const;

/**
 * Replicate's official image models (input schemas from each model's API page on replicate.com,
 * list prices per output image from its pricing section).
 */
/** Each entry's facts come from its model page; they were written (and last checked) on 2026-11-22. */
export const replicateSource = (m: ModelCapability): ModelCapability => ({ source: `https://replicate.com/${m.model}`, ...m });

export const REPLICATE_IMAGE_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-11-22", source: "https://replicate.com/collections/official" }, ([
  {
    provider: "replicate",
    model: "black-forest-labs/flux-schnell",
    kind: "image",
    displayName: "FLUX.1 [schnell] on Replicate",
    aspectRatios: FLUX_RATIOS,
    outputFormats: ["webp", "jpeg", "png"],
    maxN: 4,
    maxNPerCall: 4,
    seed: true,
    price: { unit: "image", usd: 0.003 },
    adapterHints: hints({ aspectRatio: "aspect_ratio", count: "num_outputs", seed: "seed", ...FLUX_FORMATS }),
  },
  {
    provider: "replicate",
    model: "black-forest-labs/flux-dev",
    kind: "image",
    displayName: "FLUX.1 [dev] on Replicate",
    aspectRatios: FLUX_RATIOS,
    outputFormats: ["webp", "jpeg", "png"],
    maxN: 4,
    maxNPerCall: 4,
    seed: true,
    inputs: { maxImages: 1, imageTypes: ["reference"] },
    price: { unit: "image", usd: 0.025 },
    adapterHints: hints({
      aspectRatio: "aspect_ratio",
      count: "num_outputs",
      seed: "seed",
      ...FLUX_FORMATS,
      images: { reference: { field: "image" } },
    }),
  },
  {
    provider: "replicate",
    model: "black-forest-labs/flux-1.1-pro",
    kind: "image",
    displayName: "FLUX1.1 [pro] on Replicate",
    aspectRatios: FLUX_RATIOS,
    outputFormats: ["webp", "jpeg", "png"],
    maxN: 4,
    maxNPerCall: 1,
    seed: true,
    enhancePrompt: true,
    inputs: { maxImages: 1, imageTypes: ["reference"] },
    price: { unit: "image", usd: 0.04 },
    adapterHints: hints({
      aspectRatio: "aspect_ratio",
      seed: "seed",
      enhancePrompt: "prompt_upsampling",
      ...FLUX_FORMATS,
      images: { reference: { field: "image_prompt" } },
    }),
  },
  {
    provider: "replicate",
    model: "black-forest-labs/flux-1.1-pro-ultra",
    kind: "image",
    displayName: "FLUX1.1 [pro] ultra on Replicate (4 MP)",
    aspectRatios: FLUX_RATIOS,
    outputFormats: ["jpeg", "png"],
    maxN: 4,
    maxNPerCall: 1,
    seed: true,
    inputs: { maxImages: 1, imageTypes: ["reference"] },
    price: { unit: "image", usd: 0.06 },
    adapterHints: hints({
      aspectRatio: "aspect_ratio",
      seed: "seed",
      ...FLUX_FORMATS,
      images: { reference: { field: "image_prompt" } },
    }),
  },
  {
    provider: "replicate",
    model: "black-forest-labs/flux-2-pro",
    kind: "image",
    displayName: "FLUX.2 [pro] on Replicate",
    aspectRatios: ["1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3"],
    resolutions: ["1K", "2K"],
    outputFormats: ["webp", "jpeg", "png"],
    maxN: 4,
    maxNPerCall: 1,
    seed: true,
    inputs: { maxImages: 8, imageTypes: ["reference", "style", "asset"] },
    // Priced by megapixel on Replicate; the 1 MP default output is $0.03, a 4 MP one about $0.075.
    price: { unit: "image", usd: 0.03, byResolution: { "1K": 0.03, "2K": 0.075 } },
    adapterHints: hints({
      aspectRatio: "aspect_ratio",
      seed: "seed",
      ...FLUX_FORMATS,
      resolution: "resolution",
      resolutionValues: { "1K": "1 MP", "2K": "4 MP" },
      images: {
        reference: { field: "input_images", list: true },
        style: { field: "input_images", list: true },
        asset: { field: "input_images", list: true },
      },
    }),
  },
  {
    provider: "replicate",
    model: "stability-ai/stable-diffusion-3.5-large",
    kind: "image",
    displayName: "Stable Diffusion 3.5 Large on Replicate",
    aspectRatios: FLUX_RATIOS,
    outputFormats: ["webp", "jpeg", "png"],
    maxN: 4,
    maxNPerCall: 1,
    seed: true,
    negativePrompt: true,
    inputs: { maxImages: 1, imageTypes: ["reference"] },
    price: { unit: "image", usd: 0.065 },
    adapterHints: hints({
      aspectRatio: "aspect_ratio",
      seed: "seed",
      negativePrompt: "negative_prompt",
      ...FLUX_FORMATS,
      images: { reference: { field: "image" } },
    }),
  },
  {
    provider: "replicate",
    model: "ideogram-ai/ideogram-v3-turbo",
    kind: "image",
    displayName: "Ideogram 3.0 Turbo on Replicate",
    aspectRatios: ["1:3", "3:1", "1:2", "2:1", "9:16", "16:9", "10:16", "16:10", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "1:1"],
    styles: ["Auto", "General", "Realistic", "Design"],
    maxN: 4,
    maxNPerCall: 1,
    seed: true,
    enhancePrompt: true,
    // `image` + `mask` is inpainting; `style_reference_images` (up to 3) steer the look.
    inputs: { maxImages: 4, imageTypes: ["reference", "style"], mask: true },
    price: { unit: "image", usd: 0.03 },
    adapterHints: hints({
      aspectRatio: "aspect_ratio",
      seed: "seed",
      style: "style_type",
      enhancePrompt: "magic_prompt_option",
      enhancePromptValues: ["On", "Off"],
      images: { reference: { field: "image" }, style: { field: "style_reference_images", list: true } },
      mask: "mask",
    }),
  },
  {
    provider: "replicate",
    model: "recraft-ai/recraft-v3",
    kind: "image",
    displayName: "Recraft V3 on Replicate",
    sizes: RECRAFT_SIZES,
    styles: RECRAFT_STYLES,
    maxN: 4,
    maxNPerCall: 1,
    price: { unit: "image", usd: 0.04 },
    adapterHints: hints({ size: "size", style: "style" }),
  },
  {
    provider: "replicate",
    model: "google/imagen-4",
    kind: "image",
    displayName: "Imagen 4 on Replicate",
    aspectRatios: ["1:1", "9:16", "16:9", "3:4", "4:3"],
    outputFormats: ["jpeg", "png"],
    maxN: 4,
    maxNPerCall: 1,
    price: { unit: "image", usd: 0.04 },
    adapterHints: hints({ aspectRatio: "aspect_ratio", outputFormat: "output_format", outputFormatValues: { jpeg: "jpg" } }),
    // Google shut all Imagen models down on 2026-08-17 (Gemini API and Vertex AI). Replicate has published no
    // shutdown date for its google/imagen-4 (searched 2026-12-07), so there is no shutdownOn to record: the entry
    // is deprecated from the upstream day on, and a call still goes out, with a warning.
    status: "deprecated",
    deprecatedOn: "2026-08-17",
    verifiedOn: "2026-12-07",
    source: "https://firebase.google.com/docs/ai-logic/imagen-models-migration (upstream shutdown 2026-08-17; no Replicate notice or date found)",
  },
] satisfies ModelCapability[]).map(replicateSource));

/** The catalog entry of `owner/name`, also for a version-pinned `owner/name:version`. */
export function catalogEntry(model: string): ModelCapability | undefined {
  const base = model.split(":")[0];
  return REPLICATE_IMAGE_MODELS.find((m) => m.model === base);
}
