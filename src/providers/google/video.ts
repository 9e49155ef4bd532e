import { errorOfKind } from "../../core/http-errors.js";
import {
  ContentModerationError,
  GenerationFailedError,
  type TarashError,
  type TarashErrorOptions,
  ValidationError,
} from "../../core/errors.js";
import type { AdapterContext, VideoJobState } from "../../core/provider.js";
import type { AdapterVideoResult, MediaInput, NormalizedVideoRequest } from "../../core/types.js";
import { GEMINI_DEFAULT_BASE_URL } from "./base-url.js";
import { type GoogleTarget, googleHttp, googleTarget, vertexOnly } from "./endpoint.js";
import { type GoogleRpcStatus, classifyGoogleStatus } from "./errors.js";
import { type GoogleProviderConfig, googleProviderConfig } from "./options.js";
import { type Json, isPlainObject, mergeDeep, rejectField } from "./wire.js";

/**
 * Veo through `:predictLongRunning`. The Gemini API polls `GET /v1beta/{operation}` and returns file
 * URIs that need the API key to download; Vertex AI polls `POST {model}:fetchPredictOperation` and returns
 * bytes (or `gs://` URIs when `storageUri` is set).
 *
 * Neither API documents cancelling a Veo operation, so there is no `cancelVideo`: an abort stops polling
 * at once, and the provider finishes (and bills) the job.
 */

interface VeoVideo {
  uri?: string;
  encodedVideo?: string;
  encoding?: string;
  gcsUri?: string;
  bytesBase64Encoded?: string;
  mimeType?: string;
}

interface VeoFiltered {
  raiMediaFilteredCount?: number;
  raiMediaFilteredReasons?: string[];
}

interface VeoOperation {
  name?: string;
  done?: boolean;
  metadata?: Record<string, unknown>;
  error?: GoogleRpcStatus;
  response?: VeoFiltered & {
    generateVideoResponse?: VeoFiltered & { generatedSamples?: { video?: VeoVideo }[] };
    /** Some Gemini responses put the samples directly under `response`. */
    generatedSamples?: { video?: VeoVideo }[];
    /** Vertex AI. */
    videos?: VeoVideo[];
  };
}

// ---- Job ids ----------------------------------------------------------------------------------

/**
 * What a later status check needs, in any process: the operation name, and for Vertex the model
 * resource `fetchPredictOperation` is called on (its project/location also pick the host and auth).
 * Gemini jobs are the bare operation name (`models/veo-…/operations/…`); Vertex jobs are
 * `vertex:{model resource}|{operation name}`.
 */
export type VeoJob = { backend: "gemini"; operation: string } | { backend: "vertex"; operation: string; modelResource: string };

const VERTEX_PREFIX = "vertex:";

export function encodeVeoJob(job: VeoJob): string {
  return job.backend === "gemini" ? job.operation : `${VERTEX_PREFIX}${job.modelResource}|${job.operation}`;
}

export function decodeVeoJob(id: string): VeoJob {
  if (!id.startsWith(VERTEX_PREFIX)) {
    if (!id || /\s/.test(id)) throw badJobId();
    return { backend: "gemini", operation: id };
  }
  const rest = id.slice(VERTEX_PREFIX.length);
  const bar = rest.indexOf("|");
  const modelResource = rest.slice(0, bar);
  const operation = rest.slice(bar + 1);
  if (bar <= 0 || !operation || !/(?:^|\/)models\/[^/]+$/.test(modelResource)) throw badJobId();
  return { backend: "vertex", operation, modelResource };
}

function badJobId(): ValidationError {
  return new ValidationError("not a google Veo job id", { issues: [{ field: "jobId", message: "not a google Veo operation" }] });
}

/** The model resource of a Vertex operation name (`…/models/{m}/operations/{id}` → `…/models/{m}`). */
function modelResourceOf(operation: string, target: GoogleTarget, model: string): string {
  const cut = operation.indexOf("/operations/");
  const head = cut > 0 ? operation.slice(0, cut) : "";
  if (/(?:^|\/)models\/[^/]+$/.test(head)) return head;
  // An operation name without its model: rebuild the resource from the URL the job was started on.
  const method = ":predictLongRunning";
  return target.modelUrl(model, method.slice(1)).slice(target.root.length + 1, -method.length);
}

/** Backend settings for a job, so a status check goes where the job was started whatever the config says. */
function jobOverrides(job: VeoJob): Partial<GoogleProviderConfig> {
  if (job.backend === "gemini") return { vertex: false };
  const scoped = /^projects\/([^/]+)\/locations\/([^/]+)\//.exec(job.modelResource);
  return scoped
    ? { vertex: true, project: decodeURIComponent(scoped[1]!), location: scoped[2]! }
    : { vertex: true, project: undefined, location: undefined };
}

// ---- Request ----------------------------------------------------------------------------------

/** `extraParams` keys that are top-level body fields, and instance fields; the rest are parameters. */
const TOP_LEVEL_KEYS = new Set(["labels", "webhookConfig"]);
const INSTANCE_KEYS = new Set(["mask"]);

const REFERENCE_TYPES: Partial<Record<string, string>> = { reference: "asset", asset: "asset", style: "style" };

async function imageField(ctx: AdapterContext, input: MediaInput, field: string): Promise<Json> {
  const { base64, mediaType } = await ctx.media.toBase64(input, field);
  return { bytesBase64Encoded: base64, mimeType: mediaType };
}

/** Whether a URL is one of the Gemini API's own files (Veo outputs), which it resolves by URI. */
function isGeminiFile(ctx: AdapterContext, url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
  const own = new URL(ctx.baseUrl || GEMINI_DEFAULT_BASE_URL);
  return parsed.origin === own.origin || parsed.hostname === new URL(GEMINI_DEFAULT_BASE_URL).hostname;
}

async function videoField(ctx: AdapterContext, target: GoogleTarget, input: MediaInput): Promise<Json> {
  if (target.backend === "gemini") {
    // Extending a Veo video: the Gemini API takes its own file by URI (downloading it would need the key).
    if (typeof input === "string" && isGeminiFile(ctx, input)) return { uri: input };
    const { base64, mediaType } = await ctx.media.toBase64(input, "video");
    return { encodedVideo: base64, encoding: mediaType };
  }
  const { base64, mediaType } = await ctx.media.toBase64(input, "video");
  return { bytesBase64Encoded: base64, mimeType: mediaType };
}

async function buildInstance(ctx: AdapterContext, target: GoogleTarget, request: NormalizedVideoRequest): Promise<Json> {
  const instance: Json = { prompt: request.prompt };
  const references: Json[] = [];
  for (const [i, item] of (request.imageList ?? []).entries()) {
    const field = `imageList.${i}.image`;
    if (item.type === "first_frame" || item.type === "last_frame") {
      const key = item.type === "first_frame" ? "image" : "lastFrame";
      if (instance[key] !== undefined) rejectField(ctx, `imageList.${i}.type`, `only one ${item.type} image can be given`);
      instance[key] = await imageField(ctx, item.image, field);
      continue;
    }
    const referenceType = REFERENCE_TYPES[item.type];
    if (!referenceType) rejectField(ctx, `imageList.${i}.type`, `Veo takes first_frame, last_frame, reference/asset or style images, not ${item.type}`);
    references.push({ image: await imageField(ctx, item.image, field), referenceType });
  }
  if (instance.lastFrame !== undefined && instance.image === undefined) {
    rejectField(ctx, "imageList", "a last_frame image needs a first_frame image (Veo interpolates between the two)");
  }
  if (references.length > 0) instance.referenceImages = references;
  if (request.video !== undefined) instance.video = await videoField(ctx, target, request.video);
  return instance;
}

async function buildBody(ctx: AdapterContext, target: GoogleTarget, request: NormalizedVideoRequest): Promise<Json> {
  const instance = await buildInstance(ctx, target, request);
  const parameters: Json = {};
  if (request.numberOfVideos !== undefined) parameters.sampleCount = request.numberOfVideos;
  if (request.durationSeconds !== undefined) parameters.durationSeconds = request.durationSeconds;
  if (request.aspectRatio !== undefined) parameters.aspectRatio = request.aspectRatio;
  if (request.resolution !== undefined) parameters.resolution = request.resolution;
  if (request.negativePrompt !== undefined) parameters.negativePrompt = request.negativePrompt;
  if (request.enhancePrompt !== undefined) parameters.enhancePrompt = request.enhancePrompt;
  if (request.seed !== undefined && vertexOnly(ctx, target, "seed")) parameters.seed = request.seed;
  // Veo 3 on the Gemini API always renders audio, so `true` needs no field there; `false` needs Vertex.
  if (request.generateAudio === false || (request.generateAudio === true && target.backend === "vertex")) {
    if (vertexOnly(ctx, target, "generateAudio")) parameters.generateAudio = request.generateAudio;
  }
  const storageUri = googleProviderConfig(ctx).storageUri;
  if (storageUri !== undefined && vertexOnly(ctx, target, "providerConfig.storageUri")) parameters.storageUri = storageUri;

  const body: Json = { instances: [instance], parameters };
  for (const [key, value] of Object.entries(request.extraParams ?? {})) {
    const into = TOP_LEVEL_KEYS.has(key) ? body : INSTANCE_KEYS.has(key) ? instance : parameters;
    into[key] = isPlainObject(value) ? mergeDeep(isPlainObject(into[key]) ? into[key] : {}, value) : value;
  }
  if (body.labels !== undefined && !vertexOnly(ctx, target, "labels")) delete body.labels;
  return body;
}

export async function submitVeo(ctx: AdapterContext, request: NormalizedVideoRequest): Promise<{ providerJobId: string; rawResponse: unknown }> {
  const target = googleTarget(ctx);
  const body = await buildBody(ctx, target, request);
  const operation = await googleHttp(ctx, target).json<VeoOperation>(target.modelUrl(ctx.model, "predictLongRunning"), { method: "POST", json: body });
  if (typeof operation.name !== "string" || !operation.name) {
    throw new GenerationFailedError("google did not return a Veo operation name", { provider: ctx.provider, model: ctx.model, rawResponse: operation });
  }
  const job: VeoJob =
    target.backend === "gemini"
      ? { backend: "gemini", operation: operation.name }
      : { backend: "vertex", operation: operation.name, modelResource: modelResourceOf(operation.name, target, ctx.model) };
  return { providerJobId: encodeVeoJob(job), rawResponse: operation };
}

// ---- Status -----------------------------------------------------------------------------------

/** google.rpc.Code numbers, for operation errors that carry only `code`. */
const RPC_CODE_NAMES: Record<number, string> = {
  1: "CANCELLED",
  2: "UNKNOWN",
  3: "INVALID_ARGUMENT",
  4: "DEADLINE_EXCEEDED",
  5: "NOT_FOUND",
  7: "PERMISSION_DENIED",
  8: "RESOURCE_EXHAUSTED",
  9: "FAILED_PRECONDITION",
  10: "ABORTED",
  11: "OUT_OF_RANGE",
  13: "INTERNAL",
  14: "UNAVAILABLE",
  16: "UNAUTHENTICATED",
};

/** Veo reports prompts and inputs its safety filters refuse as INVALID_ARGUMENT with this wording. */
const SAFETY_WORDING = /usage guidelines|responsible ai|safety (?:filter|settings|polic)|content polic|support codes?:/i;

function operationError(ctx: AdapterContext, status: GoogleRpcStatus, rawResponse: unknown): TarashError {
  const named: GoogleRpcStatus = { ...status, status: status.status ?? (typeof status.code === "number" ? RPC_CODE_NAMES[status.code] : undefined) };
  const info = classifyGoogleStatus(named);
  const detail = info.message ?? named.status ?? "no reason given";
  const message = `google Veo operation failed: ${detail}`;
  const options: TarashErrorOptions = { provider: ctx.provider, model: ctx.model, code: info.code, rawResponse };
  const kind = SAFETY_WORDING.test(detail) ? "moderation" : info.kind;
  return errorOfKind(kind, message, { ...options, field: info.field, detail, retryAfterMs: info.retryAfterMs }, "job");
}

/** rawResponse without the base64 videos: they are returned as videos already, and are megabytes. */
function withoutVideoData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVideoData);
  if (!isPlainObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    const payload = (k === "bytesBase64Encoded" || k === "encodedVideo") && typeof v === "string" && v.length > 64;
    out[k] = payload ? `[${v.length} base64 chars]` : withoutVideoData(v);
  }
  return out;
}

/**
 * Headers for downloading a Veo output. Gemini file URIs need the API key; it is sent only to the
 * Gemini API's own origin (or the configured base URL's), never to another host.
 */
export function veoDownloadHeaders(ctx: AdapterContext, url: string): Record<string, string> {
  if (!isGeminiFile(ctx, url)) return {};
  return { "x-goog-api-key": ctx.requireApiKey() };
}

function toResult(ctx: AdapterContext, target: GoogleTarget, operation: VeoOperation): VideoJobState {
  const rawResponse = withoutVideoData(operation);
  const response = operation.response ?? {};
  const generated = response.generateVideoResponse ?? {};
  const outputs = [...(generated.generatedSamples ?? response.generatedSamples ?? []).map((s) => s.video ?? {}), ...(response.videos ?? [])];
  const videos: AdapterVideoResult["videos"] = [];
  for (const v of outputs) {
    const mediaType = v.mimeType ?? v.encoding ?? "video/mp4";
    const bytes = v.encodedVideo ?? v.bytesBase64Encoded;
    if (bytes) videos.push({ data: new Uint8Array(Buffer.from(bytes, "base64")), mediaType });
    else if (v.uri) {
      const headers = target.backend === "gemini" ? veoDownloadHeaders(ctx, v.uri) : {};
      videos.push({ url: v.uri, mediaType, ...(Object.keys(headers).length ? { downloadHeaders: headers } : {}) });
    } else if (v.gcsUri) videos.push({ url: v.gcsUri, mediaType });
  }
  const filtered = generated.raiMediaFilteredCount ?? response.raiMediaFilteredCount ?? 0;
  const reasons = generated.raiMediaFilteredReasons ?? response.raiMediaFilteredReasons ?? [];
  const why = reasons.length ? `: ${reasons.join("; ")}` : "";
  const ids = { provider: ctx.provider, model: ctx.model, rawResponse };
  if (videos.length === 0) {
    const error =
      filtered > 0 || reasons.length > 0
        ? new ContentModerationError(`google filtered the video (responsible-AI filter)${why}`, { ...ids, code: "RAI_MEDIA_FILTERED" })
        : new GenerationFailedError("google finished the Veo operation without a video", ids);
    return { status: "failed", error };
  }
  const warnings = filtered > 0 ? [`google filtered ${filtered} of ${filtered + videos.length} videos (responsible-AI filter)${why}`] : [];
  return {
    status: "completed",
    result: { videos, providerRequestId: operation.name, usage: { videos: videos.length }, warnings, rawResponse },
  };
}

export async function veoStatus(ctx: AdapterContext, providerJobId: string): Promise<VideoJobState> {
  const job = decodeVeoJob(providerJobId);
  const target = googleTarget(ctx, jobOverrides(job));
  const http = googleHttp(ctx, target);
  const operation =
    job.backend === "gemini"
      ? await http.json<VeoOperation>(target.resourceUrl(job.operation), { method: "GET" })
      : await http.json<VeoOperation>(target.resourceUrl(`${job.modelResource}:fetchPredictOperation`), {
          method: "POST",
          json: { operationName: job.operation },
        });
  if (!operation.done) {
    const percent = operation.metadata?.progressPercent;
    return {
      status: "processing",
      progressPercent: typeof percent === "number" && percent >= 0 && percent <= 100 ? percent : undefined,
      message: "Veo is generating",
    };
  }
  if (operation.error) return { status: "failed", error: operationError(ctx, operation.error, withoutVideoData(operation)) };
  return toResult(ctx, target, operation);
}
