import type { ModelCapability } from "../../core/capabilities.js";

/**
 * Google's image catalog. Prices are Google's list prices when the entry was written
 * (ai.google.dev/gemini-api/docs/pricing, cloud.google.com/vertex-ai/generative-ai/pricing).
 *
 * adapterHints:
 * - `family`: `gemini` (generateContent) or `imagen` (:predict). Unknown ids are classified by prefix.
 * - `imageSize`: whether the model takes `imageConfig.imageSize` (2.5 Flash Image renders 1K only).
 * - `sampleImageSize`: whether an Imagen model takes `parameters.sampleImageSize`.
 */

/** Ratios every Gemini image model takes (ai.google.dev image-generation docs; V-AI enum). */
const GEMINI_RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"] as const;
const IMAGEN_RATIOS = ["1:1", "3:4", "4:3", "9:16", "16:9"] as const;

/** Gemini image models return one image per call: `n` is split by the core into parallel calls. */
const GEMINI_N = { maxN: 8, maxNPerCall: 1 } as const;

/**
 * What Gemini image models take besides the prompt: input images (edit sources and `style` references,
 * sent as inline image parts) and `responseModalities`. No mask: the generateContent API has no mask
 * field, and Google documents masked edits for these models only as "semantic masking" described in the
 * prompt (ai.google.dev/gemini-api/docs/image-generation), so `maskImage` is refused by validation.
 */
const GEMINI_INPUTS = (maxImages: number) => ({ maxImages, imageTypes: ["reference", "style"], mask: false }) as const;

/** Where the rates come from; not re-checked in this change, so no `verifiedOn`. */
const GEMINI_PRICING = { source: "https://ai.google.dev/gemini-api/docs/pricing" } as const;

/**
 * Input image tokens, for estimates. Gemini 2.x: an image with both sides ≤ 384 px is 258 tokens, a larger
 * one is cut into 768×768 tiles of 258 tokens each (ai.google.dev/gemini-api/docs/image-understanding,
 * "Technical details"). Gemini 3: at the default (high) media resolution an image is at most 1120 tokens
 * (ai.google.dev/gemini-api/docs/media-resolution, "Token counts").
 */
const GEMINI_2_IMAGE_INPUT = { kind: "tiles", tileSize: 768, tokensPerTile: 258, smallMaxSide: 384, smallTokens: 258 } as const;
const GEMINI_3_IMAGE_INPUT = { kind: "fixed", tokens: 1120 } as const;

const IMAGEN_SHUTDOWN_ON_GEMINI_API =
  "Google shut Imagen down on the Gemini API (ai.google.dev/gemini-api/docs/imagen); it is served on Vertex AI only";

export const GOOGLE_MODELS: readonly ModelCapability[] = [
  {
    provider: "google",
    model: "gemini-2.5-flash-image",
    kind: "image",
    displayName: "Gemini 2.5 Flash Image (Nano Banana)",
    aliases: ["nano-banana"],
    aspectRatios: GEMINI_RATIOS,
    resolutions: ["1K"],
    ...GEMINI_N,
    inputs: GEMINI_INPUTS(3),
    seed: true,
    responseModalities: true,
    price: { unit: "token", outputUsdPerMillion: 30, inputUsdPerMillion: 0.3, tokensPerImage: 1290, inputImageTokens: GEMINI_2_IMAGE_INPUT, ...GEMINI_PRICING },
    adapterHints: { family: "gemini", imageSize: false },
  },
  {
    provider: "google",
    model: "gemini-3-pro-image-preview",
    kind: "image",
    displayName: "Gemini 3 Pro Image (Nano Banana Pro, preview)",
    aliases: ["nano-banana-pro"],
    aspectRatios: GEMINI_RATIOS,
    resolutions: ["1K", "2K", "4K"],
    ...GEMINI_N,
    inputs: GEMINI_INPUTS(14),
    seed: true,
    responseModalities: true,
    // $120 per million image tokens: 1K and 2K images are 1120 tokens, 4K images 2000.
    price: { unit: "token", outputUsdPerMillion: 120, inputUsdPerMillion: 2, tokensPerImage: { "1K": 1120, "2K": 1120, "4K": 2000 }, inputImageTokens: GEMINI_3_IMAGE_INPUT, ...GEMINI_PRICING },
    adapterHints: { family: "gemini", imageSize: true },
  },
  {
    provider: "google",
    model: "gemini-3.1-flash-image-preview",
    kind: "image",
    displayName: "Gemini 3.1 Flash Image (Nano Banana 2, preview)",
    aspectRatios: [...GEMINI_RATIOS, "1:4", "4:1", "1:8", "8:1"],
    resolutions: ["1K", "2K", "4K"],
    ...GEMINI_N,
    inputs: GEMINI_INPUTS(14),
    seed: true,
    responseModalities: true,
    // $60 per million image tokens: 1K = 1120, 2K = 1680, 4K = 2520 tokens.
    price: { unit: "token", outputUsdPerMillion: 60, inputUsdPerMillion: 0.5, tokensPerImage: { "1K": 1120, "2K": 1680, "4K": 2520 }, inputImageTokens: GEMINI_3_IMAGE_INPUT, ...GEMINI_PRICING },
    adapterHints: { family: "gemini", imageSize: true },
  },
  {
    provider: "google",
    model: "imagen-4.0-generate-001",
    kind: "image",
    displayName: "Imagen 4 (Vertex AI)",
    aspectRatios: IMAGEN_RATIOS,
    resolutions: ["1K", "2K"],
    outputFormats: ["png", "jpeg"],
    maxN: 4,
    maxNPerCall: 4,
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    price: { unit: "image", usd: 0.04 },
    adapterHints: { family: "imagen", sampleImageSize: true, geminiApi: IMAGEN_SHUTDOWN_ON_GEMINI_API },
  },
  {
    provider: "google",
    model: "imagen-4.0-ultra-generate-001",
    kind: "image",
    displayName: "Imagen 4 Ultra (Vertex AI)",
    aspectRatios: IMAGEN_RATIOS,
    resolutions: ["1K", "2K"],
    outputFormats: ["png", "jpeg"],
    // Ultra renders one image per request.
    maxN: 4,
    maxNPerCall: 1,
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    price: { unit: "image", usd: 0.06 },
    adapterHints: { family: "imagen", sampleImageSize: true, geminiApi: IMAGEN_SHUTDOWN_ON_GEMINI_API },
  },
  {
    provider: "google",
    model: "imagen-4.0-fast-generate-001",
    kind: "image",
    displayName: "Imagen 4 Fast (Vertex AI)",
    aspectRatios: IMAGEN_RATIOS,
    resolutions: ["1K"],
    outputFormats: ["png", "jpeg"],
    maxN: 4,
    maxNPerCall: 4,
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    price: { unit: "image", usd: 0.02 },
    adapterHints: { family: "imagen", sampleImageSize: false, geminiApi: IMAGEN_SHUTDOWN_ON_GEMINI_API },
  },
  {
    provider: "google",
    model: "gemini-2.5-flash-image-preview",
    kind: "image",
    retired: "Google retired the preview id; use gemini-2.5-flash-image",
  },
  {
    provider: "google",
    model: "gemini-2.0-flash-preview-image-generation",
    kind: "image",
    retired: "Google retired Gemini 2.0 image generation; use gemini-2.5-flash-image",
  },
];
