import { type CatalogEntry, type ModelCapability, type ModelLifecycle, catalog } from "../../core/capabilities.js";

/**
 * How a model talks on the wire. dall-e models take `response_format` and return PNG; GPT image
 * models reject `response_format` (400 `unknown_parameter`), always return base64 and report tokens.
 */
export type OpenAIImageFamily = "dall-e-2" | "dall-e-3" | "gpt-image";

const GPT_IMAGE_SIZES = ["1024x1024", "1536x1024", "1024x1536", "auto"] as const;
const GPT_IMAGE_QUALITIES = ["low", "medium", "high", "auto"] as const;
const GPT_IMAGE_INPUTS = { maxImages: 16, imageTypes: ["reference", "style", "asset"], mask: true } as const;
const GPT_IMAGE_FORMATS = ["png", "jpeg", "webp"] as const;

/**
 * Token prices in USD per million (openai.com/api/pricing): output = image output tokens, input =
 * text input tokens, inputImage = image input tokens (edits). `tokensPerImage` is a high-quality 1024×1024 image (4160 tokens), used only for
 * estimates before the call; actual cost comes from the `usage` the API returns.
 */
function gptImage(
  model: string,
  displayName: string,
  price?: { outputUsdPerMillion: number; inputUsdPerMillion: number; inputImageUsdPerMillion: number },
): Omit<ModelCapability, "provider"> {
  return {
    model,
    kind: "image",
    displayName,
    sizes: GPT_IMAGE_SIZES,
    qualities: GPT_IMAGE_QUALITIES,
    defaultQuality: "auto",
    outputFormats: GPT_IMAGE_FORMATS,
    // OpenAI takes n ≤ 10 per call; the core runs up to two calls in parallel and merges usage and cost.
    maxN: 20,
    maxNPerCall: 10,
    inputs: GPT_IMAGE_INPUTS,
    ...(price ? { price: { unit: "token", ...price, tokensPerImage: 4160 } } : {}),
    adapterHints: { family: "gpt-image" satisfies OpenAIImageFamily },
    ...GPT_IMAGE_LIFECYCLE,
  };
}

/** gpt-image-2 takes any WxH (multiples of 16, up to 3840×2160, ratio between 1:3 and 3:1). */
function gptImage2(model: string, displayName: string): Omit<ModelCapability, "provider"> {
  const { sizes: _fixed, ...base } = gptImage(model, displayName);
  return {
    ...base,
    sizeConstraints: { multipleOf: 16, maxSide: 3840, maxPixels: 3840 * 2160, maxAspectRatio: 3 },
    resolutions: ["1K", "2K", "4K"],
  };
}

/** Lifecycle of the GPT image models: checked against openai-node's Images API in the 2026-12 catalog audit. */
const GPT_IMAGE_LIFECYCLE: ModelLifecycle = {
  status: "ga",
  verifiedOn: "2026-12-07",
  source: "https://github.com/openai/openai-node/blob/7b7d6ca/src/resources/images.ts",
};

/** "DALL·E 2 and DALL·E 3 are deprecated and removed from the API" (OpenAI's model pages), shut down 2026-05-12. */
const DALL_E_SHUTDOWN = { status: "retired", shutdownOn: "2026-05-12", verifiedOn: "2026-12-07" } as const;

/** Model entries shared by `openai` and `azure-openai` (Azure serves the same models under deployments). */
export const OPENAI_IMAGE_MODEL_ENTRIES: readonly Omit<ModelCapability, "provider">[] = [
  {
    ...DALL_E_SHUTDOWN,
    replacement: "gpt-image-1-mini",
    source: "https://developers.openai.com/api/docs/models/dall-e-2",
    // The only model OpenAI ever served variations on: with it gone, variations have no model left.
    variations: true,
    model: "dall-e-2",
    kind: "image",
    displayName: "DALL·E 2",
    sizes: ["256x256", "512x512", "1024x1024"],
    qualities: ["standard"],
    defaultQuality: "standard",
    outputFormats: ["png"],
    maxN: 20,
    maxNPerCall: 10,
    inputs: { maxImages: 1, imageTypes: ["reference", "asset"], mask: true },
    price: { unit: "image", usd: 0.02, bySize: { "256x256": 0.016, "512x512": 0.018, "1024x1024": 0.02 } },
    adapterHints: { family: "dall-e-2" satisfies OpenAIImageFamily },
  },
  {
    ...DALL_E_SHUTDOWN,
    replacement: "gpt-image-1",
    source: "https://developers.openai.com/api/docs/models/dall-e-3",
    model: "dall-e-3",
    kind: "image",
    displayName: "DALL·E 3",
    sizes: ["1024x1024", "1792x1024", "1024x1792"],
    qualities: ["standard", "hd"],
    defaultQuality: "standard",
    styles: ["vivid", "natural"],
    outputFormats: ["png"],
    maxN: 10,
    // The API accepts only n=1; the core runs larger n as parallel calls and sums their cost.
    maxNPerCall: 1,
    price: {
      unit: "image",
      usd: 0.04,
      byQualityAndSize: {
        standard: { "1024x1024": 0.04, "1792x1024": 0.08, "1024x1792": 0.08 },
        hd: { "1024x1024": 0.08, "1792x1024": 0.12, "1024x1792": 0.12 },
      },
    },
    adapterHints: { family: "dall-e-3" satisfies OpenAIImageFamily },
  },
  gptImage("gpt-image-1", "GPT Image 1", { outputUsdPerMillion: 40, inputUsdPerMillion: 5, inputImageUsdPerMillion: 10 }),
  gptImage("gpt-image-1-mini", "GPT Image 1 mini", { outputUsdPerMillion: 8, inputUsdPerMillion: 2, inputImageUsdPerMillion: 2.5 }),
  gptImage("gpt-image-1.5", "GPT Image 1.5", { outputUsdPerMillion: 32, inputUsdPerMillion: 5, inputImageUsdPerMillion: 8 }),
  gptImage2("gpt-image-2", "GPT Image 2"),
  gptImage2("gpt-image-2-2026-04-21", "GPT Image 2 (2026-04-21 snapshot)"),
  gptImage("chatgpt-image-latest", "ChatGPT Image (latest)"),
];

export const OPENAI_IMAGE_MODELS: readonly CatalogEntry[] = catalog(
  GPT_IMAGE_LIFECYCLE,
  OPENAI_IMAGE_MODEL_ENTRIES.map((m) => ({ provider: "openai", ...m })),
);
