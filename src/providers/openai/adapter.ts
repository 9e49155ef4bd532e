import type { HttpClientOptions } from "../../core/http.js";
import type { AdapterContext, ProviderAdapter, VideoJobState } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest, NormalizedVideoRequest } from "../../core/types.js";
import { parseOpenAIError } from "./errors.js";
import { generateOpenAIImage } from "./image.js";
import { OpenAIProviderConfigSchema, parseProviderConfig } from "./options.js";
import { type VideosTransport, deleteSoraVideo, getSoraVideoStatus, sameOrigin, submitSoraVideo, videoErrorParser } from "./video.js";

/** Bearer auth plus organization / project headers, for API calls and for downloads of Sora content. */
export function openAIHeaders(ctx: AdapterContext) {
  const config = parseProviderConfig(OpenAIProviderConfigSchema, ctx.providerConfig, ctx.provider);
  const headers: Record<string, string> = { authorization: `Bearer ${ctx.requireApiKey()}` };
  if (config.organization) headers["openai-organization"] = config.organization;
  if (config.project) headers["openai-project"] = config.project;
  return { headers, config };
}

/** An HTTP client for api.openai.com (or `baseUrl`); `options` e.g. `{ signal: undefined }` for a cancel after abort. */
export function openAIHttp(ctx: AdapterContext, options: Partial<HttpClientOptions> = {}) {
  const { headers, config } = openAIHeaders(ctx);
  return { http: ctx.http({ parseError: parseOpenAIError, ...options, headers }), config };
}

function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  const { http, config } = openAIHttp(ctx);
  return generateOpenAIImage(ctx, req, {
    http,
    endpoint: (path) => ({ path: `/images/${path}` }),
    bodyModel: ctx.model,
    requestIdHeaders: ["x-request-id"],
    operation: config.operation,
  });
}

/** The Videos API at `{baseUrl}/videos`. */
function soraTransport(ctx: AdapterContext): VideosTransport {
  const parseError = videoErrorParser(parseOpenAIError);
  return {
    http: openAIHttp(ctx, { parseError }).http,
    cancelHttp: () => openAIHttp(ctx, { parseError, signal: undefined }).http,
    route: (path) => ({ path: `/${path}` }),
    contentUrl: (id) => `${ctx.baseUrl}/videos/${encodeURIComponent(id)}/content`,
    bodyModel: ctx.model,
  };
}

function submitVideo(ctx: AdapterContext, req: NormalizedVideoRequest) {
  return submitSoraVideo(ctx, req, soraTransport(ctx));
}

function getVideoStatus(ctx: AdapterContext, providerJobId: string): Promise<VideoJobState> {
  return getSoraVideoStatus(ctx, providerJobId, soraTransport(ctx));
}

function cancelVideo(ctx: AdapterContext, providerJobId: string): Promise<void> {
  return deleteSoraVideo(providerJobId, soraTransport(ctx));
}

/** Sora content (`/videos/{id}/content`) needs the key; it is only ever sent to the configured API origin. */
function downloadHeaders(ctx: AdapterContext, url: string): Record<string, string> {
  return sameOrigin(url, ctx.baseUrl) ? openAIHeaders(ctx).headers : {};
}

export const adapter: ProviderAdapter = { generateImage, submitVideo, getVideoStatus, cancelVideo, downloadHeaders };
