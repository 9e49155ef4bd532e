import { z } from "zod";
import { IMAGE_RESOLUTIONS, ImageRequestSchema, MediaInputSchema, VIDEO_RESOLUTIONS, VideoRequestSchema } from "../../../../src/core/schemas.js";

/**
 * Tool input schemas, picked from the library's own request schemas so a tool call is validated by
 * the same rules (and error messages) as a library call. Only JSON-expressible fields are offered:
 * media inputs are URL strings (http(s) or data:), never bytes or Blobs.
 */

/** The string branch of the library's media input: an http(s) URL or a data: URL. */
const MediaUrl = MediaInputSchema.options[0];

const routing = {
  model: z.string().min(1).max(256).optional().describe("model id, alias or provider/model (a configured route name on the gateway)"),
  provider: z.string().min(1).max(64).optional().describe("provider id, e.g. openai, fal, google, mock"),
};

const SIZE_HELP = 'WxH such as "1024x1024", "auto", or a named size; list_models shows what each model accepts';

const imageFields = ImageRequestSchema.pick({
  prompt: true,
  negativePrompt: true,
  aspectRatio: true,
  seed: true,
  size: true,
  quality: true,
  style: true,
  n: true,
  outputFormat: true,
  resolution: true,
});

export const GenerateImageInput = imageFields
  .extend({
    ...routing,
    size: ImageRequestSchema.shape.size.describe(SIZE_HELP),
    n: z.number().int().min(1).max(4).optional().describe("number of images (at most 4 per tool call)"),
  })
  .strict();

export const EditImageInput = imageFields
  .extend({
    ...routing,
    size: ImageRequestSchema.shape.size.describe(SIZE_HELP),
    n: z.number().int().min(1).max(4).optional().describe("number of images (at most 4 per tool call)"),
    images: z.array(MediaUrl).min(1).max(8).describe("input images: http(s) URLs or data: URLs"),
    mask: MediaUrl.optional().describe("optional mask (http(s) or data: URL); transparent areas are edited"),
  })
  .strict();

export const GenerateVideoInput = VideoRequestSchema.pick({
  prompt: true,
  negativePrompt: true,
  aspectRatio: true,
  seed: true,
  durationSeconds: true,
  resolution: true,
  generateAudio: true,
})
  .extend({ ...routing, image: MediaUrl.optional().describe("optional first frame (http(s) or data: URL)") })
  .strict();

export const JobInput = z.object({ jobId: z.string().min(1).max(4096).describe("the jobId generate_video returned") }).strict();

export const ListModelsInput = z
  .object({
    provider: routing.provider,
    kind: z.enum(["image", "video"]).optional().describe("image or video"),
  })
  .strict();

export const EstimateCostInput = z
  .object({
    kind: z.enum(["image", "video"]).describe("what the request would generate"),
    ...routing,
    request: z
      .object({
        ...ImageRequestSchema.pick({ size: true, quality: true, n: true }).shape,
        ...VideoRequestSchema.pick({ durationSeconds: true, generateAudio: true, aspectRatio: true }).shape,
        resolution: z.enum([...IMAGE_RESOLUTIONS, ...VIDEO_RESOLUTIONS]).optional(),
      })
      .strict()
      .optional()
      .describe("the fields that change the price (size, quality, n, resolution, durationSeconds, ...)"),
  })
  .strict();
