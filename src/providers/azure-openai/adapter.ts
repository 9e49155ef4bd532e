import { ValidationError } from "../../core/errors.js";
import type { AdapterContext, ProviderAdapter } from "../../core/provider.js";
import type { AdapterImageResult, NormalizedImageRequest } from "../../core/types.js";
import { generateOpenAIImage, type ImagesTransport } from "../openai/image.js";
import { parseAzureError } from "./errors.js";
import { azureVideo } from "./video.js";
import { azureConnection } from "./connection.js";
import { DEFAULT_DEPLOYMENTS_API_VERSION, azureSurface } from "./options.js";

/** Transport for Azure: deployments URLs or the v1 surface, `api-key` (or Entra bearer) auth. */
export function azureTransport(ctx: AdapterContext): ImagesTransport {
  const { config, root, headers, deployment } = azureConnection(ctx);
  const surface = azureSurface(config);
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

export const adapter: ProviderAdapter = { generateImage, ...azureVideo };
