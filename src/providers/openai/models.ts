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

type TokenPrice = Extract<NonNullable<ModelCapability["price"]>, { unit: "token" }>;

const PRICING_PAGE = "https://developers.openai.com/api/docs/pricing#image-generation";

/**
 * What one input image costs GPT image models: scaled to fit 2048², then to a 512 px short side, 65
 * tokens plus 129 per 512² tile (OpenAI's images-and-vision guide, "Calculating costs"; a 1024² input is
 * billed 194 image tokens, as measured on community.openai.com/t/1281361). Used for estimates only.
 */
const GPT_IMAGE_INPUT_TOKENS = { kind: "tiles", fitWithin: 2048, shortSide: 512, tileSize: 512, baseTokens: 65, tokensPerTile: 129 } as const;

/**
 * OpenAI's price per generated image by quality and size (USD; the pricing page's "Image generation"
 * table). Low, medium and high differ by an order of magnitude, so the estimate follows the table; the
 * real cost comes from the `usage` the API returns, at the per-million token rates.
 */
const GPT_IMAGE_1_TABLE = {
  low: { "1024x1024": 0.011, "1024x1536": 0.016, "1536x1024": 0.016 },
  medium: { "1024x1024": 0.042, "1024x1536": 0.063, "1536x1024": 0.063 },
  high: { "1024x1024": 0.167, "1024x1536": 0.25, "1536x1024": 0.25 },
};
const GPT_IMAGE_1_MINI_TABLE = {
  low: { "1024x1024": 0.005, "1024x1536": 0.006, "1536x1024": 0.006 },
  medium: { "1024x1024": 0.011, "1024x1536": 0.015, "1536x1024": 0.015 },
  high: { "1024x1024": 0.036, "1024x1536": 0.052, "1536x1024": 0.052 },
};
const GPT_IMAGE_1_5_TABLE = {
  low: { "1024x1024": 0.009, "1024x1536": 0.013, "1536x1024": 0.013 },
  medium: { "1024x1024": 0.034, "1024x1536": 0.05, "1536x1024": 0.05 },
  high: { "1024x1024": 0.133, "1024x1536": 0.2, "1536x1024": 0.2 },
};
/**
 * gpt-image-2 takes any size; the 1024 sizes are OpenAI's published figures. The 2048² and 4K rows are
 * the output tokens of OpenAI's image-cost calculator (developers.openai.com/api/docs/guides/image-generation,
 * "Size and quality options") at $30 per million, via the calculator's algorithm as transcribed on
 * community.openai.com/t/1382699 (third-party transcription). Other sizes are priced as the nearest row.
 */
const GPT_IMAGE_2_TABLE = {
  low: { "1024x1024": 0.006, "1024x1536": 0.005, "1536x1024": 0.005, "2048x2048": 0.012, "3840x2160": 0.011, "2160x3840": 0.011 },
  medium: { "1024x1024": 0.053, "1024x1536": 0.041, "1536x1024": 0.041, "2048x2048": 0.107, "3840x2160": 0.1, "2160x3840": 0.1 },
  high: { "1024x1024": 0.211, "1024x1536": 0.165, "1536x1024": 0.165, "2048x2048": 0.428, "3840x2160": 0.4, "2160x3840": 0.4 },
};

/**
 * Token prices in USD per million (the pricing page): output = image output tokens, input = text input
 * tokens, inputImage = image input tokens (edits, references). `tokensPerImage` (a high-quality 1024²
 * image) is used only when the table has no row for a request.
 */
function gptImagePrice(
  rates: { outputUsdPerMillion: number; inputUsdPerMillion: number; inputImageUsdPerMillion: number; tokensPerImage: number },
  table: Record<string, Record<string, number>>,
  source: string,
): TokenPrice {
  return {
    unit: "token",
    ...rates,
    outputUsdByQualityAndSize: table,
    inputImageTokens: GPT_IMAGE_INPUT_TOKENS,
    source,
    verifiedOn: "2026-12-07",
  };
}

/** Where each table was checked on 2026-12-07; a figure seen only in copies of OpenAI's pages says so. */
const SOURCES = {
  "gpt-image-1": `${PRICING_PAGE} (figures as quoted by third-party copies of the page, e.g. burncloud.com; token rates match)`,
  "gpt-image-1-mini": "https://developers.openai.com/api/docs/models/gpt-image-1-mini",
  "gpt-image-1.5": `${PRICING_PAGE} (figures as quoted by third-party copies of the page, e.g. runware.ai, docs.apiyi.com)`,
  "gpt-image-2": `${PRICING_PAGE} (token rates $5 text in, $8 image in, $30 image out per million; 1024 sizes as in OpenAI's image generation guide, quoted by third parties, e.g. ai-primer.com and github.com/calesthio/OpenMontage/pull/256; 2048² and 4K rows from OpenAI's calculator algorithm as transcribed on community.openai.com/t/1382699)`,
};

const GPT_IMAGE_1_PRICE = gptImagePrice({ outputUsdPerMillion: 40, inputUsdPerMillion: 5, inputImageUsdPerMillion: 10, tokensPerImage: 4160 }, GPT_IMAGE_1_TABLE, SOURCES["gpt-image-1"]);
const GPT_IMAGE_1_MINI_PRICE = gptImagePrice({ outputUsdPerMillion: 8, inputUsdPerMillion: 2, inputImageUsdPerMillion: 2.5, tokensPerImage: 4160 }, GPT_IMAGE_1_MINI_TABLE, SOURCES["gpt-image-1-mini"]);
const GPT_IMAGE_1_5_PRICE = gptImagePrice({ outputUsdPerMillion: 32, inputUsdPerMillion: 5, inputImageUsdPerMillion: 8, tokensPerImage: 4160 }, GPT_IMAGE_1_5_TABLE, SOURCES["gpt-image-1.5"]);
const GPT_IMAGE_2_PRICE = gptImagePrice({ outputUsdPerMillion: 30, inputUsdPerMillion: 5, inputImageUsdPerMillion: 8, tokensPerImage: 7024 }, GPT_IMAGE_2_TABLE, SOURCES["gpt-image-2"]);

function gptImage(model: string, displayName: string, price?: TokenPrice): Omit<ModelCapability, "provider"> {
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
    ...(price ? { price } : {}),
    adapterHints: { family: "gpt-image" satisfies OpenAIImageFamily },
    ...GPT_IMAGE_LIFECYCLE,
  };
}

/** gpt-image-2 takes any WxH (multiples of 16, up to 3840×2160, ratio between 1:3 and 3:1). */
function gptImage2(model: string, displayName: string, price?: TokenPrice): Omit<ModelCapability, "provider"> {
  const { sizes: _fixed, ...base } = gptImage(model, displayName, price);
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

/**
 * gpt-image-2: GA since 2026-04-21 (default snapshot gpt-image-2-2026-04-21), listed in openai-node's ImageModel,
 * and absent from the deprecations page's shutdown table (checked 2026-12-07).
 */
const GPT_IMAGE_2_LIFECYCLE: ModelLifecycle = {
  status: "ga",
  verifiedOn: "2026-12-07",
  source: "https://developers.openai.com/api/docs/models/gpt-image-2 (no shutdown date on https://developers.openai.com/api/docs/deprecations)",
};

/** "DALL·E 2 and DALL·E 3 are deprecated and removed from the API" (OpenAI's model pages), shut down 2026-05-12. */
const DALL_E_SHUTDOWN = { status: "retired", shutdownOn: "2026-05-12", verifiedOn: "2026-12-07" } as const;

/** OpenAI's deprecations page: the "2026-06-02 GPT image model deprecations" row (notice 2026-06-02, shutdown 2026-12-01). */
const DEPRECATIONS_PAGE = "https://developers.openai.com/api/docs/deprecations#2026-06-02-gpt-image-model-deprecations";

/**
 * Where a retired GPT image model sends callers. OpenAI recommends its newest models (gpt-image-2.6-sunburst
 * or -flare on the deprecations page, GPT-Image-2.5 Sunburst on the gpt-image-1 page); those are not in this
 * catalog because their parameters (quality xhigh/max, complexity) are documented only by third parties so far,
 * and no official SDK snapshot here lists them. gpt-image-2 is GA, in openai-node's ImageModel, and has no
 * shutdown date on the deprecations page, so it is the replacement and the default.
 */
const GPT_IMAGE_SUCCESSOR = "gpt-image-2";

/** Shut down on 2026-12-01 (deprecations page, notice 2026-06-02); recommended replacement gpt-image-2.6-sunburst/-flare. */
const SHUT_DOWN_2026_12_01 = {
  status: "retired",
  deprecatedOn: "2026-06-02",
  shutdownOn: "2026-12-01",
  replacement: GPT_IMAGE_SUCCESSOR,
  verifiedOn: "2026-12-07",
  source: `${DEPRECATIONS_PAGE} (OpenAI recommends gpt-image-2.6-sunburst or -flare; this catalog points at gpt-image-2, the newest model it can verify)`,
} as const;

/** Model entries shared by `openai` and `azure-openai` (Azure serves the same models under deployments). */
export const OPENAI_IMAGE_MODEL_ENTRIES: readonly Omit<ModelCapability, "provider">[] = [
  {
    ...DALL_E_SHUTDOWN,
    // OpenAI named gpt-image-1 / gpt-image-1-mini in 2026; both are shut down since, so callers go to their successor.
    replacement: GPT_IMAGE_SUCCESSOR,
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
    replacement: GPT_IMAGE_SUCCESSOR,
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
  {
    ...gptImage("gpt-image-1", "GPT Image 1", GPT_IMAGE_1_PRICE),
    status: "retired",
    shutdownOn: "2026-10-23",
    replacement: GPT_IMAGE_SUCCESSOR,
    verifiedOn: "2026-12-07",
    // OpenAI's own model page (the Japanese edition carries the notice): "GPT Image 1 は 2026 年 10 月 23 日に提供を終了".
    source:
      "https://developers.openai.com/ja-JP/api/docs/models/gpt-image-1 (shut down 2026-10-23, GPT-Image-2.5 Sunburst recommended; the same date on third-party copies of the deprecations page, e.g. dev.to/importstatic, weighmyprompt.com)",
  },
  { ...gptImage("gpt-image-1-mini", "GPT Image 1 mini", GPT_IMAGE_1_MINI_PRICE), ...SHUT_DOWN_2026_12_01 },
  { ...gptImage("gpt-image-1.5", "GPT Image 1.5", GPT_IMAGE_1_5_PRICE), ...SHUT_DOWN_2026_12_01 },
  { ...gptImage("gpt-image-1.5-2025-12-16", "GPT Image 1.5 (2025-12-16 snapshot)", GPT_IMAGE_1_5_PRICE), ...SHUT_DOWN_2026_12_01 },
  { ...gptImage2("gpt-image-2", "GPT Image 2", GPT_IMAGE_2_PRICE), ...GPT_IMAGE_2_LIFECYCLE },
  { ...gptImage2("gpt-image-2-2026-04-21", "GPT Image 2 (2026-04-21 snapshot)", GPT_IMAGE_2_PRICE), ...GPT_IMAGE_2_LIFECYCLE },
  { ...gptImage("chatgpt-image-latest", "ChatGPT Image (latest)"), ...SHUT_DOWN_2026_12_01 },
];

export const OPENAI_IMAGE_MODELS: readonly CatalogEntry[] = catalog(
  GPT_IMAGE_LIFECYCLE,
  OPENAI_IMAGE_MODEL_ENTRIES.map((m) => ({ provider: "openai", ...m })),
);
