import type { ProviderDefinition } from "../../core/provider.js";
import { REPLICATE_IMAGE_MODELS } from "./models.js";
import { REPLICATE_VIDEO_MODELS } from "./video-models.js";

export const replicateProvider: ProviderDefinition = {
  id: "replicate",
  displayName: "Replicate",
  envKeys: ["REPLICATE_API_TOKEN"],
  defaultBaseUrl: "https://api.replicate.com/v1",
  models: [...REPLICATE_IMAGE_MODELS, ...REPLICATE_VIDEO_MODELS],
  defaultModels: { image: "black-forest-labs/flux-schnell", video: "google/veo-3.1" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
