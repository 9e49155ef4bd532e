import { ValidationError } from "../../core/errors.js";
import type { AdapterContext, VideoJobState } from "../../core/provider.js";
import type { AdapterVideoResult, MediaInput, NormalizedVideoRequest } from "../../core/types.js";
import { type LumaGeneration, assetUrl, classifyGeneration, createGeneration, deleteGeneration, getGeneration } from "./generations.js";
import { DEFAULT_VIDEO_HINTS, type LumaVideoHints, lumaVideoHints } from "./video-models.js";

/**
 * Ray video as a job: the providerJobId is the generation id, so `GET /generations/{id}` resumes it
 * from any process and `DELETE /generations/{id}` stops it.
 */

/** The current SDK path; the older `POST /generations` takes the same body. */
export const VIDEO_GENERATIONS_PATH = "/generations/video";

export const ASSET_EXPIRY_WARNING = "Luma asset URLs are CDN links that do not last forever; download or store the video (downloadMedia) to keep it";

type Json = Record<string, unknown>;

function invalid(ctx: AdapterContext, field: string, message: string): ValidationError {
  return new ValidationError(`${ctx.provider} ${ctx.model}: ${field}: ${message}`, { issues: [{ field, message }], provider: ctx.provider, model: ctx.model });
}

/** Luma fetches keyframe images itself and takes no uploads, so only http(s) URLs can be sent. */
function keyframeUrl(ctx: AdapterContext, input: MediaInput, field: string): string {
  if (typeof input === "string" && /^https?:\/\//i.test(input)) return input;
  const given = typeof input === "string" ? (input.startsWith("data:") ? "a data: URL" : "a local path") : input instanceof Uint8Array ? "raw bytes" : "a Blob";
  throw invalid(ctx, field, `Luma reads keyframe images from a URL it can fetch and accepts no uploads; got ${given}. Host the image and pass its https URL`);
}

/** `imageList` first_frame → `keyframes.frame0`, last_frame → `keyframes.frame1`. */
function keyframes(ctx: AdapterContext, request: NormalizedVideoRequest): Json | undefined {
  const frames: Json = {};
  for (const [i, item] of (request.imageList ?? []).entries()) {
    const key = item.type === "first_frame" ? "frame0" : item.type === "last_frame" ? "frame1" : undefined;
    if (!key) throw invalid(ctx, `imageList.${i}.type`, `type ${JSON.stringify(item.type)} has no Luma video field; use first_frame or last_frame`);
    if (frames[key]) throw invalid(ctx, `imageList.${i}.type`, `Luma takes one ${item.type} keyframe`);
    frames[key] = { type: "image", url: keyframeUrl(ctx, item.image, `imageList.${i}.image`) };
  }
  return Object.keys(frames).length > 0 ? frames : undefined;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Fields Ray has no parameter for; only unknown models get here (the catalog refuses or drops them earlier). */
function checkUnmapped(ctx: AdapterContext, request: NormalizedVideoRequest): void {
  for (const field of ["seed", "negativePrompt", "generateAudio", "enhancePrompt"] as const) {
    if (request[field] !== undefined) ctx.warn(`${field} has no Luma parameter; it was not sent to ${ctx.provider}/${ctx.model}`);
  }
  if ((request.numberOfVideos ?? 1) > 1) ctx.warn(`a Luma generation makes one video; one was requested from ${ctx.provider}/${ctx.model}`);
  if (request.video !== undefined) throw invalid(ctx, "video", "Ray text/image-to-video takes no input video");
}

function buildBody(ctx: AdapterContext, request: NormalizedVideoRequest, hints: LumaVideoHints): Json {
  const body: Json = { prompt: request.prompt, model: ctx.model };
  if (request.aspectRatio) body.aspect_ratio = request.aspectRatio;
  if (request.resolution) {
    const wire = hints.resolutionValues?.[request.resolution];
    if (wire) {
      if (wire !== request.resolution) ctx.warn(`resolution ${request.resolution} was sent as ${wire}, Luma's nearest tier`);
      body.resolution = wire;
    } else ctx.warn(`resolution has no Luma parameter on ${ctx.model}; it was not sent`);
  }
  if (request.durationSeconds !== undefined) {
    if (hints.duration) body.duration = `${request.durationSeconds}s`;
    else if (!ctx.capability?.durations?.includes(request.durationSeconds)) ctx.warn(`durationSeconds has no Luma parameter on ${ctx.model}; it was not sent`);
  }
  const frames = keyframes(ctx, request);
  if (frames) body.keyframes = frames;
  // `loop`, `concepts`, `callback_url` and generation keyframes come through extraParams, verbatim.
  for (const [key, value] of Object.entries(request.extraParams ?? {})) {
    const current = body[key];
    if (key === "keyframes" && isObject(current) && isObject(value)) body[key] = { ...current, ...value };
    else {
      if (current !== undefined && key !== "prompt") ctx.warn(`extraParams.${key} replaced the value the gateway mapped for ${key}`);
      body[key] = value;
    }
  }
  return body;
}

export async function submitVideo(ctx: AdapterContext, request: NormalizedVideoRequest): Promise<{ providerJobId: string; rawResponse: unknown }> {
  ctx.requireApiKey();
  if (!ctx.capability) checkUnmapped(ctx, request);
  const hints = lumaVideoHints(ctx.capability) ?? DEFAULT_VIDEO_HINTS;
  const created = await createGeneration(ctx, VIDEO_GENERATIONS_PATH, buildBody(ctx, request, hints));
  return { providerJobId: created.id, rawResponse: created };
}

export async function getVideoStatus(ctx: AdapterContext, providerJobId: string): Promise<VideoJobState> {
  const gen = await getGeneration(ctx, providerJobId);
  const step = classifyGeneration(ctx, gen);
  switch (step.status) {
    case "completed":
      return { status: "completed", result: toResult(ctx, step.generation) };
    case "failed":
      return { status: "failed", error: step.error };
    default:
      return { status: step.status, message: step.progress.message };
  }
}

/** Luma has no cancel: deleting the generation stops it. */
export async function cancelVideo(ctx: AdapterContext, providerJobId: string): Promise<void> {
  await deleteGeneration(ctx, providerJobId);
}

/** Seconds from the echoed request (`"9s"`), else the model's default length. */
function durationOf(ctx: AdapterContext, gen: LumaGeneration): number | undefined {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(String(gen.request?.duration ?? ""));
  return m ? Number(m[1]) : ctx.capability?.defaultDuration;
}

function toResult(ctx: AdapterContext, gen: LumaGeneration): AdapterVideoResult {
  const url = assetUrl(ctx, gen, "video");
  const durationSeconds = durationOf(ctx, gen);
  return {
    videos: [{ url, mediaType: "video/mp4", ...(durationSeconds ? { durationSeconds } : {}) }],
    providerRequestId: gen.id,
    usage: { videos: 1, ...(durationSeconds ? { seconds: durationSeconds } : {}) },
    warnings: [ASSET_EXPIRY_WARNING],
    rawResponse: gen,
  };
}
