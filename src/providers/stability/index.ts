import type { ProviderDefinition } from "../../core/provider.js";
import { STABILITY_MODELS } from "./models.js";

export const stabilityProvider: ProviderDefinition = {
  id: "stability",
  displayName: "Stability AI",
  envKeys: ["STABILITY_API_KEY"],
  defaultBaseUrl: "https://api.stability.ai",
  models: STABILITY_MODELS,
  defaultModels: { image: "stable-image-core" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
