import { ContentModerationError, GenerationFailedError } from "../../core/errors.js";
import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { buildImageInput, requestField } from "./image-input.js";
import { parseFalConfig } from "./options.js";
import { runQueued } from "./queue.js";
import { falCapabilityFromSpec, falInputSpec, fitImageRequest } from "./schema.js";
import { cancelVideo, generateVideo, getVideoStatus, submitVideo } from "./video.js";

/** fal's `File`/`Image` object. */
interface FalFile {
  url?: string;
  content_type?: string;
  width?: number;
  height?: number;
  file_name?: string;
  file_size?: number;
  file_data?: string;
}

interface FalImageOutput {
  images?: FalFile[];
  image?: FalFile;
  has_nsfw_concepts?: boolean[];
  nsfw_content_detected?: boolean[];
  prompt?: string;
  description?: string;
  seed?: number;
  timings?: Record<string, number>;
}

function positive(n: unknown): number | undefined {
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Keep inline file bytes out of rawResponse; the images carry them. */
function slim(output: FalImageOutput): FalImageOutput {
  const strip = (f: FalFile): FalFile => {
    const out = { ...f };
    if (out.file_data) out.file_data = `[${out.file_data.length} base64 chars]`;
    if (out.url?.startsWith("data:")) out.url = `${out.url.slice(0, 40)}…`;
    return out;
  };
  return { ...output, images: output.images?.map(strip), image: output.image ? strip(output.image) : undefined };
}

export function imagesFromOutput(ctx: AdapterContext, output: FalImageOutput, prompt: string): AdapterImageResult["images"] {
  const files = output.images ?? (output.image ? [output.image] : []);
  const flags = output.has_nsfw_concepts ?? output.nsfw_content_detected ?? [];
  const flagged = files.map((_, i) => flags[i] === true);
  if (files.length > 0 && flagged.every(Boolean)) {
    throw new ContentModerationError(`fal: ${ctx.model} flagged every image as NSFW (has_nsfw_concepts)`, {
      code: "has_nsfw_concepts",
      rawResponse: slim(output),
    });
  }
  const dropped = flagged.filter(Boolean).length;
  if (dropped > 0) ctx.warn(`${dropped} of ${files.length} images were flagged NSFW by fal's safety checker and dropped`);
  const revised = typeof output.prompt === "string" && output.prompt.trim() && output.prompt !== prompt ? output.prompt : undefined;
  const images: AdapterImageResult["images"] = [];
  files.forEach((f, i) => {
    if (flagged[i]) return;
    const base = { mediaType: f.content_type, width: positive(f.width), height: positive(f.height), revisedPrompt: revised };
    if (f.url) images.push({ url: f.url, ...base });
    else if (f.file_data) images.push({ data: new Uint8Array(Buffer.from(f.file_data, "base64")), ...base });
  });
  return images;
}

async function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  // A model outside the catalog is mapped by the field names of its published schema, when fal has one.
  const spec = await falInputSpec(ctx);
  const input = await buildImageInput(spec ? { ...ctx, capability: falCapabilityFromSpec(ctx, spec) } : ctx, req);
  if (spec) fitImageRequest(ctx, spec, req, input);
  const config = parseFalConfig(ctx.providerConfig);
  const { data, requestId } = await runQueued<FalImageOutput>(ctx, ctx.model, input, {
    inputSpec: spec ?? null,
    fieldName: requestField,
    priority: config.queuePriority,
    webhookUrl: config.webhookUrl,
  });
  const images = imagesFromOutput(ctx, data, req.prompt);
  if (images.length === 0) {
    throw new GenerationFailedError(`fal: ${ctx.model} returned no images`, { rawResponse: slim(data) });
  }
  return {
    images,
    providerRequestId: requestId,
    text: typeof data.description === "string" && data.description.trim() ? data.description : undefined,
    revisedPrompt: images[0]?.revisedPrompt,
    usage: { images: images.length },
    rawResponse: slim(data),
  };
}

export const falAdapter: ProviderAdapter = { generateImage, generateVideo, submitVideo, getVideoStatus, cancelVideo };
