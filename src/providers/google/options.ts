import { z } from "zod";
import type { AdapterContext } from "../../core/provider.js";
import { parseProviderConfig } from "../../core/provider-config.js";

/**
 * Google-specific `providerConfig`. Vertex AI is chosen with `vertex: true` or by giving both
 * `project` and `location`; `accessToken` is the OAuth bearer (`gcloud auth print-access-token`).
 */
export const GoogleProviderConfigSchema = z.looseObject({
  vertex: z.boolean().optional(),
  project: z.string().min(1).optional(),
  location: z.string().min(1).optional(),
  accessToken: z.string().min(1).optional(),
  /** API version path segment: `v1beta` (Gemini API default) or `v1` / `v1beta1` (Vertex, default `v1`). */
  apiVersion: z.string().regex(/^v\d+(?:(?:alpha|beta)\d*)?$/, "must look like v1, v1beta or v1beta1").optional(),
  /** Vertex AI video: a `gs://` prefix Veo writes its outputs to (returned as `gs://` URLs instead of bytes). */
  storageUri: z.string().regex(/^gs:\/\/[^/]+/, "must be a gs://bucket/prefix URI").optional(),
});

export type GoogleProviderConfig = z.infer<typeof GoogleProviderConfigSchema>;

export function googleProviderConfig(ctx: AdapterContext): GoogleProviderConfig {
  return parseProviderConfig(GoogleProviderConfigSchema, ctx.providerConfig, "google");
}
