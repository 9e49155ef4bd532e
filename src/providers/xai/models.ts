import { type CatalogEntry, catalog } from "../../core/capabilities.js";

/** Aspect ratios grok-imagine accepts (xai-proto image.proto); `auto` is reachable via extraParams. */
export const XAI_ASPECT_RATIOS = [
  "1:1",
  "3:4",
  "4:3",
  "9:16",
  "16:9",
  "2:3",
  "3:2",
  "9:19.5",
  "19.5:9",
  "9:20",
  "20:9",
  "1:2",
  "2:1",
] as const;

/**
 * Model ids and lifecycle: xAI's own docs were not reachable for the 2026-12 audit; Comfy Router's xAI
 * pages (generated from the schema it validates xAI calls with) list grok-imagine-image, -pro, -quality
 * and -2.0, and say pro was retired on 2026-05-15 and quality on 2026-11-02, both now served by 2.0.
 */
const COMFY_XAI = "https://docs.comfy.org/development/comfy-router/models/xai/grok-imagine-image-2-0 (third party)";
const COMFY_PRO_RETIRED = "https://docs.comfy.org/development/comfy-router/models/xai/grok-imagine-image-pro (third party)";

/**
 * xAI sizes by aspect ratio and resolution tier, never by pixels: the entries declare `aspectRatios`
 * and `resolutions` (not `sizes`) so the core turns a `size` into the nearest ratio with a warning.
 * Prices are xAI list prices per image; when xAI reports `cost_in_usd_ticks` that figure wins.
 */
export const XAI_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-12-07", source: COMFY_XAI }, [
  {
    provider: "xai",
    model: "grok-imagine-image",
    kind: "image",
    displayName: "Grok Imagine Image",
    aliases: ["grok-imagine-image-beta"],
    aspectRatios: XAI_ASPECT_RATIOS,
    resolutions: ["1K", "2K"],
    maxN: 10,
    inputs: { maxImages: 3, imageTypes: ["reference", "asset", "style"] },
    price: { unit: "image", usd: 0.02 },
  },
  {
    provider: "xai",
    model: "grok-imagine-image-2.0",
    kind: "image",
    displayName: "Grok Imagine Image 2.0",
    aspectRatios: XAI_ASPECT_RATIOS,
    resolutions: ["1K", "2K"],
    // `quality` picks the price tier (medium by default); no list price per tier was found, so no
    // estimate is made: the cost xAI reports (`cost_in_usd_ticks`) is the figure.
    qualities: ["low", "medium"],
    defaultQuality: "medium",
    maxN: 10,
    inputs: { maxImages: 3, imageTypes: ["reference", "asset", "style"] },
  },
  {
    provider: "xai",
    model: "grok-imagine-image-pro",
    kind: "image",
    displayName: "Grok Imagine Image Pro",
    aliases: ["grok-imagine-image-pro-beta"],
    status: "retired",
    shutdownOn: "2026-05-15",
    replacement: "grok-imagine-image-2.0",
    source: COMFY_PRO_RETIRED,
  },
  {
    provider: "xai",
    model: "grok-imagine-image-quality",
    kind: "image",
    displayName: "Grok Imagine Image Quality",
    status: "retired",
    shutdownOn: "2026-11-02",
    replacement: "grok-imagine-image-2.0",
    source: COMFY_PRO_RETIRED,
  },
  {
    provider: "xai",
    model: "grok-2-image",
    kind: "image",
    displayName: "Grok 2 Image (legacy, fixed 1024x768 JPEG)",
    aliases: ["grok-2-image-1212", "grok-2-image-latest"],
    maxN: 10,
    price: { unit: "image", usd: 0.07 },
    // Not checked in the 2026-12 audit: the date it was written.
    verifiedOn: "2026-11-22",
    source: "https://docs.x.ai/docs/guides/image-generations",
  },
]);
