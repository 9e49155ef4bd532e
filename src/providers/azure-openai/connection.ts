import { ValidationError } from "../../core/errors.js";
import type { AdapterContext } from "../../core/provider.js";
import { registerSecret } from "../../core/redact.js";
import { parseProviderConfig } from "../openai/options.js";
import { type AzureProviderConfig, AzureProviderConfigSchema } from "./options.js";

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

/** Resource endpoint, deployment and auth headers (`api-key`, or an Entra bearer token) of one config. */
export function azureConnection(ctx: AdapterContext) {
  const config = parseProviderConfig(AzureProviderConfigSchema, ctx.providerConfig, ctx.provider);
  const root = resourceEndpoint(ctx, config);
  registerSecret(config.accessToken);
  const headers: Record<string, string> = config.accessToken
    ? { authorization: `Bearer ${config.accessToken}` }
    : { "api-key": ctx.requireApiKey() };
  return { config, root, headers, deployment: config.deployment ?? ctx.model };
}

