import { z } from "zod";
import { RESPONSE_MODALITIES } from "../../../../src/core/schemas.js";
import { NAMED_SIZE_NAMES } from "../../../../src/core/sizes.js";
import { ClientConfigSchema } from "./routing.js";

/**
 * Request and response schemas of the HTTP API. The same objects validate requests and generate
 * /openapi.json, so the document cannot drift from what the server accepts.
 */

const nonEmpty = z.string().trim().min(1, "must be a non-empty string");
/** Model, route and provider names: the longest real id is far shorter; a longer one is a client's mistake (or a probe). */
const MAX_NAME_LENGTH = 256;
const modelName = z.string().min(1).max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`);
const size = z.string().refine((s) => /^(\d{2,5}x\d{2,5}|auto)$/.test(s) || (NAMED_SIZE_NAMES as string[]).includes(s), {
  message: `must look like "1024x1024", or be "auto" or a named size: ${NAMED_SIZE_NAMES.join(", ")}`,
});
export const FileSchema = z.instanceof(Blob, { error: "must be a file (a multipart file part with a filename)" }).meta({ type: "string", format: "binary", description: "A file upload." } as Record<string, unknown>);
/** A multipart number field (text) or a JSON number. */
const formInt = (min: number, max: number) => z.coerce.number<unknown>().int().min(min).max(max);

// ---- storage-backend contract ------------------------------------------------------------------

export const LegacyImageSettingsSchema = z
  .object({
    model: modelName.optional().meta({ description: "A route name, alias, model id or provider/model." }),
    width: z.number().int().min(16).max(16384).optional(),
    height: z.number().int().min(16).max(16384).optional(),
    quality: z.string().min(1).optional(),
    style: z.string().min(1).optional(),
    n: z.number().int().min(1).max(10).optional(),
    seed: z.number().int().min(0).optional(),
    negative_prompt: z.string().optional(),
    aspect_ratio: z.string().optional(),
    output_format: z.enum(["png", "jpeg", "webp"]).optional(),
  })
  .catchall(z.unknown())
  .meta({ description: "Image settings; unknown fields are passed to the provider verbatim." });

export const LegacyImageRequestSchema = z
  .object({
    prompt: nonEmpty,
    settings: z.object({ image: LegacyImageSettingsSchema.prefault({}) }).catchall(z.unknown()).prefault({}),
    customer_id: z
      .union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)], { error: "must be a positive integer" })
      .pipe(z.number().int("must be a positive integer").positive("must be a positive integer")),
    save_to_db: z.boolean().default(false),
  })
  .meta({ id: "LegacyImageRequest" });

export const LegacyImageResponseSchema = z
  .object({
    success: z.literal(true),
    code: z.literal(200),
    data: z.object({
      image_url: z.string().meta({ description: "The stored, signed URL (save_to_db: true) or a data: URL." }),
      provider: z.string(),
      model: z.string(),
      settings: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: "LegacyImageResponse" });

export const LegacyErrorSchema = z
  .object({ success: z.literal(false), code: z.number().int(), error: z.object({ message: z.string(), field: z.string().nullable() }) })
  .meta({ id: "LegacyError" });

// ---- OpenAI-compatible images ------------------------------------------------------------------

const responseFormat = z.enum(["url", "b64_json"]);
const outputFormat = z.enum(["png", "jpeg", "webp"]);

export const ImageGenerationBodySchema = z
  .object({
    prompt: nonEmpty,
    model: modelName.optional().meta({ description: "A route name, alias, model id or provider/model." }),
    n: z.number().int().min(1).max(100).optional(),
    size: size.optional(),
    quality: z.string().min(1).optional(),
    style: z.string().min(1).optional(),
    response_format: responseFormat.optional(),
    output_format: outputFormat.optional(),
    output_compression: z.number().int().min(0).max(100).optional(),
    background: z.enum(["transparent", "opaque", "auto"]).optional(),
    moderation: z.enum(["auto", "low"]).optional(),
    user: z.string().optional(),
    stream: z.literal(false, { error: "streaming image generation is not supported; omit stream" }).optional(),
    negative_prompt: z.string().optional(),
    seed: z.number().int().min(0).optional(),
    aspect_ratio: z.string().optional(),
    resolution: z.enum(["1K", "2K", "4K"]).optional(),
    response_modalities: z
      .array(z.enum(RESPONSE_MODALITIES))
      .optional()
      .meta({ description: 'Gemini image models: ["IMAGE"] for images only, or ["TEXT", "IMAGE"] (the default).' }),
  })
  .catchall(z.unknown())
  .meta({ id: "CreateImageRequest", description: "OpenAI's image generation body; unknown fields go to the provider verbatim." });

export const ImageEditFormSchema = z
  .object({
    image: z.array(FileSchema).min(1, "at least one image is required").max(16),
    mask: FileSchema.optional(),
    prompt: nonEmpty,
    model: modelName.optional(),
    n: formInt(1, 100).optional(),
    size: size.optional(),
    quality: z.string().min(1).optional(),
    response_format: responseFormat.optional(),
    output_format: outputFormat.optional(),
    output_compression: formInt(0, 100).optional(),
    background: z.enum(["transparent", "opaque", "auto"]).optional(),
    input_fidelity: z.enum(["high", "low"]).optional(),
    user: z.string().optional(),
    stream: z.enum(["false"], { error: "streaming is not supported; omit stream" }).optional(),
  })
  .catchall(z.string())
  .meta({ id: "CreateImageEditRequest", description: "multipart/form-data; `image` may repeat, or be sent as `image[]`." });

export const ImageVariationFormSchema = z
  .object({
    image: FileSchema,
    model: modelName.optional(),
    n: formInt(1, 10).optional(),
    size: size.optional(),
    response_format: responseFormat.optional(),
    user: z.string().optional(),
    prompt: z.string().optional().meta({ description: "Extension: guidance for providers that need a prompt." }),
  })
  .catchall(z.string())
  .meta({ id: "CreateImageVariationRequest" });

export const ImagesResponseSchema = z
  .object({
    created: z.number().int(),
    data: z.array(z.object({ url: z.string().optional(), b64_json: z.string().optional(), revised_prompt: z.string().optional() })),
    output_format: z.string().optional(),
    usage: z
      .object({
        input_tokens: z.number(),
        output_tokens: z.number(),
        total_tokens: z.number(),
        input_tokens_details: z.object({ image_tokens: z.number(), text_tokens: z.number() }).optional(),
      })
      .optional(),
  })
  .meta({ id: "ImagesResponse" });

// ---- OpenAI-compatible videos ------------------------------------------------------------------

export const VideoCreateBodySchema = z
  .object({
    prompt: nonEmpty,
    model: modelName.optional(),
    seconds: z.union([z.string().regex(/^\d+(\.\d+)?$/, "must be a number of seconds"), z.number().positive()]).optional(),
    size: z.string().regex(/^\d{2,5}x\d{2,5}$/, 'must look like "1280x720"').optional(),
    input_reference: z
      .union([FileSchema, z.object({ image_url: z.string().min(1) })], { error: "must be an image file or an object { image_url }" })
      .optional(),
  })
  .catchall(z.unknown())
  .meta({ id: "CreateVideoRequest", description: "JSON or multipart/form-data (input_reference as a file)." });

/** POST /v1/videos/{id}/remix: only a new prompt; model, route and settings come from the original video. */
export const VideoRemixBodySchema = z
  .object({ prompt: VideoCreateBodySchema.shape.prompt })
  .strict()
  .meta({ id: "RemixVideoRequest" });

export const VideoDeletedSchema = z
  .object({ id: z.string(), object: z.literal("video.deleted"), deleted: z.literal(true) })
  .meta({ id: "DeletedVideo" });

export const VideoObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal("video"),
    model: z.string(),
    status: z.enum(["queued", "in_progress", "completed", "failed"]),
    progress: z.number(),
    created_at: z.number().int(),
    completed_at: z.number().int().nullable(),
    expires_at: z.number().int().nullable(),
    prompt: z.string().nullable(),
    seconds: z.string(),
    size: z.string(),
    remixed_from_video_id: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: "Video" });

// ---- native jobs -------------------------------------------------------------------------------

export const WebhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(16, "must be at least 16 characters").optional(),
  })
  .strict();

export const JobCreateBodySchema = z
  .object({
    kind: z.enum(["image", "video"]),
    model: modelName.optional().meta({ description: "A route name, alias, model id or provider/model." }),
    route: modelName.optional(),
    config: ClientConfigSchema.optional(),
    request: z.record(z.string(), z.unknown()).meta({ description: "The library's ImageGenerationRequest or VideoGenerationRequest." }),
    webhook: WebhookSchema.optional(),
  })
  .strict()
  .refine((b) => [b.model, b.route, b.config].filter((v) => v !== undefined).length <= 1, {
    message: "give at most one of model, route or config",
    path: ["model"],
  })
  .meta({ id: "CreateJobRequest" });

const JobErrorSchema = z.object({
  type: z.string(),
  message: z.string(),
  status: z.number().int(),
  param: z.string().nullable().optional(),
  code: z.string().nullable().optional(),
});

export const JobSchema = z
  .object({
    id: z.string(),
    object: z.literal("job"),
    kind: z.enum(["image", "video"]),
    status: z.enum(["queued", "running", "completed", "failed", "cancelled"]),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    progress: z
      .object({
        status: z.string(),
        progressPercent: z.number().optional(),
        queuePosition: z.number().optional(),
        message: z.string().optional(),
      })
      .nullable(),
    result: z.record(z.string(), z.unknown()).nullable().meta({ description: "The library response; media URLs are signed at read time." }),
    error: JobErrorSchema.nullable(),
    webhook: z.object({ url: z.string(), attempts: z.number(), delivered: z.boolean() }).nullable(),
  })
  .meta({ id: "Job" });

export const OpenAIErrorSchema = z
  .object({
    error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
  })
  .meta({ id: "Error" });

export const ModelListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z
        .object({
          id: z.string(),
          object: z.literal("model"),
          owned_by: z.string(),
          kind: z.enum(["image", "video"]),
          provider: z.string(),
          model: z.string(),
          status: z.enum(["preview", "ga", "deprecated", "retired"]).meta({ description: "As of today: a passed shutdown day reads retired." }),
          lifecycle: z.object({
            deprecatedOn: z.iso.date().nullable(),
            shutdownOn: z.iso.date().nullable(),
            replacement: z.string().nullable().meta({ description: "A model id of the same provider." }),
            verifiedOn: z.iso.date().nullable(),
            source: z.string().nullable().meta({ description: "Where the facts came from." }),
          }),
          capabilities: z.record(z.string(), z.unknown()),
          price: z.record(z.string(), z.unknown()).nullable(),
        })
        .meta({ id: "Model" }),
    ),
    routes: z.array(z.object({ id: z.string(), model: z.string(), fallbacks: z.array(z.string()), description: z.string().nullable() })),
  })
  .meta({ id: "ModelList" });

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    uptimeSeconds: z.number(),
    dependencies: z.record(z.string(), z.object({ ok: z.boolean(), kind: z.string(), detail: z.string().optional() })),
  })
  .meta({ id: "Health" });
