/**
 * Start a video now, check it later: the job id is all another process needs.
 *
 *   npx tsx examples/video-job.ts
 */
import { downloadMedia, getVideoStatus, submitVideo } from "tarash-gateway";

export async function main(out = "waves.mp4") {
  const job = await submitVideo({ provider: "mock", mock: { latencyMs: 300 } }, { prompt: "waves at night", durationSeconds: 4 });
  console.log("submitted", job.jobId.slice(0, 24), "…");
  for (;;) {
    const status = await getVideoStatus(job.jobId);
    console.log(status.status, status.progressPercent ?? "");
    if (status.status === "completed" && status.result) {
      await downloadMedia(status.result, { to: out });
      console.log(`wrote ${out}`);
      return status;
    }
    if (status.status === "failed" || status.status === "cancelled") throw new Error(status.error?.message ?? status.status);
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv[2]);
