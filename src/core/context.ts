import { randomUUID } from "node:crypto";
import { AuthenticationError } from "./errors.js";
import type { GatewayCore } from "./gateway-core.js";
import { HttpClient, type HttpClientOptions } from "./http.js";
import { createMediaTools } from "./media/tools.js";
import { poll } from "./polling.js";
import type { AdapterContext, ProgressReport } from "./provider.js";
import type { ModelCapability } from "./capabilities.js";
import type { GenerationConfig, MockConfig } from "./types.js";
import { isSecretKey, registerSecret } from "./redact.js";

export const DEFAULT_POLL_INTERVAL_MS = 2_000;
/**
 * How long any provider job is polled when the caller set neither `timeoutMs` nor `maxPollAttempts`, so
 * a job the provider never settles cannot keep the call (and the provider's bill) open forever. Slow
 * queues plus a long video render stay well inside it; reaching it cancels the job where the provider can.
 */
export const DEFAULT_POLL_LIMIT_MS = 60 * 60_000;
const CANCEL_TIMEOUT_MS = 10_000;

export interface ContextInput {
  core: GatewayCore;
  config: GenerationConfig;
  provider: string;
  model: string;
  capability: ModelCapability | undefined;
  signal: AbortSignal;
  deadline: number | undefined;
  requestId: string;
  attempt: number;
  progress: (report: ProgressReport) => Promise<void>;
  warnings: string[];
}

/** Mock settings for an attempt that is mocked; only the mock adapter reads them. */
export interface MockedContext extends AdapterContext {
  readonly mock: MockConfig | undefined;
}

/** The API key for a provider: config, then the gateway's provider settings, then the env vars. */
export function resolveApiKey(core: GatewayCore, config: GenerationConfig, provider: string): string | undefined {
  const def = core.registry.getProvider(provider);
  const key =
    config.apiKey ??
    core.options.providers?.[provider]?.apiKey ??
    (def?.envKeys ?? []).map((k) => core.env[k]).find((v) => v !== undefined && v !== "");
  registerSecret(key);
  return key;
}

/**
 * Credentials can also arrive as a Vertex/Azure `accessToken` in providerConfig or as a custom auth
 * header; remember them so a provider echoing one back in a message cannot leak it.
 */
function registerNamedSecrets(values: Record<string, unknown> | undefined): void {
  for (const [key, value] of Object.entries(values ?? {})) {
    if (typeof value !== "string" || !isSecretKey(key)) continue;
    registerSecret(value);
    registerSecret(/^\S+\s+(\S+)$/.exec(value)?.[1]);
  }
}

export function createContext(input: ContextInput): MockedContext {
  const { core, config, provider, model, signal } = input;
  const def = core.registry.getProvider(provider);
  const apiKey = resolveApiKey(core, config, provider);
  const baseUrl = (config.baseUrl ?? core.options.providers?.[provider]?.baseUrl ?? def?.defaultBaseUrl ?? "").replace(/\/+$/, "");
  const providerConfig = { ...core.options.providers?.[provider]?.providerConfig, ...config.providerConfig };
  registerNamedSecrets(providerConfig);
  registerNamedSecrets(config.headers);
  const logger = core.logger;
  const media = createMediaTools({
    policy: core.network,
    maxBytes: core.options.network?.maxDownloadBytes,
    timeoutMs: core.options.network?.downloadTimeoutMs,
    signal,
    fetch: core.fetch,
  });
  const httpDefaults = (): HttpClientOptions => ({
    baseUrl,
    headers: { ...config.headers },
    signal,
    timeoutMs: core.options.requestTimeoutMs ?? 120_000,
    fetch: core.fetch,
    provider,
    model,
    requestId: input.requestId,
    logger,
  });

  return {
    provider,
    model,
    capability: input.capability,
    apiKey,
    baseUrl,
    providerConfig,
    headers: { ...config.headers },
    signal,
    deadline: input.deadline,
    requestId: input.requestId,
    attempt: input.attempt,
    pollIntervalMs: config.pollIntervalMs ?? core.options.defaults?.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    maxPollAttempts: config.maxPollAttempts ?? core.options.defaults?.maxPollAttempts,
    validation: config.validation ?? core.options.defaults?.validation ?? "strict",
    logger,
    env: core.env,
    media,
    mock: mockSettings(config.mock ?? core.mock),
    http(options: Partial<HttpClientOptions> = {}) {
      const defaults = httpDefaults();
      return new HttpClient({
        ...defaults,
        ...options,
        headers: { ...defaults.headers, ...options.headers },
        // A cancel call made after the attempt was aborted must not inherit the aborted signal.
        ...("signal" in options && options.signal === undefined ? { timeoutMs: options.timeoutMs ?? CANCEL_TIMEOUT_MS } : {}),
      });
    },
    poll(options) {
      const unbounded = input.deadline === undefined && this.maxPollAttempts === undefined;
      return poll({
        maxAttempts: this.maxPollAttempts,
        deadline: unbounded ? Date.now() + DEFAULT_POLL_LIMIT_MS : input.deadline,
        what: `${provider} ${model} job`,
        ...options,
        signal,
        onProgress: input.progress,
      });
    },
    progress: input.progress,
    warn(message: string) {
      input.warnings.push(message);
    },
    requireApiKey() {
      if (apiKey) return apiKey;
      const vars = def?.envKeys?.length ? ` or set ${def.envKeys.join(" / ")}` : "";
      throw new AuthenticationError(`no API key for ${provider}: pass apiKey in the config${vars}`, { provider, model });
    },
  };
}

/**
 * A context outside any attempt: job status and cancel calls from another process, output downloads.
 * No deadline, no progress, its own request id.
 */
export function detachedContext(
  core: GatewayCore,
  config: GenerationConfig,
  ids: { provider: string; model: string; capability?: ModelCapability | undefined; requestId?: string | undefined; warnings?: string[] | undefined },
  signal?: AbortSignal,
): MockedContext {
  return createContext({
    core,
    config,
    provider: ids.provider,
    model: ids.model,
    capability: ids.capability,
    signal: signal ?? new AbortController().signal,
    deadline: undefined,
    requestId: ids.requestId ?? `req_${randomUUID().replace(/-/g, "")}`,
    attempt: 1,
    progress: async () => {},
    warnings: ids.warnings ?? [],
  });
}

/** The mock settings an attempt runs with: its config's own, else the gateway's mock mode. */
function mockSettings(mock: MockConfig | undefined): MockConfig | undefined {
  return mock?.enabled ? mock : undefined;
}
