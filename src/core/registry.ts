import type { ModelCapability } from "./capabilities.js";
import { closest, typoBudget } from "./did-you-mean.js";
import { ValidationError } from "./errors.js";
import type { ProviderAdapter, ProviderDefinition } from "./provider.js";
import type { MediaKind } from "./types.js";

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]*$/;

function modelKey(provider: string, model: string): string {
  return `${provider}\u0000${model.toLowerCase()}`;
}

/** What every request's model resolution reads, derived from both layers and rebuilt only after a change. */
interface Views {
  /** The layers' change counts when this was built. */
  stamp: number;
  providerIds: readonly string[];
  /** Lower-cased model id or alias → catalog entries of registered providers, in provider id order. */
  byModel: ReadonlyMap<string, readonly ModelCapability[]>;
  /** Every entry, local ones overriding inherited ones, sorted by provider then model. */
  models: readonly ModelCapability[];
}

/**
 * Providers and the model catalog. A gateway's registry layers over the global one: lookups fall
 * through to the parent, registrations stay local, so `createGateway()` instances are isolated.
 * Lookups answer from maps built once (every generation resolves its model through them); a
 * registration in this layer or the parent bumps a counter and the maps are rebuilt on next use.
 */
export class Registry {
  private readonly providers = new Map<string, ProviderDefinition>();
  private readonly models = new Map<string, ModelCapability>();
  private readonly adapters = new Map<string, Promise<ProviderAdapter>>();
  private changes = 0;
  private views: Views | undefined;

  constructor(private readonly parent?: Registry) {}

  /** Grows whenever this layer or one below it changes. */
  private stamp(): number {
    return this.changes + (this.parent?.stamp() ?? 0);
  }

  private current(): Views {
    const stamp = this.stamp();
    if (this.views?.stamp === stamp) return this.views;
    const providerIds = [...new Set([...(this.parent?.providerIds() ?? []), ...this.providers.keys()])].sort();
    const merged = new Map(this.aliasEntries());
    const registered = new Set(providerIds);
    const byModel = new Map<string, ModelCapability[]>();
    // One key per provider and lower-cased name, so each list holds a provider at most once.
    for (const [key, m] of merged) {
      if (!registered.has(m.provider)) continue;
      const name = key.slice(key.indexOf("\u0000") + 1);
      const list = byModel.get(name);
      if (list) list.push(m);
      else byModel.set(name, [m]);
    }
    for (const list of byModel.values()) list.sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0));
    const canonical = new Map<string, ModelCapability>();
    for (const m of this.parent?.listModels() ?? []) canonical.set(modelKey(m.provider, m.model), m);
    for (const m of new Set(this.models.values())) canonical.set(modelKey(m.provider, m.model), m);
    const models = [...canonical.values()].sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
    this.views = { stamp, providerIds, byModel, models };
    return this.views;
  }

  /** Every key (ids and aliases) of both layers, local ones overriding inherited ones. */
  private aliasEntries(): Iterable<[string, ModelCapability]> {
    const all = new Map<string, ModelCapability>(this.parent?.aliasEntries() ?? []);
    for (const [key, m] of this.models) all.set(key, m);
    return all;
  }

  registerProvider(definition: ProviderDefinition): void {
    if (!PROVIDER_ID.test(definition.id)) {
      throw new ValidationError(`provider id ${JSON.stringify(definition.id)} must be lower-case letters, digits and dashes`, {
        issues: [{ field: "id", message: "must match /^[a-z0-9][a-z0-9-]*$/" }],
      });
    }
    const hasInline = Boolean(definition.generateImage || definition.generateVideo || definition.submitVideo);
    if (!definition.load && !hasInline) {
      throw new ValidationError(`provider ${definition.id} needs a load() or at least one generate method`, {
        issues: [{ field: "load", message: "define load() or generateImage/generateVideo/submitVideo" }],
      });
    }
    this.providers.set(definition.id, definition);
    this.adapters.delete(definition.id);
    this.changes += 1;
    for (const model of definition.models ?? []) this.registerModel(model);
  }

  registerModel(capability: ModelCapability): void {
    if (!capability.provider || !capability.model) {
      throw new ValidationError("a model capability needs provider and model", {
        issues: [{ field: capability.provider ? "model" : "provider", message: "required" }],
      });
    }
    this.models.set(modelKey(capability.provider, capability.model), capability);
    for (const alias of capability.aliases ?? []) this.models.set(modelKey(capability.provider, alias), capability);
    this.changes += 1;
  }

  getProvider(id: string): ProviderDefinition | undefined {
    return this.providers.get(id) ?? this.parent?.getProvider(id);
  }

  providerIds(): string[] {
    return [...this.current().providerIds];
  }

  getModel(provider: string, model: string): ModelCapability | undefined {
    return this.models.get(modelKey(provider, model)) ?? this.parent?.getModel(provider, model);
  }

  /** Every catalog entry, local entries overriding inherited ones. */
  listModels(filter: { provider?: string | undefined; kind?: MediaKind | undefined } = {}): ModelCapability[] {
    return this.current().models.filter((m) => (!filter.provider || m.provider === filter.provider) && (!filter.kind || m.kind === filter.kind));
  }

  /**
   * "Did you mean" for a model id not in `provider`'s catalog: the nearest ids and aliases of that provider and
   * kind that `served` accepts (callers pass the lifecycle check), by edit distance or a shared prefix of 4+.
   */
  suggestModels(provider: string, kind: MediaKind, model: string, served: (m: ModelCapability) => boolean, limit = 3): string[] {
    const names = new Map<string, string>();
    for (const m of this.listModels({ provider, kind })) {
      if (!served(m)) continue;
      for (const name of [m.model, ...(m.aliases ?? [])]) if (!names.has(name)) names.set(name, m.model);
    }
    const near = closest(model, names.keys(), { limit: limit * 2, maxDistance: Math.max(2, typoBudget(model)), prefixAtLeast: 4 });
    // An alias and its model would read as two suggestions for one thing: keep the first name of each model.
    const out: string[] = [];
    for (const name of near) if (!out.some((o) => names.get(o) === names.get(name))) out.push(name);
    return out.slice(0, limit);
  }

  /** Providers whose catalog has this model id or alias. */
  providersForModel(model: string): ModelCapability[] {
    return [...(this.current().byModel.get(model.toLowerCase()) ?? [])];
  }

  async adapter(id: string): Promise<ProviderAdapter> {
    const own = this.providers.get(id);
    if (!own) {
      if (this.parent?.getProvider(id)) return this.parent.adapter(id);
      const available = this.providerIds();
      throw new ValidationError(`unknown provider ${JSON.stringify(id)}; available: ${available.join(", ")}`, {
        issues: [{ field: "provider", message: "unknown provider", allowed: available }],
      });
    }
    let loaded = this.adapters.get(id);
    if (!loaded) {
      loaded = own.load ? own.load() : Promise.resolve(own);
      loaded.catch(() => this.adapters.delete(id));
      this.adapters.set(id, loaded);
    }
    return loaded;
  }
}
