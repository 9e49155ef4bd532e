import type { ImageGenerationRequest, ProgressUpdate, SubmittedJobRef, VideoGenerationRequest } from "../../../../../src/core/types.js";
import type { Generator } from "../generation.js";
import { usageCaller } from "../usage/events.js";
import type { JobHandler, JobProgress } from "./queue.js";

function toJobProgress(update: ProgressUpdate): JobProgress {
  return {
    status: update.status,
    progressPercent: update.progressPercent,
    queuePosition: update.queuePosition,
    message: update.message,
    provider: update.provider,
    model: update.model,
    attempt: update.attempt,
  };
}

/**
 * The worker side of a job: run the generation for the job's tenant, outputs into storage. A video job
 * whose provider job was recorded (a restart found it unfinished) re-attaches to that job; otherwise
 * the provider job's id is handed to the queue (`io.submitted`) before it is polled.
 */
export function generationJobHandler(generator: Generator): JobHandler {
  return async (job, io) => {
    const target = { tenant: job.tenant, jobId: job.id, ...usageCaller(job.meta) };
    const submitted = io.submitted;
    const options = {
      signal: io.signal,
      onProgress: (u: ProgressUpdate) => io.progress(toJobProgress(u)),
      ...(submitted ? { onSubmitted: (ref: SubmittedJobRef) => submitted(ref.jobId) } : {}),
    };
    const { response, outputs } =
      job.kind === "image"
        ? await generator.image(target, job.config, job.request as ImageGenerationRequest, options)
        : job.providerRef
          ? await generator.resumeVideo(target, job.config, job.request as VideoGenerationRequest, job.providerRef, options)
          : await generator.video(target, job.config, job.request as VideoGenerationRequest, options);
    const { rawResponse: _raw, ...result } = response;
    return { result: JSON.parse(JSON.stringify(result)) as Record<string, unknown>, outputs };
  };
}
