import type { ModelCapability } from "../../core/capabilities.js";
import type { StabilityHints } from "./models.js";

export const API_PREFIX = "/v2beta/stable-image";
export const RESULTS_PATH = "/v2beta/results";

/**
 * Where a model id goes. Catalog entries carry their hints; unknown ids are mapped generically:
 * `sd*` → the sd3 endpoint with `model=<id>`, `group/operation` ids (e.g. `edit/search-and-recolor`,
 * `control/sketch`) → that path, `stable-image-<name>` → `generate/<name>`.
 */
export function hintsFor(model: string, capability: ModelCapability | undefined): StabilityHints {
  const fromCatalog = capability?.adapterHints as StabilityHints | undefined;
  if (fromCatalog?.path) return fromCatalog;
  if (/^sd\d/i.test(model)) return { path: "generate/sd3", sd3Model: model, prompt: "required", image: "img2img" };
  if (/^[a-z0-9-]+\/[a-z0-9-]+$/i.test(model)) return { path: model, prompt: "optional", image: "img2img" };
  const name = model.replace(/^stable-image-/i, "");
  return { path: `generate/${name}`, prompt: "required", image: "img2img" };
}
