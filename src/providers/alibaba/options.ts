import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

/** `providerConfig` keys the Alibaba adapter reads; other keys are ignored so shared configs stay valid. */
export const AlibabaOptionsSchema = z.looseObject({
  /** Force the protocol for a model the catalog does not know: `text2image` (async task) or `multimodal` (sync). */
  endpoint: z.enum(["text2image", "multimodal"]).optional(),
  /** DashScope's `parameters.watermark`; unset leaves the provider default. */
  watermark: z.boolean().optional(),
});

export type AlibabaOptions = z.infer<typeof AlibabaOptionsSchema>;

export function parseAlibabaOptions(config: Readonly<Record<string, unknown>>): AlibabaOptions {
  return parseProviderConfig(AlibabaOptionsSchema, config, "alibaba");
}
