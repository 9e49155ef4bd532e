import { z } from "zod";
import type { GenerationConfigInput, MediaKind } from "../../../../src/core/types.js";
import { MockConfigSchema, VALIDATION_MODES } from "../../../../src/core/schemas.js";
import { ValidationError } from "../../../../src/core/errors.js";
import type { Gateway } from "../../../../src/core/gateway.js";
import { ConfigError, type RouteConfig, type ServerConfig } from "./config.js";
import type { MockAccess } from "./mock-access.js";

/** Model and provider names a client may write (schemas.ts uses the same limit). */
const MAX_NAME_LENGTH = 256;

/**
 * Turns what a caller names (`model`: a route name, an alias, `provider/model`, or nothing) into the
 * library config to run, with the route's retries and fallback chain.
 */

type RouteTarget = Omit<RouteConfig, "fallbacks" | "description">;

function fromTarget(t: RouteTarget): GenerationConfigInput {
  return {
    model: t.model,
    provider: t.provider,
    maxRetries: t.retries,
    timeoutMs: t.timeoutMs,
    pollIntervalMs: t.pollIntervalMs,
    validation: t.validation,
    providerConfig: t.providerConfig,
    mock: t.mock,
  };
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export class Router {
  /** Routes by name: a client's `model` is looked up here, so `toString` or `__proto__` is just an unknown name. */
  private readonly routes: ReadonlyMap<string, RouteConfig>;

  constructor(
    private readonly config: ServerConfig,
    /** Refuses client-chosen mock targets on a gateway that does not enable the mock. */
    private readonly mock?: MockAccess | undefined,
  ) {
    this.routes = new Map(Object.entries(config.routes));
  }

  /** True when every generation runs on the mock (config `mock.enabled`, or the gateway's `TARASH_MOCK=1`). */
  get mockMode(): boolean {
    return this.mock?.enabled ?? this.config.mock?.enabled === true;
  }

  /** Names clients may use as `model`: configured routes. */
  routeNames(): string[] {
    return [...this.routes.keys()];
  }

  /** True when `name` is a configured route. */
  hasRoute(name: string): boolean {
    return this.routes.has(name);
  }

  private fromRoute(name: string, depth: number): GenerationConfigInput {
    const route = this.routes.get(name)!;
    const cfg = strip(fromTarget(route));
    // A route whose model names another route takes that route's target and chain.
    if (depth < 8 && this.routes.has(route.model) && route.model !== name) {
      const inner = this.fromRoute(route.model, depth + 1);
      return strip({ ...inner, ...cfg, model: inner.model, provider: cfg.provider ?? inner.provider, fallbacks: [...(inner.fallbacks ?? []), ...this.fallbacks(route, depth)] });
    }
    const fallbacks = this.fallbacks(route, depth);
    return fallbacks.length ? { ...cfg, fallbacks } : cfg;
  }

  private fallbacks(route: RouteConfig, depth: number): GenerationConfigInput[] {
    return (route.fallbacks ?? []).map((f) => {
      if (typeof f !== "string") return strip(fromTarget(f));
      return this.routes.has(f) && depth < 8 ? this.fromRoute(f, depth + 1) : { model: f };
    });
  }

  /** The configured route a request's `model` names (or the default route of `kind`), if it names one. */
  routeName(model: string | undefined, kind: MediaKind): string | undefined {
    const name = model ?? this.config.defaultRoutes[kind];
    return this.routes.has(name) ? name : undefined;
  }

  /** The config chain for a request's `model` (or the default route of `kind`). */
  resolve(model: string | undefined, kind: MediaKind): GenerationConfigInput {
    this.mock?.checkModel(model, kind);
    const name = model ?? this.config.defaultRoutes[kind];
    const base = this.routes.has(name) ? this.fromRoute(name, 0) : { model: name };
    return this.withGlobalMock(base);
  }

  /** A client-supplied config (native jobs API): checked for mock use, then the gateway's mock mode applied. */
  fromClient(config: ClientConfig, kind: MediaKind): GenerationConfigInput {
    this.mock?.checkClientConfig(config, kind);
    return this.withGlobalMock(config);
  }

  /** A config with the gateway's mock mode applied. */
  withGlobalMock(config: GenerationConfigInput): GenerationConfigInput {
    const mock = this.config.mock;
    if (!mock?.enabled) return config;
    const apply = (c: GenerationConfigInput): GenerationConfigInput => ({
      ...c,
      mock: c.mock ?? mock,
      fallbacks: c.fallbacks?.map(apply),
    });
    return strip(apply(config));
  }
}

/**
 * Every provider the config configures and every model it names (routes, their fallbacks, default
 * routes, aliases) must exist, so a typo fails at start-up naming the field instead of on a request.
 */
export function checkRouteTargets(config: ServerConfig, gateway: Gateway): void {
  const providers = gateway.providers();
  const check = (field: string, model: string, provider?: string | undefined) => {
    if (provider !== undefined && !providers.includes(provider)) {
      throw new ConfigError(`Invalid config: ${field}: provider ${JSON.stringify(provider)} is not available; available: ${[...providers].sort().join(", ")}`, field);
    }
    if (Object.hasOwn(config.routes, model) && provider === undefined) return;
    let problem: ValidationError | undefined;
    // A route is not tied to a kind: a model either kind resolves is a valid target.
    for (const kind of ["image", "video"] as const) {
      try {
        const resolved = gateway.resolveModel(model, { ...(provider ? { provider } : {}), kind });
        if (!providers.includes(resolved.provider)) {
          throw new ValidationError(`provider ${JSON.stringify(resolved.provider)} is not available`, { issues: [{ field: "provider", message: "unknown" }] });
        }
        return;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        problem ??= error;
      }
    }
    throw new ConfigError(`Invalid config: ${field}: ${problem!.message}`, field);
  };
  for (const id of Object.keys(config.providers)) {
    if (!providers.includes(id)) {
      throw new ConfigError(`Invalid config: providers.${id}: unknown provider; available: ${[...providers].sort().join(", ")}`, `providers.${id}`);
    }
  }
  for (const [name, route] of Object.entries(config.routes)) {
    check(`routes.${name}.model`, route.model, route.provider);
    (route.fallbacks ?? []).forEach((f, i) => {
      if (typeof f === "string") check(`routes.${name}.fallbacks.${i}`, f);
      else check(`routes.${name}.fallbacks.${i}.model`, f.model, f.provider);
    });
  }
  for (const kind of ["image", "video"] as const) check(`defaultRoutes.${kind}`, config.defaultRoutes[kind]);
  for (const alias of Object.keys(config.aliases)) check(`aliases.${alias}`, alias);
}

const clientConfigShape = {
  provider: z.string().min(1).max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`).optional(),
  model: z.string().min(1).max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`).optional(),
  timeoutMs: z.number().int().positive().max(24 * 3600_000).optional(),
  pollIntervalMs: z.number().int().min(0).max(600_000).optional(),
  maxPollAttempts: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).max(10).optional(),
  validation: z.enum(VALIDATION_MODES).optional(),
  mock: MockConfigSchema.optional(),
};

export interface ClientConfig {
  provider?: string | undefined;
  model?: string | undefined;
  timeoutMs?: number | undefined;
  pollIntervalMs?: number | undefined;
  maxPollAttempts?: number | undefined;
  maxRetries?: number | undefined;
  validation?: "strict" | "coerce" | undefined;
  mock?: z.input<typeof MockConfigSchema> | undefined;
  fallbacks?: ClientConfig[] | undefined;
}

/**
 * The library config a caller of the native jobs API may send. Fields that would let a caller redirect
 * the gateway's own provider credentials (`baseUrl`, `headers`, `providerConfig`, `apiKey`) are not
 * accepted: those belong to the gateway's configuration.
 */
export const ClientConfigSchema: z.ZodType<ClientConfig> = z.lazy(() =>
  z.object({ ...clientConfigShape, fallbacks: z.array(ClientConfigSchema).max(8).optional() }).strict(),
).meta({ id: "ClientConfig", description: "A library config chain (no keys, base URLs or headers)." });
