import type { ImageInputType, MediaKind } from "./types.js";

/**
 * How a model is priced, in USD. Figures are list prices from the provider's pricing page at the time
 * the entry was written; `estimateCost` uses them and says so (`estimated: true`).
 */
export type PriceBasis = PriceRates & {
  /** Where the figures come from (a pricing page URL), and when they were last checked against it. */
  source?: string;
  verifiedOn?: string;
};

/**
 * Tokens one input image costs, by the provider's documented rule:
 * - `fixed`: every image costs `tokens`.
 * - `tiles`: the image is scaled to fit `fitWithin`² (never up), then so its short side is at most
 *   `shortSide`; it costs `baseTokens` plus `tokensPerTile` per `tileSize`² tile. An image whose
 *   sides are both ≤ `smallMaxSide` costs `smallTokens` instead.
 */
export type InputImageTokenRule =
  | { kind: "fixed"; tokens: number }
  | {
      kind: "tiles";
      tileSize: number;
      tokensPerTile: number;
      baseTokens?: number;
      fitWithin?: number;
      shortSide?: number;
      smallMaxSide?: number;
      smallTokens?: number;
    };

export type PriceRates =
  | {
      unit: "image";
      usd: number;
      /** Price by quality, then by size (`{ high: { "1024x1024": 0.167 } }`); falls back to `byQuality`. */
      byQualityAndSize?: Record<string, Record<string, number>>;
      byQuality?: Record<string, number>;
      bySize?: Record<string, number>;
      byResolution?: Record<string, number>;
    }
  | {
      unit: "token";
      outputUsdPerMillion: number;
      inputUsdPerMillion?: number;
      /** Input image tokens (edits, references), when priced apart from text input. */
      inputImageUsdPerMillion?: number;
      /** Output tokens one image costs, by resolution tier (`1K`, `2K`, `4K`) or a single number. */
      tokensPerImage: number | Record<string, number>;
      /**
       * The provider's own per-image output price by quality, then `WxH` size (OpenAI's table for GPT
       * image models). When present it prices the output instead of `tokensPerImage`.
       */
      outputUsdByQualityAndSize?: Record<string, Record<string, number>>;
      /** How many input tokens one input image (edit source, reference) costs, for estimates. */
      inputImageTokens?: InputImageTokenRule;
    }
  | {
      unit: "second";
      usd: number;
      byResolution?: Record<string, number>;
      /** Per-second price when audio is generated, if different. */
      withAudioUsd?: number;
      /** Per-second price when audio is explicitly off, for models that generate it by default. */
      withoutAudioUsd?: number;
    }
  | { unit: "megapixel"; usd: number };

export interface ModelInputs {
  /** Maximum number of input images (0 or absent: the model takes none). */
  maxImages?: number;
  /** Which `imageList[].type`s the model understands. */
  imageTypes?: readonly ImageInputType[];
  mask?: boolean;
  /** Video-to-video input. */
  video?: boolean;
  /** The model requires at least one input image (edit-only / image-to-video-only models). */
  requiresImage?: boolean;
}

/** Free-form sizing rules for models that take arbitrary width/height. */
export interface SizeConstraints {
  multipleOf?: number;
  minSide?: number;
  maxSide?: number;
  maxPixels?: number;
}

/**
 * A model's declared capabilities. It drives validation and coercion, `listModels()`, cost estimates
 * and the docs; adapters read it too instead of hard-coding per-model branches.
 */
export interface ModelCapability {
  provider: string;
  model: string;
  kind: MediaKind;
  displayName?: string;
  /** Alternative ids that resolve to this model. */
  aliases?: readonly string[];
  /** Exact `WxH` sizes (or `auto`). Absent with `sizeConstraints`: any size within the constraints. */
  sizes?: readonly string[];
  sizeConstraints?: SizeConstraints;
  aspectRatios?: readonly string[];
  qualities?: readonly string[];
  defaultQuality?: string;
  styles?: readonly string[];
  /** Tiers (`1K`/`2K`/`4K` for images, `480p`…`4k` for video). */
  resolutions?: readonly string[];
  outputFormats?: readonly ("png" | "jpeg" | "webp")[];
  /** Most outputs one request may ask for. */
  maxN?: number;
  /** Most outputs one provider call returns; the core splits larger `n` into parallel calls. */
  maxNPerCall?: number;
  inputs?: ModelInputs;
  seed?: boolean;
  /** Takes `responseModalities` (Gemini image models: `["IMAGE"]` or `["TEXT","IMAGE"]`). */
  responseModalities?: boolean;
  negativePrompt?: boolean;
  enhancePrompt?: boolean;
  /** Video: allowed durations in seconds, or a range. */
  durations?: readonly number[];
  durationRange?: { min: number; max: number };
  defaultDuration?: number;
  generateAudio?: boolean;
  price?: PriceBasis;
  /** Set when the provider has retired the model; requests fail fast with this text. */
  retired?: string;
  /** Anything an adapter needs to know about the model (endpoint family, field names). Opaque to the core. */
  adapterHints?: Readonly<Record<string, unknown>>;
}

/** A capability entry used for models not in the catalog: no validation, a warning instead. */
export function unknownModelCapability(provider: string, model: string, kind: MediaKind): ModelCapability {
  return { provider, model, kind };
}
