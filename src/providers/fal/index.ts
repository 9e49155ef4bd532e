import type { ProviderDefinition } from "../../core/provider.js";
import { FAL_IMAGE_MODELS } from "./models.js";
import { FAL_VIDEO_MODELS } from "./video-models.js";

/** fal.ai through its queue API; `baseUrl` is the queue host. */
export const falProvider: ProviderDefinition = {
  id: "fal",
  displayName: "fal.ai",
  envKeys: ["FAL_KEY"],
  defaultBaseUrl: "https://queue.fal.run",
  models: [...FAL_IMAGE_MODELS, ...FAL_VIDEO_MODELS],
  defaultModels: { image: "fal-ai/flux/dev", video: "fal-ai/veo3.1" },
  load: () => import("./adapter.js").then((m) => m.falAdapter),
};
