import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

/** `providerConfig` keys the Stability adapter reads; other keys are ignored so shared configs stay valid. */
export const StabilityOptionsSchema = z.looseObject({
  /**
   * `binary` (default) asks for `accept: image/*` and reads raw bytes plus the `finish-reason`/`seed`
   * headers; `json` asks for `accept: application/json` and reads `{image: base64, finish_reason, seed}`.
   */
  responseMode: z.enum(["binary", "json"]).optional(),
});

export type StabilityOptions = z.infer<typeof StabilityOptionsSchema>;

export function parseStabilityOptions(config: Readonly<Record<string, unknown>>): StabilityOptions {
  return parseProviderConfig(StabilityOptionsSchema, config, "stability");
}
