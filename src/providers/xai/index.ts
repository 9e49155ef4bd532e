import type { ProviderDefinition } from "../../core/provider.js";
import { XAI_MODELS } from "./models.js";

export const xaiProvider: ProviderDefinition = {
  id: "xai",
  displayName: "xAI (Grok Imagine)",
  envKeys: ["XAI_API_KEY"],
  defaultBaseUrl: "https://api.x.ai/v1",
  models: XAI_MODELS,
  defaultModels: { image: "grok-imagine-image" },
  load: () => import("./adapter.js").then((m) => m.xaiAdapter),
};
