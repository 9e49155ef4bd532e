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
  /** Widest allowed ratio of the long side to the short one (3: between 1:3 and 3:1). */
  maxAspectRatio?: number;
}

/**
 * Where a model stands with its provider. `deprecated`: still served, with a shutdown announced or
 * expected; `retired`: no longer served (kept in the catalog so old code gets a clear message and the
 * replacement instead of a provider 404).
 */
export type ModelStatus = "preview" | "ga" | "deprecated" | "retired";

export const MODEL_STATUSES: readonly ModelStatus[] = ["preview", "ga", "deprecated", "retired"];

/**
 * A catalog entry's lifecycle facts. Dates are ISO days (`2026-09-24`, UTC). The effective status also
 * depends on the clock: an entry whose `shutdownOn` has passed behaves as retired (see core/lifecycle.ts).
 */
export interface ModelLifecycle {
  status: ModelStatus;
  /** The day the provider announced the deprecation (or marked it deprecated). */
  deprecatedOn?: string;
  /** The day the provider stops (or stopped) serving it. */
  shutdownOn?: string;
  /** A model id of the same provider that takes its place. */
  replacement?: string;
  /** The day someone last checked these facts against `source`. */
  verifiedOn: string;
  /** The URL the facts came from; "(third party)" after it when no first-party source was found. */
  source: string;
}

/**
 * A model's declared capabilities. It drives validation and coercion, `listModels()`, cost estimates
 * and the docs; adapters read it too instead of hard-coding per-model branches.
 */
export interface ModelCapability extends Partial<ModelLifecycle> {
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
  /** Serves image variations (OpenAI's `/images/variations`: one input image, no prompt needed). */
  variations?: boolean;
  /** Anything an adapter needs to know about the model (endpoint family, field names). Opaque to the core. */
  adapterHints?: Readonly<Record<string, unknown>>;
  /**
   * How long a job of this model usually takes from submit to result, with where that was learned. Polled
   * providers use it to schedule status checks (first check near the expected completion, then short
   * intervals); see core/poll-schedule.ts.
   */
  typicalDuration?: TypicalDuration;
}

/** A fact about a model's speed, as catalog data: the seconds, its source and when it was checked. */
export interface TypicalDuration {
  seconds: number;
  source: string;
  verifiedOn: string;
}

/** A built-in catalog entry: lifecycle facts are required (checked by test/core/catalog-schema.test.ts). */
export type CatalogEntry = ModelCapability & ModelLifecycle;

/** A provider's catalog: every entry gets `defaults` (status, verifiedOn, source) unless it sets its own. */
export function catalog(defaults: ModelLifecycle, entries: readonly ModelCapability[]): readonly CatalogEntry[] {
  return entries.map((entry) => ({ ...defaults, ...entry }));
}

/** A capability entry used for models not in the catalog: no validation, a warning instead. */
export function unknownModelCapability(provider: string, model: string, kind: MediaKind): ModelCapability {
  return { provider, model, kind };
}
