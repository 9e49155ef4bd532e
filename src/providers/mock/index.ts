import type { ProviderDefinition } from "../../core/provider.js";
import { MOCK_MODELS } from "./models.js";

export const mockProvider: ProviderDefinition = {
  id: "mock",
  displayName: "Mock (offline)",
  requiresApiKey: false,
  models: MOCK_MODELS,
  defaultModels: { image: "mock-image", video: "mock-video" },
  load: () => import("./adapter.js").then((m) => m.mockAdapter),
};
