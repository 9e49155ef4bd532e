import { ownEntry } from "../../core/http-errors.js";
import type { AdapterContext, VideoJobState } from "../../core/provider.js";
import type { AdapterVideoResult, NormalizedVideoRequest } from "../../core/types.js";
import { parseReplicateOptions } from "./options.js";
import {
  type Prediction,
  cancelPrediction,
  classifyPrediction,
  createPrediction,
  getPrediction,
  logLines,
  parseModelRef,
} from "./predictions.js";
import { buildVideoInput } from "./video-input.js";
import { GENERIC_VIDEO_HINTS, type ReplicateVideoHints, replicateVideoHints, videoCatalogEntry } from "./video-models.js";

/**
 * Replicate video as a job: the providerJobId is the prediction id, so `GET /predictions/{id}`
 * resumes it from any process and `POST /predictions/{id}/cancel` stops it.
 */

export const OUTPUT_EXPIRY_WARNING =
  "Replicate output URLs expire about an hour after the prediction finishes; download or store the video (downloadMedia) before then";

function hintsFor(ctx: AdapterContext): ReplicateVideoHints {
  // A pinned `owner/name:version` of a catalog model keeps that model's input names.
  return replicateVideoHints(ctx.capability ?? videoCatalogEntry(ctx.model)) ?? GENERIC_VIDEO_HINTS;
}

export async function submitVideo(ctx: AdapterContext, request: NormalizedVideoRequest): Promise<{ providerJobId: string; rawResponse: unknown }> {
  parseModelRef(ctx.model);
  const options = parseReplicateOptions(ctx.providerConfig);
  const { input, fieldNames } = await buildVideoInput(ctx, request, hintsFor(ctx));
  const prediction = await createPrediction(ctx, ctx.model, {
    input,
    fieldNames,
    // Videos take minutes: holding the create open only delays the job id. An explicit `wait` is honoured.
    waitSeconds: options.wait,
    deployment: options.deployment,
    webhook: options.webhook,
    webhookEventsFilter: options.webhookEventsFilter,
  });
  return { providerJobId: prediction.id, rawResponse: prediction };
}

/**
 * Log lines already reported, per attempt context and prediction, so each status check reports
 * only new lines. A fresh context (another process resuming the job) starts from zero.
 */
const reportedLines = new WeakMap<AdapterContext, Map<string, number>>();

export async function getVideoStatus(ctx: AdapterContext, providerJobId: string): Promise<VideoJobState> {
  const prediction = await getPrediction(ctx, providerJobId);
  if (prediction.status === "canceled" || prediction.status === "aborted") {
    return { status: "cancelled", message: `prediction ${prediction.id} was ${prediction.status}` };
  }
  const seen = reportedLines.get(ctx) ?? new Map<string, number>();
  reportedLines.set(ctx, seen);
  const outcome = classifyPrediction(ctx, prediction, seen.get(prediction.id) ?? 0);
  switch (outcome.state) {
    case "running": {
      seen.set(prediction.id, logLines(prediction.logs).length);
      const { progressPercent, message, logs } = outcome.progress;
      return { status: prediction.status === "starting" ? "queued" : "processing", progressPercent, message, logs };
    }
    case "failed":
      return { status: "failed", error: outcome.error };
    case "succeeded":
      return { status: "completed", result: toResult(ctx, outcome.prediction, outcome.files) };
  }
}

export async function cancelVideo(ctx: AdapterContext, providerJobId: string): Promise<void> {
  await cancelPrediction(ctx, providerJobId);
}

const MEDIA_TYPES: Readonly<Record<string, string>> = { mp4: "video/mp4", webm: "video/webm", mov: "video/quicktime", gif: "image/gif" };

function mediaTypeOf(url: string): string {
  const ext = /\.([a-z0-9]+)(?:$|[?#])/i.exec(url)?.[1]?.toLowerCase();
  return (ext && ownEntry(MEDIA_TYPES, ext)) ?? "video/mp4";
}

/** Seconds of video the prediction was asked for: its duration input, else the model's fixed length. */
function durationOf(ctx: AdapterContext, prediction: Prediction): number | undefined {
  const hints = hintsFor(ctx);
  const sent = hints.duration ? prediction.input?.[hints.duration] : undefined;
  if (typeof sent === "number" && sent > 0) return sent;
  const cap = ctx.capability ?? videoCatalogEntry(ctx.model);
  return cap?.defaultDuration;
}

function toResult(ctx: AdapterContext, prediction: Prediction, files: string[]): AdapterVideoResult {
  const durationSeconds = durationOf(ctx, prediction);
  // Every file is returned, not only the first (some models add a preview or several takes).
  const videos = files.map((url) => ({ url, mediaType: mediaTypeOf(url), ...(durationSeconds ? { durationSeconds } : {}) }));
  return {
    videos,
    providerRequestId: prediction.id,
    usage: { videos: videos.length, ...(durationSeconds ? { seconds: durationSeconds * videos.length } : {}) },
    warnings: [OUTPUT_EXPIRY_WARNING],
    rawResponse: prediction,
  };
}
