import { z } from "zod";
import { parseProviderConfig } from "../../core/provider-config.js";

const Weight = z.number().min(0).max(1);

/** `providerConfig` keys the Luma adapter reads; other keys are ignored so shared configs stay valid. */
export const LumaOptionsSchema = z.looseObject({
  /** `weight` sent with each `image_ref` (Luma's default applies when unset). */
  imageRefWeight: Weight.optional(),
  /** `weight` sent with each `style_ref`. */
  styleRefWeight: Weight.optional(),
  /** `weight` sent with `modify_image_ref`. */
  modifyImageWeight: Weight.optional(),
});

export type LumaOptions = z.infer<typeof LumaOptionsSchema>;

export function parseLumaOptions(config: Readonly<Record<string, unknown>>): LumaOptions {
  return parseProviderConfig(LumaOptionsSchema, config, "luma");
}
