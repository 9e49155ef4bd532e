import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

/** Seconds Replicate may hold the create request open before we switch to polling. */
export const DEFAULT_WAIT_SECONDS = 5;

/**
 * `providerConfig` for Replicate. `wait` is short on purpose: a long `Prefer: wait` ties up a
 * connection for up to a minute and, when the model is slower, still ends in polling.
 */
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
