import { detachedContext } from "./context.js";
import { costFromVideoUsage, estimateVideoCost, mockedCost } from "./cost.js";
import { openOutput } from "./download-media.js";
import { CancelledError, GenerationFailedError, HTTPError, ValidationError, isRetryableError } from "./errors.js";
import { type GatewayCore, storeOutput } from "./gateway-core.js";
import { sniffMediaType } from "./media/sniff.js";
import { toDataUrl } from "./media/tools.js";
import { type AttemptInput, newRequestId, parseConfig, prepare, runChain, toTarashError } from "./orchestrator.js";
import type { AdapterContext, ProviderAdapter, VideoJobState } from "./provider.js";
import { redact } from "./redact.js";
import { AdapterVideoResultSchema } from "./schemas.js";
import type {
  AdapterVideoResult,
  Cost,
  ExecutionMetadata,
  GenerateOptions,
  GeneratedVideo,
  NormalizedVideoRequest,
  VideoGenerationConfig,
  VideoGenerationRequest,
  VideoGenerationResponse,
} from "./types.js";
import { parseVideoRequest } from "./validate.js";

/**
 * The headers an output URL needs: the adapter's own for this result, else what the adapter says its
 * files need (Sora `/content`), asked with the job's context so the key the job ran with is the one used.
 */
function outputHeaders(ctx: AdapterContext, adapter: ProviderAdapter, url: string, given: Record<string, string> | undefined): Record<string, string> | undefined {
  if (given !== undefined) return given;
  if (!adapter.downloadHeaders || !/^https?:/i.test(url)) return undefined;
  return adapter.downloadHeaders(ctx, url);
}

/**
 * Outputs as the user sees them. Bytes become a data: URL or a stored object; with storage on, URL
 * outputs are streamed into it (with the provider's key where needed), so the returned URL works as is.
 * An output left on the provider that needs its key is marked `requiresProviderAuth`.
 */
async function toVideos(
  core: GatewayCore,
  result: AdapterVideoResult,
  requestId: string,
  ids: { ctx: AdapterContext; adapter: ProviderAdapter; provider: string; defaultDuration?: number | undefined; signal?: AbortSignal | undefined },
): Promise<GeneratedVideo[]> {
  const out: GeneratedVideo[] = [];
  const storage = core.options.storage;
  for (const v of result.videos) {
    let url = v.url!;
    let mediaType = v.mediaType ?? "video/mp4";
    const headers = v.data ? undefined : outputHeaders(ids.ctx, ids.adapter, url, v.downloadHeaders);
    let requiresProviderAuth = headers !== undefined && Object.keys(headers).length > 0;
    if (v.data) {
      mediaType = sniffMediaType(v.data) ?? mediaType;
      url = storage
        ? await storeOutput(storage, { data: v.data, mediaType, kind: "video", requestId, index: out.length })
        : toDataUrl({ data: v.data, mediaType });
    } else if (storage && !url.startsWith("data:") && /^https?:/i.test(url)) {
      const opened = await openOutput(core, url, ids.provider, undefined, ids.signal, headers ?? {});
      url = await storeOutput(storage, { data: opened.body, mediaType, kind: "video", requestId, index: out.length });
      requiresProviderAuth = false;
    }
    out.push({
      url,
      mediaType,
      durationSeconds: v.durationSeconds ?? ids.defaultDuration,
      width: v.width,
      height: v.height,
      ...(requiresProviderAuth ? { requiresProviderAuth: true } : {}),
    });
  }
  return out;
}

const MAX_STATUS_READ_FAILURES = 4;

/**
 * Submit, then poll the provider job to completion; cancel it on abort or when we give up on it.
 * `onSubmitted` hears the provider's id before the first status check (a durable caller stores it
 * there, so a restart re-attaches instead of submitting again).
 */
async function runJob(
  ctx: AdapterContext,
  adapter: ProviderAdapter,
  request: NormalizedVideoRequest,
  onSubmitted: ((providerJobId: string) => Promise<void>) | undefined,
): Promise<AdapterVideoResult> {
  if (adapter.generateVideo) return adapter.generateVideo(ctx, request);
  if (!adapter.submitVideo || !adapter.getVideoStatus) {
    throw new ValidationError(`${ctx.provider} does not generate video`, { issues: [{ field: "provider", message: "no video support" }] });
  }
  const { providerJobId } = await adapter.submitVideo(ctx, request);
  if (onSubmitted) {
    try {
      await onSubmitted(providerJobId);
    } catch (error) {
      // A job nobody could re-attach to after a crash must not run on unrecorded: stop it, and do not
      // retry (a retry would submit and bill another one).
      await adapter.cancelVideo?.(ctx, providerJobId).catch(() => undefined);
      throw new GenerationFailedError(`${ctx.provider} job ${providerJobId} could not be recorded and was cancelled: ${(error as Error).message}`, {
        cause: error,
        transient: false,
      });
    }
  }
  await ctx.progress({ status: "queued", message: `submitted as ${providerJobId}` });
  return pollJob(ctx, adapter, providerJobId);
}

/** Poll a submitted provider job to a terminal state (the second half of runJob; also how a job resumes). */
function pollJob(ctx: AdapterContext, adapter: ProviderAdapter, providerJobId: string): Promise<AdapterVideoResult> {
  const { getVideoStatus, cancelVideo } = adapter;
  if (!getVideoStatus) {
    throw new ValidationError(`${ctx.provider} cannot resume a video job`, { issues: [{ field: "provider", message: "no status support" }] });
  }
  let readFailures = 0;
  return ctx.poll({
    what: `${ctx.provider} video job ${providerJobId}`,
    intervalMs: ctx.pollIntervalMs,
    onCancel: cancelVideo ? () => cancelVideo.call(adapter, ctx, providerJobId) : undefined,
    async check() {
      let state: VideoJobState;
      try {
        state = await getVideoStatus.call(adapter, ctx, providerJobId);
        readFailures = 0;
      } catch (error) {
        // A blip while reading the status must not fail the attempt: a retry would submit (and bill)
        // the job again. Read again a few times; the job itself is fine.
        if (isRetryableError(error) && !ctx.signal.aborted && ++readFailures < MAX_STATUS_READ_FAILURES) {
          return { done: false, retryAfterMs: error instanceof HTTPError ? error.retryAfterMs : undefined };
        }
        throw error;
      }
      switch (state.status) {
        case "completed":
          return { done: true, value: state.result };
        case "failed":
          throw state.error;
        case "cancelled":
          throw new GenerationFailedError(`${ctx.provider} cancelled the job${state.message ? `: ${state.message}` : ""}`);
        default:
          return { done: false, progress: state };
      }
    },
  });
}

function checkResult(provider: string, r: unknown): AdapterVideoResult {
  const checked = AdapterVideoResultSchema.safeParse(r);
  if (!checked.success) {
    throw new GenerationFailedError(`${provider} returned an unusable response: ${checked.error.issues[0]?.message ?? "invalid"}`, {
      rawResponse: (r as { rawResponse?: unknown } | undefined)?.rawResponse,
    });
  }
  return checked.data;
}

function videoCost(result: AdapterVideoResult, estimate: Cost | undefined): Cost | undefined {
  return result.costUsd !== undefined ? { amountUsd: result.costUsd, basis: "provider", estimated: false } : estimate;
}

type VideoRun = (input: AttemptInput<NormalizedVideoRequest>) => Promise<AdapterVideoResult>;

/** One attempt of a video call: get the provider's result (`run`), then build the response. */
function videoAttempt(core: GatewayCore, run: VideoRun) {
  return async (input: AttemptInput<NormalizedVideoRequest>, metadata: () => ExecutionMetadata, requestId: string): Promise<VideoGenerationResponse> => {
    const { ctx, adapter, call } = input;
    const result = checkResult(call.provider, await run(input));
    const videos = await toVideos(core, result, requestId, {
      ctx,
      adapter,
      provider: call.provider,
      defaultDuration: call.request.durationSeconds,
      signal: ctx.signal,
    });
    await ctx.progress({ status: "completed", progressPercent: 100 });
    return {
      requestId,
      providerRequestId: result.providerRequestId,
      status: "completed",
      provider: call.provider,
      model: call.model,
      video: videos[0]!,
      videos,
      warnings: [...new Set([...call.warnings, ...(result.warnings ?? [])])],
      usage: result.usage,
      cost: call.mocked ? mockedCost(estimateVideoCost(call.capability, call.request)) : videoCost(result, estimateVideoCost(call.capability, call.request)),
      isMock: call.mocked,
      rawResponse: redact(result.rawResponse),
      executionMetadata: metadata(),
    };
  };
}

export async function generateVideoWith(
  core: GatewayCore,
  config: VideoGenerationConfig,
  request: VideoGenerationRequest,
  options: GenerateOptions = {},
): Promise<VideoGenerationResponse> {
  const parsed = parseVideoRequest(request);
  const onSubmitted = options.onSubmitted;
  return runChain(core, {
    kind: "video",
    config,
    request: parsed,
    options,
    attempt: videoAttempt(core, ({ ctx, adapter, call }) =>
      runJob(
        ctx,
        adapter,
        call.request,
        onSubmitted &&
          ((providerJobId) => {
            const ref = { p: call.provider, m: call.model, id: providerJobId, ...(call.mocked ? { mock: 1 as const } : {}) };
            return Promise.resolve(onSubmitted({ jobId: encodeJobId(ref), provider: call.provider, model: call.model, providerJobId }));
          }),
      ),
    ),
  });
}

/**
 * Finish a video call whose provider job was already submitted (by a process that went away): the
 * job named by `jobId` (from `onSubmitted`) is polled to the end and the response built as
 * `generateVideo` builds it. Nothing is submitted: one attempt on the job's own provider and model,
 * no retries and no fallbacks (each would be a new, billed job).
 */
export async function resumeVideoWith(
  core: GatewayCore,
  config: VideoGenerationConfig,
  request: VideoGenerationRequest,
  jobId: string,
  options: GenerateOptions = {},
): Promise<VideoGenerationResponse> {
  const ref = decodeJobId(jobId);
  const pinned: VideoGenerationConfig = {
    ...config,
    provider: ref.p,
    model: ref.m,
    fallbacks: [],
    maxRetries: 0,
    ...(ref.mock === 1 ? { mock: { ...config.mock, enabled: true } } : {}),
  };
  return runChain(core, {
    kind: "video",
    config: pinned,
    request: parseVideoRequest(request),
    options,
    attempt: videoAttempt(core, async ({ ctx, adapter }) => {
      await ctx.progress({ status: "processing", message: `resumed ${ref.id}` });
      return pollJob(ctx, adapter, ref.id);
    }),
  });
}

// ---- Jobs that outlive the caller -------------------------------------------------------------

interface JobRef {
  v: 1;
  p: string;
  m: string;
  id: string;
  mock?: 1;
}

/** A job id carries provider, model and the provider's id, so any process can resume it. */
export function encodeJobId(ref: Omit<JobRef, "v">): string {
  return `vj_${Buffer.from(JSON.stringify({ v: 1, ...ref })).toString("base64url")}`;
}

export function decodeJobId(jobId: string): JobRef {
  try {
    if (!jobId.startsWith("vj_")) throw new Error("prefix");
    const ref = JSON.parse(Buffer.from(jobId.slice(3), "base64url").toString("utf8")) as JobRef;
    if (ref.v !== 1 || typeof ref.p !== "string" || typeof ref.m !== "string" || typeof ref.id !== "string") throw new Error("shape");
    return ref;
  } catch {
    throw new ValidationError("jobId is not a tarash video job id", { issues: [{ field: "jobId", message: "not a tarash video job id" }] });
  }
}

export interface SubmittedVideo {
  jobId: string;
  requestId: string;
  provider: string;
  model: string;
  providerJobId: string;
  warnings: string[];
  isMock: boolean;
}

export interface VideoStatus {
  jobId: string;
  provider: string;
  model: string;
  status: "queued" | "processing" | "completed" | "failed" | "cancelled";
  progressPercent?: number | undefined;
  queuePosition?: number | undefined;
  message?: string | undefined;
  /** Present when completed. */
  result?: VideoGenerationResponse | undefined;
  /** Present when failed. */
  error?: { type: string; message: string; statusCode?: number | undefined } | undefined;
}

function jobAdapter(core: GatewayCore, provider: string, mocked: boolean) {
  return core.registry.adapter(mocked ? "mock" : provider);
}

function jobContext(core: GatewayCore, config: VideoGenerationConfig, ref: JobRef, signal?: AbortSignal) {
  const cfg = parseConfig({ ...config, provider: ref.p, model: ref.m, ...(ref.mock ? { mock: { ...config.mock, enabled: true } } : {}) });
  return detachedContext(core, cfg, { provider: ref.p, model: ref.m, capability: core.registry.getModel(ref.p, ref.m) }, signal);
}

export async function submitVideoWith(
  core: GatewayCore,
  config: VideoGenerationConfig,
  request: VideoGenerationRequest,
  options: Pick<GenerateOptions, "signal"> = {},
): Promise<SubmittedVideo> {
  const parsedConfig = parseConfig(config);
  const call = prepare(core, parsedConfig, parseVideoRequest(request), "video");
  const adapter = await jobAdapter(core, call.provider, call.mocked);
  if (!adapter.submitVideo || !adapter.getVideoStatus) {
    throw new ValidationError(`${call.provider} cannot run video jobs in the background`, {
      issues: [{ field: "provider", message: "no submit/status support" }],
    });
  }
  const requestId = newRequestId();
  const ctx = detachedContext(
    core,
    parsedConfig,
    { provider: call.provider, model: call.model, capability: call.capability, requestId, warnings: call.warnings },
    options.signal,
  );
  const { providerJobId } = await adapter.submitVideo(ctx, call.request).catch((e: unknown) => {
    throw toTarashError(e);
  });
  const ref = { p: call.provider, m: call.model, id: providerJobId, ...(call.mocked ? { mock: 1 as const } : {}) };
  return { jobId: encodeJobId(ref), requestId, provider: call.provider, model: call.model, providerJobId, warnings: call.warnings, isMock: call.mocked };
}

export async function getVideoStatusWith(core: GatewayCore, jobId: string, config: VideoGenerationConfig = {}): Promise<VideoStatus> {
  const ref = decodeJobId(jobId);
  const adapter = await jobAdapter(core, ref.p, ref.mock === 1);
  const ctx = jobContext(core, config, ref);
  const state: VideoJobState = await adapter.getVideoStatus!(ctx, ref.id).catch((e: unknown) => {
    throw toTarashError(e);
  });
  const base = { jobId, provider: ref.p, model: ref.m };
  switch (state.status) {
    case "completed": {
      const result = checkResult(ref.p, state.result);
      const cap = core.registry.getModel(ref.p, ref.m);
      const videos = await toVideos(core, result, ctx.requestId, { ctx, adapter, provider: ref.p });
      return {
        ...base,
        status: "completed",
        progressPercent: 100,
        result: {
          requestId: ctx.requestId,
          providerRequestId: result.providerRequestId ?? ref.id,
          status: "completed",
          provider: ref.p,
          model: ref.m,
          video: videos[0]!,
          videos,
          warnings: result.warnings ?? [],
          usage: result.usage,
          cost: ref.mock === 1 ? mockedCost(costFromVideoUsage(cap, result.usage)) : videoCost(result, costFromVideoUsage(cap, result.usage)),
          isMock: ref.mock === 1,
          rawResponse: redact(result.rawResponse),
          executionMetadata: { totalAttempts: 1, successfulAttempt: 1, fallbackTriggered: false, configsInChain: 1, attempts: [] },
        },
      };
    }
    case "failed":
      return { ...base, status: "failed", error: { type: state.error.name, message: state.error.message, statusCode: state.error.statusCode } };
    case "cancelled":
      return { ...base, status: "cancelled", message: state.message };
    default:
      return { ...base, status: state.status, progressPercent: state.progressPercent, queuePosition: state.queuePosition, message: state.message };
  }
}

export async function cancelVideoWith(core: GatewayCore, jobId: string, config: VideoGenerationConfig = {}): Promise<void> {
  const ref = decodeJobId(jobId);
  const adapter = await jobAdapter(core, ref.p, ref.mock === 1);
  if (!adapter.cancelVideo) {
    throw new ValidationError(`${ref.p} does not support cancelling a job`, { issues: [{ field: "jobId", message: "cancel unsupported" }] });
  }
  const ctx = jobContext(core, config, ref);
  await adapter.cancelVideo(ctx, ref.id).catch((e: unknown) => {
    throw e instanceof CancelledError ? e : toTarashError(e);
  });
}
