import type { ProviderDefinition } from "../../core/provider.js";
import { LUMA_IMAGE_MODELS } from "./models.js";
import { LUMA_VIDEO_MODELS } from "./video-models.js";

/** Luma Dream Machine API. The base URL includes `/dream-machine/v1`; generation paths are relative to it. */
export const lumaProvider: ProviderDefinition = {
  id: "luma",
  displayName: "Luma AI (Photon images, Ray video)",
  envKeys: ["LUMAAI_API_KEY"],
  defaultBaseUrl: "https://api.lumalabs.ai/dream-machine/v1",
  models: [...LUMA_IMAGE_MODELS, ...LUMA_VIDEO_MODELS],
  defaultModels: { image: "photon-1", video: "ray-2" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
