import type { z } from "zod";
import type {
  AdapterImageResultSchema,
  AdapterVideoResultSchema,
  GenerationConfig,
  GenerationConfigInput,
  ImageListItemSchema,
  ImageRequestSchema,
  MediaInputSchema,
  MockConfigSchema,
  ProgressUpdateSchema,
  UsageSchema,
  VideoRequestSchema,
} from "./schemas.js";

export type { GenerationConfig, GenerationConfigInput };

export type MediaInput = z.infer<typeof MediaInputSchema>;
export type ImageInputType = z.infer<typeof ImageListItemSchema>["type"];
export type ImageListItem = z.input<typeof ImageListItemSchema>;
export type MockConfig = z.input<typeof MockConfigSchema>;

/** Config of one generation call (and, recursively, its fallbacks). */
export type ImageGenerationConfig = GenerationConfigInput;
export type VideoGenerationConfig = GenerationConfigInput;

/** What callers pass. Unknown top-level fields are accepted and moved into `extraParams`. */
export type ImageGenerationRequest = z.input<typeof ImageRequestSchema> & Record<string, unknown>;
export type VideoGenerationRequest = z.input<typeof VideoRequestSchema> & Record<string, unknown>;

/** The request after validation: defaults applied, unknown fields folded into `extraParams`. */
export type NormalizedImageRequest = z.output<typeof ImageRequestSchema>;
export type NormalizedVideoRequest = z.output<typeof VideoRequestSchema>;

export type ProgressUpdate = z.infer<typeof ProgressUpdateSchema>;
export type ProgressStatus = ProgressUpdate["status"];
export type Usage = z.infer<typeof UsageSchema>;

export type AdapterImageResult = z.input<typeof AdapterImageResultSchema>;
export type AdapterVideoResult = z.input<typeof AdapterVideoResultSchema>;

export interface GenerateOptions {
  onProgress?: ((update: ProgressUpdate) => void | Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Video jobs: called once a provider has accepted a job, before it is polled, with the id that
   * `resumeVideo` re-attaches to. Awaited: store it durably here, and a crash after this point never
   * submits the job twice. A throw cancels the provider job and fails the call without a retry.
   */
  onSubmitted?: ((job: SubmittedJobRef) => void | Promise<void>) | undefined;
}

/** A provider job a video call submitted: `jobId` encodes provider, model and the provider's id. */
export interface SubmittedJobRef {
  jobId: string;
  provider: string;
  model: string;
  providerJobId: string;
}

export interface Cost {
  amountUsd: number;
  /**
   * How the amount was computed: `per_image`, `per_token`, `per_second`, `per_megapixel`, `provider`, or
   * `mock` (a mocked call: nothing was billed, `amountUsd` is 0).
   */
  basis: "per_image" | "per_token" | "per_second" | "per_megapixel" | "provider" | "mock";
  /** True when computed from the catalog before/without provider-reported usage. */
  estimated: boolean;
  /** Mocked calls only: what the mocked model would have cost, from its catalog price (when it has one). */
  estimatedRealUsd?: number | undefined;
  /**
   * For token-priced models: what the amount is made of. Each part says whether it is an estimate
   * (before the call, or a part the provider did not report) or the provider's reported usage.
   */
  breakdown?: CostBreakdown | undefined;
}

export interface CostPart {
  amountUsd: number;
  /** Tokens behind the amount, when known. */
  tokens?: number | undefined;
  estimated: boolean;
}

export interface CostBreakdown {
  /** The generated images. */
  output: CostPart;
  /** The prompt. */
  inputText?: CostPart | undefined;
  /** Input images (edit sources, references). Absent when the model takes none or the catalog has no rule for them. */
  inputImages?: CostPart | undefined;
}

export interface AttemptRecord {
  attempt: number;
  /** Index of the config in the depth-first chain (0 = the primary config). */
  configIndex: number;
  provider: string;
  model: string;
  status: "success" | "failed" | "cancelled";
  errorType?: string | undefined;
  errorMessage?: string | undefined;
  statusCode?: number | undefined;
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

export interface ExecutionMetadata {
  totalAttempts: number;
  /** 1-based number of the attempt that succeeded, if any. */
  successfulAttempt: number | undefined;
  fallbackTriggered: boolean;
  configsInChain: number;
  attempts: AttemptRecord[];
}

export interface GeneratedImage {
  /** https URL, a `data:` URL when the provider returned bytes, or the stored URL when storage is on. */
  url: string;
  mediaType: string;
  width?: number | undefined;
  height?: number | undefined;
  revisedPrompt?: string | undefined;
}

export interface GeneratedVideo {
  /** https URL, `data:` URL, or the stored URL when storage is on. */
  url: string;
  mediaType: string;
  /** True when `url` can only be fetched with the provider key: use `downloadMedia()` or configure storage. */
  requiresProviderAuth?: boolean | undefined;
  durationSeconds?: number | undefined;
  width?: number | undefined;
  height?: number | undefined;
}

interface ResponseEnvelope {
  /** The gateway's id for this call (stable across retries and fallbacks). */
  requestId: string;
  providerRequestId?: string | undefined;
  status: "completed";
  provider: string;
  model: string;
  warnings: string[];
  usage?: Usage | undefined;
  cost?: Cost | undefined;
  isMock: boolean;
  rawResponse: unknown;
  executionMetadata: ExecutionMetadata;
}

export interface ImageGenerationResponse extends ResponseEnvelope {
  images: GeneratedImage[];
  text?: string | undefined;
  revisedPrompt?: string | undefined;
}

export interface VideoGenerationResponse extends ResponseEnvelope {
  /** The first video (most calls produce one). */
  video: GeneratedVideo;
  /** Every video produced (`numberOfVideos` > 1 returns them all). */
  videos: GeneratedVideo[];
}

export type MediaKind = "image" | "video";
