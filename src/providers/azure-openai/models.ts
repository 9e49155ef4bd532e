import type { ModelCapability } from "../../core/capabilities.js";
import { OPENAI_IMAGE_MODEL_ENTRIES } from "../openai/models.js";

/** Image models Azure OpenAI deploys, with OpenAI's capabilities (global-deployment list prices match OpenAI's). */
const AZURE_IMAGE_MODEL_IDS = new Set(["dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"]);

export const AZURE_OPENAI_IMAGE_MODELS: readonly ModelCapability[] = OPENAI_IMAGE_MODEL_ENTRIES.filter((m) =>
  AZURE_IMAGE_MODEL_IDS.has(m.model),
).map((m) => ({ provider: "azure-openai", ...m }));
