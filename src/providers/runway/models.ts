import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";

/**
 * How the adapter talks to one Runway model. Runway sizes video by pixel ratio strings (`1280:720`)
 * that differ per model, so the catalog declares plain aspect ratios for validation and this table
 * translates them on the wire.
 */
export interface RunwayHints {
  /** Endpoints the model is served on. */
  endpoints: readonly ("image_to_video" | "text_to_video" | "video_to_video")[];
  /** Aspect ratio → Runway `ratio` at the model's base (720p-class) resolution. */
  ratios?: Readonly<Record<string, string>>;
  /** Aspect ratio → `ratio` when `resolution: "1080p"` is asked for. */
  ratios1080p?: Readonly<Record<string, string>>;
  /**
   * Seedance 2: one aspect ratio → `ratio` table per output tier (480p … 4k); `ratio` carries the
   * resolution, so it is sent whenever either field is given.
   */
  ratiosByResolution?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The tier `ratiosByResolution` uses when the request names none. */
  defaultResolution?: string;
  /** Aspect ratios `text_to_video` accepts, when narrower than image_to_video's. */
  textAspectRatios?: readonly string[];
  /** Sent when the request names no aspect ratio and the model requires `ratio`. */
  defaultAspectRatio?: string;
  /** aleph2 takes plain aspect ratios in `targetAspectRatio` instead of a pixel `ratio`. */
  targetAspectRatio?: boolean;
  /** `promptImage` may carry a `last` frame. */
  lastFrame?: boolean;
  /** A `last` frame may be sent without a `first` one. */
  lastFrameAlone?: boolean;
  /** gen4_aleph: `imageList` reference images go to `references: [{type: "image", uri}]`. */
  references?: boolean;
  /**
   * Seedance 2: reference images go to `promptImage` entries without a position (image to video) or
   * `references: [{uri}]` (video to video); they cannot be mixed with first/last frames.
   */
  plainReferences?: boolean;
  /** The input video's field on video_to_video: `videoUri` (Aleph, the default) or `promptVideo` (Seedance 2). */
  videoField?: "videoUri" | "promptVideo";
  /** aleph2: first/last frames go to `keyframes: [{at: 0|1, uri}]`. */
  keyframes?: boolean;
  /** Runway rejects fractional seconds for these models. */
  integerDuration?: boolean;
}

const GEN4_RATIOS = {
  "16:9": "1280:720",
  "9:16": "720:1280",
  "4:3": "1104:832",
  "3:4": "832:1104",
  "1:1": "960:960",
  "21:9": "1584:672",
} as const;

const VEO_RATIOS = { "16:9": "1280:720", "9:16": "720:1280" } as const;
const VEO_RATIOS_1080P = { "16:9": "1920:1080", "9:16": "1080:1920" } as const;

/** Generic mapping for Runway models the catalog does not know yet. */
export const GENERIC_HINTS: RunwayHints = {
  endpoints: ["image_to_video", "text_to_video", "video_to_video"],
  ratios: { ...GEN4_RATIOS, "5:3": "1280:768", "3:5": "768:1280" },
  ratios1080p: VEO_RATIOS_1080P,
  lastFrame: true,
};

/** Seedance 2's `ratio` values per tier (sdk-node image_to_video / text_to_video / video_to_video types). */
const SEEDANCE_RATIOS = {
  "480p": { "21:9": "992:432", "16:9": "864:496", "4:3": "752:560", "1:1": "640:640", "3:4": "560:752", "9:16": "496:864" },
  "720p": { "21:9": "1470:630", "16:9": "1280:720", "4:3": "1112:834", "1:1": "960:960", "3:4": "834:1112", "9:16": "720:1280" },
  "1080p": { "21:9": "2206:946", "16:9": "1920:1080", "4:3": "1664:1248", "1:1": "1440:1440", "3:4": "1248:1664", "9:16": "1080:1920" },
  "4k": { "21:9": "3840:1646", "16:9": "3840:2160", "4:3": "3840:2880", "1:1": "3840:3840", "3:4": "2880:3840", "9:16": "2160:3840" },
} as const;

/** Runway's Node SDK (model unions per endpoint), read in the 2026-12 catalog audit. */
const RUNWAY_SDK = "https://github.com/runwayml/sdk-node/blob/ecb7e33/src/resources/image-to-video.ts";

const hints = (h: RunwayHints): Readonly<Record<string, unknown>> => h as unknown as Readonly<Record<string, unknown>>;

const base = { provider: "runway", kind: "video", maxN: 1 } as const;

/**
 * Runway developer API video models (reference: runwayml/sdk-node 2026-07). No list prices: the wire
 * reference gives none, and Runway bills in credits whose per-model rates it does not publish there.
 */
export const RUNWAY_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-12-07", source: RUNWAY_SDK }, [
  {
    ...base,
    model: "gen4_turbo",
    displayName: "Gen-4 Turbo (image to video)",
    aspectRatios: Object.keys(GEN4_RATIOS),
    resolutions: ["720p"],
    durations: [5, 10],
    defaultDuration: 5,
    seed: true,
    inputs: { maxImages: 1, imageTypes: ["first_frame", "reference"], requiresImage: true },
    adapterHints: hints({ endpoints: ["image_to_video"], ratios: GEN4_RATIOS, defaultAspectRatio: "16:9" }),
  },
  {
    ...base,
    model: "gen4.5",
    displayName: "Gen-4.5",
    aspectRatios: Object.keys(GEN4_RATIOS),
    resolutions: ["720p"],
    durationRange: { min: 2, max: 10 },
    defaultDuration: 5,
    seed: true,
    inputs: { maxImages: 1, imageTypes: ["first_frame", "reference"] },
    adapterHints: hints({
      endpoints: ["image_to_video", "text_to_video"],
      ratios: GEN4_RATIOS,
      textAspectRatios: ["16:9", "9:16"],
      defaultAspectRatio: "16:9",
      integerDuration: true,
    }),
  },
  {
    ...base,
    model: "gen3a_turbo",
    displayName: "Gen-3 Alpha Turbo (image to video; dropped from Runway's SDK in 2026-06)",
    // Removed from the SDK's model union in commit 72f96f2 (2026-06-10); Runway published no shutdown day.
    status: "retired",
    replacement: "gen4_turbo",
    source: "https://github.com/runwayml/sdk-node/commit/72f96f2",
    aspectRatios: ["5:3", "3:5"],
    resolutions: ["720p"],
    durations: [5, 10],
    defaultDuration: 5,
    seed: true,
    inputs: { maxImages: 2, imageTypes: ["first_frame", "last_frame", "reference"], requiresImage: true },
    adapterHints: hints({
      endpoints: ["image_to_video"],
      ratios: { "5:3": "1280:768", "3:5": "768:1280" },
      defaultAspectRatio: "5:3",
      lastFrame: true,
      lastFrameAlone: true,
    }),
  },
  {
    ...base,
    model: "gen4_aleph",
    displayName: "Gen-4 Aleph (video to video; replaced by aleph2 in Runway's SDK)",
    // The SDK's video_to_video union is aleph2 / seedance2* / gemini_omni_flash only.
    status: "retired",
    replacement: "aleph2",
    source: "https://github.com/runwayml/sdk-node/blob/ecb7e33/src/resources/video-to-video.ts",
    seed: true,
    inputs: { maxImages: 1, imageTypes: ["reference"], video: true },
    adapterHints: hints({ endpoints: ["video_to_video"], references: true }),
  },
  {
    ...base,
    model: "aleph2",
    displayName: "Aleph 2 (video to video)",
    aspectRatios: ["16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "21:9"],
    seed: true,
    inputs: { maxImages: 2, imageTypes: ["first_frame", "last_frame"], video: true },
    adapterHints: hints({ endpoints: ["video_to_video"], targetAspectRatio: true, keyframes: true }),
  },
  {
    ...base,
    model: "veo3",
    displayName: "Veo 3 (via Runway)",
    aspectRatios: ["16:9", "9:16"],
    resolutions: ["720p", "1080p"],
    durations: [8],
    defaultDuration: 8,
    negativePrompt: true,
    inputs: { maxImages: 1, imageTypes: ["first_frame", "reference"] },
    adapterHints: hints({
      endpoints: ["image_to_video", "text_to_video"],
      ratios: VEO_RATIOS,
      ratios1080p: VEO_RATIOS_1080P,
      defaultAspectRatio: "16:9",
    }),
  },
  ...(["veo3.1", "veo3.1_fast"] as const).map(
    (model): ModelCapability => ({
      ...base,
      model,
      displayName: model === "veo3.1" ? "Veo 3.1 (via Runway)" : "Veo 3.1 Fast (via Runway)",
      aspectRatios: ["16:9", "9:16"],
      resolutions: ["720p", "1080p"],
      durations: [4, 6, 8],
      defaultDuration: 8,
      negativePrompt: true,
      generateAudio: true,
      inputs: { maxImages: 2, imageTypes: ["first_frame", "last_frame", "reference"] },
      adapterHints: hints({
        endpoints: ["image_to_video", "text_to_video"],
        ratios: VEO_RATIOS,
        ratios1080p: VEO_RATIOS_1080P,
        defaultAspectRatio: "16:9",
        lastFrame: true,
      }),
    }),
  ),
  // Seedance 2 (ByteDance) on Runway: every endpoint, keyframes or up to 9 reference images, audio; no
  // seed input. The fast and mini variants stop at 720p. 4-15 s (Runway types `duration` as a number).
  ...(
    [
      ["seedance2", "Seedance 2 (via Runway)", ["480p", "720p", "1080p", "4k"]],
      ["seedance2_fast", "Seedance 2 Fast (via Runway)", ["480p", "720p"]],
      ["seedance2_mini", "Seedance 2 Mini (via Runway)", ["480p", "720p"]],
    ] as const
  ).map(
    ([model, displayName, tiers]): ModelCapability => ({
      ...base,
      model,
      displayName,
      aspectRatios: Object.keys(SEEDANCE_RATIOS["720p"]),
      resolutions: tiers,
      durationRange: { min: 4, max: 15 },
      defaultDuration: 5,
      generateAudio: true,
      inputs: { maxImages: 9, imageTypes: ["first_frame", "last_frame", "reference"], video: true },
      adapterHints: hints({
        endpoints: ["image_to_video", "text_to_video", "video_to_video"],
        ratiosByResolution: Object.fromEntries(tiers.map((t) => [t, SEEDANCE_RATIOS[t]])),
        defaultResolution: "720p",
        lastFrame: true,
        plainReferences: true,
        videoField: "promptVideo",
        integerDuration: true,
      }),
    }),
  ),
  {
    ...base,
    model: "gemini_omni_flash",
    displayName: "Gemini Omni Flash (via Runway)",
    aspectRatios: ["16:9", "9:16"],
    resolutions: ["720p"],
    durationRange: { min: 3, max: 10 },
    inputs: { maxImages: 1, imageTypes: ["first_frame", "reference"] },
    adapterHints: hints({ endpoints: ["image_to_video", "text_to_video"], ratios: VEO_RATIOS, integerDuration: true }),
  },
]);
