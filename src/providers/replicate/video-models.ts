import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";
import { replicateSource } from "./models.js";
import type { ImageInputType } from "../../core/types.js";
import type { ReplicateImageField } from "./models.js";

/**
 * How a Replicate video model names its inputs. Each family (Veo, Kling, MiniMax) has its own
 * schema, so the adapter reads these names instead of branching on model ids. Absent: no such input.
 */
export interface ReplicateVideoHints {
  aspectRatio?: string;
  /** An integer number of seconds. Absent on fixed-length models (their one duration is declared). */
  duration?: string;
  resolution?: string;
  /** Gateway tier → the model's value (`720p` → `768p`, or Kling's `mode`: `720p` → `standard`). */
  resolutionValues?: Readonly<Record<string, string>>;
  /** The wire resolution the model uses when none is sent. */
  defaultResolution?: string;
  /** Wire resolutions that allow only some durations (Hailuo: 10 s at 768p only). */
  durationsByResolution?: Readonly<Record<string, readonly number[]>>;
  seed?: string;
  negativePrompt?: string;
  generateAudio?: string;
  /** The prompt-optimiser switch (MiniMax `prompt_optimizer`). */
  enhancePrompt?: string;
  /** Input images by `imageList[].type`. */
  images?: Partial<Readonly<Record<ImageInputType, ReplicateImageField>>>;
}

const hints = (h: ReplicateVideoHints): Readonly<Record<string, unknown>> => ({ replicateVideo: h });

export function replicateVideoHints(cap: ModelCapability | undefined): ReplicateVideoHints | undefined {
  return cap?.adapterHints?.replicateVideo as ReplicateVideoHints | undefined;
}

/**
 * Inputs sent to a video model the catalog does not know: the names most Replicate video models
 * share. A model without one of them answers 422 naming it; extraParams carry anything else.
 */
export const GENERIC_VIDEO_HINTS: ReplicateVideoHints = {
  aspectRatio: "aspect_ratio",
  duration: "duration",
  seed: "seed",
  negativePrompt: "negative_prompt",
  images: { first_frame: { field: "image" } },
};

const video = (model: string, displayName: string, cap: Omit<ModelCapability, "provider" | "model" | "kind" | "displayName">): ModelCapability => ({
  provider: "replicate",
  model,
  kind: "video",
  displayName,
  // One prediction makes one video; the core refuses (strict) or coerces numberOfVideos > 1.
  maxN: 1,
  ...cap,
});

const VEO3_HINTS: ReplicateVideoHints = {
  aspectRatio: "aspect_ratio",
  duration: "duration",
  resolution: "resolution",
  seed: "seed",
  negativePrompt: "negative_prompt",
  generateAudio: "generate_audio",
  images: { first_frame: { field: "image" } },
};

const veo3 = (model: string, displayName: string): ModelCapability =>
  video(model, displayName, {
    aspectRatios: ["16:9", "9:16"],
    durations: [4, 6, 8],
    defaultDuration: 8,
    resolutions: ["720p", "1080p"],
    generateAudio: true,
    seed: true,
    negativePrompt: true,
    inputs: { maxImages: 1, imageTypes: ["first_frame"] },
    adapterHints: hints(VEO3_HINTS),
  });

const KLING_RATIOS = ["16:9", "9:16", "1:1"] as const;

const kling = (
  model: string,
  displayName: string,
  images: NonNullable<ReplicateVideoHints["images"]>,
  maxImages: number,
): ModelCapability =>
  video(model, displayName, {
    // Kling ignores aspect_ratio when a start image is given: the video takes the image's shape.
    aspectRatios: KLING_RATIOS,
    durations: [5, 10],
    defaultDuration: 5,
    negativePrompt: true,
    inputs: { maxImages, imageTypes: Object.keys(images) as ImageInputType[] },
    adapterHints: hints({ aspectRatio: "aspect_ratio", duration: "duration", negativePrompt: "negative_prompt", images }),
  });

/**
 * Replicate's official video models (input schemas from each model's API page on replicate.com).
 * Replicate bills these per second of output, but its pages give no stable list price, so no
 * `price` is declared and no cost is estimated.
 */
/**
 * Google retired Veo 2 and 3.0 on 2026-06-30 (Vertex model pages). Replicate has published no shutdown date for
 * its google/veo-2 / veo-3 / veo-3-fast (searched 2026-12-07), so no shutdownOn is recorded: the entries are
 * deprecated from the upstream day on (a warning, the call still goes out) with Veo 3.1 as the replacement.
 */
const UPSTREAM_VEO_RETIRED = {
  status: "deprecated",
  deprecatedOn: "2026-06-30",
  replacement: "google/veo-3.1",
  verifiedOn: "2026-12-07",
  source: "https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-0-generate (upstream retirement 2026-06-30; no Replicate notice or date found)",
} as const;

export const REPLICATE_VIDEO_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-11-22", source: "https://replicate.com/collections/official" }, ([
  { ...veo3("google/veo-3", "Google Veo 3"), ...UPSTREAM_VEO_RETIRED },
  { ...veo3("google/veo-3-fast", "Google Veo 3 Fast"), ...UPSTREAM_VEO_RETIRED },
  video("google/veo-3.1", "Google Veo 3.1", {
    aspectRatios: ["16:9", "9:16"],
    durations: [4, 6, 8],
    defaultDuration: 8,
    resolutions: ["720p", "1080p"],
    generateAudio: true,
    seed: true,
    negativePrompt: true,
    // First frame, last frame and up to three reference images.
    inputs: { maxImages: 5, imageTypes: ["first_frame", "last_frame", "reference"] },
    adapterHints: hints({
      ...VEO3_HINTS,
      images: { first_frame: { field: "image" }, last_frame: { field: "last_frame" }, reference: { field: "reference_images", list: true } },
    }),
  }),
  {
    ...video("google/veo-2", "Google Veo 2", {
      aspectRatios: ["16:9", "9:16"],
      durations: [5, 6, 7, 8],
      defaultDuration: 5,
      seed: true,
      adapterHints: hints({ aspectRatio: "aspect_ratio", duration: "duration", seed: "seed" }),
    }),
    ...UPSTREAM_VEO_RETIRED,
  },
  // Image-to-video only; `mode` picks 720p (standard) or 1080p (pro), and end_image needs pro.
  video("kwaivgi/kling-v2.1", "Kling v2.1", {
    durations: [5, 10],
    defaultDuration: 5,
    resolutions: ["720p", "1080p"],
    negativePrompt: true,
    inputs: { maxImages: 2, imageTypes: ["first_frame", "last_frame"], requiresImage: true },
    adapterHints: hints({
      duration: "duration",
      resolution: "mode",
      resolutionValues: { "720p": "standard", "1080p": "pro" },
      negativePrompt: "negative_prompt",
      images: { first_frame: { field: "start_image" }, last_frame: { field: "end_image" } },
    }),
  }),
  kling("kwaivgi/kling-v2.1-master", "Kling v2.1 Master", { first_frame: { field: "start_image" } }, 1),
  kling(
    "kwaivgi/kling-v1.6-pro",
    "Kling v1.6 Pro",
    { first_frame: { field: "start_image" }, last_frame: { field: "end_image" }, reference: { field: "reference_images", list: true } },
    6,
  ),
  kling("kwaivgi/kling-v2.5-turbo-pro", "Kling v2.5 Turbo Pro", { first_frame: { field: "start_image" }, last_frame: { field: "end_image" } }, 2),
  // Always 6 s at 720p: there is no duration or resolution input to send.
  video("minimax/video-01", "MiniMax Video-01 (Hailuo)", {
    durations: [6],
    defaultDuration: 6,
    enhancePrompt: true,
    inputs: { maxImages: 2, imageTypes: ["first_frame", "reference"] },
    adapterHints: hints({
      enhancePrompt: "prompt_optimizer",
      images: { first_frame: { field: "first_frame_image" }, reference: { field: "subject_reference" } },
    }),
  }),
  video("minimax/hailuo-02", "MiniMax Hailuo 02", {
    durations: [6, 10],
    defaultDuration: 6,
    resolutions: ["480p", "720p", "1080p"],
    enhancePrompt: true,
    inputs: { maxImages: 2, imageTypes: ["first_frame", "last_frame"] },
    adapterHints: hints({
      duration: "duration",
      resolution: "resolution",
      resolutionValues: { "480p": "512p", "720p": "768p", "1080p": "1080p" },
      defaultResolution: "1080p",
      durationsByResolution: { "512p": [6], "1080p": [6] },
      enhancePrompt: "prompt_optimizer",
      images: { first_frame: { field: "first_frame_image" }, last_frame: { field: "last_frame_image" } },
    }),
  }),
  video("minimax/hailuo-2.3", "MiniMax Hailuo 2.3", {
    durations: [6, 10],
    defaultDuration: 6,
    resolutions: ["720p", "1080p"],
    enhancePrompt: true,
    inputs: { maxImages: 1, imageTypes: ["first_frame"] },
    adapterHints: hints({
      duration: "duration",
      resolution: "resolution",
      resolutionValues: { "720p": "768p", "1080p": "1080p" },
      defaultResolution: "768p",
      durationsByResolution: { "1080p": [6] },
      enhancePrompt: "prompt_optimizer",
      images: { first_frame: { field: "first_frame_image" } },
    }),
  }),
] satisfies ModelCapability[]).map(replicateSource));

/** The video catalog entry of `owner/name`, also for a version-pinned `owner/name:version`. */
export function videoCatalogEntry(model: string): ModelCapability | undefined {
  const base = model.split(":")[0];
  return REPLICATE_VIDEO_MODELS.find((m) => m.model === base);
}
