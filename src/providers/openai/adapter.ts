import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { parseOpenAIError } from "./errors.js";
import { generateOpenAIImage } from "./image.js";
import { OpenAIProviderConfigSchema, parseProviderConfig } from "./options.js";

/** An HTTP client for api.openai.com (or `baseUrl`): bearer auth plus organization / project headers. */
export function openAIHttp(ctx: AdapterContext) {
  const config = parseProviderConfig(OpenAIProviderConfigSchema, ctx.providerConfig, ctx.provider);
  const headers: Record<string, string> = { authorization: `Bearer ${ctx.requireApiKey()}` };
  if (config.organization) headers["openai-organization"] = config.organization;
  if (config.project) headers["openai-project"] = config.project;
  return { http: ctx.http({ headers, parseError: parseOpenAIError }), config };
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

/** Images live in image.ts; video (Sora) can be added as its own module and spread in here. */
export const adapter: ProviderAdapter = { generateImage };
