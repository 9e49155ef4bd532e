import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

/** The API version Runway's SDK pins; Runway rejects requests without one. */
export const DEFAULT_RUNWAY_VERSION = "2024-11-06";

/** `providerConfig` keys the Runway adapter reads; other keys are ignored so shared configs stay valid. */
export const RunwayOptionsSchema = z.looseObject({
  /** `X-Runway-Version` to send, for accounts moved to a newer API version. */
  runwayVersion: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a version date like "2024-11-06"')
    .optional(),
});

export type RunwayOptions = z.infer<typeof RunwayOptionsSchema>;

export function parseRunwayOptions(config: Readonly<Record<string, unknown>>): RunwayOptions {
  return parseProviderConfig(RunwayOptionsSchema, config, "runway");
}
