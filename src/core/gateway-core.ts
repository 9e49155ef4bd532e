import type { AliasRule, ResolvedModel, UserAliases } from "./aliases.js";
import { type Clock, systemClock } from "./clock.js";
import { StorageError } from "./errors.js";
import { type LogLevel, type Logger, createLogger } from "./logger.js";
import type { NetworkPolicy } from "./media/ssrf.js";
import type { Registry } from "./registry.js";
import { RemoteSchemaCache, type RemoteSchemaCacheOptions } from "./remote-schema/cache.js";
import type { GenerationConfigInput, MediaKind, MockConfig } from "./types.js";
import { type Transport, chooseTransport } from "./transport/select.js";

/** Where generated media goes when a gateway has storage: the response URL becomes the stored URL. */
export interface OutputStorage {
  put(object: {
    data: Uint8Array | ReadableStream<Uint8Array>;
    /** The same bytes as the provider's base64, when that is how they arrived: an inline store uses it as is. */
    base64?: string | undefined;
    mediaType: string;
    kind: MediaKind;
    requestId: string;
    index: number;
  }): Promise<{ url: string }>;
}

/** Store one output, turning any failure into a StorageError that says which output and why. */
export async function storeOutput(storage: OutputStorage, object: Parameters<OutputStorage["put"]>[0]): Promise<string> {
  try {
    return (await storage.put(object)).url;
  } catch (error) {
    if (error instanceof StorageError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StorageError(`could not store ${object.kind} output ${object.index + 1}: ${reason}`, { requestId: object.requestId, cause: error });
  }
}

export interface ProviderSettings {
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  providerConfig?: Record<string, unknown> | undefined;
}

export interface GatewayOptions {
  /** Keys and endpoints per provider id; a config's own values win. */
  providers?: Record<string, ProviderSettings> | undefined;
  /** Defaults applied to every config (and fallback) that does not set them. */
  defaults?: Pick<GenerationConfigInput, "timeoutMs" | "maxRetries" | "pollIntervalMs" | "maxPollAttempts" | "validation"> | undefined;
  /** Your own names: `{ fast: "fal/fal-ai/flux/schnell" }`. */
  aliases?: UserAliases | undefined;
  logger?: Logger | undefined;
  logLevel?: LogLevel | undefined;
  /** SSRF policy and limits for URLs users hand us, and the cap on provider responses. */
  network?:
    | (NetworkPolicy & {
        /** Cap on a user-supplied input download. Default 50 MB. */
        maxDownloadBytes?: number | undefined;
        downloadTimeoutMs?: number | undefined;
        /** Cap on a generated output download (videos). Default 2 GB. */
        maxOutputBytes?: number | undefined;
        /** Cap on any provider API response body (JSON, bytes, errors), counted after decompression. Default 64 MiB. */
        maxResponseBytes?: number | undefined;
      })
    | undefined;
  retry?: { baseDelayMs?: number | undefined; maxDelayMs?: number | undefined; maxRetryAfterMs?: number | undefined } | undefined;
  /** Bound on each single provider HTTP request. Default 120 s. */
  requestTimeoutMs?: number | undefined;
  storage?: OutputStorage | undefined;
  /**
   * A fetch (any WHATWG fetch) for every provider request and download. Default: provider requests go
   * through undici's dispatcher on Node (keep-alive pools per origin), the platform's fetch elsewhere.
   */
  fetch?: typeof fetch | undefined;
  /** Where API keys are read from. Default: process.env. */
  env?: Record<string, string | undefined> | undefined;
  /**
   * Run every generation of this gateway on the mock provider, each validated against its real model's
   * catalog entry (a config's own `mock` wins). Default: on when the environment has `TARASH_MOCK=1`, so an
   * application's own tests and CI can run offline without changing its code.
   */
  mock?: MockConfig | undefined;
  /**
   * Published input schemas of models the catalog does not know (fal, Replicate): fetched on first use,
   * cached (memory; disk with `dir`), and used to check and map requests. `false` turns this off.
   */
  remoteSchemas?: RemoteSchemaCacheOptions | false | undefined;
  /** Today, for model lifecycle (deprecated and retired models). Default: the system clock. */
  now?: Clock | undefined;
}

export interface GatewayCore {
  registry: Registry;
  options: GatewayOptions;
  logger: Logger;
  network: NetworkPolicy;
  fetch: typeof fetch;
  /** Provider HTTP: the injected `fetch` when there is one, else undici's dispatcher on Node (chosen once). */
  transport: Transport;
  env: Record<string, string | undefined>;
  rules: readonly AliasRule[];
  knownProviders: readonly string[];
  defaults: Record<MediaKind, ResolvedModel>;
  now: Clock;
  /** Per-gateway call counters for sequenced mock outcomes. */
  mockCounters: Map<string, number>;
  /** Gateway-wide mock mode (`options.mock`, else `TARASH_MOCK=1`). */
  mock: MockConfig | undefined;
  remoteSchemas: RemoteSchemaCache | undefined;
}

export function createCore(
  registry: Registry,
  options: GatewayOptions,
  routing: { rules: readonly AliasRule[]; knownProviders: readonly string[]; defaults: Record<MediaKind, ResolvedModel> },
): GatewayCore {
  const env = options.env ?? process.env;
  return {
    registry,
    options,
    logger: options.logger && !options.logLevel ? createLogger({ sink: options.logger, level: "debug" }) : createLogger({ level: options.logLevel, sink: options.logger }),
    network: { allowPrivateNetwork: options.network?.allowPrivateNetwork, allowedHosts: options.network?.allowedHosts },
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    transport: chooseTransport(options.fetch),
    env,
    now: options.now ?? systemClock,
    ...routing,
    mockCounters: new Map(),
    mock: options.mock ?? (env.TARASH_MOCK === "1" ? { enabled: true } : undefined),
    remoteSchemas: options.remoteSchemas === false ? undefined : new RemoteSchemaCache(options.remoteSchemas ?? {}),
  };
}
