import { ContentModerationError, ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { googleBackend, googleHttp, googleTarget } from "./endpoint.js";
import { type Json, isPlainObject, mergeDeep, ratioFromSize, warnUnsupported, withoutImageData } from "./wire.js";

export const IMAGEN_RATIOS = ["1:1", "3:4", "4:3", "9:16", "16:9"];

const IMAGEN_GEMINI_API_SHUTDOWN =
  "Google shut Imagen down on the Gemini API (ai.google.dev/gemini-api/docs/imagen); use Vertex AI (providerConfig project + location) or a Gemini image model such as gemini-2.5-flash-image";

/** Reference kinds of Imagen's editing models (Vertex `referenceImages[].referenceType`). */
const REFERENCE_TYPE: Record<string, string> = {
  reference: "REFERENCE_TYPE_RAW",
  asset: "REFERENCE_TYPE_SUBJECT",
  style: "REFERENCE_TYPE_STYLE",
};

interface ImagenPrediction {
  bytesBase64Encoded?: string;
  mimeType?: string;
  prompt?: string;
  raiFilteredReason?: string;
}

interface ImagenResponse {
  predictions?: ImagenPrediction[];
}

async function buildBody(ctx: AdapterContext, request: NormalizedImageRequest): Promise<Json> {
  const hints = ctx.capability?.adapterHints ?? {};
  warnUnsupported(ctx, request, ["quality", "style"]);
  const instance: Json = { prompt: request.prompt };
  const references: Json[] = [];
  for (const [i, item] of (request.imageList ?? []).entries()) {
    const { base64 } = await ctx.media.toBase64(item.image, `imageList.${i}.image`);
    const referenceType = REFERENCE_TYPE[item.type];
    if (!referenceType) {
      throw new ValidationError(`imageList.${i}.type ${JSON.stringify(item.type)} has no Imagen reference type`, {
        issues: [{ field: `imageList.${i}.type`, message: "Imagen takes reference, asset or style images", allowed: Object.keys(REFERENCE_TYPE) }],
      });
    }
    references.push({ referenceType, referenceId: references.length + 1, referenceImage: { bytesBase64Encoded: base64 } });
  }
  if (request.maskImage !== undefined) {
    const { base64 } = await ctx.media.toBase64(request.maskImage, "maskImage");
    references.push({
      referenceType: "REFERENCE_TYPE_MASK",
      referenceId: references.length + 1,
      referenceImage: { bytesBase64Encoded: base64 },
      maskImageConfig: { maskMode: "MASK_MODE_USER_PROVIDED" },
    });
  }
  if (references.length > 0) instance.referenceImages = references;

  const parameters: Json = { sampleCount: request.n ?? 1 };
  const aspectRatio = ctx.capability ? request.aspectRatio : ratioFromSize(ctx, request, IMAGEN_RATIOS);
  if (aspectRatio) parameters.aspectRatio = aspectRatio;
  if (request.resolution && hints.sampleImageSize !== false) parameters.sampleImageSize = request.resolution;
  if (request.negativePrompt !== undefined) parameters.negativePrompt = request.negativePrompt;
  if (request.enhancePrompt !== undefined) parameters.enhancePrompt = request.enhancePrompt;
  if (request.outputFormat === "webp") ctx.warn("outputFormat webp is not supported by Imagen; it was not sent");
  else if (request.outputFormat) parameters.outputOptions = { mimeType: `image/${request.outputFormat}` };

  const body: Json = { instances: [instance], parameters };
  for (const [key, value] of Object.entries(request.extraParams ?? {})) {
    // `labels` is a top-level field of the predict body; every other knob is a parameter.
    const into = key === "labels" ? body : parameters;
    if (isPlainObject(value)) into[key] = mergeDeep(isPlainObject(into[key]) ? into[key] : {}, value);
    else into[key] = value;
  }
  if (request.seed !== undefined) {
    parameters.seed = request.seed;
    // Imagen refuses a seed while the (default-on) watermark is on.
    if (parameters.addWatermark === undefined) {
      parameters.addWatermark = false;
      ctx.warn("seed needs addWatermark: false on Imagen, so addWatermark: false was sent (pass addWatermark to choose)");
    }
  }
  return body;
}

export function parseImagenResponse(ctx: AdapterContext, response: ImagenResponse, requested: number): AdapterImageResult {
  const rawResponse = withoutImageData(response);
  const predictions = response.predictions ?? [];
  const images = predictions
    .filter((p) => p.bytesBase64Encoded)
    .map((p) => ({
      data: new Uint8Array(Buffer.from(p.bytesBase64Encoded!, "base64")),
      mediaType: p.mimeType,
      revisedPrompt: p.prompt,
    }));
  const reasons = predictions.map((p) => p.raiFilteredReason).filter((r): r is string => typeof r === "string" && r !== "");
  if (images.length === 0) {
    // Filtered images are omitted, so an empty (or absent) list means every image was filtered.
    throw new ContentModerationError(`google filtered every image (responsible-AI filter)${reasons.length ? `: ${reasons.join("; ")}` : ""}`, {
      provider: ctx.provider,
      model: ctx.model,
      code: "RAI_FILTERED",
      rawResponse,
    });
  }
  const warnings: string[] = [];
  if (images.length < requested) {
    warnings.push(`google filtered ${requested - images.length} of ${requested} images${reasons.length ? `: ${reasons.join("; ")}` : ""}`);
  }
  return { images, revisedPrompt: images[0]?.revisedPrompt, usage: { images: images.length }, warnings, rawResponse };
}

export async function generateImagenImage(ctx: AdapterContext, request: NormalizedImageRequest): Promise<AdapterImageResult> {
  if (googleBackend(ctx) === "gemini") {
    throw new ValidationError(`google/${ctx.model} is not served on the Gemini API: ${IMAGEN_GEMINI_API_SHUTDOWN}`, {
      issues: [{ field: "model", message: IMAGEN_GEMINI_API_SHUTDOWN }],
      provider: ctx.provider,
      model: ctx.model,
    });
  }
  const target = googleTarget(ctx);
  const body = await buildBody(ctx, request);
  await ctx.progress({ status: "processing", message: `generating with ${ctx.model}` });
  const response = await googleHttp(ctx, target).json<ImagenResponse>(target.modelUrl(ctx.model, "predict"), { method: "POST", json: body });
  return parseImagenResponse(ctx, response, request.n ?? 1);
}
