import type { AdapterContext, ProviderAdapter, VideoJobState } from "../../core/provider.js";
import type { NormalizedVideoRequest } from "../../core/types.js";
import type { VideoApi } from "../openai/video-models.js";
import { type VideosTransport, deleteSoraVideo, getSoraVideoStatus, sameOrigin, submitSoraVideo, videoErrorParser } from "../openai/video.js";
import { azureConnection } from "./connection.js";
import { parseAzureError } from "./errors.js";
import { isDatedApiVersion } from "./options.js";
import { type JobsTransport, deleteSoraJob, getSoraJobStatus, submitSoraJob } from "./video-jobs.js";

/**
 * Sora on Azure. Sora 2 speaks OpenAI's Videos API on `/openai/v1/videos` (deployment name as
 * `model`, no deployments route for videos); Sora 1 uses Azure's generation jobs. A Sora 1 job id is
 * stored as `jobs:<id>` so a status check from another process knows which API to ask.
 */

const JOBS_PREFIX = "jobs:";

function videoApi(ctx: AdapterContext, configured: VideoApi | undefined): VideoApi {
  if (configured) return configured;
  const hinted = ctx.capability?.adapterHints?.videoApi;
  if (hinted === "videos" || hinted === "video-generations") return hinted;
  return /^sora(-1)?$/i.test(ctx.model) ? "video-generations" : "videos";
}

/** `api-version` for the v1 surface: a configured undated one, else `fallback`; dated versions belong to images' deployments URLs. */
function v1Query(apiVersion: string | undefined, fallback: string | undefined): { "api-version"?: string } {
  const version = apiVersion && !isDatedApiVersion(apiVersion) ? apiVersion : fallback;
  return version ? { "api-version": version } : {};
}

function connect(ctx: AdapterContext) {
  const conn = azureConnection(ctx);
  const parseError = videoErrorParser(parseAzureError);
  const client = (afterAbort: boolean) =>
    ctx.http({ baseUrl: conn.root, headers: conn.headers, parseError, ...(afterAbort ? { signal: undefined } : {}) });
  return { ...conn, client };
}

function videosTransport(ctx: AdapterContext): VideosTransport {
  const { root, config, deployment, client } = connect(ctx);
  const query = v1Query(config.apiVersion, undefined);
  const contentQuery = new URLSearchParams(query).toString();
  return {
    http: client(false),
    cancelHttp: () => client(true),
    route: (path) => ({ path: `/openai/v1/${path}`, query }),
    contentUrl: (id) => `${root}/openai/v1/videos/${encodeURIComponent(id)}/content${contentQuery ? `?${contentQuery}` : ""}`,
    bodyModel: deployment,
  };
}

function jobsTransport(ctx: AdapterContext): JobsTransport {
  const { root, config, deployment, client } = connect(ctx);
  return {
    http: client(false),
    cancelHttp: () => client(true),
    query: v1Query(config.apiVersion, "preview"),
    url: (path) => `${root}/openai/v1/video/generations/${path}`,
    bodyModel: deployment,
  };
}

async function submitVideo(ctx: AdapterContext, req: NormalizedVideoRequest): Promise<{ providerJobId: string; rawResponse: unknown }> {
  const { config } = azureConnection(ctx);
  if (videoApi(ctx, config.videoApi) === "video-generations") {
    const { id, rawResponse } = await submitSoraJob(ctx, req, jobsTransport(ctx));
    return { providerJobId: `${JOBS_PREFIX}${id}`, rawResponse };
  }
  return submitSoraVideo(ctx, req, videosTransport(ctx));
}

function getVideoStatus(ctx: AdapterContext, providerJobId: string): Promise<VideoJobState> {
  return providerJobId.startsWith(JOBS_PREFIX)
    ? getSoraJobStatus(ctx, providerJobId.slice(JOBS_PREFIX.length), jobsTransport(ctx))
    : getSoraVideoStatus(ctx, providerJobId, videosTransport(ctx));
}

/** Sora 1: `DELETE …/jobs/{id}`; Sora 2: `DELETE /videos/{id}` (which deletes the video, as on OpenAI). */
function cancelVideo(ctx: AdapterContext, providerJobId: string): Promise<void> {
  return providerJobId.startsWith(JOBS_PREFIX)
    ? deleteSoraJob(providerJobId.slice(JOBS_PREFIX.length), jobsTransport(ctx))
    : deleteSoraVideo(providerJobId, videosTransport(ctx));
}

/** Video content needs the `api-key` (or token); it is only sent to the configured resource endpoint. */
function downloadHeaders(ctx: AdapterContext, url: string): Record<string, string> {
  const { root, headers } = azureConnection(ctx);
  return sameOrigin(url, root) ? headers : {};
}

export const azureVideo: Pick<ProviderAdapter, "submitVideo" | "getVideoStatus" | "cancelVideo" | "downloadHeaders"> = {
  submitVideo,
  getVideoStatus,
  cancelVideo,
  downloadHeaders,
};
