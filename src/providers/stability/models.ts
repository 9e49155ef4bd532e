import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";

/**
 * How the adapter calls one catalog entry. Stability exposes each operation as its own endpoint, so
 * an operation is a model id here and the hints say where it lives and which inputs it takes.
 */
export interface StabilityHints {
  /** Path under `/v2beta/stable-image/`, e.g. `generate/ultra` or `edit/inpaint`. */
  path: string;
  /** The `model` form field of the sd3 endpoint. */
  sd3Model?: string;
  /** `none`: the endpoint has no prompt field; `optional`: sent when given (always, since ours is required). */
  prompt: "required" | "optional" | "none";
  /** `img2img`: an optional `image` that needs `strength`; `required`: the operation edits an image. */
  image: "none" | "img2img" | "required";
  /** The endpoint answers `{id}` and the image comes from `GET /v2beta/results/{id}`. */
  async?: boolean;
  /** Form fields (set through extraParams) the endpoint cannot do without. */
  requiredExtra?: readonly string[];
  /** At least one of these extraParams must be set (outpaint's directions). */
  anyOfExtra?: readonly string[];
}

const RATIOS = ["21:9", "16:9", "3:2", "5:4", "1:1", "4:5", "2:3", "9:16", "9:21"] as const;
const STYLE_PRESETS = [
  "enhance",
  "anime",
  "photographic",
  "digital-art",
  "comic-book",
  "fantasy-art",
  "line-art",
  "analog-film",
  "neon-punk",
  "isometric",
  "low-poly",
  "origami",
  "modeling-compound",
  "cinematic",
  "3d-model",
  "pixel-art",
  "tile-texture",
] as const;
const ALL_FORMATS = ["png", "jpeg", "webp"] as const;

/** 1 Stability credit = $0.01 (platform.stability.ai/pricing). */
const credits = (n: number) => ({ unit: "image" as const, usd: Math.round(n * 10) / 1000 });

const hints = (h: StabilityHints): Readonly<Record<string, unknown>> => ({ ...h });

function generate(model: string, displayName: string, path: string, price: number, extra: Partial<ModelCapability> = {}, sd3Model?: string): ModelCapability {
  return {
    provider: "stability",
    model,
    kind: "image",
    displayName,
    aspectRatios: RATIOS,
    outputFormats: ALL_FORMATS,
    maxN: 4,
    // Every Stability call returns one image; the core runs n calls in parallel and sums the cost.
    maxNPerCall: 1,
    inputs: { maxImages: 1, imageTypes: ["reference"] },
    seed: true,
    negativePrompt: true,
    price: credits(price),
    adapterHints: hints({ path, prompt: "required", image: "img2img", ...(sd3Model ? { sd3Model } : {}) }),
    ...extra,
  };
}

const sd3 = (model: string, displayName: string, price: number) =>
  generate(model, displayName, "generate/sd3", price, { outputFormats: ["png", "jpeg"] }, model);

function operation(
  model: string,
  displayName: string,
  price: number,
  h: StabilityHints,
  extra: Partial<ModelCapability> = {},
): ModelCapability {
  return {
    provider: "stability",
    model,
    kind: "image",
    displayName,
    outputFormats: ALL_FORMATS,
    maxN: 1,
    inputs: { maxImages: 1, imageTypes: ["reference", "asset"], requiresImage: true },
    seed: true,
    price: credits(price),
    adapterHints: hints(h),
    ...extra,
  };
}

/** Credits per call from Stability's pricing page (mid-2025); the generate models are the headline prices. */
export const STABILITY_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-11-22", source: "https://platform.stability.ai/docs/api-reference" }, [
  generate("stable-image-ultra", "Stable Image Ultra", "generate/ultra", 8, { styles: STYLE_PRESETS }),
  generate("stable-image-core", "Stable Image Core", "generate/core", 3, {
    styles: STYLE_PRESETS,
    inputs: { maxImages: 0 },
    adapterHints: hints({ path: "generate/core", prompt: "required", image: "none" }),
  }),
  sd3("sd3.5-large", "Stable Diffusion 3.5 Large", 6.5),
  sd3("sd3.5-large-turbo", "Stable Diffusion 3.5 Large Turbo", 4),
  sd3("sd3.5-medium", "Stable Diffusion 3.5 Medium", 3.5),
  sd3("sd3.5-flash", "Stable Diffusion 3.5 Flash", 2.5),
  sd3("sd3-large", "Stable Diffusion 3 Large", 6.5),
  sd3("sd3-large-turbo", "Stable Diffusion 3 Large Turbo", 4),
  sd3("sd3-medium", "Stable Diffusion 3 Medium", 3.5),
  operation(
    "stable-image-inpaint",
    "Stable Image inpaint (image + mask or alpha channel)",
    5,
    { path: "edit/inpaint", prompt: "required", image: "required" },
    { negativePrompt: true, inputs: { maxImages: 1, imageTypes: ["reference", "asset"], requiresImage: true, mask: true } },
  ),
  operation("stable-image-outpaint", "Stable Image outpaint (left/right/up/down in extraParams)", 4, {
    path: "edit/outpaint",
    prompt: "optional",
    image: "required",
    anyOfExtra: ["left", "right", "up", "down"],
  }),
  operation(
    "stable-image-search-and-replace",
    "Stable Image search and replace (search_prompt in extraParams)",
    5,
    { path: "edit/search-and-replace", prompt: "required", image: "required", requiredExtra: ["search_prompt"] },
    { negativePrompt: true },
  ),
  operation(
    "stable-image-erase",
    "Stable Image erase (image + mask or alpha channel)",
    5,
    { path: "edit/erase", prompt: "none", image: "required" },
    { inputs: { maxImages: 1, imageTypes: ["reference", "asset"], requiresImage: true, mask: true } },
  ),
  operation(
    "stable-image-remove-background",
    "Stable Image remove background",
    5,
    { path: "edit/remove-background", prompt: "none", image: "required" },
    { outputFormats: ["png", "webp"], seed: false },
  ),
  operation(
    "stable-image-upscale-fast",
    "Stable Image fast upscaler (4x)",
    2,
    { path: "upscale/fast", prompt: "none", image: "required" },
    { seed: false },
  ),
  operation(
    "stable-image-upscale-conservative",
    "Stable Image conservative upscaler (to 4 MP)",
    40,
    { path: "upscale/conservative", prompt: "required", image: "required" },
    { negativePrompt: true },
  ),
  operation(
    "stable-image-upscale-creative",
    "Stable Image creative upscaler (async, to 4 MP)",
    60,
    { path: "upscale/creative", prompt: "required", image: "required", async: true },
    { negativePrompt: true },
  ),
]);
