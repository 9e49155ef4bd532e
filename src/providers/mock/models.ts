import { type CatalogEntry, catalog } from "../../core/capabilities.js";

/**
 * The mock's catalog: generous, so demos and tests can exercise every request field offline. Its facts
 * are this project's own (no upstream to verify against), so `source` points at the adapter.
 */
export const MOCK_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-12-07", source: "builtin:src/providers/mock/adapter.ts" }, [
  {
    provider: "mock",
    model: "mock-image",
    kind: "image",
    displayName: "Mock image (offline, deterministic)",
    sizeConstraints: { minSide: 16, maxSide: 4096, maxPixels: 4096 * 4096 },
    qualities: ["low", "medium", "high", "standard", "hd"],
    defaultQuality: "standard",
    styles: ["vivid", "natural"],
    resolutions: ["1K", "2K", "4K"],
    outputFormats: ["png", "jpeg", "webp"],
    maxN: 10,
    maxNPerCall: 4,
    inputs: { maxImages: 8, imageTypes: ["reference", "style", "asset", "first_frame", "last_frame"], mask: true },
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    // The mock renders a variation from its input image like any other request.
    variations: true,
    price: { unit: "image", usd: 0 },
  },
  {
    provider: "mock",
    model: "mock-video",
    kind: "video",
    displayName: "Mock video (offline, a 2 s 320×180 MP4)",
    aspectRatios: ["16:9", "9:16", "1:1"],
    resolutions: ["480p", "720p", "1080p"],
    durations: [2, 4, 5, 8],
    defaultDuration: 4,
    maxN: 4,
    inputs: { maxImages: 2, imageTypes: ["first_frame", "last_frame", "reference"], video: true },
    seed: true,
    negativePrompt: true,
    enhancePrompt: true,
    generateAudio: true,
    price: { unit: "second", usd: 0 },
  },
]);
