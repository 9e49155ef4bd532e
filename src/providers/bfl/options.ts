import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

/** `providerConfig` keys the BFL adapter reads; other keys are ignored so shared configs stay valid. */
export const BflOptionsSchema = z.looseObject({
  /** Default `safety_tolerance` (0 strictest … 6; FLUX.2 documents 0–5) for every call of this config. */
  safetyTolerance: z.number().int().min(0).max(6).optional(),
});

export type BflOptions = z.infer<typeof BflOptionsSchema>;

export function parseBflOptions(config: Readonly<Record<string, unknown>>): BflOptions {
  return parseProviderConfig(BflOptionsSchema, config, "bfl");
}
