import { type CatalogEntry, type ModelCapability, catalog } from "../../core/capabilities.js";

/** Luma's aspect ratios (image and video share the list). */
export const LUMA_ASPECT_RATIOS = ["1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"] as const;

const photon = (model: string, displayName: string): ModelCapability => ({
  provider: "luma",
  model,
  kind: "image",
  displayName,
  aspectRatios: LUMA_ASPECT_RATIOS,
  outputFormats: ["jpeg", "png"],
  // One generation is one picture; the core runs larger n as parallel generations.
  maxN: 4,
  maxNPerCall: 1,
  inputs: {
    // image_ref (up to 4) + style_ref + character_ref (up to 4) + the image to modify.
    maxImages: 10,
    imageTypes: ["reference", "style", "asset", "first_frame"],
  },
  adapterHints: { generationType: "image" },
});

export const LUMA_IMAGE_MODELS: readonly CatalogEntry[] = catalog({ status: "ga", verifiedOn: "2026-12-07", source: "https://github.com/lumalabs/lumaai-node/blob/be2c3c4/src/resources/generations/image.ts" }, [
  photon("photon-1", "Luma Photon 1"),
  photon("photon-flash-1", "Luma Photon Flash 1"),
]);
