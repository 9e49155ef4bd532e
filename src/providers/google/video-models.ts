import { type CatalogEntry, catalog } from "../../core/capabilities.js";

/**
 * Google's Veo catalog, for the Gemini API and Vertex AI alike (the wire differs, the models do not).
 * Capabilities follow js-genai / Vercel AI SDK settings and Google's Veo docs; prices are Google's list
 * prices per generated second when the entry was written (ai.google.dev/gemini-api/docs/pricing,
 * cloud.google.com/vertex-ai/generative-ai/pricing).
 *
 * Veo 3.x renders audio by default (always, on the Gemini API), so `usd` is the with-audio price; Vertex
 * bills video-only output (`generateAudio: false`) lower: Veo 3 / 3.1 $0.20, Fast $0.10 per second. The
 * per-second estimate cannot express a cheaper no-audio rate, so those estimates are an upper bound.
 *
 * `numberOfVideos` maps to `sampleCount` (1–4 on Vertex and in the Vercel AI SDK; the Gemini API may
 * answer 400 above 1 for some Veo 3 models, which surfaces as a ValidationError naming `sampleCount`).
 */

const RATIOS = ["16:9", "9:16"] as const;

const VEO3_DURATIONS = { durations: [4, 6, 8], defaultDuration: 8 } as const;

/** Fields every Veo model takes. */
const COMMON = {
  provider: "google",
  kind: "video",
  aspectRatios: RATIOS,
  maxN: 4,
  seed: true,
  negativePrompt: true,
  enhancePrompt: true,
} as const;

/** Veo 3.1: first and last frame, up to 3 asset references, extension of a Veo video, 4k. */
const VEO31 = {
  ...COMMON,
  ...VEO3_DURATIONS,
  resolutions: ["720p", "1080p", "4k"],
  generateAudio: true,
  inputs: { maxImages: 3, imageTypes: ["first_frame", "last_frame", "reference", "asset"], video: true },
} as const;

const VEO3 = {
  ...COMMON,
  ...VEO3_DURATIONS,
  resolutions: ["720p", "1080p"],
  generateAudio: true,
  inputs: { maxImages: 1, imageTypes: ["first_frame"] },
} as const;

const VEO31_PRICE = { unit: "second", usd: 0.4, byResolution: { "4k": 0.6 } } as const;
const VEO31_FAST_PRICE = { unit: "second", usd: 0.15, byResolution: { "4k": 0.35 } } as const;

/** Vertex model page: veo-3.0-generate-001 / -fast-generate-001 "Retirement date: June 30, 2026"; Veo 2 retires the same day. */
const VEO3_RETIREMENT = "https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/veo/3-0-generate";
/** Vertex discontinued the Veo 3.1 preview ids on 2026-04-02; the Gemini API shut them down on 2026-10-22. */
const VEO31_PREVIEW_RETIREMENT = "https://docs.apiyi.com/en/live/2026-10/veo-3-1-preview-retired (third party, citing ai.google.dev/gemini-api/docs/deprecations)";

const RETIRED_JUNE_30 = { status: "retired", shutdownOn: "2026-06-30", source: VEO3_RETIREMENT } as const;
const PREVIEW_RETIRED = { status: "retired", shutdownOn: "2026-10-22", source: VEO31_PREVIEW_RETIREMENT } as const;

export const VEO_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-12-07", source: VEO3_RETIREMENT }, [
  { ...VEO31, model: "veo-3.1-generate-001", displayName: "Veo 3.1", price: VEO31_PRICE },
  { ...VEO31, model: "veo-3.1-fast-generate-001", displayName: "Veo 3.1 Fast", price: VEO31_FAST_PRICE },
  {
    ...COMMON,
    model: "veo-2.0-generate-001",
    displayName: "Veo 2",
    durations: [5, 6, 7, 8],
    defaultDuration: 8,
    resolutions: ["720p"],
    generateAudio: false,
    inputs: { maxImages: 1, imageTypes: ["first_frame"] },
    price: { unit: "second", usd: 0.35 },
    ...RETIRED_JUNE_30,
    replacement: "veo-3.1-generate-001",
  },
  { ...VEO3, model: "veo-3.0-generate-001", displayName: "Veo 3", price: { unit: "second", usd: 0.4 }, ...RETIRED_JUNE_30, replacement: "veo-3.1-generate-001" },
  {
    ...VEO3,
    model: "veo-3.0-fast-generate-001",
    displayName: "Veo 3 Fast",
    price: { unit: "second", usd: 0.15 },
    ...RETIRED_JUNE_30,
    replacement: "veo-3.1-fast-generate-001",
  },
  { ...VEO31, model: "veo-3.1-generate-preview", displayName: "Veo 3.1 (preview)", price: VEO31_PRICE, ...PREVIEW_RETIRED, replacement: "veo-3.1-generate-001" },
  {
    ...VEO31,
    model: "veo-3.1-fast-generate-preview",
    displayName: "Veo 3.1 Fast (preview)",
    price: VEO31_FAST_PRICE,
    ...PREVIEW_RETIRED,
    replacement: "veo-3.1-fast-generate-001",
  },
  // No list price was published in the sources this catalog was written from, and no GA Lite id is known.
  {
    ...VEO31,
    model: "veo-3.1-lite-generate-preview",
    displayName: "Veo 3.1 Lite (preview)",
    resolutions: ["720p", "1080p"],
    ...PREVIEW_RETIRED,
    replacement: "veo-3.1-fast-generate-001",
  },
]);
