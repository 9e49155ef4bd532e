import type { Gateway } from "../../../../src/core/gateway.js";
import type { ServerConfig } from "./config.js";
import type { LabelPolicy } from "./metrics.js";

/**
 * Metric labels come only from the catalog and the configured routes: a client naming a model nobody
 * configured (30 random ids, one 100 KB id) must not add a series per name for the life of the process.
 * Anything else is `other`.
 */
export function catalogLabels(config: ServerConfig, gateway: Gateway): LabelPolicy {
  const providers = new Set(gateway.providers());
  // Models the operator configured, as the library reports them after resolution (`fal-ai/flux/schnell`).
  const configured = new Set<string>();
  const add = (model: string, provider?: string | undefined) => {
    for (const kind of ["image", "video"] as const) {
      try {
        const r = gateway.resolveModel(model, { ...(provider ? { provider } : {}), kind });
        configured.add(`${r.provider}\u0000${r.model}`);
      } catch {
        // A route name or a model of the other kind: nothing to label.
      }
    }
  };
  for (const route of Object.values(config.routes)) {
    add(route.model, route.provider);
    for (const f of route.fallbacks ?? []) {
      if (typeof f === "string") add(f);
      else add(f.model, f.provider);
    }
  }
  for (const kind of ["image", "video"] as const) add(config.defaultRoutes[kind]);
  for (const target of Object.values(config.aliases)) add(target);

  return {
    provider: (id) => (providers.has(id) || gateway.providers().includes(id) ? id : "other"),
    model(provider, model) {
      if (configured.has(`${provider}\u0000${model}`)) return model;
      if (!providers.has(provider) && !gateway.providers().includes(provider)) return "other";
      let cap;
      try {
        cap = gateway.getModelCapabilities(model, provider);
      } catch {
        return "other";
      }
      return cap?.provider === provider ? cap.model : "other";
    },
  };
}
