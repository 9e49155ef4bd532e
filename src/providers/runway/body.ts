import { ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import { nearestRatio } from "../../core/sizes.js";
import type { MediaInput, NormalizedVideoRequest } from "../../core/types.js";
import { GENERIC_HINTS, type RunwayHints } from "./models.js";

export type RunwayEndpoint = RunwayHints["endpoints"][number];

/**
 * Runway's data-URI limits (docs.dev.runwayml.com/assets/inputs), measured on the encoded URI.
 * URLs may point at larger files (16 MB images, 32 MB videos), so the error says to pass one.
 */
const DATA_URI_LIMIT = { image: 5 * 1024 * 1024, video: 16 * 1024 * 1024 } as const;

function invalid(ctx: AdapterContext, field: string, message: string, allowed?: readonly string[]): ValidationError {
  return new ValidationError(`${ctx.provider}/${ctx.model}: ${field}: ${message}`, {
    provider: ctx.provider,
    model: ctx.model,
    issues: [{ field, message, allowed }],
  });
}

export function hintsFor(ctx: AdapterContext): RunwayHints {
  return (ctx.capability?.adapterHints as RunwayHints | undefined) ?? GENERIC_HINTS;
}

/**
 * An input as Runway takes it: https URLs pass through (Runway fetches them); Runway refuses plain
 * http, so those are fetched here (SSRF-guarded) and sent inline like bytes and Blobs, as data URIs.
 */
export async function toRunwayUri(ctx: AdapterContext, input: MediaInput, field: string, kind: "image" | "video"): Promise<string> {
  if (typeof input === "string" && /^https:\/\//i.test(input)) return input;
  const uri = await ctx.media.toDataUrl(input, field);
  const limit = DATA_URI_LIMIT[kind];
  if (uri.length > limit) {
    throw invalid(
      ctx,
      field,
      `inline ${kind}s are limited to ${limit / 1024 / 1024} MB as a data URI (this one is ${(uri.length / 1024 / 1024).toFixed(1)} MB); pass an https URL instead`,
    );
  }
  return uri;
}

/** The endpoint the inputs call for: a video means video_to_video, images image_to_video, else text. */
export function chooseEndpoint(ctx: AdapterContext, req: NormalizedVideoRequest, hints: RunwayHints): RunwayEndpoint {
  const has = (e: RunwayEndpoint) => hints.endpoints.includes(e);
  if (req.video !== undefined) {
    if (!has("video_to_video")) throw invalid(ctx, "video", "this model does not take an input video");
    return "video_to_video";
  }
  if (has("video_to_video") && !has("image_to_video") && !has("text_to_video")) {
    throw invalid(ctx, "video", "this model edits a video: pass `video` (an https URL, data URL or bytes)");
  }
  if ((req.imageList?.length ?? 0) > 0) {
    if (!has("image_to_video")) throw invalid(ctx, "imageList", "this model does not take input images");
    return "image_to_video";
  }
  if (!has("text_to_video")) throw invalid(ctx, "imageList", "this model needs a first-frame image (image to video only)");
  return "text_to_video";
}

/** The aspect ratio → `ratio` table for a resolution: per tier (Seedance 2), or 720p-class with a 1080p variant. */
function ratioTable(hints: RunwayHints, resolution: string | undefined): Readonly<Record<string, string>> {
  if (hints.ratiosByResolution) {
    const tier = resolution ?? hints.defaultResolution;
    return (tier !== undefined ? hints.ratiosByResolution[tier] : undefined) ?? {};
  }
  return (resolution === "1080p" ? hints.ratios1080p : undefined) ?? hints.ratios ?? {};
}

/** Aspect ratio (+ resolution) → Runway's pixel `ratio` for this model. */
function pixelRatio(ctx: AdapterContext, aspect: string, resolution: string | undefined, hints: RunwayHints): string {
  const table = ratioTable(hints, resolution);
  const exact = table[aspect];
  if (exact) return exact;
  // Already in Runway's own form (unknown models, or a user who knows the wire values).
  if (Object.values(table).includes(aspect)) return aspect;
  const near = nearestRatio(aspect, Object.keys(table));
  if (!near) throw invalid(ctx, "aspectRatio", `${aspect} has no Runway ratio for this model`, Object.keys(table));
  ctx.warn(`aspectRatio ${aspect} has no Runway ratio for ${ctx.model}; sent ${table[near]} (${near})`);
  return table[near]!;
}

interface Frame {
  uri: string;
  /** Absent: a Seedance 2 reference image. */
  position?: "first" | "last";
}

async function frames(ctx: AdapterContext, req: NormalizedVideoRequest, hints: RunwayHints): Promise<Frame[]> {
  const out: Frame[] = [];
  for (const [i, item] of (req.imageList ?? []).entries()) {
    const field = `imageList.${i}.image`;
    // An untyped image on an image-to-video model can only be the start frame, except where the
    // model takes reference images of its own (Seedance 2).
    const position = item.type === "last_frame" ? "last" : item.type === "reference" && hints.plainReferences ? undefined : "first";
    if (position === "last" && !hints.lastFrame) throw invalid(ctx, `imageList.${i}.type`, "this model takes a first frame only", ["first_frame"]);
    if (position !== undefined && out.some((f) => f.position === position)) throw invalid(ctx, `imageList.${i}.type`, `only one ${position} frame may be given`);
    out.push({ uri: await toRunwayUri(ctx, item.image, field, "image"), ...(position ? { position } : {}) });
  }
  const framed = out.filter((f) => f.position !== undefined);
  if (framed.length > 0 && framed.length < out.length) {
    throw invalid(ctx, "imageList", "first/last frames and reference images cannot be mixed on this model: send either frames or references");
  }
  if (framed.length > 0 && !framed.some((f) => f.position === "first") && !hints.lastFrameAlone) {
    throw invalid(ctx, "imageList", "a last frame needs a first frame as well for this model");
  }
  return out.sort((a, b) => (a.position === b.position ? 0 : a.position === "first" ? -1 : 1));
}

function duration(ctx: AdapterContext, req: NormalizedVideoRequest, hints: RunwayHints): number | undefined {
  const cap = ctx.capability;
  const seconds = req.durationSeconds ?? cap?.defaultDuration;
  if (seconds === undefined) return undefined;
  if ((hints.integerDuration || !cap) && !Number.isInteger(seconds)) {
    const rounded = Math.max(1, Math.round(seconds));
    ctx.warn(`durationSeconds ${seconds} was sent as ${rounded}: Runway takes whole seconds`);
    return rounded;
  }
  return seconds;
}

/** The JSON body for one Runway task. `extraParams` go last, verbatim. */
export async function buildBody(
  ctx: AdapterContext,
  req: NormalizedVideoRequest,
  endpoint: RunwayEndpoint,
  hints: RunwayHints,
): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = { model: ctx.model, promptText: req.prompt };

  if (endpoint === "video_to_video") {
    body[hints.videoField ?? "videoUri"] = await toRunwayUri(ctx, req.video!, "video", "video");
    const images = req.imageList ?? [];
    if (hints.plainReferences && images.length > 0) {
      // Seedance 2 edits a video with reference images only; it has no keyframes.
      const frame = images.findIndex((item) => item.type !== "reference");
      if (frame >= 0) throw invalid(ctx, `imageList.${frame}.type`, "video to video takes reference images only on this model", ["reference"]);
      body.references = await Promise.all(images.map(async (item, i) => ({ uri: await toRunwayUri(ctx, item.image, `imageList.${i}.image`, "image") })));
    } else if (hints.references && images.length > 0) {
      body.references = await Promise.all(
        images.map(async (item, i) => ({ type: "image", uri: await toRunwayUri(ctx, item.image, `imageList.${i}.image`, "image") })),
      );
    } else if (images.length > 0) {
      // Keyframes are placed as a fraction of the input video: 0 is its start, 1 its end.
      body.keyframes = (await frames(ctx, req, { ...hints, lastFrame: true, lastFrameAlone: true })).map((f) => ({
        at: f.position === "first" ? 0 : 1,
        uri: f.uri,
      }));
    }
  } else if (endpoint === "image_to_video") {
    const list = await frames(ctx, req, hints);
    const only = list[0]!;
    body.promptImage = list.length === 1 && only.position === "first" ? only.uri : list;
  }

  let aspect = req.aspectRatio ?? hints.defaultAspectRatio;
  if (aspect === undefined && req.resolution !== undefined && hints.ratiosByResolution) {
    // The tier travels inside `ratio`, so a resolution alone needs a shape to pick one.
    aspect = "16:9";
    ctx.warn(`resolution ${req.resolution} is sent as a Runway ratio, which needs an aspect ratio: 16:9 was assumed (set aspectRatio to choose)`);
  }
  if (aspect !== undefined) {
    if (hints.targetAspectRatio) {
      body.targetAspectRatio = aspect;
    } else if (hints.ratios || hints.ratios1080p || hints.ratiosByResolution) {
      if (endpoint === "text_to_video" && hints.textAspectRatios && !hints.textAspectRatios.includes(aspect)) {
        throw invalid(ctx, "aspectRatio", `text to video takes ${hints.textAspectRatios.join(" or ")} only (pass an image for ${aspect})`, hints.textAspectRatios);
      }
      body.ratio = pixelRatio(ctx, aspect, req.resolution, hints);
    }
  }
  // Aleph declares no durations, so the core has already refused or dropped one; Seedance 2 takes it on every endpoint.
  const seconds = duration(ctx, req, hints);
  if (seconds !== undefined) body.duration = seconds;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.negativePrompt !== undefined) body.negativePrompt = req.negativePrompt;
  if (req.generateAudio !== undefined) body.audio = req.generateAudio;
  return { ...body, ...req.extraParams };
}
