import type { ServerNotification } from "@modelcontextprotocol/sdk/types.js";
import { pause } from "../../../../src/core/abort.js";
import type { Gateway } from "../../../../src/core/gateway.js";
import type { GenerationConfigInput } from "../../../../src/core/types.js";

export interface WatchOptions {
  progressToken: string | number;
  signal: AbortSignal;
  sendNotification: (notification: ServerNotification) => Promise<void>;
  pollIntervalMs: number;
  /** After this long the job is left running and the caller gets its id and last status. */
  timeoutMs: number;
}

export interface Watched {
  status: string;
  progressPercent?: number | undefined;
  videos?: { url: string; mediaType: string; durationSeconds?: number | undefined; width?: number | undefined; height?: number | undefined }[] | undefined;
  error?: { type: string; message: string } | undefined;
  next?: string | undefined;
}

const SETTLED = new Set(["completed", "failed", "cancelled"]);

/**
 * The SDK client handles a notification a microtask after it reads it but a response at once, so a final
 * notification read in the same chunk as the result is dropped; this gap keeps them in separate reads.
 */
const FINAL_NOTIFICATION_GAP_MS = 50;


/**
 * Poll a video job, sending `notifications/progress` (0–100) at each status, until it settles, the
 * client cancels the request, or `timeoutMs` passes: then the job keeps running and get_job follows it.
 */
export async function watchJob(gateway: Gateway, jobId: string, config: GenerationConfigInput, options: WatchOptions): Promise<Watched> {
  const deadline = Date.now() + options.timeoutMs;
  // The job was just accepted: the client hears so at once, whatever the first status read finds later
  // (on a busy machine the provider may already be part way through by then).
  await options.sendNotification({
    method: "notifications/progress",
    params: { progressToken: options.progressToken, progress: 0, total: 100, message: "queued" },
  });
  let last = 0;
  let lastStatus: string;
  let lastPercent: number | undefined;
  for (;;) {
    const status = await gateway.getVideoStatus(jobId, config);
    lastStatus = status.status;
    lastPercent = status.progressPercent;
    const percent = status.status === "completed" ? 100 : Math.max(0, Math.min(99, Math.round(status.progressPercent ?? 0)));
    // Progress must increase between notifications; a repeated value is not sent.
    if (percent > last) {
      last = percent;
      await options.sendNotification({
        method: "notifications/progress",
        params: { progressToken: options.progressToken, progress: percent, total: 100, message: status.message ?? status.status },
      });
    }
    if (SETTLED.has(status.status)) {
      await pause(FINAL_NOTIFICATION_GAP_MS, options.signal);
      return {
        status: status.status,
        progressPercent: status.progressPercent,
        videos: status.result?.videos.map((v) => ({ url: v.url, mediaType: v.mediaType, durationSeconds: v.durationSeconds, width: v.width, height: v.height })),
        error: status.error ? { type: status.error.type, message: status.error.message } : undefined,
      };
    }
    const left = deadline - Date.now();
    if (left <= 0 || options.signal.aborted) break;
    await pause(Math.min(options.pollIntervalMs, left), options.signal);
  }
  return { status: lastStatus, progressPercent: lastPercent, next: "still running: call get_job with this jobId" };
}
