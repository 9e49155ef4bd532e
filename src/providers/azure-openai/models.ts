import type { ModelCapability } from "../../core/capabilities.js";
import { OPENAI_IMAGE_MODEL_ENTRIES } from "../openai/models.js";
import { SORA_MODEL_ENTRIES, type VideoApi } from "../openai/video-models.js";

/** Image models Azure OpenAI deploys, with OpenAI's capabilities (global-deployment list prices match OpenAI's). */
const AZURE_IMAGE_MODEL_IDS = new Set(["dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"]);

export const AZURE_OPENAI_IMAGE_MODELS: readonly ModelCapability[] = OPENAI_IMAGE_MODEL_ENTRIES.filter((m) =>
  AZURE_IMAGE_MODEL_IDS.has(m.model),
).map((m) => ({ provider: "azure-openai", ...m }));

/** Sora 2 on the `/openai/v1/videos` surface: OpenAI's capabilities and (global deployment) list prices. */
const AZURE_SORA_2_IDS = new Set(["sora-2"]);

/**
 * Sora 1, Azure's own preview (video-providers.md §1b): `width`/`height` from a fixed list, 1–20 s,
 * up to 4 variants per job, an image or video as the first frame, no audio. No list price published.
 */
const SORA_1: Omit<ModelCapability, "provider"> = {
  model: "sora",
  kind: "video",
  displayName: "Sora (Azure preview)",
  durationRange: { min: 1, max: 20 },
  defaultDuration: 5,
  resolutions: ["480p", "720p", "1080p"],
  aspectRatios: ["16:9", "1:1"],
  maxN: 4,
  inputs: { maxImages: 1, imageTypes: ["first_frame"], video: true },
  adapterHints: {
    videoApi: "video-generations" satisfies VideoApi,
    sizes: { "480p": { "1:1": "480x480" }, "720p": { "16:9": "1280x720", "1:1": "720x720" }, "1080p": { "16:9": "1920x1080", "1:1": "1080x1080" } },
  },
};

export const AZURE_OPENAI_VIDEO_MODELS: readonly ModelCapability[] = [
  ...SORA_MODEL_ENTRIES.filter((m) => AZURE_SORA_2_IDS.has(m.model)),
  SORA_1,
].map((m) => ({ provider: "azure-openai", ...m }));
