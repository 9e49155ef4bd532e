import { z } from "zod";
import { NAMED_SIZE_NAMES } from "./sizes.js";

const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: "expected bytes (Uint8Array)" });

/** A media input: an http(s) URL, a `data:` URL, raw bytes (Uint8Array/Buffer) or a Blob. */
export const MediaInputSchema = z.union([
  z.string().refine((s) => /^(https?:|data:)/i.test(s), {
    message: "must be an http(s) URL or a data: URL (or pass bytes / a Blob)",
  }),
  Bytes,
  z.instanceof(Blob),
]);

export const IMAGE_INPUT_TYPES = ["reference", "style", "first_frame", "last_frame", "asset"] as const;
export const OUTPUT_FORMATS = ["png", "jpeg", "webp"] as const;
export const IMAGE_RESOLUTIONS = ["1K", "2K", "4K"] as const;
export const VIDEO_RESOLUTIONS = ["480p", "720p", "1080p", "4k"] as const;
export const RESPONSE_MODALITIES = ["TEXT", "IMAGE"] as const;
export const VALIDATION_MODES = ["strict", "coerce"] as const;
export const MOCK_ERROR_TYPES = [
  "rate_limit",
  "server_error",
  "timeout",
  "connection",
  "moderation",
  "authentication",
  "validation",
  "generation_failed",
] as const;

export const ImageListItemSchema = z
  .object({
    image: MediaInputSchema,
    type: z.enum(IMAGE_INPUT_TYPES).default("reference"),
  })
  .strict();

const RATIO = /^\d+(\.\d+)?:\d+(\.\d+)?$/;

export const MockOutcomeSchema = z
  .object({
    weight: z.number().min(0).default(1),
    error: z.enum(MOCK_ERROR_TYPES).optional(),
    message: z.string().optional(),
    retryAfterMs: z.number().int().min(0).optional(),
  })
  .strict();

export const MockConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    failureRate: z.number().min(0).max(1).optional(),
    errorType: z.enum(MOCK_ERROR_TYPES).optional(),
    /** Weighted outcomes, or with `sequence: true` played in order, one per call (then the last repeats). */
    responses: z.array(MockOutcomeSchema).min(1).optional(),
    sequence: z.boolean().optional(),
  })
  .strict();

const baseConfigShape = {
  provider: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  timeoutMs: z.number().int().positive().max(24 * 3600_000).optional(),
  pollIntervalMs: z.number().int().min(0).max(600_000).optional(),
  maxPollAttempts: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).max(20).optional(),
  providerConfig: z.record(z.string(), z.unknown()).optional(),
  validation: z.enum(VALIDATION_MODES).optional(),
  mock: MockConfigSchema.optional(),
  headers: z.record(z.string(), z.string()).optional(),
};

export interface GenerationConfigInput {
  provider?: string | undefined;
  model?: string | undefined;
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  timeoutMs?: number | undefined;
  pollIntervalMs?: number | undefined;
  maxPollAttempts?: number | undefined;
  maxRetries?: number | undefined;
  providerConfig?: Record<string, unknown> | undefined;
  validation?: "strict" | "coerce" | undefined;
  mock?: z.input<typeof MockConfigSchema> | undefined;
  headers?: Record<string, string> | undefined;
  fallbacks?: GenerationConfigInput[] | undefined;
}

export const GenerationConfigSchema: z.ZodType<GenerationConfig, GenerationConfigInput> = z.lazy(() =>
  z
    .object({
      ...baseConfigShape,
      fallbacks: z.array(GenerationConfigSchema).optional(),
    })
    .strict(),
);

export interface GenerationConfig {
  provider?: string | undefined;
  model?: string | undefined;
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  timeoutMs?: number | undefined;
  pollIntervalMs?: number | undefined;
  maxPollAttempts?: number | undefined;
  maxRetries?: number | undefined;
  providerConfig?: Record<string, unknown> | undefined;
  validation?: "strict" | "coerce" | undefined;
  mock?: z.output<typeof MockConfigSchema> | undefined;
  headers?: Record<string, string> | undefined;
  fallbacks?: GenerationConfig[] | undefined;
}

const commonRequestShape = {
  prompt: z.string().trim().min(1, "must be a non-empty string"),
  negativePrompt: z.string().optional(),
  aspectRatio: z.string().regex(RATIO, 'must look like "16:9"').optional(),
  seed: z.number().int().min(0).max(2 ** 53 - 1).optional(),
  imageList: z.array(ImageListItemSchema).optional(),
  enhancePrompt: z.boolean().optional(),
  extraParams: z.record(z.string(), z.unknown()).optional(),
};

export const ImageRequestSchema = z.object({
  ...commonRequestShape,
  size: z
    .string()
    .refine((s) => /^(\d{2,5}x\d{2,5}|auto)$/.test(s) || (NAMED_SIZE_NAMES as string[]).includes(s), {
      message: `must look like "1024x1024", or be "auto" or a named size: ${NAMED_SIZE_NAMES.join(", ")}`,
    })
    .optional(),
  quality: z.string().min(1).optional(),
  style: z.string().min(1).optional(),
  n: z.number().int().min(1).max(100).optional(),
  maskImage: MediaInputSchema.optional(),
  outputFormat: z.enum(OUTPUT_FORMATS).optional(),
  resolution: z.enum(IMAGE_RESOLUTIONS).optional(),
  /** What a Gemini image model answers with: images only, or text and images (the seed's `response_modalities`). */
  responseModalities: z
    .array(z.enum(RESPONSE_MODALITIES))
    .min(1)
    .refine((m) => m.includes("IMAGE"), { message: 'must include "IMAGE": ["IMAGE"] or ["TEXT", "IMAGE"]' })
    .refine((m) => new Set(m).size === m.length, { message: "must not repeat a modality" })
    .optional(),
});

export const VideoRequestSchema = z.object({
  ...commonRequestShape,
  durationSeconds: z.number().positive().max(600).optional(),
  resolution: z.enum(VIDEO_RESOLUTIONS).optional(),
  generateAudio: z.boolean().optional(),
  video: MediaInputSchema.optional(),
  numberOfVideos: z.number().int().min(1).max(8).optional(),
});

export const PROGRESS_STATUSES = ["queued", "processing", "completed", "failed"] as const;

export const ProgressUpdateSchema = z
  .object({
    requestId: z.string(),
    provider: z.string(),
    model: z.string(),
    attempt: z.number().int().positive(),
    status: z.enum(PROGRESS_STATUSES),
    progressPercent: z.number().min(0).max(100).optional(),
    queuePosition: z.number().int().min(0).optional(),
    message: z.string().optional(),
    logs: z.array(z.string()).optional(),
    elapsedMs: z.number().min(0),
  })
  .strict();

/** What an adapter hands back for one image; the core turns bytes into URLs and fills in metadata. */
export const AdapterImageSchema = z
  .object({
    url: z.string().optional(),
    data: Bytes.optional(),
    /**
     * The image as the provider sent it, in canonical base64 (no line breaks). It reaches the caller
     * without being decoded and encoded again; give it instead of `data` when that is what arrived.
     */
    base64: z.string().optional(),
    mediaType: z.string().optional(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    revisedPrompt: z.string().optional(),
  })
  .refine((img) => img.url !== undefined || img.data !== undefined || img.base64 !== undefined, { message: "an image needs url, data or base64" });

export const UsageSchema = z
  .object({
    inputTokens: z.number().min(0).optional(),
    outputTokens: z.number().min(0).optional(),
    totalTokens: z.number().min(0).optional(),
    inputImageTokens: z.number().min(0).optional(),
    outputImageTokens: z.number().min(0).optional(),
    images: z.number().min(0).optional(),
    videos: z.number().min(0).optional(),
    seconds: z.number().min(0).optional(),
  })
  .strict();

export const AdapterImageResultSchema = z.object({
  images: z.array(AdapterImageSchema).min(1, "the provider returned no images"),
  providerRequestId: z.string().optional(),
  text: z.string().optional(),
  revisedPrompt: z.string().optional(),
  usage: UsageSchema.optional(),
  costUsd: z.number().min(0).optional(),
  warnings: z.array(z.string()).optional(),
  rawResponse: z.unknown(),
});

export const AdapterVideoSchema = z
  .object({
    url: z.string().optional(),
    data: Bytes.optional(),
    mediaType: z.string().optional(),
    durationSeconds: z.number().positive().optional(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    /** Headers needed to download `url` (e.g. the provider key for Veo files); never shown to users. */
    downloadHeaders: z.record(z.string(), z.string()).optional(),
  })
  .refine((v) => v.url !== undefined || v.data !== undefined, { message: "a video needs url or data" });

export const AdapterVideoResultSchema = z.object({
  videos: z.array(AdapterVideoSchema).min(1, "the provider returned no video"),
  providerRequestId: z.string().optional(),
  usage: UsageSchema.optional(),
  costUsd: z.number().min(0).optional(),
  warnings: z.array(z.string()).optional(),
  rawResponse: z.unknown(),
});
