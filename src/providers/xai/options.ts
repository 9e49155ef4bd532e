import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

/** `providerConfig` for xai. */
export const XaiProviderConfigSchema = z
  .object({
    /** `url` (default: short-lived imgen.x.ai links) or `b64_json` (bytes in the response). */
    responseFormat: z.enum(["url", "b64_json"]).optional(),
    /** End-user id forwarded as `user`. */
    user: z.string().min(1).optional(),
  })
  .passthrough();

export type XaiProviderConfig = z.infer<typeof XaiProviderConfigSchema>;

export function parseXaiConfig(config: Readonly<Record<string, unknown>>): XaiProviderConfig {
  return parseProviderConfig(XaiProviderConfigSchema, config, "xai");
}
