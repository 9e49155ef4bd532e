/**
 * fal video through the queue. The providerJobId is `<model id>|<request_id>`: status, result and
 * cancel live at the model's app root, so any process holding the job id can rebuild those URLs.
 */
import { AuthenticationError, GenerationFailedError, TarashError, ValidationError } from "../../core/errors.js";
import type { AdapterContext, VideoJobState } from "../../core/provider.js";
import type { AdapterVideoResult, NormalizedVideoRequest } from "../../core/types.js";
import { parseFalConfig } from "./options.js";
import {
  type FalQueueHandle,
  cancelQueued,
  fetchQueueResult,
  fetchQueueStatus,
  queueHandle,
  runQueued,
  statusProgress,
  submitToQueue,
} from "./queue.js";
import { type FalVideoHints, GENERIC_VIDEO_HINTS, falVideoHints } from "./video-models.js";

/** fal's `File`, or the `VideoFile` some models return with its shape and length. */
interface FalVideoFile {
  url?: string;
  content_type?: string;
  file_name?: string;
  file_size?: number;
  file_data?: string;
  width?: number;
  height?: number;
  duration?: number;
  fps?: number;
  num_frames?: number;
}

interface FalVideoOutput {
  video?: FalVideoFile;
  videos?: FalVideoFile[];
  seed?: number;
  prompt?: string;
  timings?: Record<string, number>;
  [key: string]: unknown;
}

interface BuiltInput {
  input: Record<string, unknown>;
  /** Wire field → the request field the user set, so a 422 names the user's own input. */
  fieldNames: Record<string, string>;
}

function hintsFor(ctx: AdapterContext): FalVideoHints {
  return falVideoHints(ctx.capability) ?? GENERIC_VIDEO_HINTS;
}

function refuse(ctx: AdapterContext, field: string, message: string): never {
  throw new ValidationError(`fal ${ctx.model}: ${message}`, { issues: [{ field, message }], provider: ctx.provider, model: ctx.model });
}

/** `durationSeconds` in the model's own format: `"8s"`, `"5"`, or a frame count. */
function setDuration(ctx: AdapterContext, hints: FalVideoHints, seconds: number, req: NormalizedVideoRequest, set: (wire: string, value: unknown, field: string) => void): void {
  const d = hints.duration;
  if (!d) {
    // A fixed-length model (its one duration declared) needs nothing sent; anything else does.
    const fixed = ctx.capability?.durations;
    if (!(fixed?.length === 1 && fixed[0] === seconds)) {
      ctx.warn(`durationSeconds is not mapped for fal ${ctx.model}; it was not sent (pass the model's own input in extraParams)`);
    }
    return;
  }
  if (d.format !== "frames") {
    set(d.field, d.format === "suffixed" ? `${seconds}s` : String(seconds), "durationSeconds");
    return;
  }
  const fpsParam = req.extraParams?.[d.fpsField];
  const fps = typeof fpsParam === "number" && fpsParam > 0 ? fpsParam : d.defaultFps;
  const wanted = Math.round(seconds * fps) + 1;
  const frames = Math.min(d.maxFrames, Math.max(d.minFrames, wanted));
  if (frames !== wanted) {
    const message = `${seconds} s at ${fps} fps needs ${wanted} frames; fal ${ctx.model} makes ${d.minFrames}–${d.maxFrames}`;
    if (ctx.validation === "strict") refuse(ctx, "durationSeconds", message);
    ctx.warn(`durationSeconds ${seconds}: ${message}, so ${frames} frames (${((frames - 1) / fps).toFixed(2)} s) were requested`);
  }
  set(d.field, frames, "durationSeconds");
}

/**
 * Translate a validated video request into one fal model's input, using the names the catalog
 * declares for it. A parameter the model has no input for is a warning (the core already refused or
 * dropped those for catalog models); `extraParams` go in last, verbatim.
 */
export async function buildVideoInput(ctx: AdapterContext, req: NormalizedVideoRequest): Promise<BuiltInput> {
  const hints = hintsFor(ctx);
  const input: Record<string, unknown> = { prompt: req.prompt };
  const fieldNames: Record<string, string> = { prompt: "prompt" };
  const set = (wire: string, value: unknown, field: string) => {
    input[wire] = value;
    fieldNames[wire] = field;
  };
  const notSent = (field: string, why = "it was not sent (pass the model's own input in extraParams)") =>
    ctx.warn(`${field} is not mapped for fal ${ctx.model}; ${why}`);
  const direct = (field: keyof NormalizedVideoRequest, wire: string | undefined) => {
    const value = req[field];
    if (value === undefined) return;
    if (wire) set(wire, value, field);
    else notSent(field);
  };

  direct("aspectRatio", hints.aspectRatio);
  direct("negativePrompt", hints.negativePrompt);
  direct("seed", hints.seed);
  direct("generateAudio", hints.generateAudio);
  direct("enhancePrompt", hints.enhancePrompt);

  if (req.resolution !== undefined) {
    if (hints.resolution) {
      const wire = hints.resolutionValues?.[req.resolution] ?? req.resolution;
      if (wire !== req.resolution) ctx.warn(`resolution ${req.resolution} was sent as ${hints.resolution} ${JSON.stringify(wire)}, the tier fal ${ctx.model} uses`);
      set(hints.resolution, wire, "resolution");
    } else notSent("resolution");
  }
  if (req.durationSeconds !== undefined) setDuration(ctx, hints, req.durationSeconds, req, set);
  if ((req.numberOfVideos ?? 1) > 1) notSent("numberOfVideos", "a fal video request makes one video, so one was requested");

  const seen = new Set<string>();
  for (const [i, item] of (req.imageList ?? []).entries()) {
    const listWire = hints.imageLists?.[item.type];
    if (listWire) {
      const list = Array.isArray(input[listWire]) ? (input[listWire] as unknown[]) : [];
      set(listWire, [...list, await ctx.media.toUrl(item.image, `imageList.${i}.image`)], "imageList");
      seen.add(item.type);
      continue;
    }
    const wire = hints.images?.[item.type];
    // A model that ignored the frame would return an unrelated video; refuse instead.
    if (!wire) refuse(ctx, `imageList.${i}.type`, `input images of type ${JSON.stringify(item.type)} are not mapped for this model; pass them in extraParams under the model's input name`);
    if (seen.has(item.type)) refuse(ctx, "imageList", `only one ${item.type} image can be sent (${wire})`);
    seen.add(item.type);
    set(wire, await ctx.media.toUrl(item.image, `imageList.${i}.image`), `imageList.${i}`);
  }
  const missing = (hints.requiredImages ?? []).filter((t) => !seen.has(t));
  if (missing.length > 0) refuse(ctx, "imageList", `this endpoint needs a ${missing.join(" and a ")} image`);

  if (req.video !== undefined) {
    if (hints.video) set(hints.video, await ctx.media.toUrl(req.video, "video"), "video");
    else refuse(ctx, "video", "video-to-video input is not mapped for this model; pass it in extraParams under the model's input name");
  } else if (hints.requiresVideo) {
    refuse(ctx, "video", "this endpoint continues a video: pass `video` (a URL, data URL or bytes)");
  }

  const config = parseFalConfig(ctx.providerConfig);
  if (config.syncMode !== undefined) set("sync_mode", config.syncMode, "providerConfig.syncMode");
  for (const [key, value] of Object.entries(req.extraParams ?? {})) set(key, value, `extraParams.${key}`);
  return { input, fieldNames };
}

function fieldNameOf(fieldNames: Record<string, string>): (wire: string) => string {
  return (wire) => fieldNames[wire] ?? fieldNames[wire.split(".")[0]!] ?? wire;
}

// ---- Job ids ----------------------------------------------------------------------------------

export function encodeFalJobId(modelId: string, requestId: string): string {
  return `${modelId}|${requestId}`;
}

/** The queue URLs for a job id; a bare request id (no `|`) belongs to the context's model. */
export function handleFromJobId(ctx: AdapterContext, providerJobId: string): FalQueueHandle {
  const cut = providerJobId.lastIndexOf("|");
  const modelId = cut >= 0 ? providerJobId.slice(0, cut) : ctx.model;
  const requestId = cut >= 0 ? providerJobId.slice(cut + 1) : providerJobId;
  if (!modelId || !requestId) refuse(ctx, "jobId", "not a fal job id (expected <model id>|<request id>)");
  return queueHandle(ctx.baseUrl, modelId, requestId);
}

// ---- Output -----------------------------------------------------------------------------------

/** Keep inline bytes out of rawResponse; the videos carry them. */
function slim(output: FalVideoOutput): FalVideoOutput {
  const strip = (f: FalVideoFile): FalVideoFile => {
    const out = { ...f };
    if (out.file_data) out.file_data = `[${out.file_data.length} base64 chars]`;
    if (out.url?.startsWith("data:")) out.url = `${out.url.slice(0, 40)}…`;
    return out;
  };
  return { ...output, ...(output.video ? { video: strip(output.video) } : {}), ...(output.videos ? { videos: output.videos.map(strip) } : {}) };
}

const positiveInt = (n: unknown): number | undefined => (typeof n === "number" && Number.isInteger(n) && n > 0 ? n : undefined);

/**
 * Every video in a fal output (`video`, or `videos[]`). fal's CDN URLs are public, so no download
 * headers. `seconds` is what was asked for when the output does not say.
 */
export function toVideoResult(ctx: AdapterContext, output: FalVideoOutput, requestId: string, seconds: number | undefined): AdapterVideoResult {
  const files = output.videos ?? (output.video ? [output.video] : []);
  const videos: AdapterVideoResult["videos"] = [];
  for (const f of files) {
    const durationSeconds = typeof f.duration === "number" && f.duration > 0 ? f.duration : seconds;
    const base = {
      mediaType: f.content_type ?? "video/mp4",
      width: positiveInt(f.width),
      height: positiveInt(f.height),
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    };
    if (f.url) videos.push({ url: f.url, ...base });
    else if (f.file_data) videos.push({ data: new Uint8Array(Buffer.from(f.file_data, "base64")), ...base });
  }
  if (videos.length === 0) {
    throw new GenerationFailedError(`fal: ${ctx.model} returned no video`, { rawResponse: slim(output) });
  }
  const total = videos.reduce<number | undefined>((sum, v) => (sum === undefined || v.durationSeconds === undefined ? undefined : sum + v.durationSeconds), 0);
  return {
    videos,
    providerRequestId: requestId,
    usage: { videos: videos.length, ...(total !== undefined ? { seconds: total } : {}) },
    rawResponse: slim(output),
  };
}

/** Seconds the model makes when the request named none: its declared default, if any. */
function defaultSeconds(ctx: AdapterContext): number | undefined {
  const cap = ctx.capability;
  return cap?.defaultDuration ?? (cap?.durations?.length === 1 ? cap.durations[0] : undefined);
}

// ---- Adapter methods --------------------------------------------------------------------------

export async function submitVideo(ctx: AdapterContext, req: NormalizedVideoRequest): Promise<{ providerJobId: string; rawResponse: unknown }> {
  const config = parseFalConfig(ctx.providerConfig);
  const { input, fieldNames } = await buildVideoInput(ctx, req);
  const { handle, raw } = await submitToQueue(ctx, ctx.model, input, {
    fieldName: fieldNameOf(fieldNames),
    priority: config.queuePriority,
    webhookUrl: config.webhookUrl,
  });
  return { providerJobId: encodeFalJobId(handle.modelId, handle.requestId), rawResponse: raw };
}

/**
 * One look at a job: queued (with its position) or running (with its logs) as progress; once fal
 * says COMPLETED, the result, which is where a failed model surfaces (its own error status and
 * body, mapped to the typed error: a content-policy 422 is a ContentModerationError).
 */
export async function getVideoStatus(ctx: AdapterContext, providerJobId: string): Promise<VideoJobState> {
  const handle = handleFromJobId(ctx, providerJobId);
  const status = await fetchQueueStatus(ctx, handle);
  const progress = statusProgress(status);
  if (progress) return { ...progress, status: progress.status === "queued" ? "queued" : "processing" };
  try {
    const { data, requestId } = await fetchQueueResult<FalVideoOutput>(ctx, handle);
    return { status: "completed", result: toVideoResult(ctx, data, requestId, defaultSeconds(ctx)) };
  } catch (error) {
    // Retryable reads (429, 5xx, network) and our own key problems are not the job's outcome.
    if (!(error instanceof TarashError) || error.retryable || error instanceof AuthenticationError) throw error;
    return { status: "failed", error };
  }
}

export async function cancelVideo(ctx: AdapterContext, providerJobId: string): Promise<void> {
  await cancelQueued(ctx, handleFromJobId(ctx, providerJobId));
}

/**
 * The one-call flow runs on the queue helper rather than the core's status loop: a blip while
 * reading status or result is re-read there instead of failing the attempt, which the core would
 * retry by submitting (and fal billing) the video a second time; and a poll that runs out of time
 * cancels the request on fal's side.
 */
export async function generateVideo(ctx: AdapterContext, req: NormalizedVideoRequest): Promise<AdapterVideoResult> {
  const config = parseFalConfig(ctx.providerConfig);
  const { input, fieldNames } = await buildVideoInput(ctx, req);
  const { data, requestId } = await runQueued<FalVideoOutput>(ctx, ctx.model, input, {
    fieldName: fieldNameOf(fieldNames),
    priority: config.queuePriority,
    webhookUrl: config.webhookUrl,
    what: `fal video ${ctx.model}`,
  });
  return toVideoResult(ctx, data, requestId, req.durationSeconds ?? defaultSeconds(ctx));
}
