import { ValidationError } from "../../core/errors.js";
import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import { registerSecret } from "../../core/redact.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { generateOpenAIImage, type ImagesTransport } from "../openai/image.js";
import { parseProviderConfig } from "../openai/options.js";
import { parseAzureError } from "./errors.js";
import { type AzureProviderConfig, AzureProviderConfigSchema, DEFAULT_DEPLOYMENTS_API_VERSION, azureSurface } from "./options.js";

/** The resource endpoint without any `/openai` or `/openai/v1` suffix. */
function resourceEndpoint(ctx: AdapterContext, config: AzureProviderConfig): string {
  const raw =
    ctx.baseUrl ||
    config.endpoint ||
    (config.resourceName ? `https://${config.resourceName}.openai.azure.com` : undefined) ||
    ctx.env.AZURE_OPENAI_ENDPOINT;
  if (!raw) {
    throw new ValidationError("azure-openai needs the resource endpoint: set baseUrl, providerConfig.endpoint or resourceName, or AZURE_OPENAI_ENDPOINT", {
      issues: [{ field: "providerConfig.endpoint", message: "required" }],
    });
  }
  return raw.replace(/\/+$/, "").replace(/\/openai(\/v1)?$/i, "");
}

/** Transport for Azure: deployments URLs or the v1 surface, `api-key` (or Entra bearer) auth. */
export function azureTransport(ctx: AdapterContext): ImagesTransport {
  const config = parseProviderConfig(AzureProviderConfigSchema, ctx.providerConfig, ctx.provider);
  const surface = azureSurface(config);
  const deployment = config.deployment ?? ctx.model;
  const root = resourceEndpoint(ctx, config);
  registerSecret(config.accessToken);
  const headers: Record<string, string> = config.accessToken
    ? { authorization: `Bearer ${config.accessToken}` }
    : { "api-key": ctx.requireApiKey() };
  const http = ctx.http({ baseUrl: root, headers, parseError: parseAzureError });
  return {
    http,
    endpoint(path) {
      if (path === "variations") {
        // Azure serves no dall-e-2 and no variations route.
        throw new ValidationError("azure-openai has no image variations endpoint", {
          issues: [{ field: "extraParams.operation", message: "variations are not served by Azure OpenAI" }],
        });
      }
      if (surface === "v1") {
        return { path: `/openai/v1/images/${path}`, query: { "api-version": config.apiVersion } };
      }
      return {
        path: `/openai/deployments/${encodeURIComponent(deployment)}/images/${path}`,
        query: { "api-version": config.apiVersion ?? DEFAULT_DEPLOYMENTS_API_VERSION },
      };
    },
    // The deployments URL names the model; the v1 surface takes the deployment name as `model`.
    bodyModel: surface === "v1" ? deployment : undefined,
    requestIdHeaders: ["apim-request-id", "x-request-id", "x-ms-request-id"],
    operation: config.operation,
  };
}

function generateImage(ctx: AdapterContext, req: NormalizedImageRequest): Promise<AdapterImageResult> {
  return generateOpenAIImage(ctx, req, azureTransport(ctx));
}

export const adapter: ProviderAdapter = { generateImage };
