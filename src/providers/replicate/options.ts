import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

/**
 * Seconds Replicate may hold the create request open (`Prefer: wait`, at most 60) before we switch to
 * polling. The longest wait: Replicate answers the moment the prediction finishes, so an image arrives
 * with no polling delay at all, and a held request costs one idle keep-alive socket.
 */
export const DEFAULT_WAIT_SECONDS = 60;

/** `providerConfig` for Replicate. */
export const ReplicateOptionsSchema = z
  .object({
    /** `Prefer: wait=N` on create (1–60 s), or `false` to return at once and poll. */
    wait: z.union([z.number().int().min(1).max(60), z.literal(false)]).optional(),
    /** Run on a deployment (`owner/name`) instead of the public model endpoint. */
    deployment: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must look like "owner/name"')
      .optional(),
    /** Replicate calls this URL on the events below (completion by default). */
    webhook: z.url({ protocol: /^https?$/ }).optional(),
    webhookEventsFilter: z.array(z.enum(["start", "output", "logs", "completed"])).min(1).optional(),
  })
  .strict();

export type ReplicateOptions = z.output<typeof ReplicateOptionsSchema>;

export function parseReplicateOptions(config: Readonly<Record<string, unknown>>): ReplicateOptions {
  return parseProviderConfig(ReplicateOptionsSchema, config, "replicate");
}
