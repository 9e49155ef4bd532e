import { ContentModerationError, GenerationFailedError, ValidationError } from "../../core/errors.js";
import { type ErrorBody, type ProviderErrorInfo, ownEntry } from "../../core/http-errors.js";
import type { HttpClient, QueryValue } from "../../core/http.js";
import type { AdapterContext, VideoJobState } from "../../core/provider.js";
import { parseSize } from "../../core/sizes.js";
import type { NormalizedVideoRequest } from "../../core/types.js";
import { GENERIC_SORA_SIZES, type SoraSizes } from "./video-models.js";

/** The `Video` object of `POST /videos`, `GET /videos/{id}` and remix. */
export interface SoraVideo {
  id: string;
  object?: string;
  model?: string;
  status?: string;
  progress?: number | null;
  created_at?: number;
  completed_at?: number | null;
  expires_at?: number | null;
  prompt?: string;
  seconds?: string | number;
  size?: string;
  remixed_from_video_id?: string | null;
  error?: { code?: string | null; message?: string | null } | null;
}

/** Where the Videos API lives for one provider (OpenAI, or Azure's `/openai/v1` surface). */
export interface VideosTransport {
  /** Bound to the attempt. */
  http: HttpClient;
  /** Not bound to the attempt's signal: a cancel is sent after the caller aborted. */
  cancelHttp(): HttpClient;
  /** Path and query of a Videos API route, e.g. `videos/{id}`. */
  route(path: string): { path: string; query?: Record<string, QueryValue> };
  /** Absolute URL of a finished video's MP4 (needs the provider's auth headers). */
  contentUrl(id: string): string;
  /** `model` for the create body: the model id, or Azure's deployment name. */
  bodyModel: string;
}

/** Our control key inside `extraParams`: remix this earlier video instead of creating a new one. */
const REMIX_KEY = "remixVideoId";

const MODERATION_CODE = /moderation|content_policy|content_filter|safety|policy_violation/i;

/** Wire parameter → the request field a user would change. */
const VIDEO_FIELD_FOR_PARAM: Record<string, string> = {
  seconds: "durationSeconds",
  size: "aspectRatio",
  input_reference: "imageList",
  prompt: "prompt",
  model: "model",
};

/** Point Videos API errors at video request fields (`seconds` → durationSeconds, a mismatched image → imageList). */
export function videoErrorParser(base: (input: ErrorBody) => ProviderErrorInfo | undefined) {
  return (input: ErrorBody): ProviderErrorInfo | undefined => {
    const info = base(input);
    if (!info) return info;
    if (info.field !== undefined) info.field = ownEntry(VIDEO_FIELD_FOR_PARAM, info.field) ?? info.field;
    if (info.field === undefined && /image must match/i.test(info.message ?? "")) info.field = "imageList";
    return info;
  };
}

function soraSize(ctx: AdapterContext, req: NormalizedVideoRequest): string | undefined {
  if (req.aspectRatio === undefined && req.resolution === undefined) return undefined;
  const sizes = (ctx.capability?.adapterHints?.sizes as SoraSizes | undefined) ?? GENERIC_SORA_SIZES;
  const tiers = Object.keys(sizes);
  let tier = req.resolution ?? tiers[0]!;
  if (!sizes[tier]) {
    // Only unknown models get here: the catalog limits known models to their own tiers.
    const fallback = tier === "480p" ? tiers[0]! : tiers[tiers.length - 1]!;
    ctx.warn(`resolution ${tier} is not a Sora size; sent ${fallback}`);
    tier = fallback;
  }
  // The API's default orientation is portrait (720x1280), so a resolution alone keeps it.
  const ratio = req.aspectRatio ?? "9:16";
  const [w, h] = ratio.split(":").map(Number) as [number, number];
  if (ratio !== "16:9" && ratio !== "9:16") ctx.warn(`aspectRatio ${ratio} is not a Sora shape; sent ${w >= h ? "16:9" : "9:16"}`);
  return w >= h ? sizes[tier]!.landscape : sizes[tier]!.portrait;
}

/** The multipart body of `POST /videos` (the official SDK always sends multipart, even without a file). */
async function createForm(ctx: AdapterContext, req: NormalizedVideoRequest, model: string): Promise<FormData> {
  const fields: Record<string, unknown> = { model, prompt: req.prompt };
  if (req.durationSeconds !== undefined) fields.seconds = String(req.durationSeconds);
  const size = soraSize(ctx, req);
  if (size !== undefined) fields.size = size;
  if (req.generateAudio === false) ctx.warn("generateAudio false was not sent: Sora always renders audio");
  for (const [k, v] of Object.entries(req.extraParams ?? {})) if (k !== REMIX_KEY) fields[k] = v;

  const form = new FormData();
  const image = req.imageList?.[0];
  if (image) {
    const file = await ctx.media.toFile(image.image, "imageList.0.image", "input_reference");
    form.append("input_reference", file.blob, file.filename);
  }
  for (const [k, v] of Object.entries(fields)) appendFormValue(form, k, v);
  return form;
}

/** Nested objects use the SDK's bracket encoding (`input_reference[image_url]=…`). */
function appendFormValue(form: FormData, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (value instanceof Blob) form.append(key, value);
  else if (Array.isArray(value)) for (const item of value) appendFormValue(form, `${key}[]`, item);
  else if (typeof value === "object") for (const [k, v] of Object.entries(value)) appendFormValue(form, `${key}[${k}]`, v);
  else form.append(key, String(value));
}

/** A remix keeps the source video's length, size and frames; only the prompt (and extraParams) are sent. */
function remixBody(ctx: AdapterContext, req: NormalizedVideoRequest): Record<string, unknown> {
  if (req.imageList?.length) {
    throw new ValidationError("a remix takes no input image", { issues: [{ field: "imageList", message: "not allowed with extraParams.remixVideoId" }] });
  }
  for (const field of ["durationSeconds", "aspectRatio", "resolution"] as const) {
    if (req[field] !== undefined) ctx.warn(`${field} was not sent: a remix keeps the source video's ${field}`);
  }
  const body: Record<string, unknown> = { prompt: req.prompt };
  for (const [k, v] of Object.entries(req.extraParams ?? {})) if (k !== REMIX_KEY) body[k] = v;
  return body;
}

export async function submitSoraVideo(ctx: AdapterContext, req: NormalizedVideoRequest, t: VideosTransport): Promise<{ providerJobId: string; rawResponse: unknown }> {
  const remix = req.extraParams?.[REMIX_KEY];
  let video: SoraVideo;
  if (remix !== undefined) {
    if (typeof remix !== "string" || remix === "") {
      throw new ValidationError("extraParams.remixVideoId must be a video id", { issues: [{ field: "extraParams.remixVideoId", message: "must be a non-empty string" }] });
    }
    const { path, query } = t.route(`videos/${encodeURIComponent(remix)}/remix`);
    video = await t.http.json<SoraVideo>(path, { method: "POST", query, json: remixBody(ctx, req) });
  } else {
    const { path, query } = t.route("videos");
    video = await t.http.json<SoraVideo>(path, { method: "POST", query, form: await createForm(ctx, req, t.bodyModel) });
  }
  if (typeof video?.id !== "string" || video.id === "") {
    throw new GenerationFailedError(`${ctx.provider} returned no video id`, { provider: ctx.provider, model: ctx.model, rawResponse: video });
  }
  return { providerJobId: video.id, rawResponse: video };
}

function percent(progress: number | null | undefined): number | undefined {
  return typeof progress === "number" && Number.isFinite(progress) ? Math.min(100, Math.max(0, progress)) : undefined;
}

/** A finished (or failed) `Video` as the gateway's job state. */
export function soraJobState(ctx: AdapterContext, video: SoraVideo, t: VideosTransport): VideoJobState {
  const ids = { provider: ctx.provider, model: ctx.model, rawResponse: video };
  switch (video.status) {
    case "queued":
    case "pending":
      return { status: "queued", progressPercent: percent(video.progress) };
    case "in_progress":
    case "processing":
      return { status: "processing", progressPercent: percent(video.progress) };
    case "completed": {
      const seconds = Number(video.seconds);
      const dims = video.size ? parseSize(video.size) : undefined;
      return {
        status: "completed",
        result: {
          videos: [
            {
              url: t.contentUrl(video.id),
              mediaType: "video/mp4",
              ...(seconds > 0 ? { durationSeconds: seconds } : {}),
              ...(dims ? { width: dims.width, height: dims.height } : {}),
            },
          ],
          providerRequestId: video.id,
          usage: { videos: 1, ...(seconds > 0 ? { seconds } : {}) },
          rawResponse: video,
        },
      };
    }
    case "failed": {
      const code = video.error?.code ?? undefined;
      const message = `${ctx.provider} video ${video.id} failed: ${video.error?.message ?? code ?? "no reason given"}`;
      const moderated = (code && MODERATION_CODE.test(code)) || /safety system|moderation/i.test(video.error?.message ?? "");
      return {
        status: "failed",
        error: moderated ? new ContentModerationError(message, { ...ids, code }) : new GenerationFailedError(message, { ...ids, code }),
      };
    }
    case "cancelled":
      return { status: "cancelled" };
    default:
      // A status this client does not know yet: keep polling rather than guess an outcome.
      return { status: "processing", progressPercent: percent(video.progress), message: `status ${String(video.status)}` };
  }
}

export async function getSoraVideoStatus(ctx: AdapterContext, id: string, t: VideosTransport): Promise<VideoJobState> {
  const { path, query } = t.route(`videos/${encodeURIComponent(id)}`);
  return soraJobState(ctx, await t.http.json<SoraVideo>(path, { query }), t);
}

/** `DELETE /videos/{id}`: the only way the Videos API offers to drop a job (it deletes the video and its assets). */
export async function deleteSoraVideo(id: string, t: VideosTransport): Promise<void> {
  const { path, query } = t.route(`videos/${encodeURIComponent(id)}`);
  await t.cancelHttp().bytes(path, { method: "DELETE", query });
}

/** True when `url` is on the configured API's origin, the only place the key may be sent. */
export function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
