import { type CatalogEntry, type ModelCapability, type ModelLifecycle, catalog } from "../../core/capabilities.js";
import { OPENAI_IMAGE_MODEL_ENTRIES } from "../openai/models.js";
import { SORA_MODEL_ENTRIES, type VideoApi } from "../openai/video-models.js";

/**
 * Azure's own retirement schedule ("Foundry Models sold by Azure" → Azure OpenAI table). Azure retires OpenAI
 * models on its own dates, which can differ from OpenAI's (gpt-image-1-mini: OpenAI 2026-12-01, Azure 2027-04-07).
 */
const AZURE_SCHEDULE =
  "https://learn.microsoft.com/en-us/azure/foundry/openai/concepts/model-retirement-schedule (as published in github.com/MicrosoftDocs/azure-ai-docs/blob/00bb554/articles/foundry/openai/includes/concepts-model-retirement-schedule-content.md)";

/**
 * Lifecycle per Azure deployment model, from that schedule (read 2026-12-07). A GA model's retirement date there is
 * Azure's programmatic "not sooner than" date, set at launch, not a deprecation, so gpt-image-2 stays GA here with
 * that date in its source note (`models --check` and the defaults test still read it from there for maintainers).
 */
const AZURE_IMAGE_LIFECYCLE: ReadonlyMap<string, ModelLifecycle & { replacement?: string }> = new Map([
  [
    "dall-e-3",
    {
      status: "deprecated",
      replacement: "gpt-image-2",
      verifiedOn: "2026-12-07",
      // Absent from Azure's schedule (April and July 2026 editions) and from its retired-models list: no date to record.
      source: `${AZURE_SCHEDULE} (dall-e-3 is not listed; no Azure retirement date found; OpenAI shut it down on 2026-05-12)`,
    },
  ],
  ["gpt-image-1", { status: "retired", shutdownOn: "2026-10-23", replacement: "gpt-image-2", verifiedOn: "2026-12-07", source: `${AZURE_SCHEDULE} (gpt-image-1 2025-04-15: Preview, retirement 2026-10-23)` }],
  [
    "gpt-image-1-mini",
    {
      status: "deprecated",
      deprecatedOn: "2026-06-02",
      shutdownOn: "2027-04-07",
      replacement: "gpt-image-2",
      verifiedOn: "2026-12-07",
      source: `${AZURE_SCHEDULE} (gpt-image-1-mini 2025-10-06: retirement 2027-04-07 on Azure; OpenAI deprecated the model on 2026-06-02)`,
    },
  ],
  [
    "gpt-image-1.5",
    {
      status: "deprecated",
      deprecatedOn: "2026-06-02",
      shutdownOn: "2026-12-16",
      replacement: "gpt-image-2",
      verifiedOn: "2026-12-07",
      source: `${AZURE_SCHEDULE} (gpt-image-1.5 2025-12-16: retirement 2026-12-16, aligned with OpenAI's schedule by github.com/MicrosoftDocs/azure-ai-docs/pull/833)`,
    },
  ],
  ["gpt-image-2", { status: "ga", verifiedOn: "2026-12-07", source: `${AZURE_SCHEDULE} (gpt-image-2 2026-04-21: GA, retirement not sooner than 2027-04-21)` }],
]);

/** An OpenAI entry as Azure serves it: Azure's lifecycle, never OpenAI's dates. */
function onAzure(m: Omit<ModelCapability, "provider">, lifecycle: ModelLifecycle & { replacement?: string }): ModelCapability {
  const { shutdownOn: _openaiShutdown, deprecatedOn: _openaiDeprecation, replacement: _openaiReplacement, status: _s, verifiedOn: _v, source: _src, ...rest } = m;
  return { ...rest, provider: "azure-openai", ...lifecycle };
}

const AZURE_LIFECYCLE: ModelLifecycle = {
  status: "ga",
  verifiedOn: "2026-12-07",
  source: "https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/dall-e",
};

export const AZURE_OPENAI_IMAGE_MODELS: readonly CatalogEntry[] = catalog(
  AZURE_LIFECYCLE,
  OPENAI_IMAGE_MODEL_ENTRIES.flatMap((m) => {
    const lifecycle = AZURE_IMAGE_LIFECYCLE.get(m.model);
    return lifecycle ? [onAzure(m, lifecycle)] : [];
  }),
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
    onAzure(m, {
      status: "retired",
      // The later of Azure's two sora-2 versions (2025-10-06 retired 2026-07-15; 2025-12-08 on 2026-09-15).
      shutdownOn: "2026-09-15",
      verifiedOn: "2026-12-07",
      source: `${AZURE_SCHEDULE} (sora-2 2025-12-08: Preview, retirement 2026-09-15; promptfoo PR #10733, third party, cites 2026-10-15; no video model replaces it on Azure)`,
    }),
  ),
  { ...SORA_1, provider: "azure-openai" },
]);
