import { ContentModerationError, GenerationFailedError, ValidationError } from "../../core/errors.js";
import type { HttpClient, QueryValue } from "../../core/http.js";
import type { AdapterContext, VideoJobState } from "../../core/provider.js";
import type { NormalizedVideoRequest } from "../../core/types.js";

/**
 * Sora 1, Azure's own preview API (video-providers.md §1b): JSON jobs at
 * `/openai/v1/video/generations/jobs`, `n_seconds` / `width` / `height` / `n_variants`, and one
 * generation per variant downloaded from `/openai/v1/video/generations/{id}/content/video`.
 */

export interface SoraJob {
  object?: string;
  id: string;
  status?: string;
  created_at?: number;
  finished_at?: number | null;
  expires_at?: number | null;
  generations?: { object?: string; id: string; width?: number; height?: number; n_seconds?: number }[];
  prompt?: string;
  model?: string;
  n_variants?: number;
  n_seconds?: number;
  height?: number;
  width?: number;
  failure_reason?: string | null;
}

export interface JobsTransport {
  http: HttpClient;
  cancelHttp(): HttpClient;
  /** `api-version` for every call (`preview` unless configured). */
  query: Record<string, QueryValue>;
  /** Absolute URL of `/openai/v1/video/generations/{path}`. */
  url(path: string): string;
  bodyModel: string;
}

type Sizes = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Documented sizes (others 400); used for models the catalog does not know. */
const DEFAULT_SIZES: Sizes = {
  "480p": { "1:1": "480x480" },
  "720p": { "16:9": "1280x720", "1:1": "720x720" },
  "1080p": { "16:9": "1920x1080", "1:1": "1080x1080" },
};

const MODERATION = /moderation|content[ _]?filter|content policy|policy violation|responsible ?ai|safety/i;

/** Width and height from resolution + aspect ratio; 720p 16:9 when neither is given. */
function jobSize(ctx: AdapterContext, req: NormalizedVideoRequest): { width: number; height: number } {
  const sizes = (ctx.capability?.adapterHints?.sizes as Sizes | undefined) ?? DEFAULT_SIZES;
  const tier = req.resolution && sizes[req.resolution] ? req.resolution : "720p";
  if (req.resolution && tier !== req.resolution) ctx.warn(`resolution ${req.resolution} is not a Sora size; sent ${tier}`);
  const shapes = sizes[tier] ?? DEFAULT_SIZES["720p"]!;
  const ratio = req.aspectRatio ?? (shapes["16:9"] ? "16:9" : Object.keys(shapes)[0]!);
  let size = shapes[ratio];
  if (size === undefined) {
    const allowed = Object.keys(shapes);
    const message = `aspectRatio ${ratio} is not available at ${tier}; allowed: ${allowed.join(", ")}`;
    if (ctx.validation === "strict") throw new ValidationError(`${ctx.provider}/${ctx.model}: ${message}`, { issues: [{ field: "aspectRatio", message, allowed }] });
    size = shapes[allowed[0]!]!;
    ctx.warn(`${message}; sent ${size}`);
  }
  const [width, height] = size.split("x").map(Number) as [number, number];
  return { width, height };
}

/** JSON, or multipart when an image / video is the first frame (`files` parts plus `inpaint_items`). */
async function jobBody(ctx: AdapterContext, req: NormalizedVideoRequest, model: string): Promise<{ json: Record<string, unknown> } | { form: FormData }> {
  const { width, height } = jobSize(ctx, req);
  const fields: Record<string, unknown> = {
    model,
    prompt: req.prompt,
    width,
    height,
    n_seconds: req.durationSeconds ?? ctx.capability?.defaultDuration ?? 5,
    n_variants: req.numberOfVideos ?? 1,
    ...req.extraParams,
  };
  const image = req.imageList?.[0];
  if (!image && req.video === undefined) return { json: fields };

  const form = new FormData();
  const items: Record<string, unknown>[] = [];
  const fullFrame = { left_fraction: 0, top_fraction: 0, right_fraction: 1, bottom_fraction: 1 };
  if (image) {
    const file = await ctx.media.toFile(image.image, "imageList.0.image", "first_frame");
    form.append("files", file.blob, file.filename);
    items.push({ frame_index: 0, type: "image", file_name: file.filename, crop_bounds: fullFrame });
  }
  if (req.video !== undefined) {
    const file = await ctx.media.toFile(req.video, "video", "input_video");
    form.append("files", file.blob, file.filename);
    items.push({ frame_index: 0, type: "video", file_name: file.filename, crop_bounds: fullFrame });
  }
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined && v !== null) form.append(k, typeof v === "object" ? JSON.stringify(v) : String(v));
  }
  form.append("inpaint_items", JSON.stringify(items));
  return { form };
}

function withQuery(url: string, query: Record<string, QueryValue>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

export async function submitSoraJob(ctx: AdapterContext, req: NormalizedVideoRequest, t: JobsTransport): Promise<{ id: string; rawResponse: unknown }> {
  const body = await jobBody(ctx, req, t.bodyModel);
  const job = await t.http.json<SoraJob>(t.url("jobs"), { method: "POST", query: t.query, ...body });
  if (typeof job?.id !== "string" || job.id === "") {
    throw new GenerationFailedError(`${ctx.provider} returned no job id`, { provider: ctx.provider, model: ctx.model, rawResponse: job });
  }
  return { id: job.id, rawResponse: job };
}

function jobState(ctx: AdapterContext, job: SoraJob, t: JobsTransport): VideoJobState {
  switch (job.status) {
    case "queued":
      return { status: "queued" };
    case "preprocessing":
    case "running":
    case "processing":
      return { status: "processing", message: job.status };
    case "succeeded": {
      const generations = job.generations ?? [];
      if (generations.length === 0) {
        return { status: "failed", error: new GenerationFailedError(`${ctx.provider} job ${job.id} succeeded without generations`, { provider: ctx.provider, model: ctx.model, rawResponse: job }) };
      }
      const seconds = job.n_seconds;
      const videos = generations.map((g) => {
        const duration = g.n_seconds ?? seconds;
        const width = g.width ?? job.width;
        const height = g.height ?? job.height;
        return {
          url: withQuery(t.url(`${encodeURIComponent(g.id)}/content/video`), t.query),
          mediaType: "video/mp4",
          ...(duration ? { durationSeconds: duration } : {}),
          ...(width && height ? { width, height } : {}),
        };
      });
      return {
        status: "completed",
        result: {
          videos,
          providerRequestId: job.id,
          usage: { videos: videos.length, ...(seconds ? { seconds: seconds * videos.length } : {}) },
          rawResponse: job,
        },
      };
    }
    case "failed": {
      const reason = job.failure_reason ?? "no reason given";
      const message = `${ctx.provider} video job ${job.id} failed: ${reason}`;
      const ids = { provider: ctx.provider, model: ctx.model, rawResponse: job, code: job.failure_reason ?? undefined };
      return { status: "failed", error: MODERATION.test(reason) ? new ContentModerationError(message, ids) : new GenerationFailedError(message, ids) };
    }
    case "cancelled":
      return { status: "cancelled" };
    default:
      return { status: "processing", message: `status ${String(job.status)}` };
  }
}

export async function getSoraJobStatus(ctx: AdapterContext, id: string, t: JobsTransport): Promise<VideoJobState> {
  return jobState(ctx, await t.http.json<SoraJob>(t.url(`jobs/${encodeURIComponent(id)}`), { query: t.query }), t);
}

export async function deleteSoraJob(id: string, t: JobsTransport): Promise<void> {
  await t.cancelHttp().bytes(t.url(`jobs/${encodeURIComponent(id)}`), { method: "DELETE", query: t.query });
}
