import { ValidationError } from "./errors.js";
import type { Registry } from "./registry.js";
import type { MediaKind } from "./types.js";

export interface ResolvedModel {
  provider: string;
  model: string;
}

/**
 * A pattern rule: names matching `pattern` belong to `provider`; `model` rewrites the id when set, and
 * `defaultModel` makes the name mean the provider's current default model of the requested kind.
 */
export interface AliasRule {
  pattern: RegExp;
  provider: string;
  model?: string | undefined;
  defaultModel?: boolean | undefined;
  /**
   * The pattern is the provider's own id namespace (`fal-ai/…`), not a resemblance: an id under it that the
   * catalog lacks is still that provider's, and is not refused as a guess.
   */
  namespace?: boolean | undefined;
}

/** How a name was resolved, for the caller that needs to know (filled in by resolveModelWith). */
export interface ResolveTrace {
  /** Set when only a name pattern (not the catalog, a prefix or an explicit provider) tied the id to a provider. */
  byPattern?: AliasRule;
}

export type UserAliases = Record<string, string | ResolvedModel>;

export interface ResolveOptions {
  provider?: string | undefined;
  kind?: MediaKind | undefined;
  registry: Registry;
  rules: readonly AliasRule[];
  /** Provider ids that a `provider/model` prefix may name, even before the provider is registered. */
  knownProviders: readonly string[];
  userAliases?: UserAliases | undefined;
  defaults: Record<MediaKind, ResolvedModel>;
  trace?: ResolveTrace | undefined;
}

/**
 * Alias → { provider, model }. Order: an explicit provider; user aliases; a bare provider id; a
 * `provider/model` prefix; an exact catalog id; then pattern rules (`dall-e*` → openai, …).
 */
export function resolveModelWith(model: string | undefined, options: ResolveOptions, depth = 0): ResolvedModel {
  const kind = options.kind ?? "image";
  const defaultModel = (provider: string): string | undefined =>
    options.registry.getProvider(provider)?.defaultModels?.[kind] ??
    (options.defaults[kind].provider === provider ? options.defaults[kind].model : undefined);

  if (options.provider) {
    const chosen = model ?? defaultModel(options.provider);
    if (!chosen) {
      throw new ValidationError(`model is required for provider ${options.provider}`, { issues: [{ field: "model", message: "required" }] });
    }
    const cap = options.registry.getModel(options.provider, chosen);
    return { provider: options.provider, model: cap?.model ?? stripPrefix(chosen, options.provider) };
  }
  if (!model) return options.defaults[kind];

  // Own keys only: a client's `toString` or `__proto__` is an unknown name, not Object.prototype's.
  const user = options.userAliases && Object.hasOwn(options.userAliases, model) ? options.userAliases[model] : undefined;
  if (user !== undefined && depth < 5) {
    if (typeof user !== "string") return user;
    if (user !== model) return resolveModelWith(user, options, depth + 1);
  }

  const known = new Set([...options.knownProviders, ...options.registry.providerIds()]);
  if (known.has(model)) {
    const m = defaultModel(model);
    if (!m) throw new ValidationError(`provider ${model} has no default ${kind} model; name one`, { issues: [{ field: "model", message: "required" }] });
    return { provider: model, model: m };
  }
  const slash = model.indexOf("/");
  if (slash > 0 && known.has(model.slice(0, slash))) {
    return resolveModelWith(model.slice(slash + 1), { ...options, provider: model.slice(0, slash) }, depth + 1);
  }

  const inCatalog = options.registry.providersForModel(model).filter((c) => c.kind === kind);
  if (inCatalog.length > 0) {
    const byRule = options.rules.find((r) => r.pattern.test(model));
    const preferred = inCatalog.find((c) => c.provider === byRule?.provider) ?? inCatalog[0]!;
    return { provider: preferred.provider, model: preferred.model };
  }

  for (const rule of options.rules) {
    if (!rule.pattern.test(model)) continue;
    if (rule.defaultModel) return resolveModelWith(undefined, { ...options, provider: rule.provider }, depth + 1);
    if (options.trace && !rule.model && !rule.namespace) options.trace.byPattern = rule;
    return { provider: rule.provider, model: rule.model ?? model };
  }
  throw new ValidationError(
    `cannot tell which provider serves model ${JSON.stringify(model)}; set provider, or write it as "provider/model" (providers: ${[...known].sort().join(", ")})`,
    { issues: [{ field: "model", message: "unknown model alias", allowed: [...known].sort() }] },
  );
}

function stripPrefix(model: string, provider: string): string {
  return model.startsWith(`${provider}/`) ? model.slice(provider.length + 1) : model;
}
