import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";

/**
 * DashScope serves image models on two protocols: the older async task API (`text2image/image-synthesis`,
 * submit then poll `/tasks/{id}`) and the synchronous `multimodal-generation` chat-shaped API. Which one a
 * model speaks is data, so the adapter has no per-model branches.
 */
export type DashScopeEndpoint = "text2image" | "multimodal";

export interface AlibabaHints {
  endpoint: DashScopeEndpoint;
  /** Pixel area used when only an aspect ratio is given (sizeConstraints models). */
  defaultPixels?: number;
  /** Smallest total pixel count the model accepts, for ratio → size on area-bounded models. */
  minPixels?: number;
}

const hints = (h: AlibabaHints): Readonly<Record<string, unknown>> => ({ ...h });

// Qwen-Image's five fixed output sizes (16:9, 4:3, 1:1, 3:4, 9:16).
const QWEN_IMAGE_SIZES = ["1664x928", "1472x1140", "1328x1328", "1140x1472", "928x1664"] as const;

// Wan 2.1/2.2: each side 512–1440 px.
const WAN_SIDES = { minSide: 512, maxSide: 1440, maxPixels: 1440 * 1440 } as const;

const wanAsync = (model: string, displayName: string, usd?: number): ModelCapability => ({
  provider: "alibaba",
  model,
  kind: "image",
  displayName,
  sizeConstraints: WAN_SIDES,
  maxN: 4,
  maxNPerCall: 4,
  seed: true,
  negativePrompt: true,
  enhancePrompt: true,
  ...(usd !== undefined ? { price: { unit: "image", usd } } : {}),
  adapterHints: hints({ endpoint: "text2image", defaultPixels: 1024 * 1024 }),
});

const qwenImage = (model: string, displayName: string): ModelCapability => ({
  provider: "alibaba",
  model,
  kind: "image",
  displayName,
  sizes: QWEN_IMAGE_SIZES,
  // The synchronous endpoint returns one Qwen-Image picture per call; the core fans out larger n.
  maxN: 4,
  maxNPerCall: 1,
  seed: true,
  negativePrompt: true,
  enhancePrompt: true,
  adapterHints: hints({ endpoint: "multimodal" }),
});

export const ALIBABA_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-11-22", source: "https://www.alibabacloud.com/help/en/model-studio/text-to-image" }, [
  wanAsync("wan2.2-t2i-flash", "Wan 2.2 text-to-image Flash"),
  wanAsync("wan2.2-t2i-plus", "Wan 2.2 text-to-image Plus"),
  wanAsync("wanx2.1-t2i-turbo", "Wan 2.1 text-to-image Turbo", 0.025),
  wanAsync("wanx2.1-t2i-plus", "Wan 2.1 text-to-image Plus", 0.05),
  {
    provider: "alibaba",
    model: "wan2.5-t2i-preview",
    status: "preview",
    kind: "image",
    displayName: "Wan 2.5 text-to-image (preview)",
    // Total pixels 768×768–1440×1440 with ratios from 1:4 to 4:1 (e.g. 768×2700 works).
    sizeConstraints: { minSide: 384, maxSide: 2880, maxPixels: 1440 * 1440 },
    maxN: 4,
    maxNPerCall: 4,
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    adapterHints: hints({ endpoint: "text2image", defaultPixels: 1280 * 1280, minPixels: 768 * 768 }),
  },
  {
    provider: "alibaba",
    model: "wanx-v1",
    kind: "image",
    displayName: "Wanx v1 (legacy, styled)",
    sizes: ["1024x1024", "720x1280", "1280x720", "768x1152"],
    styles: [
      "<auto>",
      "<photography>",
      "<portrait>",
      "<3d cartoon>",
      "<anime>",
      "<oil painting>",
      "<watercolor>",
      "<sketch>",
      "<chinese painting>",
      "<flat illustration>",
    ],
    maxN: 4,
    maxNPerCall: 4,
    seed: true,
    negativePrompt: true,
    adapterHints: hints({ endpoint: "text2image" }),
  },
  {
    provider: "alibaba",
    model: "wan2.6-t2i",
    kind: "image",
    displayName: "Wan 2.6 text-to-image (synchronous)",
    sizeConstraints: { minSide: 640, maxSide: 2880, maxPixels: 1440 * 1440 },
    maxN: 4,
    maxNPerCall: 4,
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    adapterHints: hints({ endpoint: "multimodal", defaultPixels: 1280 * 1280, minPixels: 1280 * 1280 }),
  },
  qwenImage("qwen-image", "Qwen-Image"),
  qwenImage("qwen-image-plus", "Qwen-Image Plus"),
  qwenImage("qwen-image-max", "Qwen-Image Max"),
  {
    provider: "alibaba",
    model: "qwen-image-edit",
    kind: "image",
    displayName: "Qwen-Image Edit (one input image; output keeps its shape)",
    maxN: 1,
    maxNPerCall: 1,
    inputs: { maxImages: 1, imageTypes: ["reference"], requiresImage: true },
    seed: true,
    negativePrompt: true,
    adapterHints: hints({ endpoint: "multimodal" }),
  },
  {
    provider: "alibaba",
    model: "qwen-image-edit-plus",
    kind: "image",
    displayName: "Qwen-Image Edit Plus (1–3 input images)",
    sizeConstraints: { minSide: 512, maxSide: 2048 },
    maxN: 6,
    maxNPerCall: 6,
    inputs: { maxImages: 3, imageTypes: ["reference"], requiresImage: true },
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    adapterHints: hints({ endpoint: "multimodal", defaultPixels: 1024 * 1024 }),
  },
  {
    provider: "alibaba",
    model: "z-image-turbo",
    kind: "image",
    displayName: "Z-Image Turbo",
    sizeConstraints: { minSide: 512, maxSide: 2048, maxPixels: 2048 * 2048 },
    maxN: 4,
    // z-image-turbo takes n=1 only; the core runs larger n as parallel calls.
    maxNPerCall: 1,
    seed: true,
    enhancePrompt: true,
    adapterHints: hints({ endpoint: "multimodal", defaultPixels: 1024 * 1024 }),
  },
]);
