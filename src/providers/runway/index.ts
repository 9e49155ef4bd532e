import type { ProviderDefinition } from "../../core/provider.js";
import { RUNWAY_MODELS } from "./models.js";

/** Runway developer API (video). Auth is a bearer key plus the required `X-Runway-Version` header. */
export const runwayProvider: ProviderDefinition = {
  id: "runway",
  displayName: "Runway",
  envKeys: ["RUNWAYML_API_SECRET"],
  defaultBaseUrl: "https://api.dev.runwayml.com",
  models: RUNWAY_MODELS,
  defaultModels: { video: "gen4_turbo" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
