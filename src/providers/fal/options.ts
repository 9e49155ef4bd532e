import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

/** `providerConfig` for fal. Each field is sent only to models that take it (or to unknown models). */
export const FalProviderConfigSchema = z
  .object({
    /** `enable_safety_checker`; fal's default is on. */
    enableSafetyChecker: z.boolean().optional(),
    /** `safety_tolerance`, 1 (strict) … 6 (permissive), for FLUX pro models. */
    safetyTolerance: z.union([z.number().int().min(1).max(6), z.enum(["1", "2", "3", "4", "5", "6"])]).optional(),
    /** `sync_mode`: outputs come back as data URIs and are not kept in fal's request history. */
    syncMode: z.boolean().optional(),
    /** `x-fal-queue-priority`. */
    queuePriority: z.enum(["normal", "low"]).optional(),
    /** `?fal_webhook=`: fal also POSTs the result to this URL. */
    webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .passthrough();

export type FalProviderConfig = z.infer<typeof FalProviderConfigSchema>;

export function parseFalConfig(config: Readonly<Record<string, unknown>>): FalProviderConfig {
  return parseProviderConfig(FalProviderConfigSchema, config, "fal");
}
