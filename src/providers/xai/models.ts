import type { ModelCapability } from "../../core/capabilities.js";

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
 * xAI sizes by aspect ratio and resolution tier, never by pixels: the entries declare `aspectRatios`
 * and `resolutions` (not `sizes`) so the core turns a `size` into the nearest ratio with a warning.
 * Prices are xAI list prices per image; when xAI reports `cost_in_usd_ticks` that figure wins.
 */
export const XAI_MODELS: readonly ModelCapability[] = [
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
    model: "grok-imagine-image-pro",
    kind: "image",
    displayName: "Grok Imagine Image Pro",
    aliases: ["grok-imagine-image-pro-beta"],
    aspectRatios: XAI_ASPECT_RATIOS,
    resolutions: ["1K", "2K"],
    maxN: 10,
    inputs: { maxImages: 3, imageTypes: ["reference", "asset", "style"] },
    price: { unit: "image", usd: 0.07 },
  },
  {
    provider: "xai",
    model: "grok-2-image",
    kind: "image",
    displayName: "Grok 2 Image (legacy, fixed 1024x768 JPEG)",
    aliases: ["grok-2-image-1212", "grok-2-image-latest"],
    maxN: 10,
    price: { unit: "image", usd: 0.07 },
  },
];
