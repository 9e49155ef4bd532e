import { GenerationFailedError } from "../../core/errors.js";
import type { HttpClient } from "../../core/http.js";
import type { AdapterContext, VideoJobState } from "../../core/provider.js";
import { parseRunwayError, taskFailureError } from "./errors.js";
import { DEFAULT_RUNWAY_VERSION, parseRunwayOptions } from "./options.js";

/** A Runway task as `GET /v1/tasks/{id}` returns it. */
export interface RunwayTask {
  id: string;
  status: "PENDING" | "THROTTLED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED" | (string & {});
  createdAt?: string;
  progress?: number;
  output?: string[];
  failure?: string;
  failureCode?: string;
}

export const OUTPUT_EXPIRY_WARNING =
  "Runway output URLs expire 24-48 hours after the task finishes: download or store the video now " +
  "(getVideoStatus with the job id returns fresh URLs while Runway keeps the task)";

/** A client with Runway's auth and version headers; `afterAbort` for the cancel call after an abort. */
export function runwayHttp(ctx: AdapterContext, options: { afterAbort?: boolean } = {}): HttpClient {
  const { runwayVersion } = parseRunwayOptions(ctx.providerConfig);
  const headers = {
    authorization: `Bearer ${ctx.requireApiKey()}`,
    "X-Runway-Version": runwayVersion ?? DEFAULT_RUNWAY_VERSION,
  };
  return options.afterAbort
    ? ctx.http({ headers, parseError: parseRunwayError, signal: undefined })
    : ctx.http({ headers, parseError: parseRunwayError });
}

export const taskPath = (id: string) => `/v1/tasks/${encodeURIComponent(id)}`;

export function unusable(ctx: AdapterContext, what: string, raw: unknown): GenerationFailedError {
  return new GenerationFailedError(`${ctx.provider}: ${what}`, {
    provider: ctx.provider,
    model: ctx.model,
    requestId: ctx.requestId,
    rawResponse: raw,
    transient: true,
  });
}

/** Runway's SDK types `progress` as a bare number; docs show 0-1, so larger values are read as percent. */
function percent(progress: number | undefined): number | undefined {
  if (typeof progress !== "number" || !Number.isFinite(progress)) return undefined;
  const value = progress <= 1 ? progress * 100 : progress;
  return Math.min(100, Math.max(0, Math.round(value)));
}

/** A task in the gateway's terms. */
export function taskState(ctx: AdapterContext, task: RunwayTask): VideoJobState {
  if (!task || typeof task.id !== "string" || typeof task.status !== "string") {
    throw unusable(ctx, "the task in the response has no id or status", task);
  }
  switch (task.status) {
    case "PENDING":
      return { status: "queued", message: "pending" };
    case "THROTTLED":
      return { status: "queued", message: "throttled: waiting for a free slot under the account's concurrency limit" };
    case "RUNNING":
      return { status: "processing", progressPercent: percent(task.progress) };
    case "SUCCEEDED": {
      const urls = (task.output ?? []).filter((u): u is string => typeof u === "string" && u.length > 0);
      if (urls.length === 0) {
        return { status: "failed", error: unusable(ctx, `task ${task.id} succeeded without output`, task) };
      }
      return {
        status: "completed",
        result: {
          videos: urls.map((url) => ({ url, mediaType: "video/mp4" })),
          providerRequestId: task.id,
          warnings: [OUTPUT_EXPIRY_WARNING],
          rawResponse: task,
        },
      };
    }
    case "FAILED":
      return {
        status: "failed",
        error: taskFailureError(task.failureCode, task.failure, {
          provider: ctx.provider,
          model: ctx.model,
          requestId: ctx.requestId,
          taskId: task.id,
          raw: task,
        }),
      };
    case "CANCELLED":
      return { status: "cancelled", message: `task ${task.id} was cancelled` };
    default:
      return { status: "processing", message: task.status.toLowerCase() };
  }
}
