import { AuthenticationError } from "./errors.js";
import type { GatewayCore } from "./gateway-core.js";
import { HttpClient, type HttpClientOptions } from "./http.js";
import { createMediaTools, type MediaTools } from "./media/tools.js";
import { DurationObservations, scheduleForModel } from "./poll-schedule.js";
import { poll, type PollOptions } from "./polling.js";
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
  /** Where progress goes; undefined when nobody listens, so polls skip building reports. */
  progress?: ((report: ProgressReport) => Promise<void>) | undefined;
  warnings: string[];
}

/** What each gateway has seen of its models' job durations (core/poll-schedule.ts). */
const observations = new WeakMap<GatewayCore, DurationObservations>();
function observationsOf(core: GatewayCore): DurationObservations {
  let o = observations.get(core);
  if (!o) observations.set(core, (o = new DurationObservations()));
  return o;
}

/** The `progress` of a context nobody listens to: shared, so a job without a listener allocates nothing for it. */
const NO_PROGRESS = async (): Promise<void> => {};

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
  return new AttemptContext(input);
}

/**
 * The media tools of one attempt, built on first use: most attempts never touch media inputs, and with
 * thousands of jobs in flight eight closures per context were a measurable share of the heap. A plain
 * data property holding this object (rather than an accessor defined on each context) keeps the
 * context a fast-mode object; `Object.defineProperty` on every instance had turned each one into a
 * 1.6 KB dictionary. A copy of the context (`{ ...ctx, capability }`) shares the same tools.
 */
class LazyMediaTools implements MediaTools {
  #tools: MediaTools | undefined;
  readonly #core: GatewayCore;
  readonly #signal: AbortSignal;

  constructor(core: GatewayCore, signal: AbortSignal) {
    this.#core = core;
    this.#signal = signal;
  }

  #get(): MediaTools {
    const core = this.#core;
    return (this.#tools ??= createMediaTools({
      policy: core.network,
      maxBytes: core.options.network?.maxDownloadBytes,
      timeoutMs: core.options.network?.downloadTimeoutMs,
      signal: this.#signal,
      fetch: core.fetch,
    }));
  }

  toBytes(...args: Parameters<MediaTools["toBytes"]>) {
    return this.#get().toBytes(...args);
  }
  toBase64(...args: Parameters<MediaTools["toBase64"]>) {
    return this.#get().toBase64(...args);
  }
  toDataUrl(...args: Parameters<MediaTools["toDataUrl"]>) {
    return this.#get().toDataUrl(...args);
  }
  toUrl(...args: Parameters<MediaTools["toUrl"]>) {
    return this.#get().toUrl(...args);
  }
  toFile(...args: Parameters<MediaTools["toFile"]>) {
    return this.#get().toFile(...args);
  }
  download(...args: Parameters<MediaTools["download"]>) {
    return this.#get().download(...args);
  }
  open(...args: Parameters<MediaTools["open"]>) {
    return this.#get().open(...args);
  }
}

/**
 * One attempt's context. A class rather than an object literal so the object keeps one fast shape. The
 * methods are arrow fields, so an adapter may still pass `ctx.http` or `ctx.warn` around detached.
 */
class AttemptContext implements MockedContext {
  readonly provider: string;
  readonly model: string;
  readonly capability: ModelCapability | undefined;
  readonly apiKey: string | undefined;
  readonly baseUrl: string;
  readonly providerConfig: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal;
  readonly deadline: number | undefined;
  readonly requestId: string;
  readonly attempt: number;
  readonly pollIntervalMs: number;
  readonly maxPollAttempts: number | undefined;
  readonly validation: MockedContext["validation"];
  readonly logger: MockedContext["logger"];
  readonly env: MockedContext["env"];
  readonly mock: MockConfig | undefined;
  readonly remoteSchemas: MockedContext["remoteSchemas"];
  readonly progress: (report: ProgressReport) => Promise<void>;
  readonly media: MediaTools;

  constructor(input: ContextInput) {
    const { core, config, provider, model, signal } = input;
    const def = core.registry.getProvider(provider);
    this.media = new LazyMediaTools(core, signal);
    this.provider = provider;
    this.model = model;
    this.capability = input.capability;
    this.apiKey = resolveApiKey(core, config, provider);
    this.baseUrl = (config.baseUrl ?? core.options.providers?.[provider]?.baseUrl ?? def?.defaultBaseUrl ?? "").replace(/\/+$/, "");
    this.providerConfig = { ...core.options.providers?.[provider]?.providerConfig, ...config.providerConfig };
    registerNamedSecrets(this.providerConfig);
    registerNamedSecrets(config.headers);
    this.headers = { ...config.headers };
    this.signal = signal;
    this.deadline = input.deadline;
    this.requestId = input.requestId;
    this.attempt = input.attempt;
    this.pollIntervalMs = config.pollIntervalMs ?? core.options.defaults?.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.maxPollAttempts = config.maxPollAttempts ?? core.options.defaults?.maxPollAttempts;
    this.validation = config.validation ?? core.options.defaults?.validation ?? "strict";
    this.logger = core.logger;
    this.env = core.env;
    this.mock = mockSettings(config.mock ?? core.mock);
    this.remoteSchemas = core.remoteSchemas;
    this.progress = input.progress ?? NO_PROGRESS;
    const apiKey = this.apiKey;

    this.http = (options: Partial<HttpClientOptions> = {}) =>
      new HttpClient({
        baseUrl: this.baseUrl,
        signal,
        timeoutMs: core.options.requestTimeoutMs ?? 120_000,
        transport: core.transport,
        maxResponseBytes: core.options.network?.maxResponseBytes,
        provider,
        model,
        requestId: input.requestId,
        logger: core.logger,
        ...options,
        headers: { ...config.headers, ...options.headers },
        // A cancel call made after the attempt was aborted must not inherit the aborted signal.
        ...("signal" in options && options.signal === undefined ? { timeoutMs: options.timeoutMs ?? CANCEL_TIMEOUT_MS } : {}),
      });
    // A caller's pollIntervalMs (config, or the gateway defaults merged into it) is obeyed as is; without
    // one, a poll at the context's pace follows the model's expected duration (core/poll-schedule.ts).
    const callerPaced = config.pollIntervalMs !== undefined;
    this.poll = <T>(options: Omit<PollOptions<T>, "signal" | "onProgress">) => {
      const unbounded = input.deadline === undefined && this.maxPollAttempts === undefined;
      // An adapter that chose its own pace (the mock polls at a fraction of its known latency) keeps it.
      const adaptive = !callerPaced && options.intervalMs === this.pollIntervalMs;
      const observed = adaptive ? observationsOf(core) : undefined;
      const schedule = observed ? scheduleForModel(this.capability, observed, provider, model) : undefined;
      const started = Date.now();
      // The job finished between the last check that found it running and the one that found it done:
      // the midpoint is what is observed, so the polling pace itself does not inflate the estimate.
      let lastRunning = started;
      const check = options.check;
      const running = poll({
        maxAttempts: this.maxPollAttempts,
        deadline: unbounded ? started + DEFAULT_POLL_LIMIT_MS : input.deadline,
        what: `${provider} ${model} job`,
        ...options,
        ...schedule,
        ...(observed
          ? {
              check: async (attempt: number) => {
                const at = Date.now();
                const step = await check(attempt);
                if (!step.done) lastRunning = at;
                return step;
              },
            }
          : {}),
        signal,
        // Nobody listening: the poll skips building progress reports altogether.
        onProgress: input.progress,
      });
      if (!observed) return running;
      return running.then((value) => {
        observed.observe(provider, model, (lastRunning + Date.now()) / 2 - started);
        return value;
      });
    };
    this.warn = (message: string) => {
      input.warnings.push(message);
    };
    this.requireApiKey = () => {
      if (apiKey) return apiKey;
      const vars = def?.envKeys?.length ? ` or set ${def.envKeys.join(" / ")}` : "";
      throw new AuthenticationError(`no API key for ${provider}: pass apiKey in the config${vars}`, { provider, model });
    };
  }

  readonly http: MockedContext["http"];
  readonly poll: MockedContext["poll"];
  readonly warn: (message: string) => void;
  readonly requireApiKey: () => string;
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
    requestId: ids.requestId ?? `req_${crypto.randomUUID().replace(/-/g, "")}`,
    attempt: 1,
    warnings: ids.warnings ?? [],
  });
}

/** The mock settings an attempt runs with: its config's own, else the gateway's mock mode. */
function mockSettings(mock: MockConfig | undefined): MockConfig | undefined {
  return mock?.enabled ? mock : undefined;
}
