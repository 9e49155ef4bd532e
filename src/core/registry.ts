import type { ModelCapability } from "./capabilities.js";
import { ValidationError } from "./errors.js";
import type { ProviderAdapter, ProviderDefinition } from "./provider.js";
import type { MediaKind } from "./types.js";

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]*$/;

function modelKey(provider: string, model: string): string {
  return `${provider}\u0000${model.toLowerCase()}`;
}

/**
 * Providers and the model catalog. A gateway's registry layers over the global one: lookups fall
 * through to the parent, registrations stay local, so `createGateway()` instances are isolated.
 */
export class Registry {
  private readonly providers = new Map<string, ProviderDefinition>();
  private readonly models = new Map<string, ModelCapability>();
  private readonly adapters = new Map<string, Promise<ProviderAdapter>>();

  constructor(private readonly parent?: Registry) {}

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
  }

  getProvider(id: string): ProviderDefinition | undefined {
    return this.providers.get(id) ?? this.parent?.getProvider(id);
  }

  providerIds(): string[] {
    return [...new Set([...(this.parent?.providerIds() ?? []), ...this.providers.keys()])].sort();
  }

  getModel(provider: string, model: string): ModelCapability | undefined {
    return this.models.get(modelKey(provider, model)) ?? this.parent?.getModel(provider, model);
  }

  /** Every catalog entry, local entries overriding inherited ones. */
  listModels(filter: { provider?: string | undefined; kind?: MediaKind | undefined } = {}): ModelCapability[] {
    const byKey = new Map<string, ModelCapability>();
    for (const m of this.parent?.listModels(filter) ?? []) byKey.set(modelKey(m.provider, m.model), m);
    for (const m of new Set(this.models.values())) {
      if (filter.provider && m.provider !== filter.provider) continue;
      if (filter.kind && m.kind !== filter.kind) continue;
      byKey.set(modelKey(m.provider, m.model), m);
    }
    return [...byKey.values()].sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
  }

  /** Providers whose catalog has this model id or alias. */
  providersForModel(model: string): ModelCapability[] {
    const found: ModelCapability[] = [];
    for (const provider of this.providerIds()) {
      const cap = this.getModel(provider, model);
      if (cap) found.push(cap);
    }
    return found;
  }

  async adapter(id: string): Promise<ProviderAdapter> {
    const own = this.providers.get(id);
    if (!own) {
      if (this.parent?.getProvider(id)) return this.parent.adapter(id);
      throw new ValidationError(`unknown provider ${JSON.stringify(id)}; available: ${this.providerIds().join(", ")}`, {
        issues: [{ field: "provider", message: "unknown provider", allowed: this.providerIds() }],
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
