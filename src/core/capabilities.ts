import type { ImageInputType, MediaKind } from "./types.js";

/**
 * How a model is priced, in USD. Figures are list prices from the provider's pricing page at the time
 * the entry was written; `estimateCost` uses them and says so (`estimated: true`).
 */
export type PriceBasis =
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
