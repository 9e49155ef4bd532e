import { readFile } from "node:fs/promises";
import { sleep } from "../../core/abort.js";
import type { MockedContext } from "../../core/context.js";
import { ValidationError } from "../../core/errors.js";
import type { AdapterContext, ProviderAdapter, VideoJobState } from "../../core/provider.js";
import { dimensionsForRatio, parseSize } from "../../core/sizes.js";
import type { AdapterImageResult, AdapterVideoResult, NormalizedImageRequest, NormalizedVideoRequest } from "../../core/types.js";
import { mockError, pickOutcome } from "./faults.js";
import { MOCK_JOB_TTL_MS, cancelledAt, recordCancel } from "./job-state.js";
import { seedFrom } from "./render.js";
import { renderAllOnWorkers } from "./render-pool.js";

const DEFAULT_IMAGE_LATENCY_MS = 400;
const DEFAULT_VIDEO_LATENCY_MS = 1_500;
const TIER_SIDE: Record<string, number> = { "1K": 1024, "2K": 2048, "4K": 4096 };
const VIDEO_FIXTURE = new URL("../../../assets/mock-video.mp4", import.meta.url);

let fixture: Promise<Uint8Array> | undefined;
function videoFixture(): Promise<Uint8Array> {
  fixture ??= readFile(VIDEO_FIXTURE).then((b) => new Uint8Array(b));
  return fixture;
}

function mockSettings(ctx: AdapterContext) {
  return (ctx as MockedContext).mock;
}

function outputSize(req: NormalizedImageRequest): { width: number; height: number } {
  const explicit = req.size && req.size !== "auto" ? parseSize(req.size) : undefined;
  if (explicit) return explicit;
  const side = TIER_SIDE[req.resolution ?? "1K"] ?? 1024;
  if (req.aspectRatio) {
    const mp = (side * side) / 1_000_000;
    const d = dimensionsForRatio(req.aspectRatio, mp, 16);
    if (d) return d;
  }
  return { width: side, height: side };
}

/** Walk through queue positions and percentages, spending `latency` in total. */
async function simulateQueue(ctx: AdapterContext, latency: number): Promise<void> {
  const steps: Parameters<AdapterContext["progress"]>[0][] = [
    { status: "queued", queuePosition: 2 },
    { status: "queued", queuePosition: 1 },
    { status: "processing", progressPercent: 25 },
    { status: "processing", progressPercent: 50 },
    { status: "processing", progressPercent: 75 },
  ];
  for (const step of steps) {
    await ctx.progress(step);
    await sleep(latency / steps.length, ctx.signal);
  }
}

async function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  const mock = mockSettings(ctx);
  const fault = pickOutcome(mock, ctx.attempt);
  await simulateQueue(ctx, mock?.latencyMs ?? DEFAULT_IMAGE_LATENCY_MS);
  if (fault) throw fault;
  const { width, height } = outputSize(req);
  const format = req.outputFormat ?? "png";
  const n = req.n ?? 1;
  // Without a seed the mock behaves like a real model: a new picture every call.
  const base = req.seed ?? Math.floor(Math.random() * 2 ** 31);
  // Rendering and encoding run on media workers: a 4096² PNG is about a second of CPU.
  const inputs = Array.from({ length: n }, (_, i) => ({ width, height, format, seed: seedFrom(req.prompt, base, i, req.negativePrompt, req.style) }));
  const revisedPrompt = req.enhancePrompt ? `${req.prompt}, highly detailed` : undefined;
  const images = (await renderAllOnWorkers(inputs, ctx.signal)).map((data) => ({ data, revisedPrompt }));
  return {
    images,
    providerRequestId: `mock_${seedFrom(req.prompt, base).toString(16)}`,
    revisedPrompt: images[0]?.revisedPrompt,
    usage: { images: n },
    rawResponse: { mock: true, model: ctx.model, width, height, format, n, seed: base },
  };
}

// ---- Video: a stateless job whose state is derived from the time since it was submitted ----------

interface MockJob {
  t: number;
  l: number;
  n: number;
  d: number;
  e?: Parameters<typeof mockError>[0] | undefined;
  m?: string | undefined;
}


/** Faults that real providers report as a failed job rather than at submit. */
const LATE_FAULTS: Record<string, Parameters<typeof mockError>[0]> = {
  ContentModerationError: "moderation",
  GenerationFailedError: "generation_failed",
  TimeoutError: "timeout",
};

function decodeJob(id: string): MockJob {
  let job: Partial<MockJob> | undefined;
  try {
    job = JSON.parse(Buffer.from(id, "base64url").toString("utf8")) as Partial<MockJob>;
  } catch {
    job = undefined;
  }
  const numbers = job && typeof job === "object" && [job.t, job.l, job.n, job.d].every((v) => typeof v === "number" && Number.isFinite(v));
  if (!numbers) throw new ValidationError("not a mock job id", { issues: [{ field: "jobId", message: "not a mock job id" }] });
  return job as MockJob;
}

/** A new job: what its id carries. Faults a real provider reports at submit are thrown here. */
function newJob(ctx: AdapterContext, req: NormalizedVideoRequest): MockJob {
  const mock = mockSettings(ctx);
  const fault = pickOutcome(mock, ctx.attempt);
  // Faults a real provider reports at submit are thrown now; the others surface as a failed job.
  const late = fault !== undefined && fault.name in LATE_FAULTS;
  if (fault && !late) throw fault;
  const job: MockJob = {
    t: Date.now(),
    l: mock?.latencyMs ?? DEFAULT_VIDEO_LATENCY_MS,
    n: req.numberOfVideos ?? 1,
    d: req.durationSeconds ?? 2,
    e: late ? LATE_FAULTS[fault.name] : undefined,
    m: late ? fault.message : undefined,
  };
  return job;
}

const encodeJob = (job: MockJob): string => Buffer.from(JSON.stringify(job)).toString("base64url");

async function submitVideo(ctx: AdapterContext, req: NormalizedVideoRequest): Promise<{ providerJobId: string }> {
  return { providerJobId: encodeJob(newJob(ctx, req)) };
}

/** The job's state now: derived from its submission time, its latency and a recorded cancel. */
async function jobState(id: string, job: MockJob): Promise<VideoJobState | undefined> {
  if (Date.now() - job.t > MOCK_JOB_TTL_MS) {
    return { status: "failed", error: mockError("generation_failed", `the mock job expired (mock jobs are kept ${MOCK_JOB_TTL_MS / 3600_000} h)`) };
  }
  if ((await cancelledAt(id)) !== undefined) return { status: "cancelled", message: "cancelled by the caller" };
  return timedState(job);
}

/** The state that follows from the clock alone (no recorded cancel can exist for a job whose id never left the call). */
function timedState(job: MockJob): VideoJobState | undefined {
  const fraction = job.l === 0 ? 1 : (Date.now() - job.t) / job.l;
  if (fraction < 0.2) return { status: "queued", queuePosition: 1 };
  if (fraction < 1) return { status: "processing", progressPercent: Math.round(fraction * 100) };
  if (job.e) return { status: "failed", error: mockError(job.e, job.m) };
  return undefined;
}

async function getVideoStatus(_ctx: AdapterContext, id: string): Promise<VideoJobState> {
  const job = decodeJob(id);
  return (await jobState(id, job)) ?? completed(id, job);
}

async function completed(id: string, job: MockJob): Promise<VideoJobState> {
  const data = await videoFixture();
  const result: AdapterVideoResult = {
    videos: Array.from({ length: job.n }, () => ({ data, mediaType: "video/mp4", durationSeconds: 2, width: 320, height: 180 })),
    providerRequestId: id.slice(0, 16),
    usage: { videos: job.n, seconds: job.n * job.d },
    rawResponse: { mock: true, videos: job.n, requestedDuration: job.d },
  };
  return { status: "completed", result };
}

/**
 * Cancel a submitted job from any process: the cancel is recorded durably (job-state.ts). A job that has
 * already finished cannot be cancelled, and says so, as a provider would.
 */
async function cancelVideo(_ctx: AdapterContext, id: string): Promise<void> {
  const job = decodeJob(id);
  const state = await jobState(id, job);
  if (state?.status === "cancelled") return;
  if (!state || state.status === "failed") {
    const message = `the mock job has already ${state ? "failed" : "completed"}; there is nothing to cancel`;
    throw new ValidationError(message, { issues: [{ field: "jobId", message }] });
  }
  await recordCancel(id);
}

async function generateVideo(ctx: AdapterContext, req: NormalizedVideoRequest): Promise<AdapterVideoResult> {
  const job = newJob(ctx, req);
  const providerJobId = encodeJob(job);
  const latency = job.l;
  await ctx.progress({ status: "queued", queuePosition: 1 });
  // The mock knows how long it takes, so it polls at a pace that shows progress rather than at the
  // configured interval (seconds) meant for real providers.
  return ctx.poll({
    what: "mock video job",
    intervalMs: Math.max(10, Math.min(ctx.pollIntervalMs, Math.round(latency / 8))),
    backoff: 1,
    // No onCancel: this job's id never leaves the call, so stopping the poll is the whole cancel, and no
    // other process can have recorded a cancel for it. Each check therefore reads the clock only: the
    // durable cancel lookup (a hash, a path and a stat() that fails with ENOENT) was ~40% of the CPU of
    // 10,000 concurrent jobs.
    async check() {
      const state = timedState(job) ?? (await completed(providerJobId, job));
      if (state.status === "completed") return { done: true, value: state.result };
      if (state.status === "failed") throw state.error;
      if (state.status === "cancelled") throw mockError("generation_failed", "the job was cancelled");
      return { done: false, progress: state };
    },
  });
}

export const mockAdapter: ProviderAdapter = { generateImage, generateVideo, submitVideo, getVideoStatus, cancelVideo };
