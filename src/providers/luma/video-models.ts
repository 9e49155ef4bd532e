import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";
import { LUMA_ASPECT_RATIOS } from "./models.js";

/** What the video adapter needs to know about a Ray model. */
export interface LumaVideoHints {
  generationType: "video";
  /** The model takes `duration` ("5s" | "9s"). */
  duration?: boolean;
  /** Gateway tier → Luma's `resolution` (Luma's smallest tier is 540p, not 480p). */
  resolutionValues?: Readonly<Record<string, string>>;
}

export function lumaVideoHints(cap: ModelCapability | undefined): LumaVideoHints | undefined {
  const hints = cap?.adapterHints as LumaVideoHints | undefined;
  return hints?.generationType === "video" ? hints : undefined;
}

/** Hints for a Ray model the catalog does not know yet: the current Ray 2 body. */
export const DEFAULT_VIDEO_HINTS: LumaVideoHints = {
  generationType: "video",
  duration: true,
  resolutionValues: { "480p": "540p", "720p": "720p", "1080p": "1080p", "4k": "4k" },
};

const ray = (model: string, displayName: string, extra: Partial<ModelCapability>): ModelCapability => ({
  provider: "luma",
  model,
  kind: "video",
  displayName,
  aspectRatios: LUMA_ASPECT_RATIOS,
  // One generation is one video.
  maxN: 1,
  // Keyframes: frame0 (first) and frame1 (last).
  inputs: { maxImages: 2, imageTypes: ["first_frame", "last_frame"] },
  ...extra,
});

/**
 * Ray video models. Luma's API pricing is by output pixels and seconds and is not published as a
 * stable per-second list price, so no `price` is declared.
 */
export const LUMA_VIDEO_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-12-07", source: "https://github.com/lumalabs/lumaai-node/blob/be2c3c4/src/resources/generations/video.ts" }, [
  ray("ray-2", "Luma Ray 2", {
    durations: [5, 9],
    defaultDuration: 5,
    resolutions: ["480p", "720p", "1080p", "4k"],
    adapterHints: { ...DEFAULT_VIDEO_HINTS },
  }),
  ray("ray-flash-2", "Luma Ray Flash 2", {
    durations: [5, 9],
    defaultDuration: 5,
    resolutions: ["480p", "720p", "1080p", "4k"],
    adapterHints: { ...DEFAULT_VIDEO_HINTS },
  }),
  // The older Ray 1.6 makes fixed 5 s clips and takes neither duration nor resolution.
  ray("ray-1-6", "Luma Ray 1.6", {
    durations: [5],
    defaultDuration: 5,
    adapterHints: { generationType: "video" } satisfies LumaVideoHints,
  }),
]);
