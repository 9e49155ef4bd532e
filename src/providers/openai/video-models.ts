import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";

/** Which video API a model speaks: OpenAI's Videos API (Sora 2) or Azure's Sora 1 generation jobs. */
export type VideoApi = "videos" | "video-generations";

/** Wire `size` per resolution tier, landscape and portrait. */
export type SoraSizes = Readonly<Record<string, { landscape: string; portrait: string }>>;

/** sora-2 renders 720p only (ComfyUI's docs; the SDK enum lists every size for every model). */
const SORA_2_SIZES: SoraSizes = { "720p": { landscape: "1280x720", portrait: "720x1280" } };
/**
 * sora-2-pro adds 1792x1024 / 1024x1792 (the SDK's largest sizes). The 2026 guide's 1920x1080 is
 * reachable with `extraParams.size`.
 */
const SORA_2_PRO_SIZES: SoraSizes = { ...SORA_2_SIZES, "1080p": { landscape: "1792x1024", portrait: "1024x1792" } };

/**
 * Durations: 4, 8 and 12 s, the SDK's `VideoSeconds` enum, the only values its create params take
 * (the SDK accepts 16 and 20 s for extensions only; the 2026 guide's 16/20 s for create is unconfirmed). Prices per second are OpenAI's list prices (720p: $0.10 sora-2, $0.30 sora-2-pro; 1792x1024:
 * $0.50). Sora always renders sound, so `generateAudio: false` is reported as a warning, not sent.
 */
function sora(model: string, displayName: string, pro: boolean): Omit<ModelCapability, "provider"> {
  return {
    model,
    kind: "video",
    displayName,
    durations: [4, 8, 12],
    defaultDuration: 4,
    resolutions: pro ? ["720p", "1080p"] : ["720p"],
    aspectRatios: ["16:9", "9:16"],
    generateAudio: true,
    maxN: 1,
    inputs: { maxImages: 1, imageTypes: ["first_frame"] },
    price: pro ? { unit: "second", usd: 0.3, byResolution: { "720p": 0.3, "1080p": 0.5 } } : { unit: "second", usd: 0.1, byResolution: { "720p": 0.1 } },
    adapterHints: { videoApi: "videos" satisfies VideoApi, sizes: pro ? SORA_2_PRO_SIZES : SORA_2_SIZES },
  };
}

/** Sora models of OpenAI's Videos API (video-providers.md §1), shared with Azure's v1 surface. */
export const SORA_MODEL_ENTRIES: readonly Omit<ModelCapability, "provider">[] = [
  sora("sora-2", "Sora 2", false),
  sora("sora-2-pro", "Sora 2 Pro", true),
  sora("sora-2-2025-10-06", "Sora 2 (2025-10-06 snapshot)", false),
  sora("sora-2-2025-12-08", "Sora 2 (2025-12-08 snapshot)", false),
  sora("sora-2-pro-2025-10-06", "Sora 2 Pro (2025-10-06 snapshot)", true),
];

/**
 * OpenAI marked every Videos API method "@deprecated The Sora API is scheduled to permanently shut down on
 * September 24, 2026" (openai-node commit 4424b404, 2026-08-13). OpenAI serves no other video model, so
 * these entries name no replacement: a request gets a clear refusal instead of a 404.
 */
export const OPENAI_VIDEO_MODELS: readonly CatalogEntry[] = catalog(
  {
    status: "retired",
    deprecatedOn: "2026-08-13",
    shutdownOn: "2026-09-24",
    verifiedOn: "2026-12-07",
    source: "https://github.com/openai/openai-node/blob/7b7d6ca/src/resources/videos.ts",
  },
  SORA_MODEL_ENTRIES.map((m) => ({ provider: "openai", ...m })),
);

/** Sizes for models the catalog does not know: the union of what the Videos API documents. */
export const GENERIC_SORA_SIZES: SoraSizes = SORA_2_PRO_SIZES;
