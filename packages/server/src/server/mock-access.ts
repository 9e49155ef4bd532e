import { ValidationError } from "../../../../src/core/errors.js";
import type { MediaKind } from "../../../../src/core/types.js";
import type { ServerConfig } from "./config.js";
import type { ClientConfig } from "./routing.js";

/**
 * Whether a client may reach the mock provider. Only the gateway's configuration turns the mock on: its
 * `mock.enabled` (every generation mocked, as in the embedded defaults; `TARASH_MOCK=1` in the gateway's
 * environment does the same), or a target the operator wrote
 * (a route, a route's fallback or `mock` settings, an alias, `defaultRoutes`). A client naming
 * `mock/mock-image` itself, or sending `mock` settings or a mock provider in a jobs `config`, gets a 400
 * naming the field: otherwise any caller could make a production gateway render 4096² pictures for free.
 */

/** The provider serving `model` for `kind`, or undefined when it does not resolve (validated later). */
export type ProviderOf = (model: string, provider: string | undefined, kind: MediaKind) => string | undefined;

export const MOCK_PROVIDER = "mock";

function refuse(field: string, what: string, hint: string): ValidationError {
  const message = `${field}: ${what} is the mock provider, which this gateway does not enable (its config sets no mock.enabled)${hint}`;
  return new ValidationError(message, { issues: [{ field, message }] });
}

export class MockAccess {
  constructor(
    private readonly config: ServerConfig,
    private readonly providerOf: ProviderOf,
    /** The gateway process runs in the library's mock mode (`TARASH_MOCK=1` in its environment). */
    private readonly envMock = false,
  ) {}

  /** True when the gateway runs every generation on the mock (config `mock.enabled`, or `TARASH_MOCK=1`). */
  get enabled(): boolean {
    return this.config.mock?.enabled === true || this.envMock;
  }

  private routesHint(): string {
    const names = Object.keys(this.config.routes);
    return names.length ? `; configured routes: ${names.join(", ")}` : "";
  }

  /** A `model` a client wrote (not a route name or a configured alias) must not select the mock. */
  checkModel(model: string | undefined, kind: MediaKind, field = "model"): void {
    if (this.enabled || model === undefined) return;
    if (Object.hasOwn(this.config.routes, model) || Object.hasOwn(this.config.aliases, model)) return;
    if (this.providerOf(model, undefined, kind) === MOCK_PROVIDER) throw refuse(field, JSON.stringify(model), this.routesHint());
  }

  /** A client's library config chain (`/v1/jobs` `config`): no mock settings, no mock target. */
  checkClientConfig(config: ClientConfig, kind: MediaKind, path = "config"): void {
    if (config.mock !== undefined) {
      const message = `${path}.mock: mock settings belong to the gateway's configuration (mock, routes.*.mock), not to a request`;
      throw new ValidationError(message, { issues: [{ field: `${path}.mock`, message }] });
    }
    if (!this.enabled) {
      if (config.provider === MOCK_PROVIDER) throw refuse(`${path}.provider`, '"mock"', this.routesHint());
      if (config.model !== undefined && !Object.hasOwn(this.config.aliases, config.model) && this.providerOf(config.model, config.provider, kind) === MOCK_PROVIDER) {
        throw refuse(`${path}.model`, JSON.stringify(config.model), this.routesHint());
      }
    }
    config.fallbacks?.forEach((f, i) => this.checkClientConfig(f, kind, `${path}.fallbacks.${i}`));
  }
}
