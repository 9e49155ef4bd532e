import { ContentModerationError, GenerationFailedError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest, Usage } from "../../core/types.js";
import { type GoogleTarget, googleHttp, googleTarget, vertexOnly } from "./endpoint.js";
import { type Json, child, isPlainObject, mergeDeep, ratioFromSize, rejectField, warnUnsupported, withoutImageData } from "./wire.js";

/** Ratios the generateContent image models take; used to map a pixel size for uncatalogued models. */
export const GEMINI_IMAGE_RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "1:4", "4:1", "1:8", "8:1"];

/** The text part placed before an `imageList` item of type `style`. */
export const STYLE_REFERENCE_TEXT = "Style reference: match the style of the next image (palette, texture, rendering), not its content.";

/** `extraParams` keys that belong in `generationConfig` rather than at the top level of the body. */
const GENERATION_CONFIG_KEYS = new Set([
  "temperature",
  "topP",
  "topK",
  "candidateCount",
  "maxOutputTokens",
  "stopSequences",
  "responseModalities",
  "responseMimeType",
  "thinkingConfig",
  "presencePenalty",
  "frequencyPenalty",
  "mediaResolution",
]);

/** `extraParams` keys that belong in `generationConfig.imageConfig`. */
const IMAGE_CONFIG_KEYS = new Set(["imageSize", "personGeneration", "prominentPeople", "imageOutputOptions", "outputMimeType", "outputCompressionQuality"]);

/** imageConfig fields only Vertex AI takes; the Gemini API answers 400 (js-genai ImageConfig docs). */
const VERTEX_ONLY_IMAGE_CONFIG = ["personGeneration", "prominentPeople", "imageOutputOptions", "outputMimeType", "outputCompressionQuality"];

/** Finish/block reasons that mean Google's safety or policy filters stopped the output. */
const MODERATION_REASONS = new Set([
  "SAFETY",
  "IMAGE_SAFETY",
  "PROHIBITED_CONTENT",
  "IMAGE_PROHIBITED_CONTENT",
  "BLOCKLIST",
  "SPII",
  "RECITATION",
  "IMAGE_RECITATION",
  "MODEL_ARMOR",
  "JAILBREAK",
]);

interface GeminiPart {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
  inline_data?: { mime_type?: string; data?: string };
}

interface GeminiCandidate {
  content?: { parts?: GeminiPart[] };
  finishReason?: string;
  finishMessage?: string;
}

interface TokenDetail {
  modality?: string;
  tokenCount?: number;
}

export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: {
    promptTokenCount?: number;
    candidatesTokenCount?: number;
    totalTokenCount?: number;
    thoughtsTokenCount?: number;
    promptTokensDetails?: TokenDetail[];
    candidatesTokensDetails?: TokenDetail[];
  };
  responseId?: string;
  modelVersion?: string;
}

async function buildBody(ctx: AdapterContext, target: GoogleTarget, request: NormalizedImageRequest): Promise<Json> {
  const hints = ctx.capability?.adapterHints ?? {};
  warnUnsupported(ctx, request, ["negativePrompt", "quality", "style", "outputFormat", "enhancePrompt"]);
  if (request.maskImage !== undefined) rejectField(ctx, "maskImage", "Gemini image models take no mask image; describe the region to change in the prompt");

  const parts: Json[] = [{ text: request.prompt }];
  for (const [i, item] of (request.imageList ?? []).entries()) {
    const { base64, mediaType } = await ctx.media.toBase64(item.image, `imageList.${i}.image`);
    // generateContent has no typed image roles: parts are read in order, so a style reference is
    // announced by the text part before it, as Google's multi-image prompting examples do.
    if (item.type === "style") parts.push({ text: STYLE_REFERENCE_TEXT });
    parts.push({ inlineData: { mimeType: mediaType, data: base64 } });
  }

  const imageConfig: Json = {};
  const aspectRatio = ctx.capability ? request.aspectRatio : ratioFromSize(ctx, request, GEMINI_IMAGE_RATIOS);
  if (aspectRatio) imageConfig.aspectRatio = aspectRatio;
  if (request.resolution && hints.imageSize !== false) imageConfig.imageSize = request.resolution;
  // Text and images unless the caller asked for images only (["IMAGE"]).
  const generationConfig: Json = { responseModalities: request.responseModalities ? [...request.responseModalities] : ["TEXT", "IMAGE"] };
  if (request.seed !== undefined) generationConfig.seed = request.seed;
  if (Object.keys(imageConfig).length > 0) generationConfig.imageConfig = imageConfig;

  const body: Json = { contents: [{ role: "user", parts }], generationConfig };
  for (const [key, value] of Object.entries(request.extraParams ?? {})) {
    if (GENERATION_CONFIG_KEYS.has(key)) mergeDeep(generationConfig, { [key]: value });
    else if (IMAGE_CONFIG_KEYS.has(key)) mergeDeep(child(generationConfig, "imageConfig"), { [key]: value });
    else if (isPlainObject(value)) body[key] = mergeDeep(isPlainObject(body[key]) ? body[key] : {}, value);
    else body[key] = value;
  }

  const finalImageConfig = generationConfig.imageConfig;
  if (isPlainObject(finalImageConfig)) {
    for (const key of VERTEX_ONLY_IMAGE_CONFIG) {
      if (finalImageConfig[key] !== undefined && !vertexOnly(ctx, target, key)) delete finalImageConfig[key];
    }
  }
  if (body.labels !== undefined && !vertexOnly(ctx, target, "labels")) delete body.labels;
  return body;
}

function usageOf(meta: GeminiResponse["usageMetadata"]): Usage | undefined {
  if (!meta) return undefined;
  const sum = (details: TokenDetail[] | undefined, modality: string) => {
    const hits = (details ?? []).filter((d) => d.modality === modality);
    return hits.length ? hits.reduce((s, d) => s + (d.tokenCount ?? 0), 0) : undefined;
  };
  const usage: Usage = {
    inputTokens: meta.promptTokenCount,
    outputTokens: meta.candidatesTokenCount,
    totalTokens: meta.totalTokenCount,
    inputImageTokens: sum(meta.promptTokensDetails, "IMAGE"),
    outputImageTokens: sum(meta.candidatesTokensDetails, "IMAGE"),
  };
  for (const k of Object.keys(usage) as (keyof Usage)[]) if (usage[k] === undefined) delete usage[k];
  return Object.keys(usage).length ? usage : undefined;
}

/** Turn one generateContent response into images + text, or the error a 200 can still carry. */
export function parseGeminiResponse(ctx: AdapterContext, response: GeminiResponse): AdapterImageResult {
  const ids = { provider: ctx.provider, model: ctx.model, rawResponse: withoutImageData(response) };
  const block = response.promptFeedback?.blockReason;
  const candidates = response.candidates ?? [];
  if (block && candidates.length === 0) {
    const why = response.promptFeedback?.blockReasonMessage;
    throw new ContentModerationError(`google blocked the prompt (${block})${why ? `: ${why}` : ""}`, { ...ids, code: block });
  }

  const images: AdapterImageResult["images"] = [];
  const texts: string[] = [];
  for (const candidate of candidates) {
    for (const part of candidate.content?.parts ?? []) {
      // Gemini 3 models think in interim images and text; only the final parts are the answer.
      if (part.thought) continue;
      const inline = part.inlineData ?? (part.inline_data ? { mimeType: part.inline_data.mime_type, data: part.inline_data.data } : undefined);
      if (inline?.data) images.push({ data: new Uint8Array(Buffer.from(inline.data, "base64")), mediaType: inline.mimeType });
      else if (typeof part.text === "string" && part.text.trim()) texts.push(part.text.trim());
    }
  }
  const text = texts.join("\n") || undefined;
  const warnings: string[] = [];
  const reasons = candidates.map((c) => c.finishReason).filter((r): r is string => r !== undefined);
  const blocked = reasons.find((r) => MODERATION_REASONS.has(r));

  if (images.length === 0) {
    const message = candidates.find((c) => c.finishMessage)?.finishMessage;
    if (blocked) {
      throw new ContentModerationError(`google withheld the image (${blocked})${message ? `: ${message}` : ""}`, { ...ids, code: blocked });
    }
    const reason = reasons[0] ?? "no candidates";
    throw new GenerationFailedError(
      `google returned no image (finishReason ${reason})${message ? `: ${message}` : ""}${text ? `; the model said: ${text.slice(0, 300)}` : ""}`,
      { ...ids, code: reason },
    );
  }
  if (blocked) warnings.push(`some candidates were withheld by google (${blocked})`);

  return {
    images,
    text,
    providerRequestId: response.responseId,
    usage: usageOf(response.usageMetadata),
    warnings,
    rawResponse: ids.rawResponse,
  };
}

export async function generateGeminiImage(ctx: AdapterContext, request: NormalizedImageRequest): Promise<AdapterImageResult> {
  const target = googleTarget(ctx);
  const body = await buildBody(ctx, target, request);
  const http = googleHttp(ctx, target);
  const url = target.modelUrl(ctx.model, "generateContent");
  // Catalogued models are split by the core (maxNPerCall 1); an uncatalogued one is split here, since
  // generateContent has no image count.
  const calls = Math.max(1, ctx.capability ? 1 : (request.n ?? 1));
  await ctx.progress({ status: "processing", message: `generating with ${ctx.model}` });
  const results = await Promise.all(
    Array.from({ length: calls }, async () => parseGeminiResponse(ctx, await http.json<GeminiResponse>(url, { method: "POST", json: body }))),
  );
  if (results.length === 1) return results[0]!;
  const usages = results.map((r) => r.usage).filter((u): u is Usage => u !== undefined);
  const usage: Usage = {};
  for (const u of usages) for (const [k, v] of Object.entries(u) as [keyof Usage, number][]) usage[k] = (usage[k] ?? 0) + v;
  return {
    images: results.flatMap((r) => r.images),
    text: results.map((r) => r.text).filter(Boolean).join("\n") || undefined,
    providerRequestId: results.map((r) => r.providerRequestId).filter(Boolean).join(",") || undefined,
    usage: usages.length ? usage : undefined,
    warnings: results.flatMap((r) => r.warnings ?? []),
    rawResponse: results.map((r) => r.rawResponse),
  };
}
