import type { ProviderDefinition } from "../../core/provider.js";
import { OPENAI_IMAGE_MODELS } from "./models.js";
import { OPENAI_VIDEO_MODELS } from "./video-models.js";

export const openaiProvider: ProviderDefinition = {
  id: "openai",
  displayName: "OpenAI",
  envKeys: ["OPENAI_API_KEY"],
  defaultBaseUrl: "https://api.openai.com/v1",
  models: [...OPENAI_IMAGE_MODELS, ...OPENAI_VIDEO_MODELS],
  // No video default: OpenAI shut its only video API (Sora) down on 2026-09-24.
  defaultModels: { image: "gpt-image-2" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
