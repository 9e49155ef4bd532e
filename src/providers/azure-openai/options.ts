import { z } from "zod";

export const AZURE_SURFACES = ["deployments", "v1"] as const;
export type AzureSurface = (typeof AZURE_SURFACES)[number];

/** Used on the deployments surface when no `apiVersion` is configured; gpt-image models need 2025-04-01-preview or later. */
export const DEFAULT_DEPLOYMENTS_API_VERSION = "2025-04-01-preview";

/** `providerConfig` of the `azure-openai` provider. */
export const AzureProviderConfigSchema = z
  .object({
    /** Deployment name. Default: the model id. */
    deployment: z.string().min(1).optional(),
    /** `api-version` query value. Dated versions imply the deployments surface. */
    apiVersion: z.string().min(1).optional(),
    /** `https://{resource}.openai.azure.com` (a trailing `/openai` or `/openai/v1` is accepted). `baseUrl` wins. */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** Builds the endpoint `https://{resourceName}.openai.azure.com`. */
    resourceName: z.string().regex(/^[A-Za-z0-9-]+$/, "letters, digits and dashes only").optional(),
    surface: z.enum(AZURE_SURFACES).optional(),
    /** A Microsoft Entra ID token, sent as `Authorization: Bearer` instead of the `api-key` header. */
    accessToken: z.string().min(1).optional(),
    operation: z.enum(["generate", "edit", "variation"]).optional(),
    /**
     * Video API of the deployment: `videos` (Sora 2, `/openai/v1/videos`) or `video-generations`
     * (Sora 1 jobs). Default: from the model (`sora` → video-generations, anything else → videos).
     */
    videoApi: z.enum(["videos", "video-generations"]).optional(),
  })
  .loose();

export type AzureProviderConfig = z.infer<typeof AzureProviderConfigSchema>;

const DATED = /^\d{4}-\d{2}-\d{2}/;

/**
 * Which URL layout to use. An explicit `surface` wins; a dated `apiVersion` or a named `deployment`
 * means the classic deployments URLs; otherwise the v1 surface (deployment name in the body).
 */
export function azureSurface(config: AzureProviderConfig): AzureSurface {
  if (config.surface) return config.surface;
  if (config.apiVersion) return DATED.test(config.apiVersion) ? "deployments" : "v1";
  return config.deployment ? "deployments" : "v1";
}

/** True for dated `api-version`s, which belong to the deployments surface, not to `/openai/v1`. */
export function isDatedApiVersion(version: string | undefined): boolean {
  return version !== undefined && DATED.test(version);
}
