import type { ProviderDefinition } from "../../core/provider.js";
import { AZURE_OPENAI_IMAGE_MODELS, AZURE_OPENAI_VIDEO_MODELS } from "./models.js";

/** No default base URL: every Azure resource has its own endpoint (baseUrl, providerConfig or AZURE_OPENAI_ENDPOINT). */
export const azureOpenAIProvider: ProviderDefinition = {
  id: "azure-openai",
  displayName: "Azure OpenAI",
  envKeys: ["AZURE_OPENAI_API_KEY"],
  models: [...AZURE_OPENAI_IMAGE_MODELS, ...AZURE_OPENAI_VIDEO_MODELS],
  // No video default: Sora 2 follows OpenAI's shutdown (deprecated here) and Sora 1 is a preview.
  defaultModels: { image: "gpt-image-2" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
