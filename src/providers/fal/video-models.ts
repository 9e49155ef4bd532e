import { type CatalogEntry, type ModelCapability, type ModelLifecycle, catalog } from "../../core/capabilities.js";
import { FAL_ENDPOINT_TYPES } from "./models.js";
import type { ImageInputType } from "../../core/types.js";

/**
 * How one fal video model spells its inputs. Each family (Veo, Kling, Hailuo, Wan) has its own
 * duration format and frame-image field names, so the adapter reads these instead of branching on
 * model ids. An absent entry means the model has no such input.
 */
export interface FalVideoHints {
  /**
   * How `durationSeconds` goes on the wire: `"8s"` strings (Veo), bare strings `"5"` (Kling, Hailuo,
   * Wan 2.5), or a frame count at a frame rate (Wan 2.2: `num_frames`, `frames_per_second`).
   * Absent on fixed-length models (their one duration is declared in `durations`).
   */
  duration?:
    | { field: string; format: "suffixed" | "string" }
    | { field: string; format: "frames"; fpsField: string; defaultFps: number; minFrames: number; maxFrames: number };
  aspectRatio?: string;
  resolution?: string;
  /** Gateway tier → the model's value (Hailuo: `720p` → `768P`). Absent: the tier as-is. */
  resolutionValues?: Readonly<Record<string, string>>;
  generateAudio?: string;
  negativePrompt?: string;
  seed?: string;
  /** The model's prompt rewriter: `enhance_prompt`, `prompt_optimizer`, `enable_prompt_expansion`. */
  enhancePrompt?: string;
  /** Where each `imageList[].type` goes: `image_url`, `first_frame_url`, `tail_image_url`, … */
  images?: Partial<Readonly<Record<ImageInputType, string>>>;
  /** Image types that fill one list input (Veo 3.1 reference-to-video: `reference` → `image_urls`). */
  imageLists?: Partial<Readonly<Record<ImageInputType, string>>>;
  /** Frame types the endpoint cannot run without (first-last-frame endpoints need both). */
  requiredImages?: readonly ImageInputType[];
  /** Input video for video-to-video endpoints. */
  video?: string;
  /** The endpoint cannot run without the input video (extend-video). */
  requiresVideo?: boolean;
}

const KEY = "falVideo";
const hints = (h: FalVideoHints): Readonly<Record<string, unknown>> => ({ [KEY]: h });

export function falVideoHints(cap: ModelCapability | undefined): FalVideoHints | undefined {
  return cap?.adapterHints?.[KEY] as FalVideoHints | undefined;
}

/**
 * Inputs sent to a fal video model the catalog does not know: the names most fal video endpoints
 * share, and a bare-string duration (Kling, Hailuo, Wan 2.5, Sora on fal). A model without one of
 * them answers 422 naming the field; extraParams carry anything else.
 */
export const GENERIC_VIDEO_HINTS: FalVideoHints = {
  duration: { field: "duration", format: "string" },
  aspectRatio: "aspect_ratio",
  resolution: "resolution",
  generateAudio: "generate_audio",
  negativePrompt: "negative_prompt",
  seed: "seed",
  images: { first_frame: "image_url", last_frame: "end_image_url" },
  video: "video_url",
};

type Entry = Omit<ModelCapability, "provider" | "model" | "kind" | "displayName">;

const video = (model: string, displayName: string, cap: Entry): ModelCapability => ({
  provider: "fal",
  model,
  kind: "video",
  displayName,
  // A fal video endpoint makes one video per request; the core refuses or coerces numberOfVideos > 1.
  maxN: 1,
  ...cap,
});

// ---- Veo (Google) on fal: "4s" | "6s" | "8s", audio on by default -----------------------------

const VEO_DURATION = { field: "duration", format: "suffixed" } as const;
const VEO_COMMON: FalVideoHints = {
  duration: VEO_DURATION,
  resolution: "resolution",
  generateAudio: "generate_audio",
};
const VEO_T2V: FalVideoHints = { ...VEO_COMMON, aspectRatio: "aspect_ratio", negativePrompt: "negative_prompt", seed: "seed" };
/** fal's Veo image endpoints default `aspect_ratio` to `auto` (the image's own shape) when none is sent. */
const VEO_I2V: FalVideoHints = { ...VEO_T2V, images: { first_frame: "image_url" } };
const VEO_FLF: FalVideoHints = {
  ...VEO_T2V,
  images: { first_frame: "first_frame_url", last_frame: "last_frame_url" },
  requiredImages: ["first_frame", "last_frame"],
};

const veoBase = (resolutions: readonly string[]): Entry => ({
  durations: [4, 6, 8],
  defaultDuration: 8,
  aspectRatios: ["16:9", "9:16"],
  resolutions,
  generateAudio: true,
  seed: true,
  negativePrompt: true,
});

/**
 * Veo list prices on fal are per second: audio is on unless `generateAudio: false`, so the base
 * price is the with-audio one (an estimate for a silent video errs high, never low).
 */
const VEO31_PRICE = { unit: "second", usd: 0.4, byResolution: { "4k": 0.6 } } as const;
const VEO3_PRICE = { unit: "second", usd: 0.4 } as const;

const FIRST_FRAME = { maxImages: 1, imageTypes: ["first_frame"], requiresImage: true } as const;
/** A first frame, and optionally a last one (both required where the hints say so). */
const FIRST_LAST = { maxImages: 2, imageTypes: ["first_frame", "last_frame"], requiresImage: true } as const;

/** Veo 3.1 from up to three reference images (subject consistency): 8 s only. */
const VEO31_R2V: FalVideoHints = { ...VEO_COMMON, aspectRatio: "aspect_ratio", imageLists: { reference: "image_urls" } };
/** Veo 3.1 extend-video continues a video by 7 s at 720p. */
const VEO31_EXTEND: FalVideoHints = { ...VEO_COMMON, aspectRatio: "aspect_ratio", video: "video_url", requiresVideo: true };

// ---- Sora 2 on fal: "4" | "8" | "12" strings, 720p -------------------------------------------------

const SORA_T2V: FalVideoHints = { duration: { field: "duration", format: "string" }, aspectRatio: "aspect_ratio", resolution: "resolution" };
const SORA_I2V: FalVideoHints = { ...SORA_T2V, images: { first_frame: "image_url" } };
const soraBase: Entry = { durations: [4, 8, 12], defaultDuration: 4, aspectRatios: ["16:9", "9:16"], resolutions: ["720p"] };

// ---- Kling: "5" | "10" strings, negative prompt, cfg_scale via extraParams -----------------------

const KLING_DURATION = { field: "duration", format: "string" } as const;
const KLING_T2V: FalVideoHints = { duration: KLING_DURATION, aspectRatio: "aspect_ratio", negativePrompt: "negative_prompt" };
const KLING_I2V: FalVideoHints = { duration: KLING_DURATION, negativePrompt: "negative_prompt", images: { first_frame: "image_url" } };
const KLING_I2V_TAIL: FalVideoHints = { ...KLING_I2V, images: { first_frame: "image_url", last_frame: "tail_image_url" } };
const klingBase = (perSecond: number, t2v: boolean): Entry => ({
  durations: [5, 10],
  defaultDuration: 5,
  ...(t2v ? { aspectRatios: ["16:9", "9:16", "1:1"] } : {}),
  negativePrompt: true,
  price: { unit: "second", usd: perSecond },
});

// ---- MiniMax Hailuo-02: "6" | "10" strings, prompt_optimizer, 512P/768P ---------------------------

const HAILUO_STANDARD_T2V: FalVideoHints = { duration: { field: "duration", format: "string" }, enhancePrompt: "prompt_optimizer" };
const HAILUO_STANDARD_I2V: FalVideoHints = {
  ...HAILUO_STANDARD_T2V,
  resolution: "resolution",
  resolutionValues: { "480p": "512P", "720p": "768P" },
  images: { first_frame: "image_url", last_frame: "end_image_url" },
};
/** The pro endpoints take no duration or resolution: 6 s at 1080p. */
const HAILUO_PRO_T2V: FalVideoHints = { enhancePrompt: "prompt_optimizer" };
const HAILUO_PRO_I2V: FalVideoHints = { ...HAILUO_PRO_T2V, images: { first_frame: "image_url", last_frame: "end_image_url" } };

/** MiniMax Video-01 makes fixed 6 s clips and takes only the prompt optimiser (and a first frame on i2v). */
const MINIMAX_V01_T2V: FalVideoHints = { enhancePrompt: "prompt_optimizer" };
const MINIMAX_V01_I2V: FalVideoHints = { ...MINIMAX_V01_T2V, images: { first_frame: "image_url" } };

// ---- Wan: 2.2 A14B counts frames (17–161 at 16 fps by default); 2.5 takes "5" | "10" ----------------

const WAN22_T2V: FalVideoHints = {
  duration: { field: "num_frames", format: "frames", fpsField: "frames_per_second", defaultFps: 16, minFrames: 17, maxFrames: 161 },
  aspectRatio: "aspect_ratio",
  resolution: "resolution",
  negativePrompt: "negative_prompt",
  seed: "seed",
  enhancePrompt: "enable_prompt_expansion",
};
const WAN25_COMMON: FalVideoHints = {
  duration: { field: "duration", format: "string" },
  resolution: "resolution",
  negativePrompt: "negative_prompt",
  seed: "seed",
  enhancePrompt: "enable_prompt_expansion",
};
const WAN25_T2V: FalVideoHints = { ...WAN25_COMMON, aspectRatio: "aspect_ratio" };
const WAN25_I2V: FalVideoHints = { ...WAN25_COMMON, images: { first_frame: "image_url" } };

/**
 * fal video endpoints with their inputs (fal-js endpoint types) and list prices per second from
 * fal's model pages where we have them; models without a confirmed price carry none (no estimate
 * beats a wrong one).
 */
/**
 * fal-js commit 381105e (2026-08-02) removed the Veo 3.0, Veo 2 and Sora 2 endpoints from fal's registry;
 * upstream, Google retired Veo 3.0 and Veo 2 on 2026-06-30 and OpenAI shut Sora down on 2026-09-24. fal's
 * own live status was not confirmed, so the shutdown day is the upstream one.
 */
const FAL_REMOVED = "https://github.com/fal-ai/fal-js/commit/381105e (endpoints removed from fal's registry)";
const retired = (shutdownOn: string, replacement: string): Partial<ModelLifecycle> => ({ status: "retired", shutdownOn, replacement, source: FAL_REMOVED });
const VEO3_GONE = "2026-06-30";
const SORA_GONE = "2026-09-24";

export const FAL_VIDEO_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-12-07", source: FAL_ENDPOINT_TYPES }, [
  video("fal-ai/veo3", "Veo 3 (text to video)", { ...veoBase(["720p", "1080p"]), price: VEO3_PRICE, adapterHints: hints(VEO_T2V), ...retired(VEO3_GONE, "fal-ai/veo3.1") }),
  video("fal-ai/veo3/fast", "Veo 3 Fast (text to video)", { ...veoBase(["720p", "1080p"]), adapterHints: hints(VEO_T2V), ...retired(VEO3_GONE, "fal-ai/veo3.1/fast") }),
  video("fal-ai/veo3/image-to-video", "Veo 3 (image to video)", {
    ...retired(VEO3_GONE, "fal-ai/veo3.1/image-to-video"),
    // This endpoint takes no negative prompt or seed.
    ...veoBase(["720p", "1080p"]),
    seed: false,
    negativePrompt: false,
    inputs: FIRST_FRAME,
    price: VEO3_PRICE,
    adapterHints: hints({ ...VEO_COMMON, aspectRatio: "aspect_ratio", images: { first_frame: "image_url" } }),
  }),
  video("fal-ai/veo3.1", "Veo 3.1 (text to video)", { ...veoBase(["720p", "1080p", "4k"]), price: VEO31_PRICE, adapterHints: hints(VEO_T2V) }),
  video("fal-ai/veo3.1/fast", "Veo 3.1 Fast (text to video)", { ...veoBase(["720p", "1080p", "4k"]), adapterHints: hints(VEO_T2V) }),
  video("fal-ai/veo3.1/image-to-video", "Veo 3.1 (image to video)", {
    ...veoBase(["720p", "1080p", "4k"]),
    inputs: FIRST_FRAME,
    price: VEO31_PRICE,
    adapterHints: hints(VEO_I2V),
  }),
  video("fal-ai/veo3.1/fast/image-to-video", "Veo 3.1 Fast (image to video)", {
    ...veoBase(["720p", "1080p", "4k"]),
    inputs: FIRST_FRAME,
    adapterHints: hints(VEO_I2V),
  }),
  video("fal-ai/veo3.1/first-last-frame-to-video", "Veo 3.1 (first and last frame)", {
    ...veoBase(["720p", "1080p", "4k"]),
    inputs: FIRST_LAST,
    price: VEO31_PRICE,
    adapterHints: hints(VEO_FLF),
  }),
  video("fal-ai/veo3.1/reference-to-video", "Veo 3.1 (reference images to video)", {
    ...veoBase(["720p", "1080p"]),
    durations: [8],
    seed: false,
    negativePrompt: false,
    inputs: { maxImages: 3, imageTypes: ["reference"], requiresImage: true },
    adapterHints: hints(VEO31_R2V),
  }),
  video("fal-ai/veo3.1/extend-video", "Veo 3.1 (extend a video by 7 s)", {
    durations: [7],
    defaultDuration: 7,
    aspectRatios: ["16:9", "9:16"],
    resolutions: ["720p"],
    generateAudio: true,
    inputs: { maxImages: 0, video: true },
    adapterHints: hints(VEO31_EXTEND),
  }),
  video("fal-ai/veo3/fast/image-to-video", "Veo 3 Fast (image to video)", { ...retired(VEO3_GONE, "fal-ai/veo3.1/fast/image-to-video") }),
  video("fal-ai/veo2", "Veo 2 (text to video)", { ...retired(VEO3_GONE, "fal-ai/veo3.1") }),
  video("fal-ai/veo2/image-to-video", "Veo 2 (image to video)", { ...retired(VEO3_GONE, "fal-ai/veo3.1/image-to-video") }),
  video("fal-ai/sora-2/text-to-video", "Sora 2 (text to video)", { ...soraBase, adapterHints: hints(SORA_T2V), ...retired(SORA_GONE, "fal-ai/veo3.1") }),
  video("fal-ai/sora-2/image-to-video", "Sora 2 (image to video)", {
    ...soraBase,
    inputs: FIRST_FRAME,
    adapterHints: hints(SORA_I2V),
    ...retired(SORA_GONE, "fal-ai/veo3.1/image-to-video"),
  }),
  video("fal-ai/kling-video/v2.1/master/text-to-video", "Kling 2.1 Master (text to video)", { ...klingBase(0.28, true), adapterHints: hints(KLING_T2V) }),
  video("fal-ai/kling-video/v2.1/master/image-to-video", "Kling 2.1 Master (image to video)", {
    ...klingBase(0.28, false),
    inputs: FIRST_FRAME,
    adapterHints: hints(KLING_I2V),
  }),
  video("fal-ai/kling-video/v2.1/standard/image-to-video", "Kling 2.1 Standard (image to video)", {
    ...klingBase(0.056, false),
    inputs: FIRST_FRAME,
    adapterHints: hints(KLING_I2V),
  }),
  video("fal-ai/kling-video/v2.1/pro/image-to-video", "Kling 2.1 Pro (image to video, optional end frame)", {
    ...klingBase(0.098, false),
    inputs: FIRST_LAST,
    adapterHints: hints(KLING_I2V_TAIL),
  }),
  video("fal-ai/kling-video/v2.5-turbo/pro/text-to-video", "Kling 2.5 Turbo Pro (text to video)", {
    ...klingBase(0.07, true),
    adapterHints: hints(KLING_T2V),
  }),
  video("fal-ai/kling-video/v2.5-turbo/pro/image-to-video", "Kling 2.5 Turbo Pro (image to video, optional end frame)", {
    ...klingBase(0.07, false),
    inputs: FIRST_LAST,
    adapterHints: hints(KLING_I2V_TAIL),
  }),
  video("fal-ai/minimax/hailuo-02/standard/text-to-video", "MiniMax Hailuo-02 Standard (text to video, 768p)", {
    durations: [6, 10],
    defaultDuration: 6,
    enhancePrompt: true,
    price: { unit: "second", usd: 0.045 },
    adapterHints: hints(HAILUO_STANDARD_T2V),
  }),
  video("fal-ai/minimax/hailuo-02/standard/image-to-video", "MiniMax Hailuo-02 Standard (image to video, 512p/768p)", {
    durations: [6, 10],
    defaultDuration: 6,
    resolutions: ["480p", "720p"],
    enhancePrompt: true,
    inputs: FIRST_LAST,
    price: { unit: "second", usd: 0.045, byResolution: { "480p": 0.017, "720p": 0.045 } },
    adapterHints: hints(HAILUO_STANDARD_I2V),
  }),
  video("fal-ai/minimax/hailuo-02/pro/text-to-video", "MiniMax Hailuo-02 Pro (text to video, 1080p, 6 s)", {
    durations: [6],
    defaultDuration: 6,
    enhancePrompt: true,
    adapterHints: hints(HAILUO_PRO_T2V),
  }),
  video("fal-ai/minimax/hailuo-02/pro/image-to-video", "MiniMax Hailuo-02 Pro (image to video, 1080p, 6 s)", {
    durations: [6],
    defaultDuration: 6,
    enhancePrompt: true,
    inputs: FIRST_LAST,
    adapterHints: hints(HAILUO_PRO_I2V),
  }),
  video("fal-ai/minimax/video-01", "MiniMax Video-01 (text to video, 6 s)", {
    durations: [6],
    defaultDuration: 6,
    enhancePrompt: true,
    adapterHints: hints(MINIMAX_V01_T2V),
  }),
  video("fal-ai/minimax/video-01/image-to-video", "MiniMax Video-01 (image to video, 6 s)", {
    durations: [6],
    defaultDuration: 6,
    enhancePrompt: true,
    inputs: FIRST_FRAME,
    adapterHints: hints(MINIMAX_V01_I2V),
  }),
  video("fal-ai/wan/v2.2-a14b/text-to-video", "Wan 2.2 A14B (text to video)", {
    // 17–161 frames at 16 fps; the default 81 frames is about 5 s.
    durationRange: { min: 1, max: 10 },
    defaultDuration: 5,
    aspectRatios: ["16:9", "9:16", "1:1"],
    resolutions: ["480p", "720p"],
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    adapterHints: hints(WAN22_T2V),
  }),
  video("fal-ai/wan-25-preview/text-to-video", "Wan 2.5 preview (text to video)", {
    durations: [5, 10],
    defaultDuration: 5,
    aspectRatios: ["16:9", "9:16", "1:1"],
    resolutions: ["480p", "720p", "1080p"],
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    adapterHints: hints(WAN25_T2V),
  }),
  video("fal-ai/wan-25-preview/image-to-video", "Wan 2.5 preview (image to video)", {
    durations: [5, 10],
    defaultDuration: 5,
    resolutions: ["480p", "720p", "1080p"],
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    inputs: FIRST_FRAME,
    adapterHints: hints(WAN25_I2V),
  }),
]);

export function videoCatalogEntry(model: string): ModelCapability | undefined {
  return FAL_VIDEO_MODELS.find((m) => m.model === model);
}
