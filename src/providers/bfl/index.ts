import type { ProviderDefinition } from "../../core/provider.js";
import { BFL_MODELS } from "./models.js";

export const bflProvider: ProviderDefinition = {
  id: "bfl",
  displayName: "Black Forest Labs (FLUX)",
  envKeys: ["BFL_API_KEY"],
  defaultBaseUrl: "https://api.bfl.ai",
  models: BFL_MODELS,
  defaultModels: { image: "flux-pro-1.1" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
