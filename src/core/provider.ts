import type { ModelCapability } from "./capabilities.js";
import type { HttpClient, HttpClientOptions } from "./http.js";
import type { Logger } from "./logger.js";
import type { MediaTools } from "./media/tools.js";
import type { PollOptions } from "./polling.js";
import type { RemoteSchemaCache } from "./remote-schema/cache.js";
import type { TarashError } from "./errors.js";
import type {
  AdapterImageResult,
  AdapterVideoResult,
  NormalizedImageRequest,
  NormalizedVideoRequest,
  ProgressStatus,
} from "./types.js";

/** A progress report from an adapter; the core adds ids, attempt and elapsed time. */
export interface ProgressReport {
  status: ProgressStatus;
  progressPercent?: number | undefined;
  queuePosition?: number | undefined;
  message?: string | undefined;
  logs?: string[] | undefined;
}

/**
 * Everything an adapter may use during one attempt. Adapters translate; the context does the I/O,
 * so timeouts, abort, retries-after, redaction and SSRF rules are the same for every provider.
 */
export interface AdapterContext {
  readonly provider: string;
  readonly model: string;
  /** The catalog entry, or undefined for a model the catalog does not know. */
  readonly capability: ModelCapability | undefined;
  readonly apiKey: string | undefined;
  /** `config.baseUrl`, else the gateway's per-provider base URL, else the provider's default. No trailing slash. */
  readonly baseUrl: string;
  readonly providerConfig: Readonly<Record<string, unknown>>;
  /** Extra headers from the config, to be sent on every provider call. */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts on caller cancel (reason: CancelledError) or attempt deadline (reason: TimeoutError). */
  readonly signal: AbortSignal;
  /** Epoch ms at which this attempt times out, if bounded. */
  readonly deadline: number | undefined;
  readonly requestId: string;
  readonly attempt: number;
  readonly pollIntervalMs: number;
  readonly maxPollAttempts: number | undefined;
  /** The config's validation mode, for the few checks only an adapter can make (strict → throw, coerce → warn). */
  readonly validation: "strict" | "coerce";
  readonly logger: Logger;
  /** Where configuration comes from (the gateway's `env` option, else process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly media: MediaTools;
  /** The gateway's cache of providers' published model schemas; undefined when schema checks are off. */
  readonly remoteSchemas?: RemoteSchemaCache | undefined;
  /** An HTTP client bound to this attempt's base URL and signal. */
  http(options?: Partial<HttpClientOptions>): HttpClient;
  /** Poll until done, bounded by the deadline and `maxPollAttempts`, reporting progress. */
  poll<T>(options: Omit<PollOptions<T>, "signal" | "onProgress">): Promise<T>;
  progress(report: ProgressReport): Promise<void>;
  /** A note for `response.warnings` (a parameter the provider cannot take, a value that was mapped). */
  warn(message: string): void;
  /** Require an API key, or fail with an AuthenticationError naming the env vars that would supply it. */
  requireApiKey(): string;
}

/** State of a provider-side video job. */
export type VideoJobState =
  | ({ status: "queued" | "processing" } & Omit<ProgressReport, "status">)
  | { status: "completed"; result: AdapterVideoResult }
  | { status: "failed"; error: TarashError }
  | { status: "cancelled"; message?: string | undefined };

export interface ProviderAdapter {
  generateImage?(ctx: AdapterContext, request: NormalizedImageRequest): Promise<AdapterImageResult>;
  /** Generate a video in one call. Adapters that implement the three job methods instead get this for free. */
  generateVideo?(ctx: AdapterContext, request: NormalizedVideoRequest): Promise<AdapterVideoResult>;
  submitVideo?(ctx: AdapterContext, request: NormalizedVideoRequest): Promise<{ providerJobId: string; rawResponse?: unknown }>;
  getVideoStatus?(ctx: AdapterContext, providerJobId: string): Promise<VideoJobState>;
  cancelVideo?(ctx: AdapterContext, providerJobId: string): Promise<void>;
  /**
   * Headers needed to download an output URL this provider returned (Veo files, Sora content). Used by
   * `downloadMedia()` and storage uploads after the call, when the original context is gone.
   */
  downloadHeaders?(ctx: AdapterContext, url: string): Record<string, string>;
}

/**
 * A provider as registered: static data (catalog, env vars, default URL) plus a lazily loaded adapter,
 * so importing the library does not load twelve providers' code.
 */
export interface ProviderDefinition {
  id: string;
  displayName?: string;
  /** Env vars that supply the API key, in order of preference. */
  envKeys?: readonly string[];
  defaultBaseUrl?: string;
  /** Whether an API key is needed at all (false for mock and for local servers). Default true. */
  requiresApiKey?: boolean;
  models?: readonly ModelCapability[];
  /** Models used when a config names only the provider. */
  defaultModels?: { image?: string; video?: string };
  /** Load the adapter (a dynamic import for built-ins). Alternatively define the adapter methods inline. */
  load?: () => Promise<ProviderAdapter>;
  generateImage?: ProviderAdapter["generateImage"];
  generateVideo?: ProviderAdapter["generateVideo"];
  submitVideo?: ProviderAdapter["submitVideo"];
  getVideoStatus?: ProviderAdapter["getVideoStatus"];
  cancelVideo?: ProviderAdapter["cancelVideo"];
  downloadHeaders?: ProviderAdapter["downloadHeaders"];
}
