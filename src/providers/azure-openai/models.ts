import { type CatalogEntry, type ModelCapability, type ModelLifecycle, catalog } from "../../core/capabilities.js";
import { OPENAI_IMAGE_MODEL_ENTRIES } from "../openai/models.js";
import { SORA_MODEL_ENTRIES, type VideoApi } from "../openai/video-models.js";

/** Image models Azure OpenAI deploys, with OpenAI's capabilities (global-deployment list prices match OpenAI's). */
const AZURE_IMAGE_MODEL_IDS = new Set(["dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"]);

/**
 * OpenAI's shutdowns (dall-e-3 on 2026-05-12, Sora on 2026-09-24) are OpenAI's; no Azure-specific retirement
 * source was found (catalog audit 2026-12), so on Azure these models are deprecated with no date rather
 * than retired: a call still goes out, with a warning.
 */
const FOLLOWS_OPENAI_SHUTDOWN: Pick<ModelLifecycle, "status" | "verifiedOn" | "source"> = {
  status: "deprecated",
  verifiedOn: "2026-12-07",
  source: "https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/dall-e (no Azure retirement date found; OpenAI shut the model down)",
};

/** An OpenAI entry as Azure serves it; one OpenAI retired becomes deprecated (no date) here. */
function onAzure(m: Omit<ModelCapability, "provider">, source = FOLLOWS_OPENAI_SHUTDOWN.source): ModelCapability {
  const { shutdownOn: _openaiShutdown, deprecatedOn: _openaiDeprecation, ...rest } = m;
  const gone = m.status === "retired";
  return { ...rest, provider: "azure-openai", ...(gone ? { ...FOLLOWS_OPENAI_SHUTDOWN, source } : {}) };
}

const AZURE_LIFECYCLE: ModelLifecycle = {
  status: "ga",
  verifiedOn: "2026-12-07",
  source: "https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/dall-e",
};

export const AZURE_OPENAI_IMAGE_MODELS: readonly CatalogEntry[] = catalog(
  AZURE_LIFECYCLE,
  OPENAI_IMAGE_MODEL_ENTRIES.filter((m) => AZURE_IMAGE_MODEL_IDS.has(m.model)).map((m) => onAzure(m)),
);

/** Sora 2 on the `/openai/v1/videos` surface: OpenAI's capabilities and (global deployment) list prices. */
const AZURE_SORA_2_IDS = new Set(["sora-2"]);

/**
 * Sora 1, Azure's own preview (video-providers.md §1b): `width`/`height` from a fixed list, 1–20 s,
 * up to 4 variants per job, an image or video as the first frame, no audio. No list price published.
 */
const SORA_1: Omit<ModelCapability, "provider"> = {
  status: "preview",
  verifiedOn: "2026-12-07",
  source: "https://learn.microsoft.com/en-us/azure/ai-services/openai/concepts/video-generation",
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

export const AZURE_OPENAI_VIDEO_MODELS: readonly CatalogEntry[] = catalog(AZURE_LIFECYCLE, [
  ...SORA_MODEL_ENTRIES.filter((m) => AZURE_SORA_2_IDS.has(m.model)).map((m) =>
    onAzure(
      { ...m, status: "retired" },
      "https://learn.microsoft.com/en-us/azure/ai-services/openai/concepts/video-generation (no Azure retirement date found; OpenAI shut Sora down on 2026-09-24)",
    ),
  ),
  { ...SORA_1, provider: "azure-openai" },
]);
