import type { ProviderDefinition } from "../../core/provider.js";
import { GEMINI_DEFAULT_BASE_URL } from "./base-url.js";
import { GOOGLE_MODELS } from "./models.js";
import { VEO_MODELS } from "./video-models.js";

export const googleProvider: ProviderDefinition = {
  id: "google",
  displayName: "Google (Gemini API / Vertex AI)",
  envKeys: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  defaultBaseUrl: GEMINI_DEFAULT_BASE_URL,
  models: [...GOOGLE_MODELS, ...VEO_MODELS],
  defaultModels: { image: "gemini-3.1-flash-image", video: "veo-3.1-generate-001" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
