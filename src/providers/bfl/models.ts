import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";

/** How the adapter maps one model's inputs; opaque to the core. */
export interface BflHints {
  /** `pixels`: width/height; `ratio`: aspect_ratio. */
  sizing: "pixels" | "ratio";
  /** Field(s) that carry input images: `input_image` (+ `input_image_2`…), `image_prompt`, or fill's `image` (+ `mask`). */
  imageField?: "input_image" | "image_prompt" | "image";
  /** `style: "raw"` turns on ultra's `raw` mode. */
  rawStyle?: boolean;
}

/** Ultra and Kontext accept any ratio between 21:9 and 9:21; these are the ones offered for validation. */
const RATIOS = ["21:9", "16:9", "3:2", "4:3", "1:1", "3:4", "2:3", "9:16", "9:21"] as const;
/** FLUX.1 [pro]/[dev] take 256–1440 px sides in steps of 32. */
const FLUX1_SIZES = { multipleOf: 32, minSide: 256, maxSide: 1440 } as const;
/** FLUX.2 takes sides in steps of 16 from 64 px, up to 4 MP. */
const FLUX2_SIZES = { multipleOf: 16, minSide: 64, maxPixels: 4_194_304 } as const;

const hints = (h: BflHints): Readonly<Record<string, unknown>> => ({ ...h });

function model(id: string, displayName: string, usd: number, extra: Partial<ModelCapability>, h: BflHints): ModelCapability {
  return {
    provider: "bfl",
    model: id,
    kind: "image",
    displayName,
    outputFormats: ["jpeg", "png"],
    maxN: 4,
    // One image per task; the core submits n tasks in parallel and sums their cost.
    maxNPerCall: 1,
    seed: true,
    enhancePrompt: true,
    price: { unit: "image", usd },
    adapterHints: hints(h),
    ...extra,
  };
}

const flux1 = (id: string, name: string, usd: number) =>
  model(id, name, usd, { sizeConstraints: FLUX1_SIZES, inputs: { maxImages: 1, imageTypes: ["reference", "style"] } }, { sizing: "pixels", imageField: "image_prompt" });

const flux2 = (id: string, name: string, usd: number, maxImages: number) =>
  model(id, name, usd, { sizeConstraints: FLUX2_SIZES, inputs: { maxImages, imageTypes: ["reference", "style", "asset"] } }, { sizing: "pixels", imageField: "input_image" });

const kontext = (id: string, name: string, usd: number) =>
  model(id, name, usd, { aspectRatios: RATIOS, inputs: { maxImages: 4, imageTypes: ["reference", "style", "asset"] } }, { sizing: "ratio", imageField: "input_image" });

/**
 * Prices: bfl.ai/pricing (1 credit = $0.01). FLUX.2 bills by megapixel; the figure here is the first
 * megapixel, and the `cost` BFL returns at submit replaces the estimate when present.
 */
export const BFL_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-11-22", source: "https://docs.bfl.ai" }, [
  flux1("flux-pro-1.1", "FLUX1.1 [pro]", 0.04),
  model(
    "flux-pro-1.1-ultra",
    "FLUX1.1 [pro] Ultra (style \"raw\" for raw mode)",
    0.06,
    { aspectRatios: RATIOS, styles: ["raw"], outputFormats: ["jpeg", "png", "webp"], inputs: { maxImages: 1, imageTypes: ["reference", "style"] } },
    { sizing: "ratio", imageField: "image_prompt", rawStyle: true },
  ),
  flux1("flux-pro", "FLUX.1 [pro]", 0.05),
  flux1("flux-dev", "FLUX.1 [dev]", 0.025),
  kontext("flux-kontext-pro", "FLUX.1 Kontext [pro]", 0.04),
  kontext("flux-kontext-max", "FLUX.1 Kontext [max]", 0.08),
  model(
    "flux-pro-1.0-fill",
    "FLUX.1 Fill [pro] (image + mask)",
    0.05,
    { inputs: { maxImages: 1, imageTypes: ["reference", "asset"], mask: true, requiresImage: true } },
    { sizing: "pixels", imageField: "image" },
  ),
  flux2("flux-2-pro", "FLUX.2 [pro]", 0.03, 8),
  flux2("flux-2-max", "FLUX.2 [max]", 0.07, 8),
  flux2("flux-2-flex", "FLUX.2 [flex]", 0.05, 8),
  flux2("flux-2-klein-4b", "FLUX.2 [klein] 4B", 0.014, 4),
  flux2("flux-2-klein-9b", "FLUX.2 [klein] 9B", 0.015, 4),
]);
